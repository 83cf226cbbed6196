"""Benchmark: classify and control_at with a dense synthetic ledger (~600 anchors).

The repository ledger is being densified (issue 10); this checks that the time-aware join stays
within its targets when the ledger has several hundred places. A denser ledger is written to
a temporary folder: the repository ledger's rows plus synthetic places at random points inside
Syria (fixed seed; their ids are resolved by a stand-in for the gazetteer lookup) up to
``--anchors`` places, each following the controller the repository ledger gives its point on
every control interval; with ``--partial F``, a share F of the synthetic places have rows for
only the first part of the span (so the anchor set changes over time). Then, in one
process, it times against one plain ``geopandas.sjoin`` of the same points against one date's
zones (the baseline of benchmarks/control_classify.py):

- ``control.classify`` of ``--n`` random events (cold: builds the cells; and warm);
- ``control.control_at`` for one date (cold, i.e. including the cells);
- ``control.write_query_cache`` (the cache of ``geoclaims control --at``).

Prints the times, the ratio of classify to the sjoin (target of issue 5: <= 2 cold), the number
of control intervals and anchor sets.

    .venv/bin/python benchmarks/control_dense_ledger.py [--anchors 600] [--partial 0.0]
        [--n 1000000] [--seed 0]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geoclaims import control, control_query

sys.path.insert(0, str(Path(__file__).parent))

from control_classify import synthetic


def write_ledger(folder: Path, n_places: int, partial: float, seed: int) -> dict:
    """A denser copy of the repository ledger in ``folder``: its rows, plus synthetic places at
    random points inside Syria (until there are ``n_places`` places) whose rows follow the
    controller the repository ledger gives their point on every control interval (so the zones
    stay spatially coherent, as a real densification would keep them). With ``partial``, that
    share of the synthetic places have rows up to a random interval only. Returns the synthetic
    place ids -> (lat, lon)."""
    rng = np.random.default_rng(seed)
    real = control.default_ledger()
    n_new = max(0, n_places - real.anchors["place_id"].nunique())
    pts = synthetic(n_new, seed + 100)
    coords = {f"cu:bench-{i}": (p.y, p.x) for i, p in enumerate(pts.geometry)}
    starts = control.interval_dates(real)
    ends = [*(d - dt.timedelta(days=1) for d in starts[1:]), control.SPAN_END]
    ev = gpd.GeoDataFrame(
        {"pid": np.repeat(list(coords), len(starts)),
         "date_start": pd.to_datetime(np.tile(starts, len(coords)))},
        geometry=np.repeat(pts.geometry.values, len(starts)), crs=4326)
    got = control.classify(ev, ledger=real, distances=False)["controller"].to_numpy(dtype=object)
    got = got.reshape(len(coords), len(starts))
    src = real.rows["source"].iloc[0]
    lines = (real.path.read_text(encoding="utf-8")).rstrip("\n").splitlines()
    k = 0
    for row, pid in zip(got, coords):
        last = len(starts) if rng.random() >= partial else int(rng.integers(1, len(starts)))
        a = 0
        for b in range(1, last + 1):
            if b == last or row[b] != row[a]:
                k += 1
                lines.append(f"B{k},{pid},,{row[a]},{starts[a]},{ends[b - 1]},{src},synthetic")
                a = b
    (folder / "control_ledger.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "control_sources.csv").write_bytes(real.sources_path.read_bytes())
    return coords


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--anchors", type=int, default=600)
    ap.add_argument("--partial", type=float, default=0.0)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        coords = write_ledger(folder, args.anchors, args.partial, args.seed)
        real = control._place_point
        control._place_point = lambda pid: (*coords[pid], pid) if pid in coords else real(pid)
        real_cache = control_query.cache_path  # the query cache stays in the temp folder
        control_query.cache_path = lambda *a: folder / "query.npz"
        try:
            t0 = time.perf_counter()
            ledger = control.load_ledger(folder / "control_ledger.csv")
            t_load = time.perf_counter() - t0
            ev = synthetic(args.n, args.seed)
            t0 = time.perf_counter()
            out = control.classify(ev, ledger=ledger)
            t_cold = time.perf_counter() - t0
            rep = out.attrs["control_report"]
            t0 = time.perf_counter()
            control.classify(ev, ledger=ledger)
            t_warm = time.perf_counter() - t0
            day = "2019-01-16"
            fresh = control.load_ledger(folder / "control_ledger.csv")
            t0 = time.perf_counter()
            zones = control.control_at(day, ledger=fresh)
            t_at = time.perf_counter() - t0
            t0 = time.perf_counter()
            a = gpd.sjoin(ev[["geometry"]], zones, how="left", predicate="intersects")
            t_sjoin = time.perf_counter() - t0
            del a
            t0 = time.perf_counter()
            control.write_query_cache(ledger)
            t_cache = time.perf_counter() - t0
        finally:
            control._place_point = real
            control_query.cache_path = real_cache
    print(f"synthetic ledger: {args.anchors} places, {len(ledger.rows)} rows, "
          f"{len(control.interval_dates(ledger))} control intervals, "
          f"{len(control.anchor_sets(ledger))} anchor set(s) (partial share {args.partial})")
    print(f"load_ledger:                        {t_load:8.2f} s")
    print(f"classify {args.n:,} events (cold):   {t_cold:8.2f} s   "
          f"[{rep.n_intervals_used} intervals, {rep.n_anchor_sets} anchor set(s)]")
    print(f"classify (warm):                    {t_warm:8.2f} s")
    print(f"control_at one date (cold):         {t_at:8.2f} s")
    print(f"write_query_cache:                  {t_cache:8.2f} s")
    print(f"(a) one sjoin, one date:            {t_sjoin:8.2f} s")
    ok = t_cold / t_sjoin <= 2
    print(f"ratio classify cold / (a):          {t_cold / t_sjoin:8.2f}   (target <= 2)")
    print(f"ratio classify warm / (a):          {t_warm / t_sjoin:8.2f}")
    print(f"target {'MET    ' if ok else 'NOT MET'}: classify (cold) within 2x of one sjoin, "
          f"{args.anchors} anchors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
