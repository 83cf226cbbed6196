"""Presentation shared by every stage: one palette, its labels, the neutral line colours, and the
one escaping function for third-party text shown in web pages.

Stage-neutral, like :mod:`geoclaims.paths`: it imports nothing from the pipeline's stages, so
every stage (places, events, control, claims, maps) may import it. Controller and actor-group
keys are plain strings here; :mod:`geoclaims.control` (``CONTROLLERS``) and
:mod:`geoclaims.actors` (``GROUPS``) own the names, and the tests check that each has a colour.

- :data:`PALETTE` - one colour per controller and per actor group, used by every figure, web map
  and notebook. Controllers use the Okabe-Ito colour-blind-safe set; actor groups reuse the
  colour of the controller family they belong to (``hts`` = ``hts_and_opposition``), and the few
  groups without a controller get colours from Paul Tol's colour-blind-safe sets.
- :data:`WATER`, :data:`BORDER`, :data:`ADMIN_LINE`, ... - colours that are not categories.
- :func:`escape_text` - third-party text (event headlines, actor names, article text) made safe
  for HTML *and* for the JavaScript template literal folium wraps popups in;
  :func:`escape_frame` applies it to every property of a GeoDataFrame.
- :func:`stable_ids` / :func:`stable_web_map` - folium element ids from a counter, so that a web
  map built twice from the same inputs is the same bytes.
"""

from __future__ import annotations

import contextlib
import functools
import html
import itertools
import math
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import geopandas as gpd

#: One colour per controller and per actor group. Import this; do not define colours elsewhere.
PALETTE: dict[str, str] = {
    # controllers (Okabe & Ito 2008, colour-blind safe)
    "syrian_government": "#D55E00",  # vermillion
    "sdf": "#009E73",  # bluish green
    "us_coalition": "#0072B2",  # blue
    "turkey_and_sna": "#E69F00",  # orange
    "hts_and_opposition": "#CC79A7",  # reddish purple
    "isis": "#000000",  # black
    "contested": "#F0E442",  # yellow
    "unknown": "#BBBBBB",  # grey
    # actor groups (geoclaims.actors.GROUPS) that are not controllers
    "hts": "#CC79A7",  # same family as hts_and_opposition
    "other_opposition": "#CC79A7",
    "russia": "#882255",  # Tol wine
    "iran_backed": "#994F00",  # Tol brown
    "other_state": "#332288",  # Tol indigo
    "other": "#777777",
    "civilians": "#88CCEE",  # Tol cyan
    "unidentified": "#999933",  # Tol olive
    "none": "#DDDDDD",
}
#: Colours that are not categories.
WATER = "#56B4E9"  # sky blue (Okabe-Ito), used only for rivers
OUTLINE = "#222222"  # lines and regions the article names (publication maps)
PLACE = "#222222"  # places the article names (publication maps)
BORDER = "#444444"  # Syria's outline in static figures
ADMIN_LINE = "#BBBBBB"  # governorate boundaries in static figures
WEB_BORDER = "#333333"  # Syria's outline in web maps
WEB_ADMIN_LINE = "#999999"  # governorate boundaries in web maps
CREDIT_TEXT = "#555555"  # source lines printed on figures
#: Islamic State events on maps, time-lapses and cards: a colour that no zone of control uses
#: (zones are drawn from :data:`PALETTE`), so an event never disappears into its ground.
EVENT_COLOUR = "#7A0177"
#: Location precision of events, in figures that show no controller or group colours
#: (Okabe-Ito blue and orange).
PRECISE = "#0072B2"
IMPRECISE = "#E69F00"

#: Human-readable labels for the legend.
LABELS: dict[str, str] = {
    "syrian_government": "Syrian government",
    "sdf": "SDF",
    "us_coalition": "US-led coalition",
    "turkey_and_sna": "Turkey and SNA",
    "hts_and_opposition": "HTS and opposition",
    "isis": "Islamic State",
    "contested": "Contested",
    "unknown": "Unknown",
    "hts": "HTS",
    "other_opposition": "Other opposition",
    "russia": "Russia",
    "iran_backed": "Iran-backed groups",
    "other_state": "Other state",
    "other": "Other",
    "civilians": "Civilians",
    "unidentified": "Unidentified (by the source)",
    "none": "None",
}


def colour(name: object) -> str:
    """The palette colour of a controller or actor group (``unknown`` grey for anything else)."""
    return PALETTE.get(str(name), PALETTE["unknown"])


def label(name: object) -> str:
    """The legend label of a controller or actor group."""
    return LABELS.get(str(name), str(name).replace("_", " "))


# --------------------------------------------------------------------------------------------
# Escaping
# --------------------------------------------------------------------------------------------

_JS_TEMPLATE = {"\\": "&#92;", "`": "&#96;", "$": "&#36;"}


def is_missing(value: object) -> bool:
    """True for None, ``pd.NA``, ``pd.NaT`` and float NaN (a scalar, never an array)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def escape_text(value: object) -> str:
    """Third-party text made safe for HTML and for a JavaScript template literal.

    HTML-escapes ``& < > " '`` and replaces the three characters that matter inside a template
    literal (backslash, backtick, ``$``) with HTML entities, which render as the same characters.
    The result contains none of ``< > " ' \\ ` $``, so it cannot open a tag, close a
    ``<script>``, end an attribute or a template literal, or start a ``${...}`` substitution.
    Missing values become "".
    """
    if is_missing(value):
        return ""
    out = html.escape(str(value), quote=True)
    for char, entity in _JS_TEMPLATE.items():
        out = out.replace(char, entity)
    return out


def escape_frame(frame: gpd.GeoDataFrame, columns: Iterable[str] | None = None) -> gpd.GeoDataFrame:
    """A copy of ``frame`` whose non-geometry columns are escaped strings (for GeoJSON popups).

    Use before a frame's properties reach ``GeoJsonPopup``/``GeoJsonTooltip``, which insert
    values with ``innerHTML``.
    """
    import geopandas as gpd

    geom = frame.geometry.name
    cols = [c for c in (columns if columns is not None else frame.columns) if c != geom]
    out = gpd.GeoDataFrame(
        {c: [escape_text(v) for v in frame[c]] for c in cols},
        geometry=frame.geometry.values,
        crs=frame.crs,
        index=frame.index,
    )
    return out


#: Event columns holding third-party free text (CSV formula neutralisation applies to these).
TEXT_COLUMNS = ("headline", "side_a", "side_b", "admin1", "admin2", "country", "where_description")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    """A text cell a spreadsheet will not run as a formula: a leading ``'`` before ``= + - @``."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_safe_frame(frame, columns: Iterable[str] = TEXT_COLUMNS):
    """A copy of ``frame`` with :func:`csv_safe` applied to its third-party text ``columns``,
    and how many cells were changed (to be reported, never silent)."""
    out = frame.copy()
    changed = 0
    for col in columns:
        if col in out:
            before = out[col].astype("object")
            after = before.map(csv_safe)
            changed += sum(1 for b, a in zip(before, after, strict=True)
                           if isinstance(b, str) and a != b)
            out[col] = after
    return out, changed


#: The note every CSV writer adds when :func:`csv_safe_frame` changed cells.
def csv_safe_note(changed: int) -> str:
    return (f"{changed} text cell(s) starting with = + - @ were prefixed with ' so that "
            "spreadsheets show them as text.")


@contextlib.contextmanager
def stable_ids(seed: str = "geoclaims") -> Iterator[None]:
    """Within the block, folium/branca elements get ids from a counter (hashed with ``seed``)
    instead of random bytes, so the same map built twice renders to the same HTML bytes."""
    import hashlib
    import uuid
    from unittest import mock

    from branca.element import Element

    counter = itertools.count()

    def next_id(cls=None) -> str:
        return hashlib.sha256(f"{seed}:{next(counter)}".encode()).hexdigest()[:32]

    def next_uuid() -> uuid.UUID:
        return uuid.UUID(next_id())

    with mock.patch.object(Element, "_generate_id", classmethod(next_id)), \
            mock.patch.object(uuid, "uuid4", next_uuid):
        yield


def stable_web_map(build):
    """Decorator: ``build(...)`` makes its folium map inside :func:`stable_ids`."""

    @functools.wraps(build)
    def wrapper(*args, **kwargs):
        with stable_ids():
            return build(*args, **kwargs)

    return wrapper
