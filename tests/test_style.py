"""geoclaims.style: the one escaping function, the palette's neutral colours, and the module's
place outside the pipeline (every stage may import it; it imports none of them)."""

from __future__ import annotations

import ast
import html
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fixtures.maps import loader

from geoclaims import control, maps, style

SRC = Path(style.__file__).resolve().parent
HEX = re.compile(r"^#[0-9A-F]{6}$")
HEX_LITERAL = re.compile(r"""["']#[0-9A-Fa-f]{6}["']""")


# --- escaping --------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", loader.PAYLOADS)
def test_escape_text_leaves_nothing_active_and_round_trips(payload):
    out = style.escape_text(payload)
    for char in "<>\"'`$\\":
        assert char not in out
    assert html.unescape(out) == payload


def test_escape_text_missing_values():
    assert style.escape_text(None) == ""
    assert style.escape_text(float("nan")) == ""
    assert style.escape_text(pd.NA) == ""
    assert style.escape_text(pd.NaT) == ""
    assert style.escape_text(12) == "12"


def test_escape_text_for_popups():
    """(moved from tests/test_events.py, which tested events.escape_text)"""
    s = style.escape_text("<b>x</b> ${alert(1)} `t` \\ </script>")
    for bad in ("<", ">", "${", "`", "\\"):
        assert bad not in s
    assert style.escape_text(None) == ""


def test_escape_html_for_folium():
    """(moved from tests/test_places.py, which tested places.escape_html)"""
    s = style.escape_text("<script>`${x}`\\</script>")
    for bad in ("<", ">", "`", "${", "\\"):
        assert bad not in s


def test_escape_frame_escapes_every_property_but_keeps_the_geometry():
    pl = loader.places()
    safe = style.escape_frame(pl)
    assert "<script" not in safe.to_json()
    assert safe.geometry.equals(pl.geometry)
    assert list(safe.index) == list(pl.index) and safe.crs == pl.crs


def test_escape_text_exact_entities():
    """Each special character becomes its entity (rendered as the same character)."""
    assert style.escape_text("<a href=\"x\">'&`$\\") == (
        "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#96;&#36;&#92;")
    assert style.escape_text("plain text, é") == "plain text, é"


@pytest.mark.parametrize("value, missing", [
    (None, True), (pd.NA, True), (pd.NaT, True), (float("nan"), True),
    (np.float64("nan"), True),
    ("x", False), ("", False), ("nan", False), (0, False), (0.0, False), (1.5, False),
    (pd.Timestamp("2019-01-01"), False), (False, False),
])
def test_is_missing(value, missing):
    assert style.is_missing(value) is missing


def test_escape_frame_escapes_the_named_columns_only_and_never_the_geometry():
    import geopandas as gpd
    from shapely.geometry import Point

    frame = gpd.GeoDataFrame(
        {"id": ["<i>", "b"], "name": ["`n`", None], "zz": ["$z", "w"], "area": ["&", "v"]},
        geometry=[Point(0, 0), Point(1, 1)], crs="EPSG:4326", index=[7, 9])
    safe = style.escape_frame(frame)
    # columns sorted before ("area") and after ("id", "name", "zz") the geometry's name are kept
    assert list(safe.columns) == ["id", "name", "zz", "area", "geometry"]
    assert safe["area"].tolist() == ["&amp;", "v"]
    assert safe["id"].tolist() == ["&lt;i&gt;", "b"]
    assert safe["name"].tolist() == ["&#96;n&#96;", ""]
    assert safe["zz"].tolist() == ["&#36;z", "w"]
    some = style.escape_frame(frame, ["name", "geometry", "id"])
    assert list(some.columns) == ["name", "id", "geometry"]
    assert some.geometry.equals(frame.geometry) and list(some.index) == [7, 9]


@pytest.mark.parametrize("value", ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_csv_safe_guards_each_formula_start(value):
    assert style.csv_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["a=b", "1-2", "", " =1", 5, -3, None])
def test_csv_safe_leaves_other_values(value):
    assert style.csv_safe(value) == value


def test_csv_safe_frame_changes_only_text_columns_and_counts_the_cells():
    frame = pd.DataFrame({
        "headline": ["=1+1", "ok", None, "\tx"],
        "side_a": ["-2", "a", "b", "c"],
        "note": ["=x", "=y", "=z", "=w"],  # not a third-party text column
        "deaths": [-1, 0, 1, 2],
    })
    out, changed = style.csv_safe_frame(frame)
    assert changed == 3
    head = out["headline"].tolist()
    assert head[:2] + head[3:] == ["'=1+1", "ok", "'\tx"] and pd.isna(head[2])
    assert out["side_a"].tolist() == ["'-2", "a", "b", "c"]
    assert out["note"].tolist() == frame["note"].tolist()
    assert frame["headline"].tolist()[0] == "=1+1"  # the input is not changed
    out, changed = style.csv_safe_frame(frame, ["note", "no_such_column"])
    assert changed == 4 and out["note"].tolist() == ["'=x", "'=y", "'=z", "'=w"]
    assert out["headline"].tolist()[0] == "=1+1"
    assert style.csv_safe_frame(frame, [])[1] == 0


def test_one_escaping_function():
    """The earlier copies are gone; maps re-exports the one in style."""
    from geoclaims import events, places

    assert not hasattr(events, "escape_text")
    assert not hasattr(places, "escape_html")
    assert maps.escape_text is style.escape_text
    assert maps.escape_frame is style.escape_frame


# --- palette and neutral colours -------------------------------------------------------------


def test_maps_reexports_the_palette_and_controllers_come_from_control():
    for name in ("PALETTE", "LABELS", "WATER", "OUTLINE", "PLACE", "colour", "label"):
        assert getattr(maps, name) is getattr(style, name), name
    assert maps.CONTROLLERS == (*control.CONTROLLERS, "unknown")
    for c in maps.CONTROLLERS:
        assert HEX.match(style.colour(c)), c
        assert c in style.LABELS, c


def test_neutral_colours_are_valid_and_not_categories():
    names = ("WATER", "OUTLINE", "PLACE", "BORDER", "ADMIN_LINE", "WEB_BORDER", "WEB_ADMIN_LINE",
             "CREDIT_TEXT", "PRECISE", "IMPRECISE")
    for name in names:
        assert HEX.match(getattr(style, name)), name
    for name in ("WATER", "BORDER", "WEB_BORDER", "ADMIN_LINE", "WEB_ADMIN_LINE"):
        assert getattr(style, name) not in [style.PALETTE[c] for c in maps.CONTROLLERS
                                            if c != "unknown"], name
    assert style.PRECISE != style.IMPRECISE


def test_colour_and_label_fall_back():
    assert style.colour("no such group") == style.PALETTE["unknown"]
    assert style.label("no_such_group") == "no such group"


@pytest.mark.parametrize("module", ["events.py", "control.py", "places.py"])
def test_earlier_stages_hard_code_no_colours(module):
    """events, control and places take their colours from style (claims keeps its verdict
    colours; maps its own map furniture)."""
    text = (SRC / module).read_text(encoding="utf-8")
    assert not HEX_LITERAL.findall(text), module


# --- stage-neutral ---------------------------------------------------------------------------


def test_style_imports_no_pipeline_stage():
    tree = ast.parse((SRC / "style.py").read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    assert not [m for m in imported if m.startswith("geoclaims")], imported
    code = ("import sys, geoclaims.style; "
            "print(sorted(m for m in sys.modules if m.startswith('geoclaims')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "['geoclaims', 'geoclaims.style']"
