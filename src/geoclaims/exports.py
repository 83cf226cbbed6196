"""Data exports for journalists and GIS users: GeoPackage, GeoJSON and CSV, each with a sidecar.

- :func:`export_layers` - the layers of a map (:class:`geoclaims.maps.MapLayers`) as named
  GeoDataFrames: ``places``, ``events`` (with their controller), ``control_zones`` (one row per
  zone and date), ``merv``, ``at_tanf_zone``, other curated regions, ``euphrates``.
- :func:`write_gpkg` - every layer in one GeoPackage (pyogrio).
- :func:`write_geojson` - one GeoJSON file per layer.
- :func:`write_csv` - the events as CSV (no geometry; ``lat``/``lon`` columns).
- :func:`export` - any of the above by the file suffix (``.gpkg``, ``.geojson``, ``.csv``).

Every write goes through :mod:`geoclaims.outputs`: each file and its sidecar are written under
temporary names and renamed together (all files of an export appear, or none); an existing file
is replaced only with ``force=True`` (the command line's ``--force``); a GeoPackage that exists
keeps its other layers (ours are added, or replaced with ``force``); timestamps are fixed, so
identical inputs give identical bytes.

Every written file gets a sidecar ``FILE.sources.txt`` naming each source, its licence and its
citation (from the dataset registry, for the layers actually in the file), the layers and their
row counts, and what was done to the data. Exported values are the data as loaded: text is not
HTML-escaped (these are data files, not web pages); in the CSV only, third-party text cells that
start with ``= + - @`` (or a tab/carriage return) get a leading ``'`` so that spreadsheet
programs show them as text instead of running them as formulas.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geoclaims import maps, outputs
from geoclaims.style import csv_safe_frame, csv_safe_note

#: Layer names for the curated regions that have fixed names in the exports.
REGION_LAYERS = {"rg:merv": "merv", "rg:at-tanf-zone": "at_tanf_zone"}


@dataclass
class ExportReport:
    """What was written: files (sidecars included), the layers with row counts, the sources."""

    files: list[Path] = field(default_factory=list)
    layers: dict[str, int] = field(default_factory=dict)
    sources: list[maps.Source] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    drawn: list[str] = field(default_factory=list)  # what the map's layers hold (sidecars)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def export_layers(layers: maps.MapLayers) -> dict[str, gpd.GeoDataFrame]:
    """The named layers of a map, ready to write (EPSG:4326)."""
    out: dict[str, gpd.GeoDataFrame] = {}
    if layers.places is not None and len(layers.places):
        out["places"] = layers.places
    if layers.events is not None and len(layers.events):
        out["events"] = layers.events
    if layers.zones is not None and len(layers.zones):
        out["control_zones"] = layers.zones
    if layers.regions is not None and len(layers.regions):
        for key, row in layers.regions.iterrows():
            rid = str(row.get("id", key))
            name = REGION_LAYERS.get(rid) or _slug(rid.split(":", 1)[-1])
            out[name] = layers.regions.loc[[key]].reset_index(drop=True)
    if layers.euphrates is not None and len(layers.euphrates):
        out["euphrates"] = layers.euphrates
    return {k: v.to_crs(maps.WGS84) for k, v in out.items()}


def _sources_of(name: str, frame: gpd.GeoDataFrame) -> set[str]:
    """Registry dataset names behind one export layer."""
    kinds = {"places": "places", "events": "events", "control_zones": "zones",
             "euphrates": "euphrates"}
    one = maps.MapLayers(**{kinds.get(name, "regions"): frame})
    return one.dataset_names()


def _prepare(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Column types every OGR driver takes: strings for objects, ISO dates stay datetimes."""
    out = frame.copy()
    for col in out.columns:
        if col == out.geometry.name:
            continue
        s = out[col]
        if isinstance(s.dtype, pd.BooleanDtype):
            out[col] = s.astype("object").where(s.notna(), None)
        elif s.dtype == object:
            out[col] = s.map(lambda v: None if maps._is_missing(v) else (
                v if isinstance(v, (str, int, float, bool, dt.date)) else str(v)))
    return out


def sidecar_path(path: str | Path) -> Path:
    path = Path(path)
    return path.with_name(path.name + ".sources.txt")


def _sidecar(path: Path, layers: dict[str, int], sources: list[maps.Source],
             notes: list[str], tx: outputs.Transaction | None = None,
             drawn: list[str] | None = None) -> Path:
    side = sidecar_path(path)
    lines = [
        f"Sources and licences for {path.name}",
        "Written by geoclaims (same inputs, same file: no run date is recorded).",
        "",
        *(drawn or []),
        "Credit line: " + "; ".join(s.credit() for s in sources) + ".",
        "",
        "Layers (rows):",
        *[f"  {name}: {n}" for name, n in layers.items()],
        "",
        "Sources:",
    ]
    for s in sources:
        lines.append(f"- {s.producer}")
        lines.append(f"  Licence: {s.licence}")
        if s.datasets:
            lines.append(f"  Datasets: {', '.join(s.datasets)}")
        for c in s.citations:
            lines.append(f"  Cite: {c}")
    lines += [
        "",
        "Notes:",
        "- Control zones and curated regions are approximate; see data/ and the notebooks for how",
        "  each is drawn.",
        "- Event text (headline, actor names) is third-party text, exported as loaded.",
        *[f"- {n}" for n in notes],
    ]
    text = "\n".join(lines) + "\n"
    if tx is not None:
        tx.write_text(side, text)
    else:
        outputs.write_text(side, text)
    return side


def ledger_version() -> str:
    """The control ledger's version: the sha256 of ``data/control_ledger.csv``."""
    import hashlib

    from geoclaims import paths

    ledger = paths.DATA / "control_ledger.csv"
    return hashlib.sha256(ledger.read_bytes()).hexdigest()


def _day(value) -> str:
    return pd.Timestamp(value).strftime("%-d %B %Y")


def map_description(layers: maps.MapLayers, title: str | None = None) -> list[str]:
    """What a map draws, for its sidecar: title, period, the zones' date, the place window, the
    filters with the rows each removed, the rows per layer, the ledger version, and a suggested
    caption (lines; :func:`geoclaims.mapmaker.caption` prints the caption and credit line)."""
    start, end = maps._infer_range(layers)
    lines = ["What is drawn:"]
    if title:
        lines.append("  Title: " + " ".join(str(title).split()))
    if start is not None or end is not None:
        lines.append(f"  Period of the events: {maps._date_range_text(start, end)}")
    zones_when = layers.shown_zones_date()
    if zones_when is not None:
        lines.append(f"  Areas of control on: {_day(zones_when)} (approximate)")
    if layers.place is not None:
        lines.append(f"  Place window: {layers.place['radius_km']:g} km around "
                     f"{layers.place['name']} (marker, label and circle drawn)")
    lines.append("  Filters (rows removed):" if layers.filters else "  Filters: none")
    lines += [f"    {f['filter']}: {f['removed']}" for f in layers.filters]
    counts = {name: len(frame) for name, frame in export_layers(layers).items()}
    if "events" in counts and layers.events is not None:
        groups = maps.event_group(layers.events).map(maps.label).value_counts()
        counts["events"] = len(layers.events)
        lines.append("  Events by actor group (side A): " + ", ".join(
            f"{g} {n}" for g, n in groups.sort_index().items()))
    lines.append("  Rows per layer: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if layers.zones is not None and len(layers.zones):
        try:
            lines.append(f"  Control ledger version: sha256 {ledger_version()} "
                         "(data/control_ledger.csv)")
        except OSError as exc:
            lines.append(f"  Control ledger version: unknown ({exc})")
    lines += ["", "Suggested caption: " + _caption(layers, start, end, zones_when), ""]
    return lines


def _caption(layers: maps.MapLayers, start, end, zones_when) -> str:
    n = 0 if layers.events is None else len(layers.events)
    what = "conflict events"
    if layers.events is not None and n:
        groups = set(maps.event_group(layers.events))
        if len(groups) == 1:
            what = f"{maps.label(next(iter(groups)))} events"
    text = f"{n:,} {what} recorded"
    if start is not None and end is not None:
        text += f" between {_day(start)} and {_day(end)}"
    if layers.place is not None:
        text += f" within {layers.place['radius_km']:g} km of {layers.place['name']}"
    text += " (UCDP GED, one dot per event)" if n else ""
    if zones_when is not None:
        text += (f", over the approximate areas of control on {_day(zones_when)} "
                 "(geoclaims control ledger)")
    return text + "."


def ledger_note() -> str:
    """Where the control zones come from: the ledger's cited sources, by publisher."""
    try:
        from geoclaims import control

        src = control.read_sources()
    except Exception as exc:  # noqa: BLE001 - the note says it could not be read
        return f"Control zones: geoclaims control ledger (its sources could not be read: {exc})."
    counts = src["publisher"].value_counts()
    by = ", ".join(f"{pub} ({n})" for pub, n in counts.items())
    return (f"Control zones: the geoclaims control ledger (data/control_ledger.csv), compiled "
            f"from {len(src)} cited sources listed with URLs in data/control_sources.csv: {by}.")


def _finish(path: Path, layers: dict[str, gpd.GeoDataFrame], report: ExportReport,
            notes: list[str] | None = None, tx: outputs.Transaction | None = None) -> None:
    names: set[str] = set()
    for name, frame in layers.items():
        names |= _sources_of(name, frame)
    sources = maps.sources_for(names)
    counts = {name: len(frame) for name, frame in layers.items()}
    notes = list(notes or [])
    if "control_zones" in layers or "controller" in layers.get("events", {}):
        notes.append(ledger_note())
    # the map's description goes with the file that holds its events (or every layer); a
    # GeoJSON file of one other layer credits that layer alone
    drawn = report.drawn if ("events" in layers or len(layers) > 1) else None
    report.files += [path, _sidecar(path, counts, sources, notes + report.notes, tx,
                                    drawn=drawn)]
    report.layers.update(counts)
    for s in sources:
        if s not in report.sources:
            report.sources.append(s)


def write_sources(path: str | Path, layers: maps.MapLayers,
                  tx: outputs.Transaction | None = None, *, title: str | None = None) -> Path:
    """The sources sidecar of a map file (web page or figure): what is drawn
    (:func:`map_description`) and every drawn layer's sources (written into ``tx`` when given,
    so that the map and its sidecar appear together)."""
    path = Path(path)
    named = export_layers(layers)
    report = ExportReport(notes=list(layers.notes))
    names = layers.dataset_names() | {"ne-admin0", "ocha-admin1"}  # base layers drawn
    sources = maps.sources_for(names)
    notes = [ledger_note()] if layers.zones is not None and len(layers.zones) else []
    return _sidecar(path, {n: len(f) for n, f in named.items()}, sources, notes + report.notes,
                    tx, drawn=map_description(layers, title))


def write_gpkg(layers: dict[str, gpd.GeoDataFrame], path: str | Path,
               report: ExportReport | None = None, *, force: bool = True) -> ExportReport:
    """Every layer in one GeoPackage. An existing file keeps its other layers: ours are added,
    or replaced when ``force`` (else :class:`geoclaims.outputs.OutputError` names them)."""
    report = report or ExportReport()
    path = Path(path)
    outputs.check_target(path, force=True)
    kept: list[str] = []
    if path.exists():
        try:
            existing = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
        except Exception as exc:  # not a GeoPackage: never clobbered
            raise outputs.OutputError(
                f"{path}: exists and is not a readable GeoPackage ({exc}); not replaced") from exc
        clash = [n for n in layers if n in existing]
        if clash and not force:
            raise outputs.OutputError(
                f"{path}: the GeoPackage has layer(s) {', '.join(clash)} already; use --force "
                "to replace them (its other layers are kept)")
        kept = [n for n in existing if n not in layers]
    with outputs.Transaction(force=True) as tx, outputs.deterministic():
        tmp = tx.path(path)
        if path.exists():
            shutil.copyfile(path, tmp)
        for name, frame in layers.items():
            pyogrio.write_dataframe(_prepare(frame), tmp, layer=name, driver="GPKG")
        note = [f"Other layers already in the file, kept as they were: {', '.join(kept)}."] \
            if kept else []
        _finish(path, layers, report, note, tx)
    return report


def geojson_paths(layers: dict[str, gpd.GeoDataFrame], path: str | Path) -> dict[str, Path]:
    """Where :func:`write_geojson` puts each layer: the events (or the only layer) at ``path``,
    every other layer beside it as ``STEM.LAYER.geojson``."""
    path = Path(path)
    main = "events" if "events" in layers else next(iter(layers), None)
    return {name: path if name == main else path.with_name(f"{path.stem}.{name}.geojson")
            for name in layers}


def write_geojson(layers: dict[str, gpd.GeoDataFrame], path: str | Path,
                  report: ExportReport | None = None, *, force: bool = True) -> ExportReport:
    """One GeoJSON file per layer (see :func:`geojson_paths`), each with its sidecar; all the
    files appear together or none does."""
    report = report or ExportReport()
    with outputs.Transaction(force=force) as tx:
        for name, target in geojson_paths(layers, path).items():
            pyogrio.write_dataframe(_prepare(layers[name]), tx.path(target), driver="GeoJSON")
            _finish(target, {name: layers[name]}, report, tx=tx)
    return report


def write_csv(events: gpd.GeoDataFrame | pd.DataFrame, path: str | Path,
              report: ExportReport | None = None, *, force: bool = True) -> ExportReport:
    """The events as CSV (UTF-8, no geometry column; ``lat``/``lon`` give the location)."""
    report = report or ExportReport()
    path = Path(path)
    frame = pd.DataFrame(events.drop(columns=events.geometry.name)
                         if isinstance(events, gpd.GeoDataFrame) else events)
    if "lat" not in frame and isinstance(events, gpd.GeoDataFrame):
        frame["lat"], frame["lon"] = events.geometry.y, events.geometry.x
    frame, changed = csv_safe_frame(frame)
    notes = [csv_safe_note(changed)] if changed else []
    gdf = events if isinstance(events, gpd.GeoDataFrame) else gpd.GeoDataFrame(events)
    with outputs.Transaction(force=force) as tx:
        frame.to_csv(tx.path(path), index=False, encoding="utf-8")
        _finish(path, {"events": gdf}, report, notes, tx)
    return report


def export(layers: maps.MapLayers, out: str | Path, *, force: bool = True) -> ExportReport:
    """Write a map's layers to ``out`` by its suffix: ``.gpkg`` (every layer), ``.geojson``
    (one file per layer), ``.csv`` (events)."""
    out = Path(out)
    named = export_layers(layers)
    report = ExportReport(notes=list(layers.notes), drawn=map_description(layers))
    suffix = out.suffix.lower()
    if not named:
        raise ValueError(f"{out}: nothing to export (no layer has rows)")
    if suffix == ".gpkg":
        return write_gpkg(named, out, report, force=force)
    if suffix == ".geojson":
        return write_geojson(named, out, report, force=force)
    if suffix == ".csv":
        if "events" not in named:
            raise ValueError(f"{out}: a CSV export holds events, and there are none")
        return write_csv(named["events"], out, report, force=force)
    raise ValueError(f"{out}: export formats are .gpkg, .geojson and .csv, not '{out.suffix}'")
