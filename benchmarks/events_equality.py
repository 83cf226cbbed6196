"""Check: the event loader of this working tree gives the same results as the loader of an
earlier git revision (a guard for speed and memory work on the loading path).

    .venv/bin/python benchmarks/events_equality.py [--against HEAD] [--rows 200000]

The loader of revision ``--against`` (its ``src/`` and ``data/``, extracted with ``git
archive``) and the loader of the working tree each run in their own child process on the same
inputs, with a private events cache:

- the shipped UCDP GED Syria release and the UCDP 23.1 sample (registry datasets);
- the project's event fixtures (UCDP 19.1, 23.1 and ACLED layouts, ``tests/fixtures``);
- a synthetic UCDP file of ``--rows`` rows made from the Syria release (rows repeated with new
  event ids), with bad rows mixed in (missing and impossible dates, swapped and unparseable
  coordinates, repeated and conflicting ids, negative and fractional death counts, unknown
  precision codes, an undeclared country, padded values), so every reject and flag path runs;
  and a UCDP file with a header and no rows.

For each input it compares the loaded events (columns, dtypes, values, geometry), the rejects,
the load report (without its timings) and the Parquet cache (the files read back, and whether
they are byte-identical), and the events read back from the cache. Exit 0 when all are equal.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def inputs(tmp: Path, rows: int) -> dict[str, Path]:
    """Name -> path of every input checked (the synthetic file is written into ``tmp``)."""
    import pandas as pd

    from geoclaims import datasets

    found = {
        "ucdp-ged-syria": datasets.fetch("ucdp-ged-syria"),
        "ucdp-ged-231-sample": datasets.fetch("ucdp-ged-231-sample"),
    }
    for p in sorted((ROOT / "tests" / "fixtures" / "events").glob("*.csv")):
        found[p.stem] = p
    found["acled-export-synthetic"] = ROOT / "tests" / "fixtures" / "acled" / (
        "syria_export_synthetic.csv")
    src = pd.read_csv(found["ucdp-ged-syria"], dtype=str, keep_default_na=False)
    ids = pd.to_numeric(src["id"])
    step = int(ids.max()) + 1
    parts, copy, have = [], 0, 0
    while have < rows:
        part = src.head(rows - have).copy()
        part["id"] = (ids.head(len(part)) + copy * step).astype(str)
        parts.append(part)
        have += len(part)
        copy += 1
    df = pd.concat(parts, ignore_index=True)
    n = len(df)
    bad = {  # row offset within each block of 997 rows -> (column, value); -1: copy a row
        3: ("date_start", ""),
        5: ("date_start", "2019-13-45"),
        7: ("date_end", "1999-01-01"),
        11: ("latitude", "abc"),
        13: ("longitude", ""),
        17: ("best", "-3"),
        19: ("low", "2.5"),
        23: ("high", "many"),
        29: ("where_prec", "9"),
        31: ("date_prec", ""),
        37: ("country", "Atlantis"),
        41: ("side_a", "  Government of Syria  "),
        43: ("side_b", "A group no table knows"),
        47: ("latitude", "0"),
        53: ("type_of_violence", "4"),
        59: ("event_clarity", ""),
        61: ("date_start", "1900-01-01"),
        67: ("id", " 12 "),
        71: ("id", ""),
    }
    for start in range(0, n, 997):
        for off, (col, value) in bad.items():
            if start + off < n:
                df.at[start + off, col] = value
        i = start + 79  # lat/lon exchanged
        if i < n:
            df.at[i, "latitude"], df.at[i, "longitude"] = (df.at[i, "longitude"],
                                                           df.at[i, "latitude"])
        i = start + 83  # the previous row again (same content: a repeated row)
        if i < n:
            df.loc[i] = df.loc[i - 1]
        i = start + 89  # the previous row's id with other content (a conflict)
        if i < n:
            df.at[i, "id"] = df.at[i - 1, "id"]
    header_only = tmp / "ged_header_only.csv"
    header_only.write_text(",".join(df.columns) + "\n", encoding="utf-8")
    found["header-only"] = header_only
    out = tmp / "ged_synthetic_bad_rows.csv"
    df.to_csv(out, index=False)
    found[f"synthetic-{rows}"] = out
    return found


def dump(spec: Path) -> None:
    """Child process: load every input with the importable geoclaims, write what it gave."""
    import geopandas as gpd  # noqa: F401  (unpickling the frames later needs it)

    import geoclaims.paths as gp
    from geoclaims import events

    job = json.loads(spec.read_text())
    out = Path(job["out"])
    for name, path in job["inputs"].items():
        gp.CACHE = Path(job["cache"]) / name
        (gp.CACHE / "downloads").parent.mkdir(parents=True, exist_ok=True)
        if not (gp.CACHE / "downloads").exists():
            (gp.CACHE / "downloads").symlink_to(job["downloads"], target_is_directory=True)
        where = out / name
        where.mkdir(parents=True)
        try:
            result = events.load(name, path, quiet=True)
        except events.EventDataError as exc:  # both sides must refuse an input alike
            (where / "error.txt").write_text(f"{type(exc).__name__}: {exc}")
            continue
        cached = events.load(name, path, quiet=True)
        assert cached.report.from_cache
        report = result.report.to_dict()
        report.pop("seconds")
        with open(where / "result.pkl", "wb") as fh:
            pickle.dump({"events": result.events, "rejects": result.rejects, "report": report,
                         "cached_events": cached.events, "cached_rejects": cached.rejects}, fh)
        entry = next(p for p in (gp.CACHE / "events").iterdir() if p.is_dir())
        for f in ("events.parquet", "rejects.parquet"):
            shutil.copy(entry / f, where / f)
        print(f"  {name}: {len(result.events)} events, {len(result.rejects)} rejects",
              flush=True)


def run_side(label: str, pythonpath: Path | None, job: dict, tmp: Path) -> Path:
    out = tmp / label
    spec = tmp / f"{label}.json"
    spec.write_text(json.dumps({**job, "out": str(out), "cache": str(tmp / f"cache-{label}")}))
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
        env["GEOCLAIMS_ROOT"] = str(pythonpath.parent)
    subprocess.run([sys.executable, __file__, "--dump", str(spec)], env=env, check=True)
    return out


def compare(name: str, a: Path, b: Path) -> list[str]:
    import geopandas as gpd
    import pandas as pd
    from geopandas.testing import assert_geodataframe_equal

    problems: list[str] = []
    ea, eb = (a / name / "error.txt"), (b / name / "error.txt")
    if ea.exists() or eb.exists():
        ta = ea.read_text() if ea.exists() else "(loaded)"
        tb = eb.read_text() if eb.exists() else "(loaded)"
        return [] if ta == tb else [f"errors differ: {ta!r} vs {tb!r}"]
    with open(a / name / "result.pkl", "rb") as fh:
        ra = pickle.load(fh)
    with open(b / name / "result.pkl", "rb") as fh:
        rb = pickle.load(fh)

    def same(what: str, x, y, geo: bool = False) -> None:
        if list(x.columns) != list(y.columns):
            problems.append(f"{what}: columns differ: {list(x.columns)} vs {list(y.columns)}")
            return
        dx, dy = x.dtypes.astype(str).to_dict(), y.dtypes.astype(str).to_dict()
        if dx != dy:
            problems.append(f"{what}: dtypes differ: "
                            f"{ {k: (dx[k], dy[k]) for k in dx if dx[k] != dy[k]} }")
        try:
            if geo:
                assert_geodataframe_equal(x, y, check_dtype=True, check_crs=True,
                                          check_less_precise=False, normalize=False)
            pd.testing.assert_frame_equal(pd.DataFrame(x).drop(columns="geometry", errors="ignore"),
                                          pd.DataFrame(y).drop(columns="geometry", errors="ignore"),
                                          check_exact=True, check_dtype=True)
        except AssertionError as exc:
            problems.append(f"{what}: values differ: {str(exc)[:400]}")

    same("events", ra["events"], rb["events"], geo=True)
    same("events from cache", ra["cached_events"], rb["cached_events"], geo=True)
    same("rejects", ra["rejects"], rb["rejects"])
    same("rejects from cache", ra["cached_rejects"], rb["cached_rejects"])
    if ra["report"] != rb["report"]:
        diff = {k: (ra["report"][k], rb["report"].get(k)) for k in ra["report"]
                if ra["report"][k] != rb["report"].get(k)}
        problems.append(f"report differs: {str(diff)[:400]}")
    for f in ("events.parquet", "rejects.parquet"):
        reader = gpd.read_parquet if f == "events.parquet" else pd.read_parquet
        same(f"cache {f}", reader(a / name / f), reader(b / name / f), geo=f == "events.parquet")
        if (a / name / f).read_bytes() != (b / name / f).read_bytes():
            print(f"  note: {name} cache {f} is equal in value but not byte-identical")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--against", default="HEAD", help="git revision to compare with")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dump:
        dump(args.dump)
        return 0
    from geoclaims import datasets

    rev = subprocess.run(["git", "rev-parse", "--short", args.against], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        found = inputs(tmp, args.rows)
        ref = tmp / "ref"
        ref.mkdir()
        archive = tmp / "ref.tar"
        subprocess.run(["git", "archive", "-o", str(archive), rev, "src", "data"], cwd=ROOT,
                       check=True)
        with tarfile.open(archive) as tf:
            tf.extractall(ref, filter="data")
        job = {"inputs": {k: str(v) for k, v in found.items()},
               "downloads": str(datasets.download_dir().resolve())}
        print(f"reference: the loader at {rev}", flush=True)
        a = run_side("reference", ref / "src", job, tmp)
        print("working tree:", flush=True)
        b = run_side("working", None, job, tmp)
        failed = 0
        for name in found:
            problems = compare(name, a, b)
            failed += bool(problems)
            print(f"{name}: {'same' if not problems else 'DIFFERENT'}")
            for p in problems:
                print(f"  {p}")
    print(f"{len(found) - failed} of {len(found)} inputs give the same results as {rev}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
