"""The ``geoclaims`` command line. Each command is a thin wrapper over one pipeline module.

    geoclaims data list | fetch [NAME] | verify      -> geoclaims.datasets
    geoclaims places FILE                             -> geoclaims.places
    geoclaims events ...                              -> geoclaims.events
    geoclaims control --date DATE ...                 -> geoclaims.control
    geoclaims claims [--study ID] ...                 -> geoclaims.claims
    geoclaims study new ARTICLE.txt --id ID           -> geoclaims.claims.scaffold
    geoclaims map ... [--timelapse]                   -> geoclaims.mapmaker, .animate
    geoclaims card ID --out card.png | --all --out-dir -> geoclaims.card

Error policy (one place: :func:`user_errors`, applied to every command): an error a user can
cause (a path, a permission, a full disk, a file format, an encoding, a delimiter, a compressed
file, an ambiguous date, a value out of range) ends in one line on stderr,
``geoclaims: error: FILE, row N, column 'F': ...`` where there is a file, row and field, and
exit status 1; never a traceback (``--debug``, before the command, shows it). An unexpected
error (a bug) also ends in one line, with exit status 70. A command that keeps no rows exits 1.
"""

from __future__ import annotations

import functools
import os
import sys
import traceback

import click
import typer

from geoclaims import datasets

app = typer.Typer(
    help="Test the geographic claims of news and opinion writing against open conflict data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="The dataset registry: list, fetch and verify inputs.", no_args_is_help=True)
app.add_typer(data_app, name="data")


#: Set by ``--debug`` (or GEOCLAIMS_DEBUG=1): errors show their traceback.
DEBUG = bool(os.environ.get("GEOCLAIMS_DEBUG"))
#: Exit status for an error the program did not expect (a bug), after sysexits' EX_SOFTWARE.
EXIT_INTERNAL = 70


@app.callback()
def main_options(
    debug: bool = typer.Option(False, "--debug", help="Show the traceback of an error."),
) -> None:
    """Test the geographic claims of news and opinion writing against open conflict data."""
    global DEBUG
    DEBUG = debug or bool(os.environ.get("GEOCLAIMS_DEBUG"))


def describe_error(exc: BaseException) -> tuple[str, int]:
    """One line for an exception and the exit status: user-caused errors 1, bugs 70."""
    from geoclaims import outputs

    if isinstance(exc, outputs.OutputError):
        return str(exc), 1
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text at byte {exc.start} ({exc.reason}); save the file as UTF-8", 1
    if isinstance(exc, MemoryError):
        return "out of memory; try a smaller file or narrower filters", 1
    if isinstance(exc, OSError):
        return outputs.describe_os_error(exc), 1
    if isinstance(exc, (ValueError, LookupError)) and exc.__class__.__module__.startswith(
            "geoclaims"):
        return str(exc), 1
    if isinstance(exc, (ValueError, LookupError)):  # third-party parsers on user input
        return f"{type(exc).__name__}: {exc}", 1
    message = (f"unexpected {type(exc).__name__}: {exc} (this is a bug in geoclaims; run again "
               "with --debug for the traceback and report it)")
    return message, EXIT_INTERNAL


def user_errors(command):
    """Decorator for every command: the error policy above, in one place."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (typer.Exit, click.exceptions.ClickException, click.exceptions.Abort,
                SystemExit):
            raise
        except KeyboardInterrupt:
            typer.echo("geoclaims: interrupted", err=True)
            raise typer.Exit(130) from None
        except Exception as exc:  # noqa: BLE001 - every error ends in one line
            if DEBUG:
                traceback.print_exc()
            message, code = describe_error(exc)
            fail(message, code)

    return wrapper


def check_output(path: str | None, *, force: bool, what: str = "output") -> None:
    """Before any work: the output file can be written (and may be replaced, with --force)."""
    if path is None:
        return
    from geoclaims import outputs

    outputs.check_target(path, force=force, what=what)


def report_load(load, rejects: str | None, force: bool) -> None:
    """Print a load report (kept, rejected by reason) and write the rejects with --rejects."""
    from geoclaims import events

    typer.echo(str(load.report), err=True)
    if rejects is not None:
        events.write_rejects(load, rejects, force=force)
        typer.echo(f"wrote {len(load.rejects)} rejected rows to {rejects}", err=True)


def no_rows(load) -> str | None:
    """Why a load leaves nothing to work on, or None."""
    rep = load.report
    if rep.rows_read == 0:
        return f"{rep.file}: the file has a header but no data rows; nothing to do"
    if rep.rows_kept == 0:
        reasons = "; ".join(f"{r}: {n}" for r, n in sorted(rep.rejected.items()))
        return (f"{rep.file}: no rows kept: {rep.rows_rejected} of {rep.rows_read} rows were "
                f"rejected ({reasons or 'no data rows'}); see --rejects FILE")
    if rep.rows_returned == 0:
        steps = "; ".join(f"{f['filter']}: removed {f['removed']}" for f in rep.filters)
        return f"{rep.file}: no events left after the filters ({steps})"
    return None


FORCE_HELP = "Replace an existing output file (otherwise refused)."
REJECTS_HELP = "Write the rejected rows (file, row, column, value, reason) to this CSV."
DATE_FORMAT_HELP = ("A strptime format for dates that are not unambiguous, e.g. %d/%m/%Y "
                    "(applies to --start/--end and to the file's dates).")


def emit(text: str | None, written: str) -> None:
    """Print an export's text to stdout, or, when it went to a file, say so on stderr."""
    if text is not None:
        sys.stdout.write(text)
    else:
        typer.echo(written, err=True)


def fail(message: str, code: int = 1) -> None:
    """Print an error to stderr (one line) and exit non-zero."""
    message = " ".join(str(message).split())
    typer.echo(f"geoclaims: error: {message}", err=True)
    raise typer.Exit(code)


@data_app.command("list")
@user_errors
def data_list() -> None:
    """Print every registered dataset with its file, version, licence and citation."""
    for ds in datasets.load_registry().values():
        typer.echo(f"{ds.name}")
        typer.echo(f"  file:     {ds.file}")
        if ds.version:
            typer.echo(f"  version:  {ds.version}")
        typer.echo(f"  url:      {ds.url or '(no direct download; offline mirror copy)'}")
        if ds.source_page:
            typer.echo(f"  source:   {ds.source_page}")
        typer.echo(f"  sha256:   {ds.sha256 or '(recorded on first download)'}")
        typer.echo(f"  licence:  {ds.licence}")
        typer.echo(f"  citation: {ds.citation}")
        if ds.on_demand:
            typer.echo("  fetched only when asked: geoclaims data fetch " + ds.name)


@data_app.command("fetch")
@user_errors
def data_fetch(
    name: str | None = typer.Argument(None, help="Dataset name; all pinned datasets if omitted."),
) -> None:
    """Fetch datasets (mirror first, then the official URL) and check their sha256."""
    registry = datasets.load_registry()
    names = [name] if name else [n for n, ds in registry.items() if not ds.on_demand]
    try:
        for n in names:
            path = datasets.fetch(n)
            typer.echo(f"{n}: {path}")
    except datasets.DataError as exc:
        fail(str(exc))


@data_app.command("verify")
@user_errors
def data_verify(
    name: list[str] | None = typer.Argument(None, help="Dataset names; all if omitted."),
) -> None:
    """Check every cached and mirrored copy against its registered sha256 (downloads nothing)."""
    try:
        checks = datasets.verify(name or None)
    except datasets.DataError as exc:
        fail(str(exc))
    bad = 0
    for c in checks:
        status = "OK  " if c.ok else "FAIL"
        typer.echo(f"{status} {c.name} [{c.where}] {c.path}: {c.message}")
        bad += not c.ok
    if bad:
        fail(f"{bad} of {len(checks)} checks failed")
    typer.echo(f"all {len(checks)} checks passed")


@app.command("places")
@user_errors
def places_cmd(
    file: str = typer.Argument(..., help="An article as a plain-text file (UTF-8; Latin-1 read with a warning)."),
    fmt: str = typer.Option("csv", "--format", help="csv or geojson."),
    out: str | None = typer.Option(None, "-o", "--output", help="Output file (default stdout)."),
    max_bytes: int = typer.Option(
        5_000_000, "--max-bytes", help="Refuse larger files (bytes); raise it for long texts."),
    acled: str | None = typer.Option(
        None, "--acled", help="An ACLED export (CSV) whose location names join the gazetteer."),
) -> None:
    """Find and geocode the place mentions of an article (English and French).

    Exits with status 3 (after writing the output) when the text yields no place mention."""
    from geoclaims import places

    try:
        parsed = places.parse_file(file, max_bytes=max_bytes, acled_file=acled)
        text = places.export(parsed, fmt, out)
    except places.InputError as exc:
        fail(str(exc))
    for w in parsed.warnings:
        typer.echo(f"geoclaims: warning: {w}", err=True)
    emit(text, f"wrote {len(parsed.rows)} place mentions to {out}")
    empty = places.no_mentions_warning(parsed)
    if empty:
        typer.echo(f"geoclaims: warning: {empty}", err=True)
        raise typer.Exit(3)


@app.command("events")
@user_errors
def events_cmd(
    dataset: str | None = typer.Option(None, "--dataset", help="Registry dataset name."),
    events_file: str | None = typer.Option(
        None, "--events", help="A UCDP GED (.csv/.zip/.gz) or ACLED CSV file."
    ),
    start: str | None = typer.Option(None, "--start", help="First date_start (YYYY-MM-DD)."),
    end: str | None = typer.Option(None, "--end", help="Last date_start (YYYY-MM-DD)."),
    actor: str | None = typer.Option(None, "--actor", help="Normalised group, e.g. isis."),
    fmt: str = typer.Option(..., "--format", help="csv, parquet or geojson."),
    out: str | None = typer.Option(None, "-o", "--output", help="Output file (default stdout)."),
    rejects: str | None = typer.Option(None, "--rejects", help=REJECTS_HELP),
    date_format: str | None = typer.Option(None, "--date-format", help=DATE_FORMAT_HELP),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Load conflict events into the common schema and export them; the load report (kept,
    rejected by reason) goes to stderr. Exits 1 when no rows are kept."""
    from geoclaims import events

    if (dataset is None) == (events_file is None):
        fail("give exactly one of --dataset NAME or --events FILE")
    if fmt not in events.EXPORT_FORMATS:  # fail before loading anything
        fail(f"unknown format {fmt!r}; use one of {', '.join(events.EXPORT_FORMATS)}")
    if fmt == "parquet" and out is None:
        fail("the parquet format needs an output file (-o FILE)")
    if actor is not None and actor not in events.actors.GROUPS:
        fail(f"unknown actor group {actor!r}; known: {', '.join(events.actors.GROUPS)}")
    check_output(out, force=force)
    check_output(rejects, force=force, what="rejects file")
    result = events.load(dataset, events_file, start=start, end=end, actor=actor, quiet=True,
                         date_format=date_format)
    report_load(result, rejects, force)
    top = list(result.report.unmapped_actors.items())[:10]
    if top:  # so a user can extend data/actor_aliases.csv
        typer.echo("  most frequent actor names not in data/actor_aliases.csv (uses):", err=True)
        for name, n in top:
            typer.echo(f"    {n:6d}  {name}", err=True)
    why = no_rows(result)
    if why:
        fail(why)
    text = events.export(result.events, fmt, out, force=force)
    emit(text, f"wrote {result.report.rows_returned} events to {out}")


def _iso_date(value: str) -> str:
    """``--date`` as YYYY-MM-DD: read at once when it is ISO (the point query stays light), else
    through the events stage's policy, which names an empty, ambiguous or impossible date."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        from geoclaims import events

        try:
            return events.parse_date(value, "date").date().isoformat()
        except events.EventDataError as exc:  # control takes no --date-format: only ISO dates
            fail(str(exc).split(", or say which with --date-format")[0])
            raise


@app.command("control")
@user_errors
def control_cmd(
    date: str | None = typer.Option(
        None, "--date", help="Date YYYY-MM-DD (2016-01-01..2019-11-30); needed with --format "
        "and --at, the default date with --points."),
    fmt: str | None = typer.Option(None, "--format", help="geojson or gpkg: write the zones."),
    out: str | None = typer.Option(None, "-o", "--output", help="Output file (default stdout)."),
    at: str | None = typer.Option(None, "--at", help="LAT,LON: print the controller there."),
    points: str | None = typer.Option(
        None, "--points", help="FILE.csv with columns lat,lon[,date][,label]: the controller at "
        "each point (CSV to stdout or -o; rows without a date use --date)."),
    coverage: bool = typer.Option(
        False, "--coverage", help="Print the ledger's coverage: per quarter, the share of UCDP "
        "events within 15 km of a valid anchor, and the largest populated-place gap."),
    force: bool = typer.Option(False, "--force", help="Replace an existing output file (a "
                               "GeoPackage keeps its other layers)."),
) -> None:
    """Zones of control on a date (property 'controller'), the controller at one point with the
    ledger rows behind it (--at), at many points (--points), or the ledger's coverage."""
    from geoclaims import control_query

    if sum(x is not None for x in (fmt, at, points)) + coverage != 1:
        fail("give exactly one of --format geojson|gpkg, --at LAT,LON, --points FILE.csv or "
             "--coverage")
    if date is None and (fmt is not None or at is not None):
        fail("--format and --at need --date YYYY-MM-DD")
    if date is not None:
        date = _iso_date(date)
    if at is not None:  # fast path: numpy, shapely and pyproj only (no pandas, no gazetteer)
        try:
            lat, lon = (float(v) for v in at.split(","))
        except ValueError:
            fail(f"--at must be LAT,LON in decimal degrees, not {at!r}")
        try:
            text = control_query.quick_describe(lat, lon, date)
        except (ValueError, FileNotFoundError) as exc:
            fail(str(exc))
        if text is not None:
            typer.echo(text)
            return
    from geoclaims import control

    try:
        if at is not None:
            typer.echo(control.describe_point(lat, lon, date))
            return
        if coverage:
            typer.echo(control.coverage_text(control.coverage()))
            return
        if points is not None:
            text = control.classify_points(points, date, out, force=force)
            emit(text, f"wrote the controller at the points of {points} to {out}")
            return
        if fmt not in ("geojson", "gpkg"):
            fail(f"--format must be geojson or gpkg, not {fmt!r}")
        if fmt == "gpkg" and out is None:
            fail("the gpkg format needs an output file (-o FILE)")
        text = control.export_zones(date, fmt, out, force=force)
    except (control.LedgerError, ValueError, datasets.DataError) as exc:
        fail(str(exc))
    emit(text, f"wrote the zones of {date} to {out}")


@app.command("claims")
@user_errors
def claims_cmd(
    fmt: str = typer.Option("json", "--format", help="json or csv."),
    out: str | None = typer.Option(None, "-o", "--output", help="Output file (default stdout)."),
    dataset: list[str] | None = typer.Option(
        None, "--dataset",
        help="Registry dataset(s) to load; repeat for several (default: the study's).",
    ),
    write: bool = typer.Option(
        False, "--write-outputs", help="Also write evidence CSVs and the dated findings file."
    ),
    study: str | None = typer.Option(
        None, "--study", help="A study folder or id under data/studies/ (default: the first)."
    ),
    us_held: str | None = typer.Option(
        None, "--us-held",
        help="Controllers counted as US-held, comma-separated (default: the study's).",
    ),
    events_file: list[str] | None = typer.Option(
        None, "--events",
        help="An events file (e.g. an ACLED export) as a source; repeat for several.",
    ),
    by_source: bool = typer.Option(
        False, "--by-source",
        help="Evaluate every claim on each source separately; write claims-by-source.csv.",
    ),
) -> None:
    """Test a study's registered claims; print the verdict table (id, verdict, estimate,
    ci_low, ci_high, n_events, rule, ...)."""
    from geoclaims import claims

    if fmt not in ("json", "csv"):
        fail(f"--format must be json or csv, not {fmt!r}")
    held = [x.strip() for x in us_held.split(",") if x.strip()] if us_held else None
    check_output(out, force=True)  # before the long computation
    # two or more sources (the study's dataset and an events file, or several datasets): every
    # claim is also evaluated on each source separately (issue 13)
    by_source = by_source or bool(events_file) or len(dataset or []) > 1
    try:
        if by_source:
            from geoclaims.claims import sources

            table, evals = sources.run_by_source(dataset or None, events_file or [],
                                                 study=study, us_held=held)
            reg = next(iter(evals.values())).registry
            typer.echo(f"wrote {sources.write_by_source(table, reg)}", err=True)
        result = claims.run(dataset or None, study=study, us_held=held,
                            events_files=events_file or [])
    except (claims.ClaimsError, datasets.DataError, ValueError) as exc:
        fail(str(exc))
    table = result.table
    text = claims.table_json(table) if fmt == "json" else claims.table_csv(table)
    if write:
        for path in claims.write_outputs(result).values():
            typer.echo(f"wrote {path}", err=True)
    if out:
        from geoclaims import outputs

        outputs.write_text(out, text, force=True)
        typer.echo(f"wrote {len(table)} claims to {out}", err=True)
    else:
        sys.stdout.write(text)


study_app = typer.Typer(help="Studies: a text and its claims, as data (data/studies/<id>/).")
app.add_typer(study_app, name="study")


@study_app.command("new")
def study_new(
    article: str = typer.Argument(..., help="The text file (UTF-8) the study tests."),
    study_id: str = typer.Option(..., "--id", help="The study's id (a folder name)."),
    root: str | None = typer.Option(
        None, "--root", help="Where the study folder goes (default data/studies/)."
    ),
) -> None:
    """Scaffold a study: study.yaml (the text by sha256, places found) and a claims.yaml of
    commented candidate claims, for you to register."""
    from geoclaims.claims import scaffold

    try:
        folder = scaffold.new_study(article, study_id, root=root)
    except (scaffold.ScaffoldError, OSError) as exc:
        fail(str(exc))
    typer.echo(f"wrote {folder / 'study.yaml'} and {folder / 'claims.yaml'}", err=True)


@app.command("map")
@user_errors
def map_cmd(
    out: str = typer.Option(
        ..., "--out", "-o",
        help="FILE.html (offline web map), .png/.svg (static map), .gpkg (every layer), "
        ".geojson (events; other layers beside it as FILE.LAYER.geojson), .csv (events), or "
        "with --timelapse .mp4/.webm/.gif.",
    ),
    dataset: str | None = typer.Option(
        None, "--dataset", help="Registry dataset name (default ucdp-ged-syria)."
    ),
    events_file: str | None = typer.Option(
        None, "--events", help="A UCDP GED (.csv/.zip/.gz) or ACLED CSV file."
    ),
    start: str | None = typer.Option(None, "--start", help="First date_start (YYYY-MM-DD)."),
    end: str | None = typer.Option(None, "--end", help="Last date_start (YYYY-MM-DD)."),
    actor: str | None = typer.Option(None, "--actor", help="Normalised actor group, e.g. isis."),
    controller: str | None = typer.Option(
        None, "--controller", help="Keep events in areas held by this controller, e.g. sdf."
    ),
    place: str | None = typer.Option(
        None, "--place", help="A place name (with --radius-km): drawn with a marker, a label "
        "and a circle of that radius."),
    radius_km: float | None = typer.Option(
        None, "--radius-km", help="Keep events within this many km of --place."
    ),
    date: str | None = typer.Option(
        None, "--date", help="The date of the zones of control shown (YYYY-MM-DD; default "
        "the period's end)."),
    article: bool = typer.Option(
        False, "--article", help="Also draw the places the article names."),
    title: str | None = typer.Option(None, "--title", help="Map title."),
    tiles: str | None = typer.Option(
        None, "--tiles", help="Web maps only: a basemap, e.g. OpenStreetMap (needs a network "
        "connection when the page is opened; off by default)."
    ),
    size: str | None = typer.Option(
        None, "--size", help="Static maps and time-lapses: social (1080x1080), wide "
        "(1200x675), story (1080x1920) or print-column (85 mm at 300 dpi)."),
    embed: bool = typer.Option(
        False, "--embed", help="Web maps: also write NAME.embed.html, an <iframe> snippet "
        "with a fixed aspect ratio and a visible credit line."),
    aspect: str = typer.Option("16:9", "--aspect", help="The embed's aspect ratio."),
    caption: bool = typer.Option(
        False, "--caption", help="Print a suggested caption and credit line (from the "
        "sidecar FILE.sources.txt)."),
    timelapse: bool = typer.Option(
        False, "--timelapse", help="A time-lapse (.mp4, .webm, .gif): the zones of control "
        "frame by frame with the events (default --actor isis) appearing and fading."),
    step: str = typer.Option("month", "--step", help="Time-lapse step: week, month, quarter."),
    fps: int = typer.Option(3, "--fps", help="Time-lapse frames per second."),
    rejects: str | None = typer.Option(None, "--rejects", help=REJECTS_HELP),
    date_format: str | None = typer.Option(None, "--date-format", help=DATE_FORMAT_HELP),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """A map, time-lapse or data export for publication, with sources and licences credited.
    The load report goes to stderr; no map is written (exit 1) when no events are left to
    draw."""
    from geoclaims import mapmaker

    if timelapse:
        for flag, value in (("--controller", controller), ("--date", date),
                            ("--tiles", tiles), ("--rejects", rejects),
                            ("--date-format", date_format)):
            if value is not None:
                fail(f"{flag} does not apply to --timelapse")
        if article or embed:
            fail("--article and --embed do not apply to --timelapse")
        if fps < 1 or fps > 30:
            fail(f"--fps must be between 1 and 30, got {fps}")
        result, files = mapmaker.write_timelapse(
            out, force=force, start=start or "2016-01-01", end=end or "2019-11-30", step=step,
            dataset=dataset, events_file=events_file, actor=actor or "isis", place=place,
            radius_km=radius_km, size=size or "wide", fps=fps, title=title)
        for line in result.filters:
            typer.echo(f"{line['filter']}: removed {line['removed']}", err=True)
        typer.echo(result.summary(), err=True)
        typer.echo(f"wrote {files[1]}", err=True)
        if caption:
            sys.stdout.write(mapmaker.caption(out))
        return
    check_output(rejects, force=force, what="rejects file")

    def loaded(load) -> None:
        report_load(load, rejects, force)
        why = no_rows(load)
        if why:
            fail(why + "; no map written")

    result = mapmaker.make_map(
        out, dataset=dataset, events_file=events_file, start=start, end=end, actor=actor,
        controller=controller, place=place, radius_km=radius_km, title=title, tiles=tiles,
        force=force, date_format=date_format, on_load=loaded, date=date, article=article,
        size=size, embed_aspect=aspect if embed else None,
    )
    typer.echo(result.summary(), err=True)
    if caption:
        sys.stdout.write(mapmaker.caption(out))


@app.command("card")
@user_errors
def card_cmd(
    claim_id: str | None = typer.Argument(None, help="A claim id of the study (or --all)."),
    out: str | None = typer.Option(None, "--out", "-o", help="FILE.png, .pdf or .svg."),
    all_claims: bool = typer.Option(False, "--all", help="One card per claim of the study."),
    out_dir: str | None = typer.Option(
        None, "--out-dir", help="With --all: the folder for card-ID.png (and the other "
        "--format files)."),
    fmt: list[str] | None = typer.Option(
        None, "--format", help="With --all: png, pdf or svg; repeat for several (default png)."),
    study: str | None = typer.Option(
        None, "--study", help="A study folder or id under data/studies/ (default: the first)."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """A fact-check card per claim: the article's words, our reading, the verdict and estimate
    in plain words, a small map of the evidence, the main caveat, the data period, credits.
    Needs the study's verdict table (``make all`` or ``geoclaims claims --study ID
    --write-outputs``)."""
    from pathlib import Path

    from geoclaims import card, claims
    from geoclaims.claims.verdicts import outputs_dir

    if all_claims == (claim_id is not None):
        fail("give a claim id of the study, or --all")
    if all_claims and (out_dir is None or out is not None):
        fail("--all writes into --out-dir DIR (not --out)")
    if not all_claims and (out is None or out_dir is not None):
        fail("a single card needs --out FILE.png|.pdf|.svg")
    formats = [f.lower().lstrip(".") for f in (fmt or ["png"])]
    for f in formats:
        if "." + f not in card.FORMATS:
            fail(f"--format must be png, pdf or svg, not {f!r}")
    reg = claims.load_registry(study=study)
    where = outputs_dir(reg)
    if not (where / "claims-verdicts.csv").is_file():
        fail(f"no verdict table for study '{reg.study_id}' in {where}: run `make all` or "
             f"`geoclaims claims --study {reg.study_id} --write-outputs` first")
    ids = [c.id for c in reg.claims] if all_claims else [claim_id]
    targets = ([(cid, Path(out_dir) / f"card-{cid}.{f}") for cid in ids for f in formats]
               if all_claims else [(claim_id, Path(out))])
    if all_claims:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
    for _, target in targets:  # every target checked before any card is drawn
        if target.suffix.lower() not in card.FORMATS:
            fail(f"--out {target}: a card is one of {', '.join(card.FORMATS)}")
        check_output(str(target), force=force, what="card")
    contents: dict[str, object] = {}
    for cid, target in targets:
        if cid not in contents:
            contents[cid] = card.content_for(cid, outputs=where, registry=reg)
        card.render(contents[cid], target)
        typer.echo(f"wrote {target}", err=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
