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


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The `research` command as a user runs it, in `cwd`."""
    return subprocess.run([sys.executable, "-m", "research.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=900)
