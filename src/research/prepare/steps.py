"""`research prepare`: validate `data/raw/` and write the tidy tables of `data/processed/`.

Each step reads some raw files and returns tables by name; tables of the same name from
several steps are concatenated (the `indicators` table gathers every statistics reader).
All tables are validated before any is written (`research.prepare.validate` checks each raw
file as it is read; a table shrinking by more than the configured share since the previous
prepare is refused) and they are written as one new generation switched by one rename
(`research.core.tables.write_tables`), so a failing or killed prepare leaves
`data/processed/` exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from research.geo.classification import Classifier, mergers_table, municipalities_table
from research.core.errors import UserError
from research.stats.rubric import step_rubric
from research.prepare.survey_io import step_survey
from research.core.tables import read_rows, write_tables
from research.prepare import validate
from research.prepare.workshop_io import step_workshops

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


def step_statfin(ctx: PrepareContext) -> dict[str, pd.DataFrame]:
    """Every indicator of `data/raw/statfin/indicator_catalogue.yml` (population included)."""
    from research.prepare.catalogue import build
    return build(ctx.raw, ctx.classifier)


#: The steps of `research prepare`, in order. Later issues append their readers here.
STEPS: list[tuple[str, Callable[[PrepareContext], dict[str, pd.DataFrame]]]] = [
    ("classification", step_classification),
    ("statfin", step_statfin),
    ("survey", step_survey),
    ("rubric", step_rubric),
    ("workshops", step_workshops),
]


def prepare(raw: str | Path = "data/raw", processed: str | Path = "data/processed",
            steps=None, max_shrink: float | None = None) -> dict[str, str]:
    """Run every step and write the processed tables atomically; return {table: sha256}.

    `max_shrink`: the share of rows a table may lose since the previous prepare (default:
    `max_shrink` of `prepare/validation.yml`)."""
    raw = Path(raw)
    if not raw.is_dir():
        raise UserError("raw data folder not found", file=raw)
    ctx = PrepareContext(raw=raw, classifier=Classifier.from_raw(raw, TARGET_YEAR))
    gathered: dict[str, list[pd.DataFrame]] = {}
    for _name, step in (steps if steps is not None else STEPS):
        for table, df in step(ctx).items():
            gathered.setdefault(table, []).append(df)
    tables = {name: pd.concat(parts, ignore_index=True) for name, parts in gathered.items()}
    share = validate.settings()["max_shrink"] if max_shrink is None else max_shrink
    validate.check_shrink(read_rows(processed), tables, float(share))
    return write_tables(processed, tables)
