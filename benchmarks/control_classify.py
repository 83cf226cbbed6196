"""Benchmark: time-aware control classification of 1,000,000 synthetic events.

Classifies 1,000,000 random points inside Syria, with random dates over
2016-01-01..2019-11-30, against the real ledger (``geoclaims.control.classify``: controller, ledger
rows and distance to the nearest zone of another controller), and times it in the same run
against two baselines:

(a) one plain ``geopandas.sjoin`` of the same points against a single date's dissolved zones
    (``control_at``), i.e. what a time-blind join costs;
(b) a naive per-event loop: for each event, build that date's zones and test them one by one
    with shapely ``contains`` (zones cached per date, so only the loop is timed), timed on a
    sample of events and scaled to 1,000,000.

Prints the times, the ratios and the peak memory (tracemalloc peak of Python allocations and the
process's maximum resident set size). Targets (issue 5): classify within 2x of (a), at least 20x
faster than (b), peak memory under 2 GB.

    .venv/bin/python benchmarks/control_classify.py [--n 1000000] [--sample 20000] [--seed 0]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoclaims import control, regions


def synthetic(n: int, seed: int) -> gpd.GeoDataFrame:
    """``n`` points uniformly inside Syria with uniform dates over the ledger span."""
    rng = np.random.default_rng(seed)
    syr = regions.syria()
    shapely.prepare(syr)
    minx, miny, maxx, maxy = syr.bounds
    lon, lat = np.empty(0), np.empty(0)
    while len(lon) < n:
        x = rng.uniform(minx, maxx, 2 * n)
        y = rng.uniform(miny, maxy, 2 * n)
        inside = shapely.contains_xy(syr, x, y)
        lon, lat = np.concatenate([lon, x[inside]]), np.concatenate([lat, y[inside]])
    lon, lat = lon[:n], lat[:n]
    days = (np.datetime64(control.SPAN_START)
            + rng.integers(0, (control.SPAN_END - control.SPAN_START).days + 1, n))
    return gpd.GeoDataFrame({"event_id": np.arange(n).astype(str),
                             "date_start": days.astype("datetime64[s]")},
                            geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--sample", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    ledger = control.default_ledger()  # load outside the timings (gazetteer build)
    ev = synthetic(args.n, args.seed)
    print(f"{args.n:,} synthetic events, {len(ledger.rows)} ledger rows, "
          f"{len(control.interval_dates(ledger))} control intervals")

    tracemalloc.start()
    # time-aware classify, cold: builds the cells for every anchor set it needs
    t0 = time.perf_counter()
    out = control.classify(ev, ledger=ledger)
    t_cold = time.perf_counter() - t0
    _, peak_classify = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # warm: cells cached in the ledger object
    t0 = time.perf_counter()
    control.classify(ev, ledger=ledger)
    t_warm = time.perf_counter() - t0
    rep = out.attrs["control_report"]

    # (a) one plain sjoin against one date's dissolved zones
    zones = control.control_at("2019-01-16", ledger=ledger)
    t0 = time.perf_counter()
    a = gpd.sjoin(ev[["geometry"]], zones, how="left", predicate="intersects")
    t_sjoin = time.perf_counter() - t0
    del a

    # (b) naive per-event loop on a sample, zones per date precomputed (not timed)
    sample = ev.sample(args.sample, random_state=args.seed)
    dates = sample["date_start"].dt.date.to_numpy()
    per_date = {d: list(zip(z["controller"], z.geometry))
                for d in sorted(set(dates))
                for z in [control.control_at(d, ledger=ledger)]}
    t0 = time.perf_counter()
    res = []
    for d, pt in zip(dates, sample.geometry):
        hit = "unknown"
        for c, g in per_date[d]:
            if g.contains(pt):
                hit = c
                break
        res.append(hit)
    t_loop = (time.perf_counter() - t0) * args.n / args.sample
    agree = np.mean(np.array(res, dtype=object)
                    == out.loc[sample.index, "controller"].to_numpy())

    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB on Linux
    print(f"classify (cold, builds cells): {t_cold:8.2f} s   "
          f"[{rep.n_intervals_used} intervals, {rep.n_anchor_sets} anchor set(s)]")
    print(f"classify (warm, cells cached): {t_warm:8.2f} s")
    print(f"(a) one sjoin, one date:       {t_sjoin:8.2f} s")
    print(f"(b) per-event contains loop:   {t_loop:8.2f} s (scaled from {args.sample:,})")
    print(f"ratio classify_cold / (a):     {t_cold / t_sjoin:8.2f}  (target <= 2)")
    print(f"ratio classify_warm / (a):     {t_warm / t_sjoin:8.2f}")
    print(f"speed-up (b) / classify_cold:  {t_loop / t_cold:8.1f}x (target >= 20)")
    print(f"agreement with (b) on sample:  {agree:8.4f}  (differences: points on cell edges)")
    print(f"peak Python allocations (tracemalloc, classify): {peak_classify / 1024**3:.2f} GB")
    print(f"peak resident set size (whole run):              {rss_gb:.2f} GB  (target < 2 GB)")
    print("events by controller:", pd.Series(rep.by_controller).to_dict())
    return 0


if __name__ == "__main__":
    sys.exit(main())
