"""The `research` command line: prepare data, run reports, review them, start a new region."""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.markup import escape

from research.core.errors import UserError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Action-research analysis kit: data in, reports out, reruns checked.")
err = Console(stderr=True, highlight=False)
out = Console(highlight=False)

DEFAULT_CONFIG = Path("config/suupohja.yml")


@app.command()
def prepare(raw: Path = typer.Option(Path("data/raw"), help="Folder of raw exports (read only)."),
            processed: Path = typer.Option(Path("data/processed"),
                                           help="Folder of tidy tables to write."),
            max_shrink: Optional[float] = typer.Option(
                None, min=0.0, max=1.0, help="Share of rows a table may lose since the previous "
                "prepare (default 0.25, from prepare/validation.yml).")) -> None:
    """Validate data/raw and write the tidy tables of data/processed (atomically)."""
    from research.prepare.steps import prepare as run_prepare
    digest = run_prepare(raw, processed, max_shrink=max_shrink)
    for name, sha in digest.items():
        out.print(f"  {name:<20} {sha[:12]}")
    out.print(f"[green]prepared {len(digest)} tables in {processed}[/green]")


@app.command()
def fetch(source: Optional[List[str]] = typer.Argument(
              None, help="Catalogue sources to download (default: every source with an api)."),
          raw: Path = typer.Option(Path("data/raw"), help="Raw data folder to write into."),
          timeout: float = typer.Option(30.0, help="Seconds to wait for each answer."),
          retries: int = typer.Option(3, help="Retries after a timeout, HTTP 429 or 5xx."),
          list_only: bool = typer.Option(False, "--list", help="List the api sources and "
                                                               "exit.")) -> None:
    """Download the catalogue's API sources (Statistics Finland PxWeb v1/v2, THL Sotkanet)
    into data/raw/statfin/ with a provenance file each (URL, query, time, SHA-256, citation,
    licence CC BY 4.0). The only command that goes online; run `research prepare` after it.
    Keeps to 30 requests per 10 s (or the API's /config), splits large queries, retries with
    backoff; a failure is one line and writes nothing."""
    from research.prepare.catalogue import load_catalogue
    from research.prepare.fetch import Http, Limits, api_sources, fetch as run_fetch

    if list_only:
        for name, spec in api_sources(load_catalogue(raw)).items():
            out.print(f"  {name:<24} {spec['api']['service']:<9} {spec['file']}")
        return
    http = Http(limits=Limits(timeout=timeout, retries=retries))
    for path in run_fetch(raw, source or None, http):
        out.print(f"  wrote {path}")
    out.print(f"[green]fetched {len(http.log)} responses; run `research prepare` next[/green]")


class _Progress:
    def __init__(self):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[last]}"), console=err,
                            disable=not err.is_terminal)
        self.task = None

    def start(self, total: int, done: int) -> None:
        self.bar.start()
        self.task = self.bar.add_task("reports", total=total, completed=done, last="")

    def advance(self, job: dict) -> None:
        self.bar.update(self.task, advance=1, last=f"{job['phase']}/{job['unit']}")

    def stop(self) -> None:
        if self.task is not None:
            self.bar.stop()


@app.command()
def run(config: Path = typer.Option(DEFAULT_CONFIG, "--config", "-c", help="Programme config."),
        phase: Optional[List[str]] = typer.Option(None, "--phase", "-p",
                                                  help="Only this phase (repeatable)."),
        unit: Optional[List[str]] = typer.Option(None, "--unit", "-u",
                                                 help="Only this unit, municipality code or "
                                                      "name, e.g. 232 or Kauhajoki "
                                                      "(repeatable)."),
        jobs: Optional[int] = typer.Option(None, "--jobs", "-j",
                                           help="Parallel workers (default: number of cores)."),
        force: bool = typer.Option(False, "--force", help="Rerun units whose inputs are "
                                                          "unchanged."),
        cluster: Optional[str] = typer.Option(
            None, "--cluster", help="Run the units on the Dask cluster whose scheduler is "
            "at this address (tcp://host:8786), or 'local' for a LocalCluster of -j "
            "worker processes."),
        language: str = typer.Option("", "--language", "-l",
                                     help="Report language fi, en or sv (default: the config's)."),
        reports: Path = typer.Option(Path("reports"), help="Output folder."),
        processed: Path = typer.Option(Path("data/processed"), help="Tidy tables folder."),
        raw: Path = typer.Option(Path("data/raw"), help="Raw data folder."),
        notebooks: Path = typer.Option(Path("notebooks"), help="Notebook sources."),
        templates: Path = typer.Option(Path("templates"), help="Report templates."),
        pdf: bool = typer.Option(False, "--pdf", help="Also print each municipal report to "
                                                      "reports/pdf/ with headless Chromium.")
        ) -> None:
    """Execute the report notebooks of a programme and render their HTML reports."""
    connection = None
    if force or not (reports / "manifest.json").exists():
        # the workers start while the config and the manifest are read
        if cluster is None:
            from research.run.workers import start_server
            start_server()
        else:
            from research.run.cluster import Connection
            connection = Connection(cluster, jobs or os.cpu_count() or 1)
    try:
        results = _run(config, phase, unit, jobs, force, connection or cluster, language,
                       reports, processed, raw, notebooks, templates, pdf)
    finally:
        if connection is not None:
            connection.close()
    counts = {s: sum(r["status"] == s for r in results) for s in ("ok", "unchanged", "failed")}
    for r in results:
        if r["status"] == "failed":
            err.print(f"[red]failed[/red] {r['phase']}/{r['unit']}: {r['error']}", soft_wrap=True)
    out.print(f"{len(results)} reports: {counts['ok']} ok, {counts['unchanged']} unchanged, "
              f"{counts['failed']} failed -> {reports / 'index.html'}")
    if counts["failed"]:
        raise typer.Exit(1)


def _run(config: Path, phase, unit, jobs, force: bool, cluster, language: str, reports: Path,
         processed: Path, raw: Path, notebooks: Path, templates: Path, pdf: bool) -> list:
    """`research run` once its workers are starting: the config read and checked, the
    matrix run (`research.run.pipeline.run`); the manifest entries of its units."""
    from research.core.config import language_problem, load_config
    from research.run.manifest import RunContext
    from research.run.matrix import build_matrix, municipality_names
    from research.run.pipeline import run as run_matrix

    cfg = load_config(config, raw_dir=raw)
    lang = language or cfg.language
    problem = language_problem(lang)
    if problem:
        raise UserError(f"--language: {problem}")
    matrix = build_matrix(cfg, phase, unit, names=municipality_names(cfg, raw))
    browser = None
    if pdf:
        from research.run.pdf import require_chromium
        browser = require_chromium()
    ctx = RunContext(config=cfg, language=lang, notebooks=notebooks, templates=templates,
                     processed=processed, raw=raw, reports=reports)
    progress = _Progress()
    try:
        return run_matrix(ctx, matrix, jobs=jobs, force=force, progress=progress,
                          cluster=cluster, pdf_browser=browser)
    finally:
        progress.stop()


@app.command()
def review(reports: Path = typer.Option(Path("reports"), help="Folder of executed reports."),
           sanitize: Path = typer.Option(Path("templates/nbval_sanitize.cfg"),
                                         help="nbval sanitize file.")) -> None:
    """Rerun every executed notebook under reports/ with strict nbval."""
    import pytest
    notebooks = sorted((reports / "notebooks").rglob("*.ipynb"))
    if not notebooks:
        raise UserError("no executed notebooks; run `research run` first", file=reports)
    args = ["--nbval", "--nbval-current-env", "-p", "no:cacheprovider", "-q",
            "--nbval-sanitize-with", str(sanitize), *map(str, notebooks)]
    raise typer.Exit(pytest.main(args))


@app.command("audit-privacy")
def audit_privacy(reports: Path = typer.Option(Path("reports"),
                                               help="Folder of a run's reports.")) -> None:
    """Attack every table the run's reports publish: no hidden cell may be narrowed below
    the threshold, no group shown below it, no group's members all in one category."""
    from research.run import privacy_audit
    result = privacy_audit.finish(reports)
    if result is None:
        raise UserError("no privacy plan; run `research run` first",
                        file=privacy_audit.folder_of(reports))
    for problem in result["problems"]:
        err.print(privacy_audit.message(problem, result["threshold"]), soft_wrap=True)
    out.print(f"privacy audit {result['status']}: {result['tables']} tables, "
              f"{result['cells']} cells, {result['hidden_cells']} hidden, "
              f"{result['merged_categories']} categories merged, "
              f"{len(result['problems'])} problems (threshold {result['threshold']})")
    if result["problems"]:
        raise typer.Exit(1)


@app.command("new-region")
def new_region(subregion: Optional[str] = typer.Option(None, help="Sub-region code, e.g. 146."),
               country: bool = typer.Option(False, "--country", help="A national programme: "
                                            "every mainland municipality."),
               out_file: Path = typer.Option(..., "--out", help="Config file to write."),
               raw: Path = typer.Option(Path("data/raw"), help="Raw data folder."),
               year: int = typer.Option(2017, help="Classification year of the programme.")
               ) -> None:
    """Write a ready config for any Finnish sub-region (--subregion) or the whole country
    (--country)."""
    from research.geo.regions import write_region_config
    if country == (subregion is not None):
        raise UserError("give either --subregion CODE or --country")
    path = write_region_config(None if country else subregion, out_file, raw, year)
    out.print(f"[green]wrote {path}[/green]; next: research run --config {path} "
              f"--reports reports-{path.stem}", soft_wrap=True)


@app.command()
def synth(raw: Path = typer.Option(Path("data/raw"), help="Raw data folder to write into."),
          seed: Optional[int] = typer.Option(None, help="Seed (default: each generator's own, "
                                                        "which made the bundled files).")
          ) -> None:
    """Regenerate the synthetic demo exports (survey, workshops, evaluation rubric)."""
    from research.demo.synthetic import GENERATORS
    for name, folder, write in GENERATORS:
        paths = write(raw / folder) if seed is None else write(raw / folder, seed=seed)
        out.print(f"  {name:<10} {len(paths)} files in {raw / folder}")
    out.print("[green]synthetic demo data written[/green] (clearly marked SYNTHETIC; "
              "run `research prepare` next)")


def main() -> None:
    """Console entry point: user mistakes are one red line and exit code 2."""
    try:
        app()
    except UserError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
        sys.exit(2)
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        err.print(f"[red]error:[/red] the disk is full ({escape(str(exc.filename or ''))}); "
                  "free some space and run the command again", soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("[yellow]interrupted; finished reports are kept, rerun to finish the rest"
                  "[/yellow]")
        sys.exit(130)


if __name__ == "__main__":
    main()
