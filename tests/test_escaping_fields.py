"""Every field a popup, tooltip, title or sidecar shows is escaped, not only the headline.

* Popups (hypothesis): each text field of an event, in turn, holds random hostile text (HTML
  specials, backslash, backtick, ``$``, ``</script>``); the popup HTML has none of
  ``< > " ' \\ ` $`` outside the markup the builder adds itself, and the text is still shown
  (``html.unescape`` gives it back).
* The web page: hostile text in every event field, place, region and river name and in the
  title; the page has exactly as many ``<script``, ``</script``, ``${``, ``<img`` and
  backticks as the same page built with harmless text, no payload appears raw, and every
  field's marker appears (so no field is dropped instead of escaped).
* Static map titles: ``$`` is literal text, not mathtext. The sources sidecar of a map carries
  no event text at all.
* The values behind every popup and tooltip, read from the map objects (GeoJSON properties
  reach the browser JSON-encoded and are inserted with innerHTML).
folium puts popup HTML inside a JavaScript template literal: HTML escaping alone is not enough.
"""

from __future__ import annotations

import html
import re

import pandas as pd
from fixtures.maps import loader
from hypothesis import given, settings
from hypothesis import strategies as st

from geoclaims import exports, maps

#: Event fields that reach a popup or tooltip, and whether the popup shows them verbatim (the
#: others pass through a label or a number formatter first; they must still be safe).
POPUP_FIELDS = {
    "headline": True, "side_a": True, "side_b": True, "dataset": True, "event_id": True,
    "loc_precision": True, "loc_precision_source": True, "date_precision": True,
    "controller": False, "side_a_group": False, "side_b_group": False,
    "deaths_best": False, "deaths_low": False, "deaths_high": False,
}
#: The only markup the popup builder adds.
MARKUP = re.compile(r'</?(?:table|tr|th|td|b|p|div)(?: class="geoclaims-[a-z]+")?>|&ndash;')
DANGER = set("<>\"'\\`$")

_hostile = st.one_of(
    st.sampled_from(loader.PAYLOADS),
    st.lists(st.sampled_from(list("<>\"'\\`${}/&;=() aZé") + ["</script>", "${x}", "\\`",
                                                                "&#96;"]),
             min_size=1, max_size=20).map("".join),
)


def _row(**over):
    row = loader.events().iloc[5].to_dict()
    row.update(headline="Clashes near Hajin", controller="sdf")  # nothing to escape
    row.update(over)
    return pd.Series(row)


def _outside_markup(popup: str) -> str:
    return MARKUP.sub("", popup)


@settings(max_examples=60, deadline=None)
@given(field=st.sampled_from(sorted(POPUP_FIELDS)), value=_hostile)
def test_every_popup_field_is_escaped(field, value):
    row = _row(**{field: value})
    popup = maps.event_popup_html(row)
    left = DANGER & set(_outside_markup(popup))
    assert not left, (field, value, popup)
    cells, headline = maps.event_popup_cells(row)
    for cell in [*cells, headline]:
        assert not DANGER & set(_outside_markup(cell)), (field, value, cell)
    if POPUP_FIELDS[field]:
        assert value in html.unescape(popup), (field, value, popup)


def test_harmless_row_is_harmless():
    """The base row of the property test has nothing to escape (so a field that is not escaped
    is the only way danger can reach the popup)."""
    row = _row()
    for f in POPUP_FIELDS:
        assert not DANGER & set(str(row[f])), f


# ---------------------------------------------------------------- the whole web page

TOKENS = ("<script", "</script", "${", "<img", "`", "__pwned")


def _layers(text_of):
    """The fixture layers with ``text_of(kind, field, i)`` in every third-party text field."""
    ev = loader.events()
    for col in ("headline", "side_a", "side_b", "event_id", "loc_precision",
                "loc_precision_source", "date_precision", "admin1", "country"):
        ev[col] = [text_of("events", col, i) for i in range(len(ev))]
    pl = loader.places()
    pl["name"] = [text_of("places", "name", i) for i in range(len(pl))]
    rg = loader.regions()
    for col in ("name", "construction"):
        rg[col] = [text_of("regions", col, i) for i in range(len(rg))]
    eu = loader.euphrates()
    eu["name"] = [text_of("euphrates", "name", 0)]
    return loader.layers(events=ev, places=pl, regions=rg, euphrates=eu)


def _page(layers, title):
    return maps.interactive_map(layers, title=title, base_layers=False).get_root().render()


def _marker(kind, col, i):
    return f"mark-{kind}-{col}-{i}"


def test_web_page_escapes_every_field():
    payloads = loader.PAYLOADS

    def hostile(kind, col, i):
        return f"{payloads[(i + len(col)) % len(payloads)]} {_marker(kind, col, i)}"

    def harmless(kind, col, i):
        return f"harmless text {_marker(kind, col, i)}"

    title_h = " ".join(payloads) + " mark-title"
    bad = _page(_layers(hostile), title_h)
    good = _page(_layers(harmless), "harmless title mark-title")
    for tok in TOKENS[:-1]:
        assert bad.count(tok) == good.count(tok), (tok, bad.count(tok), good.count(tok))
    for p in payloads:
        if DANGER & set(p):
            assert p not in bad, p
    assert "__pwned" in bad  # the payloads are shown, as text
    markers = re.findall(r"mark-[a-z]+-[a-z_0-9]+-\d+|mark-title", good)
    assert len(set(markers)) > 20
    missing = sorted(m for m in set(markers) if m not in bad)
    assert not missing, f"fields dropped instead of escaped: {missing}"


def _shown_values(m):
    """Every value the map's popups and tooltips show, taken from the map objects (GeoJSON
    feature properties named by a GeoJsonPopup/GeoJsonTooltip, the zone slider's labels, the
    event markers' tooltip, popup cells and headline) with where it comes from."""
    out = []
    for child in m._children.values():
        kind = type(child).__name__
        if hasattr(child, "collections"):  # the control zone slider
            for coll in child.collections:
                for f in coll["features"]:
                    out += [(kind, k, f["properties"][k]) for k in ("_label", "controller")]
        elif hasattr(child, "strings"):  # the events: rows encoded against a string table
            kind = "FastMarkerCluster"
            out += [(kind, "string table", v) for v in child.strings]
            for row in child.data:
                tooltip, cells, headline = maps.decode_event_row(row, child.strings)
                out += [(kind, "tooltip", tooltip), (kind, "headline", headline)]
                out += [(kind, f"cell{i}", c) for i, c in enumerate(cells)]
        elif isinstance(getattr(child, "data", None), dict):
            fields = {f for sub in child._children.values() for f in getattr(sub, "fields", [])}
            assert fields, kind
            for f in child.data["features"]:
                out += [(kind, k, f["properties"][k]) for k in fields if k in f["properties"]]
    return out


def test_every_shown_map_value_is_escaped():
    """The values behind every popup and tooltip of the web map (including those inserted with
    innerHTML from GeoJSON, which the page text shows only JSON-encoded) hold no character that
    could open a tag or leave a template literal, outside the builders' own markup."""
    payloads = loader.PAYLOADS

    def hostile(kind, col, i):
        return f"{payloads[(i + len(col)) % len(payloads)]} {_marker(kind, col, i)}"

    m = maps.interactive_map(_layers(hostile), title="t", base_layers=False)
    shown = _shown_values(m)
    sources = {(k, f) for k, f, _ in shown}
    assert {("GeoJson", "construction"), ("GeoJson", "name"), ("FastMarkerCluster", "headline"),
            ("FastMarkerCluster", "tooltip"), ("ControlZoneSlider", "_label")} <= sources
    bad = [(k, f, v) for k, f, v in shown if DANGER & set(_outside_markup(str(v)))]
    assert not bad, bad
    text = " ".join(html.unescape(str(v)) for _, _, v in shown)
    for col in ("construction", "name"):
        assert _marker("regions", col, 1) in text


# ---------------------------------------------------------------- static title, sidecar


def test_static_map_title_dollar_is_literal(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    title = "Costs $5 and $x^{$ (unbalanced mathtext)"
    fig = maps.static_map(maps.MapLayers(events=loader.events()), title=title, dpi=40)
    fig.canvas.draw()  # unescaped, the unbalanced "$x^{$" would fail to parse here
    text = fig._suptitle.get_text()
    assert text.startswith(r"Costs \$5 and \$x^{\$ (unbalanced mathtext)")
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_map_sidecar_carries_no_event_text(tmp_path):
    ev = loader.events()
    side = exports.write_sources(tmp_path / "map.html", maps.MapLayers(events=ev))
    text = side.read_text(encoding="utf-8")
    assert "UCDP GED" in text
    for value in ev["headline"]:
        assert value not in text
    assert "__pwned" not in text
