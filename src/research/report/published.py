"""The run's suppression plan as reports read it, and the side file of what a report publishes.

`research run` computes the plan once, before the notebooks, writes it to
``reports/privacy/plan.json`` (hidden values blanked) and names that folder in the
environment variable `ENV` for the notebook kernels. `plan(R)` reads it when it was made
from the same inputs (config, programme, threshold, prepared respondents); outside the
runner (JupyterLab, an nbval rerun, tests) it computes the same plan itself, once per
kernel.

`survey_plan(R)` is the plan of the survey populations, also for a context without prepared
data (computed from its own tables); `plan_cells` and `plan_hides` read a report's cells of
it and record them as published.

`publish(R, cells)` writes the published cells of a report's tables to
``reports/privacy/published/<phase>/<unit>.json`` (only under the runner), the
machine-readable record that `research audit-privacy` attacks.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from pathlib import Path

import pandas as pd

from research.core.atomic import write_text
from research.core.tables import read_digest, read_table
from research.stats import privacy_plan, suppression

ENV = "RESEARCH_PRIVACY_DIR"
PLAN = "plan.json"
PUBLISHED = "published"
_PLANS: dict[str, pd.DataFrame] = {}
_SIDE: dict[str, dict] = {}
_READ: dict = {}


def plan_inputs(config, processed) -> dict:
    """What the plan depends on: the threshold, the programme and its workshops, the
    prepared respondents table and the planner's code."""
    reflection = config.phases.get("reflection") or {}
    try:
        digest = read_digest(processed)
    except (OSError, ValueError):
        digest = {}
    code = hashlib.sha256(b"".join(Path(_source(m)).read_bytes() for m in (
        privacy_plan.__name__, suppression.__name__, "research.stats.scales"))).hexdigest()
    return {"threshold": config.min_group_size, "code": code,
            "municipalities": [str(c) for c in config.municipalities],
            "workshops": [w["id"] for w in reflection.get("workshops", [])],
            "respondents": digest.get("respondents"),
            "survey_waves": survey_waves(config), "responses": digest.get("responses"),
            "comments": digest.get("comments"), "instrument": _instrument_hash(config)}


def _source(module: str) -> str:
    """The source file of a module, found without importing it (the plan's inputs are
    checked by every run, also one that has nothing to run)."""
    return importlib.util.find_spec(module).origin


def _instrument_path(config) -> Path | None:
    """The survey instrument of a config, None when it names none."""
    try:
        survey = config["survey"] or {}
    except (KeyError, TypeError):
        return None
    return Path(config.resolve(survey["instrument"])) if survey.get("instrument") else None


def _instrument(config):
    from research.core.instrument import load_instrument

    path = _instrument_path(config)
    return None if path is None else load_instrument(path)


def _instrument_hash(config) -> str | None:
    path = _instrument_path(config)
    if path is None:
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def survey_waves(config) -> list[str]:
    """The survey waves the baseline and evaluation reports show (in that order)."""
    waves = [(config.phases.get(p) or {}).get("survey_wave") for p in ("baseline", "evaluation")]
    return list(dict.fromkeys(str(w) for w in waves if w))


def compute_plan(config, processed) -> tuple[dict, pd.DataFrame]:
    """(inputs, plan with hidden values blanked) of a config and its prepared data."""
    inputs = plan_inputs(config, processed)
    where, threshold = inputs["municipalities"], inputs["threshold"]
    parts = [privacy_plan.workshop_plan(
        pd.DataFrame(columns=["wave", "municipality_code", *privacy_plan.BACKGROUND]),
        [], where, threshold)]
    if inputs["respondents"] is not None and inputs["workshops"]:
        parts.append(privacy_plan.workshop_plan(read_table(processed, "respondents"),
                                                inputs["workshops"], where, threshold))
    if inputs["responses"] is not None and inputs["survey_waves"]:
        comments = read_table(processed, "comments") if inputs["comments"] else None
        parts.append(privacy_plan.survey_plan(read_table(processed, "responses"),
                                              inputs["survey_waves"], where, threshold,
                                              _instrument(config), comments))
    parts = [p for p in parts if not p.empty] or parts[:1]
    return inputs, privacy_plan.published(pd.concat(parts, ignore_index=True))


def write_plan(folder: Path, inputs: dict, plan_: pd.DataFrame) -> Path:
    """The plan file: its inputs, then one cell per line (a national plan has some 50,000
    cells; an indented file took seconds to write, with Python's pure JSON encoder)."""
    records = json.loads(plan_.to_json(orient="records", force_ascii=False))
    cells = ",\n".join(json.dumps(r, ensure_ascii=False) for r in records)
    return write_text(Path(folder) / PLAN, f'{{"inputs": {json.dumps(inputs, ensure_ascii=False)},'
                      f'\n"cells": [\n{cells}\n]}}\n')


def parsed_plan(folder: Path) -> dict | None:
    """This process's parse of the plan in `folder` ({"stamp", "inputs", "cells"}), None
    when there is none: the file is parsed once per process while it stays the same file (a
    national plan is some 14 MB, and a warm kernel runs many reports). Read only: callers
    may keep what they derive from it in the same dict, under keys of their own."""
    path = Path(folder) / PLAN
    try:
        stat = path.stat()
    except OSError:
        return None
    stamp = (str(path.resolve()), stat.st_ino, stat.st_mtime_ns, stat.st_size)
    if _READ.get("stamp") != stamp:
        data = json.loads(path.read_text(encoding="utf-8"))
        _READ.clear()
        _READ.update(stamp=stamp, inputs=data["inputs"], cells=pd.DataFrame(data["cells"]))
    return _READ


def derived(found: dict, name: str, make):
    """What a caller derives from a `parsed_plan` (`make(cells)`), made once per process
    and plan file and kept in the parse under `name`."""
    if name not in found:
        found[name] = make(found["cells"])
    return found[name]


def read_plan(folder: Path) -> tuple[dict, pd.DataFrame] | None:
    """(inputs, cells) of the plan in `folder` (`parsed_plan`), None when there is none;
    copies for the caller."""
    found = parsed_plan(folder)
    return None if found is None else (dict(found["inputs"]), found["cells"].copy())


def plan(R) -> pd.DataFrame:
    """The run's suppression plan for report `R` (see the module docstring)."""
    found = _run_plan(R)
    if found is not None:
        return found["cells"].copy()
    inputs = plan_inputs(R.config, R.processed)
    key = json.dumps(inputs, sort_keys=True)
    if key not in _PLANS:
        _PLANS[key] = compute_plan(R.config, R.processed)[1]
    return _PLANS[key].copy()


def _run_plan(R) -> dict | None:
    """This process's parse of the run's plan file (`parsed_plan`) when it was made from
    `R`'s inputs, else None. Callers copy before they change anything."""
    folder = os.environ.get(ENV)
    found = parsed_plan(Path(folder)) if folder else None
    return found if found and found["inputs"] == plan_inputs(R.config, R.processed) else None


def side_file(folder: Path, phase: str, unit: str) -> Path:
    return Path(folder) / PUBLISHED / phase / f"{unit}.json"


def side_files(folder: Path) -> list[Path]:
    """Every unit's side file under `folder`, in order; not the hidden temporary files of
    side files being written by other workers at the same time (`research.core.atomic`)."""
    return sorted(p for p in (Path(folder) / PUBLISHED).glob("*/*.json")
                  if not p.name.startswith("."))


def publish(phase: str, unit: str, cells: pd.DataFrame | None) -> None:
    """Record the published cells of a report's table (columns of
    `suppression.CELL_COLUMNS`; hidden values are dropped) in the unit's side file."""
    folder = os.environ.get(ENV)
    if not folder or not unit or cells is None or cells.empty:
        return
    path = side_file(Path(folder), phase, unit)
    side = _SIDE.setdefault(str(path), {"phase": phase, "unit": unit, "tables": {}})
    cells = privacy_plan.published(cells)
    for (population, table), part in cells.groupby(["population", "table"], sort=False):
        side["tables"][f"{population}:{table}"] = json.loads(
            part.to_json(orient="records", force_ascii=False))
    write_text(path, json.dumps(side, ensure_ascii=False, indent=1) + "\n")


def survey_plan(R) -> pd.DataFrame:
    """The run's plan of the survey populations (`privacy_plan.survey_plan`); computed from
    the report's own tables when the context has no prepared data with a survey."""
    return _survey(R)["plan"].copy()


def _survey(R) -> dict:
    """{"plan": the survey populations' cells, "by_population": population -> its cells},
    once per report context; the run's plan is split once per process while its file stays
    the same (a national plan holds some 50,000 cells, and a warm kernel runs many
    reports)."""
    cache = R.__dict__.setdefault("_survey_plan", {})
    if "plan" in cache:
        return cache
    run = _run_plan(R) if getattr(R, "processed", None) is not None else None
    part = derived(run, "survey", _survey_part) if run is not None else None
    if part is not None:
        cache.update(part)
        return cache
    try:
        comments = R.table("comments")
    except Exception:   # a context without open answers
        comments = None
    instrument = _instrument(R.config)
    mine = privacy_plan.published(privacy_plan.survey_plan(
        R.table("responses"), survey_waves(R.config),
        [str(m) for m in R.config.municipalities], R.config.min_group_size, instrument,
        comments))
    cache.update(plan=mine, by_population=_split(mine))
    return cache


def _survey_part(cells: pd.DataFrame) -> dict | None:
    """The survey populations of a plan's cells, whole and split; None when it has none."""
    mine = cells[cells["population"].str.startswith("survey/")]
    return {"plan": mine, "by_population": _split(mine)} if len(mine) else None


def _split(cells: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return dict(tuple(cells.groupby("population", sort=False)))


def plan_cells(R, population: str, keys: list[str]) -> pd.DataFrame:
    """The plan's cells of a population with one of `keys`, recorded in the unit's side
    file as published."""
    cache = _survey(R)
    mine = cache["by_population"].get(population, cache["plan"].iloc[:0])
    cells = mine[mine["key"].isin(keys)]
    publish(R.phase, str(R.unit), cells)
    return cells


def plan_hides(R, population: str, key: str) -> bool:
    """Whether the run's plan hides a count (and records it as published)."""
    cells = plan_cells(R, population, [key])
    return bool(cells["hidden"].astype(bool).any())
