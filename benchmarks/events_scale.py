"""Benchmark: loading a large event file (2,000,000 rows) against a bare ``pandas.read_csv``.

    .venv/bin/python benchmarks/events_scale.py [--rows 2000000]

Synthesises the file in a temporary folder from the shipped UCDP GED Syria release (its rows
repeated with new, unique event ids; about 1.25 GB for 2M rows), then measures:

- **Speed, in one process** (the project's rule: a ratio against a baseline run in the same
  process). After both readers have run once on the Syria release (imports, country polygons,
  alias table: one-time costs that are not part of reading a file), ``events.load(path,
  use_cache=False)`` (hash, parse, validate, normalise) is timed, then ``pandas.read_csv(path)``
  (the baseline) on the same file. Target: loader / read_csv at most 3.0.
- **Memory, in child processes**: the loader and ``pandas.read_csv`` each run in a fresh child
  process of their own (same warm-up as above), which reports its own peak resident memory
  while it reads: the kernel's high-water mark ``VmHWM`` (``/proc/self/status``; no sample is
  missed), reset to the current size after the warm-up (``/proc/self/clear_refs``), so it is
  the peak of the whole process (interpreter, libraries, polygons) during the read. One
  reader's memory cannot inflate the other's. ``getrusage(...).ru_maxrss`` is printed too but
  not used: on Linux a child started by ``subprocess`` (vfork + exec) inherits the parent's
  high-water mark in it, so after the timed runs above it reports the parent's peak. Target:
  the loader's child peaks under 2 GB.

The machine's load average is printed with the figures (the timings are sensitive to it).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
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


def peak_rss() -> int:
    """The peak resident memory of this process (``VmHWM``: the kernel's high-water mark of
    this process image), in bytes."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def reset_peak() -> bool:
    """Set the high-water mark to the current resident memory (Linux 4.0+); False if not."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


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


def warm() -> None:
    """One-time costs outside the measured read: imports, polygons, alias table."""
    events.read(datasets.fetch("ucdp-ged-syria"))
    pd.read_csv(datasets.fetch("ucdp-ged-syria"))
    gc.collect()


def load_events(path: Path) -> dict:
    result = events.load("synthetic", path, use_cache=False, quiet=True)
    return {"kept": len(result.events), "rejected": len(result.rejects)}


def load_pandas(path: Path) -> dict:
    return {"kept": len(pd.read_csv(path))}


READERS = {"events.load": load_events, "pandas.read_csv": load_pandas}


def child(reader: str, path: Path) -> None:
    """In a fresh process: warm up, run one reader, print its figures as JSON."""
    warm()
    reset = reset_peak()
    before = rss()
    started = time.perf_counter()
    counts = READERS[reader](path)
    seconds = time.perf_counter() - started
    print(json.dumps({"reader": reader, "seconds": seconds, "rss_before": before,
                      "peak": peak_rss(), "peak_reset": reset,
                      "ru_maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                      **counts}))


def in_child(reader: str, path: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", reader, str(path)],
                          check=True, capture_output=True, text=True,
                          env={**os.environ, "GEOCLAIMS_CACHE": str(gp.CACHE)})
    return json.loads(done.stdout.strip().splitlines()[-1])


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--file", type=Path,
                        help="keep the synthetic file here (made if missing) to reuse it")
    parser.add_argument("--child", nargs=2, metavar=("READER", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        datasets.fetch("ucdp-ged-syria")
        datasets.fetch("ne-admin0")
        downloads = datasets.download_dir().resolve()
        gp.CACHE = Path(tmp) / "cache"
        gp.CACHE.mkdir()
        (gp.CACHE / "downloads").symlink_to(downloads, target_is_directory=True)
        path = args.file or Path(tmp) / "ged_synthetic.csv"
        if args.file and args.file.exists():
            print(f"reusing {path} ({path.stat().st_size / 2**20:.0f} MB)", flush=True)
        else:
            started = time.perf_counter()
            base_rows = synthesise(args.rows, path)
            print(f"synthesised {args.rows:,} rows ({path.stat().st_size / 2**20:.0f} MB) "
                  f"from {base_rows:,} UCDP Syria rows in {time.perf_counter() - started:.1f} s",
                  flush=True)

        # speed: both readers in this process, one after the other
        warm()
        print(f"load average before the timed runs: {load_average()}", flush=True)
        started = time.perf_counter()
        got = load_events(path)
        load_s = time.perf_counter() - started
        gc.collect()
        started = time.perf_counter()
        assert load_pandas(path)["kept"] == args.rows
        base_s = time.perf_counter() - started
        gc.collect()
        timed_load = load_average()

        # memory: each reader alone in a fresh child process
        mem = {name: in_child(name, path) for name in READERS}
        mem_load = load_average()
    ratio = load_s / base_s
    peak_gb = mem["events.load"]["peak"] / 2**30
    ok = ratio <= TARGET_RATIO and peak_gb < TARGET_PEAK_GB
    print(f"events.load: {load_s:.1f} s, {got['kept']:,} kept, {got['rejected']:,} rejected")
    print(f"pandas.read_csv (baseline, same file, same process): {base_s:.1f} s")
    print(f"load average after the timed runs: {timed_load}")
    for name, m in mem.items():
        print(f"child process {name}: peak RSS {m['peak'] / 2**30:.2f} GB during the read "
              f"(before it: {m['rss_before'] / 2**30:.2f} GB; {m['seconds']:.1f} s; "
              f"ru_maxrss {m['ru_maxrss'] / 2**30:.2f} GB"
              f"{'' if m['peak_reset'] else '; peak not reset after the warm-up'})")
    print(f"load average after the child runs: {mem_load}")
    print(f"ratio events.load / read_csv: {ratio:.2f}x (target <= {TARGET_RATIO:.1f}x); "
          f"loader peak {peak_gb:.2f} GB (target < {TARGET_PEAK_GB:.1f} GB): "
          f"{'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
