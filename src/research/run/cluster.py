"""`research run --cluster ADDRESS`: the units on a Dask distributed cluster.

Each Dask worker process keeps one warm kernel (`research.run.kernel`) and runs one unit at
a time (a lock, whatever its number of threads): it executes the notebook with papermill
in the project folder it shares with the client (the same paths on every machine, as on a
Slurm cluster's shared file system), renders the HTML, and sends back the executed
notebook, the HTML and the tables the report publishes. It writes nothing into the reports
folder: the client does, atomically, after the same privacy gate as the local runner
(`research.run.execute.publish`), and records the manifest entry. A unit that fails, or
whose worker dies, is a failed entry; the others go on. `--cluster local` starts a
`LocalCluster` of worker processes on this machine.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path

from research.core.atomic import temporary, write_bytes
from research.report import published, runlevel
from research.run import privacy_audit
from research.run.execute import entry_of, keep_failed, publish

#: One unit at a time per worker process: one warm kernel.
_LOCK = threading.Lock()
#: Dask settings of a LocalCluster that runs a batch of reports with no one watching its
#: dashboard: no statistical profiler sampling every worker's threads every 10 ms, and the
#: event loop, system and memory monitors polled every second instead of every 20-500 ms
#: (together some 2 s of CPU in a 10-report run on two cores).
BATCH_CONFIG = {"distributed.worker.profile.enabled": False,
                "distributed.admin.tick.interval": "1s",
                "distributed.admin.system-monitor.interval": "1s",
                "distributed.worker.memory.monitor-interval": "1s"}
#: This worker's scratch folder, named to its kernel as the run's privacy folder.
_SCRATCH: dict = {}


def remote_unit(job: dict) -> dict:
    """On a worker: execute a unit; return what the client writes (no file in reports/)."""
    from research.run.execute import renderings, run_notebook
    from research.run.kernel import drop_worker_kernel

    with _LOCK:
        scratch = _scratch(job)
        side = published.side_file(scratch, job["phase"], job["unit"])
        side.unlink(missing_ok=True)
        out = str(scratch / "notebook.ipynb")
        try:
            nb, failure = run_notebook(job, out)
            notebook = Path(out).read_bytes() if Path(out).exists() else b""
            if failure is not None:
                return {"failure": failure, "notebook": notebook}
            return {"failure": None, "notebook": notebook,
                    "html": renderings(nb, job),
                    "side": side.read_bytes() if side.exists() else None}
        except Exception as exc:  # noqa: BLE001 - reported as the unit's failure
            drop_worker_kernel()
            return {"failure": f"{type(exc).__name__}: {exc}", "notebook": b""}
        finally:
            Path(out).unlink(missing_ok=True)


def warm_remote(job: dict) -> None:
    """On a worker: start its kernel and warm it (`research.run.execute.warm_for`) with the
    first unit's parameters, in a thread, so that the worker takes the client's first tasks
    (the privacy plan, part of the run-level artefact) at once, as a pool's worker does
    (`research.run.execute.start_warming`); the thread holds the unit lock, so the worker's
    first unit waits for it. A failure is left to that unit, which starts the kernel again."""
    _LOCK.acquire()
    try:
        _scratch(job)
        folder = (Path(job["reports"]) / job["notebook_rel"]).parent
        threading.Thread(target=_warm, args=(job, folder), daemon=True,
                         name="warm-kernel").start()
    except BaseException:
        _LOCK.release()
        raise


def _warm(job: dict, folder: Path) -> None:
    from research.run.execute import warm_for
    from research.run.kernel import drop_worker_kernel

    try:
        warm_for(job, folder)
    except Exception:  # noqa: BLE001
        drop_worker_kernel()
    finally:
        _LOCK.release()


def _scratch(job: dict) -> Path:
    """The worker's privacy folder (the run's plan copied in when it changed) and the run's
    folders named in its environment, before its kernel starts."""
    if "path" not in _SCRATCH:
        _SCRATCH["path"] = Path(tempfile.mkdtemp(prefix="research-worker-"))
    folder = _SCRATCH["path"]
    plan = privacy_audit.folder_of(Path(job["reports"])) / published.PLAN
    if plan.exists():
        stat = plan.stat()
        stamp = (str(plan.resolve()), stat.st_mtime_ns, stat.st_size)
        if _SCRATCH.get("plan") != stamp:   # a kernel parses a new copy again
            shutil.copyfile(plan, folder / published.PLAN)
            _SCRATCH["plan"] = stamp
    os.environ[published.ENV] = str(folder)
    if job.get("run_dir"):
        os.environ[runlevel.ENV] = job["run_dir"]
    return folder


def receive(job: dict, result: dict) -> dict:
    """On the client: write a unit's outputs atomically; return its manifest entry."""
    reports = Path(job["reports"])
    nb_path = reports / job["notebook_rel"]
    tmp_nb = temporary(nb_path)
    try:
        write_bytes(tmp_nb, result.get("notebook") or b"")
        if result["failure"] is not None:
            if not result.get("notebook"):
                return dict(entry_of(job), status="failed", html=None, html_research=None,
                            notebook=None, error=result["failure"])
            return keep_failed(job, str(tmp_nb), result["failure"])
        side = published.side_file(privacy_audit.folder_of(reports), job["phase"], job["unit"])
        if result.get("side") is not None:
            write_bytes(side, result["side"])
        else:
            side.unlink(missing_ok=True)
        return publish(job, str(tmp_nb), result["html"])
    finally:
        tmp_nb.unlink(missing_ok=True)


def client_for(address: str, workers: int):
    """A distributed Client: of a new LocalCluster (`local`, `workers` processes of one
    thread, forked from a forkserver that imports distributed and the runner's modules
    once where the platform has one: `research.run.workers`) or of the scheduler at
    `address` (tcp://host:8786)."""
    from distributed import Client, LocalCluster

    if address == "local":
        import dask

        _fork_workers()
        dask.config.set(BATCH_CONFIG)
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        return Client(cluster)
    return Client(address)


def _fork_workers() -> None:
    """LocalCluster worker processes forked from the forkserver (see `client_for`): the
    Dask setting `distributed.worker.multiprocessing-method`, with distributed's own list of
    modules to preload replaced by distributed and `research.run.workers.WORKER_MODULES`."""
    import dask
    from distributed.utils import get_mp_context

    from research.run.workers import WORKER_MODULES, forks

    if not forks():
        return
    dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"})
    get_mp_context().set_forkserver_preload(["distributed", *WORKER_MODULES])


def remote_jobs(todo: list[dict], run_dir: str) -> list[dict]:
    """The jobs as a worker runs them: absolute paths, the run-level folder named."""
    todo = [dict(job, run_dir=run_dir, **{k: os.path.abspath(job[k]) for k in
                                          ("reports", "source", "templates")}) for job in todo]
    for job in todo:  # the kernels start in the executed notebooks' folders
        (Path(job["reports"]) / job["notebook_rel"]).parent.mkdir(parents=True, exist_ok=True)
    return todo


def connect(address: str, workers: int):
    """The client of the cluster at `address` ('local': a new LocalCluster, its workers
    up)."""
    client = client_for(address, workers)
    if address == "local":
        client.wait_for_workers(workers, timeout=120)
    return client


def warm_workers(client, first: dict):
    """Every worker's kernel warming up with the `first` job (`warm_remote`), so that
    starting the kernels overlaps the client's preparation of the run (privacy plan,
    run-level artefact); returns the client."""
    for worker in client.scheduler_info()["workers"]:
        client.submit(warm_remote, first, pure=False, workers=[worker],
                      allow_other_workers=False, key=f"research-warm-{worker}")
    return client


class Connection:
    """The client of the cluster at `address`, connected in a thread of this process from
    the start (`research run` makes it before reading the config): a LocalCluster's
    processes start (some 2 s) while the runner reads the config and begins the run-level
    work, as a process pool's workers do. `warm(todo, run_dir)` warms the workers' kernels
    once the jobs are known; `submit` hands a function to the cluster once it is up (a
    future of its result); `client()` waits for the connection and the warm-up tasks and
    raises the connection's error (a scheduler that cannot be reached: OSError)."""

    def __init__(self, address: str, workers: int):
        from concurrent.futures import ThreadPoolExecutor

        self._threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="cluster")
        self._connected = self._threads.submit(connect, address, workers)
        self._ready = self._connected
        self._closed = False

    def warm(self, todo: list[dict], run_dir: str) -> None:
        first = remote_jobs(todo[:1], run_dir)[0]
        connected = self._connected
        self._ready = self._threads.submit(lambda: warm_workers(connected.result(), first))

    def client(self):
        return self._ready.result()

    def submit(self, fn, *args):
        return self._threads.submit(lambda: self.client().submit(fn, *args, pure=False).result())

    def close(self) -> None:
        """Stop the cluster (`stop`), once; a connection that failed has nothing to stop."""
        if self._closed:
            return
        self._closed = True
        try:
            client = self._connected.result()
        except Exception:  # noqa: BLE001 - raised already where the client was needed
            client = None
        if client is not None:
            stop(client)
        self._threads.shutdown()


def run_jobs(client, todo: list[dict], record, progress=None) -> None:
    """Run the jobs on the cluster of `client` (`start`); `record(entry)` each unit's entry
    as it arrives."""
    from distributed import as_completed

    todo = remote_jobs(todo, os.environ.get(runlevel.ENV))
    futures = {client.submit(remote_unit, job, pure=False,
                             key=f"research-{job['phase']}-{job['unit']}-"
                                 f"{job['input_hash'][:12]}"): job for job in todo}
    for fut in as_completed(futures):
        job = futures[fut]
        try:
            result = fut.result()
        except Exception as exc:  # noqa: BLE001 - a dead worker fails its unit only
            result = {"failure": f"{type(exc).__name__}: {exc}", "notebook": b""}
        record(receive(job, result))
        if progress:
            progress.advance(job)


def stop(client) -> None:
    """Close the client and the LocalCluster it started."""
    cluster = getattr(client, "cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()
