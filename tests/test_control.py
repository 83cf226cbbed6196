"""Tests for geoclaims.control: ledger validation, zones, the time-aware join, the CLI."""

from __future__ import annotations

import csv
import json
import re
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point
from typer.testing import CliRunner

from geoclaims import control, datasets, regions
from geoclaims.cli import app

FIX = "control"


@pytest.fixture(scope="module")
def ledger() -> control.Ledger:
    return control.default_ledger()


def _load(fixtures, name):
    d = fixtures / FIX
    return control.load_ledger(d / name, d / "sources.csv")


def _at(ledger, lat, lon, date):
    return control.controller_at(lat, lon, date, ledger=ledger)


# ---------------------------------------------------------------- ledger validation


def test_fixture_ledger_loads(fixtures):
    led = _load(fixtures, "ledger_ok.csv")
    assert list(led.rows["row_id"]) == ["T1", "T2", "T3", "T4", "T5", "T6"]
    assert set(led.anchors["place_id"]) == {"gn:172955", "gn:173480", "cu:at-tanf-garrison"}


@pytest.mark.parametrize(
    "name, row, fld, words",
    [
        ("ledger_no_source.csv", "T3", "source", "empty"),
        ("ledger_unlisted_source.csv", "T4", "source", "src-zzz"),
        ("ledger_overlap.csv", "T2", "valid_from", "overlaps row T1"),
        ("ledger_out_of_span.csv", "T4", "valid_to", "outside the ledger span"),
        ("ledger_before_span.csv", "T1", "valid_from", "outside the ledger span"),
        ("ledger_bad_controller.csv", "T5", "controller", "unknown controller 'us_army'"),
        ("ledger_unknown_place.csv", "T5", "place_id", "unknown place id 'cu:no-such-place'"),
        ("ledger_unknown_zone.csv", "T6", "zone_id", "unknown zone 'rg:no-such-zone'"),
    ],
)
def test_ledger_errors_name_file_row_field(fixtures, name, row, fld, words):
    with pytest.raises(control.LedgerError) as exc:
        _load(fixtures, name)
    msg = str(exc.value)
    assert name in msg, msg
    assert re.search(rf"row \d+ \({row}\)", msg), msg
    assert f"field '{fld}'" in msg, msg
    assert words in msg, msg


def test_sources_need_url_and_date(fixtures, tmp_path):
    src = (fixtures / FIX / "sources.csv").read_text().replace(
        "https://example.org/b,,2026-11-28", "https://example.org/b,,")
    (tmp_path / "sources.csv").write_text(src)
    (tmp_path / "ledger.csv").write_text((fixtures / FIX / "ledger_ok.csv").read_text())
    with pytest.raises(control.LedgerError, match=r"sources.csv: row 3 \(src-b\): field 'published'"):
        control.load_ledger(tmp_path / "ledger.csv", tmp_path / "sources.csv")


def _copy_fixture(fixtures, tmp_path, old="", new=""):
    """ledger_ok.csv and sources.csv in tmp_path, ``old`` replaced by ``new`` in one of them."""
    out = {}
    for name, dest in (("ledger_ok.csv", "ledger.csv"), ("sources.csv", "sources.csv")):
        text = (fixtures / FIX / name).read_text()
        if old and old in text:
            text = text.replace(old, new, 1)
            out["changed"] = dest
        (tmp_path / dest).write_text(text)
    assert out.get("changed") or not old, old
    return tmp_path / "ledger.csv", tmp_path / "sources.csv"


@pytest.mark.parametrize("old, new, where, fld, words", [
    # an unquoted comma in the note: 9 fields, the extra text is named, not dropped
    ("src-b,al-Mayadin", "src-b,al-Mayadin, Deir ez-Zor", "ledger.csv: row 4 (T3)", "note",
     ("more fields than the header: 9 fields, the header has 8 (row_id,place_id,zone_id,"
     "controller,valid_from,valid_to,source,note); the extra text ' Deir ez-Zor'")),
    ("src-a,Raqqa\nT3", "src-a\nT3", "ledger.csv: row 3 (T2)", "note",
     "fewer fields than the header: 7 fields, the header has 8"),
    ("2017-10-14,2019-11-30,src-a;src-b,al-Mayadin", "2017-10-14,2019-11-30",
     "ledger.csv: row 5 (T4)", "source", "fewer fields than the header: 6 fields"),
])
def test_ledger_row_with_more_or_fewer_fields_is_refused(fixtures, tmp_path, old, new, where,
                                                         fld, words):
    led, src = _copy_fixture(fixtures, tmp_path, old, new)
    with pytest.raises(control.LedgerError) as exc:
        control.load_ledger(led, src)
    msg = str(exc.value)
    assert msg.startswith(f"{tmp_path / where}: field '{fld}': "), msg
    assert words in msg, msg


def test_column_order_is_free_and_a_cut_off_row_is_refused_in_any_order(fixtures, tmp_path):
    """The ledger's columns may come in any order (row_id third here): it loads the same rows;
    a row cut off before its row_id is refused naming the first missing field, not an
    IndexError."""
    led, src = _copy_fixture(fixtures, tmp_path)
    rows = list(csv.reader(led.read_text().splitlines()))
    led.write_text("".join(",".join([r[1], r[2], r[0], *r[3:]]) + "\n" for r in rows))
    got = control.load_ledger(led, src).rows
    want = control.load_ledger(fixtures / FIX / "ledger_ok.csv", src).rows
    assert got.equals(want), got
    cut = [line if not line.startswith("gn:173480,,T3,") else "gn:173480"
           for line in led.read_text().splitlines()]
    led.write_text("\n".join(cut) + "\n")
    with pytest.raises(control.LedgerError) as exc:
        control.load_ledger(led, src)
    assert str(exc.value).startswith(
        f"{led}: row 4: field 'zone_id': fewer fields than the header: 1 fields, the header has "
        "8 (place_id,zone_id,row_id,"), str(exc.value)


def test_sources_row_with_an_extra_field_is_refused(fixtures, tmp_path):
    """A comma in a title shifts the row by one field: refused, naming the file's last column."""
    led, src = _copy_fixture(fixtures, tmp_path, "Test source B,", "Test source B, part 2,")
    with pytest.raises(control.LedgerError) as exc:
        control.read_sources(src)
    msg = str(exc.value)
    assert msg.startswith(f"{src}: row 3 (src-b): field 'consulted_copy': more fields than the "
                          "header: 8 fields, the header has 7 (source_id,title,publisher,url,"
                          "published,accessed,consulted_copy); the extra text ''"), msg
    with pytest.raises(control.LedgerError, match=r"sources.csv: row 3 \(src-b\): field "
                                                  "'consulted_copy': more fields"):
        control.load_ledger(led, src)


def test_a_header_with_a_repeated_or_missing_column_is_refused(fixtures, tmp_path):
    led, src = _copy_fixture(fixtures, tmp_path, "source,note\n", "source,note,source\n")
    with pytest.raises(control.LedgerError,
                       match=r"ledger.csv: header: column\(s\) source appear twice"):
        control.load_ledger(led, src)
    led, src = _copy_fixture(fixtures, tmp_path, "source,note\n", "source\n")
    with pytest.raises(control.LedgerError, match=r"ledger.csv: header: missing column\(s\) note"):
        control.load_ledger(led, src)


def test_a_valid_ledger_loads_every_field_with_its_file_line(fixtures, tmp_path):
    """The fixture ledger reads as pandas reads it; a quoted comma stays in its field, and a
    blank line is skipped while the rows keep their file line numbers."""
    led, src = _copy_fixture(fixtures, tmp_path, "src-b,al-Mayadin\n",
                             'src-b,"al-Mayadin, Deir ez-Zor"\n\n')
    got = control.load_ledger(led, src)
    want = pd.read_csv(led, dtype=str, keep_default_na=False)
    assert got.rows[list(control.LEDGER_COLUMNS)].equals(want), got.rows
    assert got.rows.loc[2, "note"] == "al-Mayadin, Deir ez-Zor"
    assert list(got.rows["line"]) == [2, 3, 4, 6, 7, 8]
    sources = pd.read_csv(src, dtype=str, keep_default_na=False)
    assert got.sources.equals(sources), got.sources


def test_an_empty_or_repeated_id_is_refused_in_each_file(fixtures, tmp_path):
    """One check (control._check_id) for row_id, source_id and check_id, same messages."""
    for old, new, where, fld, words in [
        ("T2,gn:172955", "T1,gn:172955", "ledger.csv: row 3 (T1)", "row_id", "'T1' appears twice"),
        ("T2,gn:172955", ",gn:172955", "ledger.csv: row 3", "row_id", "is empty"),
        ("src-b,Test", "src-a,Test", "sources.csv: row 3 (src-a)", "source_id",
         "'src-a' appears twice"),
        ("src-b,Test", ",Test", "sources.csv: row 3", "source_id", "is empty"),
    ]:
        led, src = _copy_fixture(fixtures, tmp_path, old, new)
        with pytest.raises(control.LedgerError) as exc:
            control.load_ledger(led, src)
        assert str(exc.value) == f"{tmp_path / where}: field '{fld}': {words}", str(exc.value)


def test_repository_ledger_is_valid_and_cited(ledger):
    rows = ledger.rows
    assert len(rows) > 200
    assert rows["source"].str.len().gt(0).all()
    assert set(rows["controller"]) <= set(control.CONTROLLERS)
    # every cited source has title, publisher, URL and a date
    s = ledger.sources
    assert s[["title", "publisher", "url"]].apply(lambda c: c.str.len().gt(0)).all().all()
    assert (s["published"].str.len().gt(0) | s["accessed"].str.len().gt(0)).all()


def test_every_place_is_covered_for_the_whole_span(ledger):
    """Each place's rows tile 2016-01-01..2019-11-30 without gaps (so the cells never jump)."""
    for key, g in ledger.rows[ledger.rows["place_id"] != ""].groupby("place_id"):
        g = g.sort_values("start")
        assert g["start"].iloc[0] == pd.Timestamp(control.SPAN_START), key
        assert g["end"].iloc[-1] == pd.Timestamp(control.SPAN_END), key
        gaps = (g["start"].iloc[1:].to_numpy() - g["end"].iloc[:-1].to_numpy())
        assert (gaps == np.timedelta64(1, "D")).all(), key


def test_every_governorate_has_an_anchor(ledger):
    gov = regions.governorates()
    pts = ledger.anchors.to_crs(control.WGS84)
    hits = gpd.sjoin(pts, gov[["pcode", "geometry"]], predicate="within")
    assert set(gov["pcode"]) <= set(hits["pcode"]), set(gov["pcode"]) - set(hits["pcode"])


def _ucdp_is_places(min_events: int = 10) -> pd.DataFrame:
    path = datasets.fetch("ucdp-ged-syria")
    with zipfile.ZipFile(path) as zf:
        df = pd.read_csv(zf.open("ged_syria.csv"), usecols=[
            "side_a", "side_b", "where_coordinates", "where_prec", "latitude", "longitude"])

    def has_is(s):
        return s.fillna("").map(lambda v: "IS" in [t.strip() for t in v.split(",")])

    isis = df[has_is(df["side_a"]) | has_is(df["side_b"])]
    g = isis.groupby("where_coordinates").agg(n=("latitude", "size"), lat=("latitude", "first"),
                                              lon=("longitude", "first"))
    populated = g.index.str.contains(r"\b(?:town|village|suburb|city)\b", regex=True)
    return g[(g["n"] >= min_events) & populated]


def test_every_populated_place_with_10_is_events_has_ledger_rows(ledger):
    places = _ucdp_is_places()
    assert len(places) > 70
    pts = gpd.GeoSeries(gpd.points_from_xy(places["lon"], places["lat"]), crs=control.WGS84)
    d = pts.to_crs(control.METRIC_CRS).apply(lambda p: ledger.anchors.distance(p).min())
    far = places[d.to_numpy() > 3000]  # GeoNames and UCDP points differ by up to 2.3 km
    assert far.empty, f"no ledger anchor within 3 km of: {list(far.index)}"


def test_article_places_are_in_the_ledger(ledger):
    keys = set(ledger.rows["place_id"]) | set(ledger.rows["zone_id"])
    # Damascus, al-Hasakah, Deir ez-Zor, the At-Tanf garrison and zone
    assert {"gn:170654", "gn:173811", "gn:170794", "cu:at-tanf-garrison@15km",
            "rg:at-tanf-zone"} <= keys


# ---------------------------------------------------------------- zones


def test_control_at_tiles_syria(ledger):
    z = control.control_at("2019-01-16", ledger=ledger)
    assert list(z.columns) == ["controller", "geometry"]
    assert z["controller"].is_unique and set(z["controller"]) <= set(control.CONTROLLERS)
    zm = z.to_crs(control.METRIC_CRS)
    syr = control.syria_metric().area
    assert zm.area.sum() == pytest.approx(syr, rel=0.005)
    assert zm.union_all().area == pytest.approx(zm.area.sum(), rel=0.001)  # no overlaps
    # 2019-01-16: the IS pocket east of the river still exists, Raqqa is SDF-held
    assert "isis" in set(z["controller"])


def test_no_isis_zone_after_baghuz(ledger):
    assert "isis" not in set(control.control_at("2019-04-01", ledger=ledger)["controller"])


@pytest.mark.parametrize(
    "what, lat, lon, date, want",
    [
        ("al-Mayadin", 35.0209, 40.4535, "2019-02-01", "syrian_government"),
        ("Abu Kamal", 34.4520, 40.9190, "2019-02-01", "syrian_government"),
        ("Hasakah countryside", 36.30, 40.90, "2019-02-01", "sdf"),
        ("At-Tanf garrison", 33.5058, 38.6178, "2019-02-01", "us_coalition"),
        ("Raqqa", 35.9528, 39.0079, "2017-01-01", "isis"),
        ("Hajin", 34.6926, 40.8256, "2018-10-01", "isis"),
        ("Hajin", 34.6926, 40.8256, "2019-04-01", "sdf"),
        ("Manbij", 36.5282, 37.9550, "2018-06-01", "sdf"),
        ("Afrin", 36.5120, 36.8700, "2018-06-15", "turkey_and_sna"),
        ("Idlib", 35.9306, 36.6339, "2019-01-16", "hts_and_opposition"),
        ("Palmyra", 34.5624, 38.2840, "2016-06-01", "syrian_government"),
        ("Palmyra", 34.5624, 38.2840, "2017-01-15", "isis"),
        ("al-Bab", 36.3699, 37.5179, "2017-06-01", "turkey_and_sna"),
        ("Douma", 33.5720, 36.4030, "2018-06-01", "syrian_government"),
        ("Tall Abyad (3 km south)", 36.6700, 38.9600, "2019-11-01", "turkey_and_sna"),
    ],
)
def test_spot_checks(ledger, what, lat, lon, date, want):
    assert _at(ledger, lat, lon, date)["controller"] == want, what


def test_river_is_the_line_in_deir_ez_zor(ledger):
    """2019-02-01: west-bank al-Asharah is government-held, east-bank Darnaj SDF-held, and a
    point 1 km either side of the river half-way between them follows its own bank."""
    assert _at(ledger, 34.9213, 40.5601, "2019-02-01")["controller"] == "syrian_government"
    assert _at(ledger, 34.9184, 40.5816, "2019-02-01")["controller"] == "sdf"
    river = gpd.GeoSeries([regions.euphrates()], crs=control.WGS84).to_crs(control.METRIC_CRS)[0]
    mid = gpd.GeoSeries([Point(40.5708, 34.9198)], crs=control.WGS84).to_crs(
        control.METRIC_CRS)[0]
    d = river.project(mid)
    p0, p1 = river.interpolate(d - 50), river.interpolate(d + 50)
    nx, ny = -(p1.y - p0.y), p1.x - p0.x
    norm = (nx**2 + ny**2) ** 0.5
    on = river.interpolate(d)
    sides = gpd.GeoSeries([Point(on.x + s * 1000 * nx / norm, on.y + s * 1000 * ny / norm)
                           for s in (1, -1)], crs=control.METRIC_CRS).to_crs(control.WGS84)
    east = regions.region(control.EAST).geometry
    got = {}
    for p in sides:
        bank = "east" if east.contains(p) else "west"
        got[bank] = _at(ledger, p.y, p.x, "2019-02-01")["controller"]
    assert got == {"east": "sdf", "west": "syrian_government"}


def test_at_tanf_zone_overrides_cells(ledger):
    # 40 km north-east of the garrison: inside the 55 km zone
    assert _at(ledger, 33.80, 38.90, "2018-01-01")["controller"] == "us_coalition"
    row = _at(ledger, 33.80, 38.90, "2018-01-01")["rows"]
    assert list(row["zone_id"]) == ["rg:at-tanf-zone"]


# ---------------------------------------------------------------- classify


def _events(rows):
    df = pd.DataFrame(rows, columns=["event_id", "lat", "lon", "date_start"])
    df["date_start"] = pd.to_datetime(df["date_start"])
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=4326)


def test_classify_columns_unknowns_and_report(ledger):
    ev = _events([
        ("a", 35.0209, 40.4535, "2019-02-01"),  # al-Mayadin
        ("b", 33.5058, 38.6178, "2019-02-01"),  # At-Tanf
        ("c", 35.9528, 39.0079, "2017-01-01"),  # Raqqa
        ("d", 33.3000, 44.4000, "2019-02-01"),  # Baghdad: outside Syria
        ("e", 35.9528, 39.0079, "2015-06-01"),  # before the span
        ("f", 35.9528, 39.0079, None),  # no date
    ])
    out = control.classify(ev, ledger=ledger)
    assert list(out.columns[-6:]) == ["controller", "control_rows", "dist_other_km", "us_held",
                                      "anchor_km", "enclosed_pocket"]
    assert list(out["controller"]) == ["syrian_government", "us_coalition", "isis",
                                       "unknown", "unknown", "unknown"]
    assert list(out["us_held"]) == [False, True, False, False, False, False]
    rows = ledger.rows.set_index("row_id")
    assert rows.loc[out["control_rows"].iloc[0], "place_id"] == "gn:173480"
    assert out["control_rows"].iloc[3:].eq("").all()
    rep = out.attrs["control_report"]
    assert (rep.outside_zones, rep.outside_span, rep.no_date) == (1, 1, 1)
    # distances: al-Mayadin is about 1 km from the river (SDF across it); the garrison ~55 km
    assert 0.2 < out["dist_other_km"].iloc[0] < 3
    assert 45 < out["dist_other_km"].iloc[1] < 70
    assert out["dist_other_km"].iloc[3:].isna().all()
    assert len(out) == len(ev) and out.index.equals(ev.index)


def test_us_held_mapping_is_configurable(ledger):
    ev = _events([("b", 33.5058, 38.6178, "2019-02-01"), ("h", 36.30, 40.90, "2019-02-01")])
    assert list(control.classify(ev, ledger=ledger)["us_held"]) == [True, True]
    assert list(control.classify(ev, ledger=ledger, us_held=("sdf",))["us_held"]) == [False, True]
    with pytest.raises(ValueError, match="unknown controller"):
        control.classify(ev, ledger=ledger, us_held=("usa",))


def test_classify_agrees_with_control_at_per_date(ledger):
    """The grouped, indexed join gives the same answer as a point-in-zone test per date."""
    rng = np.random.default_rng(1)
    minx, miny, maxx, maxy = regions.syria().bounds
    dates = pd.to_datetime(rng.choice(pd.date_range("2016-01-01", "2019-11-30").to_numpy(), 300))
    ev = _events([(str(i), y, x, d) for i, (x, y, d) in enumerate(zip(
        rng.uniform(minx, maxx, 300), rng.uniform(miny, maxy, 300), dates))])
    out = control.classify(ev, ledger=ledger, distances=False)
    expect = []
    for d, p in zip(ev["date_start"], ev.geometry):
        z = control.control_at(d.date(), ledger=ledger)
        hit = z[z.contains(p)]["controller"]
        expect.append(hit.iloc[0] if len(hit) else "unknown")
    expect = np.array(expect, dtype=object)
    got = out["controller"].to_numpy(dtype=object)
    inside = expect != "unknown"
    agree = np.mean(expect[inside] == got[inside])
    assert agree == 1.0, f"classify and control_at disagree on {1 - agree:.1%} of events"
    # outside the zones: within the border tolerance the nearest zone, further out unknown
    out_km = gpd.GeoSeries(ev.geometry[~inside], crs=4326).to_crs(control.METRIC_CRS).distance(
        control.syria_metric()).to_numpy() / 1000
    assert ((got[~inside] != "unknown") == (out_km <= control.BORDER_TOLERANCE_KM)).all()
    assert (~inside).sum() > 10


def test_classify_uses_intervals_not_dates(ledger):
    assert 30 < len(control.interval_dates(ledger)) < 200


def _reference_dist_km(ledger, ev, controller):
    """dist_other_km the plain way: per date, the front edges of each controller (atom edges
    with that controller on one side and another on the other), merged into one geometry, and a
    shapely.distance from every event's point (METRIC_CRS) to it."""
    out = np.full(len(ev), np.nan)
    pts = ev.geometry.to_crs(control.METRIC_CRS).to_numpy()
    for d in ev["date_start"].dropna().unique():
        aids, _, pmap, zmap = control._interval_state(ledger, np.datetime64(d.date(), "D"))
        atoms = control._atoms_for(ledger, aids)
        ctrl, _, _ = control._labels(atoms, pmap, zmap)
        ca, cb = ctrl[atoms.seg_a], ctrl[atoms.seg_b]
        for c in np.unique(ctrl):
            sel = np.flatnonzero((ev["date_start"] == d).to_numpy() & (controller == c))
            front = (ca != cb) & ((ca == c) | (cb == c))
            if len(sel) and front.any():
                lines = shapely.multilinestrings(atoms.seg[front])
                out[sel] = shapely.distance(pts[sel], lines) / 1000.0
    return out


@pytest.mark.parametrize("tile_m, windows", [
    (None, None),  # the defaults
    (50_000.0, (1,)),  # coarse tiles, one-segment lists: most events go to the STRtree fallback
    (2_000.0, (3, 2000)),  # a list longer than the segments: everything settled by the lists
])
def test_dist_other_km_matches_plain_distance(ledger, monkeypatch, tile_m, windows):
    """The tiled nearest-front search gives the exact distance (to 1 mm) on 3,000 events."""
    if tile_m is not None:
        monkeypatch.setattr(control, "FRONT_TILE_M", tile_m)
        monkeypatch.setattr(control, "FRONT_WINDOWS", windows)
    rng = np.random.default_rng(5)
    syr = regions.syria()
    minx, miny, maxx, maxy = syr.bounds
    x, y = rng.uniform(minx, maxx, 6000), rng.uniform(miny, maxy, 6000)
    inside = shapely.contains_xy(syr, x, y)
    x, y = x[inside][:3000], y[inside][:3000]
    days = pd.to_datetime(rng.choice(pd.date_range("2016-01-01", "2019-11-30").to_numpy(), 12))
    dates = days[rng.integers(0, len(days), len(x))]
    rows = [(str(i), b, a, d) for i, (a, b, d) in enumerate(zip(x, y, dates))]
    rows += [("out", 33.30, 44.40, "2019-02-01"), ("nodate", 35.95, 39.01, None)]
    ev = _events(rows)
    out = control.classify(ev, ledger=ledger)
    got = out["dist_other_km"].to_numpy()
    want = _reference_dist_km(ledger, ev, out["controller"].to_numpy())
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert np.isnan(got[-2:]).all() and np.isfinite(got[:-2]).all()
    assert np.nanmax(np.abs(got - want)) < 1e-6  # km, i.e. 1 mm
    assert np.nanmax(got) > 50 and np.nanmin(got) < 0.5  # far from and close to a front


@pytest.mark.parametrize("levels, split_events", [(5, 1), (0, 1)])
def test_dist_other_km_split_tiles(ledger, monkeypatch, levels, split_events):
    """Every tile split down to 1 km (each event alone in its tile at the end), and no split at
    all (one level of 1 km tiles): still the plain distance to 1 mm."""
    monkeypatch.setattr(control, "FRONT_LEVELS", levels)
    monkeypatch.setattr(control, "FRONT_SPLIT_EVENTS", split_events)
    test_dist_other_km_matches_plain_distance(ledger, monkeypatch, 1000.0, (2, 6))


def _classify_reference(ledger, ev, us_held=control.US_HELD_DEFAULT):
    """classify the straightforward way: per date, a plain geopandas.sjoin of the events against
    that date's undissolved cells (``cells_at``; first match kept for a point on a shared edge),
    controller, ledger row and us_held from the joined cell, and dist_other_km as in
    :func:`_reference_dist_km`. Strings go in as object arrays, as a per-event loop would."""
    n = len(ev)
    ctrl = np.full(n, control.UNKNOWN, dtype=object)
    rows = np.full(n, "", dtype=object)
    anchor_km = np.full(n, np.nan)
    enclosed = np.zeros(n, dtype=bool)
    for d in ev["date_start"].dropna().unique():
        if not control.SPAN_START <= d.date() <= control.SPAN_END:
            continue
        sel = np.flatnonzero((ev["date_start"] == d).to_numpy())
        cells = control.cells_at(d.date(), ledger=ledger)
        left = gpd.GeoDataFrame(geometry=ev.geometry.to_numpy()[sel], crs=control.WGS84)
        j = gpd.sjoin(left, cells, how="inner", predicate="intersects")
        j = j[~j.index.duplicated(keep="first")]
        # border tolerance: the rest, if within 5 km of a cell, take the nearest cell
        geo = left.geometry
        rest = left[~left.index.isin(j.index) & ~geo.isna() & ~geo.is_empty]
        near = gpd.sjoin_nearest(rest.to_crs(control.METRIC_CRS), cells.to_crs(control.METRIC_CRS),
                                 how="inner", max_distance=control.BORDER_TOLERANCE_KM * 1000)
        near = near[~near.index.duplicated(keep="first")]
        j = pd.concat([pd.DataFrame(j.drop(columns="geometry")),
                       pd.DataFrame(near.drop(columns="geometry"))])
        at = sel[j.index.to_numpy()]
        ctrl[at] = j["controller"].to_numpy(dtype=object)
        rows[at] = j["row_id"].to_numpy(dtype=object)
        # anchor_km: to the cell's place (0 where a curated zone decided)
        anchors = ledger.anchors.set_index("place_id").geometry
        pm = gpd.GeoSeries(ev.geometry.to_numpy()[at], crs=control.WGS84).to_crs(
            control.METRIC_CRS).to_numpy()
        dist = shapely.distance(pm, anchors.loc[j["place_id"]].to_numpy()) / 1000
        anchor_km[at] = np.where(j["zone_id"].to_numpy(dtype=object) != "", 0.0, dist)
        pockets = control.enclosed_pockets(d.date(), ledger=ledger, us_held=us_held)
        encl = shapely.union_all(pockets.loc[pockets["enclosed"], "geometry"].to_numpy())
        inside = shapely.within(cells.geometry.representative_point().to_numpy(), encl)
        enclosed[at] = inside[j["index_right"].to_numpy()] & (j["controller"] == "isis").to_numpy()
    out = ev.copy()
    out["controller"] = ctrl
    out["control_rows"] = rows
    out["dist_other_km"] = _reference_dist_km(ledger, ev, ctrl)
    out["us_held"] = np.isin(ctrl, list(us_held))
    out["anchor_km"] = anchor_km
    out["enclosed_pocket"] = enclosed
    return out


def test_classify_equals_a_per_date_sjoin_reference(ledger):
    """The grid point location, the integer-indexed tables and the tiled distance search give
    the same columns, dtypes, values and report counts as a per-date sjoin with a plain
    shapely distance, on 4,000 events over about 150 dates (the first and last day of every
    control interval): random points in and around Syria, points exactly on atom corners and
    edges (shared by two atoms), far outside, undated, out of span, and a missing and an empty
    geometry."""
    rng = np.random.default_rng(11)
    minx, miny, maxx, maxy = regions.syria().bounds
    n = 3600
    x = rng.uniform(minx - 0.1, maxx + 0.1, n)
    y = rng.uniform(miny - 0.1, maxy + 0.1, n)
    aids = control._interval_state(ledger, np.datetime64("2018-06-01", "D"))[0]
    corners = shapely.get_coordinates(control._atoms_for(ledger, aids).frame_wgs84.geometry)
    corners = corners[rng.choice(len(corners), 300, replace=False)]
    edge = shapely.get_coordinates(  # midpoints of shared edges
        shapely.line_interpolate_point(control._atoms_for(ledger, aids).seg[:100], 0.5,
                                       normalized=True))
    edge = np.column_stack(control._transformer().transform(edge[:, 0], edge[:, 1],
                                                            direction="INVERSE"))
    x = np.concatenate([x, corners[:, 0], edge[:, 0]])
    y = np.concatenate([y, corners[:, 1], edge[:, 1]])
    # the first and the last day of every control interval, and days outside the span
    starts = pd.to_datetime(control.interval_dates(ledger))
    days = np.concatenate([starts, starts - pd.Timedelta(days=1),
                           pd.to_datetime(["2015-06-01", "2019-12-01", "2020-01-01"])])
    dates = rng.choice(days, len(x))
    rows = [(str(i), b, a, d) for i, (a, b, d) in enumerate(zip(x, y, dates))]
    rows += [("far", 10.0, 10.0, "2019-02-01"), ("nodate", 35.95, 39.01, None)]
    ev = _events(rows)
    ev.loc[ev.index[:2], "geometry"] = [None, Point()]
    ev.loc[ev.index[:2], "date_start"] = pd.Timestamp("2018-03-01")
    got = control.classify(ev, ledger=ledger)
    want = _classify_reference(ledger, ev)
    pd.testing.assert_frame_equal(got.drop(columns=["dist_other_km", "anchor_km"]),
                                  want.drop(columns=["dist_other_km", "anchor_km"]),
                                  check_exact=True)
    for col in ("dist_other_km", "anchor_km"):
        g, w = got[col].to_numpy(), want[col].to_numpy()
        assert np.array_equal(np.isnan(g), np.isnan(w)), col
        assert np.nanmax(np.abs(g - w)) < 1e-6, col  # km, i.e. 1 mm
    # the sample reaches every path: shared edges, outside, undated, out of span
    rep = got.attrs["control_report"]
    assert rep.outside_zones > 100 and rep.no_date == 1 and rep.outside_span > 20
    assert rep.border_snapped > 10 and got["enclosed_pocket"].sum() > 0
    assert (got["controller"] == control.UNKNOWN).sum() == (
        rep.outside_zones + rep.no_date + rep.outside_span)
    assert rep.by_controller == want["controller"].value_counts().to_dict()
    assert rep.n_intervals_used == len(starts)


def test_locate_grid_equals_sjoin_near_every_boundary(ledger):
    """The point-location grid gives the atom of a plain ``intersects`` sjoin (first match on a
    shared edge) for points on atom vertices, a hair (1e-7 degree) either side of atom edges, on
    the grid's own cell lines, and in random places; and it sends only a few per cent of
    random points to the exact test."""
    rng = np.random.default_rng(3)
    aids = control._interval_state(ledger, np.datetime64("2018-06-01", "D"))[0]
    atoms = control._atoms_for(ledger, aids)
    frame = atoms.frame_wgs84
    grid = control._point_grid(atoms)
    verts = shapely.get_coordinates(frame.geometry.values)
    pick = verts[rng.choice(len(verts) - 1, 1500)]
    nxt = verts[rng.choice(len(verts) - 1, 1500) + 1]
    mid = (pick + nxt) / 2  # mostly on an edge when the two are neighbours
    off = rng.normal(size=(1500, 2))
    off *= 1e-7 / np.hypot(off[:, :1], off[:, 1:])
    minx, miny, maxx, maxy = frame.total_bounds
    k = rng.integers(0, grid.label.shape[0], 1500)
    on_lines = np.column_stack([grid.x0 + k * grid.cell, rng.uniform(miny, maxy, 1500)])
    rand = np.column_stack([rng.uniform(minx, maxx, 20000), rng.uniform(miny, maxy, 20000)])
    xy = np.concatenate([pick, mid, mid + off, mid - off, pick + off, on_lines, rand])
    pts = shapely.points(xy)
    got = control._locate(atoms, pts, xy[:, 0], xy[:, 1])
    j = gpd.sjoin(gpd.GeoDataFrame(geometry=pts, crs=control.WGS84), frame, how="left",
                  predicate="intersects")
    j = j[~j.index.duplicated(keep="first")]
    want = j["index_right"].fillna(-1).astype(int).to_numpy()
    assert np.array_equal(got, want)
    assert len(np.unique(want)) > 100 and (want == -1).any()
    cell = grid.label[((rand[:, 0] - grid.x0) // grid.cell).astype(int),
                      ((rand[:, 1] - grid.y0) // grid.cell).astype(int)]
    assert (cell == -1).mean() < 0.1


# ---------------------------------------------------------------- CLI


def test_cli_at_prints_controller_and_rows():
    res = CliRunner().invoke(app, ["control", "--date", "2019-02-01", "--at", "35.0209,40.4535"])
    assert res.exit_code == 0, res.output
    assert "syrian_government" in res.output
    assert "ledger row C" in res.output and "source reuters-mayadin-2017" in res.output


def test_cli_geojson_has_controller_property():
    res = CliRunner().invoke(app, ["control", "--date", "2017-01-01", "--format", "geojson"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    ctrls = {f["properties"]["controller"] for f in doc["features"]}
    assert "isis" in ctrls and ctrls <= set(control.CONTROLLERS)


def test_cli_gpkg(tmp_path):
    out = tmp_path / "z.gpkg"
    res = CliRunner().invoke(app, ["control", "--date", "2018-06-01", "--format", "gpkg",
                                   "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "turkey_and_sna" in set(gpd.read_file(out)["controller"])


@pytest.mark.parametrize("args, words", [
    (["--date", "2019-02-01"], "exactly one of"),
    (["--date", "2019-02-01", "--at", "35,40", "--format", "geojson"], "exactly one of"),
    (["--date", "2015-01-01", "--at", "35,40"], "outside the ledger span"),
    (["--date", "2019-02-01", "--at", "north"], "LAT,LON"),
    (["--date", "2019-02-01", "--format", "shp"], "geojson or gpkg"),
    (["--date", "2019-02-01", "--coverage", "--at", "35,40"], "exactly one of"),
    (["--at", "35,40"], "need --date"),
    (["--date", "2019-02-01", "--at", "95,40"], "not a latitude,longitude pair"),
])
def test_cli_errors(args, words):
    res = CliRunner().invoke(app, ["control", *args])
    assert res.exit_code != 0
    assert words in res.output


def test_small_multiples_legend_clear_of_the_credit_line():
    """The legend and the credit line at the foot of the small multiples do not overlap, and
    the legend says what yellow (contested) means."""
    fig = control.plot_small_multiples(["2016-07-01", "2018-01-01"], ncols=2, dpi=50)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend = fig.legends[0].get_window_extent(renderer)
    credit = next(t for t in fig.texts if "Voronoi" in t.get_text()).get_window_extent(renderer)
    assert not legend.overlaps(credit)
    labels = [t.get_text() for t in fig.legends[0].texts]
    assert any(lab.startswith("contested (") for lab in labels), labels
    for ax in fig.axes:
        if ax.get_visible():
            assert not ax.get_window_extent(renderer).overlaps(legend) or not ax.has_data()
