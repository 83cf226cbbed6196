"""Where things live: the repository's curated data, the download cache and the outputs.

Every location can be overridden with an environment variable so that the package also works
when installed outside the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The repository root (``src/geoclaims/paths.py`` -> two levels up from the package).
ROOT = Path(os.environ.get("GEOCLAIMS_ROOT", Path(__file__).resolve().parents[2]))
#: Curated, project-authored text data (place variants, regions, control ledger, claims).
DATA = Path(os.environ.get("GEOCLAIMS_DATA", ROOT / "data"))
#: Third-party downloads and derived caches (git-ignored).
CACHE = Path(os.environ.get("GEOCLAIMS_CACHE", DATA / "cache"))
#: Figures written by ``make all``.
FIGURES = Path(os.environ.get("GEOCLAIMS_FIGURES", ROOT / "figures"))
#: Dated findings, evidence tables and exports written by ``make all``.
OUTPUTS = Path(os.environ.get("GEOCLAIMS_OUTPUTS", ROOT / "outputs"))


def data_file(name: str) -> Path:
    """Path of a curated file in ``data/``; a clear error if it is missing."""
    path = DATA / name
    if not path.exists():
        raise FileNotFoundError(f"curated data file not found: {path}")
    return path


def relative(path: str | os.PathLike, *bases: str | os.PathLike) -> str | None:
    """``path`` relative to the first of ``bases`` that holds it (POSIX separators), or
    ``None``: how printed reports and pages name files without the machine's absolute paths."""
    try:
        p = Path(path).resolve()
    except OSError:
        return None
    for base in bases:
        try:
            return p.relative_to(Path(base).resolve()).as_posix()
        except (ValueError, OSError):
            continue
    return None
