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
from research.run.kernel import drop_worker_kernel, quiet_kernel_logs, worker_kernel
from research.run.manifest import RunContext
from research.run.matrix import Unit

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


def report_meta(ctx: RunContext, unit: Unit, entry_id: str,
                provenance: dict[str, bool]) -> dict:
    """Title block and footer values of a unit's HTML report, in the report language."""
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
    return {
        "title": f"{L('phase.' + unit.phase)}: {unit_name}",
        "programme": ctx.config.programme_name(ctx.language),
        "unit_name": unit_name,
        "data_date": vintage_text(rep),
        "language": ctx.language,
        "sources": [L("source.classification")] + [L(s) for s in keys],
        "notice": L("report.synthetic_notice") if synthetic else "",
        "manifest_entry": entry_id,
        "labels": {k: L(f"report.{k}") for k in ("programme", "unit", "data_date", "contents",
                                                 "sources", "manifest_entry")},
    }


def execute_unit(job: dict) -> dict:
    """Run one unit in a worker process; return its manifest entry (status ok or failed)."""
    import jupytext
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from research.run.render import render_html

    reports = Path(job["reports"])
    nb_path = reports / job["notebook_rel"]
    html_path = reports / job["html_rel"]
    nb_path.parent.mkdir(parents=True, exist_ok=True)
    entry = {k: job[k] for k in ("phase", "unit", "parameters", "inputs", "input_hash",
                                 "title")}
    tmp_nb = str(temporary(nb_path))
    quiet_kernel_logs(reports / "logs" / f"{job['phase']}-{job['unit']}.log")
    privacy_audit.clear_unit(reports, job["phase"], job["unit"])
    try:
        source = jupytext.read(job["source"])
        source.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                         "language": "python"}
        km = worker_kernel(nb_path.parent)
        try:
            nb = pm.execute_notebook(source, tmp_nb, parameters=job["parameters"],
                                     kernel_name="python3", km=km,
                                     progress_bar=False, log_output=False,
                                     request_save_on_cell_execute=False)
        except PapermillExecutionError as exc:
            drop_worker_kernel()
            failed = reports / "failed" / job["phase"] / f"{job['unit']}.ipynb"
            failed.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_nb, failed)
            first = (exc.source or "").strip().splitlines()
            return dict(entry, status="failed", html=None, notebook=None,
                        failed_notebook=str(failed.relative_to(reports)),
                        error=f"cell {exc.exec_count}"
                              + (f" ({first[0][:80]})" if first else "")
                              + f": {exc.ename}: {exc.evalue}")
        strip_volatile(nb)
        import nbformat
        nbformat.write(nb, tmp_nb)
        entry.update(privacy_audit.gate(reports, job["phase"], job["unit"], tmp_nb))
        if entry.get("status") == "failed":   # the attacker found something: not published
            return entry
        html = render_html(nb, job["meta"], job["templates"])
        write_text(html_path, html)
        os.replace(tmp_nb, nb_path)
        (reports / "failed" / job["phase"] / f"{job['unit']}.ipynb").unlink(missing_ok=True)
        return dict(entry, status="ok", html=job["html_rel"], notebook=job["notebook_rel"],
                    error=None)
    except Exception as exc:  # a broken unit must not stop the others
        drop_worker_kernel()
        return dict(entry, status="failed", html=None, notebook=None,
                    error=f"{type(exc).__name__}: {exc}")
    finally:
        Path(tmp_nb).unlink(missing_ok=True)


def strip_volatile(nb) -> None:
    """Drop papermill's timing metadata, so that executed notebooks are reproducible."""
    nb.metadata.get("papermill", {}).pop("start_time", None)
    nb.metadata.get("papermill", {}).pop("end_time", None)
    nb.metadata.get("papermill", {}).pop("duration", None)
    for key in ("input_path", "output_path"):
        nb.metadata.get("papermill", {}).pop(key, None)
    for cell in nb.cells:
        pm_meta = cell.metadata.get("papermill", {})
        for key in ("start_time", "end_time", "duration"):
            pm_meta.pop(key, None)
        cell.metadata.get("execution", {}).clear()
