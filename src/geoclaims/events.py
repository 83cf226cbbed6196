"""Conflict events in one schema: UCDP GED (19.1 and 23.1+ layouts) and ACLED exports.

Stage 3 of the pipeline (``datasets -> article -> places -> events -> ...``).

    from geoclaims import events
    ev = events.load("ucdp-ged-syria")            # or events.load(path="export.csv")
    ev.events    # GeoDataFrame, EPSG:4326, columns EVENT_COLUMNS (data/event_schema.csv)
    ev.rejects   # DataFrame: file, row, event_id, column, value, reason, message
    ev.report    # LoadReport: rows read / kept / rejected by reason, flags, duplicates, filters
    print(ev.report)

What happens to bad input (each case has a test in tests/test_events.py):

- empty file (no bytes, or no header) -> :class:`EventDataError`
- truncated or corrupt zip, or a zip without exactly one CSV -> :class:`EventDataError`
- header that matches no known layout (including a known layout with a column missing) ->
  :class:`EventDataError` listing, for each known layout, the columns that are missing
- a row with a missing, unparseable or impossible date (also: before 1946, in the future) or
  coordinate, a missing event id, or
  ``date_end`` before ``date_start`` -> the rejects table with the reason and the value
- a point outside its declared country that falls inside it with lat and lon exchanged ->
  rejected as ``lat/lon swapped`` (reported, never silently fixed)
- any other point outside its declared country -> kept, ``qc_flags`` contains ``outside_country``
- the second and later rows with an event id already seen -> rejected as ``duplicate event_id``
  (the report lists the ids)
- names the alias table does not know -> group ``unknown``, listed in ``report.unmapped_actors``

``strict=True`` turns the first rejected row into an :class:`EventDataError` instead.

Loaded files are cached as Parquet under ``paths.CACHE/events/<sha256 of the input file>/``
together with the rejects and the report; the cache is rebuilt when the schema version, the alias
table or the country polygons change.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import time
import zipfile
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoclaims import actors, datasets, paths, regions, style

log = logging.getLogger(__name__)

SCHEMA_VERSION = "1"
SCHEMA_FILE = "event_schema.csv"

#: The agreed event columns (docs/CONVENTIONS.md), then this module's additions.
AGREED_COLUMNS: tuple[str, ...] = (
    "dataset", "event_id", "date_start", "date_end", "date_precision",
    "lat", "lon", "geometry", "loc_precision", "loc_precision_source", "precise",
    "country", "admin1", "admin2", "event_type", "side_a", "side_b",
    "side_a_group", "side_b_group", "isis", "deaths_best", "deaths_low", "deaths_high",
    "headline",
)  # fmt: skip
EXTRA_COLUMNS: tuple[str, ...] = ("clarity", "qc_flags", "source_row")
EVENT_COLUMNS: tuple[str, ...] = AGREED_COLUMNS + EXTRA_COLUMNS
REJECT_COLUMNS: tuple[str, ...] = (
    "file", "row", "event_id", "column", "value", "reason", "message",
)  # fmt: skip

# --- layouts ---------------------------------------------------------------------------------

UCDP_191: tuple[str, ...] = (
    "id", "year", "active_year", "type_of_violence", "conflict_new_id", "conflict_name",
    "dyad_new_id", "dyad_name", "side_a_new_id", "side_a", "side_b_new_id", "gwnob", "side_b",
    "number_of_sources", "source_article", "source_office", "source_date", "source_headline",
    "source_original", "where_prec", "where_coordinates", "adm_1", "adm_2", "latitude",
    "longitude", "geom_wkt", "priogrid_gid", "country", "country_id", "region", "event_clarity",
    "date_prec", "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians",
    "deaths_unknown", "low", "best", "high",
)  # fmt: skip
UCDP_231: tuple[str, ...] = UCDP_191 + (
    "relid", "code_status", "conflict_dset_id", "dyad_dset_id", "side_a_dset_id",
    "side_b_dset_id", "where_description", "gwnoa",
)  # fmt: skip
#: The ACLED export columns the loader uses (current layout; other columns are ignored).
ACLED: tuple[str, ...] = (
    "event_id_cnty", "event_date", "year", "time_precision", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "country",
    "admin1", "admin2", "location", "latitude", "longitude", "geo_precision", "source", "notes",
    "fatalities", "timestamp",
)  # fmt: skip
#: The columns the loader reads from each source (the layout's other columns are checked for in
#: the header, not read: less memory and time on large files).
USED_COLUMNS: dict[str, tuple[str, ...]] = {
    "ucdp": ("id", "date_start", "date_end", "date_prec", "where_prec", "adm_1", "adm_2",
             "type_of_violence", "side_a", "side_b", "best", "low", "high", "source_headline",
             "event_clarity", "country", "latitude", "longitude"),
    "acled": ("event_id_cnty", "event_date", "time_precision", "geo_precision", "admin1",
              "admin2", "event_type", "sub_event_type", "actor1", "actor2", "fatalities",
              "notes", "country", "latitude", "longitude", "assoc_actor_1", "assoc_actor_2"),
}
#: Layout name -> (source, required columns). Tried in this order; the first that fits wins.
LAYOUTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ucdp-ged-23.1": ("ucdp", UCDP_231),
    "ucdp-ged-19.1": ("ucdp", UCDP_191),
    "acled": ("acled", ACLED),
}

#: UCDP type_of_violence -> event_type
UCDP_VIOLENCE = {"1": "state-based", "2": "non-state", "3": "one-sided"}
#: Source precision codes -> the common location-precision scale (data/event_schema.csv).
LOC_SCALE = {
    1: "exact location",
    2: "within about 25 km of a known point",
    3: "second-order administrative unit (district)",
    4: "first-order administrative unit (governorate/province)",
    5: "a larger area, a line, or a region spanning units",
    6: "country only",
    7: "international waters or airspace",
}
UCDP_WHERE_PREC = {i: i for i in range(1, 8)}
ACLED_GEO_PRECISION = {1: 1, 2: 2, 3: 4}
#: Common date-precision scale: 1 day, 2 within a week, 3 within a month, 4 longer.
DATE_SCALE = {1: "exact day", 2: "within a week", 3: "within a month", 4: "more than a month"}
UCDP_DATE_PREC = {1: 1, 2: 2, 3: 2, 4: 3, 5: 4}
ACLED_TIME_PRECISION = {1: 1, 2: 2, 3: 3}
#: Dates before this are rejected as impossible (UCDP GED starts in 1989, ACLED in 1997).
EARLIEST_DATE = pd.Timestamp("1946-01-01")


class EventDataError(ValueError):
    """Input the loader cannot use; the message names the file, and row, column and value
    where there is one."""

    def __init__(
        self,
        message: str,
        *,
        file: str | os.PathLike | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
    ):
        parts = [str(file)] if file is not None else []
        if row is not None:
            parts.append(f"row {row}")
        if column is not None:
            parts.append(f"column '{column}'")
        if value is not None:
            parts.append(f"value {str(value)[:80]!r}")
        prefix = ", ".join(parts)
        super().__init__(f"{prefix}: {message}" if prefix else message)
        self.file, self.row, self.column, self.value = file, row, column, value


def shown_path(path: object) -> str:
    """A file as a report shows it: relative to the repository (``data/cache/downloads/x``)
    or to the cache folder (``<cache>/x``) when under either, so printed reports and the pages
    built from them never show the absolute paths of the machine that ran them; any other
    file (a user's own export) as given."""
    for base, prefix in ((paths.ROOT, ""), (paths.CACHE, "<cache>/")):
        rel = paths.relative(str(path), base)
        if rel is not None:
            return prefix + rel
    return str(path)


@dataclass
class LoadReport:
    """What one load read, kept, rejected and flagged. ``str()`` gives a readable summary."""

    file: str
    dataset: str
    layout: str
    sha256: str
    rows_read: int = 0
    rows_kept: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    flagged: dict[str, int] = field(default_factory=dict)
    duplicate_ids: list[str] = field(default_factory=list)
    conflicting_ids: list[str] = field(default_factory=list)
    delimiter: str = ","
    notes: list[str] = field(default_factory=list)
    unmapped_actors: dict[str, int] = field(default_factory=dict)
    actor_uses: int = 0
    event_types: dict[str, int] = field(default_factory=dict)
    countries_not_checked: dict[str, int] = field(default_factory=dict)
    filters: list[dict] = field(default_factory=list)
    rows_returned: int = 0
    from_cache: bool = False
    seconds: float = 0.0

    @property
    def rows_rejected(self) -> int:
        return sum(self.rejected.values())

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        lines = [
            (
                f"events: {shown_path(self.file)} [{self.layout}] as '{self.dataset}'"
                f"{' (from cache)' if self.from_cache else ''} in {self.seconds:.2f} s"
            ),
            f"  rows read {self.rows_read}, kept {self.rows_kept}, rejected {self.rows_rejected}",
        ]
        for reason, n in sorted(self.rejected.items()):
            lines.append(f"    rejected: {reason}: {n}")
        for flag, n in sorted(self.flagged.items()):
            lines.append(f"    flagged (kept): {flag}: {n}")
        if self.duplicate_ids:
            shown = ", ".join(self.duplicate_ids[:10])
            more = (
                f" and {len(self.duplicate_ids) - 10} more" if len(self.duplicate_ids) > 10 else ""
            )
            lines.append(f"    duplicate event ids: {shown}{more}")
        if self.conflicting_ids:
            shown = ", ".join(self.conflicting_ids[:10])
            more = (f" and {len(self.conflicting_ids) - 10} more"
                    if len(self.conflicting_ids) > 10 else "")
            lines.append(f"    CONFLICTS: same event id, different content: {shown}{more}")
        for flag in sorted(self.flagged):
            for suffix in ("_negative", "_fractional", "_not_a_number"):
                if flag.startswith("deaths_") and flag.endswith(suffix):
                    lines.append(
                        f"    note: {self.flagged[flag]} rows have a {suffix[1:].replace('_', ' ')}"
                        f" {flag[:-len(suffix)]}: not a count, kept with that value left blank")
        if self.delimiter != ",":
            lines.append(f"    note: the file is delimited by {self.delimiter!r}, not commas")
        for note in self.notes:
            lines.append(f"    note: {note}")
        if self.unmapped_actors:
            n_unknown = sum(self.unmapped_actors.values())
            share = f" of {self.actor_uses} ({n_unknown / self.actor_uses:.1%})" if (
                self.actor_uses) else ""
            lines.append(
                f"    actor names not in the alias table (group 'unknown'): "
                f"{len(self.unmapped_actors)} names, {n_unknown} uses{share}"
            )
        if self.event_types:
            shown = ", ".join(f"{k} {v}" for k, v in self.event_types.items())
            lines.append(f"  event types: {shown}")
        if self.countries_not_checked:
            n = sum(self.countries_not_checked.values())
            lines.append(
                f"    coordinates not checked against a country polygon: {n} rows in "
                f"{len(self.countries_not_checked)} countries"
            )
        for f in self.filters:
            lines.append(f"  filter {f['filter']}: removed {f['removed']}")
        if self.filters:
            lines.append(f"  rows returned {self.rows_returned}")
        return "\n".join(lines)


@dataclass
class EventLoad:
    """The result of :func:`load`."""

    events: gpd.GeoDataFrame
    rejects: pd.DataFrame
    report: LoadReport

    def __repr__(self) -> str:
        return (
            f"EventLoad({self.report.dataset!r}: {len(self.events)} events, "
            f"{len(self.rejects)} rejects)"
        )


# --- reading ---------------------------------------------------------------------------------


#: Leading bytes of files that are not CSV text, for a clear message instead of "not UTF-8".
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"BZh", "a bzip2-compressed file (decompress it first: bunzip2)"),
    (b"\xfd7zXZ\x00", "an xz-compressed file (decompress it first: unxz)"),
    (b"7z\xbc\xaf", "a 7-Zip archive (extract the CSV first)"),
    (b"Rar!", "a RAR archive (extract the CSV first)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel/Office document (save it as CSV, UTF-8)"),
    (b"SQLite format 3", "an SQLite database (a GeoPackage?); give a CSV export"),
    (b"PAR1", "a Parquet file; give the CSV export"),
)
#: Delimiters recognised in the header line (the first that is most frequent wins).
DELIMITERS = (",", ";", "\t", "|")
#: Files larger than this (bytes, as stored) are refused: a guard against reading a
#: wrong file; set GEOCLAIMS_MAX_EVENTS_BYTES to change it.
MAX_BYTES = int(os.environ.get("GEOCLAIMS_MAX_EVENTS_BYTES") or 8 * 1024**3)


def _open_binary(path: Path):
    """A binary stream of the CSV text: the file itself, the one CSV in a zip, or gunzipped."""
    with open(path, "rb") as fh:
        magic = fh.read(16)
    if magic[:2] == b"PK" or path.suffix.lower() == ".zip":
        return _zip_member_stream(path)
    if magic[:2] == b"\x1f\x8b":
        import gzip

        return gzip.open(path, "rb")
    for sig, what in MAGIC:
        if magic.startswith(sig):
            raise EventDataError(f"this is {what}, not a CSV text file", file=path)
    return open(path, "rb")


def _head(path: Path, n: int = 65536) -> bytes:
    try:
        with _open_binary(path) as fh:
            return fh.read(n)
    except (OSError, EOFError, zlib.error) as exc:
        raise EventDataError(f"truncated or corrupt compressed file ({type(exc).__name__}: "
                             f"{exc})", file=path) from exc


def _locate_decode_error(path: Path, sep: str, header: list[str]) -> str:
    """Where the first byte that is not UTF-8 is: data row, line, field, byte (slow path)."""
    with _open_binary(path) as fh:
        data = fh.read()
    try:
        data.decode("utf-8-sig")
        return "not UTF-8 text"
    except UnicodeDecodeError as exc:
        offset = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, offset) + 1
    col = data[line_start:offset].count(sep.encode())
    field = header[col] if col < len(header) else f"#{col + 1}"
    byte = data[offset:offset + 1].hex()
    where = f"row {line - 1} (line {line})" if line > 1 else "the header (line 1)"
    return (f"{where}, field '{field}': not UTF-8 text (byte 0x{byte} at offset {offset}); "
            "save the file as UTF-8")


def sniff_delimiter(header_line: str) -> str:
    """The delimiter of a CSV from its header line: the most frequent of :data:`DELIMITERS`."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])  # ties: the earlier (comma first)
    return best if counts[best] else ","


#: Columns whose values repeat (codes, numbers, dates, coordinates, admin names): the fast
#: reader keeps them dictionary-encoded (pandas categoricals of strings), which holds each
#: distinct value once; the loader parses them once per distinct value.
REPEATING_COLUMNS = frozenset({
    "date_start", "date_end", "date_prec", "where_prec", "adm_1", "adm_2", "best", "low",
    "high", "event_clarity", "country", "latitude", "longitude",
    "event_date", "time_precision", "geo_precision", "admin1", "admin2", "fatalities",
})  # fmt: skip


def _read_arrow(path: Path, sep: str, header: list[str], columns: list[str]) -> pd.DataFrame | None:
    """The fast path: pyarrow's CSV reader, every column as a string (those in
    :data:`REPEATING_COLUMNS` as categoricals of strings), empty cells as ``""``.
    ``None`` when pyarrow cannot parse the file (the pandas path then gives the exact error)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    def attempt(newlines: bool):
        with _open_binary(path) as fh:
            return pacsv.read_csv(
                fh,
                read_options=pacsv.ReadOptions(skip_rows=1, column_names=header),
                parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=newlines),
                convert_options=pacsv.ConvertOptions(
                    include_columns=columns,
                    column_types={c: pa.dictionary(pa.int32(), pa.large_string())
                                  if c in REPEATING_COLUMNS else pa.large_string()
                                  for c in columns},
                    strings_can_be_null=False, quoted_strings_can_be_null=False,
                ),
            )

    try:
        # line breaks inside quoted values are allowed (UCDP's source fields have them); the
        # parallel no-line-break mode fails late on such files, so it is not tried first
        table = attempt(True)
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc) or "utf8" in str(exc).lower():
            raise EventDataError(_locate_decode_error(path, sep, header), file=path) from exc
        log.info("%s: pyarrow could not parse it (%s); reading with pandas", path, exc)
        return None
    except (EOFError, zlib.error, zipfile.BadZipFile, OSError) as exc:
        err = _compressed_error(path, exc)
        if err is None:
            raise
        raise err from exc
    df = table.to_pandas(self_destruct=True, split_blocks=True)  # frees the table as it goes
    del table
    _release_memory()  # the parser's buffers, kept by Arrow's allocator for reuse
    return df


def _compressed_error(path: Path, exc: BaseException) -> EventDataError | None:
    """A read that failed inside a compressed stream, as one clear error (``None`` for any
    other OS error, which the caller lets through)."""
    if isinstance(exc, (EOFError, zlib.error, zipfile.BadZipFile)):
        return EventDataError(f"truncated or corrupt compressed file ({type(exc).__name__}: "
                              f"{exc})", file=path)
    if "gzip" in str(exc).lower() or "compressed" in str(exc).lower():
        return EventDataError(f"truncated or corrupt gzip file ({exc})", file=path)
    return None


def _release_memory() -> None:
    """Return the memory Arrow's allocator holds unused to the system (after the reader's
    buffers and the loader's intermediate columns are freed), so that the next large
    allocations (by numpy, GEOS) do not come on top of it."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def _read_pandas(path: Path, sep: str, header: list[str], header_text: str,
                 wanted: list[int] | None) -> pd.DataFrame:
    """The general path: pandas' C parser (exact line numbers in its errors)."""
    try:
        with _open_binary(path) as fh:
            df = pd.read_csv(
                fh,
                sep=sep,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                encoding="utf-8-sig",
                usecols=wanted,
                engine="c",
            )
    except pd.errors.EmptyDataError as exc:
        raise EventDataError("the file is empty (no header line)", file=path) from exc
    except pd.errors.ParserError as exc:
        hint = ""
        if sep == ",":
            others = {d: header_text.count(d) for d in DELIMITERS[1:] if header_text.count(d)}
            if others:
                hint = f" (the header also has {others}; is the delimiter right?)"
        raise EventDataError(f"not a readable CSV with delimiter {sep!r}: {exc}{hint}",
                             file=path) from exc
    except UnicodeDecodeError as exc:
        raise EventDataError(_locate_decode_error(path, sep, header), file=path) from exc
    except (EOFError, zlib.error, zipfile.BadZipFile, OSError) as exc:
        err = _compressed_error(path, exc)
        if err is None:
            raise
        raise err from exc
    return df


def read_table(path: Path, *, columns: dict[str, tuple[str, ...]] | None = None) -> pd.DataFrame:
    """Read a plain, zipped or gzipped CSV as strings (no NA guessing); clear errors for bad
    files. The delimiter (``,`` ``;`` tab ``|``) is detected from the header; the table's
    ``attrs`` hold ``delimiter`` and ``layout``. With ``columns`` (layout -> required columns,
    default :data:`LAYOUTS`) only the columns of the detected layout are read."""
    path = Path(path)
    if not path.exists():
        raise EventDataError("file not found", file=path)
    if path.is_dir():
        raise EventDataError("is a folder, not a file", file=path)
    if path.stat().st_size == 0:
        raise EventDataError("the file is empty (0 bytes)", file=path)
    if path.stat().st_size > MAX_BYTES:
        raise EventDataError(
            f"the file is {path.stat().st_size / 2**30:.1f} GB, over the limit of "
            f"{MAX_BYTES / 2**30:.1f} GB; set GEOCLAIMS_MAX_EVENTS_BYTES to read it", file=path)
    head = _head(path)
    if not head.strip():
        raise EventDataError("the file is empty (no header line)", file=path)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):  # the ACLED API's JSON
        from geoclaims import acled

        with _open_binary(path) as fh:
            return acled.json_table(fh.read(), path)
    if b"\x00" in head[:8192]:
        raise EventDataError("this is a binary file (it holds NUL bytes), not a CSV text file; "
                             "UTF-16 text must be saved as UTF-8", file=path)
    first = head.split(b"\n", 1)[0].rstrip(b"\r")
    header_text = first.decode("utf-8-sig", errors="replace")
    sep = sniff_delimiter(header_text)
    lines = head.split(b"\n", 2)
    if len(lines) > 2 or (len(lines) == 2 and lines[1].strip()):
        row1 = lines[1].decode("utf-8", errors="replace")
        if header_text.count(sep) >= 2 and row1.strip() and row1.count(sep) == 0:
            others = {d: row1.count(d) for d in DELIMITERS if d != sep and row1.count(d)}
            raise EventDataError(
                f"row 1 (line 2): the header is delimited by {sep!r} but this row has no "
                f"{sep!r}" + (f" (it has {others})" if others else "")
                + "; the file mixes delimiters", file=path)
    header = [c.strip().strip('"').strip() for c in header_text.split(sep)]
    wanted = None
    layout = None
    if columns is None:
        columns = {name: req for name, (_, req) in LAYOUTS.items()}
    for name, req in columns.items():
        if set(header).issuperset(req):
            layout = name
            if '"' not in header_text:  # a plain header: the columns are where split() says
                used = USED_COLUMNS.get(LAYOUTS[name][0], req) if name in LAYOUTS else req
                keep = set(used)
                wanted = [i for i, c in enumerate(header) if c in keep]
            break
    df = None
    if layout is not None and wanted is not None and len(set(header)) == len(header):
        df = _read_arrow(path, sep, header, [header[i] for i in wanted])
    if df is None:
        df = _read_pandas(path, sep, header, header_text, wanted)
    df.columns = [str(c).strip() for c in df.columns]
    df.attrs["delimiter"] = sep
    df.attrs["layout"] = layout
    return df


def _zip_member_stream(path: Path):
    try:
        zf = zipfile.ZipFile(path)
        members = [m for m in zf.namelist() if m.lower().endswith(".csv")]
        if len(members) != 1:
            zf.close()
            raise EventDataError(
                f"the zip archive holds {len(members)} CSV files "
                f"({', '.join(members) or 'none'}); expected exactly one",
                file=path,
            )
        return zf.open(members[0])
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as exc:
        raise EventDataError(
            f"truncated or corrupt zip archive ({type(exc).__name__}: {exc})", file=path
        ) from exc


def detect_layout(columns: list[str], file: str | os.PathLike = "<input>") -> str:
    """The name of the first layout in :data:`LAYOUTS` whose columns are all present.

    Raises :class:`EventDataError` listing, for each layout, the columns missing.
    """
    have = set(columns)
    for name, (_, required) in LAYOUTS.items():
        if have.issuperset(required):
            return name
    gaps = sorted(
        ((name, [c for c in req if c not in have]) for name, (_, req) in LAYOUTS.items()),
        key=lambda item: len(item[1]),
    )
    detail = "; ".join(f"{name}: missing {', '.join(miss)}" for name, miss in gaps)
    raise EventDataError(f"the header matches no known layout ({detail})", file=file)


# --- normalising -----------------------------------------------------------------------------


class _Rejects:
    """Collects rejected rows (each data row at most once: the first reason wins)."""

    def __init__(self, file: str, n: int):
        self.file = file
        self.bad = np.zeros(n, dtype=bool)
        self.records: list[dict] = []

    def add(self, mask: np.ndarray, ids: pd.Series, column: str, values: pd.Series, reason: str):
        mask = np.asarray(mask, dtype=bool) & ~self.bad
        for i in np.flatnonzero(mask):
            row = int(i) + 1
            value = str(values.iloc[i])
            self.records.append(
                {
                    "file": self.file,
                    "row": row,
                    "event_id": str(ids.iloc[i]),
                    "column": column,
                    "value": value,
                    "reason": reason,
                    "message": f"{self.file}, row {row}, column '{column}', "
                    f"value {value[:80]!r}: {reason}",
                }
            )
        self.bad |= mask

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame.from_records(self.records, columns=list(REJECT_COLUMNS))
        df["row"] = df["row"].astype("int64")
        return df.sort_values("row", kind="stable").reset_index(drop=True)


def _per_value(values: pd.Series, func) -> pd.Series:
    """``func(values)``, computed once per distinct value when ``values`` is a categorical
    (each category once, then spread to the rows by the codes); the rows' own index kept."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return func(values)
    cats = values.cat.categories
    codes = values.cat.codes.to_numpy()
    if not len(codes) or codes.min() < 0:  # no rows, or a missing value (the reader gives none)
        return func(values.astype(str))
    result = func(pd.Series(cats, index=pd.RangeIndex(len(cats)), dtype=cats.dtype))
    out = result.take(codes)
    out.index = values.index
    return out


def _blank(values: pd.Series) -> np.ndarray:
    """Rows whose text is empty or only white space."""
    return _per_value(values, lambda s: s.astype(str).str.strip() == "").to_numpy(dtype=bool)


def _parse_dates(values: pd.Series, formats: tuple[str, ...]) -> pd.Series:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return _per_value(values, lambda s: _parse_dates(s, formats))
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    text = values.str.strip()
    for fmt in formats:
        todo = out.isna() & (text != "")
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        out[todo] = parsed.astype("datetime64[us]")
    return out


def _to_number(values: pd.Series) -> pd.Series:
    """Numbers from text; blank or unparseable -> NaN. Fast path: pyarrow casts a clean column
    in one go; a column with any unparseable cell goes through ``pd.to_numeric``."""
    import pyarrow as pa
    import pyarrow.compute as pac

    if isinstance(values.dtype, pd.CategoricalDtype):
        return _per_value(values, _to_number)
    try:
        arr = pac.utf8_trim_whitespace(pa.array(values))
        arr = pac.if_else(pac.equal(arr, ""), pa.scalar(None, pa.string()), arr)
        num = pac.cast(arr, pa.float64())
        return pd.Series(num.to_numpy(zero_copy_only=False), index=values.index, dtype=float)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        return pd.to_numeric(values.str.strip().replace("", None), errors="coerce")


def _to_code(values: pd.Series, mapping: dict[int, int]) -> pd.Series:
    num = _to_number(values)
    out = pd.Series(pd.NA, index=values.index, dtype="Int64")
    for src, dst in mapping.items():
        out[(num == src).fillna(False).to_numpy()] = dst
    return out


def _to_int(values: pd.Series) -> pd.Series:
    num = _to_number(values)
    ok = num.notna() & (num == num.round()) & (num >= 0)
    return num.where(ok).astype("Int64")


def _normalise(raw: pd.DataFrame, source: str, amap: actors.ActorMap) -> pd.DataFrame:
    """Map a source table (all strings) to the event columns (no validation yet)."""
    g = raw.get
    n = len(raw)
    out = pd.DataFrame(index=raw.index)
    if source == "ucdp":
        out["event_id"] = g("id").str.strip()
        out["_date_start"] = g("date_start")
        out["_date_end"] = g("date_end")
        out["date_precision"] = _to_code(g("date_prec"), UCDP_DATE_PREC)
        out["_date_prec_raw"] = g("date_prec")
        out["loc_precision"] = _to_code(g("where_prec"), UCDP_WHERE_PREC)
        out["loc_precision_source"] = _per_value(g("where_prec"),
                                                 lambda v: "where_prec=" + v.str.strip())
        out["precise"] = out["loc_precision"].fillna(99).le(2).astype(bool)
        out["_loc_raw"] = g("where_prec")
        out["admin1"] = g("adm_1")
        out["admin2"] = g("adm_2")
        out["event_type"] = g("type_of_violence").str.strip().map(UCDP_VIOLENCE)
        out["side_a"] = g("side_a")
        out["side_b"] = g("side_b")
        sep: str | None = ","
        out["deaths_best"] = _to_int(g("best"))
        out["deaths_low"] = _to_int(g("low"))
        out["deaths_high"] = _to_int(g("high"))
        out["_deaths_raw"] = g("best")
        out["_deaths_low_raw"] = g("low")
        out["_deaths_high_raw"] = g("high")
        out["headline"] = g("source_headline")
        out["clarity"] = _to_number(g("event_clarity")).astype("Int64")
    else:
        out["event_id"] = g("event_id_cnty").str.strip()
        out["_date_start"] = g("event_date")
        out["_date_end"] = g("event_date")
        out["date_precision"] = _to_code(g("time_precision"), ACLED_TIME_PRECISION)
        out["_date_prec_raw"] = g("time_precision")
        out["loc_precision"] = _to_code(g("geo_precision"), ACLED_GEO_PRECISION)
        out["loc_precision_source"] = _per_value(g("geo_precision"),
                                                 lambda v: "geo_precision=" + v.str.strip())
        out["precise"] = (_to_number(g("geo_precision")) == 1).fillna(False).astype(bool)
        out["_loc_raw"] = g("geo_precision")
        out["admin1"] = g("admin1")
        out["admin2"] = g("admin2")
        et, sub = g("event_type").str.strip(), g("sub_event_type").str.strip()
        out["event_type"] = et.where(sub == "", et + ": " + sub)
        out["side_a"] = g("actor1")
        out["side_b"] = g("actor2")
        sep = None
        out["deaths_best"] = _to_int(g("fatalities"))
        out["deaths_low"] = pd.Series(pd.NA, index=raw.index, dtype="Int64")
        out["deaths_high"] = pd.Series(pd.NA, index=raw.index, dtype="Int64")
        out["_deaths_raw"] = g("fatalities")
        out["_deaths_low_raw"] = ""
        out["_deaths_high_raw"] = ""
        out["headline"] = g("notes")
        out["clarity"] = pd.Series(pd.NA, index=raw.index, dtype="Int64")
    out["country"] = _per_value(g("country"), lambda v: v.str.strip())
    out["_lat"] = g("latitude")
    out["_lon"] = g("longitude")
    for side in ("side_a", "side_b"):
        out[side] = out[side].str.strip()
        counts = out[side].value_counts()
        groups: dict[str, list[str]] = {}
        for s, n_uses in counts.items():
            # each use is counted; names not in the alias table: group 'unknown', also counted
            groups[s] = [amap.record(t, n_uses).group for t in actors.split_side(s, sep)]
        codes, uniques = pd.factorize(out[side])  # map each distinct name once
        group_of = np.array([actors.resolve(groups[u]) for u in uniques] + [None], dtype=object)
        isis_of = np.array([("isis" in groups[u]) for u in uniques] + [False], dtype=bool)
        out[f"{side}_group"] = group_of[codes]
        out[f"_{side}_isis"] = isis_of[codes]
    out["isis"] = (out["_side_a_isis"] | out["_side_b_isis"]).astype(bool)
    if source == "acled":  # associated actors (';' lists): counted in the actor report only
        for col in ("assoc_actor_1", "assoc_actor_2"):
            values = g(col)
            if values is None:  # an export without the column
                continue
            for s, n_uses in values.str.strip().value_counts().items():
                for tok in actors.split_side(s, ";"):
                    amap.record(tok, n_uses)
    out["source_row"] = np.arange(1, n + 1, dtype="int64")
    return out


def _country_polygons() -> tuple[dict[str, shapely.Geometry], str]:
    """Country name -> Natural Earth polygon (ne-admin0), and the file's sha256."""
    path = datasets.fetch("ne-admin0")
    gdf = gpd.read_file(path)
    polys: dict[str, shapely.Geometry] = {}
    for _, rec in gdf.iterrows():
        geom = rec.geometry
        shapely.prepare(geom)
        for key in ("NAME", "NAME_EN", "ADM0_A3", "ISO_A3"):
            if key in gdf.columns and isinstance(rec[key], str):
                polys.setdefault(rec[key], geom)
    return polys, datasets.get("ne-admin0").sha256 or datasets.sha256sum(path)


def _validate(
    df: pd.DataFrame, file: str, layout: str, report: LoadReport,
    date_format: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reject rows with bad ids, dates, coordinates; flag the rest; returns (kept, rejects).

    Dates are read only in unambiguous forms (ISO ``YYYY-MM-DD``; ACLED also ``2 January 2019``
    and ``02-January-2019``); ``date_format`` (a ``strptime`` format such as ``%d/%m/%Y``)
    adds one the user vouches for."""
    n = len(df)
    rj = _Rejects(file, n)
    ids = df["event_id"]
    date_cols = ("date_start", "date_end") if layout.startswith("ucdp") else ("event_date",) * 2
    formats = ("ISO8601",) if layout.startswith("ucdp") else ("%d %B %Y", "ISO8601", "%d-%B-%Y")
    if date_format:
        formats = (date_format, *formats)

    rj.add((ids == "").to_numpy(), ids, "id" if layout.startswith("ucdp") else "event_id_cnty",
           ids, "missing event_id")  # fmt: skip
    parsed = {}
    for key, col in zip(("date_start", "date_end"), date_cols):
        text = df[f"_{key}"]
        value = _parse_dates(text, formats)
        parsed[key] = value
        rj.add(_blank(text), ids, col, text, f"missing {col}")
        rj.add(value.isna().to_numpy(), ids, col, text, f"unparseable or impossible {col}")
    rj.add((parsed["date_end"] < parsed["date_start"]).to_numpy(), ids, date_cols[1],
           df["_date_end"], "date_end before date_start")  # fmt: skip
    for key, col in zip(("date_start", "date_end"), date_cols):
        too_early = (parsed[key] < EARLIEST_DATE).to_numpy()
        rj.add(
            too_early, ids, col, df[f"_{key}"], f"impossible {col} (before {EARLIEST_DATE.date()})"
        )
        future = (parsed[key] > pd.Timestamp.now().normalize() + pd.Timedelta(days=1)).to_numpy()
        rj.add(future, ids, col, df[f"_{key}"], f"impossible {col} (in the future)")

    lat, lon = _to_number(df["_lat"]), _to_number(df["_lon"])
    for name, col, num in (("latitude", "_lat", lat), ("longitude", "_lon", lon)):
        text = df[col]
        rj.add(_blank(text), ids, name, text, "missing coordinate")
        rj.add(num.isna().to_numpy(), ids, name, text, "unparseable coordinate")
    rj.add((lat.abs() > 90).fillna(False).to_numpy(), ids, "latitude", df["_lat"],
           "impossible coordinate (latitude outside -90..90)")  # fmt: skip
    rj.add((lon.abs() > 180).fillna(False).to_numpy(), ids, "longitude", df["_lon"],
           "impossible coordinate (longitude outside -180..180)")  # fmt: skip
    rj.add(((lat == 0) & (lon == 0)).fillna(False).to_numpy(), ids, "latitude", df["_lat"],
           "impossible coordinate (0, 0)")  # fmt: skip

    # declared country: a point outside it is flagged; inside it with lat/lon exchanged: rejected
    flags: dict[str, np.ndarray] = {}  # flag -> rows with it (kept rows only count)
    polys, _ = _country_polygons()
    country = df["country"]
    ok = ~rj.bad
    not_checked: dict[str, int] = {}
    for name in pd.unique(country[ok]):
        sel = ok & (country == name).to_numpy()
        poly = polys.get(name)
        if poly is None:
            not_checked[name or "(empty)"] = int(sel.sum())
            continue
        idx = np.flatnonzero(sel)
        x, y = lon.to_numpy(dtype=float)[idx], lat.to_numpy(dtype=float)[idx]
        inside = shapely.contains_xy(poly, x, y)
        out_idx, ox, oy = idx[~inside], x[~inside], y[~inside]
        swapped = shapely.contains_xy(poly, oy, ox) if len(out_idx) else np.zeros(0, bool)
        swap_mask = np.zeros(n, dtype=bool)
        swap_mask[out_idx[swapped]] = True
        if swap_mask.any():  # the value shown: both coordinates (built only when needed)
            both = (df["_lat"].astype(str).str.strip() + ", "
                    + df["_lon"].astype(str).str.strip())
            rj.add(swap_mask, ids, "latitude/longitude", both,
                   f"lat/lon swapped (the point is in {name} only with latitude and longitude "
                   "exchanged)")  # fmt: skip
            del both
        outside = flags.setdefault("outside_country", np.zeros(n, dtype=bool))
        outside[out_idx[~swapped]] = True
    report.countries_not_checked = not_checked

    # codes the loader cannot place on the common scales: kept, flagged
    flags["unknown_loc_precision"] = df["loc_precision"].isna().to_numpy()
    flags["unknown_date_precision"] = df["date_precision"].isna().to_numpy()
    flags["deaths_not_a_count"] = df["deaths_best"].isna().to_numpy()
    # death counts that are given but are not counts: kept, blanked, and flagged by column
    for col, raw in (("deaths_best", "_deaths_raw"), ("deaths_low", "_deaths_low_raw"),
                     ("deaths_high", "_deaths_high_raw")):
        given = ~_blank(df[raw])
        if not given.any():
            continue
        num = _to_number(df[raw] if isinstance(df[raw].dtype, pd.CategoricalDtype)
                         else df[raw].astype(str))
        flags[f"{col}_negative"] = given & (num < 0).fillna(False).to_numpy()
        flags[f"{col}_fractional"] = given & ((num != num.round()) & (num >= 0)).fillna(
            False).to_numpy()
        flags[f"{col}_not_a_number"] = given & num.isna().to_numpy()

    # duplicate ids among the rows still kept: the first stays, later ones are rejected
    # (same content: a repeated row; different content: a conflict, said as such)
    keep_ids = ids.where(~rj.bad)
    dup = keep_ids.duplicated(keep="first") & keep_ids.notna()
    report.duplicate_ids = sorted(pd.unique(ids[dup]).tolist())
    id_col = "id" if layout.startswith("ucdp") else "event_id_cnty"
    conflict = np.zeros(n, dtype=bool)
    if dup.any():
        involved = keep_ids.notna() & keep_ids.duplicated(keep=False)
        content = [c for c in df.columns if c != "source_row"]
        sub = df.loc[involved, content].astype(str)
        digest = pd.util.hash_pandas_object(sub, index=False)
        first = digest.groupby(keep_ids[involved]).transform("first")
        differs = (digest != first).reindex(df.index, fill_value=False).to_numpy()
        conflict = dup.to_numpy() & differs
        report.conflicting_ids = sorted(pd.unique(ids[conflict]).tolist())
    rj.add(conflict, ids, id_col, ids,
           "duplicate event_id with different content (conflict: an earlier row has the same "
           "id and other values)")
    rj.add(dup.to_numpy(), ids, id_col, ids,
           "duplicate event_id (an earlier row has the same id and the same values)")

    keep = ~rj.bad
    helper = [c for c in df.columns if c.startswith("_")]
    out = df.drop(columns=helper) if keep.all() else df.loc[keep].drop(columns=helper)
    out["date_start"] = parsed["date_start"][keep]
    out["date_end"] = parsed["date_end"][keep]
    out["lat"] = lat[keep].astype(float)
    out["lon"] = lon[keep].astype(float)
    qc = np.full(n, "", dtype=object)
    flagged: dict[str, int] = {}
    for name, mask in flags.items():
        mask = np.asarray(mask, dtype=bool) & keep
        if not mask.any():
            continue
        flagged[name] = int(mask.sum())
        idx = np.flatnonzero(mask)
        qc[idx] = [f"{q};{name}" if q else name for q in qc[idx]]
    out["qc_flags"] = qc[keep]
    report.flagged = flagged
    rejects = rj.frame()
    report.rejected = rejects["reason"].value_counts().to_dict() if len(rejects) else {}
    report.rejected = {str(k): int(v) for k, v in report.rejected.items()}
    return out, rejects


#: Event columns held as pandas' ``string`` dtype.
STRING_COLUMNS = ("dataset", "event_id", "country", "admin1", "admin2", "event_type", "side_a",
                  "side_b", "side_a_group", "side_b_group", "headline", "loc_precision_source",
                  "qc_flags")  # fmt: skip


def _to_events(df: pd.DataFrame, dataset: str) -> gpd.GeoDataFrame:
    """The event table in :data:`EVENT_COLUMNS` order. ``df`` is the loader's own frame: its
    columns are moved into the result one by one (each dropped from ``df`` once converted), so
    a large file is not held twice."""
    import pyarrow as pa

    n = len(df)
    index = pd.RangeIndex(n)
    _release_memory()  # before the points: the validation's freed columns
    geometry = gpd.GeoSeries(gpd.points_from_xy(df["lon"], df["lat"], crs="EPSG:4326"),
                             index=index)  # fmt: skip
    columns: dict[str, object] = {}
    for col in EVENT_COLUMNS:
        if col == "geometry":
            columns[col] = geometry
            continue
        if col == "dataset":
            values = pd.array(pa.repeat(pa.scalar(dataset, pa.large_string()), n),
                              dtype="string")
        elif col in STRING_COLUMNS:
            values = _as_string(df[col])
        elif col in ("date_precision", "loc_precision"):
            values = df[col].astype("Int64").array
        else:
            values = df[col].array
        columns[col] = pd.Series(values, index=index, name=col, copy=False)
        if col in df.columns:
            del df[col]
    return gpd.GeoDataFrame(pd.DataFrame(columns, index=index, copy=False), geometry="geometry",
                            crs="EPSG:4326", copy=False)


def _as_string(values: pd.Series) -> pd.api.extensions.ExtensionArray:
    """``values`` as pandas' ``string`` dtype; a categorical is expanded in Arrow (no Python
    string per row)."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return values.astype("string").array
    import pyarrow as pa

    cats = values.cat.categories
    dictionary = pa.array(cats.to_numpy(dtype=object), type=pa.large_string(),
                          from_pandas=True)  # fmt: skip
    codes = values.cat.codes.to_numpy()
    indices = pa.array(codes, mask=codes < 0)
    return pd.array(dictionary.take(indices), dtype="string")


# --- cache -----------------------------------------------------------------------------------


def cache_dir() -> Path:
    return paths.CACHE / "events"


def _cache_meta(sha: str) -> dict:
    """What a cache entry depends on. Keyed by the input's content hash only: the same file
    read as ``--dataset NAME`` or ``--events PATH`` shares one entry (the name is applied on
    read)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "input_sha256": sha,
        "aliases_sha256": actors.table_sha256(),
        "admin0_sha256": datasets.get("ne-admin0").sha256,
        "code_sha256": _code_sha256(),
    }


def _code_sha256() -> str:
    """sha256 of the loader's own code, so a changed loader never reads an old cache."""
    digest = hashlib.sha256()
    from geoclaims import acled  # reads the API's JSON and counts event types for the loader

    for module in (__file__, actors.__file__, acled.__file__):
        digest.update(Path(module).read_bytes())
    return digest.hexdigest()


class CacheInvalid(Exception):
    """A cache entry that exists but cannot be trusted (the message says why)."""


def clean_cache() -> list[Path]:
    """Remove temporary folders (``<sha>.tmp<pid>``) that killed runs left in the cache."""
    from geoclaims import outputs

    removed = outputs.clean_stale(cache_dir())
    for p in removed:
        log.info("events cache: removed the stale temporary folder %s", p)
    return removed


def _cache_read(sha: str, dataset: str) -> EventLoad | None:
    """The cached load of the file with this sha256, relabelled as ``dataset``; ``None`` when
    there is none. Raises :class:`CacheInvalid` when an entry exists but fails its checks
    (meta, file checksums, row counts)."""
    where = cache_dir() / sha
    if not (where / "meta.json").exists():
        return None
    try:
        meta = json.loads((where / "meta.json").read_text(encoding="utf-8"))
        want = _cache_meta(sha)
        stale = [k for k in want if meta.get(k) != want[k]]
        if stale:
            raise CacheInvalid(f"made with another {', '.join(stale)}")
        for name in ("events.parquet", "rejects.parquet"):
            got = datasets.sha256sum(where / name)
            if got != meta.get("files", {}).get(name):
                raise CacheInvalid(f"{name} does not match its recorded checksum")
        events = gpd.read_parquet(where / "events.parquet")
        rejects = pd.read_parquet(where / "rejects.parquet")
        report = LoadReport(**json.loads((where / "report.json").read_text(encoding="utf-8")))
        if len(events) != meta.get("rows_kept") or len(events) != report.rows_kept:
            raise CacheInvalid(f"holds {len(events)} events, the report says {report.rows_kept}")
        if len(rejects) != meta.get("rows_rejected"):
            raise CacheInvalid(f"holds {len(rejects)} rejects, expected {meta.get('rows_rejected')}")
    except CacheInvalid:
        raise
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise CacheInvalid(f"unreadable ({type(exc).__name__}: {exc})") from exc
    name = dataset or report.layout
    if report.dataset != name:
        events["dataset"] = pd.Series(name, index=events.index, dtype="string")
        report.dataset = name
    report.from_cache = True
    return EventLoad(events, rejects, report)


def _cache_write(sha: str, dataset: str, result: EventLoad) -> None:
    where = cache_dir() / sha
    tmp = where.with_name(f"{sha}.tmp{os.getpid()}")
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        result.events.to_parquet(tmp / "events.parquet", index=False)
        result.rejects.to_parquet(tmp / "rejects.parquet", index=False)
        (tmp / "report.json").write_text(json.dumps(result.report.to_dict()), encoding="utf-8")
        meta = _cache_meta(sha)
        meta["rows_kept"] = len(result.events)
        meta["rows_rejected"] = len(result.rejects)
        meta["files"] = {n: datasets.sha256sum(tmp / n)
                         for n in ("events.parquet", "rejects.parquet")}
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        if where.exists():
            import shutil

            shutil.rmtree(where)
        os.replace(tmp, where)
    except BaseException:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
        raise


# --- public ----------------------------------------------------------------------------------


def read(path: str | os.PathLike, dataset: str | None = None, *, strict: bool = False,
         date_format: str | None = None, sha256: str | None = None) -> EventLoad:
    """Read and validate one file (no cache, no filters). See :func:`load`."""
    started = time.perf_counter()
    path = Path(path)
    raw = read_table(path)
    layout = raw.attrs.get("layout") or detect_layout(list(raw.columns), path)
    source = LAYOUTS[layout][0]
    name = dataset or layout
    report = LoadReport(file=str(path), dataset=name, layout=layout,
                        sha256=sha256 or datasets.sha256sum(path), rows_read=len(raw),
                        delimiter=raw.attrs.get("delimiter", ","))  # fmt: skip
    if date_format:
        report.notes.append(f"dates also read as {date_format!r} (--date-format)")
    amap = actors.actor_map(source)
    df = _normalise(raw, source, amap)
    del raw
    _release_memory()
    kept, rejects = _validate(df, str(path), layout, report, date_format)
    del df
    if strict and len(rejects):
        first = rejects.iloc[0]
        raise EventDataError(
            str(first["reason"]), file=path, row=int(first["row"]), column=str(first["column"]),
            value=str(first["value"]),
        )  # fmt: skip
    report.unmapped_actors = dict(amap.unmapped.most_common())
    report.actor_uses = sum(amap.uses.values())
    from geoclaims import acled  # the event types the file holds (an export may be filtered)

    report.event_types = acled.event_type_counts(kept)
    events = _to_events(kept, name)
    report.rows_kept = len(events)
    report.rows_returned = len(events)
    report.seconds = time.perf_counter() - started
    return EventLoad(events, rejects, report)


#: Date forms accepted on the command line (``--start``, ``--end``, ``--date``) without
#: ``--date-format``: none of them can be read two ways.
UNAMBIGUOUS_DATE_FORMS = ("YYYY-MM-DD", "YYYY/MM/DD", "2 January 2019", "January 2, 2019",
                          "2 Jan 2019", "20190102")
_UNAMBIGUOUS = ("%Y-%m-%d", "%Y/%m/%d", "%d %B %Y", "%B %d, %Y", "%B %d %Y", "%d %b %Y",
                "%b %d, %Y", "%b %d %Y", "%Y%m%d", "%Y-%m-%dT%H:%M:%S")


def parse_date(value, what: str = "date", date_format: str | None = None) -> pd.Timestamp:
    """A date given by a user, read only in an unambiguous form (:data:`UNAMBIGUOUS_DATE_FORMS`)
    or with ``date_format`` (a ``strptime`` format, e.g. ``%d/%m/%Y``). ``01/02/2019`` or
    ``04.02.2019`` without a format raise :class:`EventDataError` saying why."""
    import datetime as dt

    if isinstance(value, (pd.Timestamp, dt.date)):
        return pd.Timestamp(value)
    text = "" if value is None else str(value).strip()
    flag = f"--{what}"
    if not text:
        raise EventDataError(f"{flag}: an empty date; use YYYY-MM-DD")
    for fmt in ((date_format,) if date_format else ()) + _UNAMBIGUOUS:
        try:
            return pd.Timestamp(dt.datetime.strptime(text, fmt))
        except ValueError:
            continue
    if date_format:
        raise EventDataError(f"{flag}: {text!r} does not match --date-format {date_format!r}")
    import re

    if re.fullmatch(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}", text):
        raise EventDataError(
            f"{flag}: {text!r} is ambiguous (day/month or month/day?); use YYYY-MM-DD, or say "
            "which with --date-format, e.g. --date-format %d/%m/%Y")
    raise EventDataError(f"{flag}: {text!r} is not a date; use YYYY-MM-DD")


def filter_events(
    result: EventLoad, *, start=None, end=None, actor: str | None = None,
    date_format: str | None = None,
) -> EventLoad:
    """Keep events whose ``date_start`` is in [start, end] and, with ``actor``, whose either side
    is that group (``isis``: the ``isis`` flag, which also covers IS inside a coalition).
    Each filter is recorded in ``report.filters`` with the number of rows it removed.
    ``start`` after ``end`` raises :class:`EventDataError`."""
    ev = result.events
    report = result.report
    report.filters = []
    s = _timestamp(start, "start", date_format) if start is not None else None
    e = _timestamp(end, "end", date_format) if end is not None else None
    if s is not None and e is not None and s > e:
        raise EventDataError(f"--start {s.date()} is after --end {e.date()}; swap them?")
    if s is not None:
        mask = ev["date_start"] >= s
        report.filters.append(
            {"filter": f"date_start >= {s.date()}", "removed": int((~mask).sum())}
        )
        ev = ev[mask]
    if e is not None:
        mask = ev["date_start"] <= e
        report.filters.append(
            {"filter": f"date_start <= {e.date()}", "removed": int((~mask).sum())}
        )
        ev = ev[mask]
    if actor is not None:
        if actor not in actors.GROUPS:
            raise EventDataError(
                f"unknown actor group {actor!r}; known: {', '.join(actors.GROUPS)}"
            )
        mask = (ev["side_a_group"] == actor) | (ev["side_b_group"] == actor)
        if actor == "isis":
            mask = mask | ev["isis"]
        report.filters.append({"filter": f"actor group {actor}", "removed": int((~mask).sum())})
        ev = ev[mask]
    report.rows_returned = len(ev)
    return EventLoad(ev.reset_index(drop=True), result.rejects, report)


def _timestamp(value, what: str, date_format: str | None = None) -> pd.Timestamp:
    return parse_date(value, what, date_format)


def load(
    dataset: str | None = None,
    path: str | os.PathLike | None = None,
    *,
    start=None,
    end=None,
    actor: str | None = None,
    use_cache: bool = True,
    strict: bool = False,
    quiet: bool = False,
    date_format: str | None = None,
) -> EventLoad:
    """Load conflict events into the common schema.

    ``dataset`` is a registry name (``ucdp-ged-syria``, ``ucdp-ged-231-sample``,
    ``ucdp-ged-251``), fetched and hash-checked through :mod:`geoclaims.datasets`; ``path`` is
    any UCDP GED (19.1 or 23.1+ layout, ``.csv``, ``.zip`` or ``.gz``) or ACLED CSV export.
    With both, ``path`` is read and ``dataset`` names it. The layout is detected from the header.

    The validated table is cached under ``paths.CACHE/events/<sha256 of the file>/`` (checked
    on read: row counts and the Parquet files' sha256; an entry that fails is rebuilt, with a
    warning); ``use_cache=False`` reads the file again; ``date_format`` (which also applies to
    the file's dates) bypasses the cache. ``start``/``end``/``actor``: see
    :func:`filter_events`. The report is logged and, unless ``quiet``, printed to stderr.
    """
    if dataset is None and path is None:
        raise EventDataError("give a dataset name or a path")
    started = time.perf_counter()
    if start is not None:  # a bad --start/--end fails before the file is read
        _timestamp(start, "start", date_format)
    if end is not None:
        _timestamp(end, "end", date_format)
    if path is None:
        path = datasets.fetch(dataset)
    path = Path(path)
    if not path.exists():
        raise EventDataError("file not found", file=path)
    if path.is_dir():
        raise EventDataError("is a folder, not a file", file=path)
    sha = datasets.sha256sum(path)
    name = dataset or ""
    use_cache = use_cache and not date_format
    result = None
    note = None
    if use_cache:
        try:
            clean_cache()
        except OSError as exc:
            log.info("events cache: could not clean temporary folders: %s", exc)
        try:
            result = _cache_read(sha, name)
        except CacheInvalid as exc:
            note = f"the events cache for this file was invalid ({exc}); rebuilt"
            log.warning("%s: %s", shown_path(path), note)
    if result is None:
        result = read(path, dataset, strict=strict, date_format=date_format, sha256=sha)
        if use_cache:
            try:
                _cache_write(sha, name, result)
            except OSError as exc:
                log.warning("could not write the events cache: %s", exc)
        if note:
            result.report.notes.append(note)
    elif strict and len(result.rejects):
        first = result.rejects.iloc[0]
        raise EventDataError(str(first["reason"]), file=path, row=int(first["row"]),
                             column=str(first["column"]), value=str(first["value"]))  # fmt: skip
    result.report.file = str(path)
    result = filter_events(result, start=start, end=end, actor=actor, date_format=date_format)
    result.report.seconds = time.perf_counter() - started
    log.info("%s", result.report)
    if not quiet:  # a report, not an error: on a notebook page it is plain output, not a red box
        in_kernel = type(sys.stdout).__module__.startswith("ipykernel")
        print(result.report, file=sys.stdout if in_kernel else sys.stderr)
    return result


def write_rejects(result: EventLoad, out: str | os.PathLike, *, force: bool = True) -> Path:
    """The rejected rows (file, row, event_id, column, value, reason, message) as CSV, written
    atomically; an existing file is replaced only with ``force``."""
    from geoclaims import outputs

    frame, _ = style.csv_safe_frame(result.rejects.copy(), ("event_id", "value", "message"))
    return outputs.write_text(out, frame.to_csv(index=False), force=force)


# --- summaries for the notebook --------------------------------------------------------------


def schema() -> pd.DataFrame:
    """The data dictionary (``data/event_schema.csv``)."""
    return pd.read_csv(paths.data_file(SCHEMA_FILE), dtype=str, keep_default_na=False)


def coverage(events: pd.DataFrame) -> pd.DataFrame:
    """One row per dataset: events, first and last date, share clear, share precise, by code."""
    rows = []
    for name, ev in events.groupby("dataset", sort=False):
        rows.append(
            {
                "dataset": name,
                "events": len(ev),
                "first_date": ev["date_start"].min(),
                "last_date": ev["date_end"].max(),
                "clear_share": float((ev["clarity"] == 1).mean())
                if ev["clarity"].notna().any()
                else float("nan"),
                "precise_share": float(ev["precise"].mean()),
                "isis_events": int(ev["isis"].sum()),
                "deaths_best": int(ev["deaths_best"].sum()),
            }
        )
    return pd.DataFrame(rows)


def scales() -> pd.DataFrame:
    """The common precision scales with the source codes that map to each value."""
    rows = []
    for code, meaning in LOC_SCALE.items():
        ucdp = [str(k) for k, v in UCDP_WHERE_PREC.items() if v == code]
        acled = [str(k) for k, v in ACLED_GEO_PRECISION.items() if v == code]
        rows.append(("loc_precision", code, meaning, ",".join(ucdp), ",".join(acled)))
    for code, meaning in DATE_SCALE.items():
        ucdp = [str(k) for k, v in UCDP_DATE_PREC.items() if v == code]
        acled = [str(k) for k, v in ACLED_TIME_PRECISION.items() if v == code]
        rows.append(("date_precision", code, meaning, ",".join(ucdp), ",".join(acled)))
    return pd.DataFrame(rows, columns=["scale", "code", "meaning", "ucdp_codes", "acled_codes"])


def date_precision_table(events: pd.DataFrame) -> pd.DataFrame:
    """Events by date-precision code on the common scale, with the scale's wording."""
    t = events.groupby("date_precision", dropna=False).size().rename("events").reset_index()
    t["meaning"] = t["date_precision"].map(DATE_SCALE)
    t["share"] = t["events"] / t["events"].sum()
    return t


def precision_table(events: pd.DataFrame) -> pd.DataFrame:
    """Events by location-precision code on the common scale, with the scale's wording."""
    t = events.groupby("loc_precision", dropna=False).size().rename("events").reset_index()
    t["meaning"] = t["loc_precision"].map(LOC_SCALE)
    t["share"] = t["events"] / t["events"].sum()
    return t


def governorate_names(events: pd.DataFrame) -> pd.Series:
    """Governorate name without the source's suffix (UCDP writes 'Homs Governorate')."""
    name = events["admin1"].fillna("").str.replace(r"\s+(?:Governorate|governorate|Province)$",
                                                  "", regex=True)  # fmt: skip
    return name.mask(name == "", "(not given)")


def governorate_by_location(events: gpd.GeoDataFrame) -> pd.Series:
    """The OCHA governorate (ocha-admin1, English name) whose polygon holds each event's point;
    ``(outside Syria)`` for points in none. For events placed only by district, governorate or
    a larger area (loc_precision >= 3) the point is a centre, not the place of the event."""
    gov = regions.governorates()[["name", "geometry"]]
    pts = gpd.GeoDataFrame(geometry=events.geometry.values, index=events.index, crs="EPSG:4326")
    joined = gpd.sjoin(pts, gov, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]  # a point on a shared boundary
    return joined["name"].reindex(events.index).fillna("(outside Syria)").astype(str)


def counts_by_year(events: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Events per calendar year of ``date_start``, optionally split (a year x value table) by a
    column, by ``governorate`` (the source's admin1 name, ``(not given)`` where it has none) or
    by ``governorate_location`` (the OCHA polygon holding the point)."""
    year = events["date_start"].dt.year.rename("year")
    if by is None:
        return events.groupby(year).size().rename("events").to_frame()
    if by == "governorate":
        key = governorate_names(events)
    elif by == "governorate_location":
        key = governorate_by_location(events)
    else:
        key = events[by]
    return events.groupby([year, key.rename(by)]).size().unstack(fill_value=0)


def isis_per_year(events: pd.DataFrame) -> pd.Series:
    """Events with the Islamic State on either side, per year of ``date_start``."""
    ev = events[events["isis"]]
    return ev.groupby(ev["date_start"].dt.year.rename("year")).size().rename("isis_events")


def dyads(events: pd.DataFrame) -> pd.Series:
    """The normalised dyad of each event, e.g. ``isis - sdf`` (groups sorted, isis first)."""
    a, b = events["side_a_group"].astype(str), events["side_b_group"].astype(str)
    first = np.where(a == "isis", a, np.where(b == "isis", b, np.minimum(a, b)))
    second = np.where(a == "isis", b, np.where(b == "isis", a, np.maximum(a, b)))
    return pd.Series([f"{x} - {y}" for x, y in zip(first, second)], index=events.index)


EXPORT_FORMATS = ("csv", "parquet", "geojson")


def export(events: gpd.GeoDataFrame, fmt: str, out: str | os.PathLike | None = None, *,
           force: bool = True) -> str | None:
    """Write events as CSV (no geometry column; lat/lon kept), GeoParquet or GeoJSON.

    In CSV, third-party text cells starting with ``= + - @`` get a leading ``'`` so spreadsheets
    show them as text (:func:`geoclaims.style.csv_safe`); how many is logged as a warning.

    With ``out=None``, CSV and GeoJSON are returned as text; Parquet needs a file. Files are
    written under a temporary name and renamed when complete; an existing ``out`` is replaced
    only with ``force``.
    """
    from geoclaims import outputs

    if fmt not in EXPORT_FORMATS:
        raise EventDataError(f"unknown format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    if fmt == "parquet":
        if out is None:
            raise EventDataError("the parquet format needs an output file (-o FILE)")
        with outputs.atomic_path(out, force=force) as tmp:
            events.to_parquet(tmp, index=False)
        return None
    if fmt == "csv":
        frame, changed = style.csv_safe_frame(pd.DataFrame(events.drop(columns="geometry")))
        if changed:
            log.warning(style.csv_safe_note(changed))
        text = frame.to_csv(index=False, date_format="%Y-%m-%d")
    else:
        gj = events.copy()
        for col in ("date_start", "date_end"):
            gj[col] = gj[col].dt.strftime("%Y-%m-%d")
        text = gj.to_json(na="null", drop_id=True)
    if out is None:
        return text
    outputs.write_text(out, text, force=force)
    return None


# --- figures for the notebook ----------------------------------------------------------------


def _outlines() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Syria (Natural Earth) and its governorates (OCHA), for map backgrounds."""
    syria = gpd.GeoDataFrame(geometry=[regions.syria()], crs="EPSG:4326")
    return syria, regions.governorates()[["pcode", "name", "geometry"]]


def plot_isis_by_year(events: gpd.GeoDataFrame, out: str | os.PathLike | None = None, *,
                      dpi: int = 300):  # fmt: skip
    """Small multiples: events with IS on either side, one panel per year, precise locations
    (UCDP where_prec <= 2 / ACLED geo_precision 1) drawn apart from the others. With ``out``
    (a path without suffix) writes ``out.png`` at ``dpi`` and ``out.svg``. Returns the figure."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    ev = events[events["isis"]]
    years = sorted(ev["date_start"].dt.year.unique().tolist())
    data_start, data_end = events["date_start"].min(), events["date_start"].max()
    syria, gov = _outlines()
    ncols = min(len(years), 2) or 1
    nrows = max(1, -(-len(years) // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 4.6 * nrows), squeeze=False)
    xmin, ymin, xmax, ymax = syria.total_bounds
    for ax, year in zip(axes.flat, years):
        sel = ev[ev["date_start"].dt.year == year]
        gov.boundary.plot(ax=ax, color=style.ADMIN_LINE, linewidth=0.4)
        syria.boundary.plot(ax=ax, color=style.BORDER, linewidth=0.8)
        rough = sel[~sel["precise"]]
        exact = sel[sel["precise"]]
        ax.scatter(rough["lon"], rough["lat"], s=6, marker="s", color=style.IMPRECISE,
                   alpha=0.5, linewidths=0, label=f"less precise ({len(rough)})")  # fmt: skip
        ax.scatter(exact["lon"], exact["lat"], s=4, color=style.PRECISE, alpha=0.5,
                   linewidths=0, label=f"precise, within ~25 km ({len(exact)})")  # fmt: skip
        span = ""
        if data_start.year == year and (data_start.month, data_start.day) != (1, 1):
            span += f" from {data_start:%d %b}"
        if data_end.year == year and (data_end.month, data_end.day) != (12, 31):
            span += f" to {data_end:%d %b}"
        noun = "event" if len(sel) == 1 else "events"
        ax.set_title(f"{year}{span}: {len(sel)} {noun}", fontsize=10)
        ax.set_xlim(xmin - 0.2, xmax + 0.2)
        ax.set_ylim(ymin - 0.2, ymax + 0.2)
        ax.set_aspect(1 / np.cos(np.radians((ymin + ymax) / 2)))
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.legend(loc="lower right", fontsize=7, frameon=False)
    for ax in list(axes.flat)[len(years) :]:
        ax.set_visible(False)
    names = ", ".join(sorted(ev["dataset"].astype(str).unique()))
    fig.suptitle(f"Events with the Islamic State on either side, by year ({names})", fontsize=11)
    fig.text(0.01, 0.005, "Sources: UCDP GED (CC BY 4.0); boundaries: Natural Earth, "
             "OCHA COD-AB (CC BY-IGO 3.0).", fontsize=7, color=style.CREDIT_TEXT)  # fmt: skip
    fig.tight_layout(rect=(0, 0.02, 1, 0.97))
    if out is not None:
        from geoclaims import outputs

        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        with outputs.Transaction() as tx, outputs.deterministic():
            fig.savefig(tx.path(out.with_suffix(".png")), format="png", dpi=dpi,
                        metadata={"Software": None})
            fig.savefig(tx.path(out.with_suffix(".svg")), format="svg", metadata={"Date": None})
    return fig


#: Credits of the IS web map: the event data (CC BY 4.0 asks for it), the outlines.
ISIS_WEB_MAP_DATASETS = ("ucdp", "ocha-admin1", "ne-admin0")
#: Decimal places kept in the web map's coordinates (4: about 11 m, finer than any UCDP point).
WEB_MAP_DIGITS = 4


@style.stable_web_map
def isis_web_map(events: gpd.GeoDataFrame, *, max_per_year: int | None = None):
    """An offline web map (``offlinefolium``, no tiles) with one layer per year of events with
    IS on either side, a title, a legend and the credit line (UCDP GED CC BY 4.0, OCHA, Natural
    Earth); popups show date, sides, deaths, precision and the source headline, all escaped
    with :func:`geoclaims.style.escape_text`. ``max_per_year`` caps points per layer (reported
    in the layer name, never silent). Kept small: coordinates rounded to
    :data:`WEB_MAP_DIGITS` places, outlines simplified (about 200 m), the popup fields only."""
    import offlinefolium as folium
    from branca.element import Element

    from geoclaims import maps

    esc = style.escape_text
    ev = events[events["isis"]]
    syria, gov = _outlines()
    simple = lambda g: g.simplify(0.002, preserve_topology=True)
    m = folium.Map(location=[35.0, 38.5], zoom_start=7, tiles=None, maxZoom=18,
                   control_scale=True)  # fmt: skip
    folium.GeoJson(gov.assign(name=gov["name"].map(esc), geometry=simple(gov.geometry))
                   [["name", "geometry"]],
                   name="Governorates (OCHA)",
                   style_function=lambda f: {"color": style.WEB_ADMIN_LINE, "weight": 1,
                                             "fillOpacity": 0},
                   tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False)).add_to(m)  # fmt: skip
    folium.GeoJson(syria.assign(geometry=simple(syria.geometry)), name="Syria (Natural Earth)",
                   style_function=lambda f: {"color": style.WEB_BORDER, "weight": 2,
                                             "fillOpacity": 0},
                   ).add_to(m)  # fmt: skip
    years = sorted(ev["date_start"].dt.year.unique().tolist())
    fields = ["date", "sides", "deaths", "precision", "headline"]
    shown = 0
    for year in years:
        sel = ev[ev["date_start"].dt.year == year]
        note = ""
        if max_per_year is not None and len(sel) > max_per_year:
            note = f", {max_per_year} of {len(sel)} shown"
            sel = sel.sort_values("date_start").head(max_per_year)
        shown += len(sel)
        for precise, kind in ((True, "precise location"), (False, "area-level location")):
            part = sel[sel["precise"].astype(bool) == precise]
            if not len(part):
                continue
            props = gpd.GeoDataFrame(
                {
                    "date": part["date_start"].dt.strftime("%Y-%m-%d"),
                    "sides": [esc(f"{a} - {b}") for a, b in zip(part["side_a"], part["side_b"])],
                    "deaths": part["deaths_best"].astype("string").fillna("").map(esc),
                    "precision": [esc(f"{LOC_SCALE.get(p, '?')} ({s})") if pd.notna(p) else
                                  esc(s) for p, s in zip(part["loc_precision"],
                                                         part["loc_precision_source"])],
                    "headline": part["headline"].map(esc),
                },
                geometry=gpd.points_from_xy(part.geometry.x.round(WEB_MAP_DIGITS),
                                            part.geometry.y.round(WEB_MAP_DIGITS)),
                crs="EPSG:4326",
            )  # fmt: skip
            fill = style.PRECISE if precise else style.IMPRECISE
            folium.GeoJson(
                props,
                name=f"{year}: {len(part)} IS events, {kind}{note}",
                show=year == years[-1],
                marker=folium.CircleMarker(radius=4, weight=0, fill=True, fill_opacity=0.6,
                                           fill_color=fill),
                popup=folium.GeoJsonPopup(fields=fields,
                                          aliases=[f.capitalize() for f in fields]),
            ).add_to(m)
    first = pd.Timestamp(ev["date_start"].min()) if len(ev) else None
    last = pd.Timestamp(ev["date_start"].max()) if len(ev) else None
    period = f", {first:%-d %B %Y} to {last:%-d %B %Y}" if first is not None else ""
    title = esc(f"Events with the Islamic State (IS) on either side, one layer per year{period}"
                f" ({shown:,} events; UCDP GED)")
    legend = (
        "<b>Legend</b><br>"
        f'<i class="dot" style="background:{style.PRECISE}"></i>event at a precise location '
        "(a town or a point)<br>"
        f'<i class="dot" style="background:{style.IMPRECISE}"></i>event placed at an area '
        "(a district, governorate or the country)<br>"
        f'<i class="line" style="background:{style.WEB_BORDER}"></i>Syria (Natural Earth)<br>'
        f'<i class="line" style="background:{style.WEB_ADMIN_LINE}"></i>governorates (OCHA)<br>'
        "Click an event for its date, sides, deaths and the source's headline.<br>"
        "Turn years on and off in the layer list.")
    credit = maps.attribution(ISIS_WEB_MAP_DATASETS)
    m.get_root().header.add_child(Element(maps._CSS))
    m.add_child(maps._html_control(title, "topleft", "geoclaims-title"))
    m.add_child(maps._html_control(legend, "bottomleft", "geoclaims-legend"))
    m.add_child(maps._attribution_element(esc(credit)))
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def write_isis_web_map(events: gpd.GeoDataFrame, path: str | os.PathLike, *,
                       max_per_year: int | None = None) -> Path:
    """Build :func:`isis_web_map`, save it to ``path`` and write ``path.sources.txt`` beside
    it (each source, its licence and citation; the number of events per layer)."""
    from geoclaims import exports, maps

    path = Path(path)
    html = isis_web_map(events, max_per_year=max_per_year).get_root().render()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    ev = events[events["isis"]]
    layers = {f"IS events {y}": int(n)
              for y, n in ev.groupby(ev["date_start"].dt.year).size().items()}
    exports._sidecar(path, layers, maps.sources_for(ISIS_WEB_MAP_DATASETS),
                     ["Coordinates rounded to 4 decimal places (about 11 m)."])
    return path
