"""Benchmark: time-aware control classification of 1,000,000 synthetic events.

Classifies 1,000,000 random points inside Syria, with random dates over
2016-01-01..2019-11-30, against the real ledger (``geoclaims.control.classify``: controller, ledger
rows and distance to the nearest zone of another controller), and times it in the same run
against two baselines:

(a) one plain ``geopandas.sjoin`` of the same points against a single date's dissolved zones
    (``control_at``), i.e. what a time-blind join costs;
(b1) a per-event Python loop testing the zones of the event's date one by one with shapely
    ``contains``; the zones of every date are built beforehand and not timed (a generous
    baseline), timed on a sample of events and scaled to 1,000,000;
(b2) the fully naive loop: each event builds its date's zones from the ledger and then tests
    them (timed on a handful of events and scaled).

Prints the times, the ratios and the peak memory (tracemalloc peak of Python allocations during
one classify, in a separate run because tracemalloc slows allocation, and the process's maximum
resident set size). Targets (issue 5): classify within 2x of (a), at least 20x
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
    ap.add_argument("--naive-sample", type=int, default=5)
    args = ap.parse_args(argv)

    ledger = control.default_ledger()  # load outside the timings (gazetteer build)
    ev = synthetic(args.n, args.seed)
    print(f"{args.n:,} synthetic events, {len(ledger.rows)} ledger rows, "
          f"{len(control.interval_dates(ledger))} control intervals")

    # time-aware classify, cold: builds the cells (atoms) and the zone geometries it needs
    t0 = time.perf_counter()
    out = control.classify(ev, ledger=ledger)
    t_cold = time.perf_counter() - t0
    rep = out.attrs["control_report"]
    # warm: atoms cached in the ledger object
    t0 = time.perf_counter()
    control.classify(ev, ledger=ledger)
    t_warm = time.perf_counter() - t0
    # controller and ledger rows only (no distances)
    t0 = time.perf_counter()
    control.classify(ev, ledger=ledger, distances=False)
    t_nodist = time.perf_counter() - t0
    # Python allocations during one classify (tracemalloc slows allocation, so a separate run)
    tracemalloc.start()
    control.classify(ev, ledger=ledger)
    _, peak_classify = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    # (a) one plain sjoin against one date's dissolved zones
    zones = control.control_at("2019-01-16", ledger=ledger)
    t0 = time.perf_counter()
    a = gpd.sjoin(ev[["geometry"]], zones, how="left", predicate="intersects")
    t_sjoin = time.perf_counter() - t0
    del a

    # (b1) per-event loop on a sample, each date's zones precomputed outside the timing
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

    # (b2) fully naive: every event builds its date's zones from the ledger, then tests them
    few = sample.head(args.naive_sample)
    t0 = time.perf_counter()
    for d, pt in zip(few["date_start"], few.geometry):
        aids, zids, pmap, zmap = control._interval_state(ledger, np.datetime64(d.date()))
        atoms = control._build_atoms(aids, tuple(zids), ledger.anchors)
        ctrl, _, _ = control._labels(atoms, pmap, zmap)
        z = atoms.frame.assign(controller=ctrl).dissolve("controller").to_crs("EPSG:4326")
        next((c for c, g in zip(z.index, z.geometry) if g.contains(pt)), "unknown")
    t_naive = (time.perf_counter() - t0) * args.n / len(few)

    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB on Linux
    print(f"classify (cold, builds cells):   {t_cold:9.2f} s   "
          f"[{rep.n_intervals_used} intervals, {rep.n_anchor_sets} anchor set(s)]")
    print(f"classify (warm, cells cached):   {t_warm:9.2f} s")
    print(f"classify without distances:      {t_nodist:9.2f} s")
    print(f"(a) one sjoin, one date:         {t_sjoin:9.2f} s")
    print(f"(b1) per-event contains loop:    {t_loop:9.2f} s "
          f"(zones per date prebuilt; scaled from {args.sample:,} events)")
    print(f"(b2) per-event build + contains: {t_naive:9.0f} s "
          f"(scaled from {len(few)} events)")
    print(f"ratio classify cold / (a):       {t_cold / t_sjoin:9.2f}  (target <= 2)")
    print(f"ratio classify warm / (a):       {t_warm / t_sjoin:9.2f}")
    print(f"speed-up (b1) / classify cold:   {t_loop / t_cold:9.1f}x (target >= 20)")
    print(f"speed-up (b1) / no distances:    {t_loop / t_nodist:9.1f}x")
    print(f"speed-up (b2) / classify cold:   {t_naive / t_cold:9.0f}x")
    print(f"agreement with (b1) on sample:   {agree:9.4f}  (differences: points on cell edges)")
    print(f"peak Python allocations in one classify (tracemalloc): {peak_classify / 1024**3:.2f} GB")
    print(f"peak resident set size of the whole run:             {rss_gb:.2f} GB "
          "(target < 2 GB)")
    print("events by controller:", pd.Series(rep.by_controller).to_dict())
    return 0


if __name__ == "__main__":
    sys.exit(main())
