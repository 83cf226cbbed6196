"""geoclaims.stats on its own: every decision rule with a bound exactly at the threshold, the
day-cluster bootstrap against a plain per-replicate loop written here, percentiles with infinite
values, the "not testable" share of undefined replicates at its limit, and the overall verdict.

This file imports nothing of the project but ``geoclaims.stats``; it is the test set that
``make mutation`` runs against every mutant of ``stats.py`` (keep it fast: well under a second).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from geoclaims import stats

INF, NAN = float("inf"), float("nan")
S, C, M, NT = stats.SUPPORTED, stats.CONTRADICTED, stats.MIXED, stats.NOT_TESTABLE
T = 0.95  # a threshold that is not 1: a mutated constant cannot hide behind it


def _rule(kind, threshold=T, **extra):
    return {"type": kind, "threshold": threshold, **extra}


# ----------------------------------------------------------------- decide: bounds at the threshold


@pytest.mark.parametrize(
    "rule, lo, hi, want",
    [
        # share_at_least: supported iff ci_low >= t, contradicted iff ci_high < t
        (_rule("share_at_least"), T, 1.0, S),  # lower bound exactly at t: supported (>=)
        (_rule("share_at_least"), 0.9, T, M),  # upper bound exactly at t: not below, mixed
        (_rule("share_at_least"), T, T, S),  # a point interval at t
        (_rule("share_at_least"), 0.9, math.nextafter(T, 0), C),  # just below t: contradicted
        (_rule("share_at_least"), math.nextafter(T, 0), 1.0, M),  # low just below: mixed
        # ratio_above: supported iff ci_low > t; contradicted iff ci_high < t (<= if inclusive)
        (_rule("ratio_above"), T, 2.0, M),  # lower bound at t is not above it
        (_rule("ratio_above"), math.nextafter(T, 2), 2.0, S),
        (_rule("ratio_above"), 0.5, T, M),  # upper bound at t, exclusive rule: mixed
        (_rule("ratio_above", inclusive=True), 0.5, T, C),  # ... inclusive rule: contradicted
        (_rule("ratio_above", inclusive=False), 0.5, T, M),
        (_rule("ratio_above", inclusive=True), T, T, C),  # point at t, inclusive: not above
        (_rule("ratio_above", inclusive=True), T, 2.0, M),
        (_rule("ratio_above", inclusive=True), 0.5, math.nextafter(T, 2), M),
        (_rule("ratio_above"), 0.5, math.nextafter(T, 0), C),
        (_rule("ratio_above", inclusive=True), 0.5, 0.9, C),  # well below, inclusive rule
        (_rule("ratio_above"), T, T, M),  # point at t, exclusive rule: neither
        # rate_at_most: supported iff ci_high <= t, contradicted iff ci_low > t
        (_rule("rate_at_most"), 0.0, T, S),  # upper bound at t: supported (<=)
        (_rule("rate_at_most"), T, 2.0, M),  # lower bound at t is not above it
        (_rule("rate_at_most"), T, T, S),
        (_rule("rate_at_most"), math.nextafter(T, 2), 2.0, C),
        (_rule("rate_at_most"), 0.0, math.nextafter(T, 2), M),
    ],
)
def test_decide_bound_exactly_at_the_threshold(rule, lo, hi, want):
    est = (lo + hi) / 2
    assert stats.decide(rule, est, lo, hi) == want


@pytest.mark.parametrize("kind", stats.RULE_TYPES)
def test_decide_every_rule_type_on_both_sides(kind):
    """Far above and far below the threshold every rule reaches a clear verdict; one that
    straddles it is mixed. Direction: 'at least' and 'above' want high values, 'at most' low."""
    high, low = (2.0, 2.0, 3.0), (0.1, 0.0, 0.2)
    want_high, want_low = (C, S) if kind == "rate_at_most" else (S, C)
    assert stats.decide(_rule(kind, 1.0), *high) == want_high
    assert stats.decide(_rule(kind, 1.0), *low) == want_low
    assert stats.decide(_rule(kind, 1.0), 1.0, 0.5, 1.5) == M


def test_decide_threshold_is_read_from_the_rule_as_a_number():
    assert stats.decide({"type": "share_at_least", "threshold": "0.5"}, 0.6, 0.5, 0.7) == S
    assert stats.decide({"type": "rate_at_most", "threshold": 0}, 0.0, 0.0, 0.0) == S


@pytest.mark.parametrize("kind", stats.RULE_TYPES)
@pytest.mark.parametrize(
    "est, lo, hi",
    [(NAN, 0.5, 1.5), (INF, 0.5, 1.5), (-INF, 0.5, 1.5), (1.0, NAN, 1.5), (1.0, 0.5, NAN)],
)
def test_decide_undefined_or_infinite_estimate_or_undefined_bound_is_not_testable(kind, est, lo,
                                                                                   hi):
    assert stats.decide(_rule(kind, 1.0), est, lo, hi) == NT


def test_decide_infinite_bounds_are_bounds():
    assert stats.decide(_rule("ratio_above", 1.0), 5.0, 2.0, INF) == S
    assert stats.decide(_rule("ratio_above", 1.0), 5.0, 0.5, INF) == M
    assert stats.decide(_rule("rate_at_most", 1.0), 5.0, 2.0, INF) == C
    assert stats.decide(_rule("share_at_least", 0.5), 0.1, -INF, 0.2) == C


@pytest.mark.parametrize("kind", ["roughly", "", "at_most", "rate_at_least", "zzz"])
def test_decide_unknown_rule_type_names_the_known_ones(kind):
    """Unknown types sorting before and after the known ones are all refused (a rule type is
    matched exactly, never by prefix or order)."""
    with pytest.raises(ValueError, match=rf"unknown decision rule type '{kind}'.*share_at_least"):
        stats.decide({"type": kind, "threshold": 1}, 1.0, 0.5, 1.5)


# ----------------------------------------------------------------- decide_boot


def _boot(n_boot, n_valid, est=2.0, lo=1.5, hi=2.5):
    return stats.BootResult(est, lo, hi, {}, n_boot, n_valid)


def test_decide_boot_undefined_share_exactly_at_the_limit():
    rule = _rule("ratio_above", 1.0)
    # 1 % of 1000 replicates undefined: still decided; one more: not testable, with the count
    assert stats.decide_boot(rule, _boot(1000, 990)) == (S, "")
    verdict, why = stats.decide_boot(rule, _boot(1000, 989))
    assert verdict == NT
    assert why.startswith("11 of 1000 bootstrap replicates (1.1%) are undefined"), why
    assert "more than 1% undefined" in why
    assert stats.MAX_NAN_SHARE == 0.01


def test_decide_boot_passes_the_interval_to_decide():
    assert stats.decide_boot(_rule("ratio_above", 1.0), _boot(100, 100, 0.5, 0.2, 0.8)) == (C, "")
    assert stats.decide_boot(_rule("ratio_above", 1.0), _boot(100, 100, 1.0, 0.5, 1.5)) == (M, "")
    # no replicates at all (n_boot 0): nothing undefined to count, the interval decides
    assert stats.decide_boot(_rule("ratio_above", 1.0), _boot(0, 0)) == (S, "")


def test_boot_result_counts_undefined_replicates():
    assert _boot(2000, 1990).n_nan == 10
    assert _boot(5, 5).n_nan == 0


# ----------------------------------------------------------------- combine


def test_combine():
    assert stats.combine(S, {}) == (S, [])
    assert stats.combine(S, {"a": S, "b": NT, "c": stats.NOT_APPLICABLE}) == (S, [])
    assert stats.combine(S, {"z": C, "a": M, "m": S}) == (M, ["a", "z"])
    assert stats.combine(C, {"a": C}) == (C, [])
    assert stats.combine(M, {"a": S}) == (M, ["a"])
    assert stats.combine(NT, {"a": S, "b": C}) == (NT, [])


# ----------------------------------------------------------------- percentiles


@pytest.mark.parametrize(
    "values, qs, want",
    [
        ([1.0, 2.0, 3.0, 4.0], [0, 100], [1.0, 4.0]),
        ([4.0, 1.0, 3.0, 2.0], [50], [2.5]),  # sorted first
        ([1.0, 2.0, 3.0, 4.0], [25], [1.75]),
        ([1.0, 2.0, 3.0, 4.0], [2.5, 97.5], [1.075, 3.925]),
        ([5.0], [0, 2.5, 50, 97.5, 100], [5.0] * 5),
        ([1.0, 2.0, INF], [50, 75, 100], [2.0, INF, INF]),  # between 2 and inf: inf
        ([-INF, 1.0, 2.0], [0, 25, 50], [-INF, -INF, 1.0]),  # between -inf and 1: -inf
        ([INF, INF], [50], [INF]),  # equal infinite neighbours: inf, not inf - inf
        ([-INF, INF], [50], [-INF]),  # from -inf to inf: the infinite lower one
        ([1.0, 1.0, 3.0], [25], [1.0]),
    ],
)
def test_percentiles_match_numpy_and_handle_infinity(values, qs, want):
    got = stats.percentiles(np.array(values), qs)
    assert got == pytest.approx(want, rel=1e-12)
    finite = np.isfinite(values).all()
    if finite:
        assert got == pytest.approx(list(np.percentile(values, qs)), rel=1e-12)


def test_percentiles_of_nothing_and_of_nan():
    got = stats.percentiles(np.array([]), [2.5, 97.5])
    assert len(got) == 2 and all(math.isnan(v) for v in got)
    with pytest.raises(ValueError, match="hold NaN"):
        stats.percentiles(np.array([1.0, NAN, 2.0]), [50])


# ----------------------------------------------------------------- strata, day matrix, seeds


def test_stratum_days_counts_start_inclusive_end_exclusive():
    day = pd.Timestamp
    assert stats.Stratum("a", day("2019-01-01"), day("2019-01-11")).days == 10
    assert stats.Stratum("a", day("2019-01-01"), day("2019-01-02")).days == 1
    assert stats.Stratum("a", day("2019-01-01"), day("2019-01-01")).days == 0
    assert stats.Stratum("a", day("2019-01-05"), day("2019-01-01")).days == 0


def _frame(rows):
    df = pd.DataFrame(rows, columns=["day", "group", "w"])
    df["day"] = pd.to_datetime(df["day"])
    return df


def test_day_matrix_counts_the_first_day_and_not_the_end_day():
    st = stats.Stratum("p", pd.Timestamp("2019-01-01"), pd.Timestamp("2019-01-04"))  # 3 days
    frame = _frame([
        ("2018-12-31", "a", 100.0),  # the day before: out
        ("2019-01-01", "a", 1.0),  # first day: in
        ("2019-01-01", "a", 2.0),
        ("2019-01-03", "b", 5.0),  # last day: in
        ("2019-01-03", "c", 7.0),  # a group not asked for: out
        ("2019-01-04", "a", 100.0),  # the exclusive end: out
    ])
    mat = stats.day_matrix(frame, ["a", "b"], st)
    assert mat.tolist() == [[3.0, 0.0], [0.0, 0.0], [0.0, 5.0]]
    # another weight column, and the groups in another order
    frame["deaths"] = [9.0, 10.0, 20.0, 30.0, 40.0, 9.0]
    assert stats.day_matrix(frame, ["b", "a"], st, weight="deaths").tolist() == [
        [0.0, 30.0], [0.0, 0.0], [30.0, 0.0]]


def test_day_matrix_empty_cases():
    st = stats.Stratum("p", pd.Timestamp("2019-01-01"), pd.Timestamp("2019-01-03"))
    empty = _frame([])
    assert stats.day_matrix(empty, ["a"], st).tolist() == [[0.0], [0.0]]
    outside = _frame([("2019-02-01", "a", 1.0)])
    assert stats.day_matrix(outside, ["a"], st).tolist() == [[0.0], [0.0]]
    one = stats.Stratum("p", pd.Timestamp("2019-01-03"), pd.Timestamp("2019-01-04"))
    assert stats.day_matrix(_frame([("2019-01-03", "a", 2.0)]), ["a"], one).tolist() == [[2.0]]
    none = stats.Stratum("p", pd.Timestamp("2019-01-03"), pd.Timestamp("2019-01-03"))
    assert stats.day_matrix(_frame([("2019-01-03", "a", 1.0)]), ["a"], none).shape == (0, 1)


def test_seed_for_is_stable_and_depends_on_every_key():
    # golden values: a changed formula would silently change every published interval
    assert stats.seed_for(0, "C1", "main") == 2246540068
    assert stats.seed_for(20190204, "C1", "main") == 1869852184
    assert stats.seed_for(20190204, "C4", "main") != stats.seed_for(20190204, "C1", "main")
    assert stats.seed_for(1, "x") != stats.seed_for(2, "x")
    assert 0 <= stats.seed_for(2**40, "x") < 2**32


# ----------------------------------------------------------------- bootstrap vs a plain loop


def _reference_bootstrap(frame, strata, estimator, seed, n_boot, weight="w"):
    """The day-cluster bootstrap written out with loops: for each stratum, the sum of every
    group on every calendar day; each replicate draws that many days with replacement (the same
    generator and draw order as the package) and adds their sums."""
    rng = np.random.default_rng(seed)
    point: dict[str, float] = {}
    reps: dict[str, np.ndarray] = {}
    for st, groups in strata:
        days = list(pd.date_range(st.start, st.end, inclusive="left"))
        sums = {g: [float(frame.loc[(frame["day"] == d) & (frame["group"] == g), weight].sum())
                    for d in days] for g in groups}
        draws = rng.integers(0, len(days), size=(n_boot, len(days))) if days else None
        for g in groups:
            point[g] = point.get(g, 0.0) + sum(sums[g])
            rep = np.zeros(n_boot)
            if draws is not None:
                for r in range(n_boot):
                    rep[r] = sum(sums[g][k] for k in draws[r])
            reps[g] = reps.get(g, np.zeros(n_boot)) + rep
    with np.errstate(divide="ignore", invalid="ignore"):
        est = float(estimator({g: np.array([v]) for g, v in point.items()})[0])
        rep_est = np.asarray(estimator(reps), dtype=float)
    return est, rep_est, point


def _two_strata():
    before = stats.Stratum("before", pd.Timestamp("2019-01-01"), pd.Timestamp("2019-01-08"))
    after = stats.Stratum("after", pd.Timestamp("2019-01-08"), pd.Timestamp("2019-01-20"))
    frame = _frame(
        [("2019-01-01", "b", 2.0), ("2019-01-03", "b", 1.0), ("2019-01-07", "b", 4.0),
         ("2019-01-08", "a", 3.0), ("2019-01-08", "a", 1.0), ("2019-01-12", "a", 2.0),
         ("2019-01-19", "a", 5.0), ("2019-01-20", "a", 50.0), ("2018-12-31", "b", 50.0),
         ("2019-01-10", "b", 9.0)])  # a "b" event in the after stratum is not a "b" of before
    return frame, [(after, ["a"]), (before, ["b"])]


def test_bootstrap_equals_a_plain_loop_over_replicates():
    frame, strata = _two_strata()

    def ratio(g):
        return (g["a"] / 12) / (g["b"] / 7)

    b = stats.bootstrap(frame, strata, ratio, seed=42, n_boot=300)
    est, reps, point = _reference_bootstrap(frame, strata, ratio, 42, 300)
    assert b.sums == {"a": 11.0, "b": 7.0} == point
    assert b.estimate == pytest.approx(est) == pytest.approx((11 / 12) / (7 / 7))
    ok = ~np.isnan(reps)
    assert (b.n_boot, b.n_valid) == (300, int(ok.sum()))
    want = stats.percentiles(reps[ok], [2.5, 97.5])
    assert (b.ci_low, b.ci_high) == pytest.approx(want, rel=1e-12)
    if np.isfinite(reps[ok]).all():
        assert (b.ci_low, b.ci_high) == pytest.approx(
            tuple(np.percentile(reps[ok], [2.5, 97.5])), rel=1e-12)
    assert b.ci_low < b.estimate < b.ci_high


def test_bootstrap_adds_one_group_over_several_strata_and_uses_the_weight():
    s1 = stats.Stratum("s1", pd.Timestamp("2019-01-01"), pd.Timestamp("2019-01-04"))
    s2 = stats.Stratum("s2", pd.Timestamp("2019-02-01"), pd.Timestamp("2019-02-03"))
    frame = _frame([("2019-01-01", "g", 1.0), ("2019-01-03", "g", 1.0), ("2019-02-02", "g", 1.0)])
    frame["deaths"] = [10.0, 20.0, 5.0]
    strata = [(s1, ["g"]), (s2, ["g"])]
    b = stats.bootstrap(frame, strata, lambda g: g["g"], seed=1, n_boot=200, weight="deaths")
    est, reps, _ = _reference_bootstrap(frame, strata, lambda g: g["g"], 1, 200, weight="deaths")
    assert b.estimate == est == 35.0 and b.sums == {"g": 35.0}
    assert (b.ci_low, b.ci_high) == pytest.approx(tuple(np.percentile(reps, [2.5, 97.5])))
    assert b.n_valid == 200


def test_bootstrap_same_seed_same_result_other_seed_other_interval():
    frame, strata = _two_strata()

    def f(g):
        return g["a"] - g["b"]

    a1 = stats.bootstrap(frame, strata, f, seed=5, n_boot=400)
    assert a1 == stats.bootstrap(frame, strata, f, seed=5, n_boot=400)
    a2 = stats.bootstrap(frame, strata, f, seed=6, n_boot=400)
    assert (a1.ci_low, a1.ci_high) != (a2.ci_low, a2.ci_high)
    assert a1.n_boot == 400 and stats.bootstrap(frame, strata, f, seed=5).n_boot == 2000


def test_bootstrap_empty_stratum_and_undefined_estimates():
    empty = stats.Stratum("e", pd.Timestamp("2019-01-05"), pd.Timestamp("2019-01-05"))
    full = stats.Stratum("f", pd.Timestamp("2019-01-01"), pd.Timestamp("2019-01-03"))
    frame = _frame([("2019-01-01", "x", 2.0), ("2019-01-02", "x", 2.0)])
    # a stratum of no days: its group sums are 0 in the point and every replicate
    b = stats.bootstrap(frame, [(full, ["x"]), (empty, ["y"])], lambda g: g["x"] + g["y"],
                        seed=0, n_boot=50)
    assert b.sums == {"x": 4.0, "y": 0.0}
    assert (b.estimate, b.ci_low, b.ci_high, b.n_valid) == (4.0, 4.0, 4.0, 50)
    # 0 / 0 everywhere: estimate, interval undefined; no valid replicate
    z = stats.bootstrap(frame, [(full, ["x"]), (empty, ["y"])], lambda g: g["y"] / g["y"],
                        seed=0, n_boot=50)
    assert math.isnan(z.estimate) and math.isnan(z.ci_low) and math.isnan(z.ci_high)
    assert z.n_valid == 0 and z.n_nan == 50
    # x / 0: the point estimate is infinite (reported as undefined), replicates all inf
    inf = stats.bootstrap(frame, [(full, ["x"]), (empty, ["y"])], lambda g: g["x"] / g["y"],
                          seed=0, n_boot=50)
    assert math.isnan(inf.estimate) and math.isnan(inf.ci_low) and inf.n_valid == 50
    assert stats.decide_boot(_rule("ratio_above", 1.0), inf)[0] == NT


def test_bootstrap_keeps_infinite_replicates_in_the_interval():
    s_a = stats.Stratum("a", pd.Timestamp("2019-01-01"), pd.Timestamp("2019-01-11"))
    s_b = stats.Stratum("b", pd.Timestamp("2018-12-22"), pd.Timestamp("2019-01-01"))
    frame = _frame([(d, "a", 1.0) for d in pd.date_range("2019-01-01", periods=10)] * 3
                   + [("2018-12-25", "b", 1.0), ("2018-12-26", "b", 1.0)])
    strata = [(s_a, ["a"]), (s_b, ["b"])]
    b = stats.bootstrap(frame, strata, lambda g: g["a"] / g["b"], seed=3, n_boot=500)
    _, reps, _ = _reference_bootstrap(frame, strata, lambda g: g["a"] / g["b"], 3, 500)
    assert np.isinf(reps).sum() > 25  # more than 2.5 % of replicates drew no "b" day
    assert b.ci_high == INF and b.n_valid == 500 and b.estimate == 15.0
    assert b.ci_low == pytest.approx(stats.percentiles(reps, [2.5])[0])


def test_results_and_strata_are_immutable():
    """Stratum and BootResult are frozen: a verdict's inputs cannot be changed after the fact
    (and a Stratum can key a dict)."""
    import dataclasses

    st = stats.Stratum("a", pd.Timestamp("2019-01-01"), pd.Timestamp("2019-01-02"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        st.name = "b"  # type: ignore[misc]
    assert {st: 1}[stats.Stratum("a", pd.Timestamp("2019-01-01"), pd.Timestamp("2019-01-02"))]
    with pytest.raises(dataclasses.FrozenInstanceError):
        _boot(10, 10).estimate = 0.0  # type: ignore[misc]


def test_bootstrap_of_a_one_day_stratum_redraws_that_day():
    one = stats.Stratum("d", pd.Timestamp("2019-01-01"), pd.Timestamp("2019-01-02"))
    frame = _frame([("2019-01-01", "g", 3.0)])
    b = stats.bootstrap(frame, [(one, ["g"])], lambda g: g["g"], seed=4, n_boot=20)
    assert (b.estimate, b.ci_low, b.ci_high, b.n_valid) == (3.0, 3.0, 3.0, 20)


def test_bootstrap_with_a_single_replicate_has_an_interval():
    frame, strata = _two_strata()
    b = stats.bootstrap(frame, strata, lambda g: g["a"] + g["b"], seed=9, n_boot=1)
    _, reps, _ = _reference_bootstrap(frame, strata, lambda g: g["a"] + g["b"], 9, 1)
    assert b.n_valid == 1 and b.ci_low == b.ci_high == reps[0]


def test_options_are_keyword_only_and_inputs_may_be_named():
    """``weight``, ``seed`` and ``n_boot`` can only be given by name (a seed passed where the
    number of replicates was meant is an error, not another interval); the data arguments may
    be given by name."""
    frame, strata = _two_strata()
    st = strata[0][0]
    with pytest.raises(TypeError):
        stats.day_matrix(frame, ["a"], st, "w")
    assert stats.day_matrix(frame=frame, groups=["a"], stratum=st).sum() == 11.0
    with pytest.raises(TypeError):
        stats.bootstrap(frame, strata, lambda g: g["a"], 1, 100)
    b = stats.bootstrap(frame=frame, strata=strata, estimator=lambda g: g["a"], seed=1,
                        n_boot=10)
    assert b.estimate == 11.0 and b.n_boot == 10
