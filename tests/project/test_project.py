"""Project-level checks: notebooks, environment.yml against pyproject, CLI help, make help."""

import ast
import re
import subprocess
import sys
import tomllib

import jupytext
import pytest
import yaml

from conftest import ROOT, run_cli

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))
PARAMETERS = ["config", "unit", "processed", "raw", "language"]


def test_the_four_notebooks_exist():
    assert [p.stem for p in NOTEBOOKS] == ["baseline", "evaluation", "reflection", "vitality"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_has_tagged_parameters_cell_and_no_definitions(path):
    nb = jupytext.read(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    names = [t.id for s in ast.parse(code[0].source).body for t in s.targets]
    assert names == PARAMETERS
    for cell in code[1:]:
        tree = ast.parse(cell.source)
        assert not [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef,
                                                                 ast.AsyncFunctionDef))]
    assert f'report.setup(config, "{path.stem}", unit' in code[1].source


def _name(requirement: str) -> str:
    return re.split(r"[<>=!\[ ]", requirement, maxsplit=1)[0].lower()


def test_environment_yml_lists_the_same_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_name(r): r for r in project["dependencies"]}
    wanted.update({_name(r): r for r in project["optional-dependencies"]["test"]
                   if _name(r) != "ruff"})
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert env["channels"] == ["conda-forge"]
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    listed = {_name(r): r for r in conda + pip}
    assert "-e ." in pip
    assert "jupyterlab" in {_name(r) for r in conda}
    for name, requirement in wanted.items():
        assert name in listed, f"{name} missing from environment.yml"
        assert listed[name].replace(" ", "") == requirement.replace(" ", ""), name


@pytest.mark.parametrize("command", ["prepare", "run", "review", "new-region", "synth"])
def test_every_command_has_help(command):
    result = run_cli(command, "--help", cwd=ROOT)
    assert result.returncode == 0
    assert "Usage: " in result.stdout and "--help" in result.stdout


def test_make_help_lists_the_targets():
    result = subprocess.run(["make", "help"], cwd=ROOT, capture_output=True, text=True)
    targets = re.findall(r"make (\w+)", result.stdout)
    assert targets == ["help", "prepare", "reports", "test", "review", "bench", "lint", "lab",
                       "clean"]


def test_lint_is_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "src", "tests", "notebooks",
                             "benchmarks"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
