"""Benchmark: a warm `geoclaims places` on the article vs a bare interpreter start.

    .venv/bin/python benchmarks/places_warm.py [--repeat 5]

Runs, as child processes of this one, `python -c pass` (the baseline) and
`python -m geoclaims.cli places ARTICLE` (output discarded) after one warm-up run that builds the
gazetteer's disk cache (data/cache/gazetteer/) and lets Python write its bytecode caches
(PYTHONDONTWRITEBYTECODE is removed from the children's environment: a warm run is one with
.pyc files). Prints the medians and their ratio. Target (issue 12): the warm command under 1 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

from geoclaims import datasets

TARGET_S = 1.0


def _time(cmd: list[str], env: dict) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child): on a busy machine the CPU time is the steadier
    measure of the work itself."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    article = str(datasets.fetch("article"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    places = [sys.executable, "-m", "geoclaims.cli", "places", article]
    bare = [sys.executable, "-c", "pass"]
    cold = _time(places, env)[0]  # builds the disk cache if needed, writes .pyc files
    base, warm = [], []
    for _ in range(args.repeat):
        base.append(_time(bare, env))
        warm.append(_time(places, env))
    b, w = (statistics.median(x[0] for x in base), statistics.median(x[0] for x in warm))
    bc, wc = (statistics.median(x[1] for x in base), statistics.median(x[1] for x in warm))
    print(f"geoclaims places (article): first run {cold:.2f} s; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"  bare interpreter start: median {b:.3f} s wall, {bc:.3f} s CPU over {args.repeat}")
    print(f"  warm places command:    median {w:.3f} s wall, {wc:.3f} s CPU over {args.repeat}")
    print(f"  ratio warm / bare start: {w / b:.1f}x wall, {wc / max(bc, 1e-3):.1f}x CPU; "
          f"target warm < {TARGET_S:.1f} s: {'met' if w < TARGET_S else 'NOT met'} (wall), "
          f"{'met' if wc < TARGET_S else 'NOT met'} (CPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
