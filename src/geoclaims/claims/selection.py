"""Events and geometry for the claim tests: the working frame, the geometry provider, and the
event selection a test names (actor, country, period relative to the publication date, region,
controller known, the cut at the control ledger's end).

Geometry comes through a small provider (:class:`PackageGeo` by default, wrapping
:mod:`geoclaims.regions` and :mod:`geoclaims.control`), so every test can run on synthetic
geometry and events.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from geoclaims.claims.registry import ClaimsError
from geoclaims.control import SPAN_END as CONTROL_SPAN_END
from geoclaims.control import UNKNOWN

log = logging.getLogger(__name__)

#: Equal-area projection centred on Syria, used for areas, buffers and point-in-zone tests.
LAEA = "+proj=laea +lat_0=35 +lon_0=38.5 +datum=WGS84 +units=m +no_defs"
WGS84 = "EPSG:4326"
#: The day after the control ledger's last day: controller-based periods end here at the latest
#: (``control.classify`` gives controller 'unknown' to every later event).
CONTROL_END = pd.Timestamp(CONTROL_SPAN_END) + pd.Timedelta(days=1)
#: Which copy of a UCDP event held by several loaded releases is kept in the combined run: the
#: copy of the first release listed here (the newest first); releases not listed come after
#: these, by name. The rule does not depend on the order the datasets were given in.
UCDP_RELEASE_PREFERENCE = ("ucdp-ged-251", "ucdp-ged-231-sample", "ucdp-ged-syria")
_TO_LAEA = Transformer.from_crs(WGS84, LAEA, always_xy=True)


class GeoUnavailable(RuntimeError):
    """A geometry the test needs cannot be built (upstream module missing or failing)."""


class Geo(Protocol):
    def region(self, region_id: str) -> BaseGeometry: ...
    def syria(self) -> BaseGeometry: ...  # the study's home country's outline
    def governorates(self) -> pd.DataFrame: ...  # pcode, name, geometry
    def control_at(self, when: pd.Timestamp) -> pd.DataFrame: ...  # controller, geometry


class PackageGeo:
    """Geometry from :mod:`geoclaims.regions` and :mod:`geoclaims.control` (imported lazily)."""

    def __init__(self) -> None:
        self._cache: dict[Any, Any] = {}

    def _call(self, key: Any, fn: Callable[[], Any], what: str) -> Any:
        if key not in self._cache:
            try:
                self._cache[key] = fn()
            except Exception as exc:  # upstream missing or broken: the claim says so
                raise GeoUnavailable(f"{what}: {type(exc).__name__}: {exc}") from exc
        return self._cache[key]

    def region(self, region_id: str) -> BaseGeometry:
        def get() -> BaseGeometry:
            from geoclaims import regions

            return regions.region(region_id).geometry

        return self._call(("region", region_id), get, f"regions.region('{region_id}')")

    def syria(self) -> BaseGeometry:
        def get() -> BaseGeometry:
            from geoclaims import regions

            return regions.syria()

        return self._call("syria", get, "regions.syria()")

    def governorates(self) -> pd.DataFrame:
        def get() -> pd.DataFrame:
            from geoclaims import regions

            return regions.governorates()[["pcode", "name", "geometry"]]

        return self._call("governorates", get, "regions.governorates()")

    def control_at(self, when: pd.Timestamp) -> pd.DataFrame:
        def get() -> pd.DataFrame:
            from geoclaims import control

            return control.control_at(pd.Timestamp(when).date())[["controller", "geometry"]]

        return self._call(("control_at", str(when)), get, f"control.control_at({when.date()})")


def to_laea(geom: BaseGeometry) -> BaseGeometry:
    """A lon/lat geometry in the Syria-centred equal-area projection (metres).

    Edges are first densified to 0.05 degree so that long straight edges in lon/lat stay on the
    same curve after projection (shared edges of adjacent zones keep matching).
    """
    dense = shapely.segmentize(geom, 0.05)
    return shapely.transform(
        dense, lambda xy: np.column_stack(_TO_LAEA.transform(xy[:, 0], xy[:, 1]))
    )


def area_km2(geom_laea: BaseGeometry) -> float:
    return float(geom_laea.area) / 1e6


def contains(geom_laea: BaseGeometry, ev: pd.DataFrame) -> pd.Series:
    """Which events (``x``/``y`` in LAEA metres) lie inside a projected geometry."""
    if ev.empty:
        return pd.Series(False, index=ev.index, dtype=bool)
    vals = shapely.contains_xy(geom_laea, ev["x"].to_numpy(), ev["y"].to_numpy())
    return pd.Series(np.asarray(vals, dtype=bool), index=ev.index)


# ---------------------------------------------------------------------------------------------
# The working frame
# ---------------------------------------------------------------------------------------------


def prepare_events(events: pd.DataFrame, actor_column: str = "isis") -> pd.DataFrame:
    """A sorted working copy with ``day``, ``x``/``y`` (LAEA metres), numeric deaths, flags.

    Rows are sorted by (day, dataset, event_id) so every later step is order-independent.
    Required: event_id, date_start, the actor column and lat/lon (or a point geometry). Missing
    or unparseable coordinates become NaN (outside every zone and region); their number is
    logged and kept in ``result.attrs['bad_coordinates']`` (reported in the Evaluation's data).
    """
    missing = [c for c in ("event_id", "date_start", actor_column) if c not in events.columns]
    if missing:
        raise ClaimsError(f"events frame: required column(s) missing: {', '.join(missing)}")
    ev = pd.DataFrame(events.drop(columns="geometry", errors="ignore")).copy()
    if "lat" not in ev.columns or "lon" not in ev.columns:
        if "geometry" not in events.columns:
            raise ClaimsError("events frame: needs lat/lon columns or a point geometry")
        ev["lon"] = events.geometry.x.to_numpy()
        ev["lat"] = events.geometry.y.to_numpy()
    ev["event_id"] = ev["event_id"].astype(str)
    if "dataset" not in ev.columns:
        ev["dataset"] = "unknown"
    ev["dataset"] = ev["dataset"].astype(str)
    ev["day"] = pd.to_datetime(ev["date_start"]).dt.tz_localize(None).dt.normalize()
    ev[actor_column] = ev[actor_column].fillna(False).astype(bool)
    for col in ("deaths_best", "deaths_low", "deaths_high"):
        if col in ev.columns:
            ev[col] = pd.to_numeric(ev[col], errors="coerce").fillna(0.0).astype(float)
    if "deaths_best" not in ev.columns:
        ev["deaths_best"] = 0.0
    ev["precise"] = ev["precise"].fillna(False).astype(bool) if "precise" in ev.columns else False
    if "dist_other_km" in ev.columns:
        ev["dist_other_km"] = pd.to_numeric(ev["dist_other_km"], errors="coerce").astype(float)
    if "controller" in ev.columns:
        ev["controller"] = ev["controller"].astype("string").fillna("unknown").astype(str)
    if "country" in ev.columns:
        ev["country"] = ev["country"].astype("string").fillna("").astype(str)
    lon = pd.to_numeric(ev["lon"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(ev["lat"], errors="coerce").to_numpy(dtype=float)
    x, y = _TO_LAEA.transform(lon, lat)
    ev["x"], ev["y"] = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    bad = int((~(np.isfinite(ev["x"].to_numpy()) & np.isfinite(ev["y"].to_numpy()))).sum())
    if bad:
        log.warning("%d events have missing or unparseable coordinates: they fall outside every "
                    "zone and region in the claim tests", bad)
    ev = ev.sort_values(["day", "dataset", "event_id"], kind="mergesort", ignore_index=True)
    ev.attrs["bad_coordinates"] = bad
    return ev


def ucdp_release_order(names: Iterable[str]) -> list[str]:
    """The loaded UCDP releases in the order of preference of :data:`UCDP_RELEASE_PREFERENCE`
    (releases not listed there after those, by name): independent of the order given."""
    names = set(names)
    return ([n for n in UCDP_RELEASE_PREFERENCE if n in names]
            + sorted(n for n in names if n not in UCDP_RELEASE_PREFERENCE))


def dedupe_ucdp(ev: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Keep one copy of each UCDP event present in several loaded releases.

    UCDP GED event ids are shared between releases; the copy kept comes from the release first in
    :func:`ucdp_release_order` (the newest release), whatever order the datasets were loaded in.
    Only the combined run is deduplicated: the per-dataset variants use every event of their
    dataset. Returns the frame and the number of rows removed.
    """
    ucdp = ev["dataset"].str.startswith("ucdp")
    if not ucdp.any() or ev.loc[ucdp, "dataset"].nunique() < 2:
        return ev, 0
    rank = {name: i for i, name in enumerate(ucdp_release_order(ev.loc[ucdp, "dataset"]))}
    cand = ev[ucdp]
    cand = cand.assign(_r=cand["dataset"].map(rank)).sort_values(["_r"], kind="mergesort")
    dup_index = cand.index[cand.duplicated("event_id")]
    dup = ev.index.isin(dup_index)
    if dup.any():
        log.info("removed %d UCDP events present in more than one release (kept the copy of "
                 "the release first in %s)", int(dup.sum()), list(rank))
    return ev[~dup].reset_index(drop=True), int(dup.sum())


# ---------------------------------------------------------------------------------------------
# Selection helpers used by the kinds
# ---------------------------------------------------------------------------------------------


def in_countries(ev: pd.DataFrame, names: Iterable[str]) -> pd.Series:
    """Events whose ``country`` is one of ``names`` (every event if there is no country column)."""
    if "country" not in ev.columns:
        return pd.Series(True, index=ev.index)
    return ev["country"].isin(tuple(names))


def known_controller(sel: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The events of ``sel`` with a known controller, and how many had none ('unknown')."""
    known = sel["controller"] != UNKNOWN
    return sel[known], int((~known).sum())


def cap_at_ledger(uses_control: bool, pool: pd.DataFrame, s: pd.Timestamp,
                  e: pd.Timestamp) -> tuple[pd.Timestamp, dict]:
    """End of a control-based run's period ``[s, e)``, cut at the control ledger's last day, and
    what the cut left out: events of ``pool`` (the test's events before the period filter) and
    days from the cut to ``e``. Runs that do not use control, or end in time, are unchanged."""
    if not uses_control or e <= CONTROL_END:
        return e, {}
    cut_from = max(s, CONTROL_END)
    n = int(in_window(pool["day"], cut_from, e).sum())
    return max(CONTROL_END, s), {"control_cut_from": cut_from, "control_cut_events": n,
                                 "control_cut_days": int((e - cut_from).days)}


def cut_text(c: Mapping, actor_label: str) -> str:
    return (f"left out {c['control_cut_events']} {actor_label} events and {c['control_cut_days']} "
            f"days from {pd.Timestamp(c['control_cut_from']).date()} on: the control ledger ends "
            f"on {CONTROL_SPAN_END}, so later events have controller 'unknown'")


def window(anchor: pd.Timestamp, offs: list) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The window ``[anchor + offs[0], anchor + offs[1])`` of day offsets (end exclusive)."""
    return anchor + pd.Timedelta(days=int(offs[0])), anchor + pd.Timedelta(days=int(offs[1]))


def in_window(days: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    """Which ``days`` lie in ``[start, end)``: every period and window of a test is taken with
    this, its first day in and ``end`` (the day after its last) out."""
    return (days >= start) & (days < end)


def quarter_table(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=["quarter", label])
    q = frame["day"].dt.to_period("Q").astype(str)
    return q.value_counts().sort_index().rename_axis("quarter").reset_index(name=label)


def need(ev: pd.DataFrame, cols: Iterable[str], why: str) -> None:
    missing = [c for c in cols if c not in ev.columns]
    if missing:
        raise GeoUnavailable(f"events lack column(s) {', '.join(missing)} ({why})")


def assign_pcode(ev: pd.DataFrame, govs: pd.DataFrame) -> pd.Series:
    """The admin-1 code of the polygon each event lies in ('' outside every polygon)."""
    out = pd.Series("", index=ev.index, dtype=object)
    for pcode, geom in sorted(zip(govs["pcode"], govs["geometry"])):
        hit = contains(to_laea(geom), ev) & (out == "")
        out[hit] = str(pcode)
    return out
