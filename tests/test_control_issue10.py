"""Tests for the control stage's accuracy tools: border tolerance, anchor_km, enclosed pockets,
coverage, the independent check set, the cached point query and ``--points``."""

from __future__ import annotations

import csv
import io

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from geoclaims import control, control_query, paths, regions
from geoclaims.cli import app

FIX = "control"


@pytest.fixture(scope="module")
def ledger() -> control.Ledger:
    return control.default_ledger()


@pytest.fixture
def pocket_ledger(fixtures) -> control.Ledger:
    d = fixtures / FIX
    return control.load_ledger(d / "ledger_pocket.csv", d / "sources.csv")


def _events(rows):
    df = pd.DataFrame(rows, columns=["event_id", "lat", "lon", "date_start"])
    df["date_start"] = pd.to_datetime(df["date_start"])
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=4326)


def _outside_km(lat, lon):
    p = gpd.GeoSeries.from_xy([lon], [lat], crs=4326).to_crs(control.METRIC_CRS).iloc[0]
    return control.syria_metric().distance(p) / 1000


# ---------------------------------------------------------------- border tolerance (item 3)

BORDER_TOWNS = [  # a few hundred metres outside the Natural Earth 1:10m outline
    ("Tall Abyad", 36.69648, 38.95382, "2018-06-01", "sdf"),
    ("Tall Abyad", 36.69648, 38.95382, "2019-11-01", "turkey_and_sna"),
    ("Kobani", 36.89095, 38.35347, "2018-06-01", "sdf"),
    ("Rukban camp", 33.310861, 38.668472, "2018-06-01", "us_coalition"),
    ("al-Baghuz at-Tahtani", 34.43221, 40.99226, "2018-06-01", "isis"),
    ("al-Baghuz at-Tahtani", 34.43221, 40.99226, "2019-06-01", "sdf"),
]


@pytest.mark.parametrize("name, lat, lon, date, want", BORDER_TOWNS)
def test_border_towns_take_the_nearest_zone(ledger, name, lat, lon, date, want):
    assert 0 < _outside_km(lat, lon) < 1, name  # really outside the outline
    out = control.classify(_events([(name, lat, lon, date)]), ledger=ledger)
    assert out["controller"].iloc[0] == want
    assert out.attrs["control_report"].border_snapped == 1
    assert out.attrs["control_report"].outside_zones == 0
    assert np.isfinite(out["dist_other_km"].iloc[0]) and np.isfinite(out["anchor_km"].iloc[0])


def test_border_tolerance_limit_is_counted(ledger):
    # due north of Tall Abyad, in Turkey: about 3 km and about 9 km outside the outline
    near, far = (36.72, 38.955), (36.78, 38.955)
    assert 1 < _outside_km(*near) < control.BORDER_TOLERANCE_KM < _outside_km(*far)
    out = control.classify(_events([("n", *near, "2018-06-01"), ("f", *far, "2018-06-01"),
                                    ("in", 35.9528, 39.0079, "2018-06-01")]), ledger=ledger)
    assert list(out["controller"]) == ["sdf", "unknown", "sdf"]
    rep = out.attrs["control_report"]
    assert (rep.border_snapped, rep.outside_zones) == (1, 1)
    assert any("more than 5 km outside" in line for line in rep.lines())
    assert np.isnan(out["anchor_km"].iloc[1]) and not out["enclosed_pocket"].iloc[1]


def test_border_anchors_outside_the_outline_take_the_nearer_bank(ledger):
    a = ledger.anchors.set_index("place_id")
    for pid in ("gn:163750", "gn:172256"):  # Tall Abyad, Kobani: east of the Euphrates
        assert not control.syria_metric().contains(a.geometry[pid])
        assert a.loc[pid, "bank"] == control.EAST


# ---------------------------------------------------------------- anchor_km (item 4)


def test_anchor_km_is_the_distance_to_the_deciding_place(ledger):
    ev = _events([("raqqa", 35.9528, 39.0079, "2018-06-01"),
                  ("east of raqqa", 35.95, 39.30, "2018-06-01"),
                  ("tanf zone", 33.40, 38.90, "2018-06-01")])
    out = control.classify(ev, ledger=ledger)
    rows = ledger.rows.set_index("row_id")
    assert out["anchor_km"].iloc[0] < 1
    pid = rows.loc[out["control_rows"].iloc[1], "place_id"]
    a = ledger.anchors.set_index("place_id").geometry[pid]
    p = ev.to_crs(control.METRIC_CRS).geometry.iloc[1]
    assert out["anchor_km"].iloc[1] == pytest.approx(p.distance(a) / 1000, abs=1e-6)
    assert out["anchor_km"].iloc[1] > 5
    # decided by a curated zone row: 0
    assert rows.loc[out["control_rows"].iloc[2], "zone_id"] != ""
    assert out["anchor_km"].iloc[2] == 0.0
    far = int((out["anchor_km"] > control.ANCHOR_NEAR_KM).sum())
    assert out.attrs["control_report"].far_anchor == far


# ---------------------------------------------------------------- pockets (item 5)


def test_enclosed_pockets_on_a_synthetic_ledger(pocket_ledger):
    before = control.enclosed_pockets("2017-06-01", ledger=pocket_ledger).set_index("places")
    assert bool(before.loc["gn:174506", "enclosed"])  # Hajin: SDF, border and river around it
    assert before.loc["gn:174506", "open_km"] == 0 and before.loc["gn:174506", "us_km"] > 10
    assert before.loc["gn:174506", "river_km"] > 10
    assert not bool(before.loc["gn:163808", "enclosed"])  # Palmyra: government around it
    after = control.enclosed_pockets("2018-06-01", ledger=pocket_ledger).set_index("places")
    assert not bool(after.loc["gn:174506", "enclosed"])  # al-Shaddadi government opens it
    # the river as a boundary: counted as open when it is not a barrier
    open_river = control.enclosed_pockets("2017-06-01", ledger=pocket_ledger,
                                          river_is_barrier=False).set_index("places")
    assert not bool(open_river.loc["gn:174506", "enclosed"])
    # the us_held mapping decides: with only us_coalition US-held, nothing is enclosed
    none = control.enclosed_pockets("2017-06-01", ledger=pocket_ledger, us_held=("us_coalition",))
    assert not none["enclosed"].any()
    # classify's column follows the same rule, per event and date
    ev = _events([("hajin", 34.6926, 40.8256, "2017-06-01"),
                  ("hajin", 34.6926, 40.8256, "2018-06-01"),
                  ("palmyra", 34.5624, 38.2840, "2017-06-01"),
                  ("raqqa", 35.9528, 39.0079, "2017-06-01")])
    out = control.classify(ev, ledger=pocket_ledger)
    assert list(out["controller"]) == ["isis", "isis", "isis", "sdf"]
    assert list(out["enclosed_pocket"]) == [True, False, False, False]
    assert out.attrs["control_report"].enclosed_pocket == 1


def test_enclosed_pockets_2019_02_01(ledger):
    """Early February 2019: the last IS-held ground around al-Baghuz is a pocket inside SDF
    ground (with the Iraqi border and the Euphrates); an IS-held area elsewhere is not."""
    p = control.enclosed_pockets("2019-02-01", ledger=ledger)
    assert len(p) >= 1
    baghuz = p[p["places"].str.contains("baghuz|gn:174506")]
    assert len(baghuz) >= 1 and baghuz["enclosed"].all()
    assert not p.loc[~p.index.isin(baghuz.index), "enclosed"].any()
    # the Tulul as-Safa area (central desert, October 2018) borders government ground
    q = control.enclosed_pockets("2018-10-01", ledger=ledger)
    safa = q[q["places"].str.contains("cu:tulul-as-safa")]
    assert len(safa) == 1 and not safa["enclosed"].iloc[0]
    assert q[q["places"].str.contains("gn:174506")]["enclosed"].all()  # Hajin pocket
    ev = _events([("fawqani", 34.4586, 40.9506, "2019-02-01")])
    out = control.classify(ev, ledger=ledger)
    assert out["controller"].iloc[0] == "isis" and out["enclosed_pocket"].iloc[0]


# ---------------------------------------------------------------- coverage (item 1)


def test_coverage_per_quarter_on_small_inputs(ledger):
    ev = _events([("raqqa", 35.9528, 39.0079, "2016-02-01"),
                  ("desert", 34.0, 39.8, "2016-03-01"),
                  ("raqqa", 35.95, 39.02, "2019-11-30"),
                  ("before", 35.95, 39.02, "2015-03-01")])
    places = gpd.GeoDataFrame({"place_id": ["gn:1", "gn:2"], "name": ["near", "far"]},
                              geometry=gpd.points_from_xy([39.0079, 39.8], [35.9528, 34.0]),
                              crs=4326)
    cov = control.coverage(ev, ledger=ledger, places=places)
    q = cov.quarters.set_index("quarter")
    assert len(q) == 16 and q.index[0] == "2016Q1" and q.index[-1] == "2019Q4"
    assert str(q.loc["2019Q4", "last_day"]) == "2019-11-30"
    assert (q.loc["2016Q1", "n_events"], q.loc["2016Q1", "n_within"]) == (2, 1)
    assert q.loc["2016Q1", "share_within"] == 0.5 and not q.loc["2016Q1", "meets_target"]
    assert q.loc["2019Q4", "share_within"] == 1.0 and q.loc["2019Q4", "meets_target"]
    assert q.loc["2017Q1", "n_events"] == 0 and not q.loc["2017Q1", "meets_target"]
    assert cov.removed["outside the span or no date"] == 1
    assert cov.worst_place.startswith("far") and cov.max_place_gap_km > 30
    text = control.coverage_text(cov)
    assert "2016Q1" in text and "NOT met" in text and "left out: 1 events" in text


# ---------------------------------------------------------------- check set (item 2)


def test_checks_fixture_runs_and_reports_every_failure(fixtures):
    d = fixtures / FIX
    led = control.load_ledger(d / "ledger_ok.csv", d / "sources.csv")
    res = control.run_checks(ledger=led, path=d / "checks_ok.csv")
    assert (res.n, res.n_ok) == (5, 4) and res.rate == pytest.approx(0.8)
    assert list(res.failing["check_id"]) == ["K5"]
    assert res.table.set_index("check_id").loc["K3", "got"] == "syrian_government"
    lines = res.lines()
    assert "4 of 5 checks hold (80.0%" in lines[0]
    assert len(lines) == 2 and "K5" in lines[1] and "expected sdf" in lines[1]


@pytest.mark.parametrize("old, new, fld, words", [
    ("K2,Raqqa", "K1,Raqqa", "check_id", "appears twice"),
    ("35.0209,40.4535", "north,40.4535", "lat", "not a number"),
    ("33.5058,38.6178", "33.5058,238.6178", "lon", "out of range"),
    ("2018-06-01,sdf", "2020-06-01,sdf", "date", "outside the ledger span"),
    ("syrian_government|contested", "syrian_government|regime", "expected_controller",
     "'regime'"),
    ("https://example.org/b,synthetic check\n", "example.org,synthetic check\n", "source_url",
     "not an http(s) URL"),
    (",Raqqa,35.9528,39.0079,2016", ",,35.9528,39.0079,2016", "place", "is empty"),
])
def test_checks_errors_name_file_row_field(fixtures, tmp_path, old, new, fld, words):
    text = (fixtures / FIX / "checks_ok.csv").read_text()
    assert old in text
    bad = tmp_path / "checks_bad.csv"
    bad.write_text(text.replace(old, new, 1))
    with pytest.raises(control.LedgerError) as exc:
        control.load_checks(bad)
    msg = str(exc.value)
    assert "checks_bad.csv: row " in msg and f"field '{fld}'" in msg and words in msg, msg


@pytest.mark.parametrize("old, new, fld, words", [
    ("sdf,https://example.org/a,synthetic check", "sdf,https://example.org/a,synthetic, check",
     "note", ("more fields than the header: 9 fields, the header has 8 (check_id,place,lat,lon,"
             "date,expected_controller,source_url,note); the extra text ' check'")),
    ("sdf,https://example.org/a,synthetic check", "sdf", "source_url",
     "fewer fields than the header: 6 fields, the header has 8"),
])
def test_checks_row_with_more_or_fewer_fields_is_refused(fixtures, tmp_path, old, new, fld,
                                                         words):
    text = (fixtures / FIX / "checks_ok.csv").read_text()
    assert old in text
    bad = tmp_path / "checks_bad.csv"
    bad.write_text(text.replace(old, new, 1))
    with pytest.raises(control.LedgerError) as exc:
        control.load_checks(bad)
    msg = str(exc.value)
    assert msg.startswith(f"{bad}: row 3 (K2): field '{fld}': {words}"), msg
    assert control.load_checks(fixtures / FIX / "checks_ok.csv")["check_id"].is_unique


def test_checks_header_must_be_exact(fixtures, tmp_path):
    text = (fixtures / FIX / "checks_ok.csv").read_text()
    bad = tmp_path / "checks.csv"
    for old, new in (("source_url,note", "note,source_url"), ("source_url,note", "source_url,note,extra")):
        bad.write_text(text.replace(old, new, 1))
        with pytest.raises(control.LedgerError, match=f"header: columns must be exactly "
                           f"{','.join(control.CHECK_COLUMNS)}; found .*{new}$"):
            control.load_checks(bad)


def test_checks_file_may_be_absent_and_is_named_relative_to_the_repository(tmp_path):
    with pytest.raises(control.ChecksMissing, match="control check set is not there"):
        control.load_checks(tmp_path / "none.csv")
    # a file inside the repository is named relative to it, never by the machine's path
    with pytest.raises(control.ChecksMissing, match=r"^data/no_such_checks\.csv: "):
        control.load_checks(paths.ROOT / "data" / "no_such_checks.csv")


def _shipped_checks():
    path = paths.DATA / control.CHECKS_FILE
    if not path.exists():
        pytest.skip(f"{control.CHECKS_FILE} is not in this checkout yet")
    return control.run_checks()


def test_shipped_checks_validate_and_report_rate():
    res = _shipped_checks()
    assert res.n >= 100
    assert 0 <= res.rate <= 1 and len(res.failing) == res.n - res.n_ok
    print("\n".join(res.lines()))


def test_shipped_checks_meet_the_95_percent_target():
    res = _shipped_checks()
    assert res.rate >= control.CHECKS_TARGET, "\n".join(res.lines())


# ---------------------------------------------------------------- fast point query (item 7)


def test_query_constants_match_control():
    assert control_query.SPAN_START == str(control.SPAN_START)
    assert control_query.SPAN_END == str(control.SPAN_END)
    assert control_query.BORDER_TOLERANCE_M == control.BORDER_TOLERANCE_KM * 1000
    assert control_query.METRIC_CRS == control.METRIC_CRS


def test_cached_query_equals_classify(ledger):
    """The cache-based answer (control_query) gives classify's controller, row, distances and
    pocket flag, on random points in and around Syria and random dates."""
    path = control.write_query_cache(ledger)
    assert path.exists() and path == control_query.cache_path(ledger.path, ledger.sources_path)
    cache = control_query.load(ledger.path, ledger.sources_path)
    rows = control_query.read_csv(ledger.path)
    rng = np.random.default_rng(5)
    minx, miny, maxx, maxy = regions.syria().bounds
    n = 150
    x, y = rng.uniform(minx - 0.1, maxx + 0.1, n), rng.uniform(miny - 0.1, maxy + 0.1, n)
    days = pd.to_datetime(rng.choice(pd.date_range("2016-01-01", "2019-11-30").to_numpy(), n))
    x = np.append(x, [38.95382, 40.9506])  # Tall Abyad (outside the outline), al-Baghuz
    y = np.append(y, [36.69648, 34.4586])
    days = days.append(pd.to_datetime(["2018-06-01", "2019-02-01"]))
    ev = _events([(str(i), b, a, d) for i, (a, b, d) in enumerate(zip(x, y, days))])
    want = control.classify(ev, ledger=ledger)
    for k in range(len(ev)):
        ans = control_query.answer(cache, rows, y[k], x[k], days[k].date().isoformat(),
                                   us_held=control.US_HELD_DEFAULT,
                                   pocket_tolerance_m=control.POCKET_OPEN_TOLERANCE_M)
        w = want.iloc[k]
        assert ans.controller == w["controller"], k
        if ans.controller == control.UNKNOWN:
            continue
        assert ans.row_id == w["control_rows"]
        assert ans.dist_other_km == pytest.approx(w["dist_other_km"], abs=1e-6, nan_ok=True)
        assert ans.anchor_km == pytest.approx(w["anchor_km"], abs=1e-6)
        assert ans.enclosed_pocket == w["enclosed_pocket"]
    assert (want["controller"] == control.UNKNOWN).sum() > 5


def test_cache_key_changes_with_the_ledger(fixtures, tmp_path):
    d = fixtures / FIX
    led = tmp_path / "control_ledger.csv"
    led.write_bytes((d / "ledger_ok.csv").read_bytes())
    src = d / "sources.csv"
    k1 = control_query.cache_key(led, src)
    led.write_text(led.read_text().replace("2017-10-16", "2017-10-15").replace(
        "2017-10-17", "2017-10-16"))
    assert control_query.cache_key(led, src) != k1


def test_cli_at_fast_path_and_swapped_hint(ledger):
    control.write_query_cache(ledger)
    res = CliRunner().invoke(app, ["control", "--date", "2019-02-01", "--at", "40.9506,34.4586"])
    assert res.exit_code == 0, res.output
    assert ": unknown" in res.output and "hint:" in res.output and "34.4586,40.9506" in res.output
    res = CliRunner().invoke(app, ["control", "--date", "2018-06-01",
                                   "--at", "36.69648,38.95382"])
    assert res.exit_code == 0, res.output
    assert ": sdf" in res.output and "outside Syria's outline" in res.output
    assert "decided by gn:163750" in res.output


def test_cli_points(tmp_path, ledger):
    f = tmp_path / "pts.csv"
    f.write_text("label,lat,lon,date\nraqqa,35.9528,39.0079,2017-01-01\n"
                 "raqqa later,35.9528,39.0079,\n=cmd,40.9506,34.4586,2019-02-01\n")
    res = CliRunner().invoke(app, ["control", "--date", "2018-06-01", "--points", str(f)])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["controller"] for r in rows] == ["isis", "sdf", "unknown"]
    assert rows[1]["date"] == "2018-06-01"
    assert "swapped" in rows[2]["note"] and rows[2]["label"] == "'=cmd"
    assert set(rows[0]) >= {"anchor_km", "enclosed_pocket", "control_rows", "dist_other_km"}
    f.write_text("lat,lon\n35.9,north\n")
    res = CliRunner().invoke(app, ["control", "--date", "2018-06-01", "--points", str(f)])
    assert res.exit_code != 0 and "row 2: field 'lon'" in res.output
    f.write_text("lat,lon\n35.9,39.0\n")
    res = CliRunner().invoke(app, ["control", "--points", str(f)])
    assert res.exit_code != 0 and "no --date" in res.output


def test_place_point_cache_gives_the_gazetteer_coordinates(ledger):
    from geoclaims import gazetteer

    for pid in ("gn:172955", "cu:at-tanf-garrison"):
        p = gazetteer.lookup(pid)
        assert control._place_point(pid) == (p.lat, p.lon, p.name)
    assert shapely.get_x(ledger.anchors.to_crs(4326).geometry.values).min() > 35
