"""`research run`: the matrix of report units, executed with papermill, rendered to HTML.

Each unit (phase x municipality, workshop x municipality, region) runs its phase's jupytext
notebook with papermill in a worker process, and its executed notebook and HTML report are
written to a temporary file and renamed, so an interrupted run leaves no truncated report.
A unit whose inputs (notebook source, config, processed tables, package code, template and
parameters) hash to the same value as in `reports/manifest.json` is skipped as `unchanged`.
The manifest is rewritten after every unit, so the next run finishes what a stopped run left.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from research import __version__
from research.core import labels
from research.core.config import Config
from research.core.atomic import write_text
from research.core.errors import UserError
from research.core.tables import DIGEST
from research.run import privacy_audit

PHASES = ("baseline", "reflection", "evaluation", "vitality")
MANIFEST = "manifest.json"
VITALITY_XLSX = "vitality/vitality_index.xlsx"
SOURCES = {
    "baseline": ["source.statfin", "source.sotkanet", "source.tyonvalitys", "source.synthetic"],
    "reflection": ["source.synthetic"],
    "evaluation": ["source.statfin", "source.tyonvalitys", "source.synthetic"],
    "vitality": ["source.statfin", "source.sotkanet", "source.tyonvalitys"],
}


@dataclass(frozen=True)
class Unit:
    """One report: a phase's notebook run with one unit's parameters."""

    phase: str
    unit: str

    @property
    def key(self) -> str:
        return f"{self.phase}/{self.unit}"

    @property
    def notebook_rel(self) -> str:
        return f"notebooks/{self.phase}/{self.unit}.ipynb"

    @property
    def html_rel(self) -> str:
        return f"html/{self.phase}/{self.unit}.html"


def build_matrix(config: Config, phases: list[str] | None = None,
                 units: list[str] | None = None) -> list[Unit]:
    """All units of the config, filtered by phase and by unit (a code matches its workshops)."""
    for p in phases or []:
        if p not in PHASES:
            near = difflib.get_close_matches(p, PHASES, n=1, cutoff=0.0)
            raise UserError(f"unknown phase '{p}'; did you mean '{near[0]}'? "
                            f"(phases: {', '.join(PHASES)})")
    munis = config.municipalities
    workshops = [w["id"] for w in config.phases["reflection"]["workshops"]]
    matrix = [Unit("baseline", m) for m in munis]
    matrix += [Unit("reflection", f"{w}-{m}") for w in workshops for m in [*munis, "all"]]
    matrix += [Unit("evaluation", m) for m in [*munis, "region"]]
    matrix += [Unit("vitality", "region")]
    if phases:
        matrix = [u for u in matrix if u.phase in phases]
    if units:
        chosen = []
        for wanted in units:
            hits = [u for u in matrix if u.unit == wanted or u.unit.endswith(f"-{wanted}")]
            if not hits:
                valid = sorted({u.unit for u in matrix} | set(munis))
                pool = [v for v in valid if v.isdigit() == wanted.isdigit()] or valid
                near = difflib.get_close_matches(wanted, pool, n=1, cutoff=0.0)
                raise UserError(f"unknown unit '{wanted}'" + (f"; did you mean '{near[0]}'?"
                                                               if near else "")
                                + f" (units: {', '.join(valid)})")
            chosen += [u for u in hits if u not in chosen]
        matrix = [u for u in matrix if u in chosen]
    return matrix


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sha256_files(paths) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(str(p.name).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def package_hash() -> str:
    """Hash of the installed package's code and label table: a code change reruns reports."""
    root = Path(__file__).resolve().parents[1]
    files = [p for p in root.rglob("*") if p.suffix in (".py", ".yml") and p.is_file()]
    return _sha256_bytes(f"{__version__}:{_sha256_files(files)}".encode())


@dataclass
class RunContext:
    """Paths and shared hashes of one `research run`."""

    config: Config
    language: str
    notebooks: Path
    templates: Path
    processed: Path
    raw: Path
    reports: Path
    hashes: dict = field(default_factory=dict)

    def shared_hashes(self) -> dict:
        if not self.hashes:
            digest = self.processed / DIGEST
            if not digest.exists():
                raise UserError("no processed data; run `research prepare` first",
                                file=self.processed)
            self.hashes = {
                "config": _sha256_bytes(self.config.path.read_bytes()),
                "processed": _sha256_bytes(digest.read_bytes()),
                "package": package_hash(),
                "template": _sha256_files([p for p in (self.templates / "report").glob("*")
                                           if p.is_file()]),
            }
        return self.hashes

    def parameters(self, unit: Unit) -> dict:
        """Notebook parameters; paths are relative to the executed notebook's folder."""
        where = os.path.abspath((self.reports / unit.notebook_rel).parent)
        rel = lambda p: os.path.relpath(os.path.abspath(p), where)  # noqa: E731
        return {"config": rel(self.config.path), "unit": unit.unit,
                "processed": rel(self.processed), "raw": rel(self.raw),
                "language": self.language}

    def inputs(self, unit: Unit) -> dict:
        source = self.notebooks / f"{unit.phase}.py"
        if not source.exists():
            raise UserError("notebook source missing", file=source)
        params = self.parameters(unit)
        return dict(self.shared_hashes(), notebook=_sha256_bytes(source.read_bytes()),
                    parameters=_sha256_bytes(json.dumps(params, sort_keys=True).encode()))


def input_hash(inputs: dict) -> str:
    return _sha256_bytes(json.dumps(inputs, sort_keys=True).encode())


def read_manifest(reports: Path) -> dict:
    path = reports / MANIFEST
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return {}


def remove_stale_temporaries(reports: Path) -> None:
    """Temporary files of a run that was killed half-way."""
    for tmp in reports.rglob(".*.tmp*"):
        tmp.unlink(missing_ok=True)


def report_meta(ctx: RunContext, unit: Unit, entry_id: str, data_year: str) -> dict:
    """Title block and footer values of a unit's HTML report, in the report language."""
    from research.report.context import Report

    L = labels.labeller(ctx.language)
    rep = Report(config=ctx.config, phase=unit.phase, unit=unit.unit, language=ctx.language,
                 processed=ctx.processed, raw=ctx.raw)
    unit_name = rep.unit_name
    if unit.phase == "reflection":
        wid = unit.unit.split("-", 1)[0]
        w = next(w for w in ctx.config.phases["reflection"]["workshops"] if w["id"] == wid)
        title = w.get(f"title_{ctx.language}") or wid
        unit_name = f"{title} ({w['date']}) · {unit_name.split(' · ', 1)[1]}"
    notice = (L("report.synthetic_notice")
              if "source.synthetic" in SOURCES[unit.phase] else "")
    return {
        "title": f"{L('phase.' + unit.phase)}: {unit_name}",
        "programme": ctx.config.programme_name(ctx.language),
        "unit_name": unit_name,
        "data_date": data_year,
        "language": ctx.language,
        "sources": [L("source.classification")] + [L(s) for s in SOURCES[unit.phase]],
        "notice": notice,
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
    fd, tmp_nb = tempfile.mkstemp(prefix=f".{nb_path.name}.", suffix=".tmp.ipynb",
                                  dir=nb_path.parent)
    os.close(fd)
    os.chmod(tmp_nb, 0o644)
    _quiet_kernel_logs(reports / "logs" / f"{job['phase']}-{job['unit']}.log")
    privacy_audit.clear_unit(reports, job["phase"], job["unit"])
    try:
        source = jupytext.read(job["source"])
        source.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                         "language": "python"}
        km = _worker_kernel(nb_path.parent)
        try:
            nb = pm.execute_notebook(source, tmp_nb, parameters=job["parameters"],
                                     kernel_name="python3", km=km,
                                     progress_bar=False, log_output=False,
                                     request_save_on_cell_execute=False)
        except PapermillExecutionError as exc:
            _drop_worker_kernel()
            failed = reports / "failed" / job["phase"] / f"{job['unit']}.ipynb"
            failed.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_nb, failed)
            first = (exc.source or "").strip().splitlines()
            return dict(entry, status="failed", html=None, notebook=None,
                        failed_notebook=str(failed.relative_to(reports)),
                        error=f"cell {exc.exec_count}"
                              + (f" ({first[0][:80]})" if first else "")
                              + f": {exc.ename}: {exc.evalue}")
        _strip_volatile(nb)
        import nbformat
        nbformat.write(nb, tmp_nb)
        audit = privacy_audit.check_unit(reports, job["phase"], job["unit"])
        entry["privacy_audit"] = privacy_audit.summary(audit)
        if audit and audit["problems"]:   # nothing of this unit is published
            privacy_audit.clear_unit(reports, job["phase"], job["unit"])
            failed = reports / "failed" / job["phase"] / f"{job['unit']}.ipynb"
            failed.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_nb, failed)
            return dict(entry, status="failed", html=None, notebook=None,
                        failed_notebook=str(failed.relative_to(reports)),
                        error=privacy_audit.message(audit["problems"][0], audit["threshold"]))
        html = render_html(nb, job["meta"], job["templates"])
        write_text(html_path, html)
        os.replace(tmp_nb, nb_path)
        (reports / "failed" / job["phase"] / f"{job['unit']}.ipynb").unlink(missing_ok=True)
        return dict(entry, status="ok", html=job["html_rel"], notebook=job["notebook_rel"],
                    error=None)
    except Exception as exc:  # a broken unit must not stop the others
        _drop_worker_kernel()
        return dict(entry, status="failed", html=None, notebook=None,
                    error=f"{type(exc).__name__}: {exc}")
    finally:
        Path(tmp_nb).unlink(missing_ok=True)


#: The kernel of this worker process, kept between units (see `_worker_kernel`).
_WORKER: dict = {}

RESET_CODE = """\
get_ipython().run_line_magic('reset', '-f')
import os as _os, matplotlib.pyplot as _plt
_plt.close('all')
_os.chdir({cwd!r})
del _os, _plt
get_ipython().execution_count = 1
"""


def _worker_kernel(cwd: Path):
    """This worker's kernel, started once and reset before every notebook.

    Starting a kernel and importing pandas, seaborn and statsmodels costs about 3 s, more
    than most report notebooks take to run; reusing one kernel per worker pays it once.
    Before each notebook the user namespace is cleared, figures are closed, the working
    directory is set to the notebook's folder and the execution counter restarts at 1, so
    the executed notebook is what a fresh kernel produces (the strict nbval rerun in the
    tests and in `make review` checks exactly that).
    """
    import atexit

    from jupyter_client.manager import KernelManager

    km = _WORKER.get("km")
    if km is None or not km.is_alive():
        km = KernelManager(kernel_name="python3")
        # no history database: restarting the execution counter would make IPython print
        # "Session/line number was not unique" into the next notebook's first cell
        km.start_kernel(cwd=str(cwd), extra_arguments=["--HistoryManager.enabled=False"])
        _WORKER["km"] = km
        if not _WORKER.get("atexit"):
            atexit.register(_drop_worker_kernel)
            _WORKER["atexit"] = True
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        reply = kc.execute_interactive(RESET_CODE.format(cwd=str(Path(cwd).resolve())),
                                       store_history=False, timeout=120)
        if reply["content"]["status"] != "ok":
            raise RuntimeError("could not reset the kernel: "
                               f"{reply['content'].get('evalue', '')}")
    finally:
        kc.stop_channels()
    return km


def _drop_worker_kernel() -> None:
    """Shut this worker's kernel down (after a failure, so the next unit starts clean)."""
    km = _WORKER.pop("km", None)
    if km is not None:
        try:
            km.shutdown_kernel(now=True)
        except Exception:
            pass


def _quiet_kernel_logs(path: Path) -> None:
    """Send this worker's stderr (and its kernels' warnings) to a log file, not the terminal."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 2)
    os.close(fd)


def _strip_volatile(nb) -> None:
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


def run(ctx: RunContext, matrix: list[Unit], jobs: int | None = None, force: bool = False,
        progress=None) -> list[dict]:
    """Execute the matrix; return the manifest entries of this run's units."""
    ctx.reports.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(ctx.reports)
    privacy_audit.prepare(ctx.config, ctx.processed, ctx.reports)
    manifest = read_manifest(ctx.reports)
    own_config = os.path.relpath(ctx.config.path.resolve(), ctx.reports.resolve())
    if manifest.get("config") not in (None, own_config):
        raise UserError(f"this folder holds the reports of {manifest['config']}; give the "
                        f"reports of {ctx.config.path} a folder of their own with --reports "
                        "(or empty this one with `make clean`)", file=ctx.reports)
    entries = {f"{e['phase']}/{e['unit']}": e for e in manifest.get("units", [])}
    results: dict[str, dict] = {}
    todo = []
    data_year = _data_year(ctx)
    for unit in matrix:
        inputs = ctx.inputs(unit)
        digest = input_hash(inputs)
        old = entries.get(unit.key)
        if (not force and old and old.get("input_hash") == digest and old.get("status") in
                ("ok", "unchanged") and (ctx.reports / unit.html_rel).exists()
                and (ctx.reports / unit.notebook_rel).exists()):
            results[unit.key] = dict(old, status="unchanged")
            continue
        entry_id = f"{unit.key}@{digest[:12]}"
        meta = report_meta(ctx, unit, entry_id, data_year)
        todo.append({"phase": unit.phase, "unit": unit.unit, "source": str(ctx.notebooks /
                                                                           f"{unit.phase}.py"),
                     "parameters": ctx.parameters(unit), "inputs": inputs, "input_hash": digest,
                     "title": meta["title"], "meta": meta, "reports": str(ctx.reports),
                     "templates": str(ctx.templates), "notebook_rel": unit.notebook_rel,
                     "html_rel": unit.html_rel})

    def record(entry: dict) -> None:
        results[f"{entry['phase']}/{entry['unit']}"] = entry
        entries[f"{entry['phase']}/{entry['unit']}"] = entry
        write_manifest(ctx, entries)

    if progress:
        progress.start(len(matrix), len(matrix) - len(todo))
    if todo:
        workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
        import multiprocessing as mp
        with ProcessPoolExecutor(max_workers=workers,
                                 mp_context=mp.get_context("spawn")) as pool:
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
    vit = results.get("vitality/region")
    if vit and (vit["status"] == "ok" or (vit["status"] == "unchanged"
                                          and not (ctx.reports / VITALITY_XLSX).exists())):
        from research.report.vitality import write_exports
        write_exports(ctx.config.path, ctx.reports / "vitality", ctx.processed, ctx.raw)
    privacy_audit.finish(ctx.reports)
    write_manifest(ctx, entries)
    write_index(ctx, entries)
    return [results[u.key] for u in matrix]


def _data_year(ctx: RunContext) -> str:
    from research.core.tables import read_table
    ind = read_table(ctx.processed, "indicators")
    return str(int(ind["year"].max())) if len(ind) else ""


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version
    out = {"python": ".".join(map(str, sys.version_info[:3]))}
    for name in ("research", "pandas", "numpy", "scipy", "statsmodels", "matplotlib", "seaborn",
                 "papermill", "nbconvert", "jupytext"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def write_manifest(ctx: RunContext, entries: dict) -> None:
    from research.core.tables import read_digest
    units = sorted(entries.values(), key=lambda e: (PHASES.index(e["phase"])
                                                    if e["phase"] in PHASES else 99, e["unit"]))
    manifest = {
        "programme": ctx.config.programme_name(ctx.language),
        "config": os.path.relpath(ctx.config.path.resolve(), ctx.reports.resolve()),
        "language": ctx.language,
        "versions": _versions(),
        "processed_tables": read_digest(ctx.processed),
        "inputs": ctx.shared_hashes(),
        "privacy_audit": privacy_audit.summary(privacy_audit.read_audit(ctx.reports)),
        "units": units,
    }
    write_text(ctx.reports / MANIFEST, json.dumps(manifest, indent=2,
                                                         ensure_ascii=False) + "\n")


def write_index(ctx: RunContext, entries: dict) -> None:
    """`reports/index.html`: every report by phase, with its status; self-contained."""
    import html
    L = labels.labeller(ctx.language)
    rows = []
    for phase in PHASES:
        units = sorted((e for e in entries.values() if e["phase"] == phase),
                       key=lambda e: e["unit"])
        if not units:
            continue
        rows.append(f"<h2>{html.escape(L('phase.' + phase))}</h2><ul>")
        for e in units:
            title = html.escape(e.get("title") or e["unit"])
            if e.get("html"):
                item = f'<a href="{html.escape(e["html"])}">{title}</a>'
            else:
                item = f"{title} — <strong>{html.escape(L('report.status_failed'))}</strong>"
            rows.append(f"<li>{item}</li>")
        if phase == "vitality" and (ctx.reports / VITALITY_XLSX).exists():
            rows.append(f'<li>{html.escape(L("report.exports"))}: '
                        f'<a href="{VITALITY_XLSX}">Excel</a> · '
                        '<a href="vitality/vitality_index.csv">CSV</a></li>')
        rows.append("</ul>")
    programme = ctx.config.programme_name(ctx.language)
    page = f"""<!DOCTYPE html>
<html lang="{ctx.language}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(L('report.index_title'))}: {html.escape(programme)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;
color:#222}}h1{{color:#1f4e79}}h2{{border-bottom:1px solid #ccc}}li{{margin:.2rem 0}}</style>
</head><body>
<h1>{html.escape(L('report.index_title'))}: {html.escape(programme)}</h1>
<p>{html.escape(L('report.index_intro', programme=programme))}</p>
{''.join(rows)}
</body></html>
"""
    write_text(ctx.reports / "index.html", page)
