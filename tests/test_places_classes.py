"""Geoparser fixes by class (issue 12, fourth round): each test uses sentences written for it,
none taken from the held-out texts."""

from __future__ import annotations

import pytest

from geoclaims import places
from geoclaims import gazetteer as gz


def _found(text: str) -> list[tuple[str, str]]:
    m = places.parse(text)
    return [(r["text"], r["place_id"]) for r in m.rows]


# -- class 1: typographic variants read as their plain forms ---------------------------------

def test_plain_text_keeps_the_length_and_maps_typographic_forms():
    raw = "l’est d‘Alep\u00a0; « Raqqa\u202f» Qaʼim Syrian\u2011Iraqi"
    plain = gz.plain_text(raw)
    assert len(plain) == len(raw)
    assert plain == "l'est d'Alep ; « Raqqa » Qa'im Syrian-Iraqi"
    assert gz.plain_text("Maʿarrat") == "Maʿarrat"  # the ayn sign is a letter, not an apostrophe


@pytest.mark.parametrize("apostrophe", ["'", "’", "ʼ", "′"])
def test_governorate_cue_after_an_elision_of_any_apostrophe(apostrophe):
    text = f"Les frappes ont visé la province d{apostrophe}Idlib hier."
    assert _found(text) == [("Idlib", "adm1:SY07")]
    text = f"Un convoi est parti du gouvernorat d{apostrophe}Alep."
    assert _found(text) == [("Alep", "adm1:SY02")]


@pytest.mark.parametrize("space", [" ", "\u00a0", "\u202f"])
def test_no_break_spaces_inside_phrases_and_names(space):
    found = _found(f"Des renforts sont arrivés dans le nord-est{space}de la Syrie et près"
                   f"{space}de{space}Raqqa.")
    assert [pid for _, pid in found] == ["dir:ne:sector:adm0:SYR", "gn:172955"]
    assert found[0][0] == f"nord-est{space}de la Syrie"  # the span is cut from the original


def test_curly_apostrophes_in_endings_and_the_unicode_hyphen():
    assert _found("Iraq’s militias crossed the Syrian\u2011Iraqi border.") == [
        ("Iraq", "adm0:IRQ"), ("Syrian\u2011Iraqi border", "rg:syria-iraq-border")]
    assert _found("Des tirs à l’ouest de l’Euphrate.")[0][1] == "rg:syria-west-of-euphrates"
