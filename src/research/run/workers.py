"""The local runner's worker processes: how they are started.

On Linux, one server process (multiprocessing's 'forkserver' start method) imports what
every worker needs (`WORKER_MODULES`) once and each worker is forked from it, instead of
each worker importing it all again (some 0.7 s of CPU per worker); elsewhere workers are
spawned (macOS among them: a process that has loaded its system frameworks is not safe to
fork there). `start_server` starts that server at the beginning of a run, so that it imports
while the runner reads the config and compares the manifest.
"""

from __future__ import annotations

import multiprocessing as mp
import sys

#: What every worker process imports (see the module docstring).
WORKER_MODULES = ["research.run.execute", "papermill", "nbformat", "research.run.render",
                  "jupyter_client.manager", "research.report.runlevel"]


def forks() -> bool:
    """Whether workers are forked from the forkserver here (Linux), not spawned."""
    return sys.platform.startswith("linux")


def context():
    """The multiprocessing context of the runner's pool."""
    if not forks():
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(WORKER_MODULES)
    return ctx


def start_server() -> None:
    """Start the forkserver now (on Linux), for a pool started later."""
    if forks():
        from multiprocessing import forkserver
        context()
        forkserver.ensure_running()
