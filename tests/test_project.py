"""Project-level checks: environment files agree, README matches the registry, notebooks are
committed without outputs, the CI script runs the README's test command."""

from __future__ import annotations

import json
import re
import subprocess
import tomllib

import yaml
from conftest import ROOT

from geoclaims import datasets


def _norm(name: str) -> str:
    return re.split(r"[<>=!~\[; ]", name.strip())[0].lower().replace("_", "-")


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_norm(d) for d in project["dependencies"]}
    wanted |= {_norm(d) for d in project["optional-dependencies"]["dev"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip = set(), set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip |= {_norm(p) for p in dep["pip"] if not p.startswith("-")}
        else:
            conda.add(_norm(dep))
    conda -= {"python", "pip"}
    assert conda | pip == wanted, (
        f"only in pyproject: {sorted(wanted - conda - pip)}; "
        f"only in environment.yml: {sorted((conda | pip) - wanted)}"
    )


def test_lock_file_pins_every_dependency():
    lock = (ROOT / "requirements.lock").read_text()
    pinned = {_norm(line.split("==")[0]) for line in lock.splitlines() if "==" in line}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = {_norm(d) for d in project["dependencies"] + project["optional-dependencies"]["dev"]}
    assert deps <= pinned, f"not in requirements.lock (run `make lock`): {sorted(deps - pinned)}"


def test_readme_data_section_matches_the_registry():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- data-list:start -->\n")[1].split("\n<!-- data-list:end -->")[0]
    assert block == datasets.markdown(), "README's data section is stale: regenerate it"


def test_readme_gives_the_two_setup_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    assert "make all" in readme and "make test" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    commands = [line for line in ci.splitlines() if line and not line.startswith(("#", "set ", "cd "))]
    assert commands == ["make test"]


def test_notebooks_are_committed_without_outputs():
    tracked = subprocess.run(["git", "ls-files", "notebooks/*.ipynb"], cwd=ROOT, text=True,
                             capture_output=True, check=True).stdout.split()
    on_disk = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "notebooks").glob("*.ipynb"))
    for rel in sorted(set(tracked) | set(on_disk)):
        nb = json.loads((ROOT / rel).read_text())
        for i, cell in enumerate(nb["cells"]):
            if cell["cell_type"] == "code":
                assert cell.get("outputs") == [], f"{rel}: cell {i} has outputs"
                assert cell.get("execution_count") is None, f"{rel}: cell {i} has a count"
