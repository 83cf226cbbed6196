"""classify against a reference that shares no code with geoclaims.control.

The reference reads the fixture ledger CSV itself (csv module), takes each date's rows, builds
that date's zones the way control.py's module docstring describes them, with plain shapely and
geopandas, and places events with one ``geopandas.sjoin`` per date:

* anchors: the ledger's places valid on the date (gazetteer coordinates), each on the bank of
  the Euphrates whose region polygon contains it (an anchor just outside Syria's outline, such
  as Kobani or Tall Abyad, on the nearer bank);
* one Voronoi tessellation per bank (``shapely.voronoi_polygons`` in UTM 37N), clipped to the
  bank; a cell takes its anchor's row;
* curated zones (region polygons; ``ID@Rkm`` circles around a gazetteer point) valid on the date
  are painted over the cells in ledger order, so the zone listed later wins where zones nest;
* a point outside every zone but within ``control.BORDER_TOLERANCE_KM`` of one (a border town a
  few hundred metres outside the 1:10m outline) takes the nearest zone; further out it is
  ``unknown``.

Points within :data:`MARGIN_M` of any boundary of that construction, or near the two places
whose bank control.py corrects by hand (Hajin, al-Baghuz), are left out of the comparison: the
two constructions may round a boundary differently (a 1 m grid, a circle's vertex count), and
that is not what this test checks. Everything else must agree exactly: controller and the
cited ledger row. The fixture ledger (tests/fixtures/boundaries/ledger_reference.csv) has
controller changes on many dates, a one-day row, and a zone nested inside another.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPoint, Point

from geoclaims import control, gazetteer, regions

LEDGER = FIXTURES / "boundaries" / "ledger_reference.csv"
SOURCES = FIXTURES / "boundaries" / "sources.csv"
METRIC = "EPSG:32637"  # the metric CRS control.py's docstring names (UTM 37N)
MARGIN_M = 1500.0
FIRST, LAST = dt.date(2016, 1, 1), dt.date(2019, 11, 30)
HAND_BANKS = ("gn:174506", "cu:al-baghuz-at-tahtani")  # Hajin, al-Baghuz: corrected banks
CIRCLE = re.compile(r"^(?P<pid>(?:gn|cu):[^@]+)@(?P<km>\d+(?:\.\d+)?)km$")


def _metric(geom):
    return gpd.GeoSeries([geom], crs=4326).to_crs(METRIC).iloc[0]


@functools.lru_cache(maxsize=1)
def _rows() -> list[dict]:
    with open(LEDGER, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["from"], r["to"] = dt.date.fromisoformat(r["valid_from"]), dt.date.fromisoformat(
            r["valid_to"])
    return rows


@functools.lru_cache(maxsize=1)
def _banks() -> dict[str, shapely.Geometry]:
    syria = _metric(regions.syria())
    return {b: _metric(regions.region(b).geometry).intersection(syria)
            for b in ("rg:syria-east-of-euphrates", "rg:syria-west-of-euphrates")}


@functools.cache
def _point(pid: str) -> Point:
    p = gazetteer.lookup(pid)
    return _metric(Point(p.lon, p.lat))


@functools.cache
def _zone(zid: str):
    m = CIRCLE.match(zid)
    if m:
        return _point(m["pid"]).buffer(float(m["km"]) * 1000.0)
    return _metric(regions.region(zid).geometry)


@functools.cache
def _pieces(day: dt.date) -> tuple[gpd.GeoDataFrame, shapely.Geometry]:
    """The date's zones (controller, row_id; METRIC) and the union of their boundaries."""
    on = [r for r in _rows() if r["from"] <= day <= r["to"]]
    syria = shapely.union_all(list(_banks().values()))
    recs = []
    banks = _banks()

    def bank_of(pid: str) -> str:
        inside = [b for b, poly in banks.items() if poly.contains(_point(pid))]
        return inside[0] if inside else min(banks, key=lambda b: banks[b].distance(_point(pid)))

    for name, poly in banks.items():
        anchors = [r for r in on if r["place_id"] and bank_of(r["place_id"]) == name]
        if len(anchors) == 1:
            recs.append((anchors[0], poly))
            continue
        pts = MultiPoint([_point(r["place_id"]) for r in anchors])
        cells = shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=poly))
        for r in anchors:  # each anchor's cell is the one that contains it
            cell = next(c for c in cells if c.contains(_point(r["place_id"])))
            recs.append((r, cell.intersection(poly)))
    order = list(dict.fromkeys(r["zone_id"] for r in _rows() if r["zone_id"]))
    zones = sorted((r for r in on if r["zone_id"]), key=lambda r: order.index(r["zone_id"]))
    for z in zones:  # later zones are painted over earlier ones and over the cells
        g = _zone(z["zone_id"]).intersection(syria)
        recs = [(r, geom.difference(g)) for r, geom in recs] + [(z, g)]
    frame = gpd.GeoDataFrame({"controller": [r["controller"] for r, _ in recs],
                              "row_id": [r["row_id"] for r, _ in recs]},
                             geometry=[g for _, g in recs], crs=METRIC)
    frame = frame[~frame.is_empty]
    edges = shapely.union_all([*frame.boundary, *(b.boundary for b in _banks().values()),
                               *(_point(p).buffer(3000.0) for p in HAND_BANKS)])
    return frame, edges


def reference(events: gpd.GeoDataFrame) -> pd.DataFrame:
    """controller, control_rows and 'decidable' (far enough from every boundary) per event."""
    out = pd.DataFrame({"controller": "unknown", "control_rows": "", "decidable": True},
                       index=events.index)
    pts = events.geometry.to_crs(METRIC)
    for day in sorted(set(events["date_start"].dt.date)):
        if not FIRST <= day <= LAST:
            continue
        frame, edges = _pieces(day)
        sel = events.index[(events["date_start"].dt.date == day).to_numpy()]
        left = gpd.GeoDataFrame(geometry=pts.loc[sel], crs=METRIC)
        j = gpd.sjoin(left, frame, how="inner", predicate="within")
        assert j.index.is_unique  # the zones of one date do not overlap
        out.loc[j.index, "controller"] = j["controller"]
        out.loc[j.index, "control_rows"] = j["row_id"]
        out.loc[sel, "decidable"] = shapely.distance(pts.loc[sel].to_numpy(), edges) > MARGIN_M
        # outside every zone: the nearest zone within the border tolerance, else unknown; a point
        # near the tolerance's limit or about as near to two zones is not decidable
        rest = sel.difference(j.index)
        if len(rest):
            d = shapely.distance(pts.loc[rest].to_numpy()[:, None],
                                 frame.geometry.to_numpy()[None, :])
            order = np.argsort(d, axis=1)
            near = np.take_along_axis(d, order[:, :1], axis=1)[:, 0]
            second = (np.take_along_axis(d, order[:, 1:2], axis=1)[:, 0] if d.shape[1] > 1
                      else np.full(len(rest), np.inf))
            tol = control.BORDER_TOLERANCE_KM * 1000.0
            take = near <= tol
            idx = rest[take]
            out.loc[idx, "controller"] = frame["controller"].to_numpy()[order[take, 0]]
            out.loc[idx, "control_rows"] = frame["row_id"].to_numpy()[order[take, 0]]
            out.loc[rest, "decidable"] &= (np.abs(near - tol) > MARGIN_M) & (
                second - near > MARGIN_M)
    return out


@pytest.fixture(scope="module")
def ledger() -> control.Ledger:
    return control.load_ledger(LEDGER, SOURCES)


def _events(xs, ys, days) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"date_start": pd.to_datetime(list(days))},
                            geometry=gpd.points_from_xy(xs, ys), crs=4326)


def _compare(ledger, ev) -> int:
    got = control.classify(ev, ledger=ledger, distances=False)
    want = reference(ev)
    ok = want["decidable"].to_numpy()
    bad = ok & ((got["controller"].to_numpy() != want["controller"].to_numpy())
                | (got["control_rows"].to_numpy() != want["control_rows"].to_numpy()))
    if bad.any():
        rows = pd.concat([ev[bad], got.loc[bad, ["controller", "control_rows"]].add_prefix("got_"),
                          want[bad].add_prefix("want_")], axis=1)
        pytest.fail(f"classify and the reference disagree on {bad.sum()} events:\n{rows}")
    return int(ok.sum())


def _change_days() -> list[dt.date]:
    """First and last day of every row of the fixture ledger, and the days around them."""
    days = set()
    for r in _rows():
        for d in (r["from"], r["to"]):
            days |= {d - dt.timedelta(days=1), d, d + dt.timedelta(days=1)}
    return sorted(days)


def test_reference_fixture_covers_what_it_should():
    rows = _rows()
    assert any(r["from"] == r["to"] for r in rows)  # a one-day row
    zones = [r for r in rows if r["zone_id"]]
    assert {r["zone_id"] for r in zones} == {"cu:at-tanf-garrison@15km", "rg:at-tanf-zone"}
    assert _zone("cu:at-tanf-garrison@15km").within(_zone("rg:at-tanf-zone"))  # nested


def test_classify_equals_the_reference_on_every_change_day(ledger):
    """A grid of points over Syria on the first and last day of every row (and the days
    around them, including 2015-12-31 and 2019-12-01)."""
    minx, miny, maxx, maxy = regions.syria().bounds
    gx, gy = np.meshgrid(np.linspace(minx, maxx, 24), np.linspace(miny, maxy, 18))
    days = _change_days()
    assert FIRST in days and LAST in days and dt.date(2019, 12, 1) in days
    xs, ys, ds = [], [], []
    for k, d in enumerate(days):  # a shifted grid per day, so every day sees other points
        xs += list(gx.ravel() + (k % 5) * 0.05)
        ys += list(gy.ravel() + (k % 3) * 0.05)
        ds += [d] * gx.size
    # the At-Tanf garrison and a point in the zone outside the circle, every day
    for d in days:
        xs += [38.6178, 38.90]
        ys += [33.5058, 33.80]
        ds += [d, d]
    ev = _events(xs, ys, ds)
    n = _compare(ledger, ev)
    assert n > 0.8 * len(ev) * 0.5  # most points inside Syria are decidable
    got = control.classify(ev, ledger=ledger, distances=False)
    tanf = got.tail(2 * len(days))
    assert {"R21", "R22", "R23"} <= set(tanf["control_rows"])


def _dates():
    edge = st.sampled_from(_change_days())
    anyday = st.dates(min_value=FIRST - dt.timedelta(days=3), max_value=LAST + dt.timedelta(days=3))
    return st.one_of(edge, anyday)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(st.tuples(st.floats(35.6, 42.4), st.floats(32.3, 37.4), _dates()),
                     min_size=1, max_size=25))
def test_classify_equals_the_reference_property(ledger, data):
    xs, ys, ds = zip(*data)
    _compare(ledger, _events(xs, ys, ds))
