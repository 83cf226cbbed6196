"""Stage ``claims``: a study's registered claims, tested against conflict events.

A study is data (``data/studies/<id>/study.yaml`` and ``claims.yaml``); this package has no
study-specific names. Its modules follow the stage:

- :mod:`~geoclaims.claims.registry`: load and validate a study (spans by offsets + sha256).
- :mod:`~geoclaims.claims.selection`: the events' working frame, geometry, selection helpers.
- :mod:`~geoclaims.claims.kinds`: the test kinds (metrics); :mod:`~geoclaims.claims.parts`:
  two-part claims (events and held ground).
- :mod:`~geoclaims.claims.variants`: sensitivity variants.
- :mod:`~geoclaims.claims.verdicts`: run every claim, verdict and sensitivity tables, evidence,
  the dated findings file.
- :mod:`~geoclaims.claims.report`: figures, scorecard, data summary.
- :mod:`~geoclaims.claims.pipeline`: the real pipeline (``events.load`` -> ``control.classify``
  -> :func:`evaluate_all`).
- :mod:`~geoclaims.claims.scaffold`: ``geoclaims study new`` (a new study from a text file).
"""

from geoclaims import paths  # noqa: F401  (tests reach paths through this module)
from geoclaims.claims.kinds import TESTS, Context, Outcome
from geoclaims.claims.pipeline import load_classified, run
from geoclaims.claims.registry import (
    CLAIMS_FILE,
    DEFAULT_STUDY,
    STUDY_FILE,
    TEST_KINDS,
    Claim,
    ClaimsError,
    Registry,
    Span,
    article_path,
    claim_quotes,
    load_registry,
    markdown_literal,
    paragraphs,
    span_text,
    studies_root,
    study_dir,
)
from geoclaims.claims.report import (
    SCORECARD_PANEL_LABEL,
    SCORECARD_TABLE_LABEL,
    VERDICT_COLOURS,
    area_table,
    change_note,
    data_lines,
    parts_table,
    plot_areas,
    plot_claim,
    plot_scorecard,
    readable_table,
    save_figure,
    scorecard_credits,
    scorecard_layout_problems,
    sig3,
    unit,
)
from geoclaims.claims.selection import (
    LAEA,
    WGS84,
    Geo,
    GeoUnavailable,
    PackageGeo,
    area_km2,
    dedupe_ucdp,
    prepare_events,
    to_laea,
    ucdp_release_order,
)
from geoclaims.claims.variants import MAIN, Variant, apply_variant, deaths_rule, variants_for
from geoclaims.claims.verdicts import (
    ClaimResult,
    Evaluation,
    evaluate_all,
    evidence_csv,
    evidence_file_name,
    evidence_frame,
    findings,
    findings_json,
    recompute_from_evidence,
    rule_summary,
    run_claim,
    sensitivity_table,
    table_csv,
    table_json,
    verdict_table,
    with_sides,
    write_outputs,
)

__all__ = [
    "CLAIMS_FILE",
    "DEFAULT_STUDY",
    "LAEA",
    "MAIN",
    "SCORECARD_PANEL_LABEL",
    "SCORECARD_TABLE_LABEL",
    "STUDY_FILE",
    "TESTS",
    "TEST_KINDS",
    "VERDICT_COLOURS",
    "WGS84",
    "Claim",
    "ClaimResult",
    "ClaimsError",
    "Context",
    "Evaluation",
    "Geo",
    "GeoUnavailable",
    "Outcome",
    "PackageGeo",
    "Registry",
    "Span",
    "Variant",
    "apply_variant",
    "area_km2",
    "area_table",
    "article_path",
    "change_note",
    "claim_quotes",
    "data_lines",
    "deaths_rule",
    "dedupe_ucdp",
    "evaluate_all",
    "evidence_csv",
    "evidence_file_name",
    "evidence_frame",
    "findings",
    "findings_json",
    "load_classified",
    "load_registry",
    "markdown_literal",
    "outputs_dir",
    "paragraphs",
    "parts_table",
    "plot_areas",
    "plot_claim",
    "plot_scorecard",
    "prepare_events",
    "readable_table",
    "recompute_from_evidence",
    "rule_summary",
    "run",
    "run_claim",
    "save_figure",
    "scorecard_credits",
    "scorecard_layout_problems",
    "sensitivity_table",
    "sig3",
    "span_text",
    "studies_root",
    "study_dir",
    "table_csv",
    "table_json",
    "to_laea",
    "ucdp_release_order",
    "unit",
    "variants_for",
    "verdict_table",
    "with_sides",
    "write_outputs",
]
