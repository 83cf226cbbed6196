"""Periods, windows and rules of the claim tests, function by function, at their edges.

The end-to-end checks (events on the first and last day of every window, through
``evaluate_all``) are in tests/test_claim_windows.py; here each piece is called directly with
dates chosen at the boundary: a window of day offsets, the test of a day against
``[start, end)``, a test's period (from the publication date, around it, explicit dates), the
cut at the control ledger's end, the minimum number of events, which runs use control, which
variants a claim gets, and the validation of each claim's test in ``claims.yaml``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
import yaml

from geoclaims import claims, stats
from geoclaims.claims import kinds, selection, variants
from geoclaims.claims.variants import MAIN, Variant

PUB = pd.Timestamp("2019-02-04")
LATEST = pd.Timestamp("2019-03-22")
LEDGER_END = pd.Timestamp("2019-11-30")  # the control ledger's last day
DAY = pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def registry() -> claims.Registry:
    return claims.load_registry(check_article=False)


def _ctx(registry, start="2016-01-01", end_exclusive="2019-12-01") -> kinds.Context:
    return kinds.Context(registry, None, pd.Timestamp(start), pd.Timestamp(end_exclusive),
                         ("synthetic",))


def _with_test(claim, **changes):
    return dataclasses.replace(claim, test={**claim.test, **changes})


# ---------------------------------------------------------------- windows


def test_window_of_day_offsets():
    assert selection.window(PUB, [-182, 0]) == (PUB - 182 * DAY, PUB)
    assert selection.window(PUB, [182, 365]) == (PUB + 182 * DAY, PUB + 365 * DAY)
    assert selection.window(PUB, ["-3", "7"]) == (PUB - 3 * DAY, PUB + 7 * DAY)


def test_in_window_takes_the_first_day_and_leaves_out_the_end():
    s, e = pd.Timestamp("2019-01-10"), pd.Timestamp("2019-01-20")
    days = pd.Series(pd.to_datetime(["2019-01-09", "2019-01-10", "2019-01-19", "2019-01-20",
                                     "2019-01-21"]))
    assert list(selection.in_window(days, s, e)) == [False, True, True, False, False]
    assert not selection.in_window(days, s, s).any()  # an empty window


def _pool(*days):
    return pd.DataFrame({"day": pd.to_datetime(list(days))})


def test_cap_at_ledger_leaves_a_run_without_control_alone():
    e = LEDGER_END + 30 * DAY
    assert selection.cap_at_ledger(False, _pool("2019-12-05"), PUB, e) == (e, {})


def test_cap_at_ledger_leaves_a_period_ending_on_the_ledgers_last_day_alone():
    """A period whose end (exclusive) is the day after the ledger's last day is not cut."""
    end = LEDGER_END + DAY
    assert selection.CONTROL_END == end
    assert selection.cap_at_ledger(True, _pool("2019-11-30"), PUB, end) == (end, {})
    assert selection.cap_at_ledger(True, _pool("2019-11-30"), PUB, end - DAY) == (end - DAY, {})


def test_cap_at_ledger_cuts_at_the_ledgers_end_and_counts_what_it_left_out():
    e = LEDGER_END + 11 * DAY  # the period's last day is 2019-12-10
    pool = _pool("2019-11-30", "2019-12-01", "2019-12-01", "2019-12-10", "2019-12-11")
    end, cut = selection.cap_at_ledger(True, pool, PUB, e)
    assert end == LEDGER_END + DAY
    assert cut == {"control_cut_from": LEDGER_END + DAY, "control_cut_events": 3,
                   "control_cut_days": 10}


def test_cap_at_ledger_of_a_period_starting_after_the_ledger():
    s, e = pd.Timestamp("2019-12-05"), pd.Timestamp("2019-12-20")
    pool = _pool("2019-12-04", "2019-12-05", "2019-12-19", "2019-12-20")
    end, cut = selection.cap_at_ledger(True, pool, s, e)
    assert end == s  # an empty period
    assert cut == {"control_cut_from": s, "control_cut_events": 2, "control_cut_days": 15}


# ---------------------------------------------------------------- periods


def test_period_from_publication_to_the_data_end(registry):
    c1 = registry.claim("C1")
    assert kinds.period(_ctx(registry), c1, MAIN) == (PUB, pd.Timestamp("2019-12-01"))
    latest = Variant("pub_latest", "x", pub="latest")
    assert kinds.period(_ctx(registry), c1, latest) == (LATEST, pd.Timestamp("2019-12-01"))
    assert kinds.period(_ctx(registry, end_exclusive="2019-06-01"), c1, MAIN) == (
        PUB, pd.Timestamp("2019-06-01"))


def test_explicit_period_end_is_inclusive_and_cut_at_the_data_end(registry):
    c6 = registry.claim("C6")  # 2016-01-01..2017-12-31
    assert kinds.period(_ctx(registry), c6, MAIN) == (pd.Timestamp("2016-01-01"),
                                                      pd.Timestamp("2018-01-01"))
    assert kinds.period(_ctx(registry, end_exclusive="2017-12-31"), c6, MAIN)[1] == (
        pd.Timestamp("2017-12-31"))
    assert kinds.period(_ctx(registry, end_exclusive="2018-01-02"), c6, MAIN)[1] == (
        pd.Timestamp("2018-01-01"))


def test_period_around_publication(registry):
    """``around`` with ``window_days: 45``: 45 days before to 45 days after, both in."""
    c3 = registry.claim("C3")
    assert c3.test["period"]["window_days"] == 45
    assert kinds.period(_ctx(registry), c3, MAIN) == (PUB - 45 * DAY, PUB + 46 * DAY)
    narrow = _with_test(c3, period={"around": "publication", "window_days": 3})
    assert kinds.period(_ctx(registry), narrow, MAIN) == (PUB - 3 * DAY, PUB + 4 * DAY)
    default = _with_test(c3, period={"around": "publication"})  # the default is 45 days
    assert kinds.period(_ctx(registry), default, MAIN) == (PUB - 45 * DAY, PUB + 46 * DAY)
    # cut at the data's end (exclusive), here the day after publication
    short = _ctx(registry, end_exclusive="2019-02-05")
    assert kinds.period(short, c3, MAIN) == (PUB - 45 * DAY, PUB + DAY)


# ---------------------------------------------------------------- minimum number of events


def test_too_few_at_the_minimum(registry):
    ctx = _ctx(registry)
    assert ctx.min_events == 10
    assert kinds.too_few(10, ctx, "IS events") is None
    few = kinds.too_few(9, ctx, "IS events")
    assert few.verdict == stats.NOT_TESTABLE
    assert few.n_events == 9
    assert few.components == {"below_min_events": True}
    assert few.reason == "only 9 IS events; the registry asks for at least 10"
    assert kinds.too_few(0, ctx, "events").reason.startswith("only 0 events")


# ---------------------------------------------------------------- which runs use control


@pytest.mark.parametrize("cid, main, boundary", [
    ("C1", True, True),  # sides and a known controller
    ("C2", True, True),  # sides
    ("C3", True, True),
    ("C4", False, True),  # no sides: only a boundary variant needs the controller
    ("C5", False, True),
    ("C6", False, True),
    ("C7", False, True),
])
def test_uses_control(registry, cid, main, boundary):
    c = registry.claim(cid)
    assert kinds.uses_control(c) is main
    assert kinds.uses_control(c, MAIN) is main
    assert kinds.uses_control(c, Variant("b", "x", min_dist_km=0.0)) is boundary


def test_uses_control_for_each_reason_alone(registry):
    c4 = registry.claim("C4")
    assert kinds.uses_control(_with_test(c4, select={"control": "known"}))
    assert not kinds.uses_control(_with_test(c4, select={"control": "any"}))
    assert kinds.uses_control(_with_test(c4, in_zone={"sides": ["us_held"]}))
    assert not kinds.uses_control(_with_test(c4, in_zone={"sides": []}))
    assert kinds.uses_control(_with_test(c4, kind="held_area"))


@pytest.mark.parametrize("period, want", [
    ({"start": "publication", "end": "data_end"}, True),
    ({"end": "data_end"}, True),  # start defaults to publication
    ({"start": "2016-01-01", "end": "2017-12-31"}, False),
    ({"around": "publication", "window_days": 45}, True),
    ({"after": [0, 182], "before": [-182, 0], "anchor": "publication"}, True),
    ({"after": [0, 182], "before": [-182, 0], "anchor": "2018-01-01", "start": "2016-01-01"},
     False),
    ({"anchor": "publication", "start": "2016-01-01"}, True),  # each reason alone
    ({"around": "publication", "start": "2016-01-01"}, True),
    ({"at": "publication", "start": "2016-01-01"}, True),
    ({"at": "2018-01-01", "start": "2016-01-01"}, False),
])
def test_anchored_on_publication(registry, period, want):
    c = _with_test(registry.claim("C1"), period=period)
    assert kinds.anchored_on_publication(c) is want


def test_variants_follow_control_and_the_publication_anchor(registry):
    names = {c.id: [v.name for v in variants.variants_for(c, registry, ["ucdp-ged-251"])]
             for c in registry.claims}
    for cid in ("C1", "C2", "C3"):
        assert {"contested_in", "contested_out", "pub_latest"} <= set(names[cid]), cid
    for cid in ("C4", "C5", "C7"):
        assert "pub_latest" in names[cid] and "contested_in" not in names[cid], cid
    assert "pub_latest" not in names["C6"] and "contested_in" not in names["C6"]


# ---------------------------------------------------------------- the decision of a run


def test_decide_reports_the_replicates(registry):
    frame = pd.DataFrame({"day": pd.to_datetime(["2019-01-01", "2019-01-02"] * 5),
                          "group": ["zone"] * 9 + ["rest"], "w": 1.0})
    strata = [(stats.Stratum("period", pd.Timestamp("2019-01-01"), pd.Timestamp("2019-01-03")),
               ["zone", "rest"])]
    b = stats.bootstrap(frame, strata, lambda g: g["zone"] / (g["zone"] + g["rest"]), seed=1,
                        n_boot=50, weight="w")
    c1 = registry.claim("C1")  # share_at_least 0.95: an estimate of 0.9
    verdict, counts, why = kinds.decide(c1, b)
    assert (verdict, why) == stats.decide_boot(c1.rule, b)
    assert counts == {"n_boot": 50, "n_valid": b.n_valid}
    assert b.n_valid == 50


# ---------------------------------------------------------------- the rules in claims.yaml


def _edited(tmp_path, edit) -> Path:
    doc = yaml.safe_load((claims.study_dir() / "claims.yaml").read_text(encoding="utf-8"))
    edit(doc)
    p = tmp_path / "claims.yaml"
    p.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return p


def _test(doc, cid):
    return next(c for c in doc["claims"] if c["id"] == cid)["test"]


@pytest.mark.parametrize("edit, message", [
    (lambda d: _test(d, "C1")["rule"].update(threshold="high"),
     r"claim C1: field 'test.rule.threshold' must be a number"),
    (lambda d: _test(d, "C1")["rule"].pop("threshold"),
     r"claim C1: field 'test.rule.threshold' must be a number"),
    (lambda d: _test(d, "C2")["rule"].pop("type"),
     r"claim C2: field 'test.rule.type' is None; known: share_at_least, "),
    (lambda d: _test(d, "C2").update(kind=""), r"claim C2: field 'test.kind' is missing or empty"),
    (lambda d: _test(d, "C2").pop("period"), r"claim C2: field 'test.period' is missing or empty"),
    (lambda d: _test(d, "C2").update(rule_text=""),
     r"claim C2: field 'test.rule_text' is missing or empty"),
    (lambda d: _test(d, "C7").update(kind="vibes"),
     r"claim C7: field 'test.kind' is 'vibes'; known: share, rate, "),
    (lambda d: _test(d, "C3")["parts"][0].update(kind="area"),
     r"claim C3: field 'test.parts\[0\].kind' is 'area'; known: held_area"),
    (lambda d: _test(d, "C3")["parts"][0].update(side="nobody"),
     r"claim C3: side 'nobody' is not in study.yaml 'sides'"),
    (lambda d: _test(d, "C3")["parts"][0]["facing"].update(side="nobody"),
     r"claim C3: side 'nobody' is not in study.yaml 'sides'"),
    (lambda d: _test(d, "C3").pop("combine"),
     r"claim C3: field 'test.combine.rule' must be one of both when the test has parts"),
    (lambda d: _test(d, "C6")["combine"].update(rule="either"),
     r"claim C6: field 'test.combine.rule' must be one of both"),
    (lambda d: _test(d, "C1")["in_zone"].update(sides=["us_held", "nobody"]),
     r"claim C1: side 'nobody' is not in study.yaml 'sides' \(known: "),
    (lambda d: _test(d, "C1")["in_zone"].update(add_sides=["nobody"]),
     r"claim C1: side 'nobody' is not in study.yaml 'sides'"),
    (lambda d: _test(d, "C1")["variants"][0].update(add_sides=["nobody"]),
     r"claim C1: side 'nobody' is not in study.yaml 'sides'"),
    (lambda d: _test(d, "C1")["variants"][1].pop("label"),
     r"claim C1: field 'test.variants\[1\]' needs a name and a label"),
    (lambda d: _test(d, "C1")["variants"][2].update(name=""),
     r"claim C1: field 'test.variants\[2\]' needs a name and a label"),
])
def test_a_broken_test_or_rule_is_refused_naming_claim_and_field(tmp_path, edit, message):
    path = _edited(tmp_path, edit)
    with pytest.raises(claims.ClaimsError, match=message) as info:
        claims.load_registry(path, check_article=False)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("edit", [
    lambda d: _test(d, "C1")["rule"].update(threshold=1),  # an int is a number
    lambda d: _test(d, "C1")["rule"].update(threshold=0.0),  # so is zero
    lambda d: _test(d, "C4").pop("variants", None),
    lambda d: [_test(d, c)["rule"].update(type=t) for c, t in (
        ("C1", "rate_at_most"), ("C2", "ratio_above"), ("C4", "share_at_least"))],
])
def test_valid_rules_load(tmp_path, edit):
    reg = claims.load_registry(_edited(tmp_path, edit), check_article=False)
    assert len(reg.claims) == 7
