"""Territorial control over time: a cited ledger, zones for any date, a time-aware spatial join.

Stage ``control`` of the pipeline (after ``events``; imports only earlier stages).

The ledger
----------
``data/control_ledger.csv`` (one assertion per row) says that a place (gazetteer id ``gn:`` or
``cu:``) or a curated zone (``rg:``/``adm1:`` ids, ``&`` for an intersection, e.g.
``rg:syria-east-of-euphrates&adm1:SY09``; ``cu:at-tanf-garrison@15km`` is a 15 km circle around a
gazetteer point) was held by one controller from ``valid_from`` to
``valid_to`` (both inclusive, YYYY-MM-DD, inside 2016-01-01..2019-11-30), with ``source`` (one or
more ids of ``data/control_sources.csv``, joined by ``;``) and a ``note`` on what is uncertain.
:func:`load_ledger` checks every row and names file, row and field on any error.

How the zones are built (:func:`control_at`)
---------------------------------------------
1. **Anchors.** Every ledger place valid on the date is a point (from :mod:`geoclaims.gazetteer`).
2. **The Euphrates is a barrier.** Syria is split into the two banks (``rg:syria-east-of-euphrates``
   and ``rg:syria-west-of-euphrates``, cut along the Natural Earth centre-line). Each anchor
   belongs to the bank its point lies on, except where :data:`BANK_OVERRIDES` corrects the
   coarse 1:10m river line (Hajin, al-Baghuz at-Tahtani lie a few hundred metres on the wrong side
   of it). The banks are tessellated separately, so a cell never reaches across the river: a
   point on one bank cannot lend its controller to the other bank. The ledger has anchors on both
   banks for every date, so the river acts as the line wherever the two banks' anchors differ
   (Deir ez-Zor from late 2017, Raqqa/Tabqa, Manbij-Jarabulus) and is invisible where they agree.
3. **Voronoi cells.** Each bank is tessellated with :func:`shapely.voronoi_polygons` around its
   anchors, in a metric projection (:data:`METRIC_CRS`), and clipped to the bank. A cell takes
   the controller of its anchor's ledger row.
4. **Curated zones** (ledger rows with a ``zone_id``: the At-Tanf garrison area, a 15 km circle,
   from March 2016, and the 55 km deconfliction zone from May 2017) are laid over the cells and
   take precedence inside them (later rows over earlier ones). The garrison is a zone rather than
   an anchor on purpose: as an anchor its Voronoi cell would claim the whole south-eastern desert.
5. The result is dissolved by controller and returned in EPSG:4326.

What this cannot tell: a Voronoi boundary is halfway between two anchors, not a surveyed front
line; empty desert takes the controller of the nearest listed town; a divided city
(Aleppo to December 2016, Deir ez-Zor to November 2017, Daraa to July 2018) is one point coded
``contested``; enclaves smaller than the anchor spacing (government quarters in al-Hasakah and
al-Qamishli, the opposition strip of north-east Latakia) are absent; the Israeli-occupied Golan
lies inside the Natural Earth polygon used here and gets the controller of the nearest Syrian
anchor. Treat a point a few kilometres from a zone boundary as undecided: :func:`classify`
returns that distance (``dist_other_km``) for exactly this reason.

The time-aware join (:func:`classify`)
--------------------------------------
The dates at which any ledger row starts or ends cut 2016-01-01..2019-11-30 into control
intervals. The cells' geometry depends only on *which* places are anchors, which is the same for
every interval (each place's rows cover the whole span), so the cells, split by every curated
zone into "atoms", are built once and joined to all events in one :func:`geopandas.sjoin` with
the spatial index; the controller of each atom in each interval (its anchor's row, or the last
active zone containing it) is then a table lookup. Distances to the nearest zone of
another controller are measured in :data:`METRIC_CRS` to the front edges (atom boundaries whose
two sides differ in that interval); see :class:`_FrontIndex` for how (a grid of tiles that lists
each tile's nearest front segments, exact point-to-segment distances in numpy, and an STRtree
nearest-neighbour query for the few events the lists cannot settle). The result equals a plain
STRtree nearest query up to floating-point rounding (well under 1 mm). There is no Python loop
over events.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPoint, Point
from shapely.geometry.base import BaseGeometry

from geoclaims import gazetteer, paths, regions

log = logging.getLogger(__name__)

LEDGER_FILE = "control_ledger.csv"
SOURCES_FILE = "control_sources.csv"
WGS84 = "EPSG:4326"
#: WGS 84 / UTM 37N: covers 36-42 E (nearly all of Syria), scale error under 0.1 %.
METRIC_CRS = "EPSG:32637"

CONTROLLERS: tuple[str, ...] = (
    "syrian_government",
    "sdf",
    "us_coalition",
    "turkey_and_sna",
    "hts_and_opposition",
    "isis",
    "contested",
)
#: Controllers counted as "US-held" unless the caller passes another mapping.
US_HELD_DEFAULT: tuple[str, ...] = ("sdf", "us_coalition")
UNKNOWN = "unknown"
SPAN_START = dt.date(2016, 1, 1)
SPAN_END = dt.date(2019, 11, 30)

LEDGER_COLUMNS = ("row_id", "place_id", "zone_id", "controller", "valid_from", "valid_to",
                  "source", "note")
SOURCE_COLUMNS = ("source_id", "title", "publisher", "url", "published", "accessed")

EAST, WEST = "rg:syria-east-of-euphrates", "rg:syria-west-of-euphrates"
#: Anchors whose bank the sources state and the Natural Earth 1:10m line gets wrong
#: (place id -> (bank region id, source id in control_sources.csv)).
BANK_OVERRIDES: dict[str, tuple[str, str]] = {
    "gn:174506": (EAST, "afp-hajin-2018"),  # Hajin: "east of the Euphrates"; 0.2 km off the line
    "cu:al-baghuz-at-tahtani": (EAST, "smart-baghuz-tahtani-2018"),  # SDF-only east-bank advance
}
#: How far inside its bank an overridden anchor is placed (metres).
BANK_SNAP_M = 300.0
#: Radius (metres) of the disc around an overridden place that is moved to the stated bank, so
#: that events in the town itself are not cut off from it by the coarse river line.
BANK_DISC_M = 2000.0
#: Coordinates are snapped to this grid (metres) so neighbouring cells share exact edges.
GRID_M = 1.0

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ZONE_PREFIXES = ("rg:", "adm1:", "adm0:")


class LedgerError(ValueError):
    """A ledger or sources file that breaks a rule; the message names file, row and field."""


@dataclass
class Ledger:
    """The checked ledger: its rows, the sources table and the anchor points."""

    rows: pd.DataFrame  # LEDGER_COLUMNS + line (file line number), start/end (datetime64)
    sources: pd.DataFrame  # SOURCE_COLUMNS + consulted_copy
    path: Path
    sources_path: Path
    anchors: gpd.GeoDataFrame = field(repr=False)  # place_id, bank, geometry (METRIC_CRS)
    _cache: dict = field(default_factory=dict, repr=False)

    def breakpoints(self) -> np.ndarray:
        """Sorted day numbers (datetime64[D]) at which some row starts or ends (+1 day)."""
        starts = self.rows["start"].to_numpy("datetime64[D]")
        ends = self.rows["end"].to_numpy("datetime64[D]") + np.timedelta64(1, "D")
        return np.unique(np.concatenate([starts, ends]))

    def rows_on(self, day: np.datetime64) -> pd.DataFrame:
        """The rows valid on ``day``."""
        r = self.rows
        return r[(r["start"] <= day) & (r["end"] >= day)]


# --------------------------------------------------------------------------------------------
# Loading and checking
# --------------------------------------------------------------------------------------------


def _err(path: Path, line: int, row_id: str, fld: str, msg: str) -> LedgerError:
    rid = f" ({row_id})" if row_id else ""
    return LedgerError(f"{path}: row {line}{rid}: field '{fld}': {msg}")


def _parse_date(path: Path, line: int, rid: str, fld: str, value: str) -> dt.date:
    if not _DATE_RE.match(value or ""):
        raise _err(path, line, rid, fld, f"'{value}' is not a date YYYY-MM-DD")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise _err(path, line, rid, fld, f"'{value}': {exc}") from exc
    if not SPAN_START <= day <= SPAN_END:
        raise _err(path, line, rid, fld,
                   f"{value} is outside the ledger span {SPAN_START}..{SPAN_END}")
    return day


def read_sources(path: Path | None = None) -> pd.DataFrame:
    """``data/control_sources.csv``, checked (every source needs title, publisher, URL, date)."""
    path = Path(path) if path else paths.data_file(SOURCES_FILE)
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in SOURCE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise LedgerError(f"{path}: header: missing column(s) {', '.join(missing)}")
        rows = list(reader)
    seen: set[str] = set()
    for i, row in enumerate(rows, start=2):
        sid = (row.get("source_id") or "").strip()
        for fld in ("source_id", "title", "publisher", "url"):
            if not (row.get(fld) or "").strip():
                raise _err(path, i, sid, fld, "is empty")
        if not ((row.get("published") or "").strip() or (row.get("accessed") or "").strip()):
            raise _err(path, i, sid, "published", "a source needs a publication or access date")
        if not re.match(r"^https?://", row["url"].strip()):
            raise _err(path, i, sid, "url", f"'{row['url']}' is not an http(s) URL")
        if sid in seen:
            raise _err(path, i, sid, "source_id", f"'{sid}' appears twice")
        seen.add(sid)
    return pd.DataFrame(rows, dtype=str)


_CIRCLE_RE = re.compile(r"^((?:gn|cu):[A-Za-z0-9_.-]+)@(\d+(?:\.\d+)?)km$")


def _circle(point_id: str, km: float) -> BaseGeometry:
    """A circle of ``km`` around a gazetteer point (buffer in METRIC_CRS), in EPSG:4326."""
    try:
        p = gazetteer.lookup(point_id)
    except gazetteer.GazetteerError as exc:
        raise regions.RegionError(f"unknown place id '{point_id}'") from exc
    if p.lat is None or p.lon is None:
        raise regions.RegionError(f"'{point_id}' has no coordinates")
    disc = _to_metric(Point(p.lon, p.lat)).buffer(km * 1000.0, quad_segs=32)
    return gpd.GeoSeries([disc], crs=METRIC_CRS).to_crs(WGS84).iloc[0]


def _zone_geometry(zone_id: str) -> BaseGeometry:
    """The geometry of a curated zone id: region ids (``rg:``, ``adm1:``, ``adm0:``) or point
    circles (``<gn:|cu: id>@<R>km``) joined by ``&`` (intersection)."""
    parts = [p.strip() for p in zone_id.split("&")]
    geom: BaseGeometry | None = None
    for part in parts:
        circle = _CIRCLE_RE.match(part)
        if circle:
            g = _circle(circle.group(1), float(circle.group(2)))
            geom = g if geom is None else geom.intersection(g)
            continue
        if not part.startswith(_ZONE_PREFIXES):
            raise regions.RegionError(
                f"'{part}' is not a region id (rg:, adm1:, adm0:) or a circle (ID@Rkm)")
        reg = regions.region(part)
        if reg.kind != "polygon":
            raise regions.RegionError(f"'{part}' is a {reg.kind}, not a polygon")
        geom = reg.geometry if geom is None else geom.intersection(reg.geometry)
    assert geom is not None
    if geom.is_empty:
        raise regions.RegionError(f"'{zone_id}' is empty (the regions do not intersect)")
    return geom


def load_ledger(path: Path | str | None = None, sources_path: Path | str | None = None) -> Ledger:
    """Read and check the control ledger (and its sources table).

    Raises :class:`LedgerError` naming file, row and field for: a missing column, an empty
    ``row_id`` or a repeated one, neither or both of ``place_id``/``zone_id``, an unknown place or
    zone id, an unknown controller, a malformed date or one outside 2016-01-01..2019-11-30,
    ``valid_to`` before ``valid_from``, an empty ``source`` or one not in the sources table, and
    overlapping validity of two rows for the same place or zone.
    """
    path = Path(path) if path else paths.data_file(LEDGER_FILE)
    sources_path = Path(sources_path) if sources_path else path.with_name(SOURCES_FILE)
    sources = read_sources(sources_path)
    known_sources = set(sources["source_id"])
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in LEDGER_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise LedgerError(f"{path}: header: missing column(s) {', '.join(missing)}")
        raw = list(reader)
    if not raw:
        raise LedgerError(f"{path}: no rows")
    out = []
    seen_ids: set[str] = set()
    points: dict[str, Point] = {}
    for line, row in enumerate(raw, start=2):
        row = {k: (row.get(k) or "").strip() for k in LEDGER_COLUMNS}
        rid = row["row_id"]
        if not rid:
            raise _err(path, line, rid, "row_id", "is empty")
        if rid in seen_ids:
            raise _err(path, line, rid, "row_id", f"'{rid}' appears twice")
        seen_ids.add(rid)
        place, zone = row["place_id"], row["zone_id"]
        if bool(place) == bool(zone):
            raise _err(path, line, rid, "place_id",
                       "give exactly one of place_id (a gazetteer point) and zone_id (a zone)")
        if place:
            if not place.startswith(("gn:", "cu:")):
                raise _err(path, line, rid, "place_id",
                           f"'{place}' is not a point id (gn: or cu:); zones go in zone_id")
            if place not in points:
                try:
                    p = gazetteer.lookup(place)
                except gazetteer.GazetteerError as exc:
                    raise _err(path, line, rid, "place_id", f"unknown place id '{place}'") from exc
                if p.lat is None or p.lon is None:
                    raise _err(path, line, rid, "place_id", f"'{place}' has no coordinates")
                points[place] = Point(p.lon, p.lat)
        else:
            try:
                _zone_geometry(zone)
            except regions.RegionError as exc:
                raise _err(path, line, rid, "zone_id", f"unknown zone '{zone}': {exc}") from exc
        if row["controller"] not in CONTROLLERS:
            raise _err(path, line, rid, "controller",
                       f"unknown controller '{row['controller']}'; known: {', '.join(CONTROLLERS)}")
        start = _parse_date(path, line, rid, "valid_from", row["valid_from"])
        end = _parse_date(path, line, rid, "valid_to", row["valid_to"])
        if end < start:
            raise _err(path, line, rid, "valid_to", f"{end} is before valid_from {start}")
        if not row["source"]:
            raise _err(path, line, rid, "source", "is empty: every assertion needs a source")
        for sid in row["source"].split(";"):
            if sid.strip() not in known_sources:
                raise _err(path, line, rid, "source",
                           f"'{sid.strip()}' is not a source_id of {sources_path.name}")
        out.append({**row, "line": line, "key": place or zone,
                    "start": np.datetime64(start, "D"), "end": np.datetime64(end, "D")})
    rows = pd.DataFrame(out)
    for col in ("start", "end"):
        rows[col] = rows[col].astype("datetime64[s]")
    # overlapping validity for the same place or zone
    srt = rows.sort_values(["key", "start"], kind="stable")
    prev = srt.groupby("key")["end"].shift()
    clash = srt[prev.notna() & (srt["start"] <= prev)]
    if not clash.empty:
        bad = clash.iloc[0]
        other = srt[(srt["key"] == bad["key"]) & (srt["end"] >= bad["start"])
                    & (srt["row_id"] != bad["row_id"])].iloc[0]
        raise _err(path, int(bad["line"]), bad["row_id"], "valid_from",
                   f"validity {bad['valid_from']}..{bad['valid_to']} of '{bad['key']}' overlaps "
                   f"row {other['row_id']} ({other['valid_from']}..{other['valid_to']}, "
                   f"{other['controller']})")
    anchors = _anchors(points)
    return Ledger(rows=rows.reset_index(drop=True), sources=sources, path=path,
                  sources_path=sources_path, anchors=anchors)


@functools.lru_cache(maxsize=4)
def _cached_ledger(path: str, sources_path: str, mtimes: tuple[float, float]) -> Ledger:
    return load_ledger(path, sources_path)


def default_ledger() -> Ledger:
    """The repository ledger, loaded once per process (reloaded when the files change)."""
    path = paths.data_file(LEDGER_FILE)
    spath = paths.data_file(SOURCES_FILE)
    return _cached_ledger(str(path), str(spath), (path.stat().st_mtime, spath.stat().st_mtime))


# --------------------------------------------------------------------------------------------
# Geometry: banks, anchors, atoms
# --------------------------------------------------------------------------------------------


def _to_metric(geom: BaseGeometry) -> BaseGeometry:
    return gpd.GeoSeries([geom], crs=WGS84).to_crs(METRIC_CRS).iloc[0]


@functools.lru_cache(maxsize=1)
def _banks() -> dict[str, BaseGeometry]:
    """Both banks of the Euphrates (clipped to Syria), in METRIC_CRS, snapped to the grid."""
    syr = _to_metric(regions.syria())
    raw = {bank: _to_metric(regions.region(bank).geometry).intersection(syr)
           for bank in (EAST, WEST)}
    for pid, (bank, _src) in BANK_OVERRIDES.items():
        p = gazetteer.lookup(pid)
        disc = _to_metric(Point(p.lon, p.lat)).buffer(BANK_DISC_M).intersection(syr)
        raw = {b: g.union(disc) if b == bank else g.difference(disc) for b, g in raw.items()}
    return {b: shapely.make_valid(shapely.set_precision(g, GRID_M)) for b, g in raw.items()}


@functools.lru_cache(maxsize=1)
def syria_metric() -> BaseGeometry:
    """Syria (Natural Earth) in METRIC_CRS."""
    return _to_metric(regions.syria())


def _anchors(points: dict[str, Point]) -> gpd.GeoDataFrame:
    ids = list(points)
    gs = gpd.GeoSeries([points[i] for i in ids], crs=WGS84).to_crs(METRIC_CRS)
    banks = _banks()
    bank_of, geoms = [], []
    for pid, pt in zip(ids, gs):
        if pid in BANK_OVERRIDES:
            bank = BANK_OVERRIDES[pid][0]
            poly = banks[bank]
            if not poly.contains(pt):
                inner = poly.buffer(-BANK_SNAP_M)
                pt = shapely.ops.nearest_points(inner, pt)[0]
        else:
            bank = EAST if banks[EAST].contains(pt) else WEST
        bank_of.append(bank)
        geoms.append(pt)
    return gpd.GeoDataFrame({"place_id": ids, "bank": bank_of}, geometry=geoms, crs=METRIC_CRS)


@dataclass
class Atoms:
    """Pieces of Syria that never change controller inside one anchor set.

    ``frame``: atom index -> place_id (the anchor of its cell), zones (the ledger's zone ids that
    contain the atom, in ledger order), geometry (METRIC_CRS). ``edges``: segments of boundaries shared by two atoms
    (``seg`` geometries, ``a``/``b`` atom indices).
    """

    frame: gpd.GeoDataFrame
    frame_wgs84: gpd.GeoDataFrame
    seg: np.ndarray
    seg_a: np.ndarray
    seg_b: np.ndarray
    tree: shapely.STRtree


def _cells(anchor_ids: tuple[str, ...], anchors: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Voronoi cells of the anchors, tessellated separately on each bank."""
    a = anchors.set_index("place_id").loc[list(anchor_ids)]
    pieces_id, pieces_geom = [], []
    for bank, poly in _banks().items():
        sub = a[a["bank"] == bank]
        if sub.empty:
            continue
        if len(sub) == 1:
            cells = [poly]
        else:
            vor = shapely.voronoi_polygons(MultiPoint(list(sub.geometry)), extend_to=poly,
                                           ordered=True)
            cells = list(shapely.get_parts(vor))
        clipped = shapely.intersection(np.array(cells, dtype=object), poly)
        for pid, g in zip(sub.index, clipped):
            if not g.is_empty:
                pieces_id.append(pid)
                pieces_geom.append(g)
    return gpd.GeoDataFrame({"place_id": pieces_id}, geometry=pieces_geom, crs=METRIC_CRS)


def _build_atoms(anchor_ids: tuple[str, ...], zone_ids: tuple[str, ...],
                 anchors: gpd.GeoDataFrame) -> Atoms:
    cells = _cells(anchor_ids, anchors)
    recs: list[tuple[str, tuple[str, ...], BaseGeometry]] = [
        (pid, (), g) for pid, g in zip(cells["place_id"], cells.geometry)]
    syr = syria_metric()
    for zid in zone_ids:  # every zone of the ledger; which are active is decided per interval
        z = _to_metric(_zone_geometry(zid)).intersection(syr)
        new = []
        for pid, zprev, g in recs:
            inside, outside = g.intersection(z), g.difference(z)
            if not outside.is_empty:
                new.append((pid, zprev, outside))
            if not inside.is_empty:
                new.append((pid, (*zprev, zid), inside))
        recs = new
    geoms = shapely.set_precision(np.array([r[2] for r in recs], dtype=object), GRID_M)
    geoms = shapely.make_valid(geoms)
    keep = ~shapely.is_empty(geoms) & (shapely.area(geoms) > 0)
    frame = gpd.GeoDataFrame(
        {"place_id": [r[0] for r, k in zip(recs, keep) if k],
         "zones": [r[1] for r, k in zip(recs, keep) if k]},
        geometry=list(geoms[keep]), crs=METRIC_CRS)
    # shared edges between atoms, exploded to segments for a nearest-neighbour index
    tree = shapely.STRtree(frame.geometry.values)
    left, right = tree.query(frame.geometry.values, predicate="intersects")
    m = left < right
    left, right = left[m], right[m]
    bnd = shapely.boundary(frame.geometry.values)
    shared = shapely.intersection(bnd[left], bnd[right])
    seg, sa, sb = [], [], []
    for i, j, g in zip(left, right, shared):
        coords_sets = [shapely.get_coordinates(ln) for ln in shapely.get_parts(g)
                       if ln.geom_type in ("LineString", "LinearRing")]
        for c in coords_sets:
            if len(c) < 2:
                continue
            seg.extend(shapely.linestrings(np.stack([c[:-1], c[1:]], axis=1)))
            sa.extend([i] * (len(c) - 1))
            sb.extend([j] * (len(c) - 1))
    return Atoms(frame=frame, frame_wgs84=frame[["geometry"]].to_crs(WGS84),
                 seg=np.array(seg, dtype=object), seg_a=np.array(sa, dtype=int),
                 seg_b=np.array(sb, dtype=int), tree=tree)


def _interval_state(ledger: Ledger, day: np.datetime64) -> tuple[tuple, tuple, dict, dict]:
    """Anchor ids, zone ids and their (controller, row_id) on ``day``."""
    on = ledger.rows_on(day)
    places = on[on["place_id"] != ""]
    zones = on[on["zone_id"] != ""]
    pmap = dict(zip(places["place_id"], zip(places["controller"], places["row_id"])))
    zmap = dict(zip(zones["zone_id"], zip(zones["controller"], zones["row_id"])))
    return tuple(sorted(pmap)), tuple(zones["zone_id"]), pmap, zmap


def _atoms_for(ledger: Ledger, anchor_ids: tuple) -> Atoms:
    """Atoms for one anchor set, split by every zone of the ledger (built once, cached)."""
    key = ("atoms", anchor_ids)
    if key not in ledger._cache:
        zone_ids = tuple(dict.fromkeys(ledger.rows.loc[ledger.rows["zone_id"] != "", "zone_id"]))
        ledger._cache[key] = _build_atoms(anchor_ids, zone_ids, ledger.anchors)
    return ledger._cache[key]


def _labels(atoms: Atoms, pmap: dict, zmap: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Controller, ledger row and active zone ('' if none) of every atom on one interval: the
    last active zone containing the atom wins, else the atom's anchor."""
    ctrl, rows, zone = [], [], []
    for pid, zids in zip(atoms.frame["place_id"], atoms.frame["zones"]):
        active = [z for z in zids if z in zmap]
        c, r = zmap[active[-1]] if active else pmap[pid]
        ctrl.append(c)
        rows.append(r)
        zone.append(active[-1] if active else "")
    return (np.array(ctrl, dtype=object), np.array(rows, dtype=object),
            np.array(zone, dtype=object))


def _day(date) -> np.datetime64:
    day = np.datetime64(pd.Timestamp(date).date(), "D")
    if not np.datetime64(SPAN_START) <= day <= np.datetime64(SPAN_END):
        raise ValueError(f"{pd.Timestamp(date).date()} is outside the ledger span "
                         f"{SPAN_START}..{SPAN_END}")
    return day


def cells_at(date, *, ledger: Ledger | None = None) -> gpd.GeoDataFrame:
    """The undissolved pieces on ``date``: place_id, zone_id, controller, row_id, geometry
    (EPSG:4326). Each piece is one anchor's cell (or its part inside a curated zone)."""
    ledger = ledger or default_ledger()
    anchor_ids, _, pmap, zmap = _interval_state(ledger, _day(date))
    atoms = _atoms_for(ledger, anchor_ids)
    ctrl, rows, zone = _labels(atoms, pmap, zmap)
    out = atoms.frame[["place_id"]].copy()
    out["zone_id"] = zone
    out["controller"] = ctrl
    out["row_id"] = rows
    out = out.set_geometry(atoms.frame.geometry.values, crs=METRIC_CRS)
    return out.to_crs(WGS84)


def control_at(date, *, ledger: Ledger | None = None) -> gpd.GeoDataFrame:
    """Zones of control on ``date``: GeoDataFrame(controller, geometry) in EPSG:4326, clipped to
    Syria and dissolved by controller (construction: see the module docstring)."""
    ledger = ledger or default_ledger()
    day = _day(date)
    key = ("zones", str(day))
    if key not in ledger._cache:
        cells = cells_at(day, ledger=ledger).to_crs(METRIC_CRS)
        z = cells.dissolve(by="controller", as_index=False)[["controller", "geometry"]]
        z["geometry"] = shapely.make_valid(shapely.set_precision(z.geometry.values, GRID_M))
        ledger._cache[key] = z.to_crs(WGS84).reset_index(drop=True)
    return ledger._cache[key].copy()


def controller_at(lat: float, lon: float, date, *, ledger: Ledger | None = None) -> dict:
    """Controller at one point on one date, with the ledger row(s) behind it and the distance
    to the nearest zone of another controller (km). ``controller`` is 'unknown' outside Syria."""
    ledger = ledger or default_ledger()
    ev = gpd.GeoDataFrame({"date_start": [pd.Timestamp(date)]},
                          geometry=[Point(lon, lat)], crs=WGS84)
    res = classify(ev, ledger=ledger)
    row_ids = [r for r in str(res["control_rows"].iloc[0]).split(";") if r]
    rows = ledger.rows[ledger.rows["row_id"].isin(row_ids)]
    return {"controller": res["controller"].iloc[0], "dist_other_km": res["dist_other_km"].iloc[0],
            "us_held": bool(res["us_held"].iloc[0]), "rows": rows}


# --------------------------------------------------------------------------------------------
# classify
# --------------------------------------------------------------------------------------------


@dataclass
class ClassifyReport:
    """What :func:`classify` did: counts by outcome, nothing dropped silently."""

    n_events: int = 0
    n_intervals_used: int = 0
    n_anchor_sets: int = 0
    no_date: int = 0
    outside_span: int = 0
    outside_zones: int = 0
    by_controller: dict = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [(f"{self.n_events} events classified against {self.n_intervals_used} control "
                f"intervals ({self.n_anchor_sets} anchor set(s))")]
        if self.no_date:
            out.append(f"{self.no_date} events have no date: controller 'unknown'")
        if self.outside_span:
            out.append(f"{self.outside_span} events fall outside {SPAN_START}..{SPAN_END}: "
                       "controller 'unknown'")
        if self.outside_zones:
            out.append(f"{self.outside_zones} events lie outside every zone (outside Syria): "
                       "controller 'unknown'")
        return out


def classify(events: gpd.GeoDataFrame, *, us_held: tuple[str, ...] = US_HELD_DEFAULT,
             ledger: Ledger | None = None, date_column: str = "date_start",
             distances: bool = True) -> gpd.GeoDataFrame:
    """Add ``controller``, ``control_rows``, ``dist_other_km`` and ``us_held`` to ``events``.

    Each event is placed on its ``date_column`` date (default ``date_start``). Events with no
    date, dated outside the ledger span or lying outside every zone get controller 'unknown',
    empty ``control_rows``, NaN distance and ``us_held`` False; the counts are logged and stored
    in ``result.attrs['control_report']`` (a :class:`ClassifyReport`). ``us_held`` is the set of
    controllers counted as US-held (default :data:`US_HELD_DEFAULT`). ``distances=False`` skips
    ``dist_other_km`` (left NaN), which is most of the cost.
    """
    bad = [c for c in us_held if c not in CONTROLLERS]
    if bad:
        raise ValueError(f"us_held: unknown controller(s) {bad}; known: {', '.join(CONTROLLERS)}")
    ledger = ledger or default_ledger()
    n = len(events)
    report = ClassifyReport(n_events=n)
    controller = np.full(n, UNKNOWN, dtype=object)
    rows_out = np.full(n, "", dtype=object)
    dist = np.full(n, np.nan)

    days = pd.to_datetime(events[date_column]).to_numpy("datetime64[D]")
    nat = np.isnat(days)
    report.no_date = int(nat.sum())
    lo, hi = np.datetime64(SPAN_START), np.datetime64(SPAN_END)
    in_span = ~nat & (days >= lo) & (days <= hi)
    report.outside_span = int((~nat & ~in_span).sum())

    bps = ledger.breakpoints()
    bps = bps[(bps >= lo) & (bps <= hi + np.timedelta64(1, "D"))]
    interval = np.full(n, -1)
    interval[in_span] = np.searchsorted(bps, days[in_span], side="right") - 1

    geoms = events.geometry
    if events.crs is not None and events.crs != WGS84:
        geoms = geoms.to_crs(WGS84)
    pts = geoms.values

    used = np.unique(interval[interval >= 0])
    report.n_intervals_used = len(used)
    # group intervals by anchor set: one spatial join per anchor set
    states = {int(i): _interval_state(ledger, bps[i]) for i in used}
    by_set: dict[tuple, list[int]] = {}
    for i, (aids, _, _, _) in states.items():
        by_set.setdefault(aids, []).append(i)
    report.n_anchor_sets = len(by_set)
    atom_of = np.full(n, -1)
    set_of = np.full(n, -1)
    sets = []
    for k, (aids, ivals) in enumerate(by_set.items()):
        atoms = _atoms_for(ledger, aids)
        sets.append((atoms, ivals))
        sel = np.flatnonzero(np.isin(interval, ivals))
        left = gpd.GeoDataFrame(geometry=pts[sel], crs=WGS84)
        joined = gpd.sjoin(left, atoms.frame_wgs84, how="inner", predicate="intersects")
        joined = joined[~joined.index.duplicated(keep="first")]  # points on a shared edge
        hit = sel[joined.index.to_numpy()]
        atom_of[hit] = joined["index_right"].to_numpy()
        set_of[hit] = k
    placed = atom_of >= 0
    # which front (a distinct set of front segments) each event is measured against: filled per
    # interval below from the atoms' labels, measured all at once after the loop
    fronts = _Fronts()
    front_of = np.full(n, -1)
    # events grouped by control interval (one sort, no per-event loop)
    idx = np.flatnonzero(placed)
    idx = idx[np.argsort(interval[idx], kind="stable")]
    groups = np.split(idx, np.flatnonzero(np.diff(interval[idx])) + 1) if len(idx) else []
    for ev_idx in groups:
        i = int(interval[ev_idx[0]])
        atoms, _ = sets[int(set_of[ev_idx[0]])]
        _, _, pmap, zmap = states[i]
        ctrl, rid, _ = _labels(atoms, pmap, zmap)
        a_idx = atom_of[ev_idx]
        ev_ctrl = ctrl[a_idx]
        controller[ev_idx] = ev_ctrl
        rows_out[ev_idx] = rid[a_idx]
        if distances:
            front_of[ev_idx] = fronts.atom_fronts(int(set_of[ev_idx[0]]), atoms, ctrl)[a_idx]
    if distances:
        dist = _front_distances_km(ledger, fronts, list(by_set), [a for a, _ in sets], pts,
                                   front_of)
    report.outside_zones = int((~placed & in_span).sum())
    out = events.copy()
    out["controller"] = controller
    out["control_rows"] = rows_out
    out["dist_other_km"] = dist
    out["us_held"] = np.isin(controller, list(us_held))
    report.by_controller = pd.Series(controller).value_counts().to_dict()
    out.attrs["control_report"] = report
    for line in report.lines():
        log.info(line)
    return out


@functools.lru_cache(maxsize=1)
def _transformer():
    from pyproj import Transformer

    return Transformer.from_crs(WGS84, METRIC_CRS, always_xy=True)


def _to_metric_xy(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _transformer().transform(lon, lat)


# --------------------------------------------------------------------------------------------
# Distance to the nearest zone of another controller (dist_other_km)
# --------------------------------------------------------------------------------------------

#: Side (metres) of the grid tiles of :class:`_FrontIndex`.
FRONT_TILE_M = 5000.0
#: How many of a tile's nearest segments each pass of :class:`_FrontIndex` looks at; the events
#: that the longest list cannot settle go to an STRtree query.
FRONT_WINDOWS: tuple[int, ...] = (16, 64)


class _Fronts:
    """The distinct fronts met in one :func:`classify` call. A front is the set of atom edges
    (``Atoms.seg``) between one controller and any other on one interval; intervals on which a
    controller's front does not change share one front id."""

    def __init__(self) -> None:
        self.ids: dict[tuple[int, bytes], int] = {}
        self.masks: list[np.ndarray] = []  # per front: bool over the atom set's segments
        self.owner: list[tuple[int, str]] = []  # per front: (atom set, controller)

    def atom_fronts(self, set_id: int, atoms: Atoms, ctrl: np.ndarray) -> np.ndarray:
        """Front id of every atom on one interval (-1: its controller has no front), given the
        atoms' controllers ``ctrl`` on that interval."""
        ca, cb = ctrl[atoms.seg_a], ctrl[atoms.seg_b]
        edge = ca != cb
        out = np.full(len(ctrl), -1)
        for c in np.unique(ctrl):
            mask = edge & ((ca == c) | (cb == c))
            if not mask.any():
                continue
            fid = self.ids.setdefault((set_id, mask.tobytes()), len(self.ids))
            if fid == len(self.masks):
                self.masks.append(mask)
                self.owner.append((set_id, str(c)))
            out[ctrl == c] = fid
        return out


def _seg_dist(px, py, ax, ay, dx, dy, inv_len2) -> np.ndarray:
    """Distance from points (px, py) to segments (ax, ay)-(ax + dx, ay + dy), broadcast;
    ``inv_len2`` is 1 / (dx² + dy²), 0 for a zero-length segment."""
    t = np.clip(((px - ax) * dx + (py - ay) * dy) * inv_len2, 0.0, 1.0)
    return np.hypot(ax + t * dx - px, ay + t * dy - py)


class _FrontIndex:
    """Exact distance from many points to their nearest front segment, for one controller.

    Holds a subset ``sel`` of an atom set's edges (every edge that was a front of this controller
    on some interval met so far) and a grid of :data:`FRONT_TILE_M` tiles. For each tile with
    events it lists the ``max(FRONT_WINDOWS)`` segments of ``sel`` nearest to the tile centre,
    sorted, with those distances (built on demand and kept for later calls).

    For a point p in a tile with centre c, e = d(p, c), and its front F (a subset of ``sel``):
    let s1 be the first segment of F in the tile's list and b = d(p, s1). A segment s with
    d(p, s) <= b has d(c, s) <= b + e, since d(p, s) >= d(c, s) - e. So when the list reaches
    beyond b + e, the nearest segment of F is one of the listed segments of F within b + e of c,
    and those are measured exactly (numpy, no Python loop over points). A point whose list holds
    no segment of F or does not reach that far goes to the next, longer list; the few left after
    the last are measured by :func:`_front_distances_km` with an STRtree nearest query. Every
    answer is the exact distance to F up to floating-point rounding.

    Why not an STRtree query for every point: it needs a shapely point per event and costs about
    2-2.5 µs an event here (1,000,000 events: about 2.5 s); this costs about 1 µs.
    """

    def __init__(self, atoms: Atoms, sel: np.ndarray, tile_m: float = FRONT_TILE_M,
                 windows: tuple[int, ...] = FRONT_WINDOWS) -> None:
        self.sel = sel
        self.member = np.zeros(len(atoms.seg), dtype=bool)
        self.member[sel] = True
        xy = shapely.get_coordinates(atoms.seg[sel]).reshape(-1, 4)  # 2-point segments
        self.ax, self.ay = xy[:, 0], xy[:, 1]
        self.dx, self.dy = xy[:, 2] - xy[:, 0], xy[:, 3] - xy[:, 1]
        len2 = self.dx ** 2 + self.dy ** 2
        self.inv_len2 = np.divide(1.0, len2, out=np.zeros_like(len2), where=len2 > 0)
        self.tile_m = tile_m
        self.windows = tuple(dict.fromkeys(min(w, len(sel)) for w in windows))
        self.width = max(self.windows)
        x0, y0, x1, y1 = atoms.frame.total_bounds
        self.x0, self.y0 = x0, y0
        self.nx, self.ny = int((x1 - x0) // tile_m) + 1, int((y1 - y0) // tile_m) + 1
        self.row = np.full(self.nx * self.ny, -1)
        self.order = np.empty((0, self.width), dtype=np.int32)
        self.sdist = np.empty((0, self.width))

    def _tiles(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        ix = np.clip((x - self.x0) // self.tile_m, 0, self.nx - 1).astype(np.int64)
        iy = np.clip((y - self.y0) // self.tile_m, 0, self.ny - 1).astype(np.int64)
        return ix * self.ny + iy

    def _centres(self, tiles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (self.x0 + (tiles // self.ny + 0.5) * self.tile_m,
                self.y0 + (tiles % self.ny + 0.5) * self.tile_m)

    def _build(self, tiles: np.ndarray) -> None:
        """List the nearest segments of every tile in ``tiles`` not listed yet."""
        new = np.unique(tiles)
        new = new[self.row[new] < 0]
        if not len(new):
            return
        cx, cy = self._centres(new)
        m, w = len(self.ax), self.width
        orders, dists = [self.order], [self.sdist]
        step = max(1, (1 << 20) // m)
        for s in range(0, len(new), step):
            d = _seg_dist(cx[s:s + step, None], cy[s:s + step, None], self.ax, self.ay,
                          self.dx, self.dy, self.inv_len2)
            part = (np.argpartition(d, w - 1, axis=1)[:, :w] if w < m
                    else np.broadcast_to(np.arange(m), d.shape))
            dpart = np.take_along_axis(d, part, axis=1)
            o = np.argsort(dpart, axis=1, kind="stable")
            orders.append(np.take_along_axis(part, o, axis=1).astype(np.int32))
            dists.append(np.take_along_axis(dpart, o, axis=1))
        self.row[new] = len(self.order) + np.arange(len(new))
        self.order, self.sdist = np.concatenate(orders), np.concatenate(dists)

    def nearest(self, x: np.ndarray, y: np.ndarray, front: np.ndarray, masks: np.ndarray,
                chunk: int = 65_536) -> np.ndarray:
        """Distance (metres) from each point (x, y) to the segments ``masks[front]`` (``masks``:
        bool, one row per front, one column per segment of ``sel``); NaN where unsettled."""
        tiles = self._tiles(x, y)
        self._build(tiles)
        cx, cy = self._centres(tiles)
        off = np.hypot(x - cx, y - cy)
        rows = self.row[tiles]
        out = np.full(len(x), np.nan)
        todo = np.arange(len(x))
        for w in self.windows:
            for s in range(0, len(todo), chunk):
                i = todo[s:s + chunk]
                out[i] = self._window(x[i], y[i], off[i], rows[i], front[i], masks, w)
            todo = todo[np.isnan(out[todo])]
            if not len(todo):
                break
        return out

    def _window(self, x, y, off, rows, front, masks, w) -> np.ndarray:
        order = self.order[rows, :w]
        on_front = masks[front[:, None], order]
        first = on_front.argmax(axis=1)
        k = np.arange(len(x))
        s1 = order[k, first]
        best = _seg_dist(x, y, self.ax[s1], self.ay[s1], self.dx[s1], self.dy[s1],
                         self.inv_len2[s1])
        reach = best + off
        reach += 1e-9 * (1.0 + reach)  # rounding margin: one candidate too many is harmless
        sdist = self.sdist[rows, :w]
        settled = on_front[k, first]
        if w < len(self.ax):
            settled &= sdist[:, -1] > reach
        r, c = np.nonzero(on_front & (sdist <= reach[:, None]) & settled[:, None])
        seg = order[r, c]
        d = _seg_dist(x[r], y[r], self.ax[seg], self.ay[seg], self.dx[seg], self.dy[seg],
                      self.inv_len2[seg])
        out = np.full(len(x), np.nan)
        if len(r):
            starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
            out[r[starts]] = np.minimum.reduceat(d, starts)
        return out


def _front_index(ledger: Ledger, anchor_ids: tuple, controller: str, atoms: Atoms,
                 need: np.ndarray) -> _FrontIndex:
    """The cached :class:`_FrontIndex` of one controller on one atom set, rebuilt with more
    segments when ``need`` (bool over the atom set's segments) asks for ones it lacks."""
    key = ("front", anchor_ids, controller, FRONT_TILE_M, FRONT_WINDOWS)
    index = ledger._cache.get(key)
    if index is None or (need & ~index.member).any():
        sel = need if index is None else need | index.member
        index = ledger._cache[key] = _FrontIndex(atoms, np.flatnonzero(sel), FRONT_TILE_M,
                                                 FRONT_WINDOWS)
    return index


def _front_distances_km(ledger: Ledger, fronts: _Fronts, set_aids: list[tuple],
                        set_atoms: list[Atoms], pts: np.ndarray,
                        front_of: np.ndarray) -> np.ndarray:
    """Distance (km, in METRIC_CRS) from each point of ``pts`` (EPSG:4326) to its front
    ``front_of`` (an id of ``fronts``; -1: NaN), grouped by atom set and controller."""
    dist = np.full(len(front_of), np.nan)
    has = np.flatnonzero(front_of >= 0)
    if not len(has):
        return dist
    xy = shapely.get_coordinates(pts[has])
    x, y = _to_metric_xy(xy[:, 0], xy[:, 1])
    fid = front_of[has]
    groups = list(dict.fromkeys(fronts.owner))
    group_of = np.array([groups.index(o) for o in fronts.owner])
    for g, (set_id, ctrl) in enumerate(groups):
        mine = np.flatnonzero(group_of == g)
        masks = np.array([fronts.masks[f] for f in mine])
        atoms = set_atoms[set_id]
        index = _front_index(ledger, set_aids[set_id], ctrl, atoms, masks.any(axis=0))
        local = np.full(len(fronts.masks), -1)
        local[mine] = np.arange(len(mine))
        pick = np.flatnonzero(local[fid] >= 0)
        lf = local[fid[pick]]
        d = index.nearest(x[pick], y[pick], lf, masks[:, index.sel])
        left = np.isnan(d)
        for f in np.unique(lf[left]):  # the few the tile lists could not settle
            sub = np.flatnonzero(left & (lf == f))
            # small nodes: nearest queries on short segments run about twice as fast with
            # node_capacity 2 as with the default 10
            tree = shapely.STRtree(atoms.seg[masks[f]], node_capacity=2)
            _, d[sub] = tree.query_nearest(shapely.points(x[pick[sub]], y[pick[sub]]),
                                           return_distance=True, all_matches=False)
        dist[has[pick]] = d / 1000.0
    return dist


def sources_table(ledger: Ledger | None = None) -> pd.DataFrame:
    """The sources with how many ledger rows cite each (for the notebook's table)."""
    ledger = ledger or default_ledger()
    cites = ledger.rows["source"].str.split(";").explode().str.strip().value_counts()
    s = ledger.sources.copy()
    s["ledger_rows"] = s["source_id"].map(cites).fillna(0).astype(int)
    return s


def interval_dates(ledger: Ledger | None = None) -> list[dt.date]:
    """The dates at which control changes somewhere in the ledger (interval starts)."""
    ledger = ledger or default_ledger()
    bps = ledger.breakpoints()
    bps = bps[(bps >= np.datetime64(SPAN_START)) & (bps <= np.datetime64(SPAN_END))]
    return [pd.Timestamp(b).date() for b in bps]


# --------------------------------------------------------------------------------------------
# Output helpers (CLI)
# --------------------------------------------------------------------------------------------


def export_zones(date, fmt: str, out: str | Path | None = None, *,
                 ledger: Ledger | None = None) -> str | None:
    """Write the zones of ``date`` as GeoJSON (to ``out`` or returned as text) or GeoPackage
    (layer ``control``); one feature per controller, property ``controller``."""
    zones = control_at(date, ledger=ledger)
    if fmt == "geojson":
        text = zones.to_json(drop_id=True)
        if out is None:
            return text + "\n"
        Path(out).write_text(text + "\n", encoding="utf-8")
        return None
    if fmt == "gpkg":
        if out is None:
            raise ValueError("the gpkg format needs an output file")
        zones.to_file(out, layer="control", driver="GPKG")
        return None
    raise ValueError(f"unknown format {fmt!r}; use geojson or gpkg")


def describe_point(lat: float, lon: float, date, *, ledger: Ledger | None = None) -> str:
    """Plain-text answer for ``geoclaims control --at``: controller, distance to another
    controller's zone, and each ledger row behind it with its sources."""
    ledger = ledger or default_ledger()
    day = pd.Timestamp(_day(date)).date()  # ValueError outside the ledger span
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"{lat},{lon} is not a latitude,longitude pair")
    res = controller_at(lat, lon, day, ledger=ledger)
    lines = [f"{lat:.4f},{lon:.4f} on {day}: {res['controller']}"]
    if res["controller"] == UNKNOWN:
        lines.append("  outside every zone (outside Syria as drawn by Natural Earth)")
        return "\n".join(lines)
    lines.append(f"  us_held (default mapping {', '.join(US_HELD_DEFAULT)}): {res['us_held']}")
    lines.append(f"  distance to the nearest zone of another controller: "
                 f"{res['dist_other_km']:.1f} km")
    src = ledger.sources.set_index("source_id")
    for _, r in res["rows"].iterrows():
        what = r["place_id"] or r["zone_id"]
        name = ""
        if r["place_id"]:
            try:
                name = f" ({gazetteer.lookup(r['place_id']).name})"
            except gazetteer.GazetteerError:
                pass
        lines.append(f"  ledger row {r['row_id']} [{ledger.path.name} line {r['line']}]: "
                     f"{what}{name} = {r['controller']} {r['valid_from']}..{r['valid_to']}")
        lines.append(f"    note: {r['note']}")
        for sid in r["source"].split(";"):
            s = src.loc[sid.strip()]
            lines.append(f"    source {sid.strip()}: {s['title']} ({s['publisher']}) {s['url']}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Summaries and figures (notebook 03)
# --------------------------------------------------------------------------------------------


def quarterly_dates(start=SPAN_START, end=SPAN_END) -> list[dt.date]:
    """The first day of every quarter from ``start`` to ``end`` (inclusive)."""
    return [d.date() for d in pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="QS")]


def area_table(dates, *, ledger: Ledger | None = None) -> pd.DataFrame:
    """Area (km², in :data:`METRIC_CRS`) and share of Syria held by each controller on each date:
    one row per date, one column per controller present on any of them."""
    ledger = ledger or default_ledger()
    total = syria_metric().area
    recs = []
    for d in dates:
        z = control_at(d, ledger=ledger).to_crs(METRIC_CRS)
        recs.append({"date": pd.Timestamp(d).date(),
                     **dict(zip(z["controller"], z.area / 1e6))})
    out = pd.DataFrame(recs).set_index("date").fillna(0.0)
    out = out[[c for c in CONTROLLERS if c in out.columns]]
    out["syria_km2"] = total / 1e6
    return out.round(0)


def plot_small_multiples(dates, out: str | Path | None = None, *,
                         palette: dict[str, str] | None = None,
                         ncols: int = 4, dpi: int = 300, ledger: Ledger | None = None,
                         title: str | None = None):
    """Small multiples of the zones on ``dates`` (one panel each, Euphrates drawn), with one
    legend. ``palette`` maps controller -> colour (default :data:`geoclaims.style.PALETTE`).
    ``out``: a path; ``.png`` (at ``dpi``) and/or ``.svg``, or no suffix for both. Returns the
    Figure."""
    import matplotlib

    from geoclaims import style

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    palette = style.PALETTE if palette is None else palette
    ledger = ledger or default_ledger()
    dates = [pd.Timestamp(d).date() for d in dates]
    nrows = -(-len(dates) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.6 * ncols, 2.3 * nrows + 0.9),
                             squeeze=False)
    river = gpd.GeoSeries([regions.euphrates()], crs=WGS84)
    syr = gpd.GeoSeries([regions.syria()], crs=WGS84)
    seen: list[str] = []
    for ax, d in zip(axes.flat, dates):
        z = control_at(d, ledger=ledger)
        z.plot(ax=ax, color=[palette[c] for c in z["controller"]], linewidth=0)
        syr.boundary.plot(ax=ax, color=style.BORDER, linewidth=0.4)
        river.plot(ax=ax, color=style.WATER, linewidth=0.6)
        ax.set_title(str(d), fontsize=8)
        ax.set_axis_off()
        seen += [c for c in z["controller"] if c not in seen]
    for ax in list(axes.flat)[len(dates):]:
        ax.set_axis_off()
    handles = [Patch(facecolor=palette[c], label=c.replace("_", " ")) for c in CONTROLLERS
               if c in seen]
    handles.append(Patch(facecolor="none", edgecolor=style.WATER, label="Euphrates"))
    fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 4), fontsize=7,
               frameon=False)
    fig.suptitle(title or "Zones of control built from the geoclaims control ledger", fontsize=10)
    fig.text(0.5, 0.005, "Voronoi cells around the ledger's places, cut along the Euphrates; "
             "boundaries are approximate. Sources: data/control_sources.csv.",
             ha="center", fontsize=6)
    fig.tight_layout(rect=(0, 0.06, 1, 0.96))
    if out is not None:
        out = Path(out)
        targets = [out] if out.suffix in (".png", ".svg") else [out.with_suffix(".png"),
                                                                 out.with_suffix(".svg")]
        for t in targets:
            t.parent.mkdir(parents=True, exist_ok=True)
            fig.savefig(t, dpi=dpi)
    return fig
