"""Rows of the project's curated CSV files, each checked against the file's header.

Used by every reader of a curated table (the gazetteer's places and variants, the control
ledger, its sources and its checks): ``csv.DictReader`` keeps the values of a row longer than
its header under a ``None`` key that nothing reads, so an unquoted comma inside a citation
would lose text silently, and it reads a short row's last fields as empty. Here both are
refused with an error naming the file, the line and the field.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from geoclaims import paths


def shown(path: Path) -> str:
    """How an error names a file: relative to the repository when it lies inside it
    (:func:`paths.relative`), else as given."""
    return paths.relative(path, paths.ROOT) or str(path)


def row_error(error: Callable[[str], Exception], path: Path, line: int, row_id: str, fld: str,
              msg: str) -> Exception:
    """``error("<file>: row <line> (<row id>): field '<fld>': <msg>")``."""
    rid = f" ({row_id})" if row_id else ""
    return error(f"{shown(path)}: row {line}{rid}: field '{fld}': {msg}")


def read_rows(path: Path, columns: tuple[str, ...], error: Callable[[str], Exception],
              exact: bool = False) -> list[tuple[int, dict[str, str]]]:
    """The rows of a curated CSV file, each with the file line it starts on (blank lines are
    skipped). Raises ``error`` naming the file for a header that lacks one of ``columns``
    (with ``exact``: that is not exactly ``columns``) or repeats a column, and naming file, line
    and field for a row with more or fewer fields than the header. ``columns[0]`` is the row id
    shown in the messages."""
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        if exact and tuple(header) != columns:
            raise error(f"{shown(path)}: header: columns must be exactly "
                        f"{','.join(columns)}; found {','.join(header)}")
        missing = [c for c in columns if c not in header]
        if missing:
            raise error(f"{shown(path)}: header: missing column(s) {', '.join(missing)}")
        twice = sorted({c for c in header if header.count(c) > 1})
        if twice:
            raise error(f"{shown(path)}: header: column(s) {', '.join(twice)} appear twice")
        rows = []
        id_at, want = header.index(columns[0]), len(header)
        line = reader.line_num + 1
        for values in reader:
            if values:
                n = len(values)
                rid = values[id_at].strip() if id_at < n else ""
                if n > want:
                    lost = ",".join(values[want:])
                    raise row_error(error, path, line, rid, header[-1],
                                    f"more fields than the header: {n} fields, the header has "
                                    f"{want} ({','.join(header)}); the extra text '{lost}' "
                                    "would be lost (a field that holds a comma needs double "
                                    "quotes)")
                if n < want:
                    raise row_error(error, path, line, rid, header[n],
                                    f"fewer fields than the header: {n} fields, the header has "
                                    f"{want} ({','.join(header)}); '{header[n]}' and any after "
                                    "it are missing")
                rows.append((line, dict(zip(header, values))))
            line = reader.line_num + 1
        return rows
