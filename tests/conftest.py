"""Shared fixtures: the repository's paths and a prepared copy of the bundled data."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from research.stats import suppression
from research.stats.suppression import key_of as _key_of

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"


@pytest.fixture(scope="session")
def processed(tmp_path_factory) -> Path:
    """`research prepare` of the bundled data into a temporary folder (once per session)."""
    from research.prepare.steps import prepare
    out = tmp_path_factory.mktemp("processed")
    prepare(RAW, out)
    return out


def make_project(folder: Path, processed: Path) -> Path:
    """A throw-away project in `folder`: config, notebooks and templates copied, the bundled
    raw data linked, the prepared tables copied."""
    for name in ("config", "notebooks", "templates"):
        shutil.copytree(ROOT / name, folder / name,
                        ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
    (folder / "data").mkdir()
    (folder / "data" / "raw").symlink_to(RAW)
    shutil.copytree(processed, folder / "data" / "processed")
    return folder


@pytest.fixture
def project(tmp_path, processed) -> Path:
    """A throw-away project folder (`make_project`) for one test."""
    return make_project(tmp_path, processed)


@pytest.fixture
def make_report():
    """A real `Report` (research.report.context) for testing report functions without a
    notebook: the bundled config or another, a unit, a language, and tables given in memory
    (a dict of DataFrames) or read from a processed folder."""
    from research.core.config import load_config
    from research.report.context import Report

    def make(unit: str = "232", language: str = "en", tables: dict | None = None,
             phase: str = "baseline", config: Path | None = None,
             processed: Path | None = None) -> Report:
        cfg = load_config(config or ROOT / "config" / "suupohja.yml", raw_dir=RAW)
        report = Report(config=cfg, phase=phase, unit=str(unit), language=language,
                        processed=Path(processed or "unused"), raw=RAW)
        report._tables.update({k: v.copy() for k, v in (tables or {}).items()})
        return report
    return make


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The `research` command as a user runs it, in `cwd`."""
    return subprocess.run([sys.executable, "-m", "research.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=900)


# A planted municipality x role table, shared by the suppression and privacy-audit tests.
CODES = ["232", "846", "151", "218"]
ROLES = ["business", "elected", "expert", "office_holder"]


def table_cells(values, shown, population="reflection/w2", table="role"):
    """Published cells of a municipality x role table: `values` {(code, role): n},
    `shown` a predicate (code, role) -> visible; role None is a municipality's total and
    code None a role's total."""
    rows = []

    def add(key, kind, code, role, n):
        rows.append({"population": population, "table": table, "key": key, "kind": kind,
                     "row": code or "programme", "column": role or "total", "value": float(n),
                     "hidden": not shown(code, role), "zero_possible": False})
    for code in CODES:
        for role in ROLES:
            add(_key_of(municipality_code=code, role=role), "cell", code, role,
                values.get((code, role), 0))
        add(_key_of(municipality_code=code), "row_total", code, None,
            sum(values.get((code, r), 0) for r in ROLES))
    for role in ROLES:
        add(_key_of(role=role), "column_total", None, role,
            sum(values.get((c, role), 0) for c in CODES))
    add(_key_of(), "total", None, None, sum(values.values()))
    return pd.DataFrame(rows, columns=suppression.CELL_COLUMNS)


# the w2 role table as the old "smallest visible cell" rule published it
W2 = {("232", "business"): 1, ("232", "elected"): 5, ("232", "expert"): 1,
      ("232", "office_holder"): 5, ("846", "business"): 1, ("846", "elected"): 1,
      ("846", "office_holder"): 2, ("151", "expert"): 3, ("151", "office_holder"): 2,
      ("218", "elected"): 1, ("218", "office_holder"): 2}


def old_rule(code, role):
    return (W2.get((code, role), 0) == 0 or W2.get((code, role), 0) >= 5
            if role and code else True) and not (code and role is None and code in ("846",
                                                                                   "218"))


def figure_overflow(fig) -> list[float]:
    """How far (in inches) what a drawn figure shows reaches beyond its left, bottom, right
    and top edges (matplotlib's tight box of every drawn artist); 0 where it is inside."""
    box = fig.get_tightbbox(fig.canvas.get_renderer())
    width, height = fig.get_size_inches()
    return [round(max(0.0, v), 2) for v in (-box.x0, -box.y0, box.x1 - width,
                                            box.y1 - height)]
