"""Conflict events: loaders, schema, validation outcomes, cache, filters, CLI."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections import Counter
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geoclaims import datasets, events

FIX = Path(__file__).parent / "fixtures" / "events"
UCDP191 = FIX / "ucdp191_small.csv"
UCDP231 = FIX / "ucdp231_small.csv"
ACLED = FIX / "acled_syria_small.csv"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A private cache for derived files; the download cache stays where it is (read-only use)."""
    import geoclaims.paths as gp

    downloads = datasets.download_dir()
    monkeypatch.setattr(gp, "CACHE", tmp_path / "cache")
    monkeypatch.setattr(datasets, "download_dir", lambda: downloads)
    return tmp_path / "cache"


def load(path, **kw):
    kw.setdefault("use_cache", False)
    kw.setdefault("quiet", True)
    return events.load(path=path, **kw)


def rewrite(src: Path, dst: Path, edit) -> Path:
    """Copy a CSV fixture with ``edit(rows)`` applied to its list of dict rows."""
    with open(src, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames)
        rows = list(reader)
    fields = edit(rows) or fields
    with open(dst, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return dst


# --- the real releases -----------------------------------------------------------------------


def independent_is_counts(path: Path) -> Counter:
    """IS events per year, counted with the csv module: split each side on ',' and strip."""
    with zipfile.ZipFile(path) as zf, zf.open("ged_syria.csv") as raw:
        reader = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
        counts: Counter = Counter()
        for row in reader:
            tokens = [t.strip() for t in row["side_a"].split(",") + row["side_b"].split(",")]
            if "IS" in tokens:
                counts[int(row["date_start"][:4])] += 1
    return counts


def test_syria_release_loads_all_events_and_is_counts_agree(cache):
    result = events.load("ucdp-ged-syria", quiet=True)
    ev = result.events
    assert result.report.rows_read == 16566
    assert result.report.rows_kept == 16566 == len(ev)
    assert result.report.rejected == {}
    assert result.report.layout == "ucdp-ged-19.1"
    assert result.report.unmapped_actors == {}
    assert ev["event_id"].is_unique
    assert ev.crs.to_epsg() == 4326
    assert ev["date_start"].min() == pd.Timestamp("2016-01-01")
    assert ev["date_start"].max() == pd.Timestamp("2019-11-30")
    ours = events.isis_per_year(ev).to_dict()
    theirs = dict(independent_is_counts(datasets.fetch("ucdp-ged-syria")))
    assert ours == theirs
    assert sum(theirs.values()) > 6000


def test_syria_release_precise_matches_where_prec(cache):
    ev = events.load("ucdp-ged-syria", quiet=True).events
    code = ev["loc_precision_source"].str.removeprefix("where_prec=").astype(int)
    assert (ev["precise"] == (code <= 2)).all()
    assert (ev["loc_precision"].astype(int) == code).all()


def test_sample_231_loads_into_the_same_schema(cache):
    syria = events.load("ucdp-ged-syria", quiet=True).events
    result = events.load("ucdp-ged-231-sample", quiet=True)
    assert result.report.layout == "ucdp-ged-23.1"
    assert result.report.rows_read == 1000
    assert result.report.rows_kept + result.report.rows_rejected == 1000
    assert list(result.events.columns) == list(syria.columns) == list(events.EVENT_COLUMNS)
    assert dict(result.events.dtypes) == dict(syria.dtypes)
    assert (result.events["country"] == "Syria").sum() == 265
    # other countries' coordinates are not checked (no polygon in ne-admin0): reported
    assert sum(result.report.countries_not_checked.values()) > 0


# --- fixtures in the three layouts -----------------------------------------------------------


def test_three_layouts_load_into_one_schema():
    frames = [load(p).events for p in (UCDP191, UCDP231, ACLED)]
    ref = frames[0]
    for ev in frames:
        assert list(ev.columns) == list(events.EVENT_COLUMNS)
        assert dict(ev.dtypes) == dict(ref.dtypes)
        assert ev["event_id"].map(type).eq(str).all()
    combined = pd.concat(frames, ignore_index=True)
    assert set(combined["dataset"]) == {"ucdp-ged-19.1", "ucdp-ged-23.1", "acled"}
    pd.testing.assert_frame_equal(
        frames[0].drop(columns="dataset"), frames[1].drop(columns="dataset")
    )


def test_ucdp_fixture_values():
    ev = load(UCDP191).events.set_index("event_id")
    assert ev.loc["900001", "isis"] and ev.loc["900001", "side_b_group"] == "isis"
    # IS inside a coalition list: the side is an isis side
    assert ev.loc["900003", "side_a_group"] == "isis" and ev.loc["900003", "isis"]
    # 'ISIS' is not the UCDP token 'IS'; 'Syrian insurgents' does not contain it either
    assert not ev.loc["900005", "isis"] and ev.loc["900005", "side_b_group"] == "unknown"
    assert not ev.loc["900004", "isis"]
    assert ev.loc["900002", "date_end"] == pd.Timestamp("2017-06-12")
    assert ev.loc["900002", "date_precision"] == 2
    assert ev.loc["900005", "date_precision"] == 3  # date_prec 4 -> within a month
    assert ev.loc["900008", "date_precision"] == 2  # date_prec 3 (week) -> within a week
    assert ev.loc["900003", "loc_precision_source"] == "where_prec=3"
    assert ev.loc["900003", "clarity"] == 2
    assert ev.loc["900006", "event_type"] == "one-sided"
    assert ev.loc["900002", "deaths_low"] == 10 and ev.loc["900002", "deaths_high"] == 15
    assert ev.loc["900007", "qc_flags"] == "outside_country"


def test_acled_fixture_values():
    ev = load(ACLED).events.set_index("event_id")
    assert ev.loc["SYR90001", "date_start"] == pd.Timestamp("2017-04-01")
    assert ev.loc["SYR90005", "date_start"] == pd.Timestamp("2019-11-02")  # ISO date too
    assert list(ev["loc_precision"]) == [1, 2, 4, 1, 1]  # geo_precision 3 -> governorate
    assert list(ev["precise"]) == [True, False, False, True, True]
    assert list(ev["date_precision"]) == [1, 2, 3, 1, 1]
    assert ev.loc["SYR90001", "isis"] and ev.loc["SYR90002", "isis"]
    assert ev.loc["SYR90002", "side_a_group"] == "russia"
    assert ev.loc["SYR90003", "side_a_group"] == "unidentified"  # its own group (issue 13)
    assert ev.loc["SYR90003", "side_b_group"] == "civilians"
    assert ev.loc["SYR90005", "side_a_group"] == "us_coalition"
    assert ev.loc["SYR90005", "side_b_group"] == "none"
    assert ev.loc["SYR90001", "event_type"] == "Battles: Armed clash"
    assert ev.loc["SYR90001", "deaths_best"] == 4 and pd.isna(ev.loc["SYR90001", "deaths_low"])
    assert "onerror" in ev.loc["SYR90001", "headline"]  # kept verbatim, escaped only on output


def test_zipped_and_plain_give_the_same_events(tmp_path):
    zipped = tmp_path / "ged.csv.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(UCDP191, "ged.csv")
    a, b = load(UCDP191).events, load(zipped).events
    pd.testing.assert_frame_equal(a, b)


# --- bad input: each documented outcome ------------------------------------------------------


def test_truncated_zip_is_an_error(tmp_path):
    good = tmp_path / "ged.csv.zip"
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(UCDP191, "ged.csv")
    bad = tmp_path / "truncated.csv.zip"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(events.EventDataError, match="truncated or corrupt zip") as err:
        load(bad)
    assert "truncated.csv.zip" in str(err.value)


def test_zip_with_two_csvs_is_an_error(tmp_path):
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as zf:
        zf.write(UCDP191, "a.csv")
        zf.write(UCDP191, "b.csv")
    with pytest.raises(events.EventDataError, match="holds 2 CSV files"):
        load(two)


def test_missing_column_is_an_error_listing_it(tmp_path):
    def drop(rows):
        fields = [c for c in events.UCDP_191 if c != "latitude"]
        return fields

    bad = rewrite(UCDP191, tmp_path / "nolat.csv", drop)
    with pytest.raises(events.EventDataError) as err:
        load(bad)
    msg = str(err.value)
    assert "nolat.csv" in msg and "ucdp-ged-19.1: missing latitude" in msg


def test_unknown_layout_is_an_error_listing_missing_columns(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(events.EventDataError, match="matches no known layout") as err:
        load(other)
    for layout in events.LAYOUTS:
        assert f"{layout}: missing" in str(err.value)
    assert "event_id_cnty" in str(err.value)


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"])
def test_empty_file_is_an_error(tmp_path, content):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(content)
    with pytest.raises(events.EventDataError, match="empty"):
        load(empty)


def test_header_only_file_loads_zero_events(tmp_path):
    header = tmp_path / "header.csv"
    header.write_text(",".join(events.UCDP_191) + "\n", encoding="utf-8")
    result = load(header)
    assert len(result.events) == 0 and result.report.rows_read == 0
    assert list(result.events.columns) == list(events.EVENT_COLUMNS)


def test_swapped_lat_lon_is_rejected_and_reported(tmp_path):
    def swap(rows):
        rows[0]["latitude"], rows[0]["longitude"] = rows[0]["longitude"], rows[0]["latitude"]

    bad = rewrite(UCDP191, tmp_path / "swapped.csv", swap)
    result = load(bad)
    assert result.report.rows_read == 8 and result.report.rows_kept == 7
    assert list(result.report.rejected) == [
        "lat/lon swapped (the point is in Syria only with latitude and longitude exchanged)"
    ]
    rej = result.rejects.iloc[0]
    assert rej["row"] == 1 and rej["event_id"] == "900001"
    assert rej["value"] == "38.2800, 34.5600"  # as given, not corrected
    assert "swapped.csv, row 1" in rej["message"]
    assert "900001" not in set(result.events["event_id"])


def test_unparseable_dates_are_rejected_with_row_column_value(tmp_path):
    def bad_dates(rows):
        rows[1]["date_start"] = "2017-13-45"
        rows[2]["date_end"] = "yesterday"
        rows[3]["date_start"] = ""
        rows[4]["date_end"] = "2019-01-01"  # before date_start 2019-02-01
        rows[5]["date_start"] = rows[5]["date_end"] = "1899-03-01"
        rows[6]["date_start"] = rows[6]["date_end"] = "2999-10-12"
        rows[7]["where_prec"] = "inf"  # kept, flagged: not a known precision code

    bad = rewrite(UCDP191, tmp_path / "dates.csv", bad_dates)
    result = load(bad)
    rej = result.rejects.set_index("row")
    assert rej.loc[2, "column"] == "date_start" and rej.loc[2, "value"] == "2017-13-45"
    assert rej.loc[2, "reason"] == "unparseable or impossible date_start"
    assert rej.loc[3, "column"] == "date_end" and rej.loc[3, "value"] == "yesterday"
    assert rej.loc[4, "reason"] == "missing date_start"
    assert rej.loc[5, "reason"] == "date_end before date_start"
    assert rej.loc[6, "reason"] == "impossible date_start (before 1946-01-01)"
    assert rej.loc[7, "reason"] == "impossible date_start (in the future)"
    assert result.report.rows_kept == 2
    assert sum(result.report.rejected.values()) == 6
    assert result.report.flagged == {"unknown_loc_precision": 1}
    assert result.events.iloc[-1]["qc_flags"] == "unknown_loc_precision"
    with pytest.raises(events.EventDataError, match=r"dates.csv, row 2, column 'date_start'"):
        load(bad, strict=True)


def test_acled_unparseable_date(tmp_path):
    def bad_date(rows):
        rows[0]["event_date"] = "31 February 2017"

    result = load(rewrite(ACLED, tmp_path / "acled.csv", bad_date))
    assert result.rejects.iloc[0]["column"] == "event_date"
    assert result.rejects.iloc[0]["value"] == "31 February 2017"


def test_missing_and_impossible_coordinates_are_rejected(tmp_path):
    def bad_coords(rows):
        rows[0]["latitude"] = ""
        rows[1]["longitude"] = "east"
        rows[2]["latitude"] = "95.1"
        rows[3]["latitude"], rows[3]["longitude"] = "0", "0"

    result = load(rewrite(UCDP191, tmp_path / "coords.csv", bad_coords))
    reasons = result.rejects.set_index("row")["reason"].to_dict()
    assert reasons == {
        1: "missing coordinate",
        2: "unparseable coordinate",
        3: "impossible coordinate (latitude outside -90..90)",
        4: "impossible coordinate (0, 0)",
    }


def test_duplicate_ids_are_reported_and_later_rows_rejected(tmp_path):
    def dup(rows):
        rows[5]["id"] = rows[1]["id"]

    result = load(rewrite(UCDP191, tmp_path / "dup.csv", dup))
    assert result.report.duplicate_ids == ["900002"]
    rej = result.rejects.iloc[0]
    assert rej["row"] == 6 and rej["reason"].startswith("duplicate event_id")
    assert result.events["event_id"].is_unique and len(result.events) == 7
    assert "duplicate event ids: 900002" in str(result.report)


def test_point_outside_country_is_flagged_not_dropped():
    result = load(UCDP191)
    assert result.report.flagged == {"outside_country": 1}
    assert "flagged (kept): outside_country: 1" in str(result.report)


# --- cache, filters, report ------------------------------------------------------------------


def test_cache_round_trip_and_invalidation(cache, tmp_path):
    src = tmp_path / "ged.csv"
    src.write_bytes(UCDP191.read_bytes())
    first = events.load(path=src, quiet=True)
    assert not first.report.from_cache
    second = events.load(path=src, quiet=True)
    assert second.report.from_cache
    pd.testing.assert_frame_equal(first.events, second.events)
    assert (cache / "events" / datasets.sha256sum(src) / "events.parquet").exists()
    rewrite(UCDP191, src, lambda rows: rows.pop())  # new content -> new key
    third = events.load(path=src, quiet=True)
    assert not third.report.from_cache and len(third.events) == 7


def test_filters_are_reported(capsys):
    result = events.load(path=UCDP191, start="2017-01-01", end="2019-06-30", actor="isis",
                         use_cache=False)  # fmt: skip
    assert set(result.events["event_id"]) == {"900001", "900002", "900003", "900006"}
    removed = [f["removed"] for f in result.report.filters]
    assert removed == [2, 1, 1]  # 900004, 900008 before 2017; 900007 later; 900005 no IS
    assert result.report.rows_returned == 4 and result.report.rows_kept == 8
    err = capsys.readouterr().err
    assert "rows read 8, kept 8, rejected 0" in err and "filter actor group isis: removed 1" in err
    with pytest.raises(events.EventDataError, match="unknown actor group"):
        load(UCDP191, actor="daesh")
    with pytest.raises(events.EventDataError, match="not a date"):
        load(UCDP191, start="soon")


def test_report_round_trips_as_json():
    report = load(UCDP191).report
    again = events.LoadReport(**json.loads(json.dumps(report.to_dict())))
    assert again == report


def test_schema_file_documents_every_column():
    schema = events.schema()
    assert list(schema["column"]) == list(events.EVENT_COLUMNS)
    assert list(schema.columns) == [
        "column", "type", "description", "ucdp_source_field", "acled_source_field",
    ]  # fmt: skip
    assert (schema["description"].str.len() > 10).all()


def test_summaries():
    ev = load(UCDP191).events
    assert events.isis_per_year(ev).to_dict() == {2016: 1, 2017: 2, 2018: 1, 2019: 1}
    gov = events.counts_by_year(ev[ev["isis"]], by="governorate")
    assert gov.loc[2017, "Homs"] == 1
    assert set(events.dyads(ev[ev["isis"]])) == {
        "isis - syrian_government", "isis - sdf", "isis - hts", "isis - civilians",
        "isis - turkey_and_sna",
    }  # fmt: skip
    cov = events.coverage(ev)
    assert cov.loc[0, "events"] == 8 and cov.loc[0, "isis_events"] == 5
    prec = events.precision_table(ev)
    assert prec["events"].sum() == 8


# --- CLI -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "parquet", "geojson"])
def test_cli_events_export(tmp_path, fmt, cache):
    from typer.testing import CliRunner

    from geoclaims.cli import app

    out = tmp_path / f"out.{fmt}"
    res = CliRunner().invoke(
        app,
        ["events", "--events", str(UCDP191), "--actor", "isis", "--start", "2017-01-01",
         "--format", fmt, "-o", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    if fmt == "csv":
        df = pd.read_csv(out, dtype={"event_id": str})
    elif fmt == "parquet":
        df = gpd.read_parquet(out)
    else:
        df = gpd.read_file(out)
    assert sorted(df["event_id"].astype(str)) == ["900001", "900002", "900003", "900006"]


def test_cli_events_bad_input_exits_nonzero(tmp_path, cache):
    from typer.testing import CliRunner

    from geoclaims.cli import app

    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["events", "--events", str(other), "--format", "csv"])
    assert res.exit_code != 0
    assert "matches no known layout" in res.output


# --- optional ACLED API client (fake server on loopback) -------------------------------------

EMAIL, PASSWORD, KEY, TOKEN = "analyst@example.org", "pw-s3cret-123", "key-s3cret-456", "tok-789"


def acled_rows() -> list[dict]:
    with open(ACLED, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_acled_credentials_come_from_env_and_stay_hidden():
    from geoclaims import acled

    creds = acled.Credentials.from_env({"ACLED_EMAIL": EMAIL, "ACLED_PASSWORD": PASSWORD})
    assert creds.kind == "oauth"
    for text in (repr(creds), str(creds), repr(acled.Client(creds))):
        assert EMAIL not in text and PASSWORD not in text
    with pytest.raises(acled.AcledError, match="no ACLED credentials"):
        acled.Credentials.from_env({"ACLED_EMAIL": EMAIL})


def test_acled_oauth_download_pages_and_loads(httpserver, tmp_path, caplog):
    from werkzeug import Response

    from geoclaims import acled

    rows = acled_rows()
    httpserver.expect_request(
        "/oauth/token",
        method="POST",
        data=f"username=analyst%40example.org&password={PASSWORD}&grant_type=password"
        "&client_id=acled",
    ).respond_with_json({"access_token": TOKEN, "token_type": "Bearer", "expires_in": 86400})

    def read(request):
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert request.args["country"] == "Syria"
        assert request.args["event_date_where"] == "BETWEEN"
        page, limit = int(request.args["page"]), int(request.args["limit"])
        chunk = rows[(page - 1) * limit : page * limit]
        return Response(json.dumps({"status": 200, "success": True, "data": chunk}),
                        content_type="application/json")  # fmt: skip

    httpserver.expect_request("/api/acled/read").respond_with_handler(read)
    creds = acled.Credentials.from_env({"ACLED_EMAIL": EMAIL, "ACLED_PASSWORD": PASSWORD})
    client = acled.Client(
        creds, token_url=httpserver.url_for("/oauth/token"),
        read_url=httpserver.url_for("/api/acled/read"),
    )  # fmt: skip
    got = client.read("Syria", "2017-01-01", "2019-12-31", page_size=2)
    assert len(got) == 5  # three pages: 2 + 2 + 1
    caplog.set_level("DEBUG")
    path = acled.download("Syria", "2017-01-01", "2019-12-31", out=tmp_path / "a.csv",
                          client=client)  # fmt: skip
    result = events.load(path=path, use_cache=False, quiet=True)
    assert len(result.events) == 5 and result.report.layout == "acled"
    for secret in (EMAIL, PASSWORD, TOKEN):
        assert secret not in caplog.text


def test_acled_errors_never_show_credentials(httpserver):
    from geoclaims import acled

    httpserver.expect_request("/oauth/token").respond_with_json(
        {"error": "invalid_grant", "error_description": f"bad password for {EMAIL}"}, status=401
    )
    creds = acled.Credentials.from_env({"ACLED_EMAIL": EMAIL, "ACLED_PASSWORD": PASSWORD})
    client = acled.Client(creds, token_url=httpserver.url_for("/oauth/token"),
                          read_url=httpserver.url_for("/read"))  # fmt: skip
    with pytest.raises(acled.AcledError) as err:
        client.read("Syria", "2017-01-01", "2017-12-31")
    assert "HTTP 401" in str(err.value)
    assert "<hidden>" in str(err.value)  # ACLED's own message, the e-mail blanked out
    assert EMAIL not in str(err.value) and PASSWORD not in str(err.value)

    # key-based API: the key travels in the query; a connection error must not show the URL
    kcreds = acled.Credentials.from_env({"ACLED_EMAIL": EMAIL, "ACLED_KEY": KEY})
    dead = acled.Client(kcreds, read_url="http://127.0.0.1:9/acled/read")
    with pytest.raises(acled.AcledError) as err:
        dead.read("Syria", "2017-01-01", "2017-12-31")
    assert KEY not in str(err.value) and EMAIL not in str(err.value)
    assert err.value.__cause__ is None and err.value.__suppress_context__


# --- figures ---------------------------------------------------------------------------------


def test_static_figure_writes_png_and_svg(tmp_path):
    ev = load(UCDP191).events
    fig = events.plot_isis_by_year(ev, tmp_path / "fig", dpi=50)
    assert (tmp_path / "fig.png").stat().st_size > 0 and (tmp_path / "fig.svg").exists()
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 4  # 2016-2019
    assert fig.axes[3].get_title() == "2019 to 12 Oct: 1 event"  # the data end in October
    assert fig.axes[0].get_title() == "2016 from 01 Sep: 1 event"


def test_web_map_escapes_headlines(tmp_path):
    ev = load(UCDP191).events
    out = tmp_path / "map.html"
    events.isis_web_map(ev).save(str(out))
    page = out.read_text(encoding="utf-8").replace("\\u0026", "&")  # JSON-encoded '&'
    assert "${alert(1)}" not in page and "<b>Raqqa</b>" not in page
    assert "&lt;b&gt;Raqqa&lt;/b&gt;" in page and "&#36;{alert(1)}" in page
    capped = tmp_path / "capped.html"
    events.isis_web_map(ev, max_per_year=1).save(str(capped))
    assert "1 of 2 shown" in capped.read_text(encoding="utf-8")  # the cap is reported


def test_byte_order_mark_and_header_spaces_are_tolerated(tmp_path):
    text = ACLED.read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    bom = tmp_path / "excel.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + (header.replace(",", ", ") + "\n" + rest).encode("utf-8"))
    result = load(bom)
    assert result.report.layout == "acled" and len(result.events) == 5


def test_not_utf8_is_an_error(tmp_path):
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(UCDP191.read_bytes().replace(b"Palmyra", "Palmyr\u00e9".encode("latin-1")))
    with pytest.raises(events.EventDataError, match="not UTF-8 text"):
        load(bad)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--format", "xlsx"], "unknown format 'xlsx'"),
        (["--format", "parquet"], "needs an output file"),
        (["--format", "csv", "--actor", "daesh"], "unknown actor group 'daesh'"),
    ],
)
def test_cli_events_checks_options_before_loading(args, message, monkeypatch):
    from typer.testing import CliRunner

    from geoclaims.cli import app

    def boom(*a, **k):
        raise AssertionError("loaded before checking the options")

    monkeypatch.setattr(events, "load", boom)
    res = CliRunner().invoke(app, ["events", "--events", str(UCDP191), *args])
    assert res.exit_code == 1 and message in res.output


def test_governorate_by_location():
    ev = load(UCDP191).events
    names = events.governorate_by_location(ev).tolist()
    assert names[:3] == ["Homs", "Ar-Raqqa", "Idleb"]
    table = events.counts_by_year(ev, by="governorate_location")
    assert table.to_numpy().sum() == len(ev)
    far = ev.iloc[:1].copy()
    far["geometry"] = gpd.points_from_xy([30.0], [30.0], crs="EPSG:4326")
    assert events.governorate_by_location(far).tolist() == ["(outside Syria)"]


def test_csv_export_neutralises_formula_text(caplog):
    import geopandas as gpd
    from shapely.geometry import Point

    ev = gpd.GeoDataFrame(
        {"event_id": ["1", "2"], "headline": ["=HYPERLINK(\"http://x\")", "plain"],
         "side_a": ["@sum", "IS"], "date_start": pd.to_datetime(["2019-01-01", "2019-01-02"])},
        geometry=[Point(38, 35), Point(39, 35)], crs="EPSG:4326")
    with caplog.at_level("WARNING"):
        text = events.export(ev, "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["headline"] == "'=HYPERLINK(\"http://x\")" and rows[0]["side_a"] == "'@sum"
    assert rows[1]["headline"] == "plain" and rows[1]["side_a"] == "IS"
    assert "2 text cell(s)" in caplog.text


def test_web_map_has_title_legend_credit_and_sources_file(tmp_path):
    """CC BY asks for the UCDP credit: the IS web map carries a title, a legend saying what
    each colour means and the credit line, and a .sources.txt beside it; coordinates are
    rounded to WEB_MAP_DIGITS places."""
    ev = load(UCDP191).events
    out = events.write_isis_web_map(ev, tmp_path / "is.html")
    page = out.read_text(encoding="utf-8")
    assert "Events with the Islamic State (IS) on either side" in page
    assert "geoclaims-legend" in page and "precise location" in page
    assert "UCDP GED (CC BY 4.0)" in page and "OCHA COD-AB" in page
    side = out.with_name("is.html.sources.txt").read_text(encoding="utf-8")
    assert "UCDP GED" in side and "CC BY 4.0" in side and "Sundberg" in side
    coords = re.findall(r'"coordinates": \[(-?\d+\.\d+), (-?\d+\.\d+)\]', page)
    assert coords and all(len(x.split(".")[1]) <= events.WEB_MAP_DIGITS for c in coords for x in c)
