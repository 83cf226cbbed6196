"""The dataset registry: every third-party input, pinned by sha256, fetched through pooch.

Stage 0 of the pipeline. The registry (``data/registry.yaml``) names each file with its official
URL, sha256, licence, citation and how the offline mirror copy was made. :func:`fetch` looks for
a file first in the mirror directory (``GEOCLAIMS_DATA_MIRROR``), then at its official URL, and
checks the sha256 before returning a path. A missing, truncated or altered file raises
:class:`DataError`, naming the file, the expected and the actual hash and where it looked;
nothing falls back silently.

Datasets marked ``on_demand`` (GED 25.1) have no pinned hash: the hash of the first download is
recorded in a user-local lock file (``GEOCLAIMS_LOCK``, default
``~/.local/share/geoclaims/datasets.lock.json``) and verified on every later use.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from geoclaims import paths

REGISTRY_FILE = "registry.yaml"



def _pooch():
    """pooch, imported when a file is fetched (it pulls in requests and tqdm: most commands,
    such as a point query of the control stage, never need it)."""
    import pooch

    pooch.get_logger().setLevel("WARNING")  # we report fetches ourselves
    return pooch


class DataError(RuntimeError):
    """A dataset is missing, unknown or does not match its registered hash."""


@dataclass(frozen=True)
class Dataset:
    """One registry entry."""

    name: str
    file: str
    url: str | None
    licence: str
    citation: str
    how_made: str = ""
    source_page: str | None = None
    version: str = ""
    mirror_path: str | None = None
    bundled: str | None = None  # a public-domain file shipped in data/ (path relative to it)
    sha256: str | None = None
    on_demand: bool = False
    extra: dict = field(default_factory=dict, compare=False, repr=False)


def load_registry(path: Path | None = None) -> dict[str, Dataset]:
    """Read the registry; each entry checked for the fields it must have."""
    path = path or paths.data_file(REGISTRY_FILE)
    with open(path, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    if not isinstance(doc, dict) or not isinstance(doc.get("datasets"), list):
        raise DataError(f"{path}: expected a top-level 'datasets' list")
    known = {f for f in Dataset.__dataclass_fields__ if f != "extra"}
    out: dict[str, Dataset] = {}
    for i, entry in enumerate(doc["datasets"], start=1):
        for key in ("name", "file", "licence", "citation"):
            if not entry.get(key):
                raise DataError(f"{path}: dataset entry {i}: field '{key}' is missing or empty")
        if not entry.get("on_demand") and not entry.get("sha256"):
            raise DataError(
                f"{path}: dataset entry {i} ({entry['name']}): field 'sha256' is missing; only "
                "'on_demand: true' entries may leave it empty"
            )
        if entry["name"] in out:
            raise DataError(f"{path}: dataset entry {i}: name '{entry['name']}' appears twice")
        fields = {k: v for k, v in entry.items() if k in known}
        extra = {k: v for k, v in entry.items() if k not in known}
        out[entry["name"]] = Dataset(**fields, extra=extra)
    return out


def get(name: str) -> Dataset:
    """The registry entry called ``name``; a clear error listing the known names otherwise."""
    registry = load_registry()
    if name not in registry:
        raise DataError(f"unknown dataset '{name}'; known: {', '.join(sorted(registry))}")
    return registry[name]


def mirror_dir() -> Path | None:
    """The offline mirror directory, if ``GEOCLAIMS_DATA_MIRROR`` names one."""
    value = os.environ.get("GEOCLAIMS_DATA_MIRROR")
    return Path(value) if value else None


def download_dir() -> Path:
    return paths.CACHE / "downloads"


def lock_file() -> Path:
    default = Path.home() / ".local" / "share" / "geoclaims" / "datasets.lock.json"
    return Path(os.environ.get("GEOCLAIMS_LOCK", default))


def sha256sum(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def quiet() -> bool:
    """True under CI or without a terminal: progress messages are left out (reports are not)."""
    return bool(os.environ.get("CI")) or not sys.stderr.isatty()


def _say(message: str) -> None:
    if not quiet():
        print(message, file=sys.stderr)


def _read_lock() -> dict[str, str]:
    path = lock_file()
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: the dataset lock file is not valid JSON ({exc})") from exc


def _write_lock(name: str, digest: str) -> None:
    path = lock_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = _read_lock()
    lock[name] = digest
    from geoclaims import outputs

    outputs.write_text(path, json.dumps(lock, indent=2, sort_keys=True) + "\n")


def expected_hash(ds: Dataset) -> str | None:
    """The registered sha256, or for on-demand datasets the one recorded in the user lock."""
    return ds.sha256 or _read_lock().get(ds.name)


class _Downloader:
    """pooch downloader: copy from the mirror when it has the file, else download the URL."""

    def __init__(self, ds: Dataset, mirror: Path | None):
        self.ds = ds
        self.mirror = mirror
        self.looked: list[str] = []
        self.copied_from: Path | None = None

    def mirror_copy(self) -> Path | None:
        if self.mirror is None or not self.ds.mirror_path:
            return None
        return self.mirror / self.ds.mirror_path

    def __call__(self, url: str, output_file, pooch_obj, check_only: bool = False):
        if self.ds.bundled:  # shipped in the repository (public-domain texts only)
            source = paths.DATA / self.ds.bundled
            self.looked.append(f"bundled {source}")
            if source.exists():
                if check_only:
                    return True
                shutil.copyfile(source, output_file)
                self.copied_from = source
                return None
        candidate = self.mirror_copy()
        if candidate is not None:
            self.looked.append(f"mirror {candidate}")
            if candidate.exists():
                if check_only:
                    return True
                _say(f"geoclaims: copying {self.ds.name} from the mirror {candidate}")
                shutil.copyfile(candidate, output_file)
                self.copied_from = candidate
                return None
        if not self.ds.url or self.ds.url.startswith("mirror:"):
            if check_only:
                return False
            raise DataError(
                f"dataset '{self.ds.name}' ({self.ds.file}) not found; looked in: "
                f"{'; '.join(self.looked) or 'no mirror set (GEOCLAIMS_DATA_MIRROR)'}; "
                "it has no download URL"
            )
        self.looked.append(f"url {self.ds.url}")
        _say(f"geoclaims: downloading {self.ds.name} from {self.ds.url}")
        http = _pooch().HTTPDownloader(progressbar=not quiet())
        return http(self.ds.url, output_file, pooch_obj, check_only=check_only)


#: Temporary downloads older than this are left over from a killed run and removed.
STALE_SECONDS = 3600


def clean_downloads() -> list[Path]:
    """Remove temporary files a killed download left in the download folder (pooch names them
    ``tmp*``): those older than :data:`STALE_SECONDS`. Returns what was removed."""
    import time

    removed = []
    folder = download_dir()
    if not folder.is_dir():
        return removed
    for p in folder.glob("tmp*"):
        try:
            if p.is_file() and time.time() - p.stat().st_mtime > STALE_SECONDS:
                p.unlink()
                removed.append(p)
        except OSError:
            continue
    return removed


def fetch(name: str, *, mirror: Path | None = None) -> Path:
    """Return the local path of dataset ``name``, fetched and checked against its sha256."""
    ds = get(name)
    clean_downloads()
    mirror = mirror if mirror is not None else mirror_dir()
    want = expected_hash(ds)
    downloader = _Downloader(ds, mirror)
    target = download_dir() / ds.file
    url = ds.url or f"mirror://{ds.mirror_path or ds.bundled}"
    try:
        path = Path(
            _pooch().retrieve(
                url,
                known_hash=f"sha256:{want}" if want else None,
                fname=ds.file,
                path=download_dir(),
                downloader=downloader,
                progressbar=False,
            )
        )
    except ValueError as exc:
        # pooch deletes a download that fails its check; hash what it was copied from instead
        checked = target if target.exists() else downloader.copied_from
        actual = sha256sum(checked) if checked is not None else f"(see: {exc})"
        source = downloader.looked[-1] if downloader.looked else f"cache {target}"
        if target.exists():
            target.unlink()  # never leave a file that failed its check where it could be used
        raise DataError(
            f"dataset '{ds.name}' ({ds.file}) failed its sha256 check: expected {want}, "
            f"actual {actual}; it came from {source}"
        ) from exc
    except OSError as exc:  # network errors, unreadable mirror
        raise DataError(
            f"dataset '{ds.name}' ({ds.file}) could not be fetched: {exc}; looked in: "
            f"{'; '.join(downloader.looked) or f'cache {target}'}"
        ) from exc
    if not want:
        digest = sha256sum(path)
        _write_lock(ds.name, digest)
        _say(f"geoclaims: recorded sha256 {digest} for {ds.name} in {lock_file()}")
    return path


@dataclass
class Check:
    """One file checked by :func:`verify`."""

    name: str
    where: str
    path: str
    expected: str | None
    actual: str | None
    ok: bool
    message: str


def verify(names: list[str] | None = None, *, mirror: Path | None = None) -> list[Check]:
    """Check the cached copy and the mirror copy of each dataset against its hash.

    On-demand datasets are checked only if they have been fetched. Nothing is downloaded.
    """
    registry = load_registry()
    mirror = mirror if mirror is not None else mirror_dir()
    checks: list[Check] = []
    for name in names or list(registry):
        if name not in registry:
            raise DataError(f"unknown dataset '{name}'; known: {', '.join(sorted(registry))}")
        ds = registry[name]
        want = expected_hash(ds)
        places = [("cache", download_dir() / ds.file)]
        if mirror is not None and ds.mirror_path:
            places.append(("mirror", mirror / ds.mirror_path))
        if ds.bundled:
            places.append(("bundled", paths.DATA / ds.bundled))
        seen = False
        for where, path in places:
            if not path.exists():
                continue
            seen = True
            actual = sha256sum(path)
            ok = want is not None and actual == want
            if ok:
                message = "ok"
            elif want is None:
                message = "no recorded hash to compare with"
            else:
                message = f"sha256 mismatch: expected {want}, actual {actual}"
            checks.append(Check(name, where, str(path), want, actual, ok, message))
        if not seen and not ds.on_demand:
            looked = ", ".join(str(p) for _, p in places)
            checks.append(
                Check(name, "-", looked, want, None, False, f"missing; looked in {looked}")
            )
    return checks


def markdown() -> str:
    """The README's "Data and licences" list, generated from the registry (a test compares)."""
    lines = []
    for ds in load_registry().values():
        lines.append(f"- **{ds.name}** (`{ds.file}`)" + (f", {ds.version}" if ds.version else ""))
        lines.append(f"  - Licence: {ds.licence}")
        lines.append(f"  - Cite: {' '.join(ds.citation.split())}")
        where = ds.url or ds.source_page
        if ds.bundled:
            where = f"shipped in data/{ds.bundled} (public domain); {where}"
        lines.append(f"  - Source: {where or 'offline mirror only'}"
                     + ("; fetched only when asked" if ds.on_demand else ""))
        lines.append(f"  - How the copy was made: {' '.join(ds.how_made.split())}")
    return "\n".join(lines)
