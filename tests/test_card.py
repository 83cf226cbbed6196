"""Fact-check cards: content from the verdict table and the article, PNG and PDF output."""

from __future__ import annotations

import pandas as pd
import pytest
from PIL import Image

from geoclaims import card


def content(**kw) -> card.CardContent:
    base = {
        "claim_id": "T1", "title": "A share claim",
        "quote": "The words <b>of</b> the article $x`",
        "citation": "Author (2019). Title. Publisher.", "paraphrase": "Our reading of it.",
        "verdict": "contradicted",
        "sentence": "Estimate: share of test events = 50.0 %, 95 % interval 44.3 to 55.8 %.",
        "caveat": "1 event lies outside every zone.", "period": "2019-02-04 to 2019-11-30",
        "evidence": pd.DataFrame({"lon": [40.5, 38.0, 36.7], "lat": [35.0, 35.9, 36.2],
                                  "group": ["numerator", "rest", "rest"]}),
        "credits": "Data: UCDP GED (CC BY 4.0); geoclaims control ledger.",
    }
    base.update(kw)
    return card.CardContent(**base)


def test_png_card_is_1080_wide_and_names_everything(tmp_path):
    out = card.render(content(), tmp_path / "c.png")
    with Image.open(out) as im:
        assert im.size == (1080, 1350)
    assert [p.name for p in tmp_path.iterdir()] == ["c.png"]


def test_pdf_card_has_selectable_text(tmp_path):
    from pypdf import PdfReader

    out = card.render(content(), tmp_path / "c.pdf")
    text = " ".join(PdfReader(out).pages[0].extract_text().split())
    for part in ("FACT CHECK", "claim T1", "A share claim", "CONTRADICTED",
                 "The words <b>of</b> the article $x`", "Author (2019)", "Our reading of it.",
                 "95 % interval 44.3 to 55.8 %", "1 event lies outside every zone.",
                 "2019-02-04 to 2019-11-30", "UCDP GED (CC BY 4.0)",
                 "events that count for the claim (1)", "other events in the test (2)"):
        assert part in text, part


def test_same_card_same_bytes(tmp_path):
    a = card.render(content(), tmp_path / "a.pdf").read_bytes()
    b = card.render(content(), tmp_path / "b.pdf").read_bytes()
    assert a == b
    a = card.render(content(), tmp_path / "a.svg").read_bytes()
    b = card.render(content(), tmp_path / "b.svg").read_bytes()
    assert a == b


def test_long_quotes_are_cut_with_an_ellipsis():
    wrapped = card._wrap("word " * 400, 78, 5)
    assert wrapped.count("\n") == 4 and wrapped.endswith("…")


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(card.CardError, match=r"a card is one of \.png, \.pdf, \.svg"):
        card.render(content(), tmp_path / "c.jpg")


def test_embed_snippet_escapes_and_keeps_the_aspect():
    from geoclaims import embed

    s = embed.snippet("map.html", title='A "map" <b>', credit="Data: X & Y.", aspect="4:5")
    assert 'title="A &quot;map&quot; &lt;b&gt;"' in s
    assert "padding-top:125.0000%" in s and "Data: X &amp; Y." in s
    with pytest.raises(ValueError, match="--aspect must be one of"):
        embed.snippet("m.html", title="t", credit="c", aspect="2:1")
