"""Time-lapse maps: the zones of control frame by frame, with the period's events appearing and
fading (stage ``maps``; for journalists: ``geoclaims map --timelapse``).

Each frame shows the zones of control on its date (:func:`geoclaims.control.control_at`) and the
events of the step that ends on that date at full strength; events of earlier steps fade over
:data:`FADE_STEPS` frames. Every frame carries the title, the date, a legend, a scale bar and
the credit line. Frames are drawn with matplotlib and encoded by matplotlib's animation writers:
MP4 and WebM through the ffmpeg binary that the pinned ``imageio-ffmpeg`` wheel ships (no system
install), GIF through Pillow. The file is written under a temporary name beside the target and
renamed when complete, so a failed run leaves no partial video.
"""

from __future__ import annotations

import bisect
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoclaims import control, outputs, sizes
from geoclaims.style import EVENT_COLOUR, colour, label

FORMATS = (".mp4", ".webm", ".gif")
#: step name -> pandas frequency of the frame dates (each frame closes one step)
STEPS = {"week": "W-SUN", "month": "ME", "quarter": "QE"}
#: events of earlier steps stay visible, fading, for this many frames
FADE_STEPS = 3
WGS84 = "EPSG:4326"
#: outlines are simplified to this many metres for drawing (about a quarter of a pixel of the
#: largest preset's map of Syria), which keeps a frame fast to draw
SIMPLIFY_M = 250
LCC = ("+proj=lcc +lat_1=33 +lat_2=37 +lat_0=35 +lon_0=38.5 +datum=WGS84 +units=m +no_defs")


class AnimationError(ValueError):
    """A time-lapse that cannot be made as asked (bad dates, step, format or window)."""


@dataclass
class Timelapse:
    path: Path
    dates: list[pd.Timestamp]
    n_events: int
    size: sizes.Size
    credit: str
    filters: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> str:
        return (f"wrote {self.path} ({len(self.dates)} frames, {self.dates[0]:%Y-%m-%d} to "
                f"{self.dates[-1]:%Y-%m-%d}, {self.n_events} events, {self.size.name} "
                f"{self.size.width_px}x{self.size.height_px})")


def frame_dates(start: Any, end: Any, step: str = "month") -> list[pd.Timestamp]:
    """The frames' dates: the last day of each step from ``start`` to ``end`` (the last frame
    is ``end`` itself when ``end`` is not a step's last day)."""
    if step not in STEPS:
        raise AnimationError(f"--step must be one of {', '.join(STEPS)}, got '{step}'")
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    if e < s:
        raise AnimationError(f"--end {e:%Y-%m-%d} is before --start {s:%Y-%m-%d}")
    dates = list(pd.date_range(s, e, freq=STEPS[step]))
    if not dates or dates[-1] < e:
        dates.append(e)
    return dates


def ffmpeg_path() -> str:
    """The ffmpeg binary shipped by the imageio-ffmpeg wheel."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _writer(suffix: str, fps: int):
    import matplotlib
    from matplotlib import animation

    if suffix == ".gif":
        return animation.PillowWriter(fps=fps)
    matplotlib.rcParams["animation.ffmpeg_path"] = ffmpeg_path()
    even = ["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2"]  # yuv420p needs even dimensions
    same = ["-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact"]
    if suffix == ".mp4":
        return animation.FFMpegWriter(fps=fps, codec="libx264", bitrate=-1, extra_args=[
            *even, "-pix_fmt", "yuv420p", "-crf", "28", "-preset", "medium", "-threads", "1",
            *same])
    return animation.FFMpegWriter(fps=fps, codec="libvpx-vp9", bitrate=-1, extra_args=[
        *even, "-pix_fmt", "yuv420p", "-crf", "40", "-b:v", "0", "-deadline", "good",
        "-threads", "1", *same])


class _Zones:
    """Zones of control per frame, computed once per control interval, in the map projection."""

    def __init__(self) -> None:
        self.starts = [pd.Timestamp(d) for d in control.interval_dates()]
        self.cache: dict[int, gpd.GeoDataFrame] = {}

    def key(self, when: pd.Timestamp) -> int:
        day = min(max(when.date(), control.SPAN_START), control.SPAN_END)
        return bisect.bisect_right(self.starts, pd.Timestamp(day))

    def at(self, when: pd.Timestamp) -> gpd.GeoDataFrame:
        day = min(max(when.date(), control.SPAN_START), control.SPAN_END)
        key = self.key(when)
        if key not in self.cache:
            z = control.control_at(day).to_crs(LCC)
            z["geometry"] = z.geometry.simplify(SIMPLIFY_M)  # below a pixel at every size
            self.cache[key] = z
        return self.cache[key]


@dataclass
class Frames:
    """A time-lapse ready to encode: the figure, a function that draws frame i, and what it
    shows."""

    fig: Any
    draw: Any
    dates: list[pd.Timestamp]
    n_events: int
    size: sizes.Size
    credit: str
    filters: list[dict[str, Any]]
    events_artist: Any = None  # the scatter of events (its alphas change frame by frame)


def prepare(
    *,
    start: Any = "2016-01-01",
    end: Any = "2019-11-30",
    step: str = "month",
    dataset: str | None = None,
    events_file: str | Path | None = None,
    actor: str | None = "isis",
    place: str | None = None,
    radius_km: float | None = None,
    size: str | sizes.Size = "wide",
    events: gpd.GeoDataFrame | None = None,
    title: str | None = None,
) -> Timelapse:
    """Load and filter the events, lay out the figure and return :class:`Frames`."""
    import matplotlib

    matplotlib.use("Agg", force=False)

    from geoclaims import maps

    if (place is None) != (radius_km is None):
        raise AnimationError("--place and --radius-km go together")
    if radius_km is not None and radius_km <= 0:
        raise AnimationError(f"--radius-km must be positive, got {radius_km:g}")
    sz = size if isinstance(size, sizes.Size) else sizes.preset(size)
    dates = frame_dates(start, end, step)
    target = maps.find_place(place) if place is not None else None

    filters: list[dict[str, Any]] = []
    if events is None:
        from geoclaims import events as events_mod

        if dataset is None and events_file is None:
            dataset = "ucdp-ged-syria"
        loaded = events_mod.load(dataset, events_file, start=dates[0] - _step_delta(step),
                                 end=dates[-1], actor=actor, quiet=True)
        events = loaded.events
        filters += list(getattr(loaded.report, "filters", []) or [])
    names = sorted(set(events["dataset"].astype(str))) if "dataset" in events else []
    if target is not None:
        keep = maps.within_km(events, maps._place_geometry(target), float(radius_km))
        filters.append({"filter": f"within {radius_km:g} km of {_name(target)}",
                        "removed": int((~keep).sum())})
        events = events[keep.values]

    ev = gpd.GeoDataFrame(events, geometry="geometry", crs=WGS84).to_crs(LCC)
    ev_x = ev.geometry.x.to_numpy()
    ev_y = ev.geometry.y.to_numpy()
    ev_day = pd.to_datetime(ev["date_start"]).to_numpy()
    # frame index of each event: the first frame whose date is on or after the event's date
    frame_of = np.searchsorted(np.array(dates, dtype="datetime64[ns]"), ev_day, side="left")

    credit = _credit(names)
    what = label(actor) if actor else "all"
    title = title or f"Areas of control and {what} events in Syria"
    fig, parts = _frame_figure(sz, title, credit, target, radius_km, place)
    ax = parts["ax"]
    zones = _Zones()
    view = shapely.box(*(ax.get_xlim()[0], ax.get_ylim()[0], ax.get_xlim()[1], ax.get_ylim()[1]))
    shown = sorted({c for d in dates for c, g in zip(zones.at(d)["controller"].astype(str),
                                                      zones.at(d).geometry, strict=True)
                    if g.intersects(view)})
    _legend(fig, parts, sz, shown, what, step)
    scatter = ax.scatter(ev_x, ev_y, s=(sz.text_pt * 0.4) ** 2,
                         c=[EVENT_COLOUR], linewidths=0.3, edgecolors="white", zorder=5)
    rgba = np.tile(matplotlib.colors.to_rgba(EVENT_COLOUR), (len(ev_x), 1))
    zone_artists: dict[int, Any] = {}  # one collection per control interval, drawn once
    current: list[Any] = []

    def draw(i: int):
        key = zones.key(dates[i])
        if key not in zone_artists:
            zone_artists[key] = _zone_collection(ax, zones.at(dates[i]))
        for a in current:
            a.set_visible(False)
        current[:] = [zone_artists[key]]
        zone_artists[key].set_visible(True)
        age = i - frame_of
        alpha = np.where(age < 0, 0.0, np.where(age == 0, 1.0, np.clip(
            1.0 - age / (FADE_STEPS + 1), 0.0, 1.0) * 0.6))
        rgba[:, 3] = alpha
        scatter.set_facecolors(rgba)
        scatter.set_edgecolors(np.column_stack([np.ones((len(alpha), 3)), alpha]))
        n_now = int((age == 0).sum())
        parts["date"].set_text(f"{dates[i]:%B %Y}" if step != "week" else f"{dates[i]:%d %b %Y}")
        parts["count"].set_text(f"{n_now} {what} events this {step}"
                                if n_now != 1 else f"1 {what} event this {step}")
        return []

    return Frames(fig, draw, dates, len(ev_x), sz, credit, filters, scatter)


def timelapse(out: str | Path, *, fps: int = 3, **kwargs: Any) -> Timelapse:
    """Write a time-lapse to ``out`` (.mp4, .webm or .gif; keyword arguments as
    :func:`prepare`) and return what was drawn. The file appears whole or not at all."""
    import matplotlib.pyplot as plt

    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise AnimationError(f"--out {out}: a time-lapse is one of {', '.join(FORMATS)}")
    frames = prepare(**kwargs)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with outputs.atomic_path(out, force=True) as tmp:  # whole or not at all
            _encode(frames, _writer(suffix, fps), str(tmp))
    finally:
        plt.close(frames.fig)
    return Timelapse(out, frames.dates, frames.n_events, frames.size, frames.credit,
                     frames.filters)


def _encode(frames: Frames, writer, path: str) -> None:
    """Draw and grab every frame (one draw each); on any error stop the encoder without
    finishing the file (the caller removes it)."""
    import matplotlib

    with matplotlib.rc_context({"savefig.bbox": None}):
        writer.setup(frames.fig, path, dpi=frames.size.dpi)
        try:
            for i in range(len(frames.dates)):
                frames.draw(i)
                writer.grab_frame()
        except BaseException:
            proc = getattr(writer, "_proc", None)
            if proc is not None:  # ffmpeg: stop it, the partial file is discarded
                proc.kill()
                proc.wait()
            raise
        writer.finish()


def _zone_collection(ax, zones: gpd.GeoDataFrame):
    """The zones of one interval as a single PatchCollection (one colour per controller)."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    patches, colours = [], []
    for ctrl, geom in zip(zones["controller"].astype(str), zones.geometry, strict=True):
        for poly in getattr(geom, "geoms", [geom]):
            if poly.is_empty or poly.geom_type != "Polygon":
                continue
            rings = [poly.exterior, *poly.interiors]
            verts = np.concatenate([np.asarray(r.coords)[:, :2] for r in rings])
            codes = np.concatenate([[MplPath.MOVETO] + [MplPath.LINETO] * (len(r.coords) - 2)
                                    + [MplPath.CLOSEPOLY] for r in rings])
            patches.append(PathPatch(MplPath(verts, codes)))
            colours.append(colour(ctrl))
    coll = PatchCollection(patches, facecolors=colours, alpha=0.45, edgecolors="white",
                           linewidths=0.3, zorder=1)
    ax.add_collection(coll)
    return coll


def _step_delta(step: str) -> pd.Timedelta:
    return {"week": pd.Timedelta(days=7), "month": pd.Timedelta(days=31),
            "quarter": pd.Timedelta(days=92)}[step]


def _name(place: Any) -> str:
    return str(getattr(place, "name", None) or place.get("name"))


def _credit(event_names: list[str]) -> str:
    from geoclaims import maps

    # events read from a file carry their layout's name (e.g. ucdp-ged-19.1), not a registry
    # name: credited by their producer, as on static and web maps
    events = pd.DataFrame({"dataset": event_names})
    names = maps.MapLayers(events=events).dataset_names() if event_names else set()
    base = maps.attribution([*names, "ocha-admin1", "ne-admin0"]).rstrip(".")
    return (f"{base}; areas of control: geoclaims control ledger (cited sources; approximate)."
            " Made with geoclaims.")


def _frame_figure(sz: sizes.Size, title: str, credit: str, target: Any,
                  radius_km: float | None, place_label: str | None = None):
    """The fixed parts of every frame: title, date, map with countries, legend box, scale bar,
    credits; returns the figure and the artists that change."""
    import matplotlib.pyplot as plt
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    from geoclaims import maps

    fig = plt.figure(figsize=sz.figsize, dpi=sz.dpi)
    fig.patch.set_facecolor("white")
    if sz.portrait:
        ax = fig.add_axes((0.03, 0.30, 0.94, 0.52))
        legend_box = (0.03, 0.08, 0.94, 0.20)
    elif sz.width_px <= sz.height_px * 1.2:  # square
        ax = fig.add_axes((0.02, 0.31, 0.96, 0.53))
        legend_box = (0.02, 0.085, 0.96, 0.22)
    else:
        ax = fig.add_axes((0.01, 0.10, 0.64, 0.74))
        legend_box = (0.66, 0.10, 0.33, 0.66)
    ax.set_axis_off()
    countries = maps._countries().to_crs(LCC)
    countries["geometry"] = countries.geometry.simplify(SIMPLIFY_M)
    countries.plot(ax=ax, color="#FFFFFF", edgecolor="#999999", linewidth=0.5, zorder=0)
    syria = countries[countries["iso3"] == "SYR"]
    syria.boundary.plot(ax=ax, color="#444444", linewidth=0.8, zorder=3)
    if target is not None:
        centre = gpd.GeoSeries([maps._place_geometry(target)], crs=WGS84).to_crs(LCC)
        circle = centre.buffer(float(radius_km) * 1000)
        circle.boundary.plot(ax=ax, color="#222222", linewidth=1.0, linestyle="--", zorder=6)
        ax.plot(centre.x, centre.y, marker="*", color="#222222", markersize=sz.text_pt, zorder=7)
        ax.annotate(place_label or _name(target), (centre.x.iloc[0], centre.y.iloc[0]),
                    xytext=(sz.text_pt * 0.6, sz.text_pt * 0.6), textcoords="offset points",
                    fontsize=sz.text_pt, zorder=7)
        x0, y0, x1, y1 = circle.buffer(float(radius_km) * 300).total_bounds
    else:
        x0, y0, x1, y1 = syria.buffer(30_000).total_bounds
    # keep the axes' aspect: widen the shorter side around the centre
    pos = ax.get_position(original=True)  # the box asked for, not the one shrunk to the data
    bw, bh = pos.width * sz.width_px, pos.height * sz.height_px
    cx, cy, w, h = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0
    if w / h < bw / bh:
        w = h * bw / bh
    else:
        h = w * bh / bw
    ax.set_xlim(cx - w / 2, cx + w / 2)
    ax.set_ylim(cy - h / 2, cy + h / 2)
    ax.set_aspect("equal")
    km = _nice_km(w / 1000 / 5)
    ax.add_artist(AnchoredSizeBar(ax.transData, km * 1000, f"{km} km", "lower left",
                                  pad=0.4, frameon=False, size_vertical=h / 250,
                                  fontproperties={"size": sz.small_pt}))
    # the title wrapped to the width; the date and the count stacked under it (portrait) or
    # right-aligned beside the map (landscape), measured in lines of text
    fig_h_pt = sz.figsize[1] * 72
    per_line = max(20, int(sz.figsize[0] * 72 * 0.94 / (sz.title_pt * 0.62)))
    lines = textwrap.wrap(title, per_line) or [title]
    fig.text(0.02, 0.985, "\n".join(lines), fontsize=sz.title_pt, fontweight="bold", va="top")
    top = 0.985 - len(lines) * sz.title_pt * 1.25 / fig_h_pt - 0.01
    x, ha = (0.02, "left") if sz.portrait else (0.98, "right")
    date = fig.text(x, top, "", fontsize=sz.title_pt * 1.15, ha=ha, va="top", fontweight="bold")
    count = fig.text(x, top - sz.title_pt * 1.15 * 1.35 / fig_h_pt, "", fontsize=sz.text_pt,
                     ha=ha, va="top")
    per_small = max(30, int(sz.figsize[0] * 72 * 0.95 / (sz.small_pt * 0.55)))
    fig.text(0.02, 0.012, "\n".join(textwrap.wrap(credit, per_small)), fontsize=sz.small_pt,
             color="#444444", va="bottom")
    return fig, {"ax": ax, "date": date, "count": count, "legend_box": legend_box}


def _legend(fig, parts: dict, sz: sizes.Size, controllers: list[str], what: str,
            step: str) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=colour(c), alpha=0.45, edgecolor="none", label=label(c))
               for c in controllers]
    handles += [
        Line2D([], [], marker="o", linestyle="none", color=EVENT_COLOUR, markeredgecolor="white",
               markersize=sz.text_pt * 0.7, label=f"events this {step}"),
        Line2D([], [], marker="o", linestyle="none", color=EVENT_COLOUR, alpha=0.35,
               markersize=sz.text_pt * 0.7, label="earlier events (fading)"),
    ]
    lax = fig.add_axes(parts["legend_box"])
    lax.set_axis_off()
    ncol = 1 if not (sz.portrait or sz.width_px <= sz.height_px * 1.2) else 2
    lax.legend(handles=handles, loc="upper left", frameon=False, fontsize=sz.text_pt,
               title="Areas of control (approximate)", title_fontsize=sz.text_pt, ncol=ncol,
               alignment="left")


def _nice_km(target: float) -> int:
    for km in (10, 20, 25, 50, 100, 200, 250, 500):
        if km >= target:
            return km
    return 1000


def frame_png(out: str | Path, when: Any, **kwargs) -> Path:
    """The frame of the step that ends on ``when`` as a PNG (a still for a page or a check)."""
    import matplotlib.pyplot as plt

    kwargs.setdefault("step", "month")
    frames = prepare(start=pd.Timestamp(when) - _step_delta(kwargs["step"]), end=when, **kwargs)
    frames.draw(len(frames.dates) - 1)
    frames.fig.savefig(out, dpi=frames.size.dpi)
    plt.close(frames.fig)
    return Path(out)



