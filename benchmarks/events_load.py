"""Benchmark: loading the UCDP Syria release cold (parse + validate) vs from the Parquet cache.

    .venv/bin/python benchmarks/events_load.py [--repeat 5]

Prints the median times and the ratio cold / cached, measured in one process against a private
cache directory. Target: the cached load (``events.load("ucdp-ged-syria")`` with a warm cache,
including the registry's sha256 check of the input) takes under one second.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import geoclaims.paths as gp
from geoclaims import datasets, events

TARGET_S = 1.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dataset", default="ucdp-ged-syria")
    args = parser.parse_args()
    datasets.fetch(args.dataset)  # the download itself is not part of either timing
    downloads = datasets.download_dir()
    with tempfile.TemporaryDirectory() as tmp:
        gp.CACHE = Path(tmp)
        datasets.download_dir = lambda: downloads  # keep using the real download cache
        events.load(args.dataset, quiet=True, use_cache=False)  # warm imports and polygons
        cold, cached = [], []
        for _ in range(args.repeat):
            for f in (Path(tmp) / "events").glob("*/*"):
                f.unlink()
            start = time.perf_counter()
            first = events.load(args.dataset, quiet=True)
            cold.append(time.perf_counter() - start)
            assert not first.report.from_cache
            start = time.perf_counter()
            second = events.load(args.dataset, quiet=True)
            cached.append(time.perf_counter() - start)
            assert second.report.from_cache and len(second.events) == len(first.events)
    c, w = statistics.median(cold), statistics.median(cached)
    print(f"events load {args.dataset}: {len(first.events)} events")
    print(f"  cold (parse, validate, write cache): median {c:.3f} s over {args.repeat}")
    print(f"  cached (read Parquet):               median {w:.3f} s over {args.repeat}")
    print(f"  ratio cold/cached: {c / w:.1f}x; cached target < {TARGET_S:.1f} s: "
          f"{'met' if w < TARGET_S else 'NOT met'}")  # fmt: skip
    return 0 if w < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
