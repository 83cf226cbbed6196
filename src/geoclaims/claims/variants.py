"""Sensitivity variants: other ways of running a claim's test.

Every claim gets the standard variants (deaths-weighted, precise locations only, without events
near a control boundary for each of ``settings.boundary_buffers_km``); tests that use the ledger
get the contested-ground variants; tests anchored on the publication date get the latest
possible date when the study gives a window; then the claim's own ``test.variants`` from the
YAML, in their order; with several datasets loaded, one variant per dataset.

A YAML variant is a mapping with ``name`` and ``label`` and any of:

- ``weight: deaths``, ``precise_only: true``, ``min_dist_km: KM``, ``contested: in|out``,
  ``pub: latest``, ``dataset: NAME``: as the standard variants;
- ``where: [{column: COL, op: "<=", value: 15}, ...]``: keep only events meeting every predicate
  on a column of the events (e.g. a column added by ``control.classify``); the events removed
  are counted;
- ``add_sides: [SIDE]``: count the ground of more named sides in the claim's zone;
- ``sides: [SIDE]``: the claim's zone with these sides instead of its own;
- ``zone_add_columns: [COL]``: count events whose boolean column is true as in the zone;
- ``any_side: true``: drop the zone's side condition (any controller);
- ``before: [DATE, DATE]``, ``near_km: KM``: a different earlier window or buffer.

Datasets: ``dataset: NAME`` keeps the events of one loaded dataset. A two-source comparison
(evaluate every claim on each source separately) can reuse this: see :func:`per_source_variants`.
"""

from __future__ import annotations

import dataclasses
import math
import operator
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geoclaims.claims.registry import Claim, ClaimsError, Registry
from geoclaims.claims.selection import GeoUnavailable

if TYPE_CHECKING:
    from geoclaims.claims.kinds import Outcome

#: Variant fields that the YAML may set directly; the other keys go to ``extra``.
_FIELDS = ("weight", "precise_only", "min_dist_km", "contested", "pub", "dataset")
OPS = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt,
       "==": operator.eq, "!=": operator.ne}


@dataclass(frozen=True)
class Variant:
    """One way of running a test: the main one, or a sensitivity variant."""

    name: str
    label: str
    weight: str = "events"  # "events" | "deaths"
    precise_only: bool = False
    min_dist_km: float | None = None
    contested: str | None = None  # None (as classified) | "in" | "out"
    pub: str = "date"  # "date" | "latest"
    dataset: str | None = None
    extra: dict = field(default_factory=dict, compare=False)


MAIN = Variant("main", "main test (events, all, as classified)")


def from_yaml(spec: dict) -> Variant:
    """A variant from its YAML mapping (see the module docstring)."""
    kw: dict[str, Any] = {k: spec[k] for k in _FIELDS if k in spec}
    if "min_dist_km" in kw:
        kw["min_dist_km"] = float(kw["min_dist_km"])
    extra = {k: v for k, v in spec.items() if k not in (*_FIELDS, "name", "label")}
    for j, pred in enumerate(extra.get("where", [])):
        if pred.get("op") not in OPS or "column" not in pred or "value" not in pred:
            raise ClaimsError(f"variant {spec['name']}: where[{j}] needs column, op (one of "
                              f"{', '.join(OPS)}) and value")
    return Variant(str(spec["name"]), str(spec["label"]), extra=extra, **kw)


def variants_for(claim: Claim, registry: Registry, datasets_loaded: Iterable[str]) -> list[Variant]:
    """The main test and its sensitivity variants for one claim."""
    from geoclaims.claims.kinds import anchored_on_publication, uses_control

    out = [MAIN]
    events_based = claim.kind != "held_area"  # a held area from the ledger uses no events
    if events_based:
        out += [Variant("deaths", "weighted by deaths (best estimate)", weight="deaths"),
                Variant("precise_only", "precise locations only", precise_only=True)]
    for km in registry.settings.get("boundary_buffers_km", [10, 25]) if events_based else []:
        out.append(Variant(f"boundary_{km:g}km", f"without events within {km:g} km of a control "
                           "boundary", min_dist_km=float(km)))
    if uses_control(claim):
        out.append(Variant("contested_in", "contested ground counted in the claim's zone",
                           contested="in"))
        out.append(Variant("contested_out", "contested ground counted outside it",
                           contested="out"))
    if anchored_on_publication(claim) and registry.publication_latest != registry.publication_date:
        out.append(Variant("pub_latest", "latest possible publication date", pub="latest"))
    out += [from_yaml(spec) for spec in claim.test.get("variants") or []]
    out += per_source_variants(datasets_loaded)
    return out


def per_source_variants(datasets_loaded: Iterable[str]) -> list[Variant]:
    """One variant per loaded dataset when several are loaded (the hook for a per-source
    comparison: a ``dataset_<name>`` variant runs the claim on that source's events only)."""
    loaded = sorted(set(datasets_loaded))
    if len(loaded) < 2:
        return []
    return [Variant(f"dataset_{ds}", f"{ds} only", dataset=ds) for ds in loaded]


def apply_variant(ev: pd.DataFrame, v: Variant) -> tuple[pd.DataFrame, list[str]]:
    """Filter and weight events for a variant; every filter reports what it removed."""
    notes: list[str] = []
    out = ev
    if v.precise_only:
        keep = out["precise"]
        notes.append(f"precise_only removed {int((~keep).sum())} imprecise events")
        out = out[keep]
    if v.min_dist_km is not None:
        if "dist_other_km" not in out.columns:
            raise GeoUnavailable("events have no dist_other_km column (control.classify)")
        near = out["dist_other_km"].fillna(np.inf) < v.min_dist_km
        notes.append(f"removed {int(near.sum())} events within {v.min_dist_km:g} km of a "
                     "control boundary")
        out = out[~near]
    for pred in v.extra.get("where", []):
        col, op, value = pred["column"], pred["op"], pred["value"]
        if col not in out.columns:
            raise GeoUnavailable(f"events have no {col} column (variant {v.name})")
        keep = OPS[op](out[col], value).fillna(False).astype(bool)
        notes.append(f"removed {int((~keep).sum())} events without {col} {op} {value}")
        out = out[keep]
    if v.dataset is not None:
        other = out["dataset"] != v.dataset
        notes.append(f"removed {int(other.sum())} events of other datasets")
        out = out[~other]
    out = out.copy()
    out["w"] = out["deaths_best"].astype(float) if v.weight == "deaths" else 1.0
    return out, notes


def deaths_rule(claim: Claim) -> dict | None:
    """The rule a deaths-weighted variant is decided by: the claim's rule for scale-free metrics
    (shares, ratios); for a rate (``rate_at_most``, a threshold in events per period) only if the
    registry gives a separate ``deaths_threshold``, else None (the variant is "not applicable")."""
    rule = dict(claim.rule)
    if rule["type"] != "rate_at_most":
        return rule
    if isinstance(rule.get("deaths_threshold"), (int, float)):
        return {**rule, "threshold": float(rule["deaths_threshold"])}
    return None


def with_rule(claim: Claim, rule: dict) -> Claim:
    return dataclasses.replace(claim, test={**claim.test, "rule": rule})


#: Why a contested variant is the main test again, by the variant's ``contested`` setting.
_SAME_AS_MAIN = {
    "out": "same as main: the main test already counts contested ground outside the claim's zone",
    "in": "same as main: no contested events",
}


def _same_inputs(a: Outcome, b: Outcome) -> bool:
    """Did two runs test the same events the same way? Same estimate, event count and every
    component (group sums, period, ledger shares). Their intervals may still differ: each
    variant draws its bootstrap with its own seed."""
    def eq(x: Any, y: Any) -> bool:
        if isinstance(x, float) and isinstance(y, float):
            return (math.isnan(x) and math.isnan(y)) or x == y
        return bool(x == y)

    return (a.evidence is not None and b.evidence is not None
            and a.n_events == b.n_events and eq(float(a.estimate), float(b.estimate))
            and a.components.keys() == b.components.keys()
            and all(eq(a.components[k], b.components[k]) for k in a.components))


def mark_same_as_main(claim: Claim, main: Outcome, v: Variant, o: Outcome) -> None:
    """Label a contested variant of a control-based test that gives the main test's result
    again (``contested_out`` always does: contested ground is outside the claim's zone in the
    main test; ``contested_in`` does when no event is contested). Such a variant is still
    listed but left out of the flip logic."""
    from geoclaims.claims.kinds import uses_control

    if v.contested is None or not uses_control(claim):
        return
    if not _same_inputs(main, o):
        return
    why = _SAME_AS_MAIN[v.contested]
    if v.contested == "in" and claim.test.get("parts"):
        why = "same as main: no contested events or contested zones"
    # the same events tested the same way: show the main test's interval and verdict (the
    # variant's own bootstrap differs only by its seed)
    o.verdict, o.ci_low, o.ci_high = main.verdict, main.ci_low, main.ci_high
    o.n_boot, o.n_valid = main.n_boot, main.n_valid
    o.same_as_main = why
    o.reason = f"{why} (the main test's events and interval). {main.reason}"
