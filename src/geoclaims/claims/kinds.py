"""The test kinds: general metrics that a claim's YAML composes with an event selection, a zone
and a decision rule. Nothing here knows a claim, a region or a study: every name comes from the
study (``study.yaml``: actor, countries, sides, region labels) or the claim's test.

- ``share``: share of the selected events inside a zone (named sides, a region, admin-1 codes);
  with ``parts: [held_area]`` and ``combine: both`` a two-part claim (events and held ground).
- ``rate``: events in a zone per ``per_days`` over the period.
- ``period_ratio``: events a day in a later window against an earlier one.
- ``country_growth_ratio``: growth (after / before) in one country against another.
- ``density_ratio``: events per km2 in and near named regions against the rest of the country.
- ``held_area``: a side's held area from the control ledger on a date, as a share of the home
  country (or, with ``relative_to``, of the side's area on another date).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from shapely.ops import unary_union

from geoclaims import stats
from geoclaims.claims import parts as parts_mod
from geoclaims.claims import selection as sel_mod
from geoclaims.claims.registry import Claim, Registry
from geoclaims.claims.selection import (
    GeoUnavailable,
    area_km2,
    cap_at_ledger,
    contains,
    in_countries,
    in_window,
    known_controller,
    need,
    to_laea,
    window,
)
from geoclaims.claims.variants import Variant
from geoclaims.stats import NOT_TESTABLE, Stratum

#: Share of a test's events without a controller above which the reason adds a sensitivity note.
UNKNOWN_NOTE_SHARE = 0.05
CONTESTED = "contested"


@dataclass
class Outcome:
    """The result of one claim under one variant."""

    verdict: str
    estimate: float = float("nan")
    ci_low: float = float("nan")
    ci_high: float = float("nan")
    n_events: int = 0
    reason: str = ""
    components: dict = field(default_factory=dict)
    evidence: pd.DataFrame | None = None
    tables: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    n_boot: int = 0  # bootstrap replicates drawn (0: no bootstrap ran)
    n_valid: int = 0  # replicates with a defined estimate (not NaN)
    same_as_main: str = ""  # why a variant is the main test again ("" if it is not)


@dataclass
class Context:
    registry: Registry
    geo: sel_mod.Geo
    data_start: pd.Timestamp
    data_end: pd.Timestamp  # exclusive: the day after the last event
    datasets: tuple[str, ...]
    _regions: dict = field(default_factory=dict, repr=False, compare=False)

    def pub(self, v: Variant) -> pd.Timestamp:
        r = self.registry
        return r.publication_latest if v.pub == "latest" else r.publication_date

    @property
    def min_events(self) -> int:
        return int(self.registry.settings.get("min_events", 10))

    @property
    def n_boot(self) -> int:
        return int(self.registry.settings.get("n_boot", 2000))

    def seed(self, claim: Claim, v: Variant) -> int:
        return stats.seed_for(int(self.registry.settings.get("seed", 0)), claim.id, v.name)

    @property
    def actor(self) -> str:
        return self.registry.actor_column

    @property
    def a(self) -> str:  # the actor's label in sentences
        return self.registry.actor_label

    def home_mask(self, ev: pd.DataFrame) -> pd.Series:
        return in_countries(ev, self.registry.country_names("home"))

    def pool(self, ev: pd.DataFrame) -> pd.DataFrame:
        """The actor's events in the home country."""
        return ev[ev[self.actor] & self.home_mask(ev)]

    def region(self, region_id: str):
        """A region in the equal-area projection. A polygon region that reaches the home
        country's outline also takes the ground up to ``control.BORDER_TOLERANCE_KM`` beyond it
        (border towns and camps lie a few hundred metres outside the 1:10m outline), as the zones
        of control do; it never grows across the country's interior lines (the Euphrates)."""
        key = ("region", region_id)
        if key not in self._regions:
            geom = to_laea(self.geo.region(region_id))
            if geom.geom_type in ("Polygon", "MultiPolygon"):
                from geoclaims.control import BORDER_TOLERANCE_KM

                home = to_laea(self.geo.syria())
                beyond = geom.buffer(BORDER_TOLERANCE_KM * 1000).difference(home)
                geom = geom.union(beyond)
            self._regions[key] = geom
        return self._regions[key]


def uses_control(claim: Claim, v: Variant | None = None) -> bool:
    """Does this run need each event's controller? Tests that name sides, keep only events with
    a known controller or measure held ground always do; every test under a boundary variant
    (distance to a control boundary) does too."""
    t = claim.test
    base = (bool((t.get("in_zone") or {}).get("sides")) or (t.get("select") or {}).get("control")
            == "known" or t["kind"] == "held_area")
    return base or (v is not None and v.min_dist_km is not None)


def anchored_on_publication(claim: Claim) -> bool:
    per = claim.test["period"]
    return (per.get("start", "publication") == "publication" or "around" in per
            or per.get("anchor") == "publication" or per.get("at") == "publication")


def boot(ctx: Context, claim: Claim, v: Variant, frame: pd.DataFrame, strata, estimator):
    return stats.bootstrap(frame, strata, estimator, seed=ctx.seed(claim, v), n_boot=ctx.n_boot,
                           weight="w")


def decide(claim: Claim, b: stats.BootResult) -> tuple[str, dict, str]:
    verdict, why = stats.decide_boot(claim.rule, b)
    return verdict, {"n_boot": b.n_boot, "n_valid": b.n_valid}, why


def period(ctx: Context, claim: Claim, v: Variant) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The test's period ``[start, end)``, cut at the data's end (a control-based test also cuts
    it at the ledger's end with :func:`selection.cap_at_ledger` and reports the cut)."""
    per = claim.test["period"]
    if "around" in per:
        when = ctx.pub(v)
        w = int(per.get("window_days", 45))
        return when - pd.Timedelta(days=w), min(when + pd.Timedelta(days=w + 1), ctx.data_end)
    start, end = per.get("start", "publication"), per.get("end", "data_end")
    s = ctx.pub(v) if start == "publication" else pd.Timestamp(start)
    e = ctx.data_end if end == "data_end" else pd.Timestamp(end) + pd.Timedelta(days=1)
    return s, min(e, ctx.data_end)


def too_few(n: int, ctx: Context, what: str) -> Outcome | None:
    if n < ctx.min_events:
        return Outcome(NOT_TESTABLE, n_events=n, components={"below_min_events": True},
                       reason=f"only {n} {what}; the registry asks for at least {ctx.min_events}")
    return None


def side_mask(ctx: Context, sel: pd.DataFrame, sides, v: Variant) -> pd.Series:
    """Events on ground held by the named sides (plus the variant's ``add_sides``, contested
    ground with ``contested: in``, and events flagged by a variant's ``zone_add_columns``)."""
    ctl = ctx.registry.side_controllers(list(sides) + list(v.extra.get("add_sides", [])))
    m = sel["controller"].isin(ctl)
    if v.contested == "in":
        m |= sel["controller"] == CONTESTED
    elif v.contested == "out":
        m &= sel["controller"] != CONTESTED
    return m


def zone_mask(ctx: Context, claim: Claim, sel: pd.DataFrame, v: Variant) -> pd.Series:
    zone = claim.test.get("in_zone") or {}
    mask = pd.Series(True, index=sel.index)
    if zone.get("region"):
        mask &= contains(ctx.region(zone["region"]), sel)
    sides = v.extra.get("sides", zone.get("sides"))  # a variant may name other sides
    if sides and not v.extra.get("any_side"):
        mask &= side_mask(ctx, sel, sides, v)
    for col in v.extra.get("zone_add_columns", []):  # e.g. a column control.classify adds
        need(sel, (col,), f"variant {v.name}")
        mask |= sel[col].fillna(False).astype(bool)
    return mask


def share_outcome(ctx, claim, v, sel: pd.DataFrame, inzone: pd.Series, s, e, what) -> Outcome:
    frame = sel.assign(group=np.where(inzone, "zone", "rest"))
    few = too_few(len(frame), ctx, what)
    if few:
        return few
    b = boot(ctx, claim, v, frame, [(Stratum("period", s, e), ["zone", "rest"])],
             lambda g: g["zone"] / (g["zone"] + g["rest"]))
    verdict, counts, why = decide(claim, b)
    ev = frame.assign(group=np.where(inzone, "numerator", "rest"))
    return Outcome(verdict, b.estimate, b.ci_low, b.ci_high, len(frame), reason=why,
                   components={"formula": "sum(w | numerator) / sum(w)", "weight": v.weight,
                               "period_start": s, "period_end_exclusive": e,
                               "n_numerator": int(inzone.sum()), "n_total": len(frame),
                               "w_numerator": b.sums["zone"],
                               "w_total": b.sums["zone"] + b.sums["rest"]},
                   evidence=ev, **counts)


def evaluate_share(claim: Claim, ev: pd.DataFrame, ctx: Context, v: Variant) -> Outcome:
    """Share of the selected events inside the claim's zone (see the module docstring).

    With ``select.control: known`` the share is over events with a known controller: events
    outside every zone of the ledger ('unknown') are neither in nor out; their number is
    reported, with the share's range if they were all out or all in when they are more than
    :data:`UNKNOWN_NOTE_SHARE` of the events. With ``in_zone.admin1`` events outside every
    admin-1 polygon are left out and counted.
    """
    t, a = claim.test, ctx.a
    zone = t.get("in_zone") or {}
    known = (t.get("select") or {}).get("control") == "known"
    if known or zone.get("sides"):
        need(ev, ("controller",), "control.classify")
    part_specs = t.get("parts") or []
    held = None
    if part_specs:  # the held-ground part first: no held ground, nothing to locate
        held = parts_mod.held_area_at(ctx, claim, v, part_specs[0]) if "at" in part_specs[0] \
            else None
        if held is not None and held.get("not_testable"):
            return Outcome(NOT_TESTABLE, reason=held["not_testable"])
    s, e = period(ctx, claim, v)
    s = max(s, ctx.data_start)
    pool = ctx.pool(ev)
    e, cut = cap_at_ledger(uses_control(claim, v), pool, s, e)
    sel_all = pool[in_window(pool["day"], s, e)]
    sel, n_unknown = known_controller(sel_all) if known else (sel_all, 0)
    around = "around" in t["period"]
    what = f"{a} events" + (" with a known controller" if known else "") + (
        " near the publication date" if around else " in the period")
    notes: list[str] = []
    outside = 0
    if zone.get("admin1"):
        named = [str(p) for p in zone["admin1"]]
        govs = pd.DataFrame(ctx.geo.governorates())
        pc = sel_mod.assign_pcode(sel, govs)
        outside = int((pc == "").sum())
        notes.append(f"{outside} {a} events fall outside every governorate polygon and are "
                     "left out")
        sel = sel.assign(pcode=pc.to_numpy())
        sel = sel[sel["pcode"] != ""]
        inzone = sel["pcode"].isin(named)
    else:
        inzone = zone_mask(ctx, claim, sel, v)
    out = share_outcome(ctx, claim, v, sel, inzone, s, e, what)
    out.notes += notes
    out.components.update(cut)
    if known:
        out.components.update({"n_unknown_controller": n_unknown,
                               "n_contested": int((sel["controller"] == CONTESTED).sum())})
    if part_specs:
        return parts_mod.combine(ctx, claim, v, out, part_specs[0], held, sel, sel_all,
                                 n_unknown, s, e, outside)
    label = zone.get("label", "the zone")
    unknown_text = (f"{n_unknown} {a} events in the period lie outside every zone of the control "
                    "ledger (controller 'unknown') and are left out of the share" if n_unknown
                    else "")
    if out.verdict != NOT_TESTABLE and "controller" in sel_all.columns and known:
        col_e, col_d = f"{a.lower()}_events", f"{a.lower()}_deaths"
        by = (sel_all.groupby("controller").agg(**{col_e: ("event_id", "size"),
                                                     col_d: ("deaths_best", "sum")})
              .reset_index().sort_values([col_e, "controller"], ascending=[False, True],
                                         ignore_index=True))
        out.tables["by_controller"] = by
        parts = ", ".join(f"{r[0]} {r[1]}" for r in by[["controller", col_e]].itertuples(
            index=False))
        out.reason = (f"{int(inzone.sum())} of {len(sel)} {a} events with a known controller "
                      f"from {s.date()} to {(e - pd.Timedelta(days=1)).date()} lie in {label} "
                      f"(share over events with a known controller); by controller: {parts}")
    elif out.verdict != NOT_TESTABLE:
        out.reason = "; ".join(x for x in (out.reason, (
            f"{int(inzone.sum())} of {len(sel)} {a} events from {s.date()} to "
            f"{(e - pd.Timedelta(days=1)).date()} lie in {label}")) if x)
    if unknown_text:
        out.reason = "; ".join(x for x in (out.reason, unknown_text) if x)
        n_all = len(sel_all)
        if n_all and n_unknown > UNKNOWN_NOTE_SHARE * n_all:
            n_in = int(inzone.sum())
            out.reason += (f". Sensitivity note: {n_unknown / n_all:.1%} of the {a} events have "
                           f"no controller; counted all outside {label} the share would "
                           f"be {n_in / n_all:.1%}, all inside {(n_in + n_unknown) / n_all:.1%}")
    return out


def evaluate_rate(claim: Claim, ev: pd.DataFrame, ctx: Context, v: Variant) -> Outcome:
    """Events in the zone per ``rule.per_days`` over the period.

    With sides, the period (and so the exposure in days) ends at the control ledger's last day
    at the latest; the cut is reported. Events in the region outside every zone of the ledger
    (controller 'unknown') cannot be placed on a side: they are not counted in the zone, their
    number is reported, and a variant with ``any_side`` counts them.
    """
    t, reg, a = claim.test, ctx.registry, ctx.a
    zone = t.get("in_zone") or {}
    sides = list(zone.get("sides", []))
    if sides:
        need(ev, ("controller",), "control.classify")
    s, e = period(ctx, claim, v)
    per_days = float(claim.rule.get("per_days", 91.3125))
    pool = ctx.pool(ev)
    e, cut = cap_at_ledger(uses_control(claim, v), pool, s, e)
    rid = zone.get("region")
    in_region = contains(ctx.region(rid), pool) if rid else pd.Series(True, index=pool.index)
    side = side_mask(ctx, pool, sides, v) if sides else pd.Series(True, index=pool.index)
    zmask = in_region if v.extra.get("any_side") else (in_region & side)
    in_period = in_window(pool["day"], s, e)
    basis = int(in_period.sum())
    few = too_few(basis, ctx, f"{a} events in {reg.home} in the period (coverage check)")
    if few:
        return few
    sel = pool[zmask & in_period].assign(group="zone")
    days = Stratum("period", s, e).days
    b = boot(ctx, claim, v, sel, [(Stratum("period", s, e), ["zone"])],
             lambda g: g["zone"] / (days / per_days))
    verdict, counts, why = decide(claim, b)
    unknown_reg = (int((in_region & in_period & (pool["controller"] == sel_mod.UNKNOWN)).sum())
                   if sides else 0)
    slug = reg.region_slug(rid) if rid else "zone"
    side_key = "_".join(sides) or "any"
    ctx_rows = pool[in_window(pool["day"], s - pd.Timedelta(days=365), e)]
    cw = in_region.loc[ctx_rows.index]
    q = sel_mod.quarter_table(ctx_rows[cw & side.loc[ctx_rows.index]], f"{slug}_{side_key}")
    q2 = sel_mod.quarter_table(ctx_rows[cw], f"{slug}_any_controller")
    q3 = sel_mod.quarter_table(ctx_rows, f"all_{reg.home.lower()}")
    table = q3.merge(q2, on="quarter", how="left").merge(q, on="quarter", how="left").fillna(0)
    for col in table.columns[1:]:
        table[col] = table[col].astype(int)
    reason = (f"{len(sel)} {a} events in the zone over {days} days "
              f"({s.date()} to {(e - pd.Timedelta(days=1)).date()}), out of "
              f"{basis} {a} events in {reg.home}")
    if unknown_reg:
        counts_them = [x["name"] for x in t.get("variants") or [] if x.get("any_side")]
        reason += (f"; {unknown_reg} {a} events {reg.region_label(rid)} lie outside every zone "
                   "of the control ledger (controller 'unknown') and are not counted as "
                   + " or ".join(reg.side_label(x) for x in sides)
                   + ("" if v.extra.get("any_side") or not counts_them
                      else f" (the {counts_them[0]} variant counts them)"))
    if why:
        reason = f"{why}. {reason}"
    comps = {"formula": "sum(w) / (period_days / per_days)", "weight": v.weight,
             "period_start": s, "period_end_exclusive": e, "period_days": days,
             "per_days": per_days, "w_zone": b.sums["zone"], f"n_{a.lower()}_events_"
             f"{reg.home.lower()}_period": basis, **cut}
    if sides:
        comps[f"n_unknown_controller_{slug}"] = unknown_reg
        comps["n_contested"] = int((pool.loc[in_period, "controller"] == CONTESTED).sum())
    return Outcome(verdict, b.estimate, b.ci_low, b.ci_high, len(sel), components=comps,
                   reason=reason, evidence=sel, tables={"by_quarter": table}, **counts)


def evaluate_period_ratio(claim: Claim, ev: pd.DataFrame, ctx: Context, v: Variant) -> Outcome:
    """Events a day in the later window against the earlier one, around the anchor date.

    Under a boundary variant (events near a control boundary left out) the later window also
    ends at the control ledger's last day; the claim's ``notes.boundary_variants`` says why
    such variants may be left with few events.
    """
    t, reg, a = claim.test, ctx.registry, ctx.a
    rid = (t.get("select") or {}).get("region")
    pub = ctx.pub(v)
    per = t["period"]
    a0, a1 = window(pub, per["after"])
    if "before" in v.extra:
        b0, b1 = (pd.Timestamp(d) for d in v.extra["before"])
        b1 = b1 + pd.Timedelta(days=1)
    else:
        b0, b1 = window(pub, per["before"])
    full_after = (a1 - a0).days
    a1, b0 = min(a1, ctx.data_end), max(b0, ctx.data_start)
    sel = ctx.pool(ev)
    if rid:
        sel = sel[contains(ctx.region(rid), sel)]
    a1, cut = cap_at_ledger(uses_control(claim, v), sel, a0, a1)
    note = claim.note("boundary_variants")
    boundary = f"; {note}" if v.min_dist_km is not None and note else ""
    if cut:
        boundary += f"; {sel_mod.cut_text(cut, a)}"
    if a1 <= a0:
        last = (ctx.data_end - pd.Timedelta(days=1)).date()
        return Outcome(NOT_TESTABLE, reason=f"the data end ({last}) before the later window "
                       f"starts ({a0.date()}){boundary}", components=dict(cut))
    cover = (a1 - a0).days / full_after
    if cover < 0.5:
        return Outcome(NOT_TESTABLE, reason=f"the data cover only {cover:.0%} of the later "
                       f"window{boundary}", components=dict(cut))
    after = sel[in_window(sel["day"], a0, a1)].assign(group="after")
    before = sel[in_window(sel["day"], b0, b1)].assign(group="before")
    frame = pd.concat([before, after])
    where = reg.region_label(rid) if rid else reg.home
    few = too_few(len(frame), ctx, f"{a} events in {where} in the two windows")
    if few:
        few.reason += boundary
        few.components.update(cut)
        return few
    sa, sb = Stratum("after", a0, a1), Stratum("before", b0, b1)
    da, db = sa.days, sb.days
    b = boot(ctx, claim, v, frame, [(sa, ["after"]), (sb, ["before"])],
             lambda g: (g["after"] / da) / (g["before"] / db))
    verdict, counts, why = decide(claim, b)
    caveat = claim.note("caveat")
    reason = "; ".join(x for x in (
        f"the later window is cut at the data's end: {da} of {full_after} days" if cover < 1
        else "", caveat) if x)
    reason = (f"{why}. " if why else "") + reason + boundary
    monthly = sel[in_window(sel["day"], b0, a1)]
    col = f"{a.lower()}_events_" + (reg.region_slug(rid) if rid else reg.home.lower())
    months = (monthly["day"].dt.to_period("M").astype(str).value_counts().sort_index()
              .rename_axis("month").reset_index(name=col))
    return Outcome(verdict, b.estimate, b.ci_low, b.ci_high, len(frame), reason=reason,
                   components={"formula": "(sum(w | after) / days_after) / "
                               "(sum(w | before) / days_before)", "weight": v.weight,
                               "after_start": a0, "after_end_exclusive": a1, "days_after": da,
                               "before_start": b0, "before_end_exclusive": b1, "days_before": db,
                               "w_after": b.sums["after"], "w_before": b.sums["before"],
                               "window_coverage": cover, **cut},
                   evidence=frame, tables={"by_month": months}, **counts)


def evaluate_country_growth_ratio(claim: Claim, ev: pd.DataFrame, ctx: Context,
                                  v: Variant) -> Outcome:
    """Growth (after / before the anchor) of the actor's events in the first country of
    ``test.countries`` divided by that in the second."""
    reg, a = ctx.registry, ctx.a
    first, second = claim.test["countries"]
    if "country" not in ev.columns:
        return Outcome(NOT_TESTABLE, reason="not testable with these data: the events have no "
                       "country column")
    in1, in2 = in_countries(ev, reg.country_names(first)), in_countries(ev, reg.country_names(second))
    for name, m in ((first, in1), (second, in2)):
        if not m.any():
            more = claim.note("no_data")
            return Outcome(NOT_TESTABLE, reason=(
                "not testable with these data: the loaded data (" + ", ".join(ctx.datasets)
                + f") hold no events in {name}; the claim compares {first} with {second}"
                + (f". {more}" if more else "")))
    pub, per = ctx.pub(v), claim.test["period"]
    a0, a1 = window(pub, per["after"])
    b0, b1 = window(pub, per["before"])
    a1, b0 = min(a1, ctx.data_end), max(b0, ctx.data_start)
    sel = ev[ev[ctx.actor] & (in1 | in2)]
    a1, cut = cap_at_ledger(uses_control(claim, v), sel, a0, a1)
    if a1 <= a0 or b1 <= b0:
        return Outcome(NOT_TESTABLE, reason="the data do not cover both windows"
                       + (f"; {sel_mod.cut_text(cut, a)}" if cut else ""), components=dict(cut))
    k1, k2 = reg.country_short(first), reg.country_short(second)
    sel = sel.assign(cc=np.where(in1.loc[sel.index], k1, k2))
    aa = sel[in_window(sel["day"], a0, a1)]
    bb = sel[in_window(sel["day"], b0, b1)]
    frame = pd.concat([bb.assign(group=bb["cc"] + "_before"), aa.assign(group=aa["cc"] + "_after")])
    few = too_few(len(frame), ctx, f"{a} events in {first} and {second} in the two windows")
    if few:
        return few
    sa, sb = Stratum("after", a0, a1), Stratum("before", b0, b1)
    g1a, g1b, g2a, g2b = f"{k1}_after", f"{k1}_before", f"{k2}_after", f"{k2}_before"
    b = boot(ctx, claim, v, frame, [(sa, [g1a, g2a]), (sb, [g1b, g2b])],
             lambda g: (g[g1a] / g[g1b]) / (g[g2a] / g[g2b]))
    verdict, counts, why = decide(claim, b)
    return Outcome(verdict, b.estimate, b.ci_low, b.ci_high, len(frame),
                   reason=(f"{why}. " if why else "") + claim.note("caveat"),
                   components={"formula": f"(w[{g1a}] / w[{g1b}]) / (w[{g2a}] / w[{g2b}])",
                               "weight": v.weight, "after_start": a0, "after_end_exclusive": a1,
                               "before_start": b0, "before_end_exclusive": b1,
                               **{f"w_{k}": val for k, val in sorted(b.sums.items())}, **cut},
                   evidence=frame.drop(columns="cc"), **counts)


def evaluate_density_ratio(claim: Claim, ev: pd.DataFrame, ctx: Context, v: Variant) -> Outcome:
    """Events per 1,000 km2 in and near the named regions against the rest of the home country."""
    reg, a = ctx.registry, ctx.a
    zone = claim.test.get("in_zone") or {}
    near_km = float(v.extra.get("near_km", zone.get("near_km", 25)))
    home = to_laea(ctx.geo.syria())
    ids = list(zone.get("regions", []))
    buffered = {rid: (g.buffer(near_km * 1000.0) if near_km > 0 else g).intersection(home)
                for rid, g in ((rid, ctx.region(rid)) for rid in ids)}
    entry = unary_union(list(buffered.values()))
    rest = home.difference(entry)
    s, e = period(ctx, claim, v)
    pool = ctx.pool(ev)
    e, cut = cap_at_ledger(uses_control(claim, v), pool, s, e)
    sel = pool[in_window(pool["day"], s, e)]
    in_entry = contains(entry, sel)
    frame = sel.assign(group=np.where(in_entry, "entry", "rest"))
    few = too_few(len(frame), ctx, f"{a} events in the period")
    if few:
        return few
    ae, ar = area_km2(entry), area_km2(rest)
    b = boot(ctx, claim, v, frame, [(Stratum("period", s, e), ["entry", "rest"])],
             lambda g: (g["entry"] / ae) / (g["rest"] / ar))
    verdict, counts, why = decide(claim, b)
    col = f"{a.lower()}_events"
    rows = []
    for rid in ids:
        n, area = int(contains(buffered[rid], sel).sum()), area_km2(buffered[rid])
        rows.append({"region": rid, "area_km2": area, col: n,
                     "per_1000_km2": 1000.0 * n / area if area else float("nan")})
    n_rest = int((~in_entry).sum())
    rows.append({"region": f"rest of {reg.home}", "area_km2": ar, col: n_rest,
                 "per_1000_km2": 1000.0 * n_rest / ar if ar else float("nan")})
    dens = "; ".join(f"{r['region']} {r[col]} events, {r['per_1000_km2']:.2f} per 1,000 km2"
                     for r in rows)
    caveat = claim.note("caveat")
    return Outcome(verdict, b.estimate, b.ci_low, b.ci_high, len(frame),
                   reason=((f"{why}. " if why else "") + f"buffer {near_km:g} km: {dens}"
                           + (f"; {caveat}" if caveat else "")),
                   components={"formula": "(sum(w | entry) / area_entry_km2) / "
                               "(sum(w | rest) / area_rest_km2)", "weight": v.weight,
                               "period_start": s, "period_end_exclusive": e, "near_km": near_km,
                               "area_entry_km2": ae, "area_rest_km2": ar,
                               "w_entry": b.sums["entry"], "w_rest": b.sums["rest"], **cut},
                   evidence=frame, tables={"by_area": pd.DataFrame(rows)}, **counts)


def evaluate_held_area(claim: Claim, ev: pd.DataFrame, ctx: Context, v: Variant) -> Outcome:
    """A side's held area from the control ledger on ``period.at`` (``publication`` or a date):
    as a share of the home country's area, or with ``in_zone.relative_to: DATE`` as a ratio to
    the side's held area on that date. No events and no interval: the ledger's zones are taken
    as drawn (the interval is the estimate itself)."""
    reg = ctx.registry
    zone = claim.test.get("in_zone") or {}
    side = zone["side"]
    at = claim.test["period"].get("at", "publication")
    when = ctx.pub(v) if at == "publication" else pd.Timestamp(at)
    home = to_laea(ctx.geo.syria())

    def held(d: pd.Timestamp) -> float:
        zones = pd.DataFrame(ctx.geo.control_at(d))
        ctl = reg.side_controllers([side]) + ((CONTESTED,) if v.contested == "in" else ())
        geoms = [to_laea(g) for g, c in zip(zones["geometry"], zones["controller"]) if c in ctl]
        return area_km2(unary_union(geoms).intersection(home)) if geoms else 0.0

    try:
        area = held(when)
        if zone.get("relative_to"):
            ref_day = pd.Timestamp(zone["relative_to"])
            base = held(ref_day)
            what = f"of its {base:,.0f} km2 on {ref_day.date()}"
        else:
            base, what = area_km2(home), f"of {reg.home}'s area"
    except GeoUnavailable as exc:
        return Outcome(NOT_TESTABLE, reason=f"not testable: {exc}")
    if base <= 0:
        return Outcome(NOT_TESTABLE, reason=f"the base area is 0 km2 ({what})")
    est = area / base
    verdict = stats.decide(claim.rule, est, est, est)
    return Outcome(verdict, est, est, est, 0, components={
        "formula": "held_km2 / base_km2", "weight": "area", "ledger_date": when,
        "held_km2": area, "base_km2": base, "side": side},
        reason=(f"{reg.side_label(side)} ground on {when.date()} (control ledger): {area:,.0f} "
                f"km2, {est:.2%} {what}; the ledger's zones are taken as drawn (no interval)"))


TESTS: dict[str, Callable[[Claim, pd.DataFrame, Context, Variant], Outcome]] = {
    "share": evaluate_share,
    "rate": evaluate_rate,
    "period_ratio": evaluate_period_ratio,
    "country_growth_ratio": evaluate_country_growth_ratio,
    "density_ratio": evaluate_density_ratio,
    "held_area": evaluate_held_area,
}
