"""Shared fixtures: the repository's paths and a prepared copy of the bundled data."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"


@pytest.fixture(scope="session")
def processed(tmp_path_factory) -> Path:
    """`research prepare` of the bundled data into a temporary folder (once per session)."""
    from research.prepare.steps import prepare
    out = tmp_path_factory.mktemp("processed")
    prepare(RAW, out)
    return out


@pytest.fixture
def project(tmp_path, processed) -> Path:
    """A throw-away project folder: config, notebooks and templates copied, data prepared."""
    for name in ("config", "notebooks", "templates"):
        shutil.copytree(ROOT / name, tmp_path / name,
                        ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "raw").symlink_to(RAW)
    shutil.copytree(processed, tmp_path / "data" / "processed")
    return tmp_path


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
