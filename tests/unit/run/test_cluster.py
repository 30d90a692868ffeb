"""`research run --cluster`: a real Dask LocalCluster (two worker processes) on two units
gives byte-for-byte the outputs of the local runner; reruns skip unchanged units; a failed
unit is recorded without publishing anything."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from research.core.config import load_config
from research.run import cluster
from research.run.manifest import RunContext
from research.run.matrix import Unit
from research.run.pipeline import run

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cluster")]

UNITS = [Unit("baseline", "232"), Unit("reflection", "w1-232")]


def _ctx(project: Path, reports: str) -> RunContext:
    cfg = load_config(project / "config" / "suupohja.yml", raw_dir=project / "data" / "raw")
    return RunContext(config=cfg, language="fi", notebooks=project / "notebooks",
                      templates=project / "templates", processed=project / "data" / "processed",
                      raw=project / "data" / "raw", reports=project / reports)


def _outputs(reports: Path) -> dict[str, bytes]:
    return {str(p.relative_to(reports)): p.read_bytes()
            for folder in ("html", "notebooks", "privacy/published")
            for p in sorted((reports / folder).rglob("*")) if p.is_file()}


def test_local_cluster_equals_local_runner(project):
    local = run(_ctx(project, "reports-local"), UNITS, jobs=2)
    assert [e["status"] for e in local] == ["ok", "ok"]
    # the run-level artefact of the same inputs is reused, not computed again
    shutil.copytree(project / "reports-local" / "run", project / "reports-cluster" / "run")
    on_cluster = run(_ctx(project, "reports-cluster"), UNITS, jobs=2, cluster="local")
    assert [e["status"] for e in on_cluster] == ["ok", "ok"]
    a, b = _outputs(project / "reports-local"), _outputs(project / "reports-cluster")
    assert sorted(a) == ["html/baseline/232.html", "html/reflection/w1-232.html",
                         "notebooks/baseline/232.ipynb", "notebooks/reflection/w1-232.ipynb",
                         "privacy/published/reflection/w1-232.json"]
    assert a == b
    assert [e["input_hash"] for e in local] == [e["input_hash"] for e in on_cluster]
    manifest = json.loads((project / "reports-cluster" / "manifest.json").read_text())
    assert manifest["privacy_audit"]["status"] == "passed"
    assert [u["status"] for u in manifest["units"]] == ["ok", "ok"]
    again = run(_ctx(project, "reports-cluster"), UNITS, jobs=2, cluster="local")
    assert [e["status"] for e in again] == ["unchanged", "unchanged"]


def test_a_failed_unit_is_recorded_and_nothing_is_published(tmp_path):
    job = {"phase": "baseline", "unit": "232", "parameters": {"unit": "232"}, "inputs": {},
           "input_hash": "ab" * 32, "title": "t", "reports": str(tmp_path),
           "notebook_rel": "notebooks/baseline/232.ipynb",
           "html_rel": "html/baseline/232.html"}
    entry = cluster.receive(job, {"failure": "cell 3: ValueError: bad", "notebook": b"{}"})
    assert entry["status"] == "failed"
    assert entry["error"] == "cell 3: ValueError: bad"
    assert entry["failed_notebook"] == "failed/baseline/232.ipynb"
    assert (tmp_path / "failed" / "baseline" / "232.ipynb").read_bytes() == b"{}"
    assert not (tmp_path / "html" / "baseline" / "232.html").exists()
    assert not (tmp_path / "notebooks" / "baseline" / "232.ipynb").exists()
    lost = cluster.receive(job, {"failure": "KilledWorker: worker died", "notebook": b""})
    assert (lost["status"], lost["error"], lost["notebook"]) == (
        "failed", "KilledWorker: worker died", None)
    assert list(tmp_path.rglob(".*.tmp*")) == []
