"""Benchmark: loading a large event file (2,000,000 rows) against a bare ``pandas.read_csv``.

    .venv/bin/python benchmarks/events_scale.py [--rows 2000000]

Synthesises the file in a temporary folder from the shipped UCDP GED Syria release (its rows
repeated with new, unique event ids), then, in this one process:

0. both readers once on the Syria release (imports, country polygons, alias table: one-time
   costs that are not part of reading a file);
1. ``events.load(path, use_cache=False)`` - hash, parse, validate, normalise, timed, with the peak resident
   memory of the process sampled every 20 ms while it runs;
2. ``pandas.read_csv(path)`` - the baseline, timed the same way (run second, so that memory the
   loader's libraries keep does not count against the baseline, and vice versa the loader is
   measured from a fresh process).

Targets (issue 16): time ratio loader / read_csv at most 3.0, loader peak memory under 2 GB.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd

import geoclaims.paths as gp
from geoclaims import datasets, events

TARGET_RATIO = 3.0
TARGET_PEAK_GB = 2.0
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE


class Peak:
    """Peak resident memory while the block runs (sampled every 20 ms)."""

    def __enter__(self):
        self.peak = rss()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()
        self.start = time.perf_counter()
        return self

    def _watch(self):
        while not self.done.wait(0.02):
            self.peak = max(self.peak, rss())

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        self.done.set()
        self.thread.join()
        self.peak = max(self.peak, rss())


def synthesise(rows: int, out: Path) -> int:
    """``rows`` UCDP rows: the Syria release repeated, each copy with new event ids."""
    src = pd.read_csv(datasets.fetch("ucdp-ged-syria"), dtype=str, keep_default_na=False)
    n, written = len(src), 0
    ids = pd.to_numeric(src["id"])
    step = int(ids.max()) + 1
    with open(out, "w", encoding="utf-8", newline="") as fh:
        copy = 0
        while written < rows:
            part = src.head(rows - written).copy()
            part["id"] = (ids.head(len(part)) + copy * step).astype(str)
            part.to_csv(fh, index=False, header=copy == 0)
            written += len(part)
            copy += 1
    del src
    return n


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        gp.CACHE = Path(tmp) / "cache"
        path = Path(tmp) / "ged_synthetic.csv"
        started = time.perf_counter()
        base_rows = synthesise(args.rows, path)
        size = path.stat().st_size
        print(f"synthesised {args.rows:,} rows ({size / 2**20:.0f} MB) from {base_rows:,} "
              f"UCDP Syria rows in {time.perf_counter() - started:.1f} s", flush=True)
        events.read(datasets.fetch("ucdp-ged-syria"))  # warm imports, polygons, alias table
        pd.read_csv(datasets.fetch("ucdp-ged-syria"))  # and pandas' for the baseline
        gc.collect()
        before = rss()
        with Peak() as load:
            result = events.load("synthetic", path, use_cache=False, quiet=True)
        kept = len(result.events)
        rejected = len(result.rejects)
        del result
        gc.collect()
        with Peak() as base:
            df = pd.read_csv(path)
        assert len(df) == args.rows
        del df
    ratio = load.seconds / base.seconds
    peak_gb = load.peak / 2**30
    ok = ratio <= TARGET_RATIO and peak_gb < TARGET_PEAK_GB
    print(f"events.load: {load.seconds:.1f} s, {kept:,} kept, {rejected:,} rejected; "
          f"peak RSS {peak_gb:.2f} GB (process before: {before / 2**30:.2f} GB)")
    print(f"pandas.read_csv (baseline, same file, same process): {base.seconds:.1f} s; "
          f"peak RSS {base.peak / 2**30:.2f} GB")
    print(f"ratio events.load / read_csv: {ratio:.2f}x (target <= {TARGET_RATIO:.1f}x); "
          f"loader peak {peak_gb:.2f} GB (target < {TARGET_PEAK_GB:.1f} GB): "
          f"{'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
