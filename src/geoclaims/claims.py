"""The article's claims as registered, testable statements, with verdicts, intervals and evidence.

Stage ``claims`` of the pipeline (datasets -> article -> places -> events -> control -> claims).

- :func:`load_registry` reads ``data/claims.yaml`` and checks it against the article file: the
  file's sha256, every span's offsets and every span's own sha256. Errors name the file, the
  claim id and the field.
- :func:`evaluate_all` runs every claim's operational test on a frame of events (the columns of
  :mod:`geoclaims.events`, classified by :func:`geoclaims.control.classify`), with day-cluster
  bootstrap intervals (:mod:`geoclaims.stats`), a verdict from the registered decision rule, a
  sensitivity table and the events behind each estimate.
- :func:`write_outputs` writes the evidence CSVs and a dated findings file; the verdict table is
  byte-identical for the same inputs (no timestamps, sorted keys, fixed rounding).
- :func:`run` wires the real pipeline: ``events.load`` -> ``control.classify`` -> ``evaluate_all``.

Geometry comes through a small provider (:class:`PackageGeo` by default, wrapping
:mod:`geoclaims.regions` and :mod:`geoclaims.control`), so every test can run on synthetic
geometry and events.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import io
import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
import shapely
import yaml
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from geoclaims import paths, stats, style
from geoclaims.control import SPAN_END as CONTROL_SPAN_END
from geoclaims.control import UNKNOWN
from geoclaims.stats import CONTRADICTED, MIXED, NOT_APPLICABLE, NOT_TESTABLE, SUPPORTED, Stratum

log = logging.getLogger(__name__)

CLAIMS_FILE = "claims.yaml"
#: Equal-area projection centred on Syria, used for areas, buffers and point-in-zone tests.
LAEA = "+proj=laea +lat_0=35 +lon_0=38.5 +datum=WGS84 +units=m +no_defs"
WGS84 = "EPSG:4326"
US_HELD = ("sdf", "us_coalition")
SYRIA_NAMES = ("Syria", "SYR", "Syrian Arab Republic")
IRAQ_NAMES = ("Iraq", "IRQ")
#: The day after the control ledger's last day: controller-based periods end here at the latest
#: (``control.classify`` gives controller 'unknown' to every later event).
CONTROL_END = pd.Timestamp(CONTROL_SPAN_END) + pd.Timedelta(days=1)
#: Tests whose main metric needs the controller of each event (or the ledger's zones).
CONTROL_KINDS = ("share_in_zone", "rate_in_zone", "stronghold_location")
#: Share of a test's events without a controller above which the reason adds a sensitivity note.
UNKNOWN_NOTE_SHARE = 0.05
#: Which copy of a UCDP event held by several loaded releases is kept in the combined run: the
#: copy of the first release listed here (the newest first); releases not listed come after
#: these, by name. The rule does not depend on the order the datasets were given in.
UCDP_RELEASE_PREFERENCE = ("ucdp-ged-251", "ucdp-ged-231-sample", "ucdp-ged-syria")
TEST_KINDS = (
    "share_in_zone",
    "rate_in_zone",
    "stronghold_location",
    "rate_ratio_periods",
    "growth_ratio_countries",
    "heartland_share",
    "density_ratio",
)
EVIDENCE_COLUMNS = [
    "event_id", "dataset", "date", "country", "admin1", "admin2", "lat", "lon", "side_a",
    "side_b", "deaths_best", "controller", "control_rows", "group", "headline",
]
TABLE_COLUMNS = [
    "id", "title", "verdict", "main_verdict", "estimate", "ci_low", "ci_high", "n_events",
    "metric", "rule", "flipped_under", "reason", "evidence_file",
]
SENSITIVITY_COLUMNS = [
    "id", "variant", "label", "verdict", "estimate", "ci_low", "ci_high", "n_events", "n_boot",
    "n_valid", "same_as_main", "reason",
]
_TO_LAEA = Transformer.from_crs(WGS84, LAEA, always_xy=True)


class ClaimsError(ValueError):
    """The claim registry is malformed or does not match the article file."""


# ---------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A place in the article: character offsets (end exclusive) and the span's sha256."""

    lang: str
    paragraph: int
    start: int
    end: int
    sha256: str


@dataclass(frozen=True)
class Claim:
    id: str
    family: str
    notebook: str
    title: str
    paraphrase: str
    spans: tuple[Span, ...]
    test: dict
    data_needs: tuple[str, ...]

    @property
    def rule(self) -> dict:
        return self.test["rule"]

    def spans_in(self, lang: str) -> list[Span]:
        return [s for s in self.spans if s.lang == lang]


@dataclass(frozen=True)
class Registry:
    path: Path
    article: dict
    settings: dict
    claims: tuple[Claim, ...]

    def claim(self, claim_id: str) -> Claim:
        for c in self.claims:
            if c.id == claim_id:
                return c
        raise ClaimsError(
            f"{self.path}: no claim '{claim_id}'; known: {', '.join(c.id for c in self.claims)}"
        )

    @property
    def publication_date(self) -> pd.Timestamp:
        return pd.Timestamp(self.article["publication"]["date"])

    @property
    def publication_latest(self) -> pd.Timestamp:
        pub = self.article["publication"]
        return pd.Timestamp(pub.get("latest") or pub["date"])


_CLAIM_FIELDS = ("id", "family", "notebook", "title", "paraphrase", "spans", "test", "data_needs")
_SPAN_FIELDS = ("lang", "paragraph", "start", "end", "sha256")
_TEST_FIELDS = ("kind", "events", "period", "zone", "metric", "rule", "rule_text")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph: the non-blank blocks separated by blank lines."""
    return [(m.start(), m.end()) for m in re.finditer(r"\S(?:.|\n(?![ \t]*\n))*", text)]


def article_path() -> Path:
    """The article file, fetched and checked through the dataset registry."""
    from geoclaims import datasets

    return datasets.fetch("article")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_registry(
    path: Path | None = None, *, article: Path | None = None, check_article: bool = True
) -> Registry:
    """Read and validate the claim registry.

    Every claim needs the fields in ``_CLAIM_FIELDS``, a test with ``_TEST_FIELDS`` and a known
    rule; with ``check_article`` the article file (default: ``datasets.fetch('article')``) must
    have the registered sha256, and every span must lie in the file, in its paragraph, and hash
    to its registered sha256. Errors name the file, the claim and the field.
    """
    path = Path(path) if path else paths.data_file(CLAIMS_FILE)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ClaimsError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(doc, dict):
        raise ClaimsError(f"{path}: expected a mapping at the top level")
    for key in ("article", "settings", "claims"):
        if not doc.get(key):
            raise ClaimsError(f"{path}: top-level field '{key}' is missing or empty")
    art = doc["article"]
    for key in ("sha256", "publication"):
        if not art.get(key):
            raise ClaimsError(f"{path}: article: field '{key}' is missing or empty")
    pub = art["publication"]
    for key in ("date", "basis", "sources"):
        if not pub.get(key):
            raise ClaimsError(f"{path}: article.publication: field '{key}' is missing or empty")
    for key in ("date", "earliest", "latest"):
        if key in pub:
            try:
                pd.Timestamp(pub[key])
            except (ValueError, TypeError) as exc:
                raise ClaimsError(
                    f"{path}: article.publication: field '{key}' is not a date ({pub[key]!r})"
                ) from exc
    text = None
    if check_article:
        apath = Path(article) if article else article_path()
        raw = apath.read_bytes()
        actual = hashlib.sha256(raw).hexdigest()
        if actual != art["sha256"]:
            raise ClaimsError(
                f"{path}: article.sha256: the article file {apath} has sha256 {actual}, the "
                f"registry expects {art['sha256']}; the text has changed, so every span's "
                "offsets must be checked and re-registered"
            )
        text = raw.decode("utf-8")
    paras = paragraphs(text) if text is not None else []
    claims: list[Claim] = []
    seen: set[str] = set()
    for i, entry in enumerate(doc["claims"], start=1):
        if not isinstance(entry, dict):
            raise ClaimsError(f"{path}: claim entry {i}: expected a mapping")
        cid = entry.get("id") or f"#{i}"
        for key in _CLAIM_FIELDS:
            if entry.get(key) in (None, "", [], {}):
                raise ClaimsError(f"{path}: claim {cid}: field '{key}' is missing or empty")
        if cid in seen:
            raise ClaimsError(f"{path}: claim {cid}: id appears twice")
        seen.add(cid)
        test = entry["test"]
        for key in _TEST_FIELDS:
            if test.get(key) in (None, "", [], {}):
                raise ClaimsError(f"{path}: claim {cid}: field 'test.{key}' is missing or empty")
        if test["kind"] not in TEST_KINDS:
            raise ClaimsError(
                f"{path}: claim {cid}: field 'test.kind' is {test['kind']!r}; known: "
                f"{', '.join(TEST_KINDS)}"
            )
        rule = test["rule"]
        if rule.get("type") not in stats.RULE_TYPES:
            raise ClaimsError(
                f"{path}: claim {cid}: field 'test.rule.type' is {rule.get('type')!r}; known: "
                f"{', '.join(stats.RULE_TYPES)}"
            )
        if not isinstance(rule.get("threshold"), (int, float)):
            raise ClaimsError(f"{path}: claim {cid}: field 'test.rule.threshold' must be a number")
        spans: list[Span] = []
        for j, sp in enumerate(entry["spans"]):
            where = f"{path}: claim {cid}: field 'spans[{j}]"
            for key in _SPAN_FIELDS:
                if sp.get(key) in (None, ""):
                    raise ClaimsError(f"{where}.{key}' is missing or empty")
            start, end, para = sp["start"], sp["end"], sp["paragraph"]
            if not all(isinstance(v, int) for v in (start, end, para)) or not 0 <= start < end:
                raise ClaimsError(f"{where}': offsets must be integers with 0 <= start < end")
            if text is not None:
                if end > len(text):
                    raise ClaimsError(
                        f"{where}.end' = {end} is past the end of the article ({len(text)} chars)"
                    )
                if not 0 <= para < len(paras) or not (
                    paras[para][0] <= start and end <= paras[para][1]
                ):
                    raise ClaimsError(f"{where}.paragraph' = {para}: the span is not in it")
                got = _sha(text[start:end])
                if got != sp["sha256"]:
                    raise ClaimsError(
                        f"{where}.sha256': the text at {start}:{end} hashes to {got}, expected "
                        f"{sp['sha256']}"
                    )
            spans.append(Span(str(sp["lang"]), int(para), int(start), int(end), str(sp["sha256"])))
        if not any(s.lang == "en" for s in spans):
            raise ClaimsError(f"{path}: claim {cid}: field 'spans' has no English ('en') span")
        claims.append(
            Claim(
                id=str(cid),
                family=str(entry["family"]),
                notebook=str(entry["notebook"]),
                title=str(entry["title"]),
                paraphrase=" ".join(str(entry["paraphrase"]).split()),
                spans=tuple(spans),
                test=test,
                data_needs=tuple(str(d) for d in entry["data_needs"]),
            )
        )
    return Registry(path=path, article=art, settings=doc["settings"], claims=tuple(claims))


def span_text(span: Span, article: Path | None = None) -> str:
    """The article's own words at a registered span, read from the file at run time."""
    text = Path(article or article_path()).read_text(encoding="utf-8")
    return text[span.start : span.end]


#: Characters with a meaning in Markdown (CommonMark, plus ``$`` for math in Jupyter) that
#: :func:`markdown_literal` escapes with a backslash.
_MARKDOWN_SPECIAL = "\\`*_{}[]()#+-.!|~$:"


def markdown_literal(text: str) -> str:
    """Third-party text (the article's words) for a Markdown cell, shown literally.

    Every Markdown-special character gets a backslash (so ``*``, ``_``, ``[...](...)``, ``#``,
    ``$...$`` do not format), then HTML is escaped (so tags and entities show as written).
    Newlines become spaces: the text stays inside its line (for example a blockquote line).
    """
    out = " ".join(str(text).split())
    out = "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in out)
    return html.escape(out, quote=True)


def claim_quotes(claim: Claim, article: Path | None = None) -> pd.DataFrame:
    """The article's own words for a claim (every registered span, English then French), read
    from the article file at the registered offsets. For display only; never stored."""
    text = Path(article or article_path()).read_text(encoding="utf-8")
    rows = [{"lang": s.lang, "paragraph": s.paragraph, "start": s.start, "end": s.end,
             "text": " ".join(text[s.start : s.end].split())}
            for s in sorted(claim.spans, key=lambda s: (s.lang != "en", s.start))]
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# Geometry provider
# ---------------------------------------------------------------------------------------------


class GeoUnavailable(RuntimeError):
    """A geometry the test needs cannot be built (upstream module missing or failing)."""


class Geo(Protocol):
    def region(self, region_id: str) -> BaseGeometry: ...
    def syria(self) -> BaseGeometry: ...
    def governorates(self) -> pd.DataFrame: ...  # pcode, name, geometry
    def control_at(self, when: pd.Timestamp) -> pd.DataFrame: ...  # controller, geometry


class PackageGeo:
    """Geometry from :mod:`geoclaims.regions` and :mod:`geoclaims.control` (imported lazily)."""

    def __init__(self) -> None:
        self._cache: dict[Any, Any] = {}

    def _call(self, key: Any, fn: Callable[[], Any], what: str) -> Any:
        if key not in self._cache:
            try:
                self._cache[key] = fn()
            except Exception as exc:  # upstream missing or broken: the claim says so
                raise GeoUnavailable(f"{what}: {type(exc).__name__}: {exc}") from exc
        return self._cache[key]

    def region(self, region_id: str) -> BaseGeometry:
        def get() -> BaseGeometry:
            from geoclaims import regions

            return regions.region(region_id).geometry

        return self._call(("region", region_id), get, f"regions.region('{region_id}')")

    def syria(self) -> BaseGeometry:
        def get() -> BaseGeometry:
            from geoclaims import regions

            return regions.syria()

        return self._call("syria", get, "regions.syria()")

    def governorates(self) -> pd.DataFrame:
        def get() -> pd.DataFrame:
            from geoclaims import regions

            return regions.governorates()[["pcode", "name", "geometry"]]

        return self._call("governorates", get, "regions.governorates()")

    def control_at(self, when: pd.Timestamp) -> pd.DataFrame:
        def get() -> pd.DataFrame:
            from geoclaims import control

            return control.control_at(pd.Timestamp(when).date())[["controller", "geometry"]]

        return self._call(("control_at", str(when)), get, f"control.control_at({when.date()})")


def to_laea(geom: BaseGeometry) -> BaseGeometry:
    """A lon/lat geometry in the Syria-centred equal-area projection (metres).

    Edges are first densified to 0.05 degree so that long straight edges in lon/lat stay on the
    same curve after projection (shared edges of adjacent zones keep matching).
    """
    dense = shapely.segmentize(geom, 0.05)
    return shapely.transform(
        dense, lambda xy: np.column_stack(_TO_LAEA.transform(xy[:, 0], xy[:, 1]))
    )


def area_km2(geom_laea: BaseGeometry) -> float:
    return float(geom_laea.area) / 1e6


# ---------------------------------------------------------------------------------------------
# Events and variants
# ---------------------------------------------------------------------------------------------


def prepare_events(events: pd.DataFrame) -> pd.DataFrame:
    """A sorted working copy with ``day``, ``x``/``y`` (LAEA metres), numeric deaths, flags.

    Rows are sorted by (day, dataset, event_id) so every later step is order-independent.
    Required: event_id, date_start, isis and lat/lon (or a point geometry). Missing or
    unparseable coordinates become NaN (outside every zone and region); their number is logged
    and kept in ``result.attrs['bad_coordinates']`` (reported in the Evaluation's data).
    """
    missing = [c for c in ("event_id", "date_start", "isis") if c not in events.columns]
    if missing:
        raise ClaimsError(f"events frame: required column(s) missing: {', '.join(missing)}")
    ev = pd.DataFrame(events.drop(columns="geometry", errors="ignore")).copy()
    if "lat" not in ev.columns or "lon" not in ev.columns:
        if "geometry" not in events.columns:
            raise ClaimsError("events frame: needs lat/lon columns or a point geometry")
        ev["lon"] = events.geometry.x.to_numpy()
        ev["lat"] = events.geometry.y.to_numpy()
    ev["event_id"] = ev["event_id"].astype(str)
    if "dataset" not in ev.columns:
        ev["dataset"] = "unknown"
    ev["dataset"] = ev["dataset"].astype(str)
    ev["day"] = pd.to_datetime(ev["date_start"]).dt.tz_localize(None).dt.normalize()
    ev["isis"] = ev["isis"].fillna(False).astype(bool)
    for col in ("deaths_best", "deaths_low", "deaths_high"):
        if col in ev.columns:
            ev[col] = pd.to_numeric(ev[col], errors="coerce").fillna(0.0).astype(float)
    if "deaths_best" not in ev.columns:
        ev["deaths_best"] = 0.0
    ev["precise"] = ev["precise"].fillna(False).astype(bool) if "precise" in ev.columns else False
    if "dist_other_km" in ev.columns:
        ev["dist_other_km"] = pd.to_numeric(ev["dist_other_km"], errors="coerce").astype(float)
    if "controller" in ev.columns:
        ev["controller"] = ev["controller"].astype("string").fillna("unknown").astype(str)
    if "us_held" in ev.columns:
        ev["us_held"] = ev["us_held"].fillna(False).astype(bool)
    if "country" in ev.columns:
        ev["country"] = ev["country"].astype("string").fillna("").astype(str)
    lon = pd.to_numeric(ev["lon"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(ev["lat"], errors="coerce").to_numpy(dtype=float)
    x, y = _TO_LAEA.transform(lon, lat)
    ev["x"], ev["y"] = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    bad = int((~(np.isfinite(ev["x"].to_numpy()) & np.isfinite(ev["y"].to_numpy()))).sum())
    if bad:
        log.warning("%d events have missing or unparseable coordinates: they fall outside every "
                    "zone and region in the claim tests", bad)
    ev = ev.sort_values(["day", "dataset", "event_id"], kind="mergesort", ignore_index=True)
    ev.attrs["bad_coordinates"] = bad
    return ev


def ucdp_release_order(names: Iterable[str]) -> list[str]:
    """The loaded UCDP releases in the order of preference of :data:`UCDP_RELEASE_PREFERENCE`
    (releases not listed there after those, by name): independent of the order given."""
    names = set(names)
    return ([n for n in UCDP_RELEASE_PREFERENCE if n in names]
            + sorted(n for n in names if n not in UCDP_RELEASE_PREFERENCE))


def dedupe_ucdp(ev: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Keep one copy of each UCDP event present in several loaded releases.

    UCDP GED event ids are shared between releases; the copy kept comes from the release first in
    :func:`ucdp_release_order` (the newest release), whatever order the datasets were loaded in.
    Only the combined run is deduplicated: the per-dataset variants use every event of their
    dataset. Returns the frame and the number of rows removed.
    """
    ucdp = ev["dataset"].str.startswith("ucdp")
    if not ucdp.any() or ev.loc[ucdp, "dataset"].nunique() < 2:
        return ev, 0
    rank = {name: i for i, name in enumerate(ucdp_release_order(ev.loc[ucdp, "dataset"]))}
    cand = ev[ucdp]
    cand = cand.assign(_r=cand["dataset"].map(rank)).sort_values(["_r"], kind="mergesort")
    dup_index = cand.index[cand.duplicated("event_id")]
    dup = ev.index.isin(dup_index)
    if dup.any():
        log.info("removed %d UCDP events present in more than one release (kept the copy of "
                 "the release first in %s)", int(dup.sum()), list(rank))
    return ev[~dup].reset_index(drop=True), int(dup.sum())


@dataclass(frozen=True)
class Variant:
    """One way of running a test: the main one, or a sensitivity variant."""

    name: str
    label: str
    weight: str = "events"  # "events" | "deaths"
    precise_only: bool = False
    min_dist_km: float | None = None
    contested: str | None = None  # None (as classified) | "in" | "out"
    pub: str = "date"  # "date" | "latest"
    dataset: str | None = None
    extra: dict = field(default_factory=dict, compare=False)


MAIN = Variant("main", "main test (events, all, as classified)")


def variants_for(claim: Claim, registry: Registry, datasets_loaded: Iterable[str]) -> list[Variant]:
    """The main test and its sensitivity variants for one claim."""
    kind = claim.test["kind"]
    out = [
        MAIN,
        Variant("deaths", "weighted by deaths (best estimate)", weight="deaths"),
        Variant("precise_only", "precise locations only", precise_only=True),
    ]
    for km in registry.settings.get("boundary_buffers_km", [10, 25]):
        out.append(Variant(f"boundary_{km:g}km", f"without events within {km:g} km of a control "
                           "boundary", min_dist_km=float(km)))
    if kind in ("share_in_zone", "rate_in_zone", "stronghold_location"):
        out.append(Variant("contested_in", "contested ground counted in the claim's zone",
                           contested="in"))
        out.append(Variant("contested_out", "contested ground counted outside it",
                           contested="out"))
    if kind != "heartland_share" and registry.publication_latest != registry.publication_date:
        out.append(Variant("pub_latest", "latest possible publication date", pub="latest"))
    if kind == "share_in_zone":
        out.append(Variant("isis_pocket_in_zone", "IS-held pockets counted as part of the "
                           "US-held region", extra={"isis_pocket": True}))
    if kind == "rate_in_zone":
        out.append(Variant("whole_west", "all ground west of the Euphrates, any controller",
                           extra={"any_controller": True}))
    for name, params in (claim.test.get("variants_extra") or {}).items():
        out.append(Variant(name, name.replace("_", " "), extra=dict(params)))
    if kind == "density_ratio":
        near = float(claim.rule.get("near_km", 25))
        for km in sorted({0.0, 2 * near} - {near}):
            out.append(Variant(f"near_{km:g}km", f"entry areas buffered by {km:g} km",
                               extra={"near_km": km}))
    loaded = sorted(set(datasets_loaded))
    if len(loaded) > 1:
        for ds in loaded:
            out.append(Variant(f"dataset_{ds}", f"{ds} only", dataset=ds))
    return out


def apply_variant(ev: pd.DataFrame, v: Variant) -> tuple[pd.DataFrame, list[str]]:
    """Filter and weight events for a variant; every filter reports what it removed."""
    notes: list[str] = []
    out = ev
    if v.precise_only:
        keep = out["precise"]
        notes.append(f"precise_only removed {int((~keep).sum())} imprecise events")
        out = out[keep]
    if v.min_dist_km is not None:
        if "dist_other_km" not in out.columns:
            raise GeoUnavailable("events have no dist_other_km column (control.classify)")
        near = out["dist_other_km"].fillna(np.inf) < v.min_dist_km
        notes.append(f"removed {int(near.sum())} events within {v.min_dist_km:g} km of a "
                     "control boundary")
        out = out[~near]
    if v.dataset is not None:
        other = out["dataset"] != v.dataset
        notes.append(f"removed {int(other.sum())} events of other datasets")
        out = out[~other]
    out = out.copy()
    out["w"] = out["deaths_best"].astype(float) if v.weight == "deaths" else 1.0
    return out, notes


# ---------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """The result of one claim under one variant."""

    verdict: str
    estimate: float = float("nan")
    ci_low: float = float("nan")
    ci_high: float = float("nan")
    n_events: int = 0
    reason: str = ""
    components: dict = field(default_factory=dict)
    evidence: pd.DataFrame | None = None
    tables: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    n_boot: int = 0  # bootstrap replicates drawn (0: no bootstrap ran)
    n_valid: int = 0  # replicates with a defined estimate (not NaN)
    same_as_main: str = ""  # why a variant is the main test again ("" if it is not)


@dataclass
class Context:
    registry: Registry
    geo: Geo
    data_start: pd.Timestamp
    data_end: pd.Timestamp  # exclusive: the day after the last event
    datasets: tuple[str, ...]

    def pub(self, v: Variant) -> pd.Timestamp:
        r = self.registry
        return r.publication_latest if v.pub == "latest" else r.publication_date

    @property
    def min_events(self) -> int:
        return int(self.registry.settings.get("min_events", 10))

    @property
    def n_boot(self) -> int:
        return int(self.registry.settings.get("n_boot", 2000))

    def seed(self, claim: Claim, v: Variant) -> int:
        return stats.seed_for(int(self.registry.settings.get("seed", 0)), claim.id, v.name)


def _in_syria(ev: pd.DataFrame) -> pd.Series:
    if "country" not in ev.columns:
        return pd.Series(True, index=ev.index)
    return ev["country"].isin(SYRIA_NAMES)


def _contains(geom_laea: BaseGeometry, ev: pd.DataFrame) -> pd.Series:
    if ev.empty:
        return pd.Series(False, index=ev.index, dtype=bool)
    vals = shapely.contains_xy(geom_laea, ev["x"].to_numpy(), ev["y"].to_numpy())
    return pd.Series(np.asarray(vals, dtype=bool), index=ev.index)


def _region_laea(ctx: Context, region_id: str) -> BaseGeometry:
    return to_laea(ctx.geo.region(region_id))


def _boot(ctx: Context, claim: Claim, v: Variant, frame: pd.DataFrame, strata, estimator):
    return stats.bootstrap(
        frame, strata, estimator, seed=ctx.seed(claim, v), n_boot=ctx.n_boot, weight="w"
    )


def _decide(claim: Claim, b: stats.BootResult) -> tuple[str, dict, str]:
    """Verdict of a bootstrap result under the claim's rule, its replicate counts (for the
    Outcome) and, if too many replicates were undefined, why it is not testable."""
    verdict, why = stats.decide_boot(claim.rule, b)
    return verdict, {"n_boot": b.n_boot, "n_valid": b.n_valid}, why


def uses_control(claim: Claim, v: Variant) -> bool:
    """Does this run need each event's controller? The control-based tests (C1-C3) always do;
    every other test under a boundary variant (distance to a control boundary) does too."""
    return claim.test["kind"] in CONTROL_KINDS or v.min_dist_km is not None


def _cap_at_ledger(claim: Claim, v: Variant, pool: pd.DataFrame, s: pd.Timestamp,
                   e: pd.Timestamp) -> tuple[pd.Timestamp, dict]:
    """End of a control-based run's period ``[s, e)``, cut at the control ledger's last day, and
    what the cut left out: events of ``pool`` (the test's IS events before the period filter)
    and days from the cut to ``e``. Runs that do not use control, or end in time, are unchanged.
    """
    if not uses_control(claim, v) or e <= CONTROL_END:
        return e, {}
    cut_from = max(s, CONTROL_END)
    n = int(((pool["day"] >= cut_from) & (pool["day"] < e)).sum())
    return max(CONTROL_END, s), {"control_cut_from": cut_from, "control_cut_events": n,
                                 "control_cut_days": int((e - cut_from).days)}


def _is_events_in_period(claim: Claim, v: Variant, ev: pd.DataFrame, s: pd.Timestamp,
                         e: pd.Timestamp) -> tuple[pd.DataFrame, pd.Timestamp, dict]:
    """The IS events in Syria within ``[s, e)``, the period's end after the ledger cut
    (:func:`_cap_at_ledger`) and what that cut left out."""
    pool = ev[ev["isis"] & _in_syria(ev)]
    e, cut = _cap_at_ledger(claim, v, pool, s, e)
    return pool[(pool["day"] >= s) & (pool["day"] < e)], e, cut


def _known_controller(sel: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The events of ``sel`` with a known controller, and how many had none ('unknown')."""
    known = sel["controller"] != UNKNOWN
    return sel[known], int((~known).sum())


def _cut_text(c: Mapping) -> str:
    return (f"left out {c['control_cut_events']} IS events and {c['control_cut_days']} days from "
            f"{pd.Timestamp(c['control_cut_from']).date()} on: the control ledger ends on "
            f"{CONTROL_SPAN_END}, so later events have controller 'unknown'")


def _period(ctx: Context, claim: Claim, v: Variant) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The test's period ``[start, end)``, cut at the data's end (not at the ledger's end: a
    control-based test cuts it with :func:`_cap_at_ledger` and reports the cut)."""
    per = claim.test["period"]
    start = per.get("start", "publication")
    end = per.get("end", "data_end")
    s = ctx.pub(v) if start == "publication" else pd.Timestamp(start)
    e = ctx.data_end if end == "data_end" else pd.Timestamp(end) + pd.Timedelta(days=1)
    return s, min(e, ctx.data_end)


def _too_few(n: int, ctx: Context, what: str) -> Outcome | None:
    if n < ctx.min_events:
        return Outcome(NOT_TESTABLE, n_events=n, components={"below_min_events": True},
                       reason=f"only {n} {what}; the registry asks for at least {ctx.min_events}")
    return None


def _share_outcome(ctx, claim, v, sel: pd.DataFrame, inzone: pd.Series, s, e, what) -> Outcome:
    frame = sel.assign(group=np.where(inzone, "zone", "rest"))
    too_few = _too_few(len(frame), ctx, what)
    if too_few:
        return too_few
    b = _boot(ctx, claim, v, frame, [(Stratum("period", s, e), ["zone", "rest"])],
              lambda g: g["zone"] / (g["zone"] + g["rest"]))
    verdict, counts, why = _decide(claim, b)
    ev = frame.assign(group=np.where(inzone, "numerator", "rest"))
    return Outcome(verdict, b.estimate, b.ci_low, b.ci_high, len(frame), reason=why,
                   components={"formula": "sum(w | numerator) / sum(w)", "weight": v.weight,
                               "period_start": s, "period_end_exclusive": e,
                               "n_numerator": int(inzone.sum()), "n_total": len(frame),
                               "w_numerator": b.sums["zone"],
                               "w_total": b.sums["zone"] + b.sums["rest"]},
                   evidence=ev, **counts)


def _need(ev: pd.DataFrame, cols: Iterable[str], why: str) -> None:
    missing = [c for c in cols if c not in ev.columns]
    if missing:
        raise GeoUnavailable(f"events lack column(s) {', '.join(missing)} ({why})")


def evaluate_share_in_zone(claim: Claim, ev: pd.DataFrame, ctx: Context, v: Variant) -> Outcome:
    """C1: share of IS events (or deaths) in US-held zones over the period.

    The period ends at the control ledger's last day at the latest (the cut is reported). The
    share is computed over the IS events with a known controller: events outside every zone of
    the ledger (controller 'unknown') are neither in nor out of US-held ground; their number is
    reported, with the share's range if they were all out or all in when they are more than
    :data:`UNKNOWN_NOTE_SHARE` of the events.
    """
    _need(ev, ("us_held", "controller"), "control.classify")
    s, e = _period(ctx, claim, v)
    sel_all, e, cut = _is_events_in_period(claim, v, ev, s, e)
    sel, n_unknown = _known_controller(sel_all)
    inzone = sel["us_held"].copy()
    if v.contested == "in":
        inzone |= sel["controller"] == "contested"
    elif v.contested == "out":
        inzone &= sel["controller"] != "contested"
    if v.extra.get("isis_pocket"):
        inzone |= sel["controller"] == "isis"
    out = _share_outcome(ctx, claim, v, sel, inzone, s, e,
                         "IS events with a known controller in the period")
    out.components.update({**cut, "n_unknown_controller": n_unknown,
                           "n_contested": int((sel["controller"] == "contested").sum())})
    unknown_text = (f"{n_unknown} IS events in the period lie outside every zone of the control "
                    "ledger (controller 'unknown') and are left out of the share" if n_unknown
                    else "")
    if out.verdict != NOT_TESTABLE:
        by = (sel_all.groupby("controller").agg(is_events=("event_id", "size"),
                                                 is_deaths=("deaths_best", "sum"))
              .reset_index().sort_values(["is_events", "controller"], ascending=[False, True],
                                         ignore_index=True))
        out.tables["by_controller"] = by
        parts = ", ".join(f"{r.controller} {r.is_events}" for r in by.itertuples())
        out.reason = (f"{int(inzone.sum())} of {len(sel)} IS events with a known controller from "
                      f"{s.date()} to {(e - pd.Timedelta(days=1)).date()} lie in US-held "
                      f"ground (share over events with a known controller); by controller: "
                      f"{parts}")
    if unknown_text:
        out.reason = "; ".join(x for x in (out.reason, unknown_text) if x)
        n_all = len(sel_all)
        if n_all and n_unknown > UNKNOWN_NOTE_SHARE * n_all:
            n_in = int(inzone.sum())
            out.reason += (f". Sensitivity note: {n_unknown / n_all:.1%} of the IS events have "
                           f"no controller; counted all outside US-held ground the share would "
                           f"be {n_in / n_all:.1%}, all inside {(n_in + n_unknown) / n_all:.1%}")
    return out


def _quarter_table(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=["quarter", label])
    q = frame["day"].dt.to_period("Q").astype(str)
    return q.value_counts().sort_index().rename_axis("quarter").reset_index(name=label)


def evaluate_rate_in_zone(claim: Claim, ev: pd.DataFrame, ctx: Context, v: Variant) -> Outcome:
    """C2: IS events a quarter in government-held ground west of the Euphrates.

    The period (and so the exposure in days) ends at the control ledger's last day at the
    latest; the cut is reported. IS events west of the Euphrates outside every zone of the
    ledger (controller 'unknown') cannot be placed in government-held ground: they are not
    counted in the zone, their number is reported, and the ``whole_west`` variant counts them.
    """
    _need(ev, ("controller",), "control.classify")
    west = _region_laea(ctx, "rg:syria-west-of-euphrates")
    s, e = _period(ctx, claim, v)
    per_days = float(claim.rule.get("per_days", 91.3125))
    isis_sy = ev[ev["isis"] & _in_syria(ev)]
    e, cut = _cap_at_ledger(claim, v, isis_sy, s, e)
    in_west = _contains(west, isis_sy)
    gov = isis_sy["controller"] == "syrian_government"
    if v.contested == "in":
        gov |= isis_sy["controller"] == "contested"
    zone = in_west if v.extra.get("any_controller") else (in_west & gov)
    in_period = (isis_sy["day"] >= s) & (isis_sy["day"] < e)
    basis = int(in_period.sum())
    too_few = _too_few(basis, ctx, "IS events in Syria in the period (coverage check)")
    if too_few:
        return too_few
    sel = isis_sy[zone & in_period].assign(group="zone")
    days = Stratum("period", s, e).days
    b = _boot(ctx, claim, v, sel, [(Stratum("period", s, e), ["zone"])],
              lambda g: g["zone"] / (days / per_days))
    verdict, counts, why = _decide(claim, b)
    unknown_west = int((in_west & in_period & (isis_sy["controller"] == UNKNOWN)).sum())
    context_start = s - pd.Timedelta(days=365)
    ctx_rows = isis_sy[(isis_sy["day"] >= context_start) & (isis_sy["day"] < e)]
    cw = in_west.loc[ctx_rows.index]
    q = _quarter_table(ctx_rows[cw & gov.loc[ctx_rows.index]], "west_government_held")
    q2 = _quarter_table(ctx_rows[cw], "west_any_controller")
    q3 = _quarter_table(ctx_rows, "all_syria")
    table = q3.merge(q2, on="quarter", how="left").merge(q, on="quarter", how="left")
    table = table.fillna(0)
    for col in table.columns[1:]:
        table[col] = table[col].astype(int)
    reason = (f"{len(sel)} IS events in the zone over {days} days "
              f"({s.date()} to {(e - pd.Timedelta(days=1)).date()}), out of "
              f"{basis} IS events in Syria")
    if unknown_west:
        reason += (f"; {unknown_west} IS events west of the Euphrates lie outside every zone of "
                   "the control ledger (controller 'unknown') and are not counted as "
                   "government-held" + ("" if v.extra.get("any_controller")
                                        else " (the whole_west variant counts them)"))
    if why:
        reason = f"{why}. {reason}"
    return Outcome(verdict, b.estimate, b.ci_low, b.ci_high, len(sel),
                   components={"formula": "sum(w) / (period_days / per_days)", "weight": v.weight,
                               "period_start": s, "period_end_exclusive": e,
                               "period_days": days, "per_days": per_days,
                               "w_zone": b.sums["zone"], "n_is_events_syria_period": basis,
                               "n_unknown_controller_west": unknown_west,
                               "n_contested": int((isis_sy.loc[in_period, "controller"]
                                                   == "contested").sum()), **cut},
                   reason=reason, evidence=sel, tables={"by_quarter": table}, **counts)


def _us_union(zones: pd.DataFrame, contested: str | None) -> BaseGeometry:
    ctl = list(US_HELD) + (["contested"] if contested == "in" else [])
    geoms = [to_laea(g) for g, c in zip(zones["geometry"], zones["controller"]) if c in ctl]
    return unary_union(geoms) if geoms else shapely.Polygon()


def evaluate_stronghold_location(
    claim: Claim, ev: pd.DataFrame, ctx: Context, v: Variant
) -> Outcome:
    """C3: where IS-held ground lay at the publication date, and which side it faced."""
    _need(ev, ("controller",), "control.classify")
    when = ctx.pub(v)
    zones = pd.DataFrame(ctx.geo.control_at(when))
    isis_geoms = [to_laea(g) for g, c in zip(zones["geometry"], zones["controller"]) if c == "isis"]
    if not isis_geoms:
        return Outcome(NOT_TESTABLE, reason=f"the control ledger has no IS-held zone on "
                       f"{when.date()}: nothing to locate")
    isis = unary_union(isis_geoms)
    east = _region_laea(ctx, "rg:syria-east-of-euphrates")
    syria = to_laea(ctx.geo.syria())
    area_total = area_km2(isis)
    area_east = area_km2(isis.intersection(east))
    area_share = area_east / area_total if area_total > 0 else float("nan")
    us = _us_union(zones, v.contested)
    inner = isis.boundary.difference(syria.boundary.buffer(1000.0))
    near_m = 1000.0 * float(claim.rule.get("perimeter_km", 5))
    inner_len = inner.length
    perim_share = inner.intersection(us.buffer(near_m)).length / inner_len if inner_len else 0.0
    window = int(claim.test["period"].get("window_days", 45))
    s, e = when - pd.Timedelta(days=window), min(when + pd.Timedelta(days=window + 1), ctx.data_end)
    sel_all, e, cut = _is_events_in_period(claim, v, ev, s, e)
    sel, n_unknown = _known_controller(sel_all)
    held = sel["controller"].isin((*US_HELD, "isis"))
    if v.contested == "in":
        held |= sel["controller"] == "contested"
    inzone = _contains(east, sel) & held
    out = _share_outcome(ctx, claim, v, sel, inzone, s, e,
                         "IS events with a known controller near the publication date")
    ledger = {"isis_area_km2": area_total, "isis_area_east_km2": area_east,
              "area_share_east": area_share, "perimeter_share_us_held": perim_share,
              "ledger_date": when, "n_unknown_controller": n_unknown,
              "n_contested": int((sel["controller"] == "contested").sum()),
              "n_contested_zones": int((zones["controller"] == "contested").sum()), **cut}
    out.components.update(ledger)
    unknown_text = (f"{n_unknown} IS events in the window lie outside every zone of the control "
                    "ledger (controller 'unknown') and are left out of the event share"
                    if n_unknown else "")
    if out.verdict == NOT_TESTABLE:
        out.reason = "; ".join(x for x in (out.reason, unknown_text) if x)
        return out
    ledger_ok = (area_share >= float(claim.rule.get("area_threshold", 0.95))
                 and perim_share >= float(claim.rule.get("perimeter_threshold", 0.5)))
    by_events = out.verdict
    agree = (by_events == SUPPORTED and ledger_ok) or (by_events == CONTRADICTED and not ledger_ok)
    if not agree:
        out.verdict = MIXED
    out.components.update({"ledger_test_met": bool(ledger_ok), "event_test_verdict": by_events})
    out.reason = _stronghold_reason(when, area_share, area_total, perim_share, near_m / 1000,
                                    ledger_ok, window, out.estimate, by_events, out.verdict)
    if unknown_text:
        out.reason += f" The event share is over IS events with a known controller: {unknown_text}."
        if len(sel_all) and n_unknown > UNKNOWN_NOTE_SHARE * len(sel_all):
            out.reason += (f" Sensitivity note: that is {n_unknown / len(sel_all):.1%} of the "
                           "IS events in the window.")
    return out


def _stronghold_reason(when: pd.Timestamp, area_share: float, area_total: float,
                       perim_share: float, near_km: float, ledger_ok: bool, window: int,
                       event_share: float, by_events: str, verdict: str) -> str:
    """C3's reason text: which part of the test (held ground, activity) supports the claim."""
    ledger = (
        f"Where IS held ground (control ledger, {when.date()}): {area_share:.1%} of the IS-held "
        f"area ({area_total:,.0f} km2) lies east of the Euphrates and {perim_share:.0%} of its "
        f"boundary inside Syria lies within {near_km:g} km of US-held ground; this part "
        f"{'supports' if ledger_ok else 'does not support'} the claim."
    )
    events = (
        f"Where IS was active (IS events within {window} days of that date): "
        f"{event_share:.1%} lie east of the Euphrates in US- or IS-held ground (event part: "
        f"{by_events}); this measures where IS fought or attacked, including ground it did not "
        "hold, not where its last stronghold lay."
    )
    if verdict == MIXED and ledger_ok:
        close = ("The registered rule needs both parts, so the verdict is 'mixed': the ledger "
                 "places the last IS-held ground where the article does, while the event part "
                 "does not show IS activity in that period confined to that side.")
    elif verdict == MIXED:
        close = ("The registered rule needs both parts, so the verdict is 'mixed': the ledger "
                 "does not place the last IS-held ground where the article does.")
    else:
        close = f"Both parts of the registered rule agree: {verdict}."
    return f"{ledger} {events} {close}"


def stronghold_parts(ev: Evaluation, claim_id: str = "C3") -> pd.DataFrame:
    """The two parts of the stronghold test (C3) side by side: what each measures, its value,
    what the registered rule needs, and whether it supports the claim."""
    r = ev.results[claim_id]
    c, rule = r.main.components, r.claim.rule
    if "ledger_test_met" not in c:
        return pd.DataFrame(columns=["part", "measures", "value", "rule needs", "result"])
    near = float(rule.get("perimeter_km", 5))
    window = int(r.claim.test["period"].get("window_days", 45))
    return pd.DataFrame([
        {"part": "held ground (control ledger)",
         "measures": f"where IS held ground on {pd.Timestamp(c['ledger_date']).date()}",
         "value": (f"{c['area_share_east']:.1%} of the IS-held area ({c['isis_area_km2']:,.0f} "
                   f"km2) east of the Euphrates; {c['perimeter_share_us_held']:.0%} of its "
                   f"boundary inside Syria within {near:g} km of US-held ground"),
         "rule needs": (f">= {float(rule.get('area_threshold', 0.95)):.0%} east; >= "
                        f"{float(rule.get('perimeter_threshold', 0.5)):.0%} of the boundary"),
         "result": "supports the claim" if c["ledger_test_met"] else "does not support it"},
        {"part": "activity (IS events)",
         "measures": (f"where IS fought or attacked within {window} days of that date, "
                      "including ground it did not hold"),
         "value": (f"{r.main.estimate:.1%} east of the Euphrates in US- or IS-held ground "
                   f"(95 % interval {r.main.ci_low:.1%} to {r.main.ci_high:.1%}, "
                   f"{r.main.n_events} events)"),
         "rule needs": f"95 % interval >= {float(rule['threshold']):.0%}",
         "result": c["event_test_verdict"]},
    ])


def _window(anchor: pd.Timestamp, offs: list) -> tuple[pd.Timestamp, pd.Timestamp]:
    return anchor + pd.Timedelta(days=int(offs[0])), anchor + pd.Timedelta(days=int(offs[1]))


def evaluate_rate_ratio_periods(
    claim: Claim, ev: pd.DataFrame, ctx: Context, v: Variant
) -> Outcome:
    """C4: IS events a day in the MERV, 6-12 months after publication against before.

    Under a boundary variant (events near a control boundary left out) the later window also
    ends at the control ledger's last day. Those variants leave out most MERV events: the
    corridor follows the Euphrates, which is the control line between government- and SDF-held
    ground, so nearly every MERV event lies near a control boundary (:data:`MERV_BOUNDARY_NOTE`).
    """
    merv = _region_laea(ctx, claim.test.get("zone", "rg:merv"))
    pub = ctx.pub(v)
    per = claim.test["period"]
    a0, a1 = _window(pub, per["after"])
    if "before" in v.extra:
        b0, b1 = (pd.Timestamp(d) for d in v.extra["before"])
        b1 = b1 + pd.Timedelta(days=1)
    else:
        b0, b1 = _window(pub, per["before"])
    full_after = (a1 - a0).days
    a1 = min(a1, ctx.data_end)
    b0 = max(b0, ctx.data_start)
    sel = ev[ev["isis"] & _in_syria(ev)]
    sel = sel[_contains(merv, sel)]
    a1, cut = _cap_at_ledger(claim, v, sel, a0, a1)
    boundary = (f"; {MERV_BOUNDARY_NOTE}" if v.min_dist_km is not None else "")
    if cut:
        boundary += f"; {_cut_text(cut)}"
    if a1 <= a0:
        last = (ctx.data_end - pd.Timedelta(days=1)).date()
        return Outcome(NOT_TESTABLE, reason=f"the data end ({last}) "
                       f"before the later window starts ({a0.date()}){boundary}",
                       components=dict(cut))
    cover = (a1 - a0).days / full_after
    if cover < 0.5:
        return Outcome(NOT_TESTABLE, reason=f"the data cover only {cover:.0%} of the later "
                       f"window{boundary}", components=dict(cut))
    after = sel[(sel["day"] >= a0) & (sel["day"] < a1)].assign(group="after")
    before = sel[(sel["day"] >= b0) & (sel["day"] < b1)].assign(group="before")
    frame = pd.concat([before, after])
    too_few = _too_few(len(frame), ctx, "IS events in the MERV in the two windows")
    if too_few:
        too_few.reason += boundary
        too_few.components.update(cut)
        return too_few
    sa, sb = Stratum("after", a0, a1), Stratum("before", b0, b1)
    da, db = sa.days, sb.days
    b = _boot(ctx, claim, v, frame, [(sa, ["after"]), (sb, ["before"])],
              lambda g: (g["after"] / da) / (g["before"] / db))
    verdict, counts, why = _decide(claim, b)
    reason = (f"the later window is cut at the data's end: {da} of {full_after} days; "
              "the statement is a conditional forecast (it assumes the pressure is withdrawn); "
              "regained territory cannot be seen in event data") if cover < 1 else (
              "the statement is a conditional forecast; regained territory cannot be seen in "
              "event data")
    reason = (f"{why}. " if why else "") + reason + boundary
    monthly = sel[(sel["day"] >= b0) & (sel["day"] < a1)]
    months = (monthly["day"].dt.to_period("M").astype(str).value_counts().sort_index()
              .rename_axis("month").reset_index(name="is_events_merv"))
    return Outcome(verdict, b.estimate, b.ci_low, b.ci_high, len(frame), reason=reason,
                   components={"formula": "(sum(w | after) / days_after) / "
                               "(sum(w | before) / days_before)", "weight": v.weight,
                               "after_start": a0, "after_end_exclusive": a1, "days_after": da,
                               "before_start": b0, "before_end_exclusive": b1, "days_before": db,
                               "w_after": b.sums["after"], "w_before": b.sums["before"],
                               "window_coverage": cover, **cut},
                   evidence=frame, tables={"by_month": months}, **counts)


def evaluate_growth_ratio_countries(
    claim: Claim, ev: pd.DataFrame, ctx: Context, v: Variant
) -> Outcome:
    """C5: growth of IS activity in Iraq against Syria, around the publication date."""
    countries = claim.rule.get("countries", ["Iraq", "Syria"])
    if "country" not in ev.columns:
        return Outcome(NOT_TESTABLE, reason="not testable with these data: the events have no "
                       "country column")
    iraq = ev["country"].isin(IRAQ_NAMES)
    if not iraq.any():
        return Outcome(NOT_TESTABLE, reason=(
            "not testable with these data: the loaded data ("
            + ", ".join(ctx.datasets) + ") hold no events in Iraq; the claim compares "
            f"{countries[0]} with {countries[1]}. Fetch the global release "
            "(geoclaims data fetch ucdp-ged-251) to test it"))
    pub = ctx.pub(v)
    per = claim.test["period"]
    a0, a1 = _window(pub, per["after"])
    b0, b1 = _window(pub, per["before"])
    a1, b0 = min(a1, ctx.data_end), max(b0, ctx.data_start)
    sel = ev[ev["isis"] & (iraq | _in_syria(ev))]
    a1, cut = _cap_at_ledger(claim, v, sel, a0, a1)
    if a1 <= a0 or b1 <= b0:
        return Outcome(NOT_TESTABLE, reason="the data do not cover both windows"
                       + (f"; {_cut_text(cut)}" if cut else ""), components=dict(cut))
    cc = np.where(sel["country"].isin(IRAQ_NAMES), "iq", "sy")
    sel = sel.assign(cc=cc)
    a = sel[(sel["day"] >= a0) & (sel["day"] < a1)]
    bb = sel[(sel["day"] >= b0) & (sel["day"] < b1)]
    frame = pd.concat([bb.assign(group=bb["cc"] + "_before"), a.assign(group=a["cc"] + "_after")])
    too_few = _too_few(len(frame), ctx, "IS events in Iraq and Syria in the two windows")
    if too_few:
        return too_few
    sa, sb = Stratum("after", a0, a1), Stratum("before", b0, b1)
    b = _boot(ctx, claim, v, frame, [(sa, ["iq_after", "sy_after"]),
                                     (sb, ["iq_before", "sy_before"])],
              lambda g: (g["iq_after"] / g["iq_before"]) / (g["sy_after"] / g["sy_before"]))
    verdict, counts, why = _decide(claim, b)
    return Outcome(verdict, b.estimate, b.ci_low, b.ci_high, len(frame),
                   reason=(f"{why}. " if why else "") + "event counts measure violent activity, "
                   "only one visible part of the group's capabilities",
                   components={"formula": "(w[iq_after] / w[iq_before]) / "
                               "(w[sy_after] / w[sy_before])", "weight": v.weight,
                               "after_start": a0, "after_end_exclusive": a1,
                               "before_start": b0, "before_end_exclusive": b1,
                               **{f"w_{k}": val for k, val in sorted(b.sums.items())}, **cut},
                   evidence=frame.drop(columns="cc"), **counts)


def _assign_pcode(ev: pd.DataFrame, govs: pd.DataFrame) -> pd.Series:
    out = pd.Series("", index=ev.index, dtype=object)
    for pcode, geom in sorted(zip(govs["pcode"], govs["geometry"])):
        hit = _contains(to_laea(geom), ev) & (out == "")
        out[hit] = str(pcode)
    return out


def evaluate_heartland_share(claim: Claim, ev: pd.DataFrame, ctx: Context, v: Variant) -> Outcome:
    """C6: share of IS events and IS-held ground (2016-2017) in the named governorates."""
    named = [str(p) for p in claim.rule.get("pcodes", ["SY08", "SY09"])]
    s, e = _period(ctx, claim, v)
    s = max(s, ctx.data_start)
    govs = pd.DataFrame(ctx.geo.governorates())
    sel, e, cut = _is_events_in_period(claim, v, ev, s, e)
    pc = _assign_pcode(sel, govs)
    outside = int((pc == "").sum())
    sel = sel.assign(pcode=pc.to_numpy())
    notes = [f"{outside} IS events fall outside every governorate polygon and are left out"]
    inside = sel[sel["pcode"] != ""]
    inzone = inside["pcode"].isin(named)
    out = _share_outcome(ctx, claim, v, inside, inzone, s, e, "IS events in the period")
    out.notes += notes
    # held ground: IS zones on the first day of each quarter, area by governorate
    area_rows = []
    area_note = ""
    try:
        snaps = pd.date_range(s, e - pd.Timedelta(days=1), freq="QS")
        for d in snaps:
            zones = pd.DataFrame(ctx.geo.control_at(d))
            geoms = [to_laea(g) for g, c in zip(zones["geometry"], zones["controller"])
                     if c == "isis"]
            isis = unary_union(geoms) if geoms else shapely.Polygon()
            for pcode, geom in zip(govs["pcode"], govs["geometry"]):
                area_rows.append({"snapshot": d, "pcode": str(pcode),
                                  "isis_km2": area_km2(isis.intersection(to_laea(geom)))})
    except GeoUnavailable as exc:
        area_note = f"held-ground part not available ({exc}); verdict from events alone"
        area_rows = []
    by_gov = govs[["pcode", "name"]].copy()
    by_gov["pcode"] = by_gov["pcode"].astype(str)
    cnt = inside.groupby("pcode").agg(is_events=("event_id", "size"),
                                      is_deaths=("deaths_best", "sum"))
    by_gov = by_gov.merge(cnt, left_on="pcode", right_index=True, how="left").fillna(
        {"is_events": 0, "is_deaths": 0})
    area_share = float("nan")
    if area_rows:
        ar = pd.DataFrame(area_rows).groupby("pcode")["isis_km2"].mean()
        by_gov = by_gov.merge(ar.rename("isis_held_km2_mean"), left_on="pcode",
                              right_index=True, how="left")
        total = float(ar.sum())
        area_share = float(ar[ar.index.isin(named)].sum()) / total if total > 0 else float("nan")
    by_gov["is_events"] = by_gov["is_events"].astype(int)
    by_gov = by_gov.sort_values(["is_events", "pcode"], ascending=[False, True], ignore_index=True)
    out.tables["by_governorate"] = by_gov
    out.components["area_share_named"] = area_share
    out.components["events_outside_governorates"] = outside
    out.components.update(cut)
    if out.verdict == NOT_TESTABLE:
        return out
    ev_verdict = out.verdict
    out.reason = (f"{out.estimate:.1%} of IS events in {s.year}-{(e - pd.Timedelta(days=1)).year}"
                  f" lie in {' and '.join(named)} (event test: {ev_verdict})")
    if np.isfinite(area_share):
        t = float(claim.rule.get("area_threshold", 0.5))
        if (ev_verdict == SUPPORTED and area_share < t) or (
            ev_verdict == CONTRADICTED and area_share >= t
        ):
            out.verdict = MIXED
        out.reason += (f"; {area_share:.1%} of the IS-held area (quarterly ledger snapshots, "
                       f"mean) lies there (area test {'met' if area_share >= t else 'not met'})")
    elif area_note:
        out.reason += f"; {area_note}"
    return out


def evaluate_density_ratio(claim: Claim, ev: pd.DataFrame, ctx: Context, v: Variant) -> Outcome:
    """C7: IS events per 1,000 km2 in and near the entry areas against the rest of Syria."""
    near_km = float(v.extra.get("near_km", claim.rule.get("near_km", 25)))
    syria = to_laea(ctx.geo.syria())
    ids = list(claim.rule.get("regions", []))
    areas = {rid: _region_laea(ctx, rid) for rid in ids}
    buffered = {rid: (g.buffer(near_km * 1000.0) if near_km > 0 else g).intersection(syria)
                for rid, g in areas.items()}
    entry = unary_union(list(buffered.values()))
    rest = syria.difference(entry)
    s, e = _period(ctx, claim, v)
    sel, e, cut = _is_events_in_period(claim, v, ev, s, e)
    in_entry = _contains(entry, sel)
    frame = sel.assign(group=np.where(in_entry, "entry", "rest"))
    too_few = _too_few(len(frame), ctx, "IS events in the period")
    if too_few:
        return too_few
    ae, ar = area_km2(entry), area_km2(rest)
    b = _boot(ctx, claim, v, frame, [(Stratum("period", s, e), ["entry", "rest"])],
              lambda g: (g["entry"] / ae) / (g["rest"] / ar))
    verdict, counts, why = _decide(claim, b)
    rows = []
    for rid in ids:
        hit = _contains(buffered[rid], sel)
        a = area_km2(buffered[rid])
        n = int(hit.sum())
        rows.append({"region": rid, "area_km2": a, "is_events": n,
                     "per_1000_km2": 1000.0 * n / a if a else float("nan")})
    n_rest = int((~in_entry).sum())
    rows.append({"region": "rest of Syria", "area_km2": ar, "is_events": n_rest,
                 "per_1000_km2": 1000.0 * n_rest / ar if ar else float("nan")})
    dens = "; ".join(f"{r['region']} {r['is_events']} events, {r['per_1000_km2']:.2f} per "
                     "1,000 km2" for r in rows)
    return Outcome(verdict, b.estimate, b.ci_low, b.ci_high, len(frame),
                   reason=((f"{why}. " if why else "") + f"buffer {near_km:g} km: {dens}; event "
                           "data show violence, not the movement of fighters or weapons"),
                   components={"formula": "(sum(w | entry) / area_entry_km2) / "
                               "(sum(w | rest) / area_rest_km2)", "weight": v.weight,
                               "period_start": s, "period_end_exclusive": e, "near_km": near_km,
                               "area_entry_km2": ae, "area_rest_km2": ar,
                               "w_entry": b.sums["entry"], "w_rest": b.sums["rest"], **cut},
                   evidence=frame, tables={"by_area": pd.DataFrame(rows)}, **counts)


#: Why the boundary variants of the MERV test (C4) leave out most of its events.
MERV_BOUNDARY_NOTE = (
    "the MERV corridor follows the Euphrates, which is itself the control line between "
    "government- and SDF-held ground, so nearly every MERV event lies within the variant's "
    "distance of a control boundary and the variant is left with few events (not testable for "
    "that reason, not because of the data's quality)"
)


TESTS: dict[str, Callable[[Claim, pd.DataFrame, Context, Variant], Outcome]] = {
    "share_in_zone": evaluate_share_in_zone,
    "rate_in_zone": evaluate_rate_in_zone,
    "stronghold_location": evaluate_stronghold_location,
    "rate_ratio_periods": evaluate_rate_ratio_periods,
    "growth_ratio_countries": evaluate_growth_ratio_countries,
    "heartland_share": evaluate_heartland_share,
    "density_ratio": evaluate_density_ratio,
}


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------


@dataclass
class ClaimResult:
    claim: Claim
    verdict: str
    main: Outcome
    variants: dict[str, tuple[Variant, Outcome]]
    flipped_under: list[str]


@dataclass
class Evaluation:
    registry: Registry
    results: dict[str, ClaimResult]
    data: dict

    @property
    def table(self) -> pd.DataFrame:
        return verdict_table(self)

    @property
    def sensitivity(self) -> pd.DataFrame:
        return sensitivity_table(self)

    def evidence(self, claim_id: str) -> pd.DataFrame:
        return evidence_frame(self.results[claim_id].main.evidence)

    @property
    def snapshot_date(self) -> str:
        return str(self.data["data_end"])


def deaths_rule(claim: Claim) -> dict | None:
    """The rule a deaths-weighted variant is decided by: the claim's rule for scale-free metrics
    (shares, ratios); for a rate (``rate_at_most``, a threshold in events per period) only if the
    registry gives a separate ``deaths_threshold``, else None (the variant is "not applicable")."""
    rule = dict(claim.rule)
    if rule["type"] != "rate_at_most":
        return rule
    if isinstance(rule.get("deaths_threshold"), (int, float)):
        return {**rule, "threshold": float(rule["deaths_threshold"])}
    return None


def run_claim(claim: Claim, ev: pd.DataFrame, ctx: Context, v: Variant) -> Outcome:
    """One claim under one variant; upstream failures become 'not testable' with the reason.

    A control-based run whose period reached past the control ledger's last day says how many
    events and days it left out (see :func:`_cap_at_ledger`). A deaths-weighted variant of a rate
    rule without a ``deaths_threshold`` is computed but "not applicable" (see :func:`deaths_rule`).
    """
    rule = deaths_rule(claim) if v.weight == "deaths" else claim.rule
    run_as = claim
    if rule is not None and rule != claim.rule:
        run_as = dataclasses.replace(claim, test={**claim.test, "rule": rule})
    try:
        sub, notes = apply_variant(ev, v)
        out = TESTS[claim.test["kind"]](run_as, sub, ctx, v)
        out.notes = notes + out.notes
    except GeoUnavailable as exc:
        return Outcome(NOT_TESTABLE, reason=f"not testable: {exc}")
    undefined = not np.isfinite(out.estimate) and not out.components.get("below_min_events")
    if out.verdict == NOT_TESTABLE and undefined and out.n_events:
        zero = sorted(k for k, val in out.components.items()
                      if k.startswith("w_") and val == 0)
        out.reason = ("the estimate is undefined: no events in "
                      + (", ".join(z[2:] for z in zero) if zero else "a denominator")
                      + (f". {out.reason}" if out.reason else ""))
    if "control_cut_days" in out.components and _cut_text(out.components) not in out.reason:
        cut = _cut_text(out.components)
        out.reason = f"{out.reason}; {cut}" if out.reason else cut
        out.notes.append(cut)
    if rule is None:
        t = claim.rule["threshold"]
        out.verdict = NOT_APPLICABLE
        out.reason = (f"not applicable: the rule's threshold ({t} events per "
                      f"{claim.rule.get('per_days', 91.3125)} days) is a count of events; deaths "
                      "per period are not comparable with it and the registry gives no separate "
                      "deaths_threshold, so this variant is listed but never counts as a flip. "
                      + out.reason)
    return out


#: Why a contested variant is the main test again, by the variant's ``contested`` setting.
_SAME_AS_MAIN = {
    "out": "same as main: the main test already counts contested ground outside the claim's zone",
    "in": "same as main: no contested events",
}


def _same_inputs(a: Outcome, b: Outcome) -> bool:
    """Did two runs test the same events the same way? Same estimate, event count and every
    component (group sums, period, ledger shares). Their intervals may still differ: each
    variant draws its bootstrap with its own seed."""
    def eq(x: Any, y: Any) -> bool:
        if isinstance(x, float) and isinstance(y, float):
            return (math.isnan(x) and math.isnan(y)) or x == y
        return bool(x == y)

    return (a.evidence is not None and b.evidence is not None
            and a.n_events == b.n_events and eq(float(a.estimate), float(b.estimate))
            and a.components.keys() == b.components.keys()
            and all(eq(a.components[k], b.components[k]) for k in a.components))


def mark_same_as_main(claim: Claim, main: Outcome, v: Variant, o: Outcome) -> None:
    """Label a contested variant of a control-based test that gives the main test's result
    again (``contested_out`` always does for C1-C3: contested ground is outside the claim's zone
    in the main test; ``contested_in`` does when no event is contested). Such a variant is still
    listed but left out of the flip logic."""
    if v.contested is None or claim.test["kind"] not in CONTROL_KINDS:
        return
    if not _same_inputs(main, o):
        return
    why = _SAME_AS_MAIN[v.contested]
    if v.contested == "in" and claim.test["kind"] == "stronghold_location":
        why = "same as main: no contested events or contested zones"
    # the same events tested the same way: show the main test's interval and verdict (the
    # variant's own bootstrap differs only by its seed)
    o.verdict, o.ci_low, o.ci_high = main.verdict, main.ci_low, main.ci_high
    o.n_boot, o.n_valid = main.n_boot, main.n_valid
    o.same_as_main = why
    o.reason = f"{why} (the main test's events and interval). {main.reason}"


def evaluate_all(
    events: pd.DataFrame,
    *,
    registry: Registry | None = None,
    geo: Geo | None = None,
    claims: Iterable[str] | None = None,
) -> Evaluation:
    """Run every registered claim (or those in ``claims``) with its sensitivity variants."""
    registry = registry or load_registry()
    geo = geo or PackageGeo()
    ev = prepare_events(events)
    n_bad_coordinates = int(ev.attrs.get("bad_coordinates", 0))
    load_report = dict(events.attrs.get("claims_load", {}))
    if ev.empty:
        raise ClaimsError("events frame is empty: nothing to test")
    loaded = tuple(sorted(ev["dataset"].unique()))
    # the common coverage of the loaded datasets: rates need days on which every dataset reports
    span = ev.groupby("dataset")["day"].agg(["min", "max"])
    start, last = span["min"].max(), span["max"].min()
    outside = (ev["day"] < start) | (ev["day"] > last)
    if outside.any():
        log.info("left out %d events outside the datasets' common coverage %s to %s",
                 int(outside.sum()), start.date(), last.date())
    n_outside = int(outside.sum())
    # per-dataset variants use every event of their dataset (before deduplication); only the
    # combined run keeps one copy of a UCDP event held by several releases
    covered = ev[~outside].reset_index(drop=True)
    ev, n_dup = dedupe_ucdp(covered)
    ctx = Context(registry, geo, start, last + pd.Timedelta(days=1), loaded)
    wanted = set(claims) if claims else None
    results: dict[str, ClaimResult] = {}
    for claim in registry.claims:
        if wanted and claim.id not in wanted:
            continue
        runs: dict[str, tuple[Variant, Outcome]] = {}
        for v in variants_for(claim, registry, loaded):
            runs[v.name] = (v, run_claim(claim, covered if v.dataset else ev, ctx, v))
        main = runs.pop("main")[1]
        for v, o in runs.values():
            mark_same_as_main(claim, main, v, o)
        if claim.test["kind"] == "rate_ratio_periods":
            _note_merv_boundary(main, runs)
        verdict, flipped = stats.combine(
            main.verdict, {k: o.verdict for k, (_, o) in runs.items() if not o.same_as_main})
        results[claim.id] = ClaimResult(claim, verdict, main, runs, flipped)
    in_country = ev["country"].isin(SYRIA_NAMES + IRAQ_NAMES) if "country" in ev.columns else (
        pd.Series(True, index=ev.index))
    unknown = (ev["controller"] == UNKNOWN) if "controller" in ev.columns else None
    after_span = ev["day"] >= CONTROL_END
    data = {
        "datasets": list(loaded),
        "data_start": str(ctx.data_start.date()),
        "data_end": str((ctx.data_end - pd.Timedelta(days=1)).date()),
        "n_events": len(ev),
        "n_isis_events": int(ev["isis"].sum()),
        "ucdp_duplicates_removed": n_dup,
        "ucdp_release_kept_first": ucdp_release_order(
            d for d in loaded if str(d).startswith("ucdp")),
        "events_outside_common_coverage": n_outside,
        "coverage": {str(k): [str(r["min"].date()), str(r["max"].date())]
                     for k, r in span.iterrows()},
        # events left out before the tests, or kept but outside every zone (never silent)
        "events_outside_syria_iraq": int(load_report.get("events_outside_syria_iraq", 0))
        + int((~in_country).sum()),
        "events_bad_coordinates": n_bad_coordinates,
        "control_span_end": str(CONTROL_SPAN_END),
        "events_after_control_span": int(after_span.sum()),
        "events_unknown_controller_in_span": (None if unknown is None
                                              else int((unknown & ~after_span).sum())),
    }
    return Evaluation(registry, results, data)


def _note_merv_boundary(main: Outcome, runs: Mapping[str, tuple[Variant, Outcome]]) -> None:
    """C4: when its boundary variants are not testable, the main reason says why."""
    names = [k for k, (v, o) in runs.items() if v.min_dist_km is not None]
    if names and all(runs[k][1].verdict == NOT_TESTABLE for k in names):
        main.reason += (f"; the boundary variants ({', '.join(names)}) are not testable: "
                        f"{MERV_BOUNDARY_NOTE}")


def data_lines(ev: Evaluation) -> list[str]:
    """The Evaluation's data in sentences: period, datasets, and every count of events left out
    or without a place (for the notebooks' data cell)."""
    d = ev.data
    kept = ", ".join(d["ucdp_release_kept_first"]) or "none"
    out = [
        (f"{d['n_events']} events ({d['n_isis_events']} IS events) from "
         f"{', '.join(d['datasets'])}, {d['data_start']} to {d['data_end']}"),
        (f"{d['events_outside_common_coverage']} events outside the datasets' common coverage "
         "left out"),
        (f"{d['ucdp_duplicates_removed']} UCDP events held by two releases counted once (kept "
         f"the copy of the first of: {kept}; the per-dataset variants keep every event of "
         "their dataset)"),
        f"{d['events_outside_syria_iraq']} events outside Syria and Iraq left out",
        (f"{d['events_bad_coordinates']} events with missing or unparseable coordinates "
         "(outside every zone and region in the tests)"),
        (f"{d['events_after_control_span']} events after the control ledger's last day "
         f"({d['control_span_end']}): left out of every control-based test"),
    ]
    return out


# ---------------------------------------------------------------------------------------------
# Tables and outputs
# ---------------------------------------------------------------------------------------------


def _num(x: Any, nd: int = 6) -> Any:
    if x is None:
        return None
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        if math.isnan(float(x)):
            return None
        return float(x) if math.isinf(float(x)) else round(float(x), nd)
    if isinstance(x, (pd.Timestamp, date)):
        return str(pd.Timestamp(x).date())
    return x


def rule_summary(claim: Claim) -> str:
    r = claim.rule
    t = r["threshold"]
    return {
        "share_at_least": f"share_at_least {t}: supported if CI low >= {t}; contradicted if "
                          f"CI high < {t}",
        "ratio_above": f"ratio_above {t}: supported if CI low > {t}; contradicted if CI high "
                       f"{'<=' if r.get('inclusive') else '<'} {t}",
        "rate_at_most": f"rate_at_most {t}: supported if CI high <= {t}; contradicted if "
                        f"CI low > {t}",
    }[r["type"]]


def evidence_file_name(claim_id: str) -> str:
    return f"evidence/claim_{claim_id}.csv"


def verdict_table(ev: Evaluation) -> pd.DataFrame:
    """One row per claim: id, verdict, estimate, interval, counts, rule, what flipped it."""
    rows = []
    for cid, r in ev.results.items():
        m = r.main
        reason = m.reason
        if r.flipped_under:
            flips = ", ".join(f"{k} -> {r.variants[k][1].verdict}" for k in r.flipped_under)
            reason = (f"main test gives '{m.verdict}'; differs under: {flips}"
                      + (f". {reason}" if reason else ""))
        rows.append({
            "id": cid, "title": r.claim.title, "verdict": r.verdict, "main_verdict": m.verdict,
            "estimate": _num(m.estimate), "ci_low": _num(m.ci_low), "ci_high": _num(m.ci_high),
            "n_events": int(m.n_events), "metric": " ".join(str(r.claim.test["metric"]).split()),
            "rule": rule_summary(r.claim), "flipped_under": ";".join(r.flipped_under),
            "reason": reason,
            "evidence_file": evidence_file_name(cid) if m.evidence is not None else "",
        })
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def sensitivity_table(ev: Evaluation) -> pd.DataFrame:
    """One row per claim and variant (the main test first).

    ``n_boot``/``n_valid``: bootstrap replicates drawn and those with a defined estimate (0 when
    no bootstrap ran); ``same_as_main``: the variant gives the main test's result again by
    construction or for lack of contested events, and is left out of the flip logic.
    """
    rows = []
    for cid, r in ev.results.items():
        for name, (v, o) in [("main", (MAIN, r.main)), *r.variants.items()]:
            rows.append({"id": cid, "variant": name, "label": v.label, "verdict": o.verdict,
                         "estimate": _num(o.estimate), "ci_low": _num(o.ci_low),
                         "ci_high": _num(o.ci_high), "n_events": int(o.n_events),
                         "n_boot": int(o.n_boot), "n_valid": int(o.n_valid),
                         "same_as_main": bool(o.same_as_main), "reason": o.reason})
    return pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)


def evidence_frame(frame: pd.DataFrame | None) -> pd.DataFrame:
    """The evidence columns, in a fixed order, sorted by date, dataset and event id."""
    if frame is None:
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    out = pd.DataFrame(index=frame.index)
    for col in EVIDENCE_COLUMNS:
        if col == "date":
            out[col] = frame["day"].dt.strftime("%Y-%m-%d")
        elif col in frame.columns:
            out[col] = frame[col]
        else:
            out[col] = ""
    for col in ("lat", "lon"):
        out[col] = pd.to_numeric(out[col], errors="coerce").round(5)
    out = out.sort_values(["date", "dataset", "event_id", "group"], kind="mergesort")
    return out.reset_index(drop=True)


def _json_safe(x: Any) -> Any:
    """Plain JSON values: an infinite number (an interval bound) becomes "inf" / "-inf"."""
    if isinstance(x, float) and math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_safe(v) for v in x]
    return x


def table_json(table: pd.DataFrame) -> str:
    """Deterministic JSON (sorted keys, 2-space indent, trailing newline); an infinite interval
    bound is written as the string "inf"."""
    recs = [{k: _num(v) for k, v in row.items()} for row in table.to_dict(orient="records")]
    return json.dumps(_json_safe(recs), indent=2, sort_keys=True, ensure_ascii=False,
                      allow_nan=False) + "\n"


def table_csv(table: pd.DataFrame) -> str:
    buf = io.StringIO()
    table.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def findings(ev: Evaluation) -> dict:
    """Everything behind the scorecard, as plain JSON-ready data (no run timestamps)."""
    pub = ev.registry.article["publication"]
    out: dict[str, Any] = {
        "article": {"file": ev.registry.article.get("file"),
                    "sha256": ev.registry.article["sha256"],
                    "publication": {k: _num(pd.Timestamp(pub[k])) for k in
                                    ("date", "earliest", "latest") if k in pub},
                    "publication_certainty": pub.get("certainty", "")},
        "data": ev.data,
        "settings": {k: ev.registry.settings[k] for k in ("seed", "n_boot", "min_events")
                     if k in ev.registry.settings},
        "claims": [],
    }
    table = verdict_table(ev)
    for rec in table.to_dict(orient="records"):
        r = ev.results[rec["id"]]
        entry = {k: _num(v) for k, v in rec.items()}
        entry["components"] = {k: _num(v) for k, v in sorted(r.main.components.items())}
        entry["notes"] = list(r.main.notes)
        entry["n_boot"], entry["n_valid"] = int(r.main.n_boot), int(r.main.n_valid)
        entry["sensitivity"] = [
            {"variant": name, "verdict": o.verdict, "estimate": _num(o.estimate),
             "ci_low": _num(o.ci_low), "ci_high": _num(o.ci_high), "n_events": o.n_events,
             "n_boot": int(o.n_boot), "n_valid": int(o.n_valid),
             "same_as_main": o.same_as_main, "reason": o.reason}
            for name, (_, o) in r.variants.items()
        ]
        if r.main.evidence is not None:
            changed = evidence_csv(r.main.evidence)[1]
            if changed:
                entry["evidence_csv_safe_cells"] = changed
                entry["notes"].append(f"{entry['evidence_file']}: "
                                      + style.csv_safe_note(changed))
        entry["tables"] = {name: [{k: _num(v) for k, v in row.items()}
                                  for row in t.to_dict(orient="records")]
                           for name, t in sorted(r.main.tables.items())}
        out["claims"].append(entry)
    return out


def findings_json(ev: Evaluation) -> str:
    return json.dumps(_json_safe(findings(ev)), indent=2, sort_keys=True, ensure_ascii=False,
                      allow_nan=False) + "\n"


def evidence_csv(frame: pd.DataFrame | None) -> tuple[str, int]:
    """A claim's evidence as CSV text, its third-party text cells (headline, side_a, side_b, ...)
    made safe for spreadsheets (:func:`geoclaims.style.csv_safe_frame`), and how many cells that
    changed (reported in the findings when non-zero)."""
    safe, changed = style.csv_safe_frame(evidence_frame(frame))
    return table_csv(safe), int(changed)


def write_outputs(ev: Evaluation, out_dir: Path | None = None) -> dict[str, Path]:
    """Write evidence CSVs, the verdict and sensitivity tables and the dated findings file.

    The findings file is named after the data's last day (``findings-YYYY-MM-DD.json``), not the
    run date, so the same inputs give the same file, byte for byte.
    """
    out_dir = Path(out_dir or paths.OUTPUTS)
    (out_dir / "evidence").mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for cid, r in ev.results.items():
        if r.main.evidence is None:
            continue
        p = out_dir / evidence_file_name(cid)
        text, changed = evidence_csv(r.main.evidence)
        if changed:
            log.info("%s: %s", p.name, style.csv_safe_note(changed))
        p.write_text(text, encoding="utf-8")
        written[f"evidence_{cid}"] = p
    p = out_dir / f"findings-{ev.snapshot_date}.json"
    p.write_text(findings_json(ev), encoding="utf-8")
    written["findings"] = p
    p = out_dir / "claims-verdicts.csv"
    p.write_text(table_csv(verdict_table(ev)), encoding="utf-8")
    written["verdicts"] = p
    p = out_dir / "claims-sensitivity.csv"
    p.write_text(table_csv(sensitivity_table(ev)), encoding="utf-8")
    written["sensitivity"] = p
    return written


def recompute_from_evidence(entry: Mapping, evidence: pd.DataFrame) -> float:
    """Recompute a claim's main estimate (event-count metrics) from its evidence file alone,
    plus the exposures recorded in the findings entry (days, areas)."""
    c = entry["components"]
    n = evidence["group"].value_counts().to_dict()
    g = {k: float(n.get(k, 0)) for k in ("numerator", "rest", "zone", "after", "before", "entry",
                                          "iq_after", "iq_before", "sy_after", "sy_before")}
    if c["weight"] != "events":
        raise ClaimsError("only event-count estimates can be recomputed from ids alone")
    formula = c["formula"]
    if formula.startswith("sum(w | numerator)"):
        return g["numerator"] / (g["numerator"] + g["rest"])
    if formula.startswith("sum(w) / (period_days"):
        return len(evidence) / (c["period_days"] / c["per_days"])
    if formula.startswith("(sum(w | after)"):
        return (g["after"] / c["days_after"]) / (g["before"] / c["days_before"])
    if formula.startswith("(w[iq_after]"):
        return (g["iq_after"] / g["iq_before"]) / (g["sy_after"] / g["sy_before"])
    if formula.startswith("(sum(w | entry)"):
        return (g["entry"] / c["area_entry_km2"]) / (g["rest"] / c["area_rest_km2"])
    raise ClaimsError(f"unknown formula {formula!r}")


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------

VERDICT_COLOURS = {SUPPORTED: "#1b7837", CONTRADICTED: "#b2182b", MIXED: "#e08214",
                   NOT_TESTABLE: "#878787", NOT_APPLICABLE: "#4d4d4d"}


def _threshold_axis(claim: Claim) -> str:
    return {"share_at_least": "share", "ratio_above": "ratio", "rate_at_most": "per quarter"}[
        claim.rule["type"]]


def plot_claim(ev: Evaluation, claim_id: str, ax=None):
    """Estimate and 95 % interval of the main test and every variant, against the threshold."""
    import matplotlib.pyplot as plt

    r = ev.results[claim_id]
    sens = sensitivity_table(ev)
    sens = sens[sens["id"] == claim_id].reset_index(drop=True)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 0.35 * len(sens) + 1.6))
    else:
        fig = ax.figure
    ys = np.arange(len(sens))[::-1]
    finite = [float(x) for c in ("estimate", "ci_low", "ci_high") for x in sens[c]
              if x is not None and not pd.isna(x) and np.isfinite(float(x))]
    top = max([*finite, float(r.claim.rule["threshold"])]) * 1.1 or 1.0
    for y, row in zip(ys, sens.itertuples()):
        colour = VERDICT_COLOURS[row.verdict]
        if row.verdict == NOT_APPLICABLE:
            ax.text(0.01, y, "not applicable (see the sensitivity table)",
                    transform=ax.get_yaxis_transform(), va="center", color=colour, fontsize=8)
        elif row.estimate is not None and not pd.isna(row.estimate):
            lo = row.ci_low if row.ci_low is not None and not pd.isna(row.ci_low) else row.estimate
            hi = (row.ci_high if row.ci_high is not None and not pd.isna(row.ci_high)
                  else row.estimate)
            if np.isinf(hi):  # the interval is open upwards: an arrow to the axis' edge
                ax.annotate("", xy=(top, y), xytext=(lo, y),
                            arrowprops={"arrowstyle": "->", "color": colour, "lw": 2})
            else:
                ax.plot([lo, hi], [y, y], color=colour, lw=2)
            ax.plot([row.estimate], [y], "o", color=colour)
        else:
            ax.text(0.01, y, "not testable", transform=ax.get_yaxis_transform(), va="center",
                    color=colour, fontsize=8)
    ax.axvline(float(r.claim.rule["threshold"]), color="black", ls="--", lw=1)
    if r.claim.rule["type"] == "share_at_least":
        ax.set_xlim(-0.02, 1.02)
    ax.set_yticks(ys, [f"{v} ({d})" for v, d in zip(sens["variant"], sens["verdict"])], fontsize=8)
    ax.set_xlabel(f"{_threshold_axis(r.claim)} (dashed line: threshold of the decision rule)")
    ax.set_title(f"{claim_id}: {r.claim.title}\nverdict: {r.verdict} (95 % day-cluster "
                 "bootstrap intervals)", fontsize=9)
    fig.tight_layout()
    return fig


SCORECARD_TABLE_LABEL = "scorecard-table"
SCORECARD_PANEL_LABEL = "scorecard-panel"
#: Scorecard columns: header, share of the table's width, wrap width in characters (None: none).
_SCORECARD_COLUMNS = (
    ("claim", 0.05, None),
    ("the article's claim (our short wording)", 0.33, 50),
    ("verdict", 0.105, None),
    ("estimate", 0.105, 13),
    ("95 % interval", 0.135, 16),
    ("events", 0.07, None),
    ("verdict differs under", 0.205, 24),
)


def scorecard_credits(ev: Evaluation) -> str:
    """The scorecard's credit line: the event datasets loaded (with licence), the control
    ledger, the boundaries, the data period and the article's publication window."""
    from geoclaims import datasets

    reg = datasets.load_registry()
    events = []
    for name in ev.data["datasets"]:
        ds = reg.get(name)
        producer = "UCDP GED" if name.startswith("ucdp") else name
        events.append(f"{producer} ({name}), {ds.licence}" if ds
                      else f"{name} (not in the dataset registry: licence not known)")
    pub = ev.registry.article["publication"]
    window = (f"{pd.Timestamp(pub['earliest']).date()} to {pd.Timestamp(pub['latest']).date()}"
              if pub.get("earliest") and pub.get("latest") else str(pub["date"]))
    return (
        f"Data period: {ev.data['data_start']} to {ev.data['data_end']}. Article published "
        f"between {window} (exact day not found; tests use "
        f"{ev.registry.publication_date.date()}, the latest date as a variant).\n"
        f"Events: {'; '.join(events)}. Zones of control: geoclaims control ledger "
        "(data/control_ledger.csv; sources in data/control_sources.csv).\n"
        "Boundaries: OCHA COD-AB admin 1 (CC BY-IGO 3.0); Natural Earth (public domain). "
        "Events behind each number: outputs/evidence/claim_<id>.csv."
    )


def _wrap(text: str, width: int | None) -> str:
    import textwrap

    if not width:
        return text
    return "\n".join(textwrap.fill(part, width, break_long_words=False, break_on_hyphens=False)
                     for part in text.split("\n"))


def plot_scorecard(ev: Evaluation):
    """One-page scorecard: the verdict table, and each estimate against its rule's threshold.

    The table fills the left part of the figure; the right panel has one row per claim, aligned
    with the table's rows, and puts every claim on one scale, estimate divided by the rule's
    threshold (log scale; 1 = the threshold), with an arrow showing on which side the claim
    would hold. The credit line and the data period are at the foot. Positions are fixed in
    inches, so nothing overlaps or leaves the page; :func:`scorecard_layout_problems` checks.
    """
    import matplotlib.pyplot as plt

    t = verdict_table(ev)
    n = len(t)
    fs = 7.5
    row_in, head_in, foot_in, bottom_in, top_in = 0.52, 0.45, 0.62, 0.62, 0.62
    width_in = 13.0
    height_in = top_in + head_in + row_in * n + bottom_in + foot_in
    fig = plt.figure(figsize=(width_in, height_in))
    left, table_w, gap, panel_w = 0.15, 9.25, 0.12, 2.95
    body_bottom = (foot_in + bottom_in) / height_in
    body_top = 1 - top_in / height_in
    ax = fig.add_axes((left / width_in, body_bottom, table_w / width_in, body_top - body_bottom),
                      label=SCORECARD_TABLE_LABEL)
    ax.axis("off")
    cells, colours = [], []
    for row in t.itertuples():
        claim = ev.registry.claim(row.id)
        est = "-" if row.estimate is None or pd.isna(row.estimate) else f"{row.estimate:.3g}"
        ci = ("-" if row.ci_low is None or pd.isna(row.ci_low)
              else f"{row.ci_low:.3g} to {row.ci_high:.3g}")
        texts = [row.id, row.title, row.verdict, f"{est}\n({_threshold_axis(claim)})", ci,
                 str(row.n_events), row.flipped_under.replace(";", ", ") or "-"]
        cells.append([_wrap(x, w) for x, (_, _, w) in zip(texts, _SCORECARD_COLUMNS, strict=True)])
        colours.append(["white", "white", VERDICT_COLOURS[row.verdict]] + ["white"] * 4)
    # the header row is shorter than the others; the bbox keeps the ratio of the row heights
    tab = ax.table(cellText=cells, cellColours=colours, cellLoc="left",
                   colLabels=[_wrap(h, 24) for h, _, _ in _SCORECARD_COLUMNS],
                   colWidths=[w for _, w, _ in _SCORECARD_COLUMNS], bbox=(0, 0, 1, 1))
    tab.auto_set_font_size(False)
    tab.set_fontsize(fs)
    total = head_in + row_in * n
    for (r, c), cell in tab.get_celld().items():
        cell.set_height((head_in if r == 0 else row_in) / total)
        cell.PAD = 0.06 / (table_w * _SCORECARD_COLUMNS[c][1])  # 0.06 inch either side
        if r == 0:
            cell.get_text().set_fontweight("bold")
        elif c == 2 and cells[r - 1][2] in (SUPPORTED, CONTRADICTED, NOT_TESTABLE):
            cell.get_text().set_color("white")
    # the right panel: one row per claim, at the height of its table row
    ax2 = fig.add_axes(((left + table_w + gap) / width_in, body_bottom, panel_w / width_in,
                        body_top - body_bottom), label=SCORECARD_PANEL_LABEL)
    ax2.set_ylim(0, total)

    def row_y(i: int) -> float:  # centre of data row i, in inches from the panel's bottom
        return total - head_in - row_in * (i + 0.5)

    ax2.axhline(total - head_in, color="black", lw=0.8)
    ax2.text(0.5, total - head_in / 2, "estimate / threshold, 95 % interval",
             transform=ax2.get_yaxis_transform(), ha="center", va="center", fontsize=fs,
             fontweight="bold")
    for i, row in enumerate(t.itertuples()):
        claim = ev.registry.claim(row.id)
        thr = float(claim.rule["threshold"])
        colour = VERDICT_COLOURS[row.verdict]
        y = row_y(i)
        if row.estimate is None or pd.isna(row.estimate):
            ax2.text(1.0, y, "not testable", ha="center", va="center", fontsize=fs, color=colour,
                     bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5})
            continue
        vals = [row.estimate if v is None or pd.isna(v) else v
                for v in (row.ci_low, row.estimate, row.ci_high)]
        lo, est, hi = (min(max(float(v) / thr, 0.02), 50.0) for v in vals)
        ax2.plot([lo, hi], [y, y], color=colour, lw=2.5)
        ax2.plot([est], [y], "o", color=colour)
        holds_above = claim.rule["type"] != "rate_at_most"
        ax2.annotate("", xy=(2.2 if holds_above else 0.45, y + row_in * 0.3),
                     xytext=(1.0, y + row_in * 0.3),
                     arrowprops={"arrowstyle": "->", "color": "0.5", "lw": 0.8})
    ax2.axvline(1.0, color="black", ls="--", lw=1)
    ax2.set_xscale("log")
    ax2.set_xlim(0.02, 50)
    ax2.set_yticks([row_y(i) for i in range(n)], list(t["id"]), fontsize=fs)
    ax2.yaxis.tick_right()
    ax2.set_xlabel("estimate / threshold (log scale; dashed: threshold)\narrow: the side on "
                   "which the claim would hold", fontsize=fs)
    ax2.tick_params(labelsize=fs)
    fig.text(0.5, 1 - 0.12 / height_in,
             f"The article's claims against {', '.join(ev.data['datasets'])}, "
             f"{ev.data['data_start']} to {ev.data['data_end']}: verdicts under the registered "
             "decision rules (data/claims.yaml)", ha="center", va="top", fontsize=10)
    fig.text(0.5, 1 - 0.38 / height_in,
             "supported / contradicted: the whole 95 % interval lies on one side of the "
             "threshold in the main test and every variant; mixed: it straddles the threshold "
             "or a variant differs", ha="center", va="top", fontsize=fs, color="0.25")
    fig.text(left / width_in, 0.08 / height_in, scorecard_credits(ev), ha="left",
             va="bottom", fontsize=6.5, color="0.25", linespacing=1.4)
    return fig


def scorecard_layout_problems(fig) -> list[str]:
    """What in a scorecard figure overlaps or is cut: a table cell's text running out of its
    cell, the table overlapping the panel, or any text leaving the figure. Empty if none."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    axes = {a.get_label(): a for a in fig.axes}
    ax, ax2 = axes[SCORECARD_TABLE_LABEL], axes[SCORECARD_PANEL_LABEL]
    problems: list[str] = []
    tab = ax.tables[0]
    for (r, c), cell in sorted(tab.get_celld().items()):
        box, text = cell.get_window_extent(renderer), cell.get_text()
        tb = text.get_window_extent(renderer)
        if (tb.x0 < box.x0 - 0.5 or tb.x1 > box.x1 + 0.5 or tb.y0 < box.y0 - 0.5
                or tb.y1 > box.y1 + 0.5):
            problems.append(f"table cell ({r}, {c}) text {text.get_text()!r} leaves its cell")
    table_box = tab.get_window_extent(renderer)
    panel_box = ax2.get_tightbbox(renderer)
    if table_box.overlaps(panel_box):
        problems.append("the table overlaps the estimate panel")
    page = fig.bbox
    texts = [*fig.texts, ax2.xaxis.label, *ax2.get_xticklabels(), *ax2.get_yticklabels(),
             *ax2.texts]
    for text in texts:
        if not text.get_visible() or not text.get_text():
            continue
        tb = text.get_window_extent(renderer)
        if tb.x0 < page.x0 or tb.x1 > page.x1 or tb.y0 < page.y0 or tb.y1 > page.y1:
            problems.append(f"text {text.get_text()[:40]!r} leaves the figure")
    footer = [t.get_window_extent(renderer) for t in fig.texts]
    for i, a in enumerate(footer):
        for b in footer[i + 1:]:
            if a.overlaps(b):
                problems.append("two lines of figure text overlap")
        if a.overlaps(table_box) or a.overlaps(ax2.get_tightbbox(renderer)):
            problems.append("a line of figure text overlaps the table or the panel")
    return problems


def save_figure(fig, stem: str, out_dir: Path | None = None) -> list[Path]:
    """PNG (300 dpi) and SVG into ``paths.FIGURES``; SVG without its date metadata."""
    out_dir = Path(out_dir or paths.FIGURES)
    out_dir.mkdir(parents=True, exist_ok=True)
    png, svg = out_dir / f"{stem}.png", out_dir / f"{stem}.svg"
    fig.savefig(png, dpi=300, metadata={"Software": None})
    fig.savefig(svg, metadata={"Date": None})
    return [png, svg]


# ---------------------------------------------------------------------------------------------
# The real pipeline
# ---------------------------------------------------------------------------------------------


def load_classified(dataset_names: Iterable[str] = ("ucdp-ged-syria",)) -> pd.DataFrame:
    """``events.load`` for each dataset, then ``control.classify``.

    Events outside Syria and Iraq are left out; their number is kept in
    ``result.attrs['claims_load']`` and reported in the Evaluation's data.

    If the control stage cannot be imported, the events are returned unclassified with a
    warning; the claims that need zones of control then say "not testable" and why.
    """
    from geoclaims import events

    frames = []
    for name in dataset_names:
        loaded = events.load(name)
        frames.append(loaded.events)
    ev = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    report = {"events_outside_syria_iraq": 0}
    if "country" in ev.columns:
        keep = ev["country"].isin(SYRIA_NAMES + IRAQ_NAMES).to_numpy()
        if not keep.all():
            report["events_outside_syria_iraq"] = int((~keep).sum())
            log.warning("claims use events in Syria and Iraq only: left out %d events elsewhere",
                        int((~keep).sum()))
            ev = ev[keep].reset_index(drop=True)
    try:
        from geoclaims import control
    except ImportError as exc:
        log.warning("control.classify not available (%s): claims needing control untestable", exc)
        ev.attrs["claims_load"] = report
        return ev
    out = control.classify(ev)
    out.attrs["claims_load"] = report
    return out


def run(
    dataset_names: Iterable[str] = ("ucdp-ged-syria",),
    *,
    geo: Geo | None = None,
    claims: Iterable[str] | None = None,
) -> Evaluation:
    """The real pipeline: events.load -> control.classify -> evaluate_all."""
    return evaluate_all(load_classified(dataset_names), geo=geo, claims=claims)
