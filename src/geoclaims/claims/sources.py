"""Two (or more) sources side by side: every claim evaluated on each event source separately
(e.g. UCDP GED and an ACLED export), and a verdict per claim that is "mixed" when the sources'
testable verdicts disagree. Written as ``claims-by-source.csv`` beside the study's other outputs.

This complements the per-dataset variants (:func:`variants.per_source_variants`), which rerun a
claim on one source within the combined run: here each source is a run of its own, with its own
coverage (an ACLED export and a UCDP release need not cover the same days).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from geoclaims.claims.registry import Registry, load_registry
from geoclaims.claims.selection import Geo
from geoclaims.claims.verdicts import (
    Evaluation,
    _num,
    evaluate_all,
    outputs_dir,
    table_csv,
    with_sides,
)
from geoclaims.stats import MIXED, NOT_APPLICABLE, NOT_TESTABLE

BY_SOURCE_COLUMNS = ["id", "source", "verdict", "main_verdict", "estimate", "ci_low", "ci_high",
                     "n_events", "data_start", "data_end", "reason"]
ALL_SOURCES = "all sources"


def evaluate_by_source(frames: Mapping[str, pd.DataFrame], *, registry: Registry,
                       geo: Geo | None = None,
                       claims: Iterable[str] | None = None) -> dict[str, Evaluation]:
    """Every claim on each source's (classified) events, one evaluation per source."""
    return {name: evaluate_all(frame, registry=registry, geo=geo, claims=claims)
            for name, frame in frames.items()}


def combined_verdict(verdicts: Iterable[str]) -> str:
    """The sources' verdict: the common one when every testable source agrees, "mixed" when
    they disagree, "not testable" when no source can test the claim."""
    testable = sorted({v for v in verdicts if v not in (NOT_TESTABLE, NOT_APPLICABLE)})
    if not testable:
        return NOT_TESTABLE
    return testable[0] if len(testable) == 1 else MIXED


def by_source_table(evals: Mapping[str, Evaluation]) -> pd.DataFrame:
    """One row per claim and source, then one row per claim for all sources together."""
    rows = []
    ids: list[str] = []
    for name, ev in evals.items():
        for cid, row in ev.table.set_index("id").iterrows():
            if cid not in ids:
                ids.append(cid)
            rows.append({"id": cid, "source": name, "verdict": row["verdict"],
                         "main_verdict": row["main_verdict"], "estimate": _num(row["estimate"]),
                         "ci_low": _num(row["ci_low"]), "ci_high": _num(row["ci_high"]),
                         "n_events": int(row["n_events"]), "data_start": ev.data["data_start"],
                         "data_end": ev.data["data_end"], "reason": row["reason"]})
    out = pd.DataFrame(rows, columns=BY_SOURCE_COLUMNS)
    summary = []
    for cid in ids:
        mine = out[out["id"] == cid]
        verdict = combined_verdict(mine["verdict"])
        parts = ", ".join(f"{s}: {v}" for s, v in zip(mine["source"], mine["verdict"]))
        summary.append({"id": cid, "source": ALL_SOURCES, "verdict": verdict,
                        "reason": (f"the sources disagree ({parts})" if verdict == MIXED
                                   else f"by source: {parts}")})
    out = pd.concat([out, pd.DataFrame(summary, columns=BY_SOURCE_COLUMNS)], ignore_index=True)
    order = {cid: i for i, cid in enumerate(ids)}
    return out.sort_values(["id", "source"], key=lambda s: s.map(order) if s.name == "id"
                           else s.eq(ALL_SOURCES), kind="mergesort", ignore_index=True)


def write_by_source(table: pd.DataFrame, registry: Registry, out_dir: Path | None = None) -> Path:
    out = Path(out_dir or outputs_dir(registry))
    out.mkdir(parents=True, exist_ok=True)
    from geoclaims import outputs

    return outputs.write_text(out / "claims-by-source.csv", table_csv(table))


def run_by_source(dataset_names: Iterable[str] | None = None,
                  events_files: Iterable[str | Path] = (), *, study: str | Path | None = None,
                  us_held: Iterable[str] | None = None, geo: Geo | None = None,
                  claims: Iterable[str] | None = None) -> tuple[pd.DataFrame, dict]:
    """Load each dataset and each events file as a source of its own, classify, evaluate."""
    from geoclaims.claims.pipeline import load_classified

    registry = with_sides(load_registry(study=study), {"us_held": us_held} if us_held else None)
    frames: dict[str, pd.DataFrame] = {}
    for name in list(dataset_names or registry.datasets):
        frames[name] = load_classified([name], registry=registry, us_held=us_held)
    for f in events_files:
        frames[Path(f).name] = load_classified(registry=registry, us_held=us_held,
                                               events_files=[f])
    evals = evaluate_by_source(frames, registry=registry, geo=geo, claims=claims)
    return by_source_table(evals), evals
