"""Reading an article file: validation, decoding, paragraphs, sentences, language."""

from __future__ import annotations

import hashlib

import pytest

from geoclaims import article, datasets


@pytest.fixture(scope="module")
def art() -> article.Article:
    return article.load()


def test_article_loads_with_its_registered_hash(art):
    assert art.encoding == "utf-8"
    assert art.sha256 == datasets.get("article").sha256
    assert art.warnings == []
    assert art.path is not None and art.name.endswith("us-syria-withdrawal-isis-return.txt")


def test_paragraph_and_sentence_offsets_slice_the_text(art):
    assert len(art.paragraphs) > 50
    prev_end = 0
    for p in art.paragraphs:
        chunk = art.span_text(p)
        assert chunk == chunk.strip() and chunk
        assert p.start >= prev_end
        prev_end = p.end
    prev_end = 0
    for s in art.sentences:
        assert s.start >= prev_end and s.end > s.start
        para = art.paragraphs[s.paragraph]
        assert para.start <= s.start and s.end <= para.end
        prev_end = s.end
    # abbreviations do not end a sentence
    s = art.sentence_at(art.text.index("U.S.-backed"))
    assert "U.S.-backed Syrian forces" in art.span_text(s)
    assert art.sentence_at(art.text.index("U.S.-backed")) is s


def test_language_switches_at_the_translation_not_at_a_fixed_offset(art):
    marker = next(p for p in art.paragraphs if "traduction :" in art.span_text(p))
    before = [p for p in art.paragraphs if p.index < marker.index]
    assert before and all(p.lang == "en" for p in before)
    assert marker.lang == "fr"
    after = [p for p in art.paragraphs if p.index > marker.index]
    assert sum(p.lang == "fr" for p in after) >= 0.9 * len(after)
    assert art.lang_at(art.text.index("Regions west of the Euphrates")) == "en"
    assert art.lang_at(art.text.index("ouest du fleuve Euphrate")) == "fr"


@pytest.mark.parametrize(
    "text,lang",
    [
        ("The forces of the coalition are in the east of the country.", "en"),
        ("Les forces de la coalition sont dans l'est du pays et de la Syrie.", "fr"),
        ("Hasaka", "und"),
    ],
)
def test_detect_language(text, lang):
    assert article.detect_language(text) == lang


def test_from_text_works_on_any_text():
    a = article.from_text(
        "Fighting in Raqqa and in the east of the country.\n\nDes combats à Raqqa et dans la ville."
    )
    assert [p.lang for p in a.paragraphs] == ["en", "fr"]
    assert a.text[a.paragraphs[1].start:a.paragraphs[1].end].startswith("Des combats")


def test_empty_file_is_an_error_naming_the_file(tmp_path):
    f = tmp_path / "empty.txt"
    f.write_bytes(b"")
    with pytest.raises(article.ArticleError, match=r"empty\.txt: the file is empty"):
        article.read_article(f)
    f.write_bytes(b"  \n\n \t")
    with pytest.raises(article.ArticleError, match="empty"):
        article.read_article(f)


def test_binary_file_is_an_error(tmp_path):
    f = tmp_path / "image.png"
    f.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(article.ArticleError, match=r"image\.png: .*binary.*byte offset 8"):
        article.read_article(f)


def test_utf16_is_reported_as_binary(tmp_path):
    f = tmp_path / "utf16.txt"
    f.write_bytes("Fighting in Raqqa".encode("utf-16"))
    with pytest.raises(article.ArticleError, match="binary"):
        article.read_article(f)


def test_latin1_text_is_decoded_with_a_warning(tmp_path):
    f = tmp_path / "latin1.txt"
    raw = "Les combats à Deir ez-Zor et près de Hassaké ont repris.".encode("latin-1")
    f.write_bytes(raw)
    with pytest.warns(article.ArticleWarning, match=r"latin1\.txt: not valid UTF-8"):
        a = article.read_article(f)
    assert a.text.startswith("Les combats à Deir ez-Zor")
    assert a.encoding == "cp1252"
    assert a.sha256 == hashlib.sha256(raw).hexdigest()
    assert a.warnings and "Latin-1" in a.warnings[0]


def test_non_utf8_garbage_is_an_error(tmp_path):
    f = tmp_path / "garbage.txt"
    f.write_bytes(b"\xff\xfe\x81\x8d\x90 \x9d\x01\x02 not text")
    with pytest.raises(article.ArticleError, match=r"garbage\.txt: not UTF-8 text .*0xff"):
        article.read_article(f)
    f.write_bytes(b"texte " + bytes(range(0xA0, 0xC0)) * 3)  # symbols, not letters
    with pytest.raises(article.ArticleError, match="not UTF-8"):
        article.read_article(f)


def test_bom_is_removed_and_offsets_count_from_the_text(tmp_path):
    f = tmp_path / "bom.txt"
    f.write_bytes("\ufeffFighting in Raqqa.".encode("utf-8"))
    a = article.read_article(f)
    assert a.text == "Fighting in Raqqa."


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(article.ArticleError, match="no such file"):
        article.read_article(tmp_path / "nope.txt")
    with pytest.raises(article.ArticleError, match="is a directory"):
        article.read_article(tmp_path)


def test_undetermined_paragraphs_take_a_neighbour_language():
    a = article.from_text("Raqqa\n\nDes combats à Raqqa et dans la ville.\n\nHasaka")
    assert [p.lang for p in a.paragraphs] == ["fr", "fr", "fr"]
