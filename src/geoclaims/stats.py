"""Day-cluster bootstrap and the decision rules that turn an interval into a verdict.

Used by :mod:`geoclaims.claims`. Pure functions on numpy/pandas objects, no I/O.

The bootstrap resamples *days*, not events: every calendar day of a period stratum (with or
without events) is drawn with replacement and carries all of that day's events. Events reported
on one day often come from one battle or one report, so treating them as independent draws would
give intervals that are too narrow; days with no events must be drawable too, or rates could
never be resampled downwards. Strata (for example "before" and "after" a date) are resampled
separately, so each keeps its length.

Replicates whose estimate is infinite (a ratio whose denominator drew no events: ``x / 0``) are
the largest values and stay in the percentile interval, which then reaches ``inf``; only
undefined replicates (``0 / 0``, NaN) are left out, and if more than :data:`MAX_NAN_SHARE` of
them are undefined the verdict is "not testable" (:func:`decide_boot`).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

SUPPORTED = "supported"
CONTRADICTED = "contradicted"
MIXED = "mixed"
NOT_TESTABLE = "not testable"
#: Only for sensitivity variants whose metric cannot be compared with the rule's threshold (for
#: example deaths a quarter against a threshold in events a quarter); never a claim's verdict and
#: never counted as a flip.
NOT_APPLICABLE = "not applicable"
VERDICTS = (SUPPORTED, CONTRADICTED, MIXED, NOT_TESTABLE, NOT_APPLICABLE)
#: Largest share of undefined (NaN) bootstrap replicates for which an interval is still reported.
MAX_NAN_SHARE = 0.01
RULE_TYPES = ("share_at_least", "ratio_above", "rate_at_most")


@dataclass(frozen=True)
class Stratum:
    """A period resampled on its own: days ``start`` (inclusive) to ``end`` (exclusive)."""

    name: str
    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def days(self) -> int:
        return max(int((self.end - self.start) / pd.Timedelta(days=1)), 0)


@dataclass(frozen=True)
class BootResult:
    """Point estimate, 95 % percentile interval, the group sums behind the estimate."""

    estimate: float
    ci_low: float
    ci_high: float
    sums: dict[str, float]
    n_boot: int
    n_valid: int  # replicates where the estimate was defined (not NaN; +inf counts as defined)

    @property
    def n_nan(self) -> int:
        """Replicates left out of the interval because the estimate was undefined (0 / 0)."""
        return self.n_boot - self.n_valid


def seed_for(base: int, *keys: str) -> int:
    """A stable per-(claim, variant) seed, independent of the order claims are evaluated in."""
    h = zlib.crc32("|".join(keys).encode("utf-8"))
    return (int(base) * 1_000_003 + h) % (2**32)


def day_matrix(
    frame: pd.DataFrame, groups: Sequence[str], stratum: Stratum, *, weight: str = "w"
) -> np.ndarray:
    """Sum of ``weight`` per day (rows) and group (columns) over every day of ``stratum``.

    ``frame`` needs columns ``day`` (normalised Timestamp), ``group`` and ``weight``. Rows outside
    the stratum or in other groups are ignored.
    """
    n = stratum.days
    mat = np.zeros((n, len(groups)), dtype=float)
    if frame.empty:  # (no days: no row falls in [start, end), so ``sel`` below is empty)
        return mat
    sel = frame[frame["day"].between(stratum.start, stratum.end, inclusive="left")]
    sel = sel[sel["group"].isin(list(groups))]
    if sel.empty:
        return mat
    day_idx = ((sel["day"] - stratum.start) / pd.Timedelta(days=1)).astype(int).to_numpy()
    col = {g: i for i, g in enumerate(groups)}
    g_idx = sel["group"].map(col).astype(int).to_numpy()
    np.add.at(mat, (day_idx, g_idx), sel[weight].astype(float).to_numpy())
    return mat


def percentiles(values: np.ndarray, qs: Sequence[float]) -> list[float]:
    """Linear-interpolation percentiles (numpy's default method) that also work with ``+-inf``.

    ``np.percentile`` gives NaN when it interpolates towards an infinite value; here a percentile
    that falls between a finite value and ``inf`` is ``inf`` (and ``-inf`` likewise), one that
    falls exactly on a value is that value. ``values`` must not hold NaN.
    """
    x = np.sort(np.asarray(values, dtype=float))
    if not x.size:
        return [float("nan") for _ in qs]
    if np.isnan(x).any():
        raise ValueError("percentiles: values hold NaN; leave undefined replicates out first")
    out = []
    for q in qs:
        pos = float(q) / 100.0 * (x.size - 1)
        lo, hi = int(np.floor(pos)), int(np.ceil(pos))
        t = pos - lo
        a, b = float(x[lo]), float(x[hi])
        if np.isinf(a) or np.isinf(b):  # on an infinite value, or between it and another
            out.append(a if np.isinf(a) else b)
        else:  # exactly ``a`` when the position falls on a value (t == 0, so b == a)
            out.append(a + (b - a) * t)
    return out


def bootstrap(
    frame: pd.DataFrame,
    strata: Sequence[tuple[Stratum, Sequence[str]]],
    estimator: Callable[[Mapping[str, np.ndarray]], np.ndarray],
    *,
    seed: int,
    n_boot: int = 2000,
    weight: str = "w",
) -> BootResult:
    """Day-cluster bootstrap of ``estimator`` over group sums.

    ``strata`` is a sequence of ``(Stratum, groups)``: the groups whose events fall in that
    stratum. ``estimator`` maps ``{group: array of sums}`` to an array of estimates (it is called
    once with length-1 arrays for the point estimate and once with ``n_boot``-long arrays).
    Replicates with an infinite estimate stay in the percentile interval (they are the largest
    values of a ratio); undefined ones (NaN, from 0 / 0) are left out and counted: ``n_valid``
    is the number kept, out of ``n_boot``.
    """
    rng = np.random.default_rng(seed)
    point: dict[str, np.ndarray] = {}
    boot: dict[str, np.ndarray] = {}
    for stratum, groups in strata:
        mat = day_matrix(frame, groups, stratum, weight=weight)
        n = mat.shape[0]
        totals = mat.sum(axis=0)
        if n:
            idx = rng.integers(0, n, size=(n_boot, n))
            reps = mat[idx].sum(axis=1)  # (n_boot, n_groups)
        else:
            reps = np.zeros((n_boot, len(groups)))
        for j, g in enumerate(groups):
            point[g] = point.get(g, np.zeros(1)) + totals[j]
            boot[g] = boot.get(g, np.zeros(n_boot)) + reps[:, j]
    with np.errstate(divide="ignore", invalid="ignore"):
        est = np.asarray(estimator(point), dtype=float).item()  # one value from length-1 sums
        reps_est = np.ravel(np.asarray(estimator(boot), dtype=float))
    ok = ~np.isnan(reps_est)
    if not ok.any() or not np.isfinite(est):
        lo = hi = float("nan")
    else:
        lo, hi = percentiles(reps_est[ok], [2.5, 97.5])
    sums = {g: v.item() for g, v in point.items()}
    est = est if np.isfinite(est) else float("nan")
    return BootResult(est, lo, hi, sums, n_boot, int(ok.sum()))


def decide(rule: Mapping, estimate: float, ci_low: float, ci_high: float) -> str:
    """Apply a registry decision rule to an estimate and its 95 % interval.

    - ``share_at_least``: supported if ``ci_low >= t``; contradicted if ``ci_high < t``.
    - ``ratio_above``: supported if ``ci_low > t``; contradicted if ``ci_high < t`` (or
      ``ci_high <= t`` with ``inclusive: true`` in the rule).
    - ``rate_at_most``: supported if ``ci_high <= t``; contradicted if ``ci_low > t``.
    Otherwise mixed. An undefined or infinite estimate, or an undefined (NaN) bound, is not
    testable; an infinite bound is a bound (a ratio's upper bound is ``inf`` when some
    replicates drew no events in the denominator).
    """
    kind = rule["type"]
    t = float(rule["threshold"])
    if not np.isfinite(estimate) or np.isnan(ci_low) or np.isnan(ci_high):
        return NOT_TESTABLE
    if kind == "share_at_least":
        if ci_low >= t:
            return SUPPORTED
        if ci_high < t:
            return CONTRADICTED
        return MIXED
    if kind == "ratio_above":
        if ci_low > t:
            return SUPPORTED
        contradicted = ci_high <= t if bool(rule.get("inclusive", False)) else ci_high < t
        if contradicted:
            return CONTRADICTED
        return MIXED
    if kind == "rate_at_most":
        if ci_high <= t:
            return SUPPORTED
        if ci_low > t:
            return CONTRADICTED
        return MIXED
    raise ValueError(f"unknown decision rule type {kind!r}; known: {', '.join(RULE_TYPES)}")


def decide_boot(rule: Mapping, b: BootResult) -> tuple[str, str]:
    """:func:`decide` on a bootstrap result, and why it is "not testable" when the undefined
    (NaN) replicates exceed :data:`MAX_NAN_SHARE` of ``n_boot`` (empty string otherwise)."""
    if b.n_boot and b.n_nan > MAX_NAN_SHARE * b.n_boot:
        return NOT_TESTABLE, (
            f"{b.n_nan} of {b.n_boot} bootstrap replicates ({b.n_nan / b.n_boot:.1%}) are "
            f"undefined (0 / 0: no events in a denominator); more than {MAX_NAN_SHARE:.0%} "
            "undefined leaves no interval to decide on")
    return decide(rule, b.estimate, b.ci_low, b.ci_high), ""


def combine(main: str, variants: Mapping[str, str]) -> tuple[str, list[str]]:
    """Overall verdict: the main one, or ``mixed`` if a testable variant disagrees.

    Returns the verdict and the sorted names of the variants that gave a different testable
    verdict ("not testable" and "not applicable" variants are not counted). A main verdict of
    "not testable" stays so.
    """
    if main == NOT_TESTABLE:
        return NOT_TESTABLE, []
    flipped = sorted(k for k, v in variants.items()
                     if v not in (NOT_TESTABLE, NOT_APPLICABLE) and v != main)
    return (MIXED if flipped else main), flipped
