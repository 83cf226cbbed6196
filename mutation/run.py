"""Run cosmic-ray mutation testing for the modules named on the command line.

Each module has a config ``mutation/<name>.toml`` (cosmic-ray's format: ``module-path``, a
``test-command`` that runs a fast, targeted pytest subset, ``timeout``). To mutate only some
functions of a large module, list them in the config (``[geoclaims-mutation] functions =
["load_ledger", "Ledger.rows_on", ...]``): their line ranges are read from the module's source
at run time and passed to cosmic-ray's line filter, so the list survives edits of the module.
For each config this script

1. copies ``src/``, ``tests/``, ``pyproject.toml`` and the config into
   ``build/mutation/<name>/`` (cosmic-ray edits the module on disk while it runs, so it never
   runs on the work tree) and links ``data/`` there;
2. runs ``cosmic-ray init`` (then ``cr-filter-operators`` if the config has an
   ``operators-filter`` section, and the line filter of the listed functions: those mutants
   are marked skipped; mutants inside annotations, which ``from __future__ import
   annotations`` leaves unevaluated, are skipped too), ``baseline`` (the unmutated tests must
   pass) and ``exec`` there, one mutant at a time, with ``PYTHONPATH`` pointing at the copy;
3. writes ``build/mutation/<name>/report.txt`` (``cr-report --show-output``) and prints the
   surviving mutants and the kill rate.

It exits non-zero if a module's kill rate is below ``--min`` (default 90 %). Surviving mutants
are explained in ``docs/mutation-report.md`` (equivalent, or the test added to kill it).

``--recheck`` runs no new session: it takes the survivors of the last session of each module
(``build/mutation/<name>/session.sqlite``), applies each one (``cosmic-ray apply``) to a fresh
copy of the current ``src/`` and ``tests/`` and runs the config's test command: which
survivors the tests added since then kill, without re-running every mutant.

Usage: python mutation/run.py [--min 90] [--recheck] NAME [NAME ...]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tomllib
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


def _copy(cfg: Path, work: Path) -> dict:
    """A fresh copy of src/, tests/, pyproject.toml and the config in ``work``; the
    environment that makes the copy's package the one imported."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".hypothesis")
    for d in ("src", "tests"):
        shutil.copytree(ROOT / d, work / d, ignore=ignore)
    shutil.copy2(ROOT / "pyproject.toml", work / "pyproject.toml")
    shutil.copy2(cfg, work / "config.toml")
    (work / "data").symlink_to(ROOT / "data", target_is_directory=True)
    return {**os.environ, "PYTHONPATH": str(work / "src"), "GEOCLAIMS_ROOT": str(work),
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def _compile_packages(env: dict) -> None:
    """Bytecode of the installed packages, written next to them once (a no-op when up to date).
    The shell may set ``PYTHONDONTWRITEBYTECODE``; then every test run compiles pandas,
    geopandas, shapely, ... again, seconds per mutant. The copied ``src/`` is left alone: a
    mutant's cached bytecode could be taken for the next mutant of the same size written in
    the same second."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0",
                    sysconfig.get_paths()["purelib"]], env=env, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _function_lines(module: Path, names: list[str]) -> list[str]:
    """``"first-last"`` line ranges of the named functions (``Class.method`` for methods)."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    found: dict[str, str] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                qual = f"{prefix}{child.name}"
                first = min([child.lineno] + [d.lineno for d in child.decorator_list])
                found[qual] = f"{first}-{child.end_lineno}"
                visit(child, f"{qual}.")

    visit(tree, "")
    missing = [n for n in names if n not in found]
    if missing:
        sys.exit(f"mutation: {module}: no function(s) {', '.join(missing)}")
    return [found[n] for n in names]


def _line_filter(work: Path, conf: dict) -> bool:
    """Write the line filter of ``[geoclaims-mutation] functions`` into the copied config."""
    names = conf.get("geoclaims-mutation", {}).get("functions")
    if not names:
        return False
    mod = conf["cosmic-ray"]["module-path"]
    ranges = _function_lines(work / mod, list(names))
    with open(work / "config.toml", "a", encoding="utf-8") as fh:
        fh.write("\n[cosmic-ray.filters.line-filter.lines]\n"
                 f"{json.dumps(mod)} = {json.dumps(ranges)}\n")
    return True


def _annotation_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """``((line, col), (end_line, end_col))`` of every annotation (arguments, returns,
    annotated assignments) of a module that has ``from __future__ import annotations``
    (none otherwise): such annotations are stored as strings and never evaluated, so a mutant
    inside one (``X | None`` -> ``X + None``) cannot change what the program does. Columns in
    characters, as cosmic-ray counts them (``ast`` counts UTF-8 bytes)."""
    tree = ast.parse(source)
    future = any(isinstance(n, ast.ImportFrom) and n.module == "__future__"
                 and any(a.name == "annotations" for a in n.names) for n in tree.body)
    if not future:
        return []
    lines = source.splitlines()

    def col(line: int, byte_col: int) -> int:
        return len(lines[line - 1].encode("utf-8")[:byte_col].decode("utf-8"))

    spans = []
    for node in ast.walk(tree):
        notes: list[ast.AST | None] = []
        if isinstance(node, ast.arg):
            notes.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            notes.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            notes.append(node.annotation)
        for a in notes:
            if a is not None:
                spans.append(((a.lineno, col(a.lineno, a.col_offset)),
                              (a.end_lineno, col(a.end_lineno, a.end_col_offset))))
    return spans


def _skip_annotations(work: Path, module_path: str, session: Path) -> int:
    """Mark the session's pending mutants that lie inside an annotation as skipped (see
    :func:`_annotation_spans`); how many were skipped."""
    from cosmic_ray.work_db import use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    spans = _annotation_spans((work / module_path).read_text(encoding="utf-8"))
    if not spans:
        return 0
    with use_db(str(session)) as db:
        ids = [item.job_id for item in db.pending_work_items
               if all(any(tuple(s) <= tuple(m.start_pos) and tuple(m.end_pos) <= tuple(e)
                          for s, e in spans) for m in item.mutations)]
        if ids:
            db.set_multiple_results(ids, WorkResult(
                output="Filtered: inside an annotation, never evaluated "
                       "(from __future__ import annotations)",
                worker_outcome=WorkerOutcome.SKIPPED))
    return len(ids)


def _config(name: str) -> Path:
    cfg = ROOT / "mutation" / f"{name}.toml"
    if not cfg.exists():
        sys.exit(f"mutation: no config {cfg.relative_to(ROOT)}")
    return cfg


def _survivors(dump: str) -> tuple[int, int, list[dict]]:
    """(mutants tested, killed, the surviving mutations) of a session dump."""
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
            survivors.append({**item["mutations"][0], "outcome": result["test_outcome"]})
    return total, killed, survivors


def _describe(m: dict) -> str:
    return (f"{m['module_path']}:{m['start_pos'][0]} {m['operator_name']} #{m['occurrence']} "
            f"({m['outcome']})")


def recheck(name: str) -> list[dict]:
    """Apply each survivor of the last session to the current code and tests; those that now
    fail the test command are killed by a test added since."""
    cfg = _config(name)
    old = ROOT / "build" / "mutation" / name
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    dump = _run([str(BIN / "cosmic-ray"), "dump", "session.sqlite"], old, env, capture=True)
    _, _, survivors = _survivors(dump)
    work = ROOT / "build" / "mutation" / f"{name}-recheck"
    env = _copy(cfg, work)
    _compile_packages(env)
    conf = tomllib.loads(cfg.read_text(encoding="utf-8"))["cosmic-ray"]
    module = work / conf["module-path"]
    pristine = module.read_bytes()
    still = []
    for m in survivors:
        _run([str(BIN / "cosmic-ray"), "apply", conf["module-path"], m["operator_name"],
              str(m["occurrence"])], work, env)
        try:
            code = subprocess.run(shlex.split(conf["test-command"]), cwd=work, env=env,
                                  capture_output=True, text=True, check=False,
                                  timeout=conf.get("timeout", 60)).returncode
        except subprocess.TimeoutExpired:  # a mutant that hangs counts as killed, as in exec
            code = -1
        module.write_bytes(pristine)
        print(f"  {_describe(m)}: {'now killed' if code else 'still survives'}", flush=True)
        if code == 0:
            still.append(m)
    print(f"mutation: {name}: {len(survivors) - len(still)} of {len(survivors)} survivors "
          f"killed by the current tests; {len(still)} still survive")
    return still


def run_module(name: str, min_rate: float) -> float:
    cfg = _config(name)
    dry = bool(os.environ.get("MUTATION_DRY_RUN"))
    # a dry run counts in its own folder: it must not wipe a session that is running
    work = ROOT / "build" / "mutation" / (f"{name}-dry-run" if dry else name)
    env = _copy(cfg, work)
    cr = str(BIN / "cosmic-ray")
    session = "session.sqlite"
    print(f"mutation: {name}: init, baseline, exec in {work.relative_to(ROOT)}", flush=True)
    _run([cr, "init", "config.toml", session], work, env)
    if "operators-filter" in cfg.read_text(encoding="utf-8"):
        _run([str(BIN / "cr-filter-operators"), session, "config.toml"], work, env)
    conf = tomllib.loads(cfg.read_text(encoding="utf-8"))
    if _line_filter(work, conf):
        _run([str(BIN / "cr-filter-lines"), "--config", "config.toml", session], work, env)
    skipped = _skip_annotations(work, conf["cosmic-ray"]["module-path"], work / session)
    if skipped:
        print(f"mutation: {name}: {skipped} mutants inside annotations skipped", flush=True)
    if dry:  # count the mutants, run nothing
        dump = _run([cr, "dump", session], work, env, capture=True)
        items = [json.loads(line) for line in dump.splitlines()]
        todo = sum(1 for _, r in items if r is None)
        print(f"mutation: {name}: {len(items)} mutants, {todo} to run, "
              f"{len(items) - todo} skipped by the filters")
        return 100.0
    _compile_packages(env)
    _run([cr, "--verbosity", "ERROR", "baseline", "config.toml"], work, env)
    _run([cr, "exec", "config.toml", session], work, env)
    report = _run([str(BIN / "cr-report"), "--show-output", session], work, env, capture=True)
    (work / "report.txt").write_text(report, encoding="utf-8")
    dump = _run([cr, "dump", session], work, env, capture=True)
    total, killed, survivors = _survivors(dump)
    rate = 100.0 * killed / total if total else 0.0
    print(f"mutation: {name}: {killed} of {total} mutants killed ({rate:.1f} %); "
          f"{len(survivors)} survived", flush=True)
    for m in survivors:
        print(f"  {_describe(m)}")
    print(f"mutation: {name}: full report in {(work / 'report.txt').relative_to(ROOT)}")
    if rate < min_rate:
        print(f"mutation: {name}: kill rate {rate:.1f} % is below {min_rate:.0f} %")
    return rate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min", type=float, default=90.0, help="lowest kill rate (per cent)")
    ap.add_argument("--recheck", action="store_true",
                    help="re-test the last session's survivors against the current tests")
    ap.add_argument("names", nargs="+", help="module names (mutation/<name>.toml)")
    a = ap.parse_args()
    if a.recheck:
        for n in a.names:
            recheck(n)
        return
    low = [n for n in a.names if run_module(n, a.min) < a.min]
    if low:
        sys.exit(f"mutation: kill rate below {a.min:.0f} % for: {', '.join(low)}")


if __name__ == "__main__":
    main()
