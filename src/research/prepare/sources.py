"""Reading the catalogue's sources: each raw file once, one indicator column at a time.

A source (`sources:` in `indicator_catalogue.yml`) is one file, or a list of files of the
same layout (`file: [a.xlsx, b.xlsx]`, read one after the other), in any format
`research.prepare.pxweb.read_text_table` detects (CSV, PC-Axis, JSON-stat, xlsx). A file
without a header row gets its column names from `columns:`. An indicator's spec takes one
value column, a list of columns or a pattern with `*` (the columns are summed: jobs = the 24
education x age columns), optionally from the rows a `filter` selects, with a `factor`
(1000 for a table in 1000 €), a fixed `year` for a column whose year differs from the
file's (the "latest values" key figures), or a `year_offset` (the previous year's population
as the denominator of this year's change).
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import numpy as np
import pandas as pd

from research.core.errors import UserError
from research.geo.areas import AreaResolver
from research.prepare import validate as checks
from research.prepare.pxweb import LINE, check_values, read_text_table


def fetched(raw: Path, spec: dict) -> bool:
    """False for a source that declares an `api` whose file `research fetch` has not
    written yet (prepare skips it); True otherwise."""
    return not spec.get("api") or all((raw / "statfin" / f).exists()
                                      for f in source_files(spec))


def source_files(spec: dict) -> list[str]:
    files = spec["file"]
    return [files] if isinstance(files, str) else list(files)


class Sources:
    """Reads each source file once; resolves its area column once."""

    def __init__(self, raw: Path, sources: dict, resolver: AreaResolver):
        self.raw, self.sources, self.resolver = raw, sources, resolver
        self._frames: dict[str, pd.DataFrame] = {}
        self._files: dict[tuple, pd.DataFrame] = {}

    def path(self, name: str) -> Path:
        """The source's (first) file, for error messages that concern the source as a whole."""
        return self.raw / "statfin" / source_files(self.sources[name])[0]

    def frame(self, name: str) -> pd.DataFrame:
        if name not in self._frames:
            spec = self.sources[name]
            parts = [self._file(spec, f, name) for f in source_files(spec)]
            df = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
            if len(parts) > 1:
                df.attrs["cut_off"] = any(p.attrs.get("cut_off") for p in parts)
            if spec.get("expect"):  # also when another source of the same file read it first
                self._check_expected(df, spec, self.path(name), name)
            self._frames[name] = df
        return self._frames[name]

    def _check_expected(self, df: pd.DataFrame, spec: dict, path: Path, name: str) -> None:
        expect = spec["expect"]
        if not isinstance(expect, dict) or not set(expect) <= {"areas", "years", "months"}:
            raise UserError(f"source '{name}': expect must be a mapping of areas, years or "
                            f"months, not {expect!r}",
                            file=self.raw / "statfin" / "indicator_catalogue.yml")
        area = df["_area_type"].astype(str) + ":" + df["_area_code"].astype(str)
        period = "_month" if "months" in expect else "_year" if "years" in expect else None
        checks.check_expected(df.assign(_area_code=area, _area_label=df[spec["area"]]),
                              expect, path, name, period, bool(df.attrs.get("cut_off")))

    def _file(self, spec: dict, file: str, name: str) -> pd.DataFrame:
        key = (file, *(str(spec.get(k)) for k in ("area", "year", "month", "columns",
                                                   "area_skip", "naming")))
        if key not in self._files:
            path = self.raw / "statfin" / file
            df = read_text_table(path, names=spec.get("columns"),
                                 naming=spec.get("naming", "label"))
            require_column(df, spec["area"], path, what=f"source '{name}': area column")
            if spec.get("area_skip"):
                skip = df[spec["area"]].astype(str).str.contains(spec["area_skip"], regex=True)
                df = df[~skip].reset_index(drop=True)
            df["_area_type"], df["_area_code"] = self.resolver.resolve_column(
                df[spec["area"]], df[LINE], path, spec["area"])
            _periods(df, spec, path, name)
            df["_file"] = str(path)
            self._files[key] = df
        return self._files[key]


def require_column(df: pd.DataFrame, column: str, path, what: str) -> None:
    if column not in df.columns:
        cols = ", ".join(c for c in df.columns if not c.startswith("_"))
        raise UserError(f"{what} '{column}' is not in the file (its columns: {cols})",
                        file=path, row=int(df.attrs.get("header_line", 1)), column=column)


def _years(cells: pd.Series, lines: pd.Series, path: Path, column: str) -> pd.Series:
    years = pd.to_numeric(cells, errors="coerce")
    if years.isna().any() or not years.between(1000, 9999).all():
        text = cells.astype(str).str.strip().str.strip('"').str[:4]
        years = pd.to_numeric(text.where(text.str.fullmatch(r"\d{4}"), None), errors="coerce")
    if years.isna().any():
        i = years.isna().idxmax()
        raise UserError(f"cannot read '{cells[i]}' as a year", file=path, row=int(lines[i]),
                        column=column)
    return years.astype(int)


def _periods(df: pd.DataFrame, src: dict, path: Path, name: str) -> None:
    """Adds `_year` (and `_month`, YYYY-MM) to a source frame, once per file."""
    if "month" in src:
        require_column(df, src["month"], path, what=f"source '{name}': month column")
        month = df[src["month"]].astype(str).str.strip()
        if not month.str.fullmatch(r"\d{4}-\d{2}").all():  # PxWeb's 2017M01
            month = month.str.replace(r"^(\d{4})M(\d{2})$", r"\1-\2", regex=True)
        df["_month"] = month
        df["_year"] = _years(month.str[:4], df[LINE], path, src["month"])
    elif isinstance(src.get("year"), int):
        df["_year"] = int(src["year"])
    elif src.get("year") != "columns":
        require_column(df, src["year"], path, what=f"source '{name}': year column")
        df["_year"] = _years(df[src["year"]], df[LINE], path, src["year"])


def _value_columns(df: pd.DataFrame, column, path, who: str) -> list[str]:
    """The columns a spec sums: one name, a list, or a pattern with '*'."""
    wanted = [column] if isinstance(column, str) else list(column)
    out = []
    for col in wanted:
        if "*" in col:
            matched = [c for c in df.columns if not c.startswith("_")
                       and fnmatch.fnmatchcase(c, col)]
            if not matched:
                require_column(df, col, path, what=f"{who}: no column matches the pattern")
            out.extend(matched)
        else:
            require_column(df, col, path, what=f"{who}: source column")
            out.append(col)
    return out


def read_spec(entry: dict, spec: dict, sources: Sources) -> pd.DataFrame:
    """One indicator from one source: long rows with area, period, value, flag, weight."""
    name = spec["source"]
    src = sources.sources[name]
    df = sources.frame(name)
    path = sources.path(name)
    who = f"indicator '{entry['id']}'"
    for col, wanted in (spec.get("filter") or {}).items():
        require_column(df, col, path, what=f"{who}: filter column")
        df = df[df[col].astype(str).str.strip() == str(wanted)]
    if src.get("areas"):
        df = df[df["_area_type"].isin(src["areas"])]
    column, merge = spec["column"], spec.get("merge_column")
    if src.get("year") == "columns":  # 'Väkiluku {year}' matches 'Väkiluku 2016', ...
        pattern = re.compile(re.escape(column).replace(r"\{year\}", r"(\d{4})"))
        matched = {c: int(m.group(1)) for c in df.columns if (m := pattern.fullmatch(c))}
        if not matched:
            require_column(df, column, path, what=f"{who}: source column")
        parts = [_cells(df.assign(_year=y), [c], merge and merge.replace("{year}", str(y)),
                        entry["kind"]) for c, y in sorted(matched.items())]
        out = pd.concat(parts, ignore_index=True)
    else:
        out = _cells(df, _value_columns(df, column, path, who), merge, entry["kind"])
    low, high = checks.range_of(entry, {"file": sources.raw / "statfin" /
                                        "indicator_catalogue.yml"})
    if low is not None or high is not None:  # as published, before factor and year shifts
        checks.check_frame(out, {"value": {
            "range": (low, high), "column": column if isinstance(column, str) else column[0],
            "what": f"indicator '{entry['id']}' (its range in the indicator catalogue)"}},
            path, line=LINE)
    if spec.get("year") is not None:
        out["year"] = int(spec["year"])
    out["year"] = out["year"] + int(spec.get("year_offset") or 0)
    out["value"] = out["value"] * float(spec.get("factor") or 1)
    if src.get("years"):
        first, last = src["years"]
        out = out[out["year"].between(first, last)]
    return out.reset_index(drop=True)


def _cells(df: pd.DataFrame, columns: list[str], merge: str | None, kind: str
           ) -> pd.DataFrame:
    """The long rows of the summed value columns: area, year (and month), value, flag,
    the merge weight of a rate (NaN when none), line and file."""
    out = pd.DataFrame({"area_type": df["_area_type"], "area_code": df["_area_code"],
                        "year": df["_year"], LINE: df[LINE]})
    if "_month" in df.columns:
        out["month"] = df["_month"]
    total, flag = None, pd.Series("", index=df.index, dtype=object)
    for column in columns:
        value, f = _check_by_file(df, column)
        total = value if total is None else total + value
        flag = flag.where(flag != "", f)
    out["value"] = total
    out["flag"] = flag if len(columns) == 1 else flag.where(total.isna(), "")
    out["weight"] = np.nan
    if kind == "rate" and merge and merge in df.columns:
        out["weight"], _ = _check_by_file(df, merge)
    out["source"] = df["_file"]
    return out


def _check_by_file(df: pd.DataFrame, column: str) -> tuple[pd.Series, pd.Series]:
    """`check_values` per file, so that a bad cell is reported against its own file."""
    if df.empty:
        return check_values(df[column], df[LINE], "", column)
    values, flags = [], []
    for file, part in df.groupby("_file", sort=False):
        v, f = check_values(part[column], part[LINE], file, column)
        values.append(v)
        flags.append(f)
    return pd.concat(values).reindex(df.index), pd.concat(flags).reindex(df.index)
