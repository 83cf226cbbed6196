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
import statistics
import subprocess
import sys
import time

from geoclaims import datasets

TARGET_S = 1.0


def _time(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    article = str(datasets.fetch("article"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    places = [sys.executable, "-m", "geoclaims.cli", "places", article]
    bare = [sys.executable, "-c", "pass"]
    cold = _time(places, env)  # builds the disk cache if needed, writes .pyc files
    base, warm = [], []
    for _ in range(args.repeat):
        base.append(_time(bare, env))
        warm.append(_time(places, env))
    b, w = statistics.median(base), statistics.median(warm)
    print(f"geoclaims places (article): first run {cold:.2f} s")
    print(f"  bare interpreter start: median {b:.3f} s over {args.repeat}")
    print(f"  warm places command:    median {w:.3f} s over {args.repeat}")
    print(f"  ratio warm / bare start: {w / b:.1f}x; target warm < {TARGET_S:.1f} s: "
          f"{'met' if w < TARGET_S else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
