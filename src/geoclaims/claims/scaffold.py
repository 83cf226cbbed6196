"""``geoclaims study new ARTICLE.txt --id ID``: scaffold a study from a text file.

Writes ``data/studies/<id>/study.yaml`` (the text by path and sha256, the places found, fields
to fill in: publication date and its sources, population, sides, regions) and ``claims.yaml``
with the candidate claims commented out: the sentences that name a place together with an actor,
a quantifier (only, never, all, most, ...) or a forecast (will, could, within, ...); cue words
come from ``data/study_cues.yaml``. Every candidate carries its offsets, paragraph and sha256,
so registering one is uncommenting it and writing its paraphrase, test and rule.
The text itself is never copied into the study.
"""

from __future__ import annotations

import hashlib
import os
import re
import textwrap
from pathlib import Path

import yaml

from geoclaims import paths
from geoclaims.claims.registry import paragraphs, studies_root

CUES_FILE = "study_cues.yaml"


class ScaffoldError(ValueError):
    """The text cannot be read or the study folder exists already."""


def _cue_pattern(words: list[str]) -> re.Pattern:
    alts = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w.])(?:{alts})(?![\w])", re.IGNORECASE)


def candidates(text: str, places: list[tuple[int, int, str]], cues: dict) -> list[dict]:
    """Sentences naming a place with an actor, a quantifier or a forecast (text order)."""
    from geoclaims import article as article_mod

    art = article_mod.from_text(text, "<study text>")
    pats = {k: _cue_pattern(cues.get(k, [])) for k in ("actors", "quantifiers", "forecasts")}
    paras = paragraphs(text)
    out = []
    for s in art.sentences:
        names = sorted({n for a, b, n in places if s.start <= a and b <= s.end})
        if not names:
            continue
        sentence = text[s.start : s.end]
        found = {k: sorted({m.group(0) for m in p.finditer(sentence)}) for k, p in pats.items()}
        if not any(found.values()):
            continue
        para = next((i for i, (a, b) in enumerate(paras) if a <= s.start and s.end <= b), -1)
        out.append({"start": s.start, "end": s.end, "paragraph": para,
                    "sha256": hashlib.sha256(sentence.encode("utf-8")).hexdigest(),
                    "places": names, **found})
    return out


def _places(path: Path) -> tuple[list[tuple[int, int, str]], str]:
    try:
        from geoclaims import places

        mentions, _ = places.geoparse_file(path)
    except Exception as exc:  # noqa: BLE001 - the scaffold says so and goes on without places
        return [], f"places not found ({type(exc).__name__}: {exc})"
    rows = [(int(r.start), int(r.end), str(r.name if isinstance(r.name, str) and r.name
                                            else r.text))
            for r in mentions.itertuples() if r.status != "metonym"]
    return rows, ""


def new_study(article: str | Path, study_id: str, *, root: str | Path | None = None) -> Path:
    """Write the scaffold of study ``study_id`` for the text file ``article``; its folder."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", study_id):
        raise ScaffoldError(f"--id {study_id!r}: use lower-case letters, digits and hyphens")
    apath = Path(article)
    try:
        raw = apath.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScaffoldError(f"{apath}: cannot read it as UTF-8 text ({exc})") from exc
    folder = Path(root) / study_id if root else studies_root() / study_id
    if folder.exists():
        raise ScaffoldError(f"{folder} exists already; choose another --id")
    found, note = _places(apath)
    cues = yaml.safe_load((paths.DATA / CUES_FILE).read_text(encoding="utf-8"))
    cands = candidates(text, found, cues)
    folder.mkdir(parents=True)
    rel = os.path.relpath(apath.resolve(), folder.resolve())
    study = {
        "id": study_id,
        "title": f"TODO: a short title of the text ({apath.name})",
        "article": {
            "path": rel, "file": apath.name, "sha256": hashlib.sha256(raw).hexdigest(),
            "offsets": "Python str indices into the UTF-8-decoded file, end exclusive",
            "paragraphs": "0-based index of non-blank blocks separated by blank lines",
            "publication": {"date": "TODO-YYYY-MM-DD", "certainty": "TODO: exact or window",
                            "basis": "TODO: how the date is known",
                            "sources": ["TODO: a URL or full citation"]},
        },
        "places_found": sorted({n for _, _, n in found}),
        "population": {"datasets": ["ucdp-ged-syria"], "actor": {"column": "isis", "label": "IS"},
                       "countries": {"Syria": {"names": ["Syria", "SYR", "Syrian Arab Republic"],
                                               "short": "sy"}},
                       "keep": ["Syria"], "home": "Syria"},
        "sides": {"us_held": {"controllers": ["sdf", "us_coalition"], "label": "US-held"}},
        "regions": {},
        "settings": {"seed": 1, "n_boot": 2000, "min_events": 10, "boundary_buffers_km": [10, 25]},
    }
    head = (f"# Study {study_id}: scaffolded by `geoclaims study new`. Fill in every TODO.\n"
            "# The text is read from `article.path` (relative to this folder) and checked by "
            "sha256;\n# it is never copied here. "
            + (f"Note: {note}\n" if note else "\n"))
    (folder / "study.yaml").write_text(head + yaml.safe_dump(study, sort_keys=False,
                                                             allow_unicode=True),
                                       encoding="utf-8")
    (folder / "claims.yaml").write_text(claims_yaml(text, cands), encoding="utf-8")
    return folder


def claims_yaml(text: str, cands: list[dict]) -> str:
    """The scaffold's claims.yaml: every candidate commented out, with its offsets and hash."""
    lines = [
        "# Candidate claims: the sentences that name a place with an actor, a quantifier or a",
        "# forecast. Register a claim by uncommenting it, narrowing its span if needed (offsets",
        "# and sha256 must match the text), and writing its paraphrase, test and rule BEFORE",
        "# looking at the data. See docs/STUDIES.md for the test kinds.",
        "version: 1",
        "claims: []",
    ]
    for i, c in enumerate(cands, start=1):
        words = "; ".join(f"{k}: {', '.join(v)}" for k, v in c.items()
                          if k in ("places", "actors", "quantifiers", "forecasts") and v)
        shown = " ".join(text[c["start"]:c["end"]].split())
        lines += ["#", f"# candidate {i} ({words})"]
        lines += ["#   " + x for x in textwrap.wrap(shown, 90)]
        lines += [
            f"# - id: X{i}",
            "#   family: TODO", "#   notebook: 10_study.ipynb", "#   title: TODO",
            "#   paraphrase: TODO (your own words, not the text's)",
            (f"#   spans: [{{lang: en, paragraph: {c['paragraph']}, start: {c['start']}, "
             f"end: {c['end']}, sha256: {c['sha256']}}}]"),
            ("#   test: {kind: share, events: TODO, select: {country: home}, period: {start: "
             "publication, end: data_end}, zone: TODO, in_zone: {sides: [us_held], label: TODO},"
             " metric: TODO, rule: {type: share_at_least, threshold: 0.95}, rule_text: TODO}"),
            "#   data_needs: [ucdp-ged-syria]",
        ]
    return "\n".join(lines) + "\n"
