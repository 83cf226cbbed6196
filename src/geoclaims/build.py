"""Run the notebooks headless and render them: what ``make all`` calls after fetching the data.

    python -m geoclaims.build notebooks notebooks/01_*.ipynb ...   # papermill, fresh kernel each
    python -m geoclaims.build site                                 # executed notebooks -> HTML
    python -m geoclaims.build readme                               # README's findings block
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

from geoclaims import datasets, paths, site

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
             ".csv": "downloads", ".mp4": "journalists", ".webm": "journalists",
             ".gif": "journalists"}
    copied: dict[str, list[str]] = {"figures": [], "maps": [], "sidecars": [], "downloads": [],
                                    "journalists": []}
    target = out_dir / "figures"
    target.mkdir(parents=True, exist_ok=True)
    for folder in sources:
        if not folder.is_dir():
            continue
        for f in sorted(folder.iterdir()):
            name = f.name
            if name.endswith(".sources.txt"):
                kind = "sidecars"
            elif name.endswith(".embed.html"):  # a web map's <iframe> snippet
                kind = "journalists"
            else:
                kind = kinds.get(f.suffix.lower())
            if kind is None or not f.is_file():
                continue
            shutil.copyfile(f, target / name)
            copied[kind].append(name)
    return copied


#: The journalists' map and data built with the site (``geoclaims map`` on the article's year).
SITE_MAP_RANGE = ("2019-01-01", "2019-11-30")


def site_maps(out_dir: Path = BUILD / "maps") -> Path:
    """The overview web map, static map and data downloads (every layer as GeoPackage, events
    as CSV) for the site, each with its sources sidecar; written to ``out_dir``."""
    from geoclaims import mapmaker

    out_dir.mkdir(parents=True, exist_ok=True)
    start, end = SITE_MAP_RANGE
    title = "Conflict events and areas of control in Syria"
    names = ("geoclaims_syria_2019.html", "geoclaims_syria_2019.png",
             "geoclaims_layers_2019.gpkg", "geoclaims_events_2019.csv")
    result = mapmaker.make_map([out_dir / n for n in names], dataset="ucdp-ged-syria", start=start,
                               end=end, title=title, embed_aspect="16:9")
    print("site maps:\n  " + result.summary().replace("\n", "\n  "), file=sys.stderr)
    return out_dir


#: The journalists' time-lapse built with the site: IS events and the zones, month by month.
TIMELAPSE = ("geoclaims_isis_2016-2019_monthly.mp4", "2016-01-01", "2019-11-30", "month", "wide")


def journalist_kit(out_dir: Path = BUILD / "maps", *, outputs: Path | None = None) -> Path:
    """The journalists' outputs beside the site maps in ``out_dir``: the 2016-2019 monthly
    time-lapse (MP4, ``wide``, with its sidecar) and one fact-check card per claim of the first
    study (PNG and PDF) in ``out_dir/cards/``. Returns the cards folder."""
    from geoclaims import card, claims, mapmaker

    out_dir.mkdir(parents=True, exist_ok=True)
    name, start, end, step, size = TIMELAPSE
    t0 = time.perf_counter()
    result, _files = mapmaker.write_timelapse(out_dir / name, start=start, end=end, step=step,
                                              size=size, actor="isis")
    print(f"journalist kit: {result.summary()} in {time.perf_counter() - t0:.1f} s",
          file=sys.stderr)
    cards = out_dir / "cards"
    if cards.exists():
        shutil.rmtree(cards)  # no stale card of a claim that is gone
    cards.mkdir()
    reg = claims.load_registry()
    t0 = time.perf_counter()
    for c in reg.claims:
        content = card.content_for(c.id, outputs=outputs, registry=reg)
        for suffix in (".png", ".pdf"):
            card.render(content, cards / f"card-{c.id}{suffix}")
    print(f"journalist kit: {len(reg.claims)} cards (PNG and PDF) in "
          f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return cards


def _copy_cards(out_dir: Path, cards: Path | None) -> list[str]:
    """Copy the fact-check cards into the site's ``cards/`` folder."""
    if cards is None or not cards.is_dir():
        return []
    target = out_dir / "cards"
    names = []
    for f in sorted(cards.iterdir()):
        if f.suffix.lower() in (".png", ".pdf", ".svg") and f.is_file():
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, target / f.name)
            names.append(f.name)
    return names


def _copy_tables(out_dir: Path, outputs: Path) -> list[str]:
    """Copy the verdict and sensitivity tables and the evidence files into ``downloads/``."""
    target = out_dir / "downloads"
    names = []
    for f in sorted(outputs.glob("claims-*.csv")) + sorted(outputs.glob("findings-*.json")):
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, target / f.name)
        names.append(f.name)
    for f in sorted((outputs / "evidence").glob("*.csv")):
        (target / "evidence").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, target / "evidence" / f.name)
        names.append(f"evidence/{f.name}")
    return names


def build_site(executed_dir: Path = EXECUTED, out_dir: Path = SITE,
               figures: list[Path] | None = None, *, check: bool = True,
               outputs: Path | None = None, cards: Path | None = None) -> Path:
    """Render every executed notebook (with navigation and its claims' findings), copy the
    figures, maps and tables, write the index (findings first) and the glossary, and
    (``check``) fail if any page would load something over the network or links to a file
    that is not there."""
    executed = sorted(executed_dir.glob("*.ipynb"))
    if not executed:
        raise SystemExit(f"no executed notebooks in {executed_dir}; run `make notebooks` first")
    if out_dir.exists() and any(out_dir.iterdir()):
        # a site from an earlier build is replaced whole, so nothing stale survives; any other
        # non-empty folder is left alone
        if not (out_dir / "index.html").exists():
            raise SystemExit(f"{out_dir} is not empty and holds no earlier site; not touching it")
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    outputs = Path(outputs or paths.OUTPUTS)
    findings = site.load_findings(outputs)
    pages = [site.read_page(nb) for nb in executed]
    for i in range(len(pages)):
        site.render_page(pages, i, out_dir, findings)
    copied = _copy_outputs(out_dir, figures if figures is not None else [paths.FIGURES])
    copied["tables"] = _copy_tables(out_dir, outputs)
    copied["cards"] = _copy_cards(out_dir, cards)
    index = site.write_index(out_dir, pages, copied, findings)
    site.write_glossary(out_dir, findings)
    if check:
        problems = check_offline(out_dir)
        if problems:
            raise SystemExit("the site would load files over the network:\n  "
                             + "\n  ".join(problems[:50]))
        for line in site.machine_paths(out_dir):
            print(f"site: warning: {line}", file=sys.stderr)
        broken = site.broken_links(out_dir)
        if broken:
            raise SystemExit("the site links to files that are not there:\n  "
                             + "\n  ".join(broken[:50]))
    return index


def accuracy_lines() -> list[str]:
    """The accuracy figures ``make all`` prints at the end: the geoparser's (in-sample on the
    article; each held-out set now, and whether it is still held-out; the recorded held-out
    runs are in notebook 01 and ``tests/fixtures/heldout/``) and the control ledger's
    independent checks, with every failing check."""
    from geoclaims import article, control, places

    def fig(r: dict) -> str:
        region = r["median_km_region"]
        arabic = r["arabic_rate"]
        return (f"mention precision {r['precision']:.2f}, recall {r['recall']:.2f}, region "
                f"median {'-' if region is None else f'{region:.1f} km'}, Arabic-script names "
                f"{'-' if arabic is None else f'{arabic:.0%}'}")

    t = places.HELDOUT_TARGETS
    lines = [(f"Accuracy (targets: precision and recall >= {t['precision']}, region median <= "
              f"{t['median_km_region']:g} km, Arabic-script names >= {t['arabic_rate']:.0%}; "
              f"control checks >= {control.CHECKS_TARGET:.0%}):")]
    gold = places.read_gold(paths.ROOT / "tests" / "fixtures" / "places" / "gold_mentions.csv")
    inside = places.in_sample_figures(places.geoparse(article.load().text), gold)
    lines.append(f"  geoparser, the article (in-sample): {fig(inside)}")
    for name, result in places.evaluate_heldout_sets().items():
        status = "held-out" if name in places.HELDOUT_STILL else "no longer held-out"
        lines.append(f"  geoparser, {name} ({result['files']} texts, {result['mentions']} labels, "
                     f"{status}): {fig(result)}")
    checks = control.run_checks()
    lines += ["  control ledger: " + checks.lines()[0]] + [f"  {x}" for x in checks.lines()[1:]]
    return lines


def summary() -> None:
    print("\n".join(accuracy_lines()))
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
        maps_dir = site_maps()
        cards = journalist_kit(maps_dir)
        print(f"site: {build_site(figures=[paths.FIGURES, maps_dir], cards=cards)}",
              file=sys.stderr)
    elif cmd == "readme":
        findings = site.load_findings()
        if findings is None:
            raise SystemExit("no outputs/claims-verdicts.csv: run the notebooks first")
        pages = [site.read_page(nb) for nb in site.source_notebooks()]
        changed = site.update_readme(paths.ROOT / "README.md", site.readme_block(findings, pages))
        print(f"README findings {'updated' if changed else 'unchanged'}", file=sys.stderr)
    elif cmd == "summary":
        summary()
    elif cmd == "check":
        site_dir = Path(rest[0]) if rest else SITE
        problems = check_offline(site_dir)
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            raise SystemExit(f"{len(problems)} network reference(s) in {site_dir}")
        print(f"offline check passed: {site_dir}", file=sys.stderr)
    else:
        raise SystemExit(f"unknown command {cmd!r}\n{__doc__}")


if __name__ == "__main__":
    main(sys.argv[1:])
