"""The privacy side of `research run`: the plan before the notebooks, the attacker after.

- `prepare` computes the run's suppression plan from the prepared data, writes it to
  ``reports/privacy/plan.json`` and names that folder to the notebook kernels
  (`research.report.published.ENV`), so that every report reads the same plan.
- Each report writes the tables it publishes to ``reports/privacy/published/<phase>/
  <unit>.json``. `check_unit` checks them before the unit's HTML is written: cells that
  are the plan's own pass at once; others are attacked together with every other side
  file of the run: for every hidden cell the least and the greatest value an integer
  programme allows under all published tables
  (`research.stats.suppression.cell_intervals`), and every visible group whose members
  all fall into one category (`group_disclosures`).
- `audit` does the same for the whole run (`research audit-privacy`, and the end of
  `research run`, which records the result in the manifest).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pandas as pd

from research.core.atomic import write_text
from research.report import published
from research.stats import suppression

FOLDER = "privacy"
AUDIT = "audit.json"


def folder_of(reports: Path) -> Path:
    return Path(reports) / FOLDER


def prepare(config, processed: Path, reports: Path) -> Path:
    """Compute (or keep, when made from the same inputs) the run's plan; name its folder
    in the environment of the notebook kernels started from now on."""
    folder = folder_of(reports)
    inputs = published.plan_inputs(config, processed)
    found = published.read_plan(folder)
    if not found or found[0] != inputs:
        inputs, plan = published.compute_plan(config, processed)
        published.write_plan(folder, inputs, plan)
    os.environ[published.ENV] = str(folder.resolve())
    return folder


def clear_unit(reports: Path, phase: str, unit: str) -> None:
    """Forget what a unit published in an earlier run (it is about to run again)."""
    published.side_file(folder_of(reports), phase, unit).unlink(missing_ok=True)


def read_published(folder: Path) -> pd.DataFrame:
    """Every published cell of the run, with the unit that published it."""
    rows = []
    for path in published.side_files(folder):
        try:
            side = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:   # withdrawn by a failed unit meanwhile
            continue
        for cells in side["tables"].values():
            rows += [dict(c, unit=f"{side['phase']}/{side['unit']}") for c in cells]
    columns = [*suppression.CELL_COLUMNS, "unit"]
    out = pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame(columns=columns)
    return out.astype({"hidden": bool, "zero_possible": bool, "value": float})


def describe(key: str) -> str:
    """A cell key for people: 'municipality_code=232, role=business+expert' ('total')."""
    parsed = json.loads(key)
    return ", ".join(f"{d}={'+'.join(v)}" for d, v in parsed.items()) or "total"


def audit(folder: Path, threshold: int, units: list[str] | None = None) -> dict:
    """Attack the published cells of the run (of the populations `units` published, when
    given): the result with `status` 'passed' or 'failed' and one problem per cell."""
    cells = read_published(folder)
    if units is not None:
        cells = cells[cells["population"].isin(cells.loc[cells["unit"].isin(units),
                                                         "population"])]
    if cells.empty:
        return {"status": "passed", "threshold": threshold, "tables": 0, "cells": 0,
                "hidden_cells": 0, "merged_categories": 0, "problems": []}
    unique = cells.drop_duplicates(["population", "table", "key"])
    plan = published.parsed_plan(folder)
    known = (published.derived(plan, "categories", suppression.categories)
             if plan and not plan["cells"].empty else None)
    found = suppression.cell_intervals(unique, threshold, known)
    problems = []
    for rec in found[~found["safe"]].itertuples(index=False):
        problems.append({"population": rec.population, "table": rec.table,
                         "cell": describe(rec.key), "low": int(rec.low), "high": int(rec.high),
                         "units": _units(cells, rec.population, rec.table),
                         "problem": f"hidden cell lies in {int(rec.low)}..{int(rec.high)}"})
    shown = unique[~unique["hidden"] & (unique["value"] > 0) & (unique["value"] < threshold)]
    for rec in shown.itertuples(index=False):
        problems.append({"population": rec.population, "table": rec.table,
                         "cell": describe(rec.key), "low": int(rec.value),
                         "high": int(rec.value), "units": _units(cells, rec.population, rec.table),
                         "problem": f"shows a group of {int(rec.value)}"})
    for rec in suppression.group_disclosures(unique, "municipality_code", known,
                                             found).itertuples(index=False):
        problems.append({"population": rec.population, "table": rec.table,
                         "cell": describe(rec.key), "low": None, "high": None,
                         "units": _units(cells, rec.population, rec.table),
                         "problem": f"every member falls into {describe(rec.category_key)}"})
    merged = _merged(unique)
    return {"status": "failed" if problems else "passed", "threshold": threshold,
            "tables": int(unique[["population", "table"]].drop_duplicates().shape[0]),
            "cells": int(len(unique)), "hidden_cells": int(unique["hidden"].sum()),
            "merged_categories": int(merged),
            "problems": problems}


def _units(cells: pd.DataFrame, population: str, table: str) -> list[str]:
    mine = cells[(cells["population"] == population) & (cells["table"] == table)]
    return sorted(set(mine["unit"]))


def message(problem: dict, threshold: int) -> str:
    """One problem as a sentence naming the table and the cell."""
    return (f"privacy audit: table '{problem['table']}' of {problem['population']}, cell "
            f"{problem['cell']}: {problem['problem']} (threshold {threshold}; published by "
            f"{', '.join(problem['units'])})")


def threshold_of(folder: Path) -> int | None:
    found = published.parsed_plan(folder)
    return int(found["inputs"]["threshold"]) if found else None


def check_unit(reports: Path, phase: str, unit: str) -> dict | None:
    """The check of what a unit publishes before its HTML is written; None when the run has
    no plan (the privacy step is not in use).

    When every cell the unit publishes is a cell of the run's plan, with the plan's value
    and hidden flag, the unit is safe without an attack: `suppression.protect` made every
    hidden cell of the plan safe against all of the plan's cells, and publishing fewer of
    them only widens what an attacker can place a hidden cell in. The check then costs the
    unit's own cells, whatever the size of the programme (`method` 'plan'). Otherwise the
    populations the unit publishes are attacked with every side file of the run (`method`
    'attack'); `finish` attacks the whole run once at its end either way."""
    folder = folder_of(reports)
    found = published.parsed_plan(folder)
    if found is None:
        return None
    threshold = int(found["inputs"]["threshold"])
    mine = read_side(folder, phase, unit)
    if not mine.empty and within_plan(mine, published.derived(found, "reference",
                                                              plan_reference)):
        tables = mine[["population", "table"]].drop_duplicates()
        return {"status": "passed", "method": "plan", "threshold": threshold,
                "tables": int(len(tables)), "cells": int(len(mine)),
                "hidden_cells": int(mine["hidden"].sum()),
                "merged_categories": _merged(mine), "problems": []}
    return dict(audit(folder, threshold, units=[f"{phase}/{unit}"]), method="attack")


def read_side(folder: Path, phase: str, unit: str) -> pd.DataFrame:
    """The cells one unit's side file publishes (empty when it publishes none)."""
    path = published.side_file(folder, phase, unit)
    rows = []
    if path.exists():
        for cells in json.loads(path.read_text(encoding="utf-8"))["tables"].values():
            rows += cells
    out = pd.DataFrame(rows, columns=suppression.CELL_COLUMNS)
    return out.astype({"hidden": bool, "zero_possible": bool, "value": float})


def plan_reference(plan: pd.DataFrame) -> pd.DataFrame | None:
    """What `within_plan` compares with: each cell of the plan once, its value and hidden
    flag; None for a plan without cells."""
    if plan.empty or not set(suppression.CELL_COLUMNS) <= set(plan.columns):
        return None
    on = ["population", "table", "key"]
    return (plan[[*on, "value", "hidden"]].astype({"hidden": bool, "value": float})
            .drop_duplicates(on))


def within_plan(cells: pd.DataFrame, ref: pd.DataFrame | None) -> bool:
    """Whether every cell is a cell of the plan (its `plan_reference`: same population,
    table and key) with the plan's hidden flag and, when shown, the plan's value."""
    if ref is None:
        return False
    on = ["population", "table", "key"]
    both = cells[[*on, "value", "hidden"]].merge(ref, on=on, how="left",
                                                 suffixes=("", "_plan"), indicator=True)
    if (both["_merge"] != "both").any() or (both["hidden"] != both["hidden_plan"]).any():
        return False
    shown = both[~both["hidden"]]
    return bool((shown["value"] == shown["value_plan"]).all())


def _merged(cells: pd.DataFrame) -> int:
    groups = [json.loads(k) for k in cells.loc[cells["kind"] == "column_total", "key"]]
    return sum(len(v) for g in groups for v in g.values() if len(v) > 1)


def gate(reports: Path, phase: str, unit: str, notebook: str | Path) -> dict:
    """The manifest fields of a unit after `check_unit`: its audit summary and, when the
    audit finds a problem, a failed status (the executed notebook moves to ``failed/`` and
    nothing of the unit is published)."""
    result = check_unit(reports, phase, unit)
    fields = {"privacy_audit": summary(result)}
    if not result or not result["problems"]:
        return fields
    clear_unit(reports, phase, unit)
    failed = Path(reports) / "failed" / phase / f"{unit}.ipynb"
    failed.parent.mkdir(parents=True, exist_ok=True)
    os.replace(notebook, failed)
    return dict(fields, status="failed", html=None, html_research=None, notebook=None,
                failed_notebook=str(failed.relative_to(reports)),
                error=message(result["problems"][0], result["threshold"]))


def summary(result: dict | None) -> dict | None:
    """What the manifest records of an audit."""
    if result is None:
        return None
    keys = ("status", "method", "threshold", "tables", "cells", "hidden_cells",
            "merged_categories")
    return {k: result[k] for k in keys if k in result} | {"problems": len(result["problems"])}


def finish(reports: Path) -> dict | None:
    """The audit of the whole run, written to ``reports/privacy/audit.json``; the audit
    there is kept when it was made from the same plan, side files and attacker code
    (`audit_inputs`), as in a rerun with nothing changed."""
    folder = folder_of(reports)
    threshold = threshold_of(folder)
    if threshold is None:
        return None
    inputs = audit_inputs(folder)
    found = read_audit(reports)
    if found and found.get("inputs") == inputs:
        return found
    result = dict(audit(folder, threshold), inputs=inputs)
    write_text(folder / AUDIT, json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    return result


def audit_inputs(folder: Path) -> str:
    """Hash of what the audit of a run reads: the plan, every side file (by name and
    content) and the code of this module (the plan's inputs hash the planner's)."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for path in [Path(folder) / published.PLAN, *published.side_files(folder)]:
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()


def read_audit(reports: Path) -> dict | None:
    path = folder_of(reports) / AUDIT
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
