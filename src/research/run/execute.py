"""One unit: its report metadata, its notebook executed with papermill, its HTML report.

The executed notebook and the HTML report are written to temporary files and renamed, so an
interrupted run leaves no truncated report.
"""

from __future__ import annotations

import os
from pathlib import Path

from research.core import labels
from research.core.atomic import temporary, write_text
from research.run import privacy_audit
from research.run.kernel import (drop_worker_kernel, quiet_kernel_logs, warm_kernel,
                                 worker_kernel)
from research.run.manifest import RunContext
from research.run.matrix import Unit

#: The warm-up thread of this worker process (`start_warming`).
_WARMING: dict = {}
#: The official statistics each phase's report draws on (footer of the report).
STATISTICS = {
    "baseline": ["source.statfin", "source.sotkanet", "source.tyonvalitys"],
    "reflection": [],
    "evaluation": ["source.statfin", "source.tyonvalitys"],
    "vitality": ["source.statfin", "source.sotkanet", "source.tyonvalitys"],
}
#: The collected data sets (processed table `provenance`) each phase's report reads.
COLLECTED = {
    "baseline": ["survey"],
    "reflection": ["workshops"],
    "evaluation": ["survey", "rubric"],
    "vitality": [],
}


def synthetic_datasets(processed: Path) -> dict[str, bool]:
    """{data set: synthetic?} of the collected data that `research prepare` read."""
    from research.core.tables import read_table, table_path

    if not table_path(processed, "provenance").exists():
        return {}
    table = read_table(processed, "provenance")
    return {str(d): bool(s) for d, s in zip(table["dataset"], table["synthetic"])}


def sources(phase: str, provenance: dict[str, bool]) -> tuple[list[str], bool]:
    """The source label keys of a phase's report, and whether it reads synthetic data."""
    read = [d for d in COLLECTED[phase] if d in provenance]
    synthetic = any(provenance[d] for d in read)
    keys = list(STATISTICS[phase])
    for d in read:
        key = "source.synthetic" if provenance[d] else f"source.{d}"
        if key not in keys:
            keys.append(key)
    return keys, synthetic


#: Labels of the title block and footer (`report.<key>` in labels.yml).
LABELS = ("programme", "unit", "data_date", "contents", "sources", "manifest_entry",
          "back_to_index", "synthetic_banner", "methods")


def report_meta(ctx: RunContext, unit: Unit, entry_id: str,
                provenance: dict[str, bool], vintages: dict | None = None) -> dict:
    """Title block and footer values of a unit's HTML report, in the report language.
    The data vintage depends on the phase only: `vintages` ({phase: text}) keeps it for
    the other units of the run."""
    from research.core.config import workshop_title
    from research.core.numbers import format_date
    from research.report.context import Report
    from research.report.vintage import vintage_text

    L = labels.labeller(ctx.language)
    rep = Report(config=ctx.config, phase=unit.phase, unit=unit.unit, language=ctx.language,
                 processed=ctx.processed, raw=ctx.raw)
    unit_name = rep.unit_name
    uid = unit.id
    if unit.phase == "reflection" and uid.is_workshop:
        w = next(w for w in ctx.config.phases["reflection"]["workshops"]
                 if w["id"] == uid.workshop)
        title = workshop_title(w, ctx.language)
        unit_name = f"{title} ({format_date(w['date'], ctx.language)}) · {rep.unit_subject}"
    keys, synthetic = sources(unit.phase, provenance)
    vintages = {} if vintages is None else vintages
    if unit.phase not in vintages:
        vintages[unit.phase] = vintage_text(rep)
    return {
        "title": f"{L('phase.' + unit.phase)}: {unit_name}",
        "programme": ctx.config.programme_name(ctx.language),
        "unit_name": unit_name,
        "data_date": vintages[unit.phase],
        "language": ctx.language,
        "sources": [L("source.classification")] + [L(s) for s in keys],
        "notice": L("report.synthetic_notice") if synthetic else "",
        "manifest_entry": entry_id,
        "labels": {k: L(f"report.{k}") for k in LABELS},
        "index_href": "../../index.html",
        # what differs between the two renderings (research.run.render.AUDIENCES)
        "municipal": {"audience_label": L("report.audience_municipal"),
                      "entry_label": L("report.version"), "entry": entry_id.split("@")[-1]},
        "research": {"audience_label": L("report.audience_research"),
                     "entry_label": L("report.manifest_entry"), "entry": entry_id,
                     "other_href": f"../../{unit.html_rel}",
                     "other_label": L("report.audience_municipal")},
    }


def warm_worker(job: dict) -> None:
    """Start this worker process's kernel and warm it with the first unit's parameters
    (`research.run.kernel.warm_kernel`; its log in ``logs/kernels.log``); a failure is
    left to the first unit, which starts the kernel again."""
    reports = Path(job["reports"])
    quiet_kernel_logs(reports / "logs" / "kernels.log", append=True)
    folder = (reports / job["notebook_rel"]).parent
    folder.mkdir(parents=True, exist_ok=True)
    try:
        warm_for(job, folder)
    except Exception:
        drop_worker_kernel()


def warm_for(job: dict, folder: Path) -> None:
    """What a worker's first unit would otherwise pay for: its kernel started in `folder`
    with the notebook's imports run and the data read (`warm_kernel`), and in this process
    the renderer's imports and templates (an empty notebook rendered once)."""
    import nbformat

    warm_kernel(folder, job["phase"], job["parameters"], notebook_imports(job["source"]))
    import papermill  # noqa: F401 - imported now, not in the first unit
    from research.run.render import render_html
    empty = nbformat.v4.new_notebook()
    for audience in ("municipal", "research"):
        render_html(empty, job["meta"], job["templates"], audience)


def notebook_imports(path: str) -> str:
    """The import statements of a notebook's code cells, each once, in order."""
    lines: list[str] = []
    for cell in notebook_source(path).cells:
        if cell.cell_type == "code":
            lines += [line for line in cell.source.splitlines()
                      if line.startswith(("import ", "from ")) and line not in lines]
    return "\n".join(lines)


def start_warming(job: dict, env: dict | None = None) -> None:
    """The initializer of a pool's worker process: `warm_worker` in a thread of its own, so
    that the process takes the run's first tasks (the privacy plan, part of the run-level
    artefact) while its kernel warms up; its first unit waits for the warm-up
    (`_warmed`). `env` is the runner's environment when the pool started (a worker forked
    from a server started by an earlier run would otherwise keep that run's folders)."""
    import threading

    if env is not None:
        os.environ.clear()
        os.environ.update(env)

    thread = threading.Thread(target=warm_worker, args=(job,), daemon=True,
                              name="warm-kernel")
    thread.start()
    _WARMING["thread"] = thread


def _warmed() -> None:
    thread = _WARMING.pop("thread", None)
    if thread is not None:
        thread.join()


def execute_unit(job: dict) -> dict:
    """Run one unit in a worker process; return its manifest entry (status ok or failed)."""
    _warmed()
    reports = Path(job["reports"])
    nb_path = reports / job["notebook_rel"]
    nb_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_nb = str(temporary(nb_path))
    quiet_kernel_logs(reports / "logs" / f"{job['phase']}-{job['unit']}.log")
    privacy_audit.clear_unit(reports, job["phase"], job["unit"])
    try:
        nb, failure = run_notebook(job, tmp_nb)
        if failure is not None:
            return keep_failed(job, tmp_nb, failure)
        return publish(job, tmp_nb, lambda: renderings(nb, job))
    except Exception as exc:  # a broken unit must not stop the others
        drop_worker_kernel()
        return dict(entry_of(job), status="failed", html=None, html_research=None,
                    notebook=None, error=f"{type(exc).__name__}: {exc}")
    finally:
        Path(tmp_nb).unlink(missing_ok=True)


def entry_of(job: dict) -> dict:
    entry = {k: job[k] for k in ("phase", "unit", "parameters", "inputs", "input_hash",
                                 "title")}
    return dict(entry, data_date=job["meta"].get("data_date", ""),
                synthetic=bool(job["meta"].get("notice")))


def renderings(nb, job: dict) -> dict[str, str]:
    """The unit's two HTML renderings, {audience: text} (`research.run.render.AUDIENCES`)."""
    from research.run.render import render_html

    return {audience: render_html(nb, job["meta"], job["templates"], audience)
            for audience in ("municipal", "research")}


def run_notebook(job: dict, out: str):
    """Execute a unit's notebook in this process's warm kernel (`research.run.kernel`),
    writing the executed notebook to `out` (timings stripped): (notebook, None), or
    (None, error text) when a cell fails (the failed notebook is then in `out`)."""
    import nbformat
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    source = notebook_source(job["source"])
    km = worker_kernel((Path(job["reports"]) / job["notebook_rel"]).parent)
    try:
        nb = pm.execute_notebook(source, out, parameters=job["parameters"],
                                 kernel_name="python3", km=km, progress_bar=False,
                                 log_output=False, request_save_on_cell_execute=False)
    except PapermillExecutionError as exc:
        drop_worker_kernel()
        first = (exc.source or "").strip().splitlines()
        return None, (f"cell {exc.exec_count}" + (f" ({first[0][:80]})" if first else "")
                      + f": {exc.ename}: {exc.evalue}")
    strip_volatile(nb)
    nbformat.write(nb, out)
    return nb, None


_SOURCES: dict = {}


def notebook_source(path: str):
    """The jupytext notebook at `path` with the kernel spec of the runs, parsed once per
    worker process while the file is unchanged; a fresh copy for every unit."""
    import copy

    import jupytext

    stat = os.stat(path)
    stamp = (os.path.abspath(path), stat.st_mtime_ns, stat.st_size)
    if stamp not in _SOURCES:
        source = jupytext.read(path)
        source.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                         "language": "python"}
        _SOURCES[stamp] = source
    return copy.deepcopy(_SOURCES[stamp])


def keep_failed(job: dict, tmp_nb: str, error: str) -> dict:
    """The entry of a unit whose notebook failed; the notebook moves to ``failed/``."""
    reports = Path(job["reports"])
    failed = reports / "failed" / job["phase"] / f"{job['unit']}.ipynb"
    failed.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp_nb, failed)
    return dict(entry_of(job), status="failed", html=None, html_research=None, notebook=None,
                failed_notebook=str(failed.relative_to(reports)), error=error)


def publish(job: dict, tmp_nb: str, html) -> dict:
    """After the privacy gate, the unit's two HTML renderings (`html()` or the dict
    {audience: text} itself) and its executed notebook (`tmp_nb`) are moved into place;
    returns the unit's entry."""
    reports = Path(job["reports"])
    entry = entry_of(job)
    entry.update(privacy_audit.gate(reports, job["phase"], job["unit"], tmp_nb))
    if entry.get("status") == "failed":   # the attacker found something: not published
        return entry
    pages = html() if callable(html) else html
    write_text(reports / job["html_rel"], pages["municipal"])
    write_text(reports / job["research_rel"], pages["research"])
    os.replace(tmp_nb, reports / job["notebook_rel"])
    (reports / "failed" / job["phase"] / f"{job['unit']}.ipynb").unlink(missing_ok=True)
    return dict(entry, status="ok", html=job["html_rel"], html_research=job["research_rel"],
                notebook=job["notebook_rel"], error=None)


def strip_volatile(nb) -> None:
    """Drop papermill's timing metadata and number the cells, so that executed notebooks
    (and their HTML) are the same in every run."""
    nb.metadata.get("papermill", {}).pop("start_time", None)
    nb.metadata.get("papermill", {}).pop("end_time", None)
    nb.metadata.get("papermill", {}).pop("duration", None)
    for key in ("input_path", "output_path"):
        nb.metadata.get("papermill", {}).pop(key, None)
    for i, cell in enumerate(nb.cells):
        if "id" in cell:  # jupytext and papermill draw random ids: number them instead
            cell["id"] = f"cell-{i}"
        pm_meta = cell.metadata.get("papermill", {})
        for key in ("start_time", "end_time", "duration"):
            pm_meta.pop(key, None)
        cell.metadata.get("execution", {}).clear()
