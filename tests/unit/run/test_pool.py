"""The local runner's pool of worker processes: started at once, each worker with the
environment of the run that started the pool (workers are forked from a server process
that an earlier run of the same process may have started)."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import psutil

from research.report import published, runlevel
from research.run.pipeline import start_pool


def _job(reports: Path) -> dict:
    """A first job whose warm-up fails at once (no notebook), so no kernel starts."""
    return {"reports": str(reports), "notebook_rel": "notebooks/baseline/232.ipynb",
            "source": str(reports / "missing.py"), "phase": "baseline", "parameters": {}}


def test_every_worker_has_the_folders_of_its_own_run(tmp_path, monkeypatch):
    monkeypatch.setenv("RESEARCH_POOL_TEST", "before")
    for run in ("first", "second"):
        reports = tmp_path / run
        monkeypatch.setenv("RESEARCH_POOL_TEST", run)
        pool = start_pool(SimpleNamespace(reports=reports), 2, _job(reports))
        try:
            seen = {pool.submit(os.getenv, key).result()
                    for key in (published.ENV, runlevel.ENV, "RESEARCH_POOL_TEST")}
            pids = {pool.submit(os.getpid).result() for _ in range(8)}
            assert len(pool._processes) == 2   # both started with the pool
        finally:
            pool.shutdown()
        assert seen == {str((reports / "privacy").resolve()), str((reports / "run").resolve()),
                        run}
        assert os.getpid() not in pids


def _kernel_pid(folder: str) -> int:
    from research.run.kernel import worker_kernel
    return worker_kernel(Path(folder)).provisioner.pid


def test_a_workers_kernel_stops_with_the_pool(tmp_path):
    # a forked worker leaves without running atexit handlers: the kernel must still stop
    pool = start_pool(SimpleNamespace(reports=tmp_path), 1, _job(tmp_path))
    try:
        pid = pool.submit(_kernel_pid, str(tmp_path)).result(timeout=120)
        assert psutil.pid_exists(pid)
    finally:
        pool.shutdown()
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
