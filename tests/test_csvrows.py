"""The curated-CSV row reader shared by the gazetteer, the geoparser's phrases and the control
ledger (geoclaims.csvrows): nothing a row holds beyond its header is dropped silently."""

from __future__ import annotations

import pytest

from geoclaims import csvrows
from geoclaims import gazetteer as gz


class Boom(ValueError):
    pass


def _write(tmp_path, text, name="t.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_rows_keep_their_file_line_and_quoted_commas(tmp_path):
    path = _write(tmp_path, 'id,name,note\na,A,"x, y"\n\nb,B,\n')
    assert csvrows.read_rows(path, ("id", "name"), Boom) == [
        (2, {"id": "a", "name": "A", "note": "x, y"}), (4, {"id": "b", "name": "B", "note": ""})]


@pytest.mark.parametrize("row, field, words", [
    ("a,A,x, y", "note", "more fields than the header: 4 fields, the header has 3"),
    ("a,A", "note", "fewer fields than the header: 2 fields, the header has 3"),
])
def test_a_row_longer_or_shorter_than_its_header_is_refused(tmp_path, row, field, words):
    path = _write(tmp_path, f"id,name,note\n{row}\n")
    with pytest.raises(Boom) as exc:
        csvrows.read_rows(path, ("id", "name"), Boom)
    msg = str(exc.value)
    assert msg.startswith(f"{path}: row 2 (a): field '{field}': ") and words in msg
    if "more" in words:
        assert "the extra text ' y' would be lost" in msg


@pytest.mark.parametrize("header, words", [("id,note", "missing column(s) name"),
                                           ("id,name,id", "column(s) id appear twice")])
def test_a_header_that_lacks_or_repeats_a_column_is_refused(tmp_path, header, words):
    path = _write(tmp_path, f"{header}\n")
    with pytest.raises(Boom, match=f"{path}: header: .*{words}".replace("(", r"\(")
                       .replace(")", r"\)")):
        csvrows.read_rows(path, ("id", "name"), Boom)


def test_an_exact_header_must_be_the_columns_in_order(tmp_path):
    path = _write(tmp_path, "name,id\n")
    with pytest.raises(Boom, match="columns must be exactly id,name; found name,id"):
        csvrows.read_rows(path, ("id", "name"), Boom, exact=True)
    assert csvrows.read_rows(_write(tmp_path, "id,name\n", "u.csv"), ("id", "name"), Boom,
                             exact=True) == []


def test_the_gazetteer_readers_refuse_a_row_with_an_unquoted_comma(tmp_path):
    variants = _write(tmp_path, "place_id,variant,lang,note\ngn:1,Xa,en,a note, cut\n",
                      "variants.csv")
    with pytest.raises(gz.GazetteerError, match=r"row 2 \(gn:1\): field 'note': more fields"):
        gz.read_variants(variants)
    curated = _write(tmp_path, "id,name,lat,lon,precision_km,country,feature,source,note\n"
                     "cu:x,Name, with comma,34.0,38.0,2,SY,village,a source,\n", "curated.csv")
    with pytest.raises(gz.GazetteerError, match=r"row 2 \(cu:x\): field 'note': more fields"):
        gz.read_curated(curated)
    bad = _write(tmp_path, "id,name,lat,lon,precision_km,country,feature,source,note\n"
                 "cu:x,Name,north,38.0,2,SY,village,a source,\n", "bad.csv")
    with pytest.raises(gz.GazetteerError, match=r"row 2 \(cu:x\): field 'lat': 'north' is not"):
        gz.read_curated(bad)


def test_the_projects_curated_files_load_whole():
    assert all(set(r) == {"place_id", "variant", "lang", "note", "_row"}
               for r in gz.read_variants())
    assert len(gz.read_curated()) > 100


def test_a_row_cut_off_just_before_its_id_column_is_refused_not_an_index_error(tmp_path):
    path = _write(tmp_path, "name,id,note\nA\n")
    with pytest.raises(Boom, match=r"row 2: field 'id': fewer fields than the header: 1 field"):
        csvrows.read_rows(path, ("id", "name"), Boom)
