"""Verdicts: run every claim of a study with its variants, and the tables and files that come
out (verdict table, sensitivity table, evidence CSVs, the dated findings file).

The verdict table is byte-identical for the same inputs (no timestamps, sorted keys, fixed
rounding).
"""

from __future__ import annotations

import collections
import io
import json
import logging
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geoclaims import paths, stats, style
from geoclaims.claims import variants as var
from geoclaims.claims.kinds import TESTS, Context, Outcome
from geoclaims.claims.registry import Claim, ClaimsError, Registry, load_registry
from geoclaims.claims.selection import (
    CONTROL_END,
    CONTROL_SPAN_END,
    UNKNOWN,
    Geo,
    GeoUnavailable,
    PackageGeo,
    cut_text,
    dedupe_ucdp,
    prepare_events,
    ucdp_release_order,
)
from geoclaims.claims.variants import MAIN, Variant
from geoclaims.stats import NOT_APPLICABLE, NOT_TESTABLE

log = logging.getLogger(__name__)

EVIDENCE_COLUMNS = [
    "event_id", "dataset", "date", "country", "admin1", "admin2", "lat", "lon", "side_a",
    "side_b", "deaths_best", "controller", "control_rows", "group", "headline",
]
TABLE_COLUMNS = [
    "id", "title", "verdict", "main_verdict", "estimate", "ci_low", "ci_high", "n_events",
    "metric", "rule", "flipped_under", "reason", "evidence_file",
]
SENSITIVITY_COLUMNS = [
    "id", "variant", "label", "verdict", "estimate", "ci_low", "ci_high", "n_events", "n_boot",
    "n_valid", "same_as_main", "reason",
]


@dataclass
class ClaimResult:
    claim: Claim
    verdict: str
    main: Outcome
    variants: dict[str, tuple[Variant, Outcome]]
    flipped_under: list[str]


@dataclass
class Evaluation:
    registry: Registry
    results: dict[str, ClaimResult]
    data: dict

    @property
    def table(self) -> pd.DataFrame:
        return verdict_table(self)

    @property
    def sensitivity(self) -> pd.DataFrame:
        return sensitivity_table(self)

    def evidence(self, claim_id: str) -> pd.DataFrame:
        return evidence_frame(self.results[claim_id].main.evidence)

    @property
    def snapshot_date(self) -> str:
        return str(self.data["data_end"])


def run_claim(claim: Claim, ev: pd.DataFrame, ctx: Context, v: Variant) -> Outcome:
    """One claim under one variant; upstream failures become 'not testable' with the reason.

    A control-based run whose period reached past the control ledger's last day says how many
    events and days it left out. A deaths-weighted variant of a rate rule without a
    ``deaths_threshold`` is computed but "not applicable" (see :func:`variants.deaths_rule`).
    """
    rule = var.deaths_rule(claim) if v.weight == "deaths" else claim.rule
    run_as = var.with_rule(claim, rule) if rule is not None and rule != claim.rule else claim
    try:
        sub, notes = var.apply_variant(ev, v)
        out = TESTS[claim.kind](run_as, sub, ctx, v)
        out.notes = notes + out.notes
    except GeoUnavailable as exc:
        return Outcome(NOT_TESTABLE, reason=f"not testable: {exc}")
    undefined = not np.isfinite(out.estimate) and not out.components.get("below_min_events")
    if out.verdict == NOT_TESTABLE and undefined and out.n_events:
        zero = sorted(k for k, val in out.components.items()
                      if k.startswith("w_") and val == 0)
        out.reason = ("the estimate is undefined: no events in "
                      + (", ".join(z[2:] for z in zero) if zero else "a denominator")
                      + (f". {out.reason}" if out.reason else ""))
    cut = cut_text(out.components, ctx.a) if "control_cut_days" in out.components else ""
    if cut and cut not in out.reason:
        out.reason = f"{out.reason}; {cut}" if out.reason else cut
        out.notes.append(cut)
    if rule is None:
        t = claim.rule["threshold"]
        out.verdict = NOT_APPLICABLE
        out.reason = (f"not applicable: the rule's threshold ({t} events per "
                      f"{claim.rule.get('per_days', 91.3125)} days) is a count of events; deaths "
                      "per period are not comparable with it and the registry gives no separate "
                      "deaths_threshold, so this variant is listed but never counts as a flip. "
                      + out.reason)
    return out


def with_sides(registry: Registry, sides: Mapping[str, Iterable[str]] | None) -> Registry:
    """The registry with named sides replaced (e.g. ``{"us_held": ["sdf"]}``)."""
    if not sides:
        return registry
    study = dict(registry.study)
    study["sides"] = {**study.get("sides", {})}
    for name, ctl in sides.items():
        study["sides"][name] = {**study["sides"].get(name, {"label": name}),
                                "controllers": list(ctl)}
    return Registry(registry.path, registry.article, registry.settings, registry.claims, study)


def evaluate_all(
    events: pd.DataFrame,
    *,
    registry: Registry | None = None,
    geo: Geo | None = None,
    claims: Iterable[str] | None = None,
    study: str | Path | None = None,
) -> Evaluation:
    """Run every registered claim (or those in ``claims``) with its sensitivity variants."""
    registry = registry or load_registry(study=study)
    geo = geo or PackageGeo()
    ev = prepare_events(events, registry.actor_column)
    n_bad_coordinates = int(ev.attrs.get("bad_coordinates", 0))
    load_report = dict(events.attrs.get("claims_load", {}))
    if ev.empty:
        raise ClaimsError("events frame is empty: nothing to test")
    loaded = tuple(sorted(ev["dataset"].unique()))
    # the common coverage of the loaded datasets: rates need days on which every dataset reports
    span = ev.groupby("dataset")["day"].agg(["min", "max"])
    start, last = span["min"].max(), span["max"].min()
    outside = (ev["day"] < start) | (ev["day"] > last)
    if outside.any():
        log.info("left out %d events outside the datasets' common coverage %s to %s",
                 int(outside.sum()), start.date(), last.date())
    n_outside = int(outside.sum())
    # per-dataset variants use every event of their dataset (before deduplication); only the
    # combined run keeps one copy of a UCDP event held by several releases
    covered = ev[~outside].reset_index(drop=True)
    ev, n_dup = dedupe_ucdp(covered)
    ctx = Context(registry, geo, start, last + pd.Timedelta(days=1), loaded)
    wanted = set(claims) if claims else None
    results: dict[str, ClaimResult] = {}
    for claim in registry.claims:
        if wanted and claim.id not in wanted:
            continue
        runs: dict[str, tuple[Variant, Outcome]] = {}
        for v in var.variants_for(claim, registry, loaded):
            runs[v.name] = (v, run_claim(claim, covered if v.dataset else ev, ctx, v))
        main = runs.pop("main")[1]
        for v, o in runs.values():
            var.mark_same_as_main(claim, main, v, o)
        _note_boundary(claim, main, runs)
        verdict, flipped = stats.combine(
            main.verdict, {k: o.verdict for k, (_, o) in runs.items() if not o.same_as_main})
        results[claim.id] = ClaimResult(claim, verdict, main, runs, flipped)
    names = registry.kept_country_names
    in_country = (ev["country"].isin(names) if "country" in ev.columns and names
                  else pd.Series(True, index=ev.index))
    unknown = (ev["controller"] == UNKNOWN) if "controller" in ev.columns else None
    after_span = ev["day"] >= CONTROL_END
    data = {
        "datasets": list(loaded),
        "data_start": str(ctx.data_start.date()),
        "data_end": str((ctx.data_end - pd.Timedelta(days=1)).date()),
        "n_events": len(ev),
        f"n_{registry.actor_column}_events": int(ev[registry.actor_column].sum()),
        "ucdp_duplicates_removed": n_dup,
        "ucdp_release_kept_first": ucdp_release_order(
            d for d in loaded if str(d).startswith("ucdp")),
        "events_outside_common_coverage": n_outside,
        "coverage": {str(k): [str(r["min"].date()), str(r["max"].date())]
                     for k, r in span.iterrows()},
        # events left out before the tests, or kept but outside every zone (never silent)
        "events_outside_" + "_".join(k.lower() for k in registry.population.get("keep", [])):
        int(load_report.get("events_outside_kept_countries", 0)) + int((~in_country).sum()),
        "events_bad_coordinates": n_bad_coordinates,
        "control_span_end": str(CONTROL_SPAN_END),
        "events_after_control_span": int(after_span.sum()),
        "events_unknown_controller_in_span": (None if unknown is None
                                              else int((unknown & ~after_span).sum())),
    }
    return Evaluation(registry, results, data)


def _note_boundary(claim: Claim, main: Outcome, runs: Mapping[str, tuple[Variant, Outcome]]) -> None:
    """When every boundary variant of a claim is not testable and the claim's YAML says why
    (``notes.boundary_variants``), the main reason says so."""
    note = claim.note("boundary_variants")
    names = [k for k, (v, o) in runs.items() if v.min_dist_km is not None]
    if note and names and all(runs[k][1].verdict == NOT_TESTABLE for k in names):
        main.reason += f"; the boundary variants ({', '.join(names)}) are not testable: {note}"


# ---------------------------------------------------------------------------------------------
# Tables and outputs
# ---------------------------------------------------------------------------------------------


def _num(x: Any, nd: int = 6) -> Any:
    if x is None:
        return None
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        if math.isnan(float(x)):
            return None
        return float(x) if math.isinf(float(x)) else round(float(x), nd)
    if isinstance(x, (pd.Timestamp, date)):
        return str(pd.Timestamp(x).date())
    return x


def rule_summary(claim: Claim) -> str:
    r = claim.rule
    t = r["threshold"]
    return {
        "share_at_least": f"share_at_least {t}: supported if CI low >= {t}; contradicted if "
                          f"CI high < {t}",
        "ratio_above": f"ratio_above {t}: supported if CI low > {t}; contradicted if CI high "
                       f"{'<=' if r.get('inclusive') else '<'} {t}",
        "rate_at_most": f"rate_at_most {t}: supported if CI high <= {t}; contradicted if "
                        f"CI low > {t}",
    }[r["type"]]


def evidence_file_name(claim_id: str) -> str:
    return f"evidence/claim_{claim_id}.csv"


def verdict_table(ev: Evaluation) -> pd.DataFrame:
    """One row per claim: id, verdict, estimate, interval, counts, rule, what flipped it."""
    rows = []
    for cid, r in ev.results.items():
        m = r.main
        reason = m.reason
        if r.flipped_under:
            flips = ", ".join(f"{k} -> {r.variants[k][1].verdict}" for k in r.flipped_under)
            reason = (f"main test gives '{m.verdict}'; differs under: {flips}"
                      + (f". {reason}" if reason else ""))
        rows.append({
            "id": cid, "title": r.claim.title, "verdict": r.verdict, "main_verdict": m.verdict,
            "estimate": _num(m.estimate), "ci_low": _num(m.ci_low), "ci_high": _num(m.ci_high),
            "n_events": int(m.n_events), "metric": " ".join(str(r.claim.test["metric"]).split()),
            "rule": rule_summary(r.claim), "flipped_under": ";".join(r.flipped_under),
            "reason": reason,
            "evidence_file": evidence_file_name(cid) if m.evidence is not None else "",
        })
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def sensitivity_table(ev: Evaluation) -> pd.DataFrame:
    """One row per claim and variant (the main test first).

    ``n_boot``/``n_valid``: bootstrap replicates drawn and those with a defined estimate (0 when
    no bootstrap ran); ``same_as_main``: the variant gives the main test's result again by
    construction or for lack of contested events, and is left out of the flip logic.
    """
    rows = []
    for cid, r in ev.results.items():
        for name, (v, o) in [("main", (MAIN, r.main)), *r.variants.items()]:
            rows.append({"id": cid, "variant": name, "label": v.label, "verdict": o.verdict,
                         "estimate": _num(o.estimate), "ci_low": _num(o.ci_low),
                         "ci_high": _num(o.ci_high), "n_events": int(o.n_events),
                         "n_boot": int(o.n_boot), "n_valid": int(o.n_valid),
                         "same_as_main": bool(o.same_as_main), "reason": o.reason})
    return pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)


def evidence_frame(frame: pd.DataFrame | None) -> pd.DataFrame:
    """The evidence columns, in a fixed order, sorted by date, dataset and event id."""
    if frame is None:
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    out = pd.DataFrame(index=frame.index)
    for col in EVIDENCE_COLUMNS:
        if col == "date":
            out[col] = frame["day"].dt.strftime("%Y-%m-%d")
        elif col in frame.columns:
            out[col] = frame[col]
        else:
            out[col] = ""
    for col in ("lat", "lon"):
        out[col] = pd.to_numeric(out[col], errors="coerce").round(5)
    out = out.sort_values(["date", "dataset", "event_id", "group"], kind="mergesort")
    return out.reset_index(drop=True)


def _json_safe(x: Any) -> Any:
    """Plain JSON values: an infinite number (an interval bound) becomes "inf" / "-inf"."""
    if isinstance(x, float) and math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_safe(v) for v in x]
    return x


def table_json(table: pd.DataFrame) -> str:
    """Deterministic JSON (sorted keys, 2-space indent, trailing newline); an infinite interval
    bound is written as the string "inf"."""
    recs = [{k: _num(v) for k, v in row.items()} for row in table.to_dict(orient="records")]
    return json.dumps(_json_safe(recs), indent=2, sort_keys=True, ensure_ascii=False,
                      allow_nan=False) + "\n"


def table_csv(table: pd.DataFrame) -> str:
    buf = io.StringIO()
    table.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def findings(ev: Evaluation) -> dict:
    """Everything behind the scorecard, as plain JSON-ready data (no run timestamps)."""
    pub = ev.registry.article["publication"]
    out: dict[str, Any] = {
        "article": {"file": ev.registry.article.get("file"),
                    "sha256": ev.registry.article["sha256"],
                    "publication": {k: _num(pd.Timestamp(pub[k])) for k in
                                    ("date", "earliest", "latest") if k in pub},
                    "publication_certainty": pub.get("certainty", "")},
        "data": ev.data,
        "settings": {k: ev.registry.settings[k] for k in ("seed", "n_boot", "min_events")
                     if k in ev.registry.settings},
        "claims": [],
    }
    table = verdict_table(ev)
    for rec in table.to_dict(orient="records"):
        r = ev.results[rec["id"]]
        entry = {k: _num(v) for k, v in rec.items()}
        entry["components"] = {k: _num(v) for k, v in sorted(r.main.components.items())}
        entry["notes"] = list(r.main.notes)
        entry["n_boot"], entry["n_valid"] = int(r.main.n_boot), int(r.main.n_valid)
        entry["sensitivity"] = [
            {"variant": name, "verdict": o.verdict, "estimate": _num(o.estimate),
             "ci_low": _num(o.ci_low), "ci_high": _num(o.ci_high), "n_events": o.n_events,
             "n_boot": int(o.n_boot), "n_valid": int(o.n_valid),
             "same_as_main": o.same_as_main, "reason": o.reason}
            for name, (_, o) in r.variants.items()
        ]
        if r.main.evidence is not None:
            changed = evidence_csv(r.main.evidence)[1]
            if changed:
                entry["evidence_csv_safe_cells"] = changed
                entry["notes"].append(f"{entry['evidence_file']}: "
                                      + style.csv_safe_note(changed))
        entry["tables"] = {name: [{k: _num(v) for k, v in row.items()}
                                  for row in t.to_dict(orient="records")]
                           for name, t in sorted(r.main.tables.items())}
        out["claims"].append(entry)
    return out


def findings_json(ev: Evaluation) -> str:
    return json.dumps(_json_safe(findings(ev)), indent=2, sort_keys=True, ensure_ascii=False,
                      allow_nan=False) + "\n"


def evidence_csv(frame: pd.DataFrame | None) -> tuple[str, int]:
    """A claim's evidence as CSV text, its third-party text cells (headline, side_a, side_b, ...)
    made safe for spreadsheets (:func:`geoclaims.style.csv_safe_frame`), and how many cells that
    changed (reported in the findings when non-zero)."""
    safe, changed = style.csv_safe_frame(evidence_frame(frame))
    return table_csv(safe), int(changed)


def outputs_dir(registry: Registry) -> Path:
    """Where a study's outputs go: ``outputs/`` for the first study (the paths the site and the
    README name), ``outputs/studies/<id>/`` for every other study."""
    from geoclaims.claims.registry import DEFAULT_STUDY

    if registry.study_id == DEFAULT_STUDY:
        return paths.OUTPUTS
    return paths.OUTPUTS / "studies" / registry.study_id


def write_outputs(ev: Evaluation, out_dir: Path | None = None) -> dict[str, Path]:
    """Write evidence CSVs, the verdict and sensitivity tables and the dated findings file.

    The findings file is named after the data's last day (``findings-YYYY-MM-DD.json``), not the
    run date, so the same inputs give the same file, byte for byte.
    """
    from geoclaims import outputs

    out_dir = Path(out_dir or outputs_dir(ev.registry))
    (out_dir / "evidence").mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    with outputs.Transaction(force=True) as tx:  # the set appears whole or not at all
        for cid, r in ev.results.items():
            if r.main.evidence is None:
                continue
            p = out_dir / evidence_file_name(cid)
            text, changed = evidence_csv(r.main.evidence)
            if changed:
                log.info("%s: %s", p.name, style.csv_safe_note(changed))
            written[f"evidence_{cid}"] = tx.write_text(p, text)
        written["findings"] = tx.write_text(out_dir / f"findings-{ev.snapshot_date}.json",
                                             findings_json(ev))
        written["verdicts"] = tx.write_text(out_dir / "claims-verdicts.csv",
                                            table_csv(verdict_table(ev)))
        written["sensitivity"] = tx.write_text(out_dir / "claims-sensitivity.csv",
                                               table_csv(sensitivity_table(ev)))
    return written


def recompute_from_evidence(entry: Mapping, evidence: pd.DataFrame) -> float:
    """Recompute a claim's main estimate (event-count metrics) from its evidence file alone,
    plus the exposures recorded in the findings entry (days, areas)."""
    c = entry["components"]
    n = evidence["group"].value_counts().to_dict()
    g = collections.defaultdict(float, {k: float(v) for k, v in n.items()})
    if c["weight"] != "events":
        raise ClaimsError("only event-count estimates can be recomputed from ids alone")
    formula = c["formula"]
    if formula.startswith("sum(w | numerator)"):
        return g["numerator"] / (g["numerator"] + g["rest"])
    if formula.startswith("sum(w) / (period_days"):
        return len(evidence) / (c["period_days"] / c["per_days"])
    if formula.startswith("(sum(w | after)"):
        return (g["after"] / c["days_after"]) / (g["before"] / c["days_before"])
    m = re.fullmatch(r"\(w\[(\w+)\] / w\[(\w+)\]\) / \(w\[(\w+)\] / w\[(\w+)\]\)", formula)
    if m:
        a1, b1, a2, b2 = m.groups()
        return (g[a1] / g[b1]) / (g[a2] / g[b2])
    if formula.startswith("(sum(w | entry)"):
        return (g["entry"] / c["area_entry_km2"]) / (g["rest"] / c["area_rest_km2"])
    raise ClaimsError(f"unknown formula {formula!r}")


