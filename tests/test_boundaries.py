"""Boundaries of the control ledger: events on its first and last day, a one-day overlap, and
the cited row where curated zones nest.

Small fixture ledgers under tests/fixtures/boundaries/ (see its README), so these tests do not
depend on the contents of data/control_ledger.csv. Only public functions of geoclaims.control.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from geoclaims import control

FIX = "boundaries"
RAQQA = (35.9528, 39.0079)  # lat, lon; the only east-bank anchor of ledger_edges.csv
DAMASCUS = (33.5138, 36.2765)
TANF = (33.5058, 38.6178)  # the garrison: inside the 15 km circle and the 55 km zone
TANF_ZONE_ONLY = (33.80, 38.90)  # about 40 km north-east: in the zone, outside the circle


def _load(fixtures, name):
    d = fixtures / FIX
    return control.load_ledger(d / name, d / "sources.csv")


@pytest.fixture(scope="module")
def edges():
    from conftest import FIXTURES

    return _load(FIXTURES, "ledger_edges.csv")


def _events(rows):
    df = pd.DataFrame(rows, columns=["event_id", "lat", "lon", "date_start"])
    df["date_start"] = pd.to_datetime(df["date_start"])
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=4326)


def test_span_is_the_documented_one():
    assert (str(control.SPAN_START), str(control.SPAN_END)) == ("2016-01-01", "2019-11-30")


# ---------------------------------------------------------------- first and last day


def test_classify_on_the_ledgers_first_and_last_day(edges):
    """Raqqa has a row of its own on 2016-01-01 (E1) and on 2019-11-30 (E3): an event on either
    day gets that row, the days just inside get E2, the days just outside are 'unknown' and
    counted as outside the span."""
    ev = _events([
        ("before", *RAQQA, "2015-12-31"),
        ("first", *RAQQA, "2016-01-01"),
        ("second", *RAQQA, "2016-01-02"),
        ("penultimate", *RAQQA, "2019-11-29"),
        ("last", *RAQQA, "2019-11-30"),
        ("after", *RAQQA, "2019-12-01"),
        ("last-west", *DAMASCUS, "2019-11-30"),
        ("first-west", *DAMASCUS, "2016-01-01"),
    ])
    out = control.classify(ev, ledger=edges, distances=False)
    got = dict(zip(out["event_id"], zip(out["controller"], out["control_rows"])))
    assert got == {
        "before": ("unknown", ""),
        "first": ("isis", "E1"),
        "second": ("sdf", "E2"),
        "penultimate": ("sdf", "E2"),
        "last": ("turkey_and_sna", "E3"),
        "after": ("unknown", ""),
        "last-west": ("syrian_government", "E4"),
        "first-west": ("syrian_government", "E4"),
    }
    rep = out.attrs["control_report"]
    assert (rep.outside_span, rep.no_date, rep.outside_zones) == (2, 0, 0)


def test_classify_with_times_of_day_on_the_last_day(edges):
    """A timestamp late on the last day is still that day (dates, not instants)."""
    ev = _events([("late", *RAQQA, "2019-11-30 23:59:59"), ("early", *RAQQA, "2016-01-01 00:00:00")])
    out = control.classify(ev, ledger=edges, distances=False)
    assert list(out["control_rows"]) == ["E3", "E1"]


@pytest.mark.parametrize("day, want", [("2016-01-01", "isis"), ("2019-11-30", "turkey_and_sna"),
                                       ("2017-06-01", "sdf")])
def test_controller_at_and_control_at_on_the_edges(edges, day, want):
    res = control.controller_at(*RAQQA, day, ledger=edges)
    assert res["controller"] == want
    zones = control.control_at(day, ledger=edges)
    assert want in set(zones["controller"])
    inside = zones[zones.contains(Point(RAQQA[1], RAQQA[0]))]
    assert list(inside["controller"]) == [want]


@pytest.mark.parametrize("day", ["2015-12-31", "2019-12-01"])
def test_control_at_refuses_a_day_outside_the_span(edges, day):
    with pytest.raises(ValueError, match="outside the ledger span 2016-01-01..2019-11-30"):
        control.control_at(day, ledger=edges)


def test_interval_dates_include_the_one_day_rows(edges):
    days = [str(d) for d in control.interval_dates(edges)]
    assert days[0] == "2016-01-01"
    assert {"2016-01-02", "2019-11-30", "2018-01-01"} <= set(days)


# ---------------------------------------------------------------- overlaps of one day


@pytest.mark.parametrize("name, row, key, other", [
    ("ledger_overlap_one_day.csv", "T2", "gn:172955", "T1"),
    ("ledger_zone_overlap_one_day.csv", "T4", "rg:at-tanf-zone", "T3"),
])
def test_a_one_day_overlap_is_refused(fixtures, name, row, key, other):
    """Two rows for one place (or zone) that share a single day: an error naming the file, the
    row (line and id), the field and the row it overlaps."""
    with pytest.raises(control.LedgerError) as exc:
        _load(fixtures, name)
    msg = str(exc.value)
    assert name in msg, msg
    line = 3 if row == "T2" else 5
    assert re.search(rf"row {line} \({row}\): field 'valid_from'", msg), msg
    assert f"of '{key}' overlaps row {other}" in msg, msg


def test_adjacent_rows_without_overlap_load(fixtures, tmp_path):
    """The same file with T2 starting the day after T1 ends loads (the check is not stricter
    than 'no shared day')."""
    text = (fixtures / FIX / "ledger_overlap_one_day.csv").read_text(encoding="utf-8")
    fixed = text.replace("T2,gn:172955,,sdf,2017-10-16", "T2,gn:172955,,sdf,2017-10-17")
    assert fixed != text
    (tmp_path / "ledger.csv").write_text(fixed, encoding="utf-8")
    led = control.load_ledger(tmp_path / "ledger.csv", fixtures / FIX / "sources.csv")
    assert list(led.rows["row_id"]) == ["T1", "T2", "T3"]


# ---------------------------------------------------------------- nested zones: the cited row


@pytest.mark.parametrize("where, day, want", [
    (TANF, "2017-06-01", ("us_coalition", "E6")),  # circle inside zone, same controller
    (TANF, "2017-12-31", ("us_coalition", "E6")),  # the circle row's last day
    (TANF, "2018-01-01", ("contested", "E7")),  # the circle's next row: another controller
    (TANF, "2019-11-30", ("contested", "E7")),
    (TANF_ZONE_ONLY, "2017-06-01", ("us_coalition", "E5")),
    (TANF_ZONE_ONLY, "2019-11-30", ("us_coalition", "E5")),
])
def test_nested_zones_the_last_active_zone_wins_and_is_cited(edges, where, day, want):
    """Where zones nest, the zone listed later in the ledger (the circle) wins, and its row is
    the one cited: the controller alone cannot tell E5 from E6."""
    out = control.classify(_events([("x", *where, day)]), ledger=edges, distances=False)
    assert (out["controller"].iloc[0], out["control_rows"].iloc[0]) == want
    res = control.controller_at(*where, day, ledger=edges)
    assert list(res["rows"]["row_id"]) == [want[1]]


# ---------------------------------------------------------------- a row that ends mid-span


@pytest.fixture(scope="module")
def zone_ends():
    from conftest import FIXTURES

    return _load(FIXTURES, "ledger_zone_ends.csv")


def test_a_zone_that_ends_mid_span_ends_on_its_last_day(zone_ends):
    """Z3 (the At-Tanf zone) is valid 2017-06-10..2017-06-20 and no row starts on 06-21: the
    day after its last day must still be a new interval (the zone gone, the Damascus cell
    back), not the zone's interval run on until the next change."""
    days = ["2017-06-09", "2017-06-10", "2017-06-20", "2017-06-21"]
    ev = _events([(d, *TANF_ZONE_ONLY, d) for d in days])
    out = control.classify(ev, ledger=zone_ends, distances=False)
    got = dict(zip(out["event_id"], zip(out["controller"], out["control_rows"])))
    assert got == {"2017-06-09": ("syrian_government", "Z2"),
                   "2017-06-10": ("us_coalition", "Z3"),
                   "2017-06-20": ("us_coalition", "Z3"),
                   "2017-06-21": ("syrian_government", "Z2")}
    assert [str(d) for d in control.interval_dates(zone_ends)] == [
        "2016-01-01", "2017-06-10", "2017-06-21"]


def test_breakpoints_are_the_starts_and_the_days_after_the_ends(zone_ends, edges):
    assert [str(d) for d in zone_ends.breakpoints()] == [
        "2016-01-01", "2017-06-10", "2017-06-21", "2019-12-01"]
    assert [str(d) for d in edges.breakpoints()] == [
        "2016-01-01", "2016-01-02", "2018-01-01", "2019-11-30", "2019-12-01"]


@pytest.mark.parametrize("day, want", [
    ("2017-06-09", ["Z1", "Z2"]),
    ("2017-06-10", ["Z1", "Z2", "Z3"]),  # the zone's first day
    ("2017-06-20", ["Z1", "Z2", "Z3"]),  # its last day
    ("2017-06-21", ["Z1", "Z2"]),
])
def test_rows_on_takes_the_first_and_last_day_in(zone_ends, day, want):
    assert list(zone_ends.rows_on(np.datetime64(day))["row_id"]) == want


def test_rows_on_the_ledgers_first_and_last_day(edges):
    assert list(edges.rows_on(np.datetime64("2016-01-01"))["row_id"]) == ["E1", "E4", "E5", "E6"]
    assert list(edges.rows_on(np.datetime64("2016-01-02"))["row_id"]) == ["E2", "E4", "E5", "E6"]
    assert list(edges.rows_on(np.datetime64("2019-11-30"))["row_id"]) == ["E3", "E4", "E5", "E7"]
    assert edges.rows_on(np.datetime64("2019-12-01")).empty


def test_ledger_rows_have_the_documented_columns(edges):
    """The checked rows: the file's columns plus line, key, start and end (a fresh 0..n-1
    index, no stray column)."""
    assert list(edges.rows.columns) == [*control.LEDGER_COLUMNS, "line", "key", "start", "end"]
    assert list(edges.rows.index) == list(range(7))
    assert list(edges.rows["line"]) == list(range(2, 9))
    assert list(edges.rows["key"][:2]) == ["gn:172955", "gn:172955"]
    assert edges.rows["key"].iloc[4] == "rg:at-tanf-zone"


def test_the_first_overlap_of_the_file_is_named_with_the_row_it_overlaps(fixtures):
    """Two overlaps: the error names the one on the earlier line (X0, line 3; not X4, whose
    place id sorts first) and the row it overlaps (X1: not X0 itself, whose id sorts before X1,
    and not X2, the row after it)."""
    with pytest.raises(control.LedgerError) as exc:
        _load(fixtures, "ledger_two_overlaps.csv")
    msg = str(exc.value)
    assert "row 3 (X0): field 'valid_from'" in msg, msg
    assert "of 'gn:172955' overlaps row X1 (2016-01-01..2017-01-10, isis)" in msg, msg


@pytest.mark.parametrize("value, words", [
    ("2017-02-30", "'2017-02-30': day is out of range for month"),  # the shape of a date
    ("2017-13-01", "'2017-13-01': month must be in 1..12"),
    ("17-02-01", "'17-02-01' is not a date YYYY-MM-DD"),
    ("2017-2-01", "'2017-2-01' is not a date YYYY-MM-DD"),
    ("", "'' is not a date YYYY-MM-DD"),
])
def test_a_malformed_date_names_the_row_and_field(fixtures, tmp_path, value, words):
    text = (fixtures / FIX / "ledger_zone_ends.csv").read_text(encoding="utf-8")
    bad = text.replace("Z3,,rg:at-tanf-zone,us_coalition,2017-06-10,2017-06-20",
                       f"Z3,,rg:at-tanf-zone,us_coalition,2017-06-10,{value}")
    assert bad != text
    (tmp_path / "ledger.csv").write_text(bad, encoding="utf-8")
    with pytest.raises(control.LedgerError) as exc:
        control.load_ledger(tmp_path / "ledger.csv", fixtures / FIX / "sources.csv")
    msg = str(exc.value)
    assert "ledger.csv: row 4 (Z3): field 'valid_to': " in msg, msg
    assert words in msg, msg


@pytest.mark.parametrize("start, end, ok", [
    ("2016-01-01", "2016-01-01", True),  # a one-day row on the first day
    ("2019-11-30", "2019-11-30", True),  # and on the last
    ("2017-06-10", "2017-06-09", False),  # ends the day before it starts
])
def test_valid_to_may_equal_valid_from_but_not_precede_it(fixtures, tmp_path, start, end, ok):
    text = (fixtures / FIX / "ledger_zone_ends.csv").read_text(encoding="utf-8")
    new = text.replace("2017-06-10,2017-06-20", f"{start},{end}")
    (tmp_path / "ledger.csv").write_text(new, encoding="utf-8")
    if ok:
        led = control.load_ledger(tmp_path / "ledger.csv", fixtures / FIX / "sources.csv")
        assert str(led.rows["start"].iloc[2].date()) == start
        return
    with pytest.raises(control.LedgerError,
                       match=r"row 4 \(Z3\): field 'valid_to': 2017-06-09 is before valid_from "
                             r"2017-06-10"):
        control.load_ledger(tmp_path / "ledger.csv", fixtures / FIX / "sources.csv")


def test_the_interval_state_of_a_day(zone_ends):
    """The anchors, zones and their (controller, row) on one day: the zone only on its days,
    and no place row counted as a zone or the reverse."""
    before = control._interval_state(zone_ends, np.datetime64("2017-06-09"))
    assert before == (("gn:170654", "gn:172955"), (),
                      {"gn:172955": ("sdf", "Z1"), "gn:170654": ("syrian_government", "Z2")}, {})
    on = control._interval_state(zone_ends, np.datetime64("2017-06-20"))
    assert on[:2] == (("gn:170654", "gn:172955"), ("rg:at-tanf-zone",))
    assert on[3] == {"rg:at-tanf-zone": ("us_coalition", "Z3")}


@pytest.mark.parametrize("where, day, want", [
    (TANF, "2017-06-01", ("cu:at-tanf-garrison@15km", "E6")),
    (TANF, "2019-11-30", ("cu:at-tanf-garrison@15km", "E7")),
    (TANF_ZONE_ONLY, "2017-06-01", ("rg:at-tanf-zone", "E5")),
    (RAQQA, "2017-06-01", ("", "E2")),  # no zone: the anchor's cell
])
def test_cells_name_the_deciding_zone_where_zones_nest(edges, where, day, want):
    """cells_at names the zone that decided each piece: the later (inner) zone where two nest,
    the same zone as the cited row."""
    cells = control.cells_at(day, ledger=edges)
    hit = cells[cells.contains(Point(where[1], where[0]))]
    assert list(zip(hit["zone_id"], hit["row_id"])) == [want]
