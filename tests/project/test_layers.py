"""The package's layers, read from the import statements with `ast` (nested imports too).

A module may import only its own layer or a lower one; `stats/` and `index/` take DataFrames
and settings and return DataFrames, so they never import report text, display helpers or
plotting libraries.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "research"

#: Lower numbers are lower layers; core and geo are the foundation every layer may use.
LAYERS = {"core": 0, "geo": 0, "stats": 1, "index": 1, "prepare": 2, "demo": 2,
          "report": 3, "run": 4, "cli": 5, "__init__": 0}

#: What the computing layers must never import.
PURE = ("stats", "index")
FORBIDDEN_IN_PURE = ("research.core.labels", "research.report", "research.run", "matplotlib",
                     "seaborn", "IPython", "html")

MAX_MODULE_LINES = 400
MAX_PURE_FUNCTION_LINES = 60


def modules():
    return sorted(p for p in PACKAGE.rglob("*.py"))


def layer_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def imports(path: Path) -> list[tuple[int, str]]:
    """Every module an import statement of the file names, with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: use absolute imports"
            base = node.module or ""
            found.append((node.lineno, base))
            if base == "research" or base.startswith("research."):
                found += [(node.lineno, f"{base}.{a.name}") for a in node.names]
    return found


def test_every_layer_is_a_known_package():
    assert {layer_of(p) for p in modules()} <= set(LAYERS)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_higher_layer(path):
    own = LAYERS[layer_of(path)]
    wrong = []
    for line, name in imports(path):
        parts = name.split(".")
        if parts[0] == "research" and len(parts) > 1 and parts[1] in LAYERS:
            if LAYERS[parts[1]] > own:
                wrong.append(f"line {line}: {name}")
    assert not wrong, f"{path.relative_to(PACKAGE)} imports a higher layer: {wrong}"


@pytest.mark.parametrize("path", [p for p in modules() if layer_of(p) in PURE],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_statistics_and_index_have_no_words_or_plots(path):
    wrong = [f"line {line}: {name}" for line, name in imports(path)
             if any(name == f or name.startswith(f + ".") for f in FORBIDDEN_IN_PURE)]
    assert not wrong, f"{path.relative_to(PACKAGE)} imports {wrong}"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_over_400_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_MODULE_LINES


@pytest.mark.parametrize("path", [p for p in modules() if layer_of(p) in PURE],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_long_functions_in_statistics_and_index(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    long = [f"{n.name} ({n.end_lineno - n.lineno + 1} lines)" for n in ast.walk(tree)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
            and n.end_lineno - n.lineno + 1 > MAX_PURE_FUNCTION_LINES]
    assert not long, f"{path.relative_to(PACKAGE)}: {long}"


def test_the_rule_catches_a_planted_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from research.report import show\n    import matplotlib.pyplot\n")
    names = [name for _, name in imports(bad)]
    assert names == ["research.report", "research.report.show", "matplotlib.pyplot"]


def test_tests_mirror_the_packages():
    """Unit tests live in tests/unit/<package>/ of an existing package; the rest in e2e or project."""
    tests = PACKAGE.parents[1] / "tests"
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    misplaced = []
    for path in tests.rglob("test_*.py"):
        parts = path.relative_to(tests).parts
        ok = (len(parts) == 3 and parts[0] == "unit" and parts[1] in packages) or (
            len(parts) == 2 and parts[0] in {"e2e", "project"})
        if not ok:
            misplaced.append("/".join(parts))
    assert not misplaced, f"test files outside tests/unit/<package>/, e2e/ or project/: {misplaced}"
