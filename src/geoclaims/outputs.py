"""The one write policy for every file geoclaims writes (stage-neutral, like :mod:`paths`).

- :func:`check_target` - before any work: is the output a writable file path (folder exists, is a
  folder, is writable; the target is not a folder), and does it exist already (refused unless
  ``force``)? Raises :class:`OutputError` with one clear sentence naming the file.
- :func:`atomic_path` - a context manager yielding a temporary name beside the target
  (``.NAME.tmpPID.SUFFIX``); the target is replaced (``os.replace``) only when the block ends
  without an error; on an error the temporary file is removed, so a full disk or a crash never
  leaves a truncated output.
- :class:`Transaction` - several files that appear together or not at all (a map and its
  sidecar, one GeoJSON file per layer): each is written to its temporary name; :meth:`commit`
  renames them all, and puts back the old files if a rename fails.
- :func:`write_text` / :func:`write_bytes` - :func:`atomic_path` for text and bytes.
- :func:`deterministic` - fixed GDAL timestamps (GeoPackage ``last_change``) and the matplotlib
  SVG hash salt, so identical inputs give identical bytes.

Library calls replace existing files by default (``force=True``: notebooks and ``make all``
regenerate their outputs); the command line passes ``force`` from ``--force``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

#: GeoPackage timestamps written for every layer (``OGR_CURRENT_DATE``): same inputs, same bytes.
FIXED_TIMESTAMP = "2000-01-01T00:00:00.000Z"
#: matplotlib's ``svg.hashsalt``: SVG clip-path and glyph ids no longer change between runs.
SVG_HASHSALT = "geoclaims"


class OutputError(OSError):
    """An output that cannot or may not be written; the message names the file."""


def check_target(path: str | os.PathLike, *, force: bool = True, what: str = "output") -> Path:
    """Raise :class:`OutputError` unless ``path`` can be written (before any work is done)."""
    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    if p.is_dir():
        raise OutputError(f"{p}: the {what} is a folder; give a file name")
    if not folder.exists():
        raise OutputError(f"{p}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise OutputError(f"{p}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{p}: the folder {folder} is not writable (permission denied)")
    if p.exists() and not force:
        raise OutputError(f"{p}: the {what} exists already; use --force to replace it")
    return p


def temp_name(target: str | os.PathLike) -> Path:
    """A temporary name beside ``target`` that keeps its suffix (drivers pick formats by it)."""
    t = Path(target)
    return t.with_name(f".{t.stem}.tmp{os.getpid()}{t.suffix}")


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def describe_os_error(exc: OSError, path: str | os.PathLike | None = None) -> str:
    """One sentence for an OS error, naming the file."""
    name = path or exc.filename or "output"
    reasons = {
        errno.ENOSPC: "no space left on the device (disk full); nothing was written",
        errno.EDQUOT: "disk quota exceeded; nothing was written",
        errno.EACCES: "permission denied",
        errno.EPERM: "operation not permitted",
        errno.EROFS: "read-only file system",
        errno.ENOENT: "no such file or folder",
        errno.EISDIR: "is a folder, not a file",
        errno.ENOTDIR: "a part of the path is not a folder",
    }
    return f"{name}: {reasons.get(exc.errno, exc.strerror or str(exc))}"


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, *, force: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; replace ``target`` with it when the block ends
    without error, else remove it. ``force=False`` refuses an existing ``target``."""
    target = check_target(target, force=force)
    tmp = temp_name(target)
    _remove(tmp)
    try:
        yield tmp
        if not tmp.exists():
            raise OutputError(f"{target}: nothing was written")
        os.replace(tmp, target)
    except OSError as exc:
        _remove(tmp)
        if isinstance(exc, OutputError):
            raise
        raise OutputError(describe_os_error(exc, target)) from exc
    except BaseException:
        _remove(tmp)
        raise


def write_text(target: str | os.PathLike, text: str, *, force: bool = True) -> Path:
    with atomic_path(target, force=force) as tmp, open(tmp, "w", encoding="utf-8",
                                                       newline="") as fh:
        fh.write(text)
    return Path(target)


def write_bytes(target: str | os.PathLike, data: bytes, *, force: bool = True) -> Path:
    with atomic_path(target, force=force) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
    return Path(target)


class Transaction:
    """Files that appear together or not at all.

        with outputs.Transaction(force=force) as tx:
            html.write(tx.path("map.html"))
            side.write(tx.path("map.html.sources.txt"))
        # both renamed into place here; on an error neither is, and no temporary file is left
    """

    def __init__(self, *, force: bool = True):
        self.force = force
        self.pending: dict[Path, Path] = {}

    def path(self, target: str | os.PathLike) -> Path:
        """The temporary name to write ``target`` to (checked like :func:`check_target`)."""
        t = check_target(target, force=self.force)
        if t in self.pending:
            return self.pending[t]
        tmp = temp_name(t)
        _remove(tmp)
        self.pending[t] = tmp
        return tmp

    def write_text(self, target: str | os.PathLike, text: str) -> Path:
        with open(self.path(target), "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        return Path(target)

    def rollback(self) -> None:
        for tmp in self.pending.values():
            _remove(tmp)
        self.pending.clear()

    def commit(self) -> list[Path]:
        """Rename every file into place; if one rename fails, put the old files back."""
        missing = [str(t) for t, tmp in self.pending.items() if not tmp.exists()]
        if missing:
            self.rollback()
            raise OutputError(f"{missing[0]}: nothing was written")
        backups: list[tuple[Path, Path | None]] = []
        try:
            for target, tmp in self.pending.items():
                backup = None
                if target.exists():
                    backup = target.with_name(f".{target.name}.bak{os.getpid()}")
                    os.replace(target, backup)
                backups.append((target, backup))
                os.replace(tmp, target)
        except OSError as exc:
            for target, backup in reversed(backups):
                _remove(target)
                if backup is not None:
                    os.replace(backup, target)
            self.rollback()
            raise OutputError(describe_os_error(exc)) from exc
        for _, backup in backups:
            if backup is not None:
                _remove(backup)
        done = list(self.pending)
        self.pending.clear()
        return done

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.rollback()
            if isinstance(exc, OSError) and not isinstance(exc, OutputError):
                raise OutputError(describe_os_error(exc)) from exc
            return
        self.commit()


@contextlib.contextmanager
def deterministic() -> Iterator[None]:
    """Fixed GDAL timestamps and SVG ids while writing (restored afterwards)."""
    import matplotlib
    import pyogrio

    old_gdal = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_TIMESTAMP})
    try:
        with matplotlib.rc_context({"svg.hashsalt": SVG_HASHSALT}):
            yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old_gdal})


def clean_stale(folder: str | os.PathLike, pattern: str = "*.tmp*", *,
                max_age_s: float = 3600.0) -> list[Path]:
    """Remove temporary files/folders a killed run left in ``folder``: those whose process
    (``.tmpPID``) is gone, or older than ``max_age_s``. Returns what was removed."""
    import re
    import time

    removed: list[Path] = []
    folder = Path(folder)
    if not folder.is_dir():
        return removed
    for p in folder.glob(pattern):
        m = re.search(r"\.tmp(\d+)", p.name)
        if not m:
            continue
        pid = int(m.group(1))
        alive = True
        if pid != os.getpid():
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                alive = False
            except PermissionError:
                alive = True
        else:
            continue
        try:
            old = time.time() - p.stat().st_mtime > max_age_s
        except FileNotFoundError:
            continue
        if not alive or old:
            _remove(p)
            removed.append(p)
    return removed
