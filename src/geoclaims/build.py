"""Run the notebooks headless and render them: what ``make all`` calls after fetching the data.

    python -m geoclaims.build notebooks notebooks/01_*.ipynb ...   # papermill, fresh kernel each
    python -m geoclaims.build site                                 # executed notebooks -> HTML
    python -m geoclaims.build summary                              # where everything went

Executed copies go to ``build/notebooks/``, the rendered site to ``build/site/``; the notebooks
themselves write figures to ``figures/`` and findings to ``outputs/``. The HTML uses an nbconvert
template without require.js or MathJax from a CDN, so the site reads offline from the file system.
"""

from __future__ import annotations

import html
import os
import sys
import time
from pathlib import Path

from geoclaims import paths

BUILD = Path(os.environ.get("GEOCLAIMS_BUILD", paths.ROOT / "build"))
EXECUTED = BUILD / "notebooks"
SITE = BUILD / "site"
TEMPLATES = Path(__file__).parent / "templates"


def _quiet() -> bool:
    return bool(os.environ.get("CI")) or not sys.stderr.isatty()


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
    done = []
    for i, nb in enumerate(notebooks, start=1):
        start = time.monotonic()
        print(f"[{i}/{len(notebooks)}] executing {nb}", file=sys.stderr, flush=True)
        done.append(execute(nb))
        print(f"        done in {time.monotonic() - start:.1f} s", file=sys.stderr, flush=True)
    return done


def render_html(executed: Path, out_dir: Path = SITE) -> Path:
    """Render an executed notebook to standalone offline HTML."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", extra_template_basedirs=[str(TEMPLATES)])
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


def build_site(executed_dir: Path = EXECUTED, out_dir: Path = SITE) -> Path:
    """Render every executed notebook and write an index page linking them and the figures."""
    executed = sorted(executed_dir.glob("*.ipynb"))
    if not executed:
        raise SystemExit(f"no executed notebooks in {executed_dir}; run `make notebooks` first")
    pages = [(render_html(nb, out_dir), _title(nb)) for nb in executed]
    figures = out_dir / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    fig_links = []
    for fig in sorted(paths.FIGURES.glob("*")):
        if fig.suffix.lower() in {".png", ".svg", ".html"}:
            target = figures / fig.name
            target.write_bytes(fig.read_bytes())
            fig_links.append(fig.name)
    items = "\n".join(
        f'<li><a href="{html.escape(p.name)}">{html.escape(t)}</a></li>' for p, t in pages
    )
    figs = "\n".join(
        f'<li><a href="figures/{html.escape(f)}">{html.escape(f)}</a></li>' for f in fig_links
    )
    index = out_dir / "index.html"
    index.write_text(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>geoclaims: the rendered notebooks</title></head><body>\n"
        "<h1>geoclaims: the rendered notebooks</h1>\n"
        "<p>Executed by <code>make all</code>; every number can be rerun with that command.</p>\n"
        f"<h2>Notebooks</h2>\n<ol>\n{items}\n</ol>\n<h2>Figures and maps</h2>\n<ul>\n{figs}\n</ul>\n"
        "</body></html>\n",
        encoding="utf-8",
    )
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
        print(f"site: {build_site()}", file=sys.stderr)
    elif cmd == "summary":
        summary()
    else:
        raise SystemExit(f"unknown command {cmd!r}\n{__doc__}")


if __name__ == "__main__":
    main(sys.argv[1:])
