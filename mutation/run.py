"""Run cosmic-ray mutation testing for the modules named on the command line.

Each module has a config ``mutation/<name>.toml`` (cosmic-ray's format: ``module-path``, a
``test-command`` that runs a fast, targeted pytest subset, ``timeout``). For each one this script

1. copies ``src/``, ``tests/``, ``pyproject.toml`` and the config into
   ``build/mutation/<name>/`` (cosmic-ray edits the module on disk while it runs, so it never
   runs on the work tree) and links ``data/`` there;
2. runs ``cosmic-ray init`` (then ``cr-filter-operators`` if the config has an
   ``operators-filter`` section: those mutants are marked skipped), ``baseline`` (the unmutated tests must pass) and ``exec`` there,
   one mutant at a time, with ``PYTHONPATH`` pointing at the copy;
3. writes ``build/mutation/<name>/report.txt`` (``cr-report --show-output``) and prints the
   surviving mutants and the kill rate.

It exits non-zero if a module's kill rate is below ``--min`` (default 90 %). Surviving mutants
are explained in ``docs/mutation-report.md`` (equivalent, or the test added to kill it).

Usage: python mutation/run.py [--min 90] NAME [NAME ...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(args: list[str], cwd: Path, env: dict, capture: bool = False) -> str:
    res = subprocess.run(args, cwd=cwd, env=env, text=True,
                         capture_output=capture, check=False)
    if res.returncode != 0:
        sys.exit(f"mutation: {' '.join(args)} failed in {cwd} (exit {res.returncode})\n"
                 f"{res.stdout or ''}{res.stderr or ''}")
    return res.stdout if capture else ""


def run_module(name: str, min_rate: float) -> float:
    cfg = ROOT / "mutation" / f"{name}.toml"
    if not cfg.exists():
        sys.exit(f"mutation: no config {cfg.relative_to(ROOT)}")
    work = ROOT / "build" / "mutation" / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".hypothesis")
    for d in ("src", "tests"):
        shutil.copytree(ROOT / d, work / d, ignore=ignore)
    shutil.copy2(ROOT / "pyproject.toml", work / "pyproject.toml")
    shutil.copy2(cfg, work / "config.toml")
    (work / "data").symlink_to(ROOT / "data", target_is_directory=True)
    env = {**os.environ, "PYTHONPATH": str(work / "src"), "GEOCLAIMS_ROOT": str(work),
           "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    cr = str(BIN / "cosmic-ray")
    session = "session.sqlite"
    print(f"mutation: {name}: init, baseline, exec in {work.relative_to(ROOT)}", flush=True)
    _run([cr, "init", "config.toml", session], work, env)
    if "operators-filter" in cfg.read_text(encoding="utf-8"):
        _run([str(BIN / "cr-filter-operators"), session, "config.toml"], work, env)
    _run([cr, "--verbosity", "ERROR", "baseline", "config.toml"], work, env)
    _run([cr, "exec", "config.toml", session], work, env)
    report = _run([str(BIN / "cr-report"), "--show-output", session], work, env, capture=True)
    (work / "report.txt").write_text(report, encoding="utf-8")
    dump = _run([cr, "dump", session], work, env, capture=True)
    total = killed = 0
    survivors = []
    for line in dump.splitlines():
        item, result = json.loads(line)
        if result is None or result["worker_outcome"] == "skipped":
            continue
        total += 1
        if result["test_outcome"] == "killed":
            killed += 1
        else:
            m = item["mutations"][0]
            survivors.append(f"  {m['module_path']}:{m['start_pos'][0]} {m['operator_name']} "
                             f"#{m['occurrence']} ({result['test_outcome']})")
    rate = 100.0 * killed / total if total else 0.0
    print(f"mutation: {name}: {killed} of {total} mutants killed ({rate:.1f} %); "
          f"{len(survivors)} survived", flush=True)
    for s in survivors:
        print(s)
    print(f"mutation: {name}: full report in {(work / 'report.txt').relative_to(ROOT)}")
    if rate < min_rate:
        print(f"mutation: {name}: kill rate {rate:.1f} % is below {min_rate:.0f} %")
    return rate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min", type=float, default=90.0, help="lowest kill rate (per cent)")
    ap.add_argument("names", nargs="+", help="module names (mutation/<name>.toml)")
    a = ap.parse_args()
    low = [n for n in a.names if run_module(n, a.min) < a.min]
    if low:
        sys.exit(f"mutation: kill rate below {a.min:.0f} % for: {', '.join(low)}")


if __name__ == "__main__":
    main()
