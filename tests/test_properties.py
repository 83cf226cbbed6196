"""Property-based tests (hypothesis) of the geoparser's offsets and of name normalisation.

* Every mention's offsets point at its text (``text[start:end] == mention``) on random Unicode
  text (Latin with accents, Arabic, CJK, emoji, combining marks, line breaks) around real place
  names written in English and in French, and the inserted name is found where it was put.
* Accented French spellings normalise like their unaccented forms (an accented letter is never
  dropped), checked on names that are *not* both indexed.
"""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from geoclaims import gazetteer, places

#: (written form, place id): English and French spellings, several with accents.
NAMES = [
    ("Raqqa", "gn:172955"), ("Deir ez-Zor", "gn:170794"), ("Manbij", "gn:167357"),
    ("Hassaké", "gn:173811"), ("Kobané", "gn:172256"), ("Ras al-Aïn", "gn:165509"),
    ("Alep", "gn:170063"), ("Palmyre", "gn:163808"), ("Damas", "gn:170654"),
    ("Tell Abyad", "gn:163750"),
]
CUES = ["near", "in", "près de", "à"]

# random text: Latin letters with and without accents, Arabic, CJK, emoji, combining marks,
# punctuation and line breaks
_alphabet = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.characters(min_codepoint=0xC0, max_codepoint=0x17F),
    st.characters(min_codepoint=0x600, max_codepoint=0x6FF),
    st.characters(min_codepoint=0x300, max_codepoint=0x36F),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x4E80),
    st.characters(min_codepoint=0x1F600, max_codepoint=0x1F64F),
    st.sampled_from(["\n", " ", ".", "’", "\u00a0", "\u200f"]),
)
_noise = st.text(alphabet=_alphabet, max_size=60)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pre=_noise, post=_noise, name=st.sampled_from(NAMES), cue=st.sampled_from(CUES))
@example(pre="قتال في", post="\u0301 ☃", name=("Hassaké", "gn:173811"), cue="près de")
@example(pre="Les combats près de Kobané\u0301", post="", name=("Raqqa", "gn:172955"), cue="à")
def test_geoparse_offsets_point_at_the_mention(pre, post, name, cue):
    written, pid = name
    head = f"{pre}\n\nFighting {cue} "
    text = f"{head}{written}. {post}"
    got = places.geoparse(text)
    for row in got.itertuples():
        assert text[row.start:row.end] == row.text, (row.start, row.end, row.text)
        assert 0 <= row.start < row.end <= len(text)
    at = got[got["start"] == len(head)]
    assert list(at["text"]) == [written], got[["text", "start", "end", "place_id"]]
    assert list(at["place_id"]) == [pid]


def _plain(text: str) -> str:
    """The text with its accents taken off (NFKD, combining marks dropped), written here."""
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))


_ACCENTS = {"a": "àâä", "e": "éèêë", "i": "îï", "o": "ôö", "u": "ùûü", "c": "ç", "y": "ÿ"}


@st.composite
def _accented_word(draw):
    base = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=12))
    out = []
    for ch in base:
        if ch in _ACCENTS and draw(st.booleans()):
            out.append(draw(st.sampled_from(_ACCENTS[ch])))
        else:
            out.append(ch)
    word = "".join(out)
    assume(word != base)
    return draw(st.sampled_from([word, word.capitalize(), word.upper()])), base


@settings(max_examples=300, deadline=None)
@given(pair=_accented_word())
def test_normalize_keeps_accented_letters(pair):
    """An accented letter counts as its base letter: "Hassaké" and "Hassake" have one key."""
    word, base = pair
    assert _plain(word).lower() == base
    assert gazetteer.normalize(word) == gazetteer.normalize(base)
    assert len(gazetteer.normalize(word)) > 0


def test_accented_only_spellings_resolve():
    """Spellings whose accented form is the only one in the variant tables resolve through the
    normalised key of the accented letters (an accent dropped would lose a letter)."""
    for word, plain in [("Kobané", "Kobane"), ("Ras al-Aïn", "Ras al-Ain"),
                        ("Hassaké", "Hassake"), ("Qamichlié", "Qamichlie")]:
        assert gazetteer.normalize(word) == gazetteer.normalize(plain), word
    assert gazetteer.normalize("Kobané").endswith("e")
    got = places.geoparse("Des combats près de Kobané et de Ras al-Aïn.")
    assert list(got["place_id"]) == ["gn:172256", "gn:165509"]
