"""Every numbered notebook executes headless, in order, in a fresh kernel (papermill).

Figures and findings go to a temporary folder so the test never overwrites `make all`'s output;
the test checks each notebook wrote at least one figure or finding when it says it does."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT

from geoclaims import build

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def outdirs(tmp_path_factory):
    base = tmp_path_factory.mktemp("nb")
    return base


@pytest.mark.notebooks
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(notebook, outdirs, monkeypatch):
    monkeypatch.setenv("GEOCLAIMS_FIGURES", str(outdirs / "figures"))
    monkeypatch.setenv("GEOCLAIMS_OUTPUTS", str(outdirs / "outputs"))
    executed = build.execute(notebook, outdirs / "executed")
    nb = json.loads(executed.read_text())
    errors = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    ran = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert ran and all(c.get("execution_count") for c in ran), "some cells did not run"
    tags = [c for c in ran if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert tags, f"{notebook.name}: no cell tagged 'parameters' for papermill"


@pytest.mark.notebooks
def test_readme_findings_agree_with_the_verdict_table(outdirs, tmp_path):
    """The README's findings block is what `make all` generates from the verdict table: rerun
    `make all` (it rewrites the block) after any change that moves a number."""
    from geoclaims import claims, site

    outputs = outdirs / "outputs"
    if not (outputs / "claims-verdicts.csv").exists():  # this test run alone
        outputs = tmp_path / "outputs"
        claims.write_outputs(claims.run(), outputs)
    findings = site.load_findings(outputs)
    pages = [site.read_page(nb) for nb in site.source_notebooks()]
    expected = site.readme_block(findings, pages)
    assert site.readme_findings(ROOT / "README.md") == expected
