"""Embeds: a web map as an ``<iframe>`` snippet a newsroom's CMS can paste (stage ``maps``).

The map itself is one self-contained offline HTML file (Leaflet and every script inlined by
``offlinefolium``); :func:`snippet` gives the HTML to paste: the iframe in a box with a fixed
aspect ratio that scales with the page's width, a title for screen readers, and the credit line
printed visibly under it (not only inside the map). :func:`write_snippet` writes it beside the
map as ``NAME.embed.html``, atomically.
"""

from __future__ import annotations

import html
from pathlib import Path

from geoclaims import outputs

#: aspect ratios by name (width:height)
ASPECTS = {"16:9": (16, 9), "4:3": (4, 3), "1:1": (1, 1), "4:5": (4, 5), "9:16": (9, 16)}


def snippet(src: str, *, title: str, credit: str, aspect: str = "16:9") -> str:
    """The ``<iframe>`` embed for a map at ``src`` (a URL or a path relative to the page)."""
    if aspect not in ASPECTS:
        raise ValueError(f"--aspect must be one of {', '.join(ASPECTS)}, got '{aspect}'")
    w, h = ASPECTS[aspect]
    e = html.escape
    return (
        '<figure class="geoclaims-embed" style="margin:0;max-width:100%">\n'
        f'  <div style="position:relative;width:100%;height:0;padding-top:{100 * h / w:.4f}%">\n'
        f'    <iframe src="{e(src)}" title="{e(title)}" loading="lazy" '
        'style="position:absolute;top:0;left:0;width:100%;height:100%;border:0"></iframe>\n'
        "  </div>\n"
        '  <figcaption class="geoclaims-credit" '
        'style="font:12px/1.4 system-ui,sans-serif;color:#444;margin-top:4px">'
        f"{e(title)}. {e(credit)}</figcaption>\n"
        "</figure>\n"
    )


def write_snippet(map_html: str | Path, *, title: str, credit: str, aspect: str = "16:9",
                  src: str | None = None) -> Path:
    """Write ``NAME.embed.html`` beside ``map_html`` (the iframe points at the map's file name
    unless ``src`` gives the URL where the map will be published)."""
    map_html = Path(map_html)
    out = map_html.with_name(map_html.stem + ".embed.html")
    text = snippet(src or map_html.name, title=title, credit=credit, aspect=aspect)
    return outputs.write_text(out, text, force=True)
