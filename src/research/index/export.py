"""Verb 'export': the index table of every level and year, in the order of the exports, and
its CSV and Excel files (a sheet per theme), written atomically, text that a spreadsheet would
run as a formula neutralised. Display names of the units come from the caller (the report
layer words them)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from research.core.atomic import write_with
from research.core.neutralise import neutralise_frame
from research.index.build import IndexResult

FIXED_COLUMNS = ["level", "code", "name", "year", "index", "coverage", "rank", "n_ranked",
                 "rank_median", "rank_p05", "rank_p95"]
LEVEL_ORDER = {"municipality": 0, "subregion": 1, "region": 2, "country": 3}


def index_table(result: IndexResult, names: dict[tuple[str, str], str]) -> pd.DataFrame:
    """The index table with names ((level, code) -> name): level, code, name, year, theme
    scores, index, coverage (the share of the framework's indicator weight observed for the
    unit-year, imputed values not counted), rank and its band; municipalities first, then the
    areas."""
    t = result.scores.copy()
    t["name"] = [names.get((lv, c), c) for lv, c in zip(t["level"], t["code"])]
    cols = ["level", "code", "name", "year", *result.themes, "index", "coverage", "rank",
            "n_ranked", "rank_median", "rank_p05", "rank_p95"]
    t = t.assign(_o=t["level"].map(LEVEL_ORDER)).sort_values(["_o", "code", "year"],
                                                             kind="stable")
    return t[cols].reset_index(drop=True)


def coverage_table(result: IndexResult) -> pd.DataFrame:
    """How many of the framework's indicators entered the index, per theme (framework order)
    and in all: `theme, n_framework, n_entered, share` (share of the framework)."""
    a = result.step("framework")
    order = list(dict.fromkeys(a["theme"]))
    g = a.groupby("theme", sort=False).agg(n_framework=("indicator", "size"),
                                           n_entered=("available", "sum")).reindex(order)
    g.loc["all"] = [len(a), int(a["available"].sum())]
    g = g.astype(int).reset_index()
    g["share"] = g["n_entered"] / g["n_framework"]
    return g


def export_index(table: pd.DataFrame, out_dir: str | Path, stem: str = "vitality_index",
                 workbook: bool = True) -> list[Path]:
    """Write the index table (from `index_table`) to `<stem>.csv` and `<stem>.xlsx` in
    `out_dir`, each by a temporary file and a rename. The workbook has a sheet `index` with
    the whole table and one sheet per theme (and one for the index) with units as rows and
    years as columns (the analyst's workbook of ids; `workbook=False` writes only the CSV, the
    machine-readable file beside the report layer's workbook for officials). Returns the
    paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    themes = [c for c in table.columns if c not in FIXED_COLUMNS]
    table = neutralise_frame(table)   # names cannot become live formulas (OWASP)
    csv = write_with(out_dir / f"{stem}.csv", lambda p: table.to_csv(
        p, index=False, lineterminator="\n", float_format="%.6g"))
    if not workbook:
        return [csv]

    def write_xlsx(path):
        with pd.ExcelWriter(path, engine="openpyxl") as xw:
            table.to_excel(xw, sheet_name="index", index=False)
            for col in [*themes, "index"]:
                wide = table.pivot_table(index=["level", "code", "name"], columns="year",
                                         values=col, sort=False)
                wide.reset_index().to_excel(xw, sheet_name=f"{col}"[:31] if col != "index"
                                            else "index_by_year", index=False)
    xlsx = write_with(out_dir / f"{stem}.xlsx", write_xlsx)
    return [csv, xlsx]
