"""Time `make all` with a warm venv and data cache (target: under 3 minutes on 2 cores).

Baseline, run in the same process just before: `make data` (venv check, fetch and verify of every
input), the fixed cost every run pays. Prints both times, the ratio, and the ratio to the target.

    .venv/bin/python benchmarks/make_all.py
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 180.0


def timed(target: str) -> float:
    start = time.perf_counter()
    subprocess.run(["make", "-s", target], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    subprocess.run(["make", "-s", "data"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)  # warm venv and data cache
    base = timed("data")
    full = timed("all")
    print(f"make data (baseline, warm): {base:7.1f} s")
    print(f"make all (warm):            {full:7.1f} s   = {full / base:5.1f} x baseline")
    print(f"target {TARGET_S:.0f} s:                 {full / TARGET_S:5.2f} x target "
          f"({'met' if full <= TARGET_S else 'NOT met'})")
    sys.exit(0 if full <= TARGET_S else 1)


if __name__ == "__main__":
    main()
