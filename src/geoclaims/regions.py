"""Region and line geometries: Syria, its governorates, the Euphrates and the curated regions.

Part of the ``places`` stage. Everything is built at run time, deterministically, from the
registry datasets (:func:`geoclaims.datasets.fetch`) and the curated definitions in
``data/regions.yaml`` (each with its construction written next to its parameters), and cached in
memory. All geometries are in EPSG:4326 (lon, lat).

Place ids (see ``docs/CONVENTIONS.md``):

- ``rg:<slug>``: curated regions and lines from ``data/regions.yaml`` (``rg:merv``,
  ``rg:at-tanf-zone``, ``rg:euphrates``, ``rg:syria-east-of-euphrates``, ...);
- ``adm1:<PCODE>``: OCHA COD-AB governorates (e.g. ``adm1:SY09``, Deir-ez-Zor);
- ``adm0:<ISO3>``: Natural Earth admin-0 countries (e.g. ``adm0:SYR``).

Public API::

    syria() -> shapely geometry                    # Natural Earth admin-0 SYR
    governorates() -> GeoDataFrame[id, pcode, name, name_ar, geometry]
    countries() -> GeoDataFrame[id, iso3, name, geometry]
    euphrates() -> LineString                       # clipped to Syria, oriented downstream
    region(id) -> Region                            # id, name, kind, geometry, construction, source
    all_regions() -> GeoDataFrame[id, name, name_fr, kind, geometry, construction, source]
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
import yaml
from pyproj import CRS, Transformer
from shapely.geometry import LineString, MultiLineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import linemerge, split, substring

from geoclaims import datasets, paths

REGIONS_FILE = "regions.yaml"
WGS84 = "EPSG:4326"

OCHA_SOURCE = "OCHA COD-AB Syria admin-1 v02 (2020-12-17), CC BY-IGO 3.0 [ocha-admin1]"
NE_ADMIN0_SOURCE = "Natural Earth 1:10m admin-0 countries v5.1.1, public domain [ne-admin0]"


class RegionError(KeyError):
    """An unknown region id, or a region definition that cannot be built."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class Region:
    """One region or line."""

    id: str
    name: str
    kind: str  # "polygon" | "line"
    geometry: BaseGeometry
    construction: str
    source: str
    name_fr: str = ""


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def definitions() -> dict[str, Any]:
    """The parsed ``data/regions.yaml``, checked for the fields every entry must have."""
    path = paths.data_file(REGIONS_FILE)
    with open(path, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    if not isinstance(doc, dict) or not isinstance(doc.get("regions"), list):
        raise RegionError(f"{path}: expected a top-level 'regions' list")
    seen: set[str] = set()
    for i, entry in enumerate(doc["regions"], start=1):
        for key in ("id", "name", "kind", "method", "source", "params", "construction"):
            if key not in entry or entry[key] in (None, ""):
                raise RegionError(f"{path}: region entry {i}: field '{key}' is missing or empty")
        if not str(entry["id"]).startswith("rg:"):
            raise RegionError(f"{path}: region entry {i}: id '{entry['id']}' must start with 'rg:'")
        if entry["kind"] not in ("polygon", "line"):
            raise RegionError(f"{path}: region entry {i} ({entry['id']}): kind must be polygon|line")
        if entry["id"] in seen:
            raise RegionError(f"{path}: region entry {i}: id '{entry['id']}' appears twice")
        seen.add(entry["id"])
    return doc


def _metric_crs() -> str:
    return str(definitions().get("metric_crs", "EPSG:32637"))


def _to_metric(geom: BaseGeometry, crs: str | None = None) -> BaseGeometry:
    tr = Transformer.from_crs(WGS84, crs or _metric_crs(), always_xy=True)
    return shapely.transform(geom, tr.transform, interleaved=False)


def _to_wgs84(geom: BaseGeometry, crs: str | None = None) -> BaseGeometry:
    tr = Transformer.from_crs(crs or _metric_crs(), WGS84, always_xy=True)
    return shapely.transform(geom, tr.transform, interleaved=False)


@functools.lru_cache(maxsize=1)
def countries() -> gpd.GeoDataFrame:
    """Natural Earth admin-0 countries in the registry cut: id (``adm0:ISO3``), iso3, name."""
    raw = gpd.read_file(datasets.fetch("ne-admin0"))
    iso = raw["ADM0_A3"].astype(str)
    out = gpd.GeoDataFrame(
        {
            "id": "adm0:" + iso,
            "iso3": iso,
            "name": raw["NAME_EN"].astype(str),
            "geometry": raw.geometry.make_valid(),
        },
        crs=raw.crs or WGS84,
    ).to_crs(WGS84)
    return out.sort_values("id", ignore_index=True)


def country(iso3: str) -> BaseGeometry:
    """The Natural Earth polygon of a country in the registry cut (``SYR``, ``IRQ``, ...)."""
    c = countries()
    hit = c[c["iso3"] == iso3.upper()]
    if hit.empty:
        raise RegionError(f"country '{iso3}' not in ne-admin0; known: {', '.join(c['iso3'])}")
    return hit.geometry.iloc[0]


def syria() -> BaseGeometry:
    """Syria's outline (Natural Earth admin-0 SYR, German point of view: Golan drawn as Syrian)."""
    return country(str(definitions().get("country", "SYR")))


@functools.lru_cache(maxsize=1)
def governorates() -> gpd.GeoDataFrame:
    """The 14 OCHA governorates: id (``adm1:SYxx``), pcode, name (English), name_ar, geometry."""
    raw = gpd.read_file(datasets.fetch("ocha-admin1"))
    for col in ("ADM1_PCODE", "ADM1_EN"):
        if col not in raw.columns:
            raise RegionError(f"ocha-admin1: column '{col}' missing")
    out = gpd.GeoDataFrame(
        {
            "id": "adm1:" + raw["ADM1_PCODE"].astype(str),
            "pcode": raw["ADM1_PCODE"].astype(str),
            "name": raw["ADM1_EN"].astype(str),
            "name_ar": raw["ADM1_AR"].astype(str) if "ADM1_AR" in raw else "",
            "geometry": raw.geometry.make_valid(),
        },
        crs=raw.crs or WGS84,
    ).to_crs(WGS84)
    return out.sort_values("pcode", ignore_index=True)


# --------------------------------------------------------------------------------------------
# Constructions
# --------------------------------------------------------------------------------------------


def _river(params: dict, source: str) -> LineString:
    raw = gpd.read_file(datasets.fetch(source.split(";")[0].strip()))
    names = set(params["names"])
    lines = raw[raw["name"].isin(names) | raw.get("name_en", raw["name"]).isin(names)]
    if lines.empty:
        raise RegionError(f"{source}: no river called any of {sorted(names)}")
    merged = shapely.union_all(lines.geometry.values)
    if params.get("clip_to"):
        merged = merged.intersection(country(params["clip_to"]))
    parts = [g for g in getattr(merged, "geoms", [merged]) if g.geom_type == "LineString"]
    min_km = float(params.get("drop_spurs_shorter_than_km", 0))
    parts = [p for p in parts if _to_metric(p).length / 1000 >= min_km]
    gap_km = float(params.get("join_gaps_shorter_than_km", 0))
    if gap_km and len(parts) > 1:
        # a small break between two pieces of the source's centre-line (the Tigris near Kut):
        # ends closer than gap_km (about 111 km a degree) are joined by a straight segment
        ends = [Point(c) for p in parts for c in (p.coords[0], p.coords[-1])]
        bridges = [LineString([a, b]) for i, a in enumerate(ends) for b in ends[i + 1:]
                   if 0 < a.distance(b) <= gap_km / 111.0]
        parts = parts + bridges
    line = linemerge(MultiLineString(parts)) if len(parts) > 1 else parts[0]
    if line.geom_type != "LineString":
        pieces = sorted(line.geoms, key=lambda g: -g.length)
        raise RegionError(
            f"{source}: the river does not merge into one line after clipping "
            f"({len(pieces)} pieces, lengths {[round(_to_metric(p).length / 1000, 1) for p in pieces]} km)"
        )
    # orient downstream: the Euphrates flows from north-west (Turkey) to south-east (Iraq)
    x0, y0 = line.coords[0]
    x1, y1 = line.coords[-1]
    if (y0 - y1) + (x1 - x0) < 0:
        line = LineString(list(line.coords)[::-1])
    return line


def _extend(line: LineString, km: float, crs: str) -> LineString:
    """Extend both ends of a (metric) line straight on along their last ~5 km."""
    m = line
    length = m.length
    look = min(5000.0, length / 4)

    def ext(end: Point, ref: Point) -> tuple[float, float]:
        dx, dy = end.x - ref.x, end.y - ref.y
        n = math.hypot(dx, dy) or 1.0
        return end.x + dx / n * km * 1000, end.y + dy / n * km * 1000

    start, start_ref = Point(m.coords[0]), m.interpolate(look)
    stop, stop_ref = Point(m.coords[-1]), m.interpolate(length - look)
    coords = [ext(start, start_ref), *m.coords, ext(stop, stop_ref)]
    return LineString(coords)


def _corridor(params: dict) -> BaseGeometry:
    line = region(params["line"]).geometry
    crs = _metric_crs()
    m = _to_metric(line, crs)
    lat, lon = params["from_point"]
    start_pt = _to_metric(Point(lon, lat), crs)
    d0 = m.project(start_pt)
    piece = substring(m, d0, m.length)
    poly = piece.buffer(float(params["buffer_km"]) * 1000, quad_segs=16)
    out = _to_wgs84(poly, crs)
    if params.get("clip_to"):
        out = out.intersection(country(params["clip_to"]))
    return out


def _circle(params: dict) -> BaseGeometry:
    lat, lon = params["center"]
    aeqd = CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m +no_defs")
    circle = Point(0, 0).buffer(float(params["radius_km"]) * 1000, quad_segs=64)
    out = _to_wgs84(circle, aeqd.to_wkt())
    if params.get("clip_to"):
        out = out.intersection(country(params["clip_to"]))
    return out


def _split_by_line(params: dict) -> BaseGeometry:
    return _split_sides(params["country"], params["line"], float(params["extend_km"]))[
        params["side"]
    ]


@functools.lru_cache(maxsize=8)
def _split_sides(iso3: str, line_id: str, extend_km: float) -> dict[str, BaseGeometry]:
    crs = _metric_crs()
    land = _to_metric(country(iso3), crs)
    cut = _extend(_to_metric(region(line_id).geometry, crs), extend_km, crs)
    pieces = list(split(land, cut).geoms)
    if len(pieces) < 2:
        raise RegionError(f"{line_id} does not cut {iso3} in two")
    # the two largest pieces define the sides; any sliver (where the line runs along the border)
    # goes to the side it touches along the longest edge
    pieces.sort(key=lambda p: -p.area)
    a, b = pieces[0], pieces[1]
    east, west = (a, b) if a.centroid.x > b.centroid.x else (b, a)
    east_parts, west_parts = [east], [west]
    for sliver in pieces[2:]:
        if sliver.intersection(east).length >= sliver.intersection(west).length:
            east_parts.append(sliver)
        else:
            west_parts.append(sliver)
    return {
        "east": _to_wgs84(shapely.union_all(east_parts), crs),
        "west": _to_wgs84(shapely.union_all(west_parts), crs),
    }


def _governorate_union(params: dict) -> BaseGeometry:
    g = governorates()
    want = list(params["pcodes"])
    missing = sorted(set(want) - set(g["pcode"]))
    if missing:
        raise RegionError(f"ocha-admin1 has no governorate {missing}")
    return shapely.union_all(g[g["pcode"].isin(want)].geometry.values)


def _border_buffer(params: dict) -> BaseGeometry:
    a_iso, b_iso = params["countries"]
    crs = _metric_crs()
    a = _to_metric(country(a_iso), crs)
    b = _to_metric(country(b_iso), crs)
    # the shared edge: boundary of A within 1 km of B (robust to tiny gaps between the polygons)
    edge = a.boundary.intersection(b.buffer(1000))
    if edge.is_empty:
        raise RegionError(f"ne-admin0: {a_iso} and {b_iso} share no boundary")
    out = _to_wgs84(edge.buffer(float(params["distance_km"]) * 1000, quad_segs=16), crs)
    if params.get("clip_to"):
        out = out.intersection(country(params["clip_to"]))
    if params.get("within"):
        out = out.intersection(region(params["within"]).geometry)
    return out


def _border_line(params: dict) -> BaseGeometry:
    crs = _metric_crs()
    land = _to_metric(country(params["country"]), crs)
    parts = []
    for iso in params["neighbours"]:
        other = _to_metric(country(iso), crs)
        edge = land.boundary.intersection(other.buffer(1000))
        if edge.is_empty:
            raise RegionError(f"ne-admin0: {params['country']} and {iso} share no boundary")
        parts.append(edge)
    merged = shapely.union_all(parts)
    merged = linemerge(merged) if merged.geom_type == "MultiLineString" else merged
    return _to_wgs84(merged, crs)


def _through_places(params: dict) -> BaseGeometry:
    """A line through the listed points ([lat, lon], in order), straight between them."""
    pts = [(float(lon), float(lat)) for lat, lon in params["points"]]
    if len(pts) < 2:
        raise RegionError("through_places needs at least two points")
    return LineString(pts)


_METHODS = {
    "through_places": _through_places,
    "border_line": _border_line,
    "corridor": _corridor,
    "circle": _circle,
    "split_by_line": _split_by_line,
    "governorates": _governorate_union,
    "border_buffer": _border_buffer,
}


def _clean(geom: BaseGeometry) -> BaseGeometry:
    geom = shapely.make_valid(geom)
    if geom.geom_type in ("LineString", "MultiLineString"):
        return geom
    if geom.geom_type == "GeometryCollection":
        polys = [g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        geom = shapely.union_all(polys)
    return geom


@functools.cache
def _build(region_id: str) -> Region:
    entries = {e["id"]: e for e in definitions()["regions"]}
    e = entries[region_id]
    if e["method"] == "river":
        geom: BaseGeometry = _river(e["params"], e["source"])
    elif e["method"] in _METHODS:
        geom = _clean(_METHODS[e["method"]](e["params"]))
        want = ("LineString", "MultiLineString") if e["kind"] == "line" else (
            "Polygon", "MultiPolygon")
        if geom.geom_type not in want:
            raise RegionError(
                f"{REGIONS_FILE}: {region_id}: construction gave a {geom.geom_type}, "
                f"not a {e['kind']}"
            )
    else:
        raise RegionError(f"{REGIONS_FILE}: {region_id}: unknown method '{e['method']}'")
    if geom.is_empty:
        raise RegionError(f"{REGIONS_FILE}: {region_id}: construction gave an empty geometry")
    return Region(
        id=region_id,
        name=str(e["name"]),
        kind=str(e["kind"]),
        geometry=geom,
        construction=" ".join(str(e["construction"]).split()),
        source=str(e["source"]),
        name_fr=str(e.get("name_fr", "")),
    )


def euphrates() -> LineString:
    """The Euphrates centre-line in Syria (Natural Earth 1:10m), one line oriented downstream."""
    return region("rg:euphrates").geometry


def _admin_region(region_id: str, frame, what: str, construction: str, code: str,
                  source: str) -> Region:
    """The governorate or country ``region_id`` from ``frame`` (columns id, name, ``code``)."""
    hit = frame[frame["id"] == region_id]
    if hit.empty:
        raise RegionError(f"unknown {what} '{region_id}'; known: {', '.join(frame['id'])}")
    row = hit.iloc[0]
    return Region(
        id=region_id,
        name=str(row["name"]),
        kind="polygon",
        geometry=row.geometry,
        construction=construction.format(row[code]),
        source=source,
    )


def region(region_id: str) -> Region:
    """The region or line called ``region_id`` (``rg:``, ``adm1:`` or ``adm0:`` id)."""
    if region_id.startswith("rg:"):
        ids = [e["id"] for e in definitions()["regions"]]
        if region_id not in ids:
            raise RegionError(f"unknown region '{region_id}'; known: {', '.join(ids)}")
        return _build(region_id)
    if region_id.startswith("adm1:"):
        return _admin_region(region_id, governorates(), "governorate",
                             "OCHA COD-AB admin-1 polygon with P-code {}.", "pcode", OCHA_SOURCE)
    if region_id.startswith("adm0:"):
        return _admin_region(region_id, countries(), "country",
                             "Natural Earth admin-0 polygon ADM0_A3 = {}.", "iso3",
                             NE_ADMIN0_SOURCE)
    raise RegionError(f"'{region_id}' is not a region id (rg:, adm1: or adm0:)")


@functools.lru_cache(maxsize=1)
def _all_regions() -> gpd.GeoDataFrame:
    ids = [e["id"] for e in definitions()["regions"]]
    ids += list(governorates()["id"]) + list(countries()["id"])
    rows = [region(i) for i in ids]
    return gpd.GeoDataFrame(
        pd.DataFrame(
            {
                "id": [r.id for r in rows],
                "name": [r.name for r in rows],
                "name_fr": [r.name_fr for r in rows],
                "kind": [r.kind for r in rows],
                "construction": [r.construction for r in rows],
                "source": [r.source for r in rows],
            }
        ),
        geometry=[r.geometry for r in rows],
        crs=WGS84,
    )


def all_regions() -> gpd.GeoDataFrame:
    """Every region and line: curated ``rg:`` ones, then governorates, then countries.

    Columns: id, name, name_fr, kind (polygon|line), construction, source, geometry (EPSG:4326).
    A copy, so callers may modify it.
    """
    return _all_regions().copy()


def area_km2(geom: BaseGeometry) -> float:
    """Area of a lon/lat geometry in km² (equal-area EPSG:6933)."""
    return float(gpd.GeoSeries([geom], crs=WGS84).to_crs("EPSG:6933").area.iloc[0] / 1e6)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (haversine, mean Earth radius 6371.0088 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))
