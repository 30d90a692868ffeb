"""Work done once per run, not once per report: the run-level artefact.

What does not depend on the report's unit is computed once, before the notebooks run
(`prepare`, called by `research run`), and stored in ``reports/run/``:

- `areas`: the figures of every sub-region, region and the country
  (`research.stats.profile.area_figures`);
- `reference`: the national reference distribution of every indicator and year
  (direction-aware z-scores of all municipalities, `research.stats.profile.reference`);
- `features`: the peer features of every municipality in the baseline year
  (`research.stats.peers.features`);
- `index`: the vitality index of every municipality and area with its Monte Carlo draws
  (`research.report.vitality.compute`).

The privacy plan is the run's other such artefact (``reports/privacy/plan.json``,
`research.report.published`). The folder's ``inputs.json`` holds the hashes of what the
artefact was made from (processed tables, years, the index framework and the code that makes
it); an unchanged rerun reuses it. `shared(R)` gives a notebook the artefact of its run (the
folder named in the environment variable `ENV`) when it was made from the same inputs, and
otherwise (JupyterLab, an nbval rerun, tests) computes the same thing itself, once per
kernel. The parts are pickles written by the kit itself into the run's own output folder.
"""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

from research.core.atomic import write_bytes, write_text
from research.core.hashes import sha256_bytes, sha256_files
from research.core.tables import read_digest

ENV = "RESEARCH_RUN_DIR"
FOLDER = "run"
INPUTS = "inputs.json"
PARTS = ("areas", "reference", "features", "index")
TABLES = ("indicators", "indicator_catalogue", "municipalities", "area_indicators")
_SHARED: dict[str, dict] = {}


def _code_hash() -> str:
    root = Path(__file__).resolve().parents[1]
    files = [root / "report" / "runlevel.py", root / "report" / "vitality.py",
             root / "stats" / "profile.py", root / "stats" / "peers.py",
             *sorted((root / "index").glob("*.py"))]
    return sha256_files(files)


def inputs(R) -> dict:
    """What the artefact depends on: the processed tables it reads, the years, the index
    framework file and the code that computes it (never the programme's municipalities)."""
    from research.report.vitality import framework_path
    try:
        digest = read_digest(R.processed)
    except (OSError, ValueError):
        digest = {}
    vit = R.config["phases"]["vitality"]
    fw = framework_path(R)
    return {"tables": {t: digest.get(t) for t in TABLES},
            "classification_year": R.year,
            "baseline_year": int(R.config.phases["baseline"]["year"]),
            "vitality_years": [int(vit["base_year"]), int(vit["final_year"])],
            "framework": sha256_bytes(fw.read_bytes()) if fw.exists() else None,
            "code": _code_hash()}


def compute(R, submit=None) -> dict:
    """Every part of the artefact for the run of report `R`. With `submit` (an executor's
    submit: a function and its arguments to a future of its result), the areas' figures and
    the areas' part of the index are computed in other processes beside this one's (the
    same result: `research.index.build.finish_part`); the index's first steps are computed
    once, here, and handed to the areas' part pickled (`_index_areas`)."""
    from research.index.build import combine, finish_part, start
    from research.report.vitality import index_arguments
    from research.stats import peers, profile

    figures = (submit(_areas_figures, R.config, R.processed, R.raw, R.language)
               if submit is not None else None)
    ind, munis = R.table("indicators"), R.classification
    year = int(R.config.phases["baseline"]["year"])
    out = {"reference": profile.reference(ind, R.table("indicator_catalogue"),
                                          sorted(munis.index)),
           "features": peers.features(ind, munis, year)}
    if submit is None:
        from research.report.vitality import compute as compute_index
        return out | {"areas": _area_figures(R), "index": compute_index(R)}
    args = index_arguments(R)
    started = start(*args)
    # pickled now: the municipalities' part below changes `started` in place
    areas = submit(_index_areas, pickle.dumps(started, protocol=pickle.HIGHEST_PROTOCOL))
    municipal = finish_part("municipalities", started)
    return out | {"areas": figures.result(),
                  "index": combine(args[2], municipal, areas.result())}


def _area_figures(R):
    from research.stats import profile
    return profile.area_figures(R.table("indicators"), R.table("indicator_catalogue"),
                                R.classification, R.table("area_indicators"))


def _areas_figures(config, processed: Path, raw: Path, language: str):
    """In another process (see `compute`): the area figures."""
    return _area_figures(run_report(config, processed, raw, language))


def _index_areas(started: bytes) -> dict:
    """In another process (see `compute`): the areas' part of the index from the pickled
    first steps."""
    from research.index.build import finish_part
    return finish_part("areas", pickle.loads(started))


def run_report(config, processed: Path, raw: Path, language: str):
    """The report context the run-level artefact is computed with (no unit of its own)."""
    from research.report.context import Report
    return Report(config=config, phase="vitality", unit="region", language=language,
                  processed=Path(processed), raw=Path(raw))


def write(folder: Path, made_from: dict, parts: dict) -> Path:
    """Write the parts, then ``inputs.json`` (the last file: a folder without it, or with
    other inputs, is made again)."""
    folder = Path(folder)
    (folder / INPUTS).unlink(missing_ok=True)
    for name in PARTS:
        write_bytes(folder / f"{name}.pickle", pickle.dumps(parts[name],
                                                             protocol=pickle.HIGHEST_PROTOCOL))
    return write_text(folder / INPUTS, json.dumps(made_from, indent=1, sort_keys=True) + "\n")


def read(folder: Path, made_from: dict) -> dict | None:
    """The parts in `folder` when they were made from `made_from`, else None."""
    path = Path(folder) / INPUTS
    try:
        if json.loads(path.read_text(encoding="utf-8")) != made_from:
            return None
        return {name: pickle.loads((Path(folder) / f"{name}.pickle").read_bytes())
                for name in PARTS}
    except (OSError, ValueError, pickle.UnpicklingError, EOFError):
        return None


def prepare(R, reports: Path, submit=None) -> tuple[Path, bool]:
    """Compute the run's artefact into ``<reports>/run/`` unless it is there from the same
    inputs (with `submit`, in two processes: see `compute`); name the folder to the notebook
    kernels started from now on. Returns the folder and whether it was computed (False:
    reused)."""
    folder = Path(reports) / FOLDER
    made_from = inputs(R)
    found = (folder / INPUTS).exists() and _same(folder, made_from)
    if not found:
        write(folder, made_from, compute(R, submit))
    os.environ[ENV] = str(folder.resolve())
    return folder, not found


def _same(folder: Path, made_from: dict) -> bool:
    try:
        return json.loads((folder / INPUTS).read_text(encoding="utf-8")) == made_from
    except (OSError, ValueError):
        return False


def shared(R) -> dict:
    """The run-level artefact for report `R` (see the module docstring), read or computed
    once per kernel."""
    made_from = inputs(R)
    key = json.dumps(made_from, sort_keys=True)
    if key not in _SHARED:
        folder = os.environ.get(ENV)
        parts = read(Path(folder), made_from) if folder else None
        _SHARED.clear()
        _SHARED[key] = parts if parts is not None else compute(R)
    return _SHARED[key]


def compared(R, unit: str | None = None) -> list[str]:
    """The programme municipalities a report compares its unit with: all of them while
    there are at most `max_compared` (config) others, else the `max_compared` of its own
    sub-region first and then the most similar ones on the peer features (ties by code), so
    that what one report draws does not grow with the programme."""
    import numpy as np

    from research.stats import peers

    unit = unit or (R.unit if R.is_municipality else None)
    others = [m for m in R.config.municipalities if m != unit]
    limit = int(R.config["max_compared"])
    if len(others) <= limit:
        return others
    if unit is None:  # a region report of a large programme: its areas, not a chosen few
        return []
    raw = shared(R)["features"]
    classes = R.classification
    own = classes.loc[unit, "subregion_code"] if unit in classes.index else None
    if unit in raw.index:
        z = peers.standardise(raw)
        dist = np.sqrt(((z - z.loc[unit]) ** 2).sum(axis=1))
    else:
        dist = {}
    key = [(classes["subregion_code"].get(m) != own, float(dist.get(m, np.inf)), m)
           for m in others]
    return [m for *_, m in sorted(key)[:limit]]
