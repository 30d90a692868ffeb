"""`research prepare`: validate `data/raw/` and write the tidy tables of `data/processed/`.

Each step reads some raw files and returns tables by name; tables of the same name from
several steps are concatenated (the `indicators` table gathers every statistics reader).
All tables are validated before any is written, and each is replaced by a rename, so a
failing step leaves `data/processed/` exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from .classification import Classifier, mergers_table, municipalities_table
from .errors import UserError
from .survey_io import step_survey
from .tables import write_tables
from .workshop_io import step_workshops

#: The classification year that every table's municipality codes are harmonised to.
TARGET_YEAR = 2026


@dataclass
class PrepareContext:
    """What every prepare step may use: the raw folder and the classification."""

    raw: Path
    classifier: Classifier
    log: list[str] = field(default_factory=list)


def step_classification(ctx: PrepareContext) -> dict[str, pd.DataFrame]:
    return {"municipalities": municipalities_table(ctx.raw), "mergers": mergers_table(ctx.raw)}


def step_population(ctx: PrepareContext) -> dict[str, pd.DataFrame]:
    """Population on 31 Dec 2000-2022 (THL Sotkanet indicator 127), harmonised codes."""
    path = ctx.raw / "statfin" / "sotkanet_vaesto_kunnat_2000_2022.csv"
    if not path.exists():
        raise UserError("population file is missing", file=path)
    df = pd.read_csv(path, dtype={"municipality_code": str})
    bad = df["value"].isna() | df["municipality_code"].isna()
    if bad.any():
        raise UserError("empty population value", file=path, row=int(bad.idxmax()) + 2,
                        column="value")
    df["municipality_code"] = df["municipality_code"].str.zfill(3).map(ctx.classifier.current)
    df = df.groupby(["municipality_code", "year"], as_index=False)["value"].sum()
    df["indicator"] = "population"
    df["value"] = df["value"].astype(float)
    df["flag"] = ""
    return {"indicators": df}


#: The steps of `research prepare`, in order. Later issues append their readers here.
STEPS: list[tuple[str, Callable[[PrepareContext], dict[str, pd.DataFrame]]]] = [
    ("classification", step_classification),
    ("population", step_population),
    ("survey", step_survey),
    ("workshops", step_workshops),
]


def prepare(raw: str | Path = "data/raw", processed: str | Path = "data/processed",
            steps=None) -> dict[str, str]:
    """Run every step and write the processed tables atomically; return {table: sha256}."""
    raw = Path(raw)
    if not raw.is_dir():
        raise UserError("raw data folder not found", file=raw)
    ctx = PrepareContext(raw=raw, classifier=Classifier.from_raw(raw, TARGET_YEAR))
    gathered: dict[str, list[pd.DataFrame]] = {}
    for name, step in (steps if steps is not None else STEPS):
        for table, df in step(ctx).items():
            gathered.setdefault(table, []).append(df)
    tables = {name: pd.concat(parts, ignore_index=True) for name, parts in gathered.items()}
    return write_tables(processed, tables)
