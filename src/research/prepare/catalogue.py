"""The indicator catalogue: which raw file feeds which indicator, read into tidy tables.

`data/raw/statfin/indicator_catalogue.yml` declares the sources (file, area column, year or
month column) and the indicators (id, names, unit, theme, direction, kind, numerator and
denominator, index use and weight). `build(raw, classifier)` reads every source once and
returns the tables of `research prepare`:

- `indicators`: municipalities (today's codes; abolished ones summed into the receiving one,
  rates recomputed from numerator and denominator),
- `area_indicators`: the country, regions and sub-regions as the sources give them,
- `monthly_indicators`: monthly series (the employment service statistics) as published,
  except indicators marked `monthly: false` (an annual figure repeated every month),
- `indicator_catalogue`: the catalogue's metadata, for the report notebooks.

Every mistake in a source (unreadable file, unknown area, duplicated area-year, a cell that is
not a number, a catalogue column missing from the file) fails with file, line and column.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from research.geo.areas import AreaResolver
from research.core import yamlfile
from research.core.errors import UserError
from research.core.schema import ANY, Invalid, Key, ListOf, Map, Text, Values, Words, validate
from research.prepare import validate as checks
from research.prepare.pxweb import LINE, check_values, read_text_table

CATALOGUE_FILE = "statfin/indicator_catalogue.yml"
THEMES = ("vitality", "population", "wellbeing", "economy", "sustainability")
KINDS = ("count", "rate")
#: columns of the processed `indicator_catalogue` table
COLUMNS = ["indicator", "name_fi", "name_en", "unit_fi", "unit_en", "theme", "direction", "kind",
           "numerator", "denominator", "scale", "index", "weight", "note"]


def _entry_rules(entry: dict) -> None:
    """The rules of one indicator entry beyond its keys and types."""
    if entry["theme"] not in THEMES:
        raise Invalid(f"theme '{entry['theme']}' is not one of {', '.join(THEMES)}")
    if isinstance(entry["direction"], bool) or entry["direction"] not in (1, -1):
        raise Invalid(f"direction must be 1 or -1, not {entry['direction']!r}")
    if entry["kind"] not in KINDS:
        raise Invalid(f"kind must be count or rate, not {entry['kind']!r}")


_OPTIONAL = Key(ANY, None)
#: the catalogue file: named sources (file, area column, year or month column) and indicators
SCHEMA = Map({
    "sources": Key(Values(Map({"file": Text(), "area": Text()}, extra=True)), {}),
    "indicators": Key(ListOf(Map({
        "id": Text(), "name": Words(), "unit": Words(), "theme": ANY, "direction": ANY,
        "kind": ANY, **{k: _OPTIONAL for k in ("source", "column", "filter", "merge_column",
                                               "numerator", "denominator", "scale", "index",
                                               "weight", "monthly", "note", "range")},
    }, check_all=_entry_rules), label="indicator '{id}'"), []),
})


def load_catalogue(raw: str | Path) -> dict:
    """The catalogue as {'path', 'sources', 'indicators'}, validated."""
    path = Path(raw) / CATALOGUE_FILE
    if not path.exists():
        raise UserError("indicator catalogue is missing", file=path)
    data = yamlfile.load(path, "indicator catalogue") or {}
    validate(SCHEMA, data, path)
    sources = data.get("sources") or {}
    entries = data.get("indicators") or []
    ids = [e.get("id") for e in entries]
    for entry in entries:
        _check_entry(entry, ids, sources, {"file": path, "row": yamlfile.line_of(entry)})
    for i, (ident, entry) in enumerate(zip(ids, entries)):
        if ident in ids[:i]:
            raise UserError(f"indicator '{ident}' is declared more than once", file=path,
                            row=yamlfile.line_of(entry))
    return {"path": path, "sources": sources, "indicators": entries}


def _check_entry(entry: dict, ids: list, sources: dict, where: dict) -> None:
    """The rules that need the other entries: indicator ids and the sources' names."""
    who = f"indicator '{entry.get('id')}'"
    checks.range_of(entry, where)
    for key in ("numerator", "denominator"):
        if entry.get(key) and entry[key] not in ids:
            raise UserError(f"{who}: {key} '{entry[key]}' is not an indicator id", **where)
    for spec in _source_specs(entry):
        if spec["source"] not in sources:
            raise UserError(f"{who}: source '{spec['source']}' is not among the sources "
                            f"({', '.join(sorted(sources))})", **where)
        if not spec.get("column"):
            raise UserError(f"{who}: source '{spec['source']}' needs a column", **where)
    if not _source_specs(entry) and not (entry.get("numerator") and entry.get("denominator")):
        raise UserError(f"{who}: give a source, or a numerator and a denominator", **where)


def _source_specs(entry: dict) -> list[dict]:
    """The entry's sources as a list of {source, column, filter, merge_column}."""
    src = entry.get("source")
    if not src:
        return []
    if isinstance(src, str):
        return [{"source": src, "column": entry.get("column"), "filter": entry.get("filter"),
                 "merge_column": entry.get("merge_column")}]
    return [{"merge_column": entry.get("merge_column"), **s} for s in src]


def catalogue_table(catalogue: dict) -> pd.DataFrame:
    """The catalogue's metadata, one row per indicator (the processed `indicator_catalogue`)."""
    rows = []
    for e in catalogue["indicators"]:
        rows.append({
            "indicator": e["id"], "name_fi": e["name"]["fi"], "name_en": e["name"]["en"],
            "unit_fi": e["unit"]["fi"], "unit_en": e["unit"]["en"], "theme": e["theme"],
            "direction": int(e["direction"]), "kind": e["kind"],
            "numerator": e.get("numerator") or "", "denominator": e.get("denominator") or "",
            "scale": float(e.get("scale", 1)), "index": bool(e.get("index", False)),
            "weight": float(e.get("weight", 1)), "note": e.get("note") or "",
        })
    return pd.DataFrame(rows, columns=COLUMNS)


class _Sources:
    """Reads each source file once; resolves its area column once."""

    def __init__(self, raw: Path, sources: dict, resolver: AreaResolver):
        self.raw, self.sources, self.resolver = raw, sources, resolver
        self._frames: dict[str, pd.DataFrame] = {}

    def path(self, name: str) -> Path:
        return self.raw / "statfin" / self.sources[name]["file"]

    def frame(self, name: str) -> pd.DataFrame:
        if name in self._frames:
            return self._frames[name]
        spec, path = self.sources[name], self.path(name)
        fields = ("file", "area", "year", "month")
        key = tuple(str(spec.get(k)) for k in fields)
        cached = next((f for n, f in self._frames.items()
                       if tuple(str(self.sources[n].get(k)) for k in fields) == key), None)
        if cached is None:
            df = read_text_table(path)
            _require_column(df, spec["area"], path, what=f"source '{name}': area column")
            df["_area_type"], df["_area_code"] = self.resolver.resolve_column(
                df[spec["area"]], df[LINE], path, spec["area"])
            _periods(df, spec, path, name)
        else:
            df = cached
        if spec.get("expect"):  # also when another source of the same file read it first
            self._check_expected(df, spec, path, name)
        self._frames[name] = df
        return df


    def _check_expected(self, df: pd.DataFrame, spec: dict, path: Path, name: str) -> None:
        expect = spec["expect"]
        if not isinstance(expect, dict) or not set(expect) <= {"areas", "years", "months"}:
            raise UserError(f"source '{name}': expect must be a mapping of areas, years or "
                            f"months, not {expect!r}", file=self.raw / CATALOGUE_FILE)
        area = df["_area_type"].astype(str) + ":" + df["_area_code"].astype(str)
        period = "_month" if "months" in expect else "_year" if "years" in expect else None
        checks.check_expected(df.assign(_area_code=area, _area_label=df[spec["area"]]),
                                expect, path, name, period,
                                bool(df.attrs.get("cut_off")))


def _require_column(df: pd.DataFrame, column: str, path: Path, what: str) -> None:
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
        _require_column(df, src["month"], path, what=f"source '{name}': month column")
        month = df[src["month"]].astype(str).str.strip()
        if not month.str.fullmatch(r"\d{4}-\d{2}").all():  # PxWeb's 2017M01
            month = month.str.replace(r"^(\d{4})M(\d{2})$", r"\1-\2", regex=True)
        df["_month"] = month
        df["_year"] = _years(month.str[:4], df[LINE], path, src["month"])
    elif isinstance(src.get("year"), int):
        df["_year"] = int(src["year"])
    elif src.get("year") != "columns":
        _require_column(df, src["year"], path, what=f"source '{name}': year column")
        df["_year"] = _years(df[src["year"]], df[LINE], path, src["year"])


def _read_spec(entry: dict, spec: dict, sources: _Sources) -> pd.DataFrame:
    """One indicator from one source: long rows with area, period, value, flag, weight."""
    name = spec["source"]
    src, path = sources.sources[name], sources.path(name)
    df = sources.frame(name)
    for col, wanted in (spec.get("filter") or {}).items():
        _require_column(df, col, path, what=f"indicator '{entry['id']}': filter column")
        df = df[df[col].astype(str).str.strip() == str(wanted)]
    if src.get("areas"):
        df = df[df["_area_type"].isin(src["areas"])]
    column, merge = spec["column"], spec.get("merge_column")
    if src.get("year") == "columns":  # 'Väkiluku {year}' matches 'Väkiluku 2016', ...
        pattern = re.compile(re.escape(column).replace(r"\{year\}", r"(\d{4})"))
        matched = {c: int(m.group(1)) for c in df.columns if (m := pattern.fullmatch(c))}
        if not matched:
            _require_column(df, column, path, what=f"indicator '{entry['id']}': source column")
        parts = [_cells(df.assign(_year=y), c, merge and merge.replace("{year}", str(y)),
                        entry["kind"], path) for c, y in sorted(matched.items())]
        out = pd.concat(parts, ignore_index=True)
    else:
        _require_column(df, column, path, what=f"indicator '{entry['id']}': source column")
        out = _cells(df, column, merge, entry["kind"], path)
    low, high = checks.range_of(entry, {"file": sources.raw / CATALOGUE_FILE})
    if low is not None or high is not None:
        checks.check_frame(out, {"value": {
            "range": (low, high), "column": column,
            "what": f"indicator '{entry['id']}' (its range in the indicator catalogue)"}},
            path, line=LINE)
    if src.get("years"):
        first, last = src["years"]
        out = out[out["year"].between(first, last)]
    return out.reset_index(drop=True)


def _cells(df: pd.DataFrame, column: str, merge: str | None, kind: str, path: Path
           ) -> pd.DataFrame:
    """The long rows of one value column: area, year (and month), value, flag, the merge
    weight of a rate (NaN when none), line and file."""
    out = pd.DataFrame({"area_type": df["_area_type"], "area_code": df["_area_code"],
                        "year": df["_year"], LINE: df[LINE]})
    if "_month" in df.columns:
        out["month"] = df["_month"]
    out["value"], out["flag"] = check_values(df[column], df[LINE], path, column)
    out["weight"] = np.nan
    if kind == "rate" and merge and merge in df.columns:
        out["weight"], _ = check_values(df[merge], df[LINE], path, merge)
    out["source"] = str(path)
    return out


def _check_duplicates(df: pd.DataFrame, key: list[str], indicator: str, area_col: str) -> None:
    dup = df.duplicated(key, keep="first")
    if dup.any():
        row = df[dup].iloc[0]
        first = df[(df[key] == row[key]).all(axis=1)].iloc[0]
        period = row.get("month", row["year"])
        raise UserError(f"area '{row['area_code']}' has more than one value for "
                        f"{period}, indicator '{indicator}' (first on row {int(first[LINE])})",
                        file=row["source"], row=int(row[LINE]), column=area_col)


def _merge_municipalities(df: pd.DataFrame, kind: str, by: list[str]) -> pd.DataFrame:
    """Sum counts; recompute rates as sum(rate * weight) / sum(weight) (weights: the
    denominator counts of the abolished and the receiving municipality, from the source)."""
    shared = df.duplicated(by, keep=False)
    if not shared.any():
        return df
    part = df[shared]
    if kind == "rate":
        w = part["weight"].where(part["weight"].notna(), 1.0)
        part = part.assign(value=part["value"] * w, weight=w.where(part["value"].notna()))
    grouped = part.groupby(by, as_index=False, sort=False)
    merged = grouped[["value", "weight"]].sum(min_count=1)
    merged["flag"] = grouped["flag"].first()["flag"]
    merged[LINE] = grouped[LINE].first()[LINE]
    if kind == "rate":
        merged["value"] = merged["value"] / merged["weight"].replace(0, np.nan)
    merged["flag"] = merged["flag"].where(merged["value"].isna(), "")
    return pd.concat([df[~shared], merged], ignore_index=True)


def _indicator_rows(entry: dict, sources: _Sources, classifier) -> pd.DataFrame:
    parts = [_read_spec(entry, spec, sources) for spec in _source_specs(entry)]
    df = pd.concat(parts, ignore_index=True)
    period = ["month"] if "month" in df.columns and df["month"].notna().all() else ["year"]
    spec_area = sources.sources[_source_specs(entry)[0]["source"]]["area"]
    _check_duplicates(df, ["area_type", "area_code", *period], entry["id"], spec_area)
    muni = df["area_type"] == "municipality"
    df.loc[muni, "area_code"] = df.loc[muni, "area_code"].map(classifier.current)
    cols = ["area_type", "area_code", *period] + (["year"] if period == ["month"] else [])
    df = _merge_municipalities(df, entry["kind"], cols)
    # an empty cell is an unpublished figure: no row (symbols keep theirs, with their flag)
    df = df[df["value"].notna() | (df["flag"] != "")]
    return df[[*cols, "value", "flag"]].reset_index(drop=True)


def _derive_rate(entry: dict, tables: dict[str, pd.DataFrame], key: list[str]) -> pd.DataFrame:
    """A rate computed as scale * numerator / denominator on each table's key."""
    out = []
    for table, df in tables.items():
        num = df[df["indicator"] == entry["numerator"]][[*key, "value", "flag"]]
        den = df[df["indicator"] == entry["denominator"]][[*key, "value", "flag"]]
        both = num.merge(den, on=key, suffixes=("_n", "_d")).set_index(key)
        value = float(entry.get("scale", 1)) * both["value_n"] / both["value_d"].replace(0, np.nan)
        flag = both["flag_n"].where(both["flag_n"] != "", both["flag_d"])
        out.append(pd.DataFrame({"value": value, "flag": flag}).reset_index()
                   .assign(indicator=entry["id"], _table=table))
    return pd.concat(out, ignore_index=True)


def build(raw: str | Path, classifier) -> dict[str, pd.DataFrame]:
    """Read every catalogue source into the tables `indicators`, `area_indicators`,
    `monthly_indicators` and `indicator_catalogue`."""
    raw = Path(raw)
    catalogue = load_catalogue(raw)
    sources = _Sources(raw, catalogue["sources"], AreaResolver.from_raw(raw, classifier))
    yearly, monthly = [], []
    for entry in catalogue["indicators"]:
        if not _source_specs(entry):
            continue
        rows = _indicator_rows(entry, sources, classifier).assign(indicator=entry["id"])
        if "month" in rows.columns:
            monthly.append(rows)
            agg = rows.groupby(["area_type", "area_code", "year"], as_index=False).agg(
                value=("value", "mean"), flag=("flag", "first"))
            agg["flag"] = agg["flag"].where(agg["value"].isna(), "")
            yearly.append(agg.assign(indicator=entry["id"]))
        else:
            yearly.append(rows)
    year_df = pd.concat(yearly, ignore_index=True)
    month_df = (pd.concat(monthly, ignore_index=True) if monthly else
                pd.DataFrame(columns=["area_type", "area_code", "month", "indicator", "value",
                                      "flag"]))
    for entry in catalogue["indicators"]:
        if _source_specs(entry):
            continue
        derived = _derive_rate(entry, {"year": year_df, "month": month_df},
                               ["area_type", "area_code", "year"])
        year_df = pd.concat([year_df, derived[derived["_table"] == "year"]], ignore_index=True)
        if len(month_df):
            dm = _derive_rate(entry, {"month": month_df}, ["area_type", "area_code", "month"])
            month_df = pd.concat([month_df, dm], ignore_index=True)
    year_df = year_df.drop(columns=[c for c in year_df.columns if c.startswith("_")])
    month_df = month_df.drop(columns=[c for c in month_df.columns if c.startswith("_")])
    yearly_only = [e["id"] for e in catalogue["indicators"] if e.get("monthly") is False]
    month_df = month_df[~month_df["indicator"].isin(yearly_only)]
    muni = year_df["area_type"] == "municipality"
    indicators = year_df[muni].rename(columns={"area_code": "municipality_code"})
    return {
        "indicators": indicators[["municipality_code", "year", "indicator", "value", "flag"]],
        "area_indicators": year_df[~muni][["area_type", "area_code", "year", "indicator",
                                           "value", "flag"]],
        "monthly_indicators": month_df[["area_type", "area_code", "month", "indicator",
                                        "value", "flag"]],
        "indicator_catalogue": catalogue_table(catalogue),
    }
