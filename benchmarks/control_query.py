"""Benchmark: a warm ``geoclaims control --date D --at LAT,LON`` against a bare interpreter start.

Runs, as separate processes (median of ``--repeat`` runs each, after one untimed run that writes
the query cache if it is missing):

(0) the baseline: a bare interpreter start, ``python -c pass``;
(1) the floor of the fast path: ``python -c "import numpy, shapely, pyproj"`` (the libraries it
    needs; what no cache can remove);
(2) the warm point query, ``python -m geoclaims.cli control --date D --at LAT,LON``, answered
    from the cache of built cells (``geoclaims.control_query``) without pandas, geopandas or the
    gazetteer;
(3) for reference, the same answer through the full pipeline in a fresh process
    (``control.default_ledger`` + ``control.controller_at``; the place-coordinate cache spares
    the gazetteer, but pandas, geopandas, the regions and the cells are loaded and built).

Prints the times, the ratios to (0), and whether the issue's target holds: the warm query
answers in under 1 s.

    .venv/bin/python benchmarks/control_query.py [--repeat 5] [--date 2019-02-01]
        [--at 35.0209,40.4535]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

CPU: dict[str, float] = {}


def timed(cmd: list[str], repeat: int, name: str = "") -> float:
    """Median wall-clock time of ``cmd``; its median CPU time (user + system) goes to CPU."""
    times, cpu = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    CPU[name] = statistics.median(cpu)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--date", default="2019-02-01")
    ap.add_argument("--at", default="35.0209,40.4535")
    args = ap.parse_args(argv)
    py = sys.executable
    query = [py, "-m", "geoclaims.cli", "control", "--date", args.date, "--at", args.at]
    lat, lon = args.at.split(",")
    full = [py, "-c", ("from geoclaims import control; l = control.default_ledger(); "
            f"print(control.controller_at({lat}, {lon}, '{args.date}', ledger=l)['controller'])")]
    t0 = time.perf_counter()
    subprocess.run(query, check=True, stdout=subprocess.DEVNULL)  # writes the cache if missing
    t_first = time.perf_counter() - t0
    t_bare = timed([py, "-c", "pass"], args.repeat, "bare")
    t_floor = timed([py, "-c", "import numpy, shapely, pyproj"], args.repeat, "floor")
    t_query = timed(query, args.repeat, "query")
    t_full = timed(full, max(1, args.repeat // 2), "full")
    load = os.getloadavg()[0]
    print(f"load average (1 min) {load:.1f} on {os.cpu_count()} CPUs; wall-clock times are "
          "medians, CPU times (user + system) in brackets")
    print(f"first query (writes the cache if missing): {t_first:7.2f} s")
    print(f"(0) bare interpreter start:                {t_bare:7.3f} s   [cpu {CPU['bare']:.3f} s]")
    print(f"(1) import numpy, shapely, pyproj:         {t_floor:7.3f} s   [cpu {CPU['floor']:.3f} s] "
          f"ratio to (0): {t_floor / t_bare:6.1f}")
    print(f"(2) warm --at query (cached cells):        {t_query:7.3f} s   [cpu {CPU['query']:.3f} s] "
          f"ratio to (0): {t_query / t_bare:6.1f}")
    print(f"(3) same answer, full pipeline:            {t_full:7.3f} s   [cpu {CPU['full']:.3f} s] "
          f"ratio to (0): {t_full / t_bare:6.1f}")
    print(f"speed-up of the cached query over the full pipeline: {t_full / t_query:.1f}x; "
          f"the query costs {t_query - t_floor:.3f} s above its imports")
    ok = t_query < 1.0
    print(f"target {'MET    ' if ok else 'NOT MET'}: warm --at query under 1 s wall-clock "
          f"(median of {args.repeat}; CPU {CPU['query']:.2f} s; on a loaded machine the imports "
          "alone vary)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
