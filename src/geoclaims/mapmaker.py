"""One call for the command line: ``geoclaims map ...`` loads, filters, draws and writes a map.

The half of the ``maps`` stage that writes files: it uses :mod:`geoclaims.maps` (drawing) and
:mod:`geoclaims.exports` (data files and sidecars); :mod:`geoclaims.maps` imports neither, so
there is no import circle between them.

- :func:`make_map` - events loaded and filtered (every filter reported with the rows it
  removed), layers gathered (the zones of control on ``date``, by default the period's end; the
  article's places only when asked), written by the suffix of each output.
- :func:`write_map` - one output: ``.html`` (offline web map, optionally with its ``<iframe>``
  embed snippet), ``.png``/``.svg`` (static map, optionally at a newsroom size from
  :mod:`geoclaims.sizes`), ``.gpkg``/``.geojson``/``.csv`` (data). Each with its sidecar
  ``FILE.sources.txt`` saying exactly what was drawn.
- :func:`caption` - the suggested caption and credit line of a written map (from its sidecar).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geoclaims import exports, maps, outputs, sizes
from geoclaims.maps import MapError, MapLayers, label

log = logging.getLogger(__name__)

#: A web map draws each event as a marker with its popup data; above this many events the page
#: gets slow and large, so :func:`write_map` refuses with advice (filter, or write .gpkg/.png).
MAX_WEB_EVENTS = 30_000
#: A web map larger than this is not written (the file is removed, the command fails).
MAX_WEB_BYTES = 10 * 1024 * 1024
#: Output suffixes :func:`make_map` writes.
FORMATS = (".html", ".png", ".svg", ".gpkg", ".geojson", ".csv")


def embed_path(out: str | Path) -> Path:
    """Where the ``<iframe>`` snippet of a web map goes: ``NAME.embed.html`` beside it."""
    out = Path(out)
    return out.with_name(out.stem + ".embed.html")


def write_map(layers: MapLayers, out: str | Path, *, title: str,
              tiles: str | None = None, force: bool = True,
              size: sizes.Size | None = None, embed_aspect: str | None = None) -> list[Path]:
    """Write ``layers`` to ``out`` by its suffix; the files written (sidecars included).
    ``tiles`` (web maps only) adds a basemap that needs a network connection to show;
    ``size`` (static maps only) draws at a newsroom size; ``embed_aspect`` (web maps only) also
    writes the ``<iframe>`` snippet ``NAME.embed.html`` with that aspect ratio.

    A map and its sidecar (and snippet) appear together or not at all
    (:class:`geoclaims.outputs.Transaction`); an existing file is replaced only with ``force``.
    A web map with more than :data:`MAX_WEB_EVENTS` events, or larger than
    :data:`MAX_WEB_BYTES`, is refused."""
    out = Path(out)
    suffix = out.suffix.lower()
    if size is not None and suffix not in (".png", ".svg"):
        raise MapError(f"{out}: --size applies to static maps (.png, .svg) and time-lapses")
    if embed_aspect is not None and suffix != ".html":
        raise MapError(f"{out}: --embed applies to web maps (.html)")
    if suffix == ".html":
        from geoclaims import embed

        if embed_aspect is not None and embed_aspect not in embed.ASPECTS:
            raise MapError(f"--aspect must be one of {', '.join(embed.ASPECTS)}, "
                           f"got '{embed_aspect}'")
        n = 0 if layers.events is None else len(layers.events)
        if n > MAX_WEB_EVENTS:
            raise MapError(
                f"{out}: {n} events are too many for a web map (limit {MAX_WEB_EVENTS}: the page "
                "would be very large and slow); narrow them with --start/--end, --actor, "
                "--controller or --place/--radius-km, or write a .gpkg, .png or .svg instead")
        with outputs.Transaction(force=force) as tx:
            maps.save_html(maps.interactive_map(layers, title=title, tiles=tiles), out, tx=tx)
            size_b = tx.path(out).stat().st_size
            if size_b > MAX_WEB_BYTES:
                raise MapError(
                    f"{out}: the web map would be {size_b / 2**20:.1f} MB (limit "
                    f"{MAX_WEB_BYTES / 2**20:.0f} MB); not written. Narrow the events with "
                    "--start/--end, --actor or --place/--radius-km, or write a .gpkg or .png")
            exports.write_sources(out, layers, tx, title=title)
            files = [out, exports.sidecar_path(out)]
            if embed_aspect is not None:
                credit = maps.attribution(layers.dataset_names() | {"ne-admin0", "ocha-admin1"})
                tx.write_text(embed_path(out), embed.snippet(
                    out.name, title=title.replace("\n", " "), credit=credit,
                    aspect=embed_aspect))
                files.append(embed_path(out))
        return files
    if suffix in (".png", ".svg"):
        import matplotlib.pyplot as plt

        with outputs.Transaction(force=force) as tx:
            fig = maps.static_map(layers, None, title=title, size=size)
            try:
                maps.save_figure(fig, out, tx=tx, dpi=size.dpi if size else 300,
                                 exact=size is not None)
            finally:
                plt.close(fig)
            exports.write_sources(out, layers, tx, title=title)
        return [out, exports.sidecar_path(out)]
    if suffix in (".gpkg", ".geojson", ".csv"):
        return exports.export(layers, out, force=force).files
    raise MapError(f"{out}: the format comes from the suffix, one of {', '.join(FORMATS)}")


@dataclass
class MapResult:
    files: list[Path]
    layers: MapLayers
    filters: list[dict[str, Any]]
    load: Any = None  # geoclaims.events.EventLoad when make_map loaded the events

    def summary(self) -> str:
        lines = [f"{f['filter']}: removed {f['removed']}" for f in self.filters]
        lines += [f"note: {n}" for n in self.layers.notes]
        lines += [f"wrote {p}" for p in self.files]
        return "\n".join(lines)


def _zones_date(date: Any) -> pd.Timestamp | None:
    """``--date`` checked against the control ledger's span."""
    if date is None:
        return None
    from geoclaims import control

    try:
        when = pd.Timestamp(date)
    except (ValueError, TypeError) as exc:
        raise MapError(f"--date must be a date YYYY-MM-DD, not {date!r}") from exc
    if not pd.Timestamp(control.SPAN_START) <= when <= pd.Timestamp(control.SPAN_END):
        raise MapError(f"--date {when:%Y-%m-%d} is outside the control ledger's span "
                       f"{control.SPAN_START}..{control.SPAN_END}")
    return when.normalize()


def make_map(
    out: str | Path | Sequence[str | Path],
    *,
    dataset: str | None = None,
    events_file: str | Path | None = None,
    start: Any = None,
    end: Any = None,
    actor: str | None = None,
    controller: str | None = None,
    place: str | None = None,
    radius_km: float | None = None,
    title: str | None = None,
    events: gpd.GeoDataFrame | None = None,
    tiles: str | None = None,
    force: bool = True,
    date_format: str | None = None,
    on_load: Any = None,
    date: Any = None,
    article: bool = False,
    size: str | sizes.Size | None = None,
    embed_aspect: str | None = None,
) -> MapResult:
    """Load events, filter them, gather the layers and write ``out`` by its suffix
    (.html web map, .png/.svg static map, .gpkg/.geojson/.csv export with a sidecar).

    ``events`` (already loaded) replaces ``dataset``/``events_file``. Every filter is reported
    in :attr:`MapResult.filters` with the number of rows it removed. ``on_load(load)`` is called
    with the :class:`geoclaims.events.EventLoad` as soon as the events are loaded (the command
    line prints the load report there, also when the map then fails). ``date``: the zones of
    control shown (default: the period's end). ``article``: also draw the article's places.
    ``place``/``radius_km``: keep the events within that distance and draw the place (marker,
    label and circle) in every format. ``size``: a :mod:`geoclaims.sizes` preset (static maps).
    ``embed_aspect``: also write each web map's ``<iframe>`` snippet.

    The outputs are checked before anything is loaded (folder exists and is writable; an
    existing file is refused unless ``force``). No events left after loading and filtering
    raises :class:`MapError`: a map without events is never written.
    """
    outs = [Path(out)] if isinstance(out, (str, Path)) else [Path(o) for o in out]
    sz = sizes.preset(size) if isinstance(size, str) else size
    for o in outs:
        if o.suffix.lower() not in FORMATS:
            raise MapError(f"--out {o}: the format comes from the suffix, one of "
                           f"{', '.join(FORMATS)}")
        # a GeoPackage that exists gets our layers added (write_gpkg checks clashes)
        outputs.check_target(o, force=force or o.suffix.lower() == ".gpkg", what="map")
        if embed_aspect is not None and o.suffix.lower() == ".html":
            outputs.check_target(embed_path(o), force=force, what="embed snippet")
    suffixes = {o.suffix.lower() for o in outs}
    if sz is not None and not suffixes & {".png", ".svg"}:
        raise MapError(f"--out {outs[0]}: --size applies to static maps (.png, .svg) and "
                       "time-lapses (.mp4, .webm, .gif)")
    if embed_aspect is not None and ".html" not in suffixes:
        raise MapError(f"--out {outs[0]}: --embed applies to web maps (.html)")
    if controller is not None and controller not in maps.CONTROLLERS:
        raise MapError(f"unknown controller '{controller}'; known: "
                       f"{', '.join(maps.CONTROLLERS)}")
    if (place is None) != (radius_km is None):
        raise MapError("--place and --radius-km go together")
    if radius_km is not None and radius_km <= 0:
        raise MapError(f"--radius-km must be positive, got {radius_km}")
    zones_date = _zones_date(date)
    target = maps.find_place(place) if place is not None else None  # fail early

    filters: list[dict[str, Any]] = []
    if events is None:
        from geoclaims import events as events_mod

        if dataset is not None and events_file is not None:
            raise MapError("give one of --dataset NAME or --events FILE, not both")
        if dataset is None and events_file is None:
            dataset = "ucdp-ged-syria"
        loaded = events_mod.load(dataset, events_file, start=start, end=end, actor=actor,
                                 quiet=True, date_format=date_format)
        if on_load is not None:
            on_load(loaded)
        events = loaded.events
        filters += list(getattr(loaded.report, "filters", []) or [])
    else:
        loaded = None
    name = None
    if target is not None:
        keep = maps.within_km(events, maps._place_geometry(target), float(radius_km))
        name = str(getattr(target, "name", None) or target.get("name"))
        filters.append({"filter": f"within {radius_km:g} km of {name}",
                        "removed": int((~keep).sum())})
        events = events[keep.values].reset_index(drop=True)

    if not len(events):  # before the slow layers: a map without events is never written
        steps = "; ".join(f"{f['filter']}: removed {f['removed']}" for f in filters)
        raise MapError("no events left to draw" + (f" ({steps})" if steps else "")
                       + "; no map written (see the load report above)")
    layers = maps.collect_layers(events, start=start, end=end, with_places=article,
                                 zones_date=zones_date)
    if controller is not None:
        ev = layers.events
        if ev is None or "controller" not in ev:
            raise MapError("--controller needs each event's controller, which could not be "
                           f"computed: {'; '.join(layers.notes) or 'no events'}")
        keep = ev["controller"].astype(str) == controller
        filters.append({"filter": f"controller {controller}", "removed": int((~keep).sum())})
        layers.events = ev[keep.values].reset_index(drop=True)

    if title is None:
        what = [f"actor group {label(actor)}"] if actor else []
        if controller:
            what.append(f"in areas held by {label(controller)}")
        if target is not None:
            what.append(f"within {radius_km:g} km of {name}")
        title = "Conflict events and areas of control in Syria" + (
            f"\nEvents: {', '.join(what)}" if what else "")
    if target is not None:  # the place, its circle, and the view around it
        layers.place = {"name": name, "geometry": maps._place_geometry(target),
                        "radius_km": float(radius_km)}
        geom = gpd.GeoSeries([layers.place["geometry"]], crs=maps.WGS84).to_crs(maps.SYRIA_LCC)
        box = geom.buffer(float(radius_km) * 1000 * 1.3).to_crs(maps.WGS84).total_bounds
        layers.extent = tuple(float(v) for v in box)
    if layers.events is None or not len(layers.events):
        steps = "; ".join(f"{f['filter']}: removed {f['removed']}" for f in filters)
        raise MapError("no events left to draw" + (f" ({steps})" if steps else "")
                       + "; no map written (see the load report above)")
    layers.filters = filters
    files: list[Path] = []
    for o in outs:
        static = o.suffix.lower() in (".png", ".svg")
        files += write_map(layers, o, title=title, tiles=tiles, force=force,
                           size=sz if static else None,
                           embed_aspect=embed_aspect if o.suffix.lower() == ".html" else None)
    log.info("map %s: %s", outs, filters)
    return MapResult(files=files, layers=layers, filters=filters, load=loaded)


def caption(path: str | Path) -> str:
    """The suggested caption and credit line of a written map or export, read from its
    sidecar ``FILE.sources.txt`` (so that they say exactly what the sidecar says was drawn)."""
    side = exports.sidecar_path(path)
    text = side.read_text(encoding="utf-8")
    keep = [line for line in text.splitlines()
            if line.startswith(("Suggested caption:", "Credit line:"))]
    if not keep:
        raise MapError(f"{side}: no caption or credit line in the sidecar")
    return "\n".join(keep) + "\n"


def write_timelapse(out: str | Path, *, force: bool = True, **kwargs: Any):
    """A time-lapse (:func:`geoclaims.animate.timelapse`, same keyword arguments) and its
    sidecar ``FILE.sources.txt``: period, step and frames, filters with the rows removed, the
    events drawn, the ledger version, a suggested caption and the credit line. An existing file
    is replaced only with ``force``; the video and its sidecar appear together."""
    from geoclaims import animate

    out = Path(out)
    if out.suffix.lower() not in animate.FORMATS:
        raise MapError(f"--out {out}: a time-lapse is one of {', '.join(animate.FORMATS)}")
    outputs.check_target(out, force=force, what="time-lapse")
    outputs.check_target(exports.sidecar_path(out), force=force, what="sidecar")
    result = animate.timelapse(out, **kwargs)
    first, last = result.dates[0], result.dates[-1]
    what = label(kwargs.get("actor")) if kwargs.get("actor") else "conflict"
    window = ""
    if kwargs.get("place"):
        window = f" within {float(kwargs['radius_km']):g} km of {kwargs['place']}"
    step = kwargs.get("step", "month")
    lines = [
        f"Sources and licences for {out.name}",
        "Written by geoclaims (same inputs, same file: no run date is recorded).",
        "",
        "What is drawn:",
        f"  Frames: {len(result.dates)}, one per {step}, {first:%-d %B %Y} to {last:%-d %B %Y}",
        f"  Size: {result.size.name} {result.size.width_px}x{result.size.height_px} px",
        (f"  Events drawn: {result.n_events} ({what} events{window}); each appears in its "
         f"{step} and fades over the next {animate.FADE_STEPS}"),
        "  Filters (rows removed):" if result.filters else "  Filters: none",
        *[f"    {f['filter']}: {f['removed']}" for f in result.filters],
        "  Areas of control: the zones on each frame's date (approximate)",
        f"  Control ledger version: sha256 {exports.ledger_version()} (data/control_ledger.csv)",
        "",
        (f"Suggested caption: {what.capitalize() if what == 'conflict' else what} events"
         f"{window} and the approximate areas of control in Syria, {step} by {step}, "
         f"{first:%B %Y} to {last:%B %Y} ({result.n_events:,} events, UCDP GED)."),
        "",
        f"Credit line: {result.credit}",
        "",
        "Notes:",
        f"- {exports.ledger_note()}",
    ]
    outputs.write_text(exports.sidecar_path(out), "\n".join(lines) + "\n", force=True)
    return result, [out, exports.sidecar_path(out)]
