"""`geoclaims claims` with the study's dataset and an events file: every claim is evaluated on
each source separately and claims-by-source.csv is written (issue 13), without a flag."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from geoclaims import paths
from geoclaims.cli import app

EXPORT = paths.ROOT / "tests" / "fixtures" / "acled" / "syria_export_synthetic.csv"


def test_an_events_file_next_to_the_dataset_gives_the_by_source_table(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path / "outputs")
    out = tmp_path / "verdicts.csv"
    r = CliRunner().invoke(app, ["claims", "--dataset", "ucdp-ged-syria", "--events",
                                 str(EXPORT), "--format", "csv", "-o", str(out)])
    assert r.exit_code == 0, r.output
    table = pd.read_csv(tmp_path / "outputs" / "claims-by-source.csv")
    assert {"id", "source", "verdict"} <= set(table.columns)
    sources = set(table["source"].astype(str))
    assert any("ucdp" in s for s in sources) and any("acled" in s or "syria_export" in s
                                                     for s in sources)
    assert set(table["id"]) >= {"C1", "C2", "C3"}
    assert out.exists() and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
