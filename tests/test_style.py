"""geoclaims.style: the one escaping function, the palette's neutral colours, and the module's
place outside the pipeline (every stage may import it; it imports none of them)."""

from __future__ import annotations

import ast
import html
import re
import subprocess
import sys
from pathlib import Path

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
