"""Run the notebooks headless and render them: what ``make all`` calls after fetching the data.

    python -m geoclaims.build notebooks notebooks/01_*.ipynb ...   # papermill, fresh kernel each
    python -m geoclaims.build site                                 # executed notebooks -> HTML
    python -m geoclaims.build summary                              # where everything went
    python -m geoclaims.build check [SITE_DIR]                     # prove the site is offline

Executed copies go to ``build/notebooks/``, the rendered site to ``build/site/``; the notebooks
themselves write figures to ``figures/`` and findings to ``outputs/``. The HTML uses an nbconvert
template without require.js or MathJax from a CDN, so the site reads offline from the file system;
:func:`check_offline` proves it after every build: no page (nor a map embedded in a page, in an
``<iframe srcdoc>`` or base64 ``data-html``) loads anything over http(s).
"""

from __future__ import annotations

import base64
import html
import os
import re
import shutil
import sys
import time
from pathlib import Path

from geoclaims import datasets, paths

BUILD = Path(os.environ.get("GEOCLAIMS_BUILD", paths.ROOT / "build"))
EXECUTED = BUILD / "notebooks"
SITE = BUILD / "site"
TEMPLATES = Path(__file__).parent / "templates"


def execute(notebook: Path, out_dir: Path = EXECUTED, parameters: dict | None = None) -> Path:
    """Execute one notebook with papermill in a fresh kernel; return the executed copy's path."""
    import papermill as pm

    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / notebook.name
    pm.execute_notebook(
        str(notebook),
        str(out),
        parameters=parameters or {},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(notebook.parent),
    )
    return out


def run_notebooks(notebooks: list[Path]) -> list[Path]:
    """Execute ``notebooks`` in order; progress on a terminal, none under CI."""
    show = not datasets.quiet()
    done = []
    for i, nb in enumerate(notebooks, start=1):
        start = time.monotonic()
        if show:
            print(f"[{i}/{len(notebooks)}] executing {nb}", file=sys.stderr, flush=True)
        done.append(execute(nb))
        if show:
            print(f"        done in {time.monotonic() - start:.1f} s", file=sys.stderr, flush=True)
    return done


def render_html(executed: Path, out_dir: Path = SITE) -> Path:
    """Render an executed notebook to standalone offline HTML."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", extra_template_paths=[str(TEMPLATES)])
    exporter.template_file = "offline.html.j2"
    body, _ = exporter.from_filename(str(executed))
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / (executed.stem + ".html")
    out.write_text(body, encoding="utf-8")
    return out


def _title(nb_path: Path) -> str:
    import nbformat

    nb = nbformat.read(str(nb_path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return nb_path.stem


#: Tags and attributes a browser loads by itself (links in ``<a href>`` are not loaded).
_LOADED = re.compile(
    r"<(?:script|link|img|iframe|source|video|audio|embed|object|track|input)\b[^>]*?"
    r"\b(?:src|href|data|poster|srcset)\s*=\s*[\"']?\s*((?:https?:)?//[^\"'\s>]+)",
    re.IGNORECASE,
)
_JS_IMPORT = re.compile(
    r"""(?:\bimport\s*\(\s*|\bimport\s+[^;]*?\bfrom\s+|\bimportScripts\s*\(\s*)["'`]"""
    r"""((?:https?:)?//[^"'`\s]+)""",
)
_CSS_URL = re.compile(r"(?:@import\s+|url\(\s*)[\"']?\s*((?:https?:)?//[^\"')\s]+)",
                      re.IGNORECASE)
_SRCDOC = re.compile(r"\bsrcdoc\s*=\s*\"([^\"]*)\"", re.IGNORECASE)
_DATA_HTML = re.compile(r"\bdata-html\s*=\s*\"([A-Za-z0-9+/=\s]*)\"", re.IGNORECASE)


def external_references(page: str, where: str = "page", depth: int = 0) -> list[str]:
    """Every http(s) resource a page would load, including maps embedded in it."""
    found = [f"{where}: {m}" for m in _LOADED.findall(page)]
    found += [f"{where}: {m} (CSS)" for m in _CSS_URL.findall(page)]
    found += [f"{where}: {m} (JS import)" for m in _JS_IMPORT.findall(page)]
    if depth < 3:
        for i, doc in enumerate(_SRCDOC.findall(page), start=1):
            inner = html.unescape(doc)
            found += _embedded_map_check(inner, f"{where} > iframe {i}")
            found += external_references(inner, f"{where} > iframe {i}", depth + 1)
        for i, data in enumerate(_DATA_HTML.findall(page), start=1):
            try:
                inner = base64.b64decode(data).decode("utf-8", errors="replace")
            except ValueError:
                found.append(f"{where} > data-html {i}: not valid base64")
                continue
            found += _embedded_map_check(inner, f"{where} > data-html {i}")
            found += external_references(inner, f"{where} > data-html {i}", depth + 1)
    return found


def _embedded_map_check(doc: str, where: str) -> list[str]:
    """A folium map must be the offline kind: Leaflet inlined, not loaded from a CDN."""
    if "L.map(" not in doc:
        return []
    if re.search(r"<script[^>]+src=[\"']?https?://[^\"'>]*leaflet", doc, re.IGNORECASE):
        return [
            (f"{where}: a folium map that loads Leaflet from a CDN "
            "(use `import offlinefolium as folium`)")
        ]
    return []


def check_offline(site_dir: Path = SITE) -> list[str]:
    """Problems that would stop the site reading offline: any http(s) script, stylesheet,
    image or frame, in any page or in a map embedded in a page. Empty when all is well."""
    problems: list[str] = []
    for page in sorted(Path(site_dir).rglob("*.htm*")):
        text = page.read_text(encoding="utf-8", errors="replace")
        problems += external_references(text, str(page.relative_to(site_dir)))
    return problems


def _copy_outputs(out_dir: Path, sources: list[Path]) -> dict[str, list[str]]:
    """Copy figures and maps (with their sources sidecars) into the site; name -> files."""
    kinds = {".png": "figures", ".svg": "figures", ".html": "maps", ".gpkg": "downloads",
             ".csv": "downloads"}
    copied: dict[str, list[str]] = {"figures": [], "maps": [], "sidecars": [], "downloads": []}
    target = out_dir / "figures"
    target.mkdir(parents=True, exist_ok=True)
    for folder in sources:
        if not folder.is_dir():
            continue
        for f in sorted(folder.iterdir()):
            name = f.name
            if name.endswith(".sources.txt"):
                kind = "sidecars"
            else:
                kind = kinds.get(f.suffix.lower())
            if kind is None or not f.is_file():
                continue
            shutil.copyfile(f, target / name)
            copied[kind].append(name)
    return copied


_INDEX_CSS = """
body { font: 16px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
  color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
.figs { display: grid; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); gap: 1rem; }
.figs figure { margin: 0; border: 1px solid #ddd; padding: .5rem; }
.figs img { width: 100%; height: auto; }
figcaption { font-size: .85rem; }
"""


def write_index(out_dir: Path, pages: list[tuple[Path, str]], copied: dict[str, list[str]],
                problems_note: str = "") -> Path:
    """The site's index page: notebooks, figures (PNG shown, SVG linked), maps, sources."""
    e = html.escape
    items = "\n".join(f'<li><a href="{e(p.name)}">{e(t)}</a></li>' for p, t in pages)
    sidecars = set(copied.get("sidecars", []))
    pngs = [f for f in copied.get("figures", []) if f.lower().endswith(".png")]
    svgs = {f for f in copied.get("figures", []) if f.lower().endswith(".svg")}
    figs = []
    for f in pngs:
        stem = f[:-4]
        links = [f'<a href="figures/{e(f)}">PNG</a>']
        if stem + ".svg" in svgs:
            links.append(f'<a href="figures/{e(stem)}.svg">SVG</a>')
        figs.append(f'<figure><a href="figures/{e(f)}"><img src="figures/{e(f)}" alt="{e(stem)}">'
                    f'</a><figcaption>{e(stem)}: {" · ".join(links)}</figcaption></figure>')
    for f in sorted(svgs - {p[:-4] + ".svg" for p in pngs}):
        figs.append(f'<figure><a href="figures/{e(f)}"><img src="figures/{e(f)}" alt="{e(f)}">'
                    f'</a><figcaption>{e(f)}</figcaption></figure>')
    downloads = []
    for f in copied.get("downloads", []):
        extra = (f' (<a href="figures/{e(f)}.sources.txt">sources and licences</a>)'
                 if f + ".sources.txt" in sidecars else "")
        downloads.append(f'<li><a href="figures/{e(f)}">{e(f)}</a>{extra}</li>')
    maps_ = []
    for f in copied.get("maps", []):
        extra = (f' (<a href="figures/{e(f)}.sources.txt">sources</a>)'
                 if f + ".sources.txt" in sidecars else "")
        maps_.append(f'<li><a href="figures/{e(f)}">{e(f)}</a>{extra}</li>')
    index = out_dir / "index.html"
    index.write_text(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>geoclaims: the rendered notebooks</title>\n"
        f"<style>{_INDEX_CSS}</style></head><body>\n"
        "<h1>geoclaims: the rendered notebooks</h1>\n"
        "<p>Executed by <code>make all</code>; every number can be rerun with that command. "
        "Everything here reads offline: open this file from disk.</p>\n"
        f"<h2>Notebooks</h2>\n<ol>\n{items}\n</ol>\n"
        f"<h2>Interactive maps</h2>\n<ul>\n{''.join(maps_) or '<li>none</li>'}\n</ul>\n"
        f"<h2>Figures</h2>\n<div class=\"figs\">\n{''.join(figs) or '<p>none</p>'}\n</div>\n"
        + (f"<h2>Data downloads</h2>\n<ul>\n{''.join(downloads)}\n</ul>\n" if downloads else "")
        + "\n"
        f"{problems_note}"
        "<h2>Data and licences</h2>\n<p>Each figure and map names its sources and licences "
        "(UCDP GED: CC BY 4.0; OCHA COD-AB: CC BY-IGO 3.0; GeoNames: CC BY 4.0; Natural Earth: "
        "public domain). See the repository's README for the full citations.</p>\n"
        "</body></html>\n",
        encoding="utf-8",
    )
    return index


#: The journalists' map and data built with the site (``geoclaims map`` on the article's year).
SITE_MAP_RANGE = ("2019-01-01", "2019-11-30")


def site_maps(out_dir: Path = BUILD / "maps") -> Path:
    """The overview web map, static map and data downloads (every layer as GeoPackage, events
    as CSV) for the site, each with its sources sidecar; written to ``out_dir``."""
    from geoclaims import maps

    out_dir.mkdir(parents=True, exist_ok=True)
    start, end = SITE_MAP_RANGE
    title = "Conflict events and areas of control in Syria"
    names = ("geoclaims_syria_2019.html", "geoclaims_syria_2019.png",
             "geoclaims_layers_2019.gpkg", "geoclaims_events_2019.csv")
    result = maps.make_map([out_dir / n for n in names], dataset="ucdp-ged-syria", start=start,
                           end=end, title=title)
    print("site maps:\n  " + result.summary().replace("\n", "\n  "), file=sys.stderr)
    return out_dir


def build_site(executed_dir: Path = EXECUTED, out_dir: Path = SITE,
               figures: list[Path] | None = None, *, check: bool = True) -> Path:
    """Render every executed notebook, copy the figures and maps, write an index page, and
    (``check``) fail if any page would load something over the network."""
    executed = sorted(executed_dir.glob("*.ipynb"))
    if not executed:
        raise SystemExit(f"no executed notebooks in {executed_dir}; run `make notebooks` first")
    if out_dir.exists() and any(out_dir.iterdir()):
        # a site from an earlier build is replaced whole, so nothing stale survives; any other
        # non-empty folder is left alone
        if not (out_dir / "index.html").exists():
            raise SystemExit(f"{out_dir} is not empty and holds no earlier site; not touching it")
        shutil.rmtree(out_dir)
    pages = [(render_html(nb, out_dir), _title(nb)) for nb in executed]
    copied = _copy_outputs(out_dir, figures if figures is not None else [paths.FIGURES])
    index = write_index(out_dir, pages, copied)
    if check:
        problems = check_offline(out_dir)
        if problems:
            raise SystemExit("the site would load files over the network:\n  "
                             + "\n  ".join(problems[:50]))
    return index


def summary() -> None:
    print("\ngeoclaims: make all finished. Outputs:")
    print(f"  executed notebooks: {EXECUTED}")
    print(f"  rendered site:      {SITE / 'index.html'}")
    print(f"  figures:            {paths.FIGURES}")
    print(f"  findings/exports:   {paths.OUTPUTS}")


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit(__doc__)
    cmd, rest = argv[0], argv[1:]
    if cmd == "notebooks":
        run_notebooks([Path(p) for p in rest])
    elif cmd == "site":
        print(f"site: {build_site(figures=[paths.FIGURES, site_maps()])}", file=sys.stderr)
    elif cmd == "summary":
        summary()
    elif cmd == "check":
        site = Path(rest[0]) if rest else SITE
        problems = check_offline(site)
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            raise SystemExit(f"{len(problems)} network reference(s) in {site}")
        print(f"offline check passed: {site}", file=sys.stderr)
    else:
        raise SystemExit(f"unknown command {cmd!r}\n{__doc__}")


if __name__ == "__main__":
    main(sys.argv[1:])
