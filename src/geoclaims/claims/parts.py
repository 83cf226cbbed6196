"""Two-part claims: an event share (:func:`kinds.evaluate_share`) and a held-ground part from
the control ledger, combined by the claim's ``combine`` rule.

A ``held_area`` part either looks at one date (``at: publication``): the share of the side's
held area inside ``region`` and, with ``facing``, the share of its boundary inside the home
country that lies within ``within_km`` of another side's ground; or at quarterly snapshots
(``snapshots: quarterly``) over the event period: the mean share of the side's held area in
the named admin-1 units. ``combine: {rule: both}``: when the event part and the held-ground
part disagree, the verdict is "mixed"; the sentences saying so may come from the YAML.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely
from shapely.ops import unary_union

from geoclaims.claims.selection import GeoUnavailable, area_km2, to_laea
from geoclaims.stats import CONTRADICTED, MIXED, NOT_TESTABLE, SUPPORTED

if TYPE_CHECKING:
    from geoclaims.claims.kinds import Context, Outcome
    from geoclaims.claims.registry import Claim
    from geoclaims.claims.variants import Variant

CONTESTED = "contested"


def _side_union(ctx: Context, zones: pd.DataFrame, side: str, contested: str | None):
    ctl = list(ctx.registry.side_controllers([side])) + (
        [CONTESTED] if contested == "in" else [])
    geoms = [to_laea(g) for g, c in zip(zones["geometry"], zones["controller"]) if c in ctl]
    return unary_union(geoms) if geoms else shapely.Polygon()


def held_area_at(ctx: Context, claim: Claim, v: Variant, spec: dict) -> dict:
    """The held-ground part on one date (the publication date under the variant)."""
    reg = ctx.registry
    when = ctx.pub(v) if spec.get("at", "publication") == "publication" else pd.Timestamp(
        spec["at"])
    zones = pd.DataFrame(ctx.geo.control_at(when))
    ctl = reg.side_controllers([spec["side"]])
    geoms = [to_laea(g) for g, c in zip(zones["geometry"], zones["controller"]) if c in ctl]
    if not geoms:
        return {"not_testable": f"the control ledger has no {reg.side_label(spec['side'])} zone "
                                f"on {when.date()}: nothing to locate"}
    held = unary_union(geoms)
    rid = spec["region"]
    region = ctx.region(rid)
    home = to_laea(ctx.geo.syria())
    total, inside = area_km2(held), area_km2(held.intersection(region))
    share = inside / total if total > 0 else float("nan")
    out = {"when": when, "area_total": total, "area_share": share, "side": spec["side"],
           "region": rid}
    ok = share >= float(spec.get("area_threshold", 0.95))
    slug = reg.region_slug(rid)
    comps = {f"{spec['side']}_area_km2": total, f"{spec['side']}_area_{slug}_km2": inside,
             f"area_share_{slug}": share, "ledger_date": when,
             "n_contested_zones": int((zones["controller"] == CONTESTED).sum())}
    facing = spec.get("facing")
    if facing:
        other = _side_union(ctx, zones, facing["side"], v.contested)
        inner = held.boundary.difference(home.boundary.buffer(1000.0))
        near_m = 1000.0 * float(facing.get("within_km", 5))
        length = inner.length
        perim = inner.intersection(other.buffer(near_m)).length / length if length else 0.0
        comps[f"perimeter_share_{facing['side']}"] = perim
        out.update(perim_share=perim, near_km=near_m / 1000, facing=facing["side"])
        ok = ok and perim >= float(facing.get("threshold", 0.5))
    out.update(ok=bool(ok), components=comps)
    return out


def held_area_quarterly(ctx: Context, spec: dict, s: pd.Timestamp, e: pd.Timestamp,
                        inside: pd.DataFrame) -> tuple[float, str, pd.DataFrame]:
    """The mean share of the side's held area in the named admin-1 units (ledger snapshots on
    the first day of each quarter of ``[s, e)``), and the by-unit table with the events."""
    reg, a = ctx.registry, ctx.a.lower()
    named = [str(p) for p in spec["admin1"]]
    govs = pd.DataFrame(ctx.geo.governorates())
    rows, note = [], ""
    try:
        for d in pd.date_range(s, e - pd.Timedelta(days=1), freq="QS"):
            zones = pd.DataFrame(ctx.geo.control_at(d))
            held = _side_union(ctx, zones, spec["side"], None)
            for pcode, geom in zip(govs["pcode"], govs["geometry"]):
                rows.append({"snapshot": d, "pcode": str(pcode),
                             "held_km2": area_km2(held.intersection(to_laea(geom)))})
    except GeoUnavailable as exc:
        note, rows = f"held-ground part not available ({exc}); verdict from events alone", []
    by = govs[["pcode", "name"]].copy()
    by["pcode"] = by["pcode"].astype(str)
    cnt = inside.groupby("pcode").agg(**{f"{a}_events": ("event_id", "size"),
                                         f"{a}_deaths": ("deaths_best", "sum")})
    by = by.merge(cnt, left_on="pcode", right_index=True, how="left").fillna(
        {f"{a}_events": 0, f"{a}_deaths": 0})
    share = float("nan")
    if rows:
        ar = pd.DataFrame(rows).groupby("pcode")["held_km2"].mean()
        by = by.merge(ar.rename(f"{spec['side']}_held_km2_mean"), left_on="pcode",
                      right_index=True, how="left")
        total = float(ar.sum())
        share = float(ar[ar.index.isin(named)].sum()) / total if total > 0 else float("nan")
    by[f"{a}_events"] = by[f"{a}_events"].astype(int)
    by = by.sort_values([f"{a}_events", "pcode"], ascending=[False, True], ignore_index=True)
    del reg
    return share, note, by


def combine(ctx: Context, claim: Claim, v: Variant, out: Outcome, spec: dict, held: dict | None,
            sel: pd.DataFrame, sel_all: pd.DataFrame, n_unknown: int, s: pd.Timestamp,
            e: pd.Timestamp, outside: int) -> Outcome:
    """The event part's outcome ``out`` combined with the held-ground part (rule ``both``)."""
    a = ctx.a
    texts = claim.test.get("combine") or {}
    if held is None:  # quarterly snapshots over the event period
        share, note, by = held_area_quarterly(ctx, spec, s, e, sel)
        out.tables["by_governorate"] = by
        out.components["area_share_named"] = share
        out.components["events_outside_governorates"] = outside
        if out.verdict == NOT_TESTABLE:
            return out
        named = [str(p) for p in spec["admin1"]]
        ev_verdict = out.verdict
        out.reason = (f"{out.estimate:.1%} of {a} events in {s.year}-"
                      f"{(e - pd.Timedelta(days=1)).year} lie in {' and '.join(named)} (event "
                      f"test: {ev_verdict})")
        if np.isfinite(share):
            t = float(spec.get("area_threshold", 0.5))
            if _disagree(ev_verdict, share >= t):
                out.verdict = MIXED
            out.reason += (f"; {share:.1%} of the {ctx.registry.side_label(spec['side'])} area "
                           "(quarterly ledger snapshots, mean) lies there (area test "
                           f"{'met' if share >= t else 'not met'})")
        elif note:
            out.reason += f"; {note}"
        return out
    out.components.update(held["components"])
    around = "around" in claim.test["period"]
    unknown_text = (f"{n_unknown} {a} events in the {'window' if around else 'period'} lie "
                    "outside every zone of the control ledger (controller 'unknown') and are "
                    "left out of the event share" if n_unknown else "")
    if out.verdict == NOT_TESTABLE:
        out.reason = "; ".join(x for x in (out.reason, unknown_text) if x)
        return out
    by_events = out.verdict
    if _disagree(by_events, held["ok"]):
        out.verdict = MIXED
    out.components.update({"ledger_test_met": held["ok"], "event_test_verdict": by_events})
    out.reason = reason_at(ctx, claim, held, out.estimate, by_events, out.verdict, texts)
    if unknown_text:
        out.reason += f" The event share is over {a} events with a known controller: " \
                      f"{unknown_text}."
        if len(sel_all) and n_unknown > 0.05 * len(sel_all):
            out.reason += (f" Sensitivity note: that is {n_unknown / len(sel_all):.1%} of the "
                           f"{a} events in the {'window' if around else 'period'}.")
    return out


def _disagree(by_events: str, held_ok: bool) -> bool:
    """Rule ``both``: the parts disagree unless both support or both contradict the claim."""
    return not ((by_events == SUPPORTED and held_ok) or (by_events == CONTRADICTED and not held_ok))


def reason_at(ctx: Context, claim: Claim, held: dict, event_share: float, by_events: str,
              verdict: str, texts: dict) -> str:
    """The reason of a two-part claim on one date: which part supports the claim."""
    reg, a = ctx.registry, ctx.a
    zone = claim.test.get("in_zone") or {}
    ledger = (
        f"Where {a} held ground (control ledger, {held['when'].date()}): "
        f"{held['area_share']:.1%} of the {reg.side_label(held['side'])} area "
        f"({held['area_total']:,.0f} km2) lies {reg.region_label(held['region'])}")
    if "perim_share" in held:
        ledger += (f" and {held['perim_share']:.0%} of its boundary inside {reg.home} lies within "
                   f"{held['near_km']:g} km of {reg.side_label(held['facing'])} ground")
    ledger += f"; this part {'supports' if held['ok'] else 'does not support'} the claim."
    window = int(claim.test["period"].get("window_days", 45))
    note = " ".join(str(texts.get("event_part_note", "")).split())
    events = (f"Where {a} was active ({a} events within {window} days of that date): "
              f"{event_share:.1%} lie {zone.get('label', 'in the zone')} (event part: "
              f"{by_events})" + (f"; {note}" if note else "."))
    if verdict == MIXED:
        key = "mixed_area_met" if held["ok"] else "mixed_area_not_met"
        close = " ".join(str(texts.get(key, (
            "The registered rule needs both parts, so the verdict is 'mixed'."))).split())
    else:
        close = f"Both parts of the registered rule agree: {verdict}."
    return f"{ledger} {events} {close}"
