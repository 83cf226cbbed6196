"""Benchmark: the 2016-2019 monthly time-lapse of Syria (47 frames, MP4) against one static map.

    .venv/bin/python benchmarks/timelapse.py

Both are timed in this process after a warm-up (imports, gazetteer, the events' cache and the
control zones of one date), so the ratio compares drawing and encoding only. Targets (issue:
the journalist's kit): the animation renders in under 60 s and the MP4 is under 8 MB. Times are
wall-clock and CPU seconds; on a loaded machine read the CPU figure.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt

from geoclaims import animate, control, events, maps

TARGET_S = 60.0
TARGET_MB = 8.0


def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def main() -> int:
    ev = events.load("ucdp-ged-syria", quiet=True).events
    control.control_at("2019-11-30")  # warm-up: ledger, gazetteer, cells
    with tempfile.TemporaryDirectory() as tmp:
        layers = maps.collect_layers(ev[ev["isis"]], start="2019-01-01", end="2019-11-30")

        def one_static_map():
            fig = maps.static_map(layers, Path(tmp) / "one.png", dpi=150, figsize=(8, 4.5))
            plt.close(fig)

        _, base_wall, base_cpu = timed(one_static_map)
        out = Path(tmp) / "control.mp4"
        result, wall, cpu = timed(lambda: animate.timelapse(
            out, start="2016-01-01", end="2019-11-30", step="month", events=ev[ev["isis"]],
            actor="isis", size="wide"))
        mb = out.stat().st_size / 1e6
    print(f"one static map (baseline): {base_wall:6.2f} s wall, {base_cpu:6.2f} s CPU")
    print(f"time-lapse, {len(result.dates)} frames:   {wall:6.2f} s wall, {cpu:6.2f} s CPU "
          f"({wall / base_wall:.1f}x the static map; target under {TARGET_S:g} s: "
          f"{'met' if wall < TARGET_S else 'NOT met'})")
    print(f"MP4 size: {mb:.2f} MB (target under {TARGET_MB:g} MB: "
          f"{'met' if mb < TARGET_MB else 'NOT met'})")
    return 0 if wall < TARGET_S and mb < TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
