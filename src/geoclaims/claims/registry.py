"""Load and validate a study: ``data/studies/<id>/study.yaml`` and its ``claims.yaml``.

``study.yaml`` names the text (a dataset of ``data/registry.yaml``, checked by sha256), its
publication date or window with sources, the population of events (actor column, countries, the
home country), the named sides (sets of the control ledger's controllers), the labels of the
regions used, and the settings (seed, bootstrap replicates, minimum events, boundary buffers).
``claims.yaml`` lists the claims: spans by offsets + sha256, paraphrase, test and rule.
Errors name the file, the claim and the field.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from geoclaims import paths, stats


class ClaimsError(ValueError):
    """The study or its claim registry is malformed or does not match the text file."""


#: The study used when none is named (the project's first study).
DEFAULT_STUDY = "neo-2019-us-syria-withdrawal"
STUDIES_DIR = "studies"
STUDY_FILE = "study.yaml"
CLAIMS_FILE = "claims.yaml"
#: The metrics a test may name (see :mod:`geoclaims.claims.kinds`).
TEST_KINDS = ("share", "rate", "period_ratio", "country_growth_ratio", "density_ratio",
              "held_area")
PART_KINDS = ("held_area",)
COMBINE_RULES = ("both",)


@dataclass(frozen=True)
class Span:
    """A place in the text: character offsets (end exclusive) and the span's sha256."""

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

    @property
    def kind(self) -> str:
        return self.test["kind"]

    def note(self, key: str, default: str = "") -> str:
        """A claim-specific sentence of the registry (``test.notes``), on one line."""
        return " ".join(str((self.test.get("notes") or {}).get(key, default)).split())

    def spans_in(self, lang: str) -> list[Span]:
        return [s for s in self.spans if s.lang == lang]


@dataclass(frozen=True)
class Registry:
    """A loaded study: its claims and everything in ``study.yaml``."""

    path: Path
    article: dict
    settings: dict
    claims: tuple[Claim, ...]
    study: dict = field(default_factory=dict, compare=False)

    @property
    def study_dir(self) -> Path:
        return self.path.parent

    @property
    def study_id(self) -> str:
        return str(self.study.get("id", self.study_dir.name))

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

    # -- the population and the named things of study.yaml ---------------------------------
    @property
    def population(self) -> dict:
        return self.study.get("population", {})

    @property
    def actor_column(self) -> str:
        return str(self.population.get("actor", {}).get("column", "isis"))

    @property
    def actor_label(self) -> str:
        return str(self.population.get("actor", {}).get("label", self.actor_column))

    def country_names(self, key: str) -> tuple[str, ...]:
        """The names the events' ``country`` column uses for a country of the study."""
        if key == "home":
            key = self.home
        c = self.population.get("countries", {}).get(key)
        return tuple(c["names"]) if c else (key,)

    def country_short(self, key: str) -> str:
        c = self.population.get("countries", {}).get(key) or {}
        return str(c.get("short", key.lower()))

    @property
    def home(self) -> str:
        return str(self.population.get("home", ""))

    @property
    def kept_country_names(self) -> tuple[str, ...]:
        return tuple(n for k in self.population.get("keep", []) for n in self.country_names(k))

    @property
    def datasets(self) -> tuple[str, ...]:
        return tuple(self.population.get("datasets", []))

    def side(self, name: str) -> dict:
        sides = self.study.get("sides", {})
        if name not in sides:
            raise ClaimsError(f"{self.study_dir / STUDY_FILE}: no side '{name}' in 'sides'; "
                              f"known: {', '.join(sides)}")
        return sides[name]

    def side_controllers(self, names) -> tuple[str, ...]:
        return tuple(c for n in names for c in self.side(n)["controllers"])

    def side_label(self, name: str) -> str:
        return str(self.side(name).get("label", name))

    def region_label(self, region_id: str) -> str:
        return str(self.study.get("regions", {}).get(region_id, {}).get("label", region_id))

    def region_slug(self, region_id: str) -> str:
        r = self.study.get("regions", {}).get(region_id, {})
        return str(r.get("slug", re.sub(r"[^a-z0-9]+", "_", region_id.split(":")[-1].lower())))


_CLAIM_FIELDS = ("id", "family", "notebook", "title", "paraphrase", "spans", "test", "data_needs")
_SPAN_FIELDS = ("lang", "paragraph", "start", "end", "sha256")
_TEST_FIELDS = ("kind", "events", "period", "zone", "metric", "rule", "rule_text")


def studies_root() -> Path:
    return paths.DATA / STUDIES_DIR


def study_dir(study: str | Path | None = None) -> Path:
    """A study's folder: a path, or an id under ``data/studies/`` (default: the first study)."""
    if study is None:
        study = DEFAULT_STUDY
    p = Path(study)
    if p.is_dir():
        return p
    q = studies_root() / str(study)
    if q.is_dir():
        return q
    known = sorted(d.name for d in studies_root().glob("*/") if (d / STUDY_FILE).exists())
    raise ClaimsError(f"study '{study}' not found: neither a folder nor an id under "
                      f"{studies_root()}; known: {', '.join(known)}")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph: the non-blank blocks separated by blank lines."""
    return [(m.start(), m.end()) for m in re.finditer(r"\S(?:.|\n(?![ \t]*\n))*", text)]


def article_path(registry: Registry | None = None) -> Path:
    """The study's text file: ``article.path`` (relative to the study folder, for a study of
    one's own), else the dataset ``article.dataset`` fetched and checked through the registry."""
    from geoclaims import datasets

    if registry is not None and registry.article.get("path"):  # a study's own local file
        return (registry.study_dir / registry.article["path"]).resolve()
    name = (registry.article.get("dataset") if registry else None) or "article"
    return datasets.fetch(name)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read_yaml(path: Path) -> dict:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ClaimsError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        raise ClaimsError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(doc, dict):
        raise ClaimsError(f"{path}: expected a mapping at the top level")
    return doc


def _check_study(spath: Path, study: dict) -> None:
    for key in ("id", "article", "settings"):
        if not study.get(key):
            raise ClaimsError(f"{spath}: top-level field '{key}' is missing or empty")
    art = study["article"]
    for key in ("sha256", "publication"):
        if not art.get(key):
            raise ClaimsError(f"{spath}: article: field '{key}' is missing or empty")
    pub = art["publication"]
    for key in ("date", "basis", "sources"):
        if not pub.get(key):
            raise ClaimsError(f"{spath}: article.publication: field '{key}' is missing or empty")
    for key in ("date", "earliest", "latest"):
        if key in pub:
            try:
                pd.Timestamp(pub[key])
            except (ValueError, TypeError) as exc:
                raise ClaimsError(
                    f"{spath}: article.publication: field '{key}' is not a date ({pub[key]!r})"
                ) from exc
    for name, side in (study.get("sides") or {}).items():
        if not isinstance(side, dict) or not side.get("controllers"):
            raise ClaimsError(f"{spath}: sides.{name}: field 'controllers' is missing or empty")


def _check_test(path: Path, cid: str, test: dict, study: dict) -> None:
    for key in _TEST_FIELDS:
        if test.get(key) in (None, "", [], {}):
            raise ClaimsError(f"{path}: claim {cid}: field 'test.{key}' is missing or empty")
    if test["kind"] not in TEST_KINDS:
        raise ClaimsError(f"{path}: claim {cid}: field 'test.kind' is {test['kind']!r}; known: "
                          f"{', '.join(TEST_KINDS)}")
    rule = test["rule"]
    if rule.get("type") not in stats.RULE_TYPES:
        raise ClaimsError(f"{path}: claim {cid}: field 'test.rule.type' is {rule.get('type')!r}; "
                          f"known: {', '.join(stats.RULE_TYPES)}")
    if not isinstance(rule.get("threshold"), (int, float)):
        raise ClaimsError(f"{path}: claim {cid}: field 'test.rule.threshold' must be a number")
    sides = set((study.get("sides") or {}).keys())
    zone = test.get("in_zone") or {}
    named = list(zone.get("sides", [])) + list(zone.get("add_sides", []))
    for j, part in enumerate(test.get("parts") or []):
        if part.get("kind") not in PART_KINDS:
            raise ClaimsError(f"{path}: claim {cid}: field 'test.parts[{j}].kind' is "
                              f"{part.get('kind')!r}; known: {', '.join(PART_KINDS)}")
        named += [part.get("side")] + ([part["facing"]["side"]] if part.get("facing") else [])
    for j, var in enumerate(test.get("variants") or []):
        if not var.get("name") or not var.get("label"):
            raise ClaimsError(f"{path}: claim {cid}: field 'test.variants[{j}]' needs a name "
                              "and a label")
        named += list(var.get("add_sides", []))
    for s in named:
        if s not in sides:
            raise ClaimsError(f"{path}: claim {cid}: side '{s}' is not in study.yaml 'sides' "
                              f"(known: {', '.join(sorted(sides))})")
    if test.get("parts") and (test.get("combine") or {}).get("rule") not in COMBINE_RULES:
        raise ClaimsError(f"{path}: claim {cid}: field 'test.combine.rule' must be one of "
                          f"{', '.join(COMBINE_RULES)} when the test has parts")


def _spans(path: Path, cid: str, entry: dict, text: str | None,
           paras: list[tuple[int, int]]) -> list[Span]:
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
                    f"{where}.end' = {end} is past the end of the article ({len(text)} chars)")
            if not 0 <= para < len(paras) or not (paras[para][0] <= start and end <= paras[para][1]):
                raise ClaimsError(f"{where}.paragraph' = {para}: the span is not in it")
            got = _sha(text[start:end])
            if got != sp["sha256"]:
                raise ClaimsError(f"{where}.sha256': the text at {start}:{end} hashes to {got}, "
                                  f"expected {sp['sha256']}")
        spans.append(Span(str(sp["lang"]), int(para), int(start), int(end), str(sp["sha256"])))
    return spans


def load_registry(
    path: Path | str | None = None, *, article: Path | None = None, check_article: bool = True,
    study: str | Path | None = None,
) -> Registry:
    """Read and validate a study (``study``: a folder or an id; default the first study).

    ``path`` may name a ``claims.yaml`` directly (its study.yaml is the one beside it). With
    ``check_article`` the text file (default: fetched through the dataset registry) must have
    the registered sha256, and every span must lie in the file, in its paragraph, and hash to
    its registered sha256. Errors name the file, the claim and the field.
    """
    if path is not None:
        path = Path(path)
        if path.is_dir():
            path = path / CLAIMS_FILE
        sdir = path.parent if (path.parent / STUDY_FILE).exists() else study_dir(study)
    else:
        sdir = study_dir(study)
        path = sdir / CLAIMS_FILE
    spath = sdir / STUDY_FILE
    sdoc = _read_yaml(spath)
    _check_study(spath, sdoc)
    doc = _read_yaml(path)
    if not doc.get("claims"):
        raise ClaimsError(f"{path}: top-level field 'claims' is missing or empty")
    art = sdoc["article"]
    text = None
    if check_article:
        apath = Path(article) if article else article_path(
            Registry(path, art, sdoc["settings"], (), sdoc))
        raw = apath.read_bytes()
        actual = hashlib.sha256(raw).hexdigest()
        if actual != art["sha256"]:
            raise ClaimsError(
                f"{spath}: article.sha256: the text file {apath} has sha256 {actual}, the "
                f"study expects {art['sha256']}; the text has changed, so every span's "
                "offsets must be checked and re-registered")
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
        _check_test(path, cid, entry["test"], sdoc)
        spans = _spans(path, cid, entry, text, paras)
        if not any(s.lang == "en" for s in spans):
            raise ClaimsError(f"{path}: claim {cid}: field 'spans' has no English ('en') span")
        claims.append(Claim(
            id=str(cid), family=str(entry["family"]), notebook=str(entry["notebook"]),
            title=str(entry["title"]), paraphrase=" ".join(str(entry["paraphrase"]).split()),
            spans=tuple(spans), test=entry["test"],
            data_needs=tuple(str(d) for d in entry["data_needs"])))
    return Registry(path=path, article=art, settings=sdoc["settings"], claims=tuple(claims),
                    study=sdoc)


def span_text(span: Span, article: Path | None = None) -> str:
    """The text's own words at a registered span, read from the file at run time."""
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
    """The text's own words for a claim (every registered span, English first), read from the
    file at the registered offsets. For display only; never stored."""
    text = Path(article or article_path()).read_text(encoding="utf-8")
    rows = [{"lang": s.lang, "paragraph": s.paragraph, "start": s.start, "end": s.end,
             "text": " ".join(text[s.start : s.end].split())}
            for s in sorted(claim.spans, key=lambda s: (s.lang != "en", s.start))]
    return pd.DataFrame(rows)
