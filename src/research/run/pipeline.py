"""`research run`: the matrix of report units, executed with papermill, rendered to HTML.

What does not depend on the unit (area aggregates, national reference distributions, the
vitality index, the privacy plan) is computed once, before the notebooks
(`research.report.runlevel`, `research.run.privacy_audit`). Each unit (phase x
municipality, workshop x municipality, region) runs its phase's jupytext notebook with
papermill in a worker process (`research.run.execute`), keeping one warm kernel per worker
(`research.run.kernel`), or on a Dask cluster (`research.run.cluster`). A unit whose inputs
hash to the same value as in `reports/manifest.json` is skipped as `unchanged`
(`research.run.manifest`). The manifest is rewritten as units finish (at most every
`MANIFEST_EVERY` seconds, and when the run stops), so the next run finishes what a stopped
run left.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

from research.core.errors import UserError
from research.run import privacy_audit
from research.run.execute import execute_unit, report_meta, start_warming, synthetic_datasets
from research.run.index_page import VITALITY_XLSX, write_index
from research.run.manifest import (RunContext, input_hash, read_manifest,
                                   remove_stale_temporaries, write_manifest)
from research.run.matrix import Unit, build_matrix
from research.run.workers import context as workers_context

__all__ = ["RunContext", "Unit", "build_matrix", "run"]

#: Seconds between two writes of the manifest while units finish: a national manifest
#: takes some 0.1 s to write, and a killed run loses at most this much of its record (those
#: units run again next time; their reports were written atomically).
MANIFEST_EVERY = 2.0


def prepare_run_level(ctx: RunContext, submit=None) -> bool:
    """The run-level artefact (`research.report.runlevel`) before the notebooks: computed
    once per run (with `submit`, partly in a worker: `runlevel.compute`), reused when its
    inputs did not change; True when it was computed."""
    from research.report.runlevel import prepare, run_report
    rep = run_report(ctx.config, ctx.processed.resolve(), ctx.raw.resolve(), ctx.language)
    return prepare(rep, ctx.reports, submit)[1]


def start_pool(ctx: RunContext, workers: int, first: dict) -> ProcessPoolExecutor:
    """The pool of worker processes, each warming its kernel at once with the parameters of
    the `first` job (`research.run.execute.start_warming`, in a thread of the worker) while
    the workers and this process compute the privacy plan and the run-level artefact. The
    run's folders are named to the kernels before they start."""
    from research.report import published, runlevel
    os.environ[published.ENV] = str(privacy_audit.folder_of(ctx.reports).resolve())
    os.environ[runlevel.ENV] = str((ctx.reports / runlevel.FOLDER).resolve())
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=workers_context(),
                               initializer=start_warming, initargs=(first, dict(os.environ)))
    for _ in range(workers):  # a pool starts a worker per task: all of them now
        pool.submit(int)
    return pool


def start_cluster(ctx: RunContext, cluster, workers: int, todo: list[dict]):
    """The connection to the Dask cluster of `--cluster` (`research.run.cluster.Connection`:
    `cluster` is one made already, or the address to connect to), its workers' kernels
    warming while the privacy plan and the run-level artefact are computed (see
    `start_pool`)."""
    from research.report import published, runlevel
    from research.run.cluster import Connection

    os.environ[published.ENV] = str(privacy_audit.folder_of(ctx.reports).resolve())
    connection = cluster if isinstance(cluster, Connection) else Connection(cluster, workers)
    connection.warm(todo, str((ctx.reports / runlevel.FOLDER).resolve()))
    return connection


def _run_local(pool: ProcessPoolExecutor, todo: list[dict], record, progress=None) -> None:
    """The jobs in the pool of worker processes, each with its warm kernel."""
    futures = {pool.submit(execute_unit, job): job for job in todo}
    try:
        for fut in as_completed(futures):
            record(fut.result())
            if progress:
                progress.advance(futures[fut])
    except KeyboardInterrupt:
        for f in futures:
            f.cancel()
        raise


def run(ctx: RunContext, matrix: list[Unit], jobs: int | None = None, force: bool = False,
        progress=None, cluster=None, pdf_browser: str | None = None) -> list[dict]:
    """Execute the matrix (in local worker processes, or on the Dask cluster at `cluster`,
    'local' for a LocalCluster, or of a `research.run.cluster.Connection` made already:
    its maker closes it, `close` being idempotent); return the manifest entries of this run's units.
    With `pdf_browser` (a Chromium path), also print each municipal report to
    `reports/pdf/`."""
    ctx.reports.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(ctx.reports)
    manifest = read_manifest(ctx.reports)
    own_config = os.path.relpath(ctx.config.path.resolve(), ctx.reports.resolve())
    if manifest.get("config") not in (None, own_config):
        raise UserError(f"this folder holds the reports of {manifest['config']}; give the "
                        f"reports of {ctx.config.path} a folder of their own with --reports "
                        "(or empty this one with `make clean`)", file=ctx.reports)
    entries = {f"{e['phase']}/{e['unit']}": e for e in manifest.get("units", [])}
    results: dict[str, dict] = {}
    todo = []
    provenance = synthetic_datasets(ctx.processed)
    vintages: dict[str, str] = {}
    for unit in matrix:
        inputs = ctx.inputs(unit)
        digest = input_hash(inputs)
        old = entries.get(unit.key)
        if (not force and old and old.get("input_hash") == digest and old.get("status") in
                ("ok", "unchanged") and (ctx.reports / unit.html_rel).exists()
                and (ctx.reports / unit.research_rel).exists()
                and (ctx.reports / unit.notebook_rel).exists()):
            results[unit.key] = dict(old, status="unchanged")
            continue
        entry_id = f"{unit.key}@{digest[:12]}"
        meta = report_meta(ctx, unit, entry_id, provenance, vintages)
        todo.append({"phase": unit.phase, "unit": unit.unit, "source": str(ctx.notebooks /
                                                                           f"{unit.phase}.py"),
                     "parameters": ctx.parameters(unit), "inputs": inputs, "input_hash": digest,
                     "title": meta["title"], "meta": meta, "reports": str(ctx.reports),
                     "templates": str(ctx.templates), "notebook_rel": unit.notebook_rel,
                     "html_rel": unit.html_rel, "research_rel": unit.research_rel})

    written = {"at": time.monotonic(), "behind": 0}

    def record(entry: dict) -> None:
        results[f"{entry['phase']}/{entry['unit']}"] = entry
        entries[f"{entry['phase']}/{entry['unit']}"] = entry
        written["behind"] += 1
        if time.monotonic() - written["at"] >= MANIFEST_EVERY:
            write_manifest(ctx, entries)
            written.update(at=time.monotonic(), behind=0)

    if progress:
        progress.start(len(matrix), len(matrix) - len(todo))
    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    pool = start_pool(ctx, workers, todo[0]) if todo and not cluster else None
    client = start_cluster(ctx, cluster, workers, todo) if todo and cluster else None
    try:
        # the privacy plan and part of the run-level artefact are computed by the workers
        submit = (pool.submit if pool is not None else
                  client.submit if client is not None else None)
        plan = (submit(privacy_audit.prepare, ctx.config, ctx.processed.resolve(),
                       ctx.reports.resolve()) if submit is not None else None)
        if plan is None:
            privacy_audit.prepare(ctx.config, ctx.processed, ctx.reports)
        if todo:
            prepare_run_level(ctx, submit)
            if plan is not None:
                plan.result()
            if client is not None:
                from research.run.cluster import run_jobs
                run_jobs(client.client(), todo, record, progress)
            else:
                _run_local(pool, todo, record, progress)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        if client is not None:
            client.close()
        if written["behind"]:
            write_manifest(ctx, entries)
    vit = results.get("vitality/region")
    if vit and (vit["status"] == "ok" or (vit["status"] == "unchanged"
                                          and not (ctx.reports / VITALITY_XLSX).exists())):
        from research.report.vitality import write_exports
        write_exports(ctx.config.path, ctx.reports / "vitality", ctx.processed, ctx.raw)
    privacy_audit.finish(ctx.reports)
    if pdf_browser:
        from research.run.pdf import write_pdfs
        write_pdfs(ctx.reports, results, pdf_browser)
        for key, entry in results.items():
            entries[key]["pdf"] = entry["pdf"]
    write_manifest(ctx, entries)
    write_index(ctx, entries)
    return [results[u.key] for u in matrix]

