"""Benchmark: the geoparser's time grows linearly with the length of the text.

    .venv/bin/python benchmarks/places_scale.py

Parses the article repeated 1, 4 and 16 times (in one process, gazetteer loaded first) and prints
the time per 100,000 characters for each length; the ratio of the longest to the shortest should
stay near 1 (a quadratic loop over mentions or sentences would make it about 16).
"""

from __future__ import annotations

import sys
import time

from geoclaims import article, places
from geoclaims import gazetteer as gz


def main() -> int:
    text = article.load().text
    gz.gazetteer()
    places.rules()
    places.parse(text, progress=False)  # warm the caches
    per = {}
    for k in (1, 4, 16):
        big = (text + "\n\n") * k
        start = time.perf_counter()
        parsed = places.parse(big, progress=False)
        took = time.perf_counter() - start
        per[k] = took / len(big) * 100_000
        print(f"  x{k:<3} {len(big):>9,} chars, {len(parsed.rows):>6} mentions: {took:.2f} s "
              f"({per[k]:.3f} s per 100,000 chars)")
    ratio = per[16] / per[1]
    print(f"places scale: time per character x16 / x1 = {ratio:.2f} "
          f"({'linear' if ratio < 2 else 'NOT linear'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
