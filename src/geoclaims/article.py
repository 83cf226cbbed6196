"""Read an article file: validated decoding, sha256, paragraphs, sentences and language per span.

Stage 1 of the pipeline (after :mod:`geoclaims.datasets`). All offsets are character offsets into
:attr:`Article.text`, the decoded file (a UTF-8 byte-order mark, if any, removed; line endings kept
as they are), so ``article.text[start:end]`` gives back the span's text.

Decoding rules (:func:`decode`):

- an empty file (or one holding only white space) -> :class:`ArticleError`;
- NUL bytes -> :class:`ArticleError` ("binary file");
- valid UTF-8 -> decoded;
- otherwise, if the bytes read as Windows-1252 / Latin-1 *text* (no control characters, and at least
  90 % of the non-ASCII characters are letters or common typographic punctuation) -> decoded that
  way, with a warning (:class:`ArticleWarning`, also kept in :attr:`Article.warnings`);
- otherwise -> :class:`ArticleError` ("not UTF-8").

Language (:func:`detect_language`): each paragraph is scored by counting its words that are on a
short English and a short French stop-word list (:data:`STOPWORDS`). The language with more hits
wins if it has at least 2 hits and at least 1.5 times the other's count; otherwise the paragraph is
``"und"`` (undetermined) and takes the language of the paragraph before it (leading undetermined
paragraphs: of the first determined one). Sentences are scored the same way, and a sentence too
short to decide takes its paragraph's language. No offset in any particular file is hard-coded.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from geoclaims import datasets


class ArticleError(ValueError):
    """The article file cannot be read as text; the message names the file."""


class ArticleWarning(UserWarning):
    """The article was read, but not as plain UTF-8 (e.g. decoded as Latin-1)."""


#: Short stop-word lists used to tell English from French (lower case, accents kept).
STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        ["the", "of", "and", "to", "in", "is", "that", "it", "was", "for", "on", "are", "as", "with", "by", "this", "be", "at", "from", "or", "have", "has", "an", "not", "but", "which", "were", "their", "its", "they", "been", "would", "will", "who", "what", "when", "there", "more", "than", "also", "into", "only", "over", "while", "so", "if", "can", "these", "those", "such", "both", "should", "could", "about"]
    ),
    "fr": frozenset(
        ["le", "la", "les", "des", "du", "de", "et", "est", "un", "une", "que", "qui", "dans", "pour", "par", "sur", "au", "aux", "en", "ce", "ces", "cette", "il", "elle", "ils", "sont", "pas", "ne", "plus", "ont", "été", "avec", "mais", "ou", "où", "se", "sa", "son", "ses", "leur", "leurs", "nous", "vous", "être", "fait", "aussi", "comme", "entre", "tout", "tous", "très", "été", "déjà", "lui", "même"]
    ),
}

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
_TYPOGRAPHY = set("«»–—‘’‚“”„…•·°€£¡¿§©®™†‡‰′″ ")


@dataclass(frozen=True)
class Span:
    """A paragraph or a sentence: ``text[start:end]``, its language and its index."""

    start: int
    end: int
    lang: str
    index: int
    paragraph: int = -1  # for sentences: index of the paragraph holding it


@dataclass
class Article:
    """A decoded article with its paragraphs and sentences."""

    text: str
    name: str
    sha256: str
    encoding: str
    paragraphs: list[Span]
    sentences: list[Span]
    warnings: list[str] = field(default_factory=list)
    path: Path | None = None

    def span_text(self, span: Span) -> str:
        return self.text[span.start : span.end]

    def sentence_at(self, offset: int) -> Span | None:
        """The sentence holding character ``offset`` (None between sentences)."""
        lo, hi = 0, len(self.sentences) - 1
        while lo <= hi:
            mid = (lo + hi) // 2
            s = self.sentences[mid]
            if offset < s.start:
                hi = mid - 1
            elif offset >= s.end:
                lo = mid + 1
            else:
                return s
        return None

    def paragraph_at(self, offset: int) -> Span | None:
        for p in self.paragraphs:
            if p.start <= offset < p.end:
                return p
        return None

    def lang_at(self, offset: int) -> str:
        """Language of the sentence (else the paragraph) at ``offset``; ``"und"`` if none."""
        s = self.sentence_at(offset)
        if s is not None:
            return s.lang
        p = self.paragraph_at(offset)
        return p.lang if p is not None else "und"


# --------------------------------------------------------------------------------------------
# decoding
# --------------------------------------------------------------------------------------------


def _looks_like_latin1_text(text: str) -> bool:
    for ch in text:
        if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f":
            return False
    non_ascii = [ch for ch in text if ord(ch) > 127]
    if not non_ascii:
        return True
    good = sum(ch.isalpha() or ch in _TYPOGRAPHY for ch in non_ascii)
    return good / len(non_ascii) >= 0.9


def decode(data: bytes, name: str) -> tuple[str, str, list[str]]:
    """Decode an article's bytes: ``(text, encoding, warnings)``; :class:`ArticleError` if not text.

    ``name`` is used in messages (the file's path).
    """
    if not data.strip():
        raise ArticleError(f"{name}: the file is empty ({len(data)} bytes, no text)")
    if b"\x00" in data:
        at = data.index(b"\x00")
        raise ArticleError(
            f"{name}: this looks like a binary file, not text (NUL byte at byte offset {at}); "
            "give a plain-text article file (UTF-8)"
        )
    try:
        text = data.decode("utf-8-sig")
        return text, "utf-8", []
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = None
    if text is not None and _looks_like_latin1_text(text):
        msg = (
            f"{name}: not valid UTF-8 (first bad byte at offset {utf8_error.start}); "
            "decoded as Latin-1 (Windows-1252) text - check accented letters"
        )
        return text, "cp1252", [msg]
    raise ArticleError(
        f"{name}: not UTF-8 text (invalid byte 0x{data[utf8_error.start]:02x} at byte offset "
        f"{utf8_error.start}) and does not read as Latin-1 text either; "
        "save the article as UTF-8 plain text"
    )


# --------------------------------------------------------------------------------------------
# language, paragraphs, sentences
# --------------------------------------------------------------------------------------------


def stopword_counts(text: str) -> dict[str, int]:
    """How many words of ``text`` are on each language's stop-word list."""
    counts = dict.fromkeys(STOPWORDS, 0)
    for m in _WORD.finditer(text.lower()):
        w = m.group(0)
        # French elision: l'Euphrate -> l, d'abord -> d
        parts = re.split(r"['’]", w)
        for part in parts:
            for lang, words in STOPWORDS.items():
                if part in words:
                    counts[lang] += 1
    return counts


def detect_language(text: str, *, min_hits: int = 2, ratio: float = 1.5) -> str:
    """``"en"``, ``"fr"`` or ``"und"`` by stop-word counts (see the module docstring)."""
    counts = stopword_counts(text)
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    (best, n1), (_, n2) = ranked[0], ranked[1]
    if n1 >= min_hits and n1 >= ratio * n2:
        return best
    return "und"


_PARA_BREAK = re.compile(r"\n[ \t]*(?:\r?\n[ \t]*)+|\r\n[ \t]*(?:\r\n[ \t]*)+")


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """Paragraphs as ``(start, end)``: runs of text between blank lines, outer white space trimmed."""
    out = []
    pos = 0
    for m in [*_PARA_BREAK.finditer(text), None]:
        end = m.start() if m else len(text)
        chunk = text[pos:end]
        if chunk.strip():
            lead = len(chunk) - len(chunk.lstrip())
            trail = len(chunk) - len(chunk.rstrip())
            out.append((pos + lead, end - trail))
        if m:
            pos = m.end()
    return out


# a sentence ends at . ! ? (plus closing quotes/brackets) before white space and a capital, digit,
# quote or bracket -- but not after a single capital letter (U.S., D. Trump) or a known abbreviation
_SENT_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s+[\"'“‘«(\[]?[^\W_a-z])|\s*\n\s*", re.UNICODE)
_ABBREV = re.compile(r"(?:\b[A-Z]|\b(?:Mr|Mrs|Ms|Dr|Prof|St|Gen|Col|Lt|Sgt|No|vs|etc|e\.g|i\.e|M|Mme))\.$")


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences of ``text[start:end]`` as absolute ``(start, end)``; each line break also ends one."""
    out = []
    pos = start
    chunk = text[start:end]
    for m in _SENT_END.finditer(chunk):
        cut = start + m.end()
        if "\n" not in m.group(0) and _ABBREV.search(text[pos : start + m.start() + 1]):
            continue
        piece = text[pos:cut]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            trail = len(piece) - len(piece.rstrip())
            out.append((pos + lead, cut - trail))
        pos = cut
    piece = text[pos:end]
    if piece.strip():
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        out.append((pos + lead, end - trail))
    return out


def from_text(text: str, name: str = "<text>", *, encoding: str = "utf-8",
              sha256: str | None = None, warns: list[str] | None = None,
              path: Path | None = None) -> Article:
    """Build an :class:`Article` from already decoded text (paragraphs, sentences, languages)."""
    paragraphs: list[Span] = []
    sentences: list[Span] = []
    for pi, (ps, pe) in enumerate(split_paragraphs(text)):
        plang = detect_language(text[ps:pe])
        paragraphs.append(Span(ps, pe, plang, pi))
        for ss, se in split_sentences(text, ps, pe):
            slang = detect_language(text[ss:se])
            if slang == "und":
                slang = plang
            sentences.append(Span(ss, se, slang, len(sentences), pi))
    # undetermined paragraphs (headings, bylines) take the language of the paragraph before
    # them; leading ones take that of the first determined paragraph
    fixed: list[Span] = []
    for p in paragraphs:
        if p.lang == "und" and fixed and fixed[-1].lang != "und":
            p = Span(p.start, p.end, fixed[-1].lang, p.index)
        fixed.append(p)
    first = next((p.lang for p in fixed if p.lang != "und"), "und")
    fixed = [Span(p.start, p.end, first, p.index) if p.lang == "und" else p for p in fixed]
    by_para = {p.index: p.lang for p in fixed}
    sentences = [
        s if s.lang != "und" else Span(s.start, s.end, by_para[s.paragraph], s.index, s.paragraph)
        for s in sentences
    ]
    digest = sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Article(text, name, digest, encoding, fixed, sentences, list(warns or []), path)


def read_article(path: str | Path) -> Article:
    """Read and validate an article file (see the module docstring for the rules)."""
    path = Path(path)
    if not path.exists():
        raise ArticleError(f"{path}: no such file")
    if path.is_dir():
        raise ArticleError(f"{path}: is a directory, not an article file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ArticleError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    text, encoding, warns = decode(data, str(path))
    for w in warns:
        warnings.warn(w, ArticleWarning, stacklevel=2)
    return from_text(
        text, str(path), encoding=encoding, sha256=hashlib.sha256(data).hexdigest(),
        warns=warns, path=path,
    )


def load(dataset: str = "article") -> Article:
    """Read a registry dataset (default: the article under study) as an :class:`Article`."""
    return read_article(datasets.fetch(dataset))
