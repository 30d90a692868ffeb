"""The warm kernel of a worker process: started once, reset before every notebook."""

from __future__ import annotations

import os
from pathlib import Path

#: The kernel of this worker process, kept between units (see `worker_kernel`).
_WORKER: dict = {}

#: `gc.freeze()` moves what survives the reset (modules, fonts, the run's cached tables) out
#: of the collector's sight: without it, the full collection of every reset and the
#: collections while a notebook runs scan that whole heap again (0.4 s per report).
#: The scheduling priority (nice) of a worker's kernel (see `_lower_priority`).
KERNEL_NICE = 10
RESET_CODE = """\
get_ipython().run_line_magic('reset', '-f')
import gc as _gc, os as _os, matplotlib.pyplot as _plt
_plt.close('all')
_gc.collect()
_gc.freeze()
_os.chdir({cwd!r})
del _gc, _os, _plt
get_ipython().execution_count = 1
"""


#: Run once in a new kernel (`warm_kernel`): what every report notebook imports and the
#: first cell of a notebook reads (config, classification, processed tables, labels, fonts).
WARM_CODE = """\
import matplotlib.pyplot as _plt, seaborn
import research.report.context as _context, research.report.show, research.report.style
_R = _context.setup({config!r}, {phase!r}, {unit!r}, {processed!r}, {raw!r}, {language!r})
for _name in ("indicators", "indicator_catalogue", "municipalities"):
    _R.table(_name)
_R.classification, _R.unit_name, _R.L("report.programme")
_f = _plt.figure()
_f.text(0.5, 0.5, "Åäö 0,5 %")
_f.canvas.draw()
_plt.close(_f)
del _plt, _context, _R, _name, _f
import gc as _gc
_gc.collect()
_gc.freeze()
del _gc
"""


def warm_kernel(cwd: Path, phase: str, parameters: dict, imports: str = "") -> None:
    """Start this worker's kernel and run `WARM_CODE` in it with a unit's notebook
    parameters: done while the parent process computes the privacy plan and the run-level
    artefact, so that the first notebook of each worker does not pay for imports, reading
    the data and loading fonts. What it loads stays in the kernel's module caches; the
    reset before every notebook clears the user namespace. `imports` (the notebook's import
    statements) are run first."""
    km = worker_kernel(cwd)
    if _WORKER.get("warm"):
        return
    _execute(km, imports + "\n" + WARM_CODE.format(phase=phase, **{k: parameters.get(k, "") for k in
                                                 ("config", "unit", "processed", "raw",
                                                  "language")}), timeout=300)
    _WORKER["warm"] = True


def _execute(km, code: str, timeout: float) -> dict:
    """Run `code` in the kernel of `km` through a client of its own; the execute reply
    (outputs go nowhere)."""
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        return kc.execute_interactive(code, store_history=False, timeout=timeout,
                                      output_hook=lambda msg: None)
    finally:
        kc.stop_channels()


def worker_kernel(cwd: Path):
    """This worker's kernel, started once and reset before every notebook.

    Starting a kernel and importing pandas, seaborn and statsmodels costs about 3 s, more
    than most report notebooks take to run; reusing one kernel per worker pays it once.
    Before each notebook the user namespace is cleared, figures are closed, the working
    directory is set to the notebook's folder and the execution counter restarts at 1, so
    the executed notebook is what a fresh kernel produces (the strict nbval rerun in the
    tests and in `make review` checks exactly that).
    """
    from multiprocessing import util

    from jupyter_client.manager import KernelManager

    km = _WORKER.get("km")
    env = _run_env()
    if km is not None and _WORKER.get("env") != env:  # a kernel of another run's folders
        drop_worker_kernel()
        km = None
    if km is None or not km.is_alive():
        km = KernelManager(kernel_name="python3", client_class=f"{__name__}.ReadyClient")
        # no history database: restarting the execution counter would make IPython print
        # "Session/line number was not unique" into the next notebook's first cell
        km.start_kernel(cwd=str(cwd), extra_arguments=["--HistoryManager.enabled=False"])
        _lower_priority(km)
        _WORKER["km"] = km
        _WORKER["warm"] = False
        _WORKER["env"] = env
        if not _WORKER.get("atexit"):
            # run when this process exits, also as a worker forked by multiprocessing
            # (which leaves without running atexit handlers)
            util.Finalize(None, drop_worker_kernel, exitpriority=10)
            _WORKER["atexit"] = True
    reply = _execute(km, RESET_CODE.format(cwd=str(Path(cwd).resolve())), timeout=120)
    if reply["content"]["status"] != "ok":
        raise RuntimeError("could not reset the kernel: "
                           f"{reply['content'].get('evalue', '')}")
    return km


def _lower_priority(km) -> None:
    """Run the kernel at `KERNEL_NICE`: a kernel warms up while the runner computes the
    run-level artefact that every notebook waits for, and should not slow it down; when the
    notebooks run, all kernels have the same priority. A kernel starts in a session of its
    own, which Linux schedules as a group (autogroup): its nice is that group's too."""
    pid = getattr(getattr(km, "provisioner", None), "pid", None)
    if not pid or not hasattr(os, "setpriority"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, pid, KERNEL_NICE)
        group = Path(f"/proc/{pid}/autogroup")
        if group.exists():
            group.write_text(str(KERNEL_NICE))
    except OSError:
        pass


def _ready_client_class():
    """`ReadyClient`: jupyter_client's blocking client whose `wait_for_ready` returns as
    soon as the kernel has answered on the shell channel and its IOPub messages arrive.
    jupyter_client's own then waits for 0.2 s of silence on IOPub, twice per unit (the
    reset and papermill's client), in every worker: some 0.4 s of each report's time. Any
    late message of that handshake is not a reply to a cell and is ignored by nbclient."""
    import time
    from queue import Empty

    from jupyter_client.blocking.client import BlockingKernelClient
    from jupyter_client.utils import run_sync

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.time() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                msg = self.shell_channel.get_msg(timeout=1)
            except Empty:
                msg = None
            if msg is not None and msg["msg_type"] == "kernel_info_reply":
                try:
                    self.iopub_channel.get_msg(timeout=0.2)
                except Empty:
                    pass   # IOPub not connected yet: ask again
                else:
                    self._handle_kernel_info_reply(msg)
                    break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.time() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")
        while True:   # what has already arrived of the handshake
            try:
                self.iopub_channel.get_msg(timeout=0)
            except Empty:
                break

    return type("ReadyClient", (BlockingKernelClient,),
                {"wait_for_ready": run_sync(wait_for_ready), "__module__": __name__})


def __getattr__(name: str):
    if name == "ReadyClient":   # built on first use: jupyter_client is imported lazily
        globals()[name] = _ready_client_class()
        return globals()[name]
    raise AttributeError(name)


def _run_env() -> tuple:
    """The environment variables that name a run's folders to its notebooks' kernel."""
    from research.report import published, runlevel
    return tuple(os.environ.get(k) for k in (published.ENV, runlevel.ENV))


def drop_worker_kernel() -> None:
    """Shut this worker's kernel down (after a failure, so the next unit starts clean)."""
    km = _WORKER.pop("km", None)
    if km is not None:
        try:
            km.shutdown_kernel(now=True)
        except Exception:
            pass


def quiet_kernel_logs(path: Path, append: bool = False) -> None:
    """Send this worker's stderr (and its kernels' warnings) to a log file, not the terminal."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC),
                 0o644)
    os.dup2(fd, 2)
    os.close(fd)
