"""The popup, tooltip and title builders of geoclaims.maps, value by value.

The escaping tests (tests/test_escaping_fields.py) check that nothing dangerous gets through;
these check what is shown: every cell of an event popup for each way a field can be present,
missing or odd, the HTML around it, the static maps' title text, and the dictionary encoding
of the web map's event rows. Expected values are written out here, not computed with the
functions under test. (They also kill the mutants of ``make mutation MUTATION_MODULES=popups``;
see docs/mutation-report.md.)
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from geoclaims import maps

DAY = pd.Timestamp("2019-01-05")


def _row(**over):
    row = {
        "date_start": DAY, "date_end": DAY, "side_a": "SDF", "side_b": "IS",
        "side_a_group": "sdf", "side_b_group": "isis", "deaths_best": 12, "deaths_low": 10,
        "deaths_high": 20, "loc_precision": "exact", "loc_precision_source": 1,
        "date_precision": "day", "controller": "sdf", "dataset": "ucdp-ged-syria",
        "event_id": "f1", "headline": "Clashes near Hajin",
    }
    row.update(over)
    return row


# ---------------------------------------------------------------- static titles and credits


def test_mpl_text_escapes_dollars_and_shows_missing_as_nothing():
    assert maps._mpl_text("Costs $5") == r"Costs \$5"
    assert maps._mpl_text(3) == "3"
    assert maps._mpl_text(None) == ""
    assert maps._mpl_text(float("nan")) == ""


def test_date_range_text_for_each_open_or_closed_end():
    assert maps._date_range_text(None, None) == ""
    assert maps._date_range_text(None, "2019-01-31") == "up to 31 Jan 2019"
    assert maps._date_range_text("2019-01-05", None) == "from 5 Jan 2019"
    assert maps._date_range_text("2019-01-05", "2019-01-31") == "5 Jan 2019 – 31 Jan 2019"


def test_source_credit_drops_a_repeated_producer_from_the_licence():
    assert maps.Source("ACME", "CC BY 4.0 (ACME)").credit() == "ACME (CC BY 4.0)"
    assert maps.Source("ACME", "CC BY 4.0").credit() == "ACME (CC BY 4.0)"


# ---------------------------------------------------------------- number and date cells


def test_fmt_date():
    assert maps._fmt_date(pd.Timestamp("2019-03-01 15:30")) == "2019-03-01"
    assert maps._fmt_date("2019-03-01") == "2019-03-01"
    assert maps._fmt_date(None) == ""
    assert maps._fmt_date(pd.NaT) == ""


@pytest.mark.parametrize("value, shown", [
    (12, "12"), (12.0, "12"), (2.5, "2.5"), (0, "0"), ("7", "7"),
    (None, "?"), (float("nan"), "?"), (pd.NA, "?"),
    ("n/a", "n/a"),  # not a number (ValueError): shown as text
    ("<b>", "&lt;b&gt;"),  # ... and escaped
    ([1], "[1]"),  # not a number (TypeError): shown as text
])
def test_fmt_num(value, shown):
    assert maps._fmt_num(value) == shown


# ---------------------------------------------------------------- popup cells


def test_popup_cells_of_a_complete_row():
    cells, headline = maps.event_popup_cells(_row(headline="A & B"))
    assert cells == [
        "2019-01-05",
        "SDF &ndash; IS",
        "SDF &ndash; Islamic State",
        "12 (range 10&ndash;20)",
        "location exact (source code 1) date day",
        "SDF",
        "ucdp-ged-syria f1",
    ]
    assert headline == "A &amp; B"


@pytest.mark.parametrize("end, shown", [
    (DAY, "2019-01-05"),  # one day
    (None, "2019-01-05"),  # no end date
    (pd.NaT, "2019-01-05"),
    (pd.Timestamp("2019-01-07"), "2019-01-05 to 2019-01-07"),
    # an end before the start (a source error) is shown as it is, not hidden
    (pd.Timestamp("2019-01-03"), "2019-01-05 to 2019-01-03"),
])
def test_popup_date_cell(end, shown):
    assert maps.event_popup_cells(_row(date_end=end))[0][0] == shown


@pytest.mark.parametrize("over, shown", [
    ({}, "12 (range 10&ndash;20)"),
    ({"deaths_high": None}, "12"),  # a range needs both ends
    ({"deaths_low": float("nan")}, "12"),
    ({"deaths_low": None, "deaths_high": None}, "12"),
    ({"deaths_best": None, "deaths_low": 0, "deaths_high": 2.5}, "? (range 0&ndash;2.5)"),
])
def test_popup_deaths_cell(over, shown):
    assert maps.event_popup_cells(_row(**over))[0][3] == shown


@pytest.mark.parametrize("over, shown", [
    ({}, "location exact (source code 1) date day"),
    ({"loc_precision": None}, "(source code 1) date day"),
    ({"loc_precision_source": None}, "location exact date day"),
    ({"date_precision": None}, "location exact (source code 1)"),
    ({"loc_precision": None, "loc_precision_source": None}, "date day"),
    ({"loc_precision": None, "loc_precision_source": None, "date_precision": None}, "?"),
])
def test_popup_precision_cell(over, shown):
    assert maps.event_popup_cells(_row(**over))[0][4] == shown


def test_popup_groups_and_area_held_cells():
    row = _row(controller="turkey_and_sna")
    del row["side_b_group"]
    cells = maps.event_popup_cells(row)[0]
    assert cells[2] == "SDF &ndash; Unknown"  # a missing group is "unknown"
    assert cells[5] == "Turkey and SNA"
    assert maps.event_popup_cells(_row(controller=None))[0][5] == ""
    row = _row()
    del row["controller"]  # events not placed in a zone: no "Area held by" row
    assert maps.event_popup_cells(row)[0][5] == ""
    assert maps.event_popup_cells(pd.Series(row))[0][5] == ""


def test_popup_html_lists_the_shown_cells_in_order_and_leaves_empty_ones_out():
    row = _row(controller=None, headline="Clashes")
    assert maps.event_popup_html(row) == (
        '<div class="geoclaims-popup"><table>'
        "<tr><th>Date</th><td>2019-01-05</td></tr>"
        "<tr><th>Actors</th><td>SDF &ndash; IS</td></tr>"
        "<tr><th>Groups</th><td>SDF &ndash; Islamic State</td></tr>"
        "<tr><th>Deaths</th><td>12 (range 10&ndash;20)</td></tr>"
        "<tr><th>Precision</th><td>location exact (source code 1) date day</td></tr>"
        "<tr><th>Source</th><td>ucdp-ged-syria f1</td></tr>"
        '</table><p class="geoclaims-headline"><b>Source headline:</b> Clashes</p></div>'
    )
    assert "<tr><th>Area held by</th><td>SDF</td></tr>" in maps.event_popup_html(_row())


# ---------------------------------------------------------------- the web map's event rows


def _enc_row(colour, group, headline, eid, cell0="2019-01-05"):
    return [35.0, 38.0, 5.0, colour, "2019-01-05", group, "3", cell0, "a &ndash; b", "x &ndash; y",
            "3", "p", "", "ucdp-ged-syria", eid, headline]


def test_encoded_table_most_used_first_ties_in_order_of_first_use():
    rows = [_enc_row("#111111", "IS", "h1", "1"),
            _enc_row("#222222", "SDF", "h2", "2"),
            _enc_row("#222222", "SDF", "h3", "3"),
            _enc_row("#111111", "SDF", "h3", "4")]
    data, table = maps.encode_event_rows(rows)
    # used 8 times (twice a row), 4 times, 3 times, twice; ties in order of first use (so the
    # colour used first comes after the strings used more often)
    assert table == ["2019-01-05", "3", "a &ndash; b", "x &ndash; y", "p", "", "ucdp-ged-syria",
                     "SDF", "#111111", "#222222", "h3"]
    assert "h1" not in table and data[0][15] == "h1"  # used once: written in its row
    assert "IS" not in table and data[0][5] == "IS"
    assert data[1][3] == table.index("#222222") and data[3][5] == table.index("SDF")
    assert data[0][:3] == [35.0, 38.0, 5.0]  # coordinates and radius are not text
    for raw, enc in zip(rows, data, strict=True):
        tooltip, cells, headline = maps.decode_event_row(enc, table)
        assert tooltip == f"2019-01-05: {raw[5]}, 3 deaths"
        assert cells == ["2019-01-05", "a &ndash; b", "x &ndash; y", "3", "p", "",
                         f"ucdp-ged-syria {raw[14]}"]
        assert headline == raw[15]
    assert maps.encode_event_rows([]) == ([], [])


def test_event_ids_become_numbers_only_when_they_read_back_the_same():
    ids = ["17", "0", "0017", "00", "f1", "١٢", "²", "-3", ""]
    rows = [_enc_row("#111111", "IS", f"h{i}", eid) for i, eid in enumerate(ids)]
    data, table = maps.encode_event_rows(rows)
    assert [r[14] for r in data] == [17, 0, "0017", "00", "f1", "١٢", "²", "-3", ""]
    assert "17" not in table  # the id position is never put in the table
    rows = [_enc_row("#111111", "IS", "h", "17"), _enc_row("#111111", "IS", "h", "17")]
    data, table = maps.encode_event_rows(rows)
    assert "17" not in table and data[1][14] == 17


def test_decode_reads_table_indexes_and_plain_text():
    table = ["2019-01-05", "IS", "p"]
    row = [35.0, 38.0, 5.0, "#111111", 0, 1, "3", 0, "a", "b", "3", 2, "", "ds", 7, "head"]
    tooltip, cells, headline = maps.decode_event_row(row, table)
    assert tooltip == "2019-01-05: IS, 3 deaths"
    assert cells == ["2019-01-05", "a", "b", "3", "p", "", "ds 7"]
    assert headline == "head"


def test_compact_json_is_utf8_without_spaces_and_escapes_line_separators():
    text = maps._compact_json(["é", 1, [2.5, "a\u2028b\u2029c"]])
    assert text == '["é",1,[2.5,"a\\u2028b\\u2029c"]]'
    assert json.loads(text) == ["é", 1, [2.5, "a\u2028b\u2029c"]]
    with pytest.raises(ValueError):
        maps._compact_json([float("nan")])  # not JSON: refused, never written as NaN
