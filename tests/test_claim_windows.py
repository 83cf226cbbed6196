"""Claim windows and periods at their edges: events on the first and last day of every window.

Offsets are relative to the publication date (2019-02-04); a window ``[a, b]`` of offsets is the
days ``pub + a`` to ``pub + b - 1``; an explicit period end (``end: "2017-12-31"``) is
inclusive; a period that runs to the data's end or the control ledger's end includes that last
day. Each boundary day gets a distinct number of IS events, so the counts show exactly which
days were taken in.

Kept small and in one file on purpose: it goes through ``geoclaims.claims.evaluate_all`` and
the synthetic fixture of tests/test_claims.py, and is the file to adapt if the claims module
moves.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pandas as pd
import pytest
from shapely.geometry import box

from geoclaims import claims

HERE = Path(__file__).parent
_spec = importlib.util.spec_from_file_location(
    "claims_synthetic_windows", HERE / "fixtures" / "claims" / "synthetic.py")
S = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(S)

PUB = pd.Timestamp("2019-02-04")
WEST = box(36.1, 32.1, 38.9, 36.9)
EAST_SDF = box(39.1, 35.6, 41.9, 36.9)
MERV = box(40.0, 34.0, 41.5, 35.0)
BRACKETS = [(1, WEST, "2016-01-01", "2016-01-01", False),  # the data's first and last day
            (1, WEST, "2019-11-30", "2019-11-30", False)]


@pytest.fixture(scope="module")
def registry() -> claims.Registry:
    mirror = os.environ.get("GEOCLAIMS_DATA_MIRROR")
    path = Path(mirror or "/nonexistent") / "article" / "us-syria-withdrawal-isis-return.txt"
    if not path.exists():
        pytest.skip("article file not available (GEOCLAIMS_DATA_MIRROR)")
    return claims.load_registry(article=path)


def _day(offset: int) -> str:
    return str((PUB + pd.Timedelta(days=offset)).date())


def _run(spec, registry, ids):
    ev = S.classify(S.make_events([(n, area, d, d, True) for n, area, d in spec] + BRACKETS))
    return claims.evaluate_all(ev, registry=registry, geo=S.SyntheticGeo(), claims=ids)


def test_c4_windows_relative_to_publication(registry):
    """C4: before = offsets [-182, 0) (2018-08-06..2019-02-03), after = [182, 365) from
    2019-08-05 (cut at the data's last day, 2019-11-30, which is in)."""
    spec = [(2, MERV, _day(-183)),  # the day before the before-window: out
            (3, MERV, _day(-182)),  # its first day: in
            (5, MERV, _day(-1)),  # its last day: in
            (7, MERV, _day(0)),  # publication day: in neither window
            (11, MERV, _day(181)),  # the day before the after-window: out
            (13, MERV, _day(182)),  # its first day: in
            (17, MERV, "2019-11-30")]  # the data's last day: in
    c = _run(spec, registry, ["C4"]).results["C4"].main.components
    assert (c["before_start"], c["before_end_exclusive"]) == (PUB - pd.Timedelta(days=182), PUB)
    assert c["after_start"] == PUB + pd.Timedelta(days=182)
    assert c["after_end_exclusive"] == pd.Timestamp("2019-12-01")
    assert (c["days_before"], c["days_after"]) == (182, 118)
    assert (c["w_before"], c["w_after"]) == (3 + 5, 13 + 17)


def test_c6_explicit_period_end_is_inclusive(registry):
    """C6: period 2016-01-01..2017-12-31; events on both ends count, 2018-01-01 does not."""
    sy09 = box(39.2, 32.2, 41.9, 35.4)  # inside the synthetic SY09 box
    sy02 = box(36.2, 34.6, 38.8, 36.8)  # inside SY02 (not a named governorate)
    spec = [(3, sy09, "2016-01-01"), (5, sy09, "2017-12-31"), (7, sy09, "2018-01-01"),
            (4, sy02, "2017-12-31"), (2, sy02, "2018-01-01")]
    main = _run(spec, registry, ["C6"]).results["C6"].main
    assert main.n_events == 3 + 5 + 4
    assert main.estimate == pytest.approx(8 / 12)


def test_c1_period_from_publication_to_the_ledgers_last_day(registry):
    """C1: from the publication day (in) to the end of the data and ledger (2019-11-30, in)."""
    spec = [(2, EAST_SDF, _day(-1)),  # the day before publication: out
            (3, EAST_SDF, _day(0)),  # publication day: in
            (5, EAST_SDF, "2019-11-30"),  # the last day: in
            (4, WEST, "2019-11-30")]  # the last day, outside the US-held zone: in
    main = _run(spec, registry, ["C1"]).results["C1"].main
    assert main.n_events == 3 + 5 + 4
    assert main.estimate == pytest.approx(8 / 12)
    # the period ends with the ledger: nothing is cut, and no cut is reported
    assert main.components["period_end_exclusive"] == pd.Timestamp("2019-12-01")
    assert not any(k.startswith("control_cut") for k in main.components), main.components
    assert "left out" not in main.reason


def test_c3_window_around_publication(registry):
    """C3: the 45 days before and after publication, both ends in (2018-12-21..2019-03-21)."""
    pocket = box(41.6, 34.0, 42.0, 34.4)  # the synthetic IS-held pocket east of the river
    spec = [(2, EAST_SDF, _day(-46)),  # the day before the window: out
            (11, EAST_SDF, _day(-45)),  # its first day: in
            (13, pocket, _day(45)),  # its last day: in
            (17, EAST_SDF, _day(46))]  # the day after: out
    main = _run(spec, registry, ["C3"]).results["C3"].main
    assert main.components["period_start"] == PUB - pd.Timedelta(days=45)
    assert main.components["period_end_exclusive"] == PUB + pd.Timedelta(days=46)
    assert main.n_events == 11 + 13
