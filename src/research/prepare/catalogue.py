"""The indicator catalogue: which raw file feeds which indicator, read into tidy tables.

`data/raw/statfin/indicator_catalogue.yml` declares the sources (file, area column, year or
month column) and the indicators (id, names, unit, theme, direction, kind, numerator and
denominator, index use and weight). `build(raw, classifier)` reads every source once and
returns the tables of `research prepare`:

- `indicators`: municipalities (today's codes; abolished ones summed into the receiving one,
  rates recomputed from numerator and denominator),
- `indicator_sources`: which source gave each indicator-year (the data vintage of a report),
- `area_indicators`: the country, regions and sub-regions as the sources give them,
- `monthly_indicators`: monthly series (the employment service statistics) as published,
  except indicators marked `monthly: false` (an annual figure repeated every month),
- `indicator_catalogue`: the catalogue's metadata, for the report notebooks.

Precedence (one rule for every indicator): a rate with a numerator and a denominator, or a
count with `sum_of`, is computed from its counts wherever they exist; the sources listed for
it fill only the areas and years the computation lacks, and among several sources the first
listed wins. Tests check that overlapping sources agree.

Every mistake in a source (unreadable file, unknown area, duplicated area-year, a cell that is
not a number, a catalogue column missing from the file) fails with file, line and column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from research.geo.areas import AreaResolver
from research.core import yamlfile
from research.core.errors import UserError
from research.core.schema import (ANY, Invalid, Key, ListOf, Map, Text, Values, Words,
                                  in_language, validate)
from research.prepare import validate as checks
from research.prepare.pxweb import LINE
from research.prepare.sources import Sources, fetched, read_spec

CATALOGUE_FILE = "statfin/indicator_catalogue.yml"
THEMES = ("vitality", "population", "wellbeing", "economy", "sustainability")
KINDS = ("count", "rate")
#: columns of the processed `indicator_catalogue` table
COLUMNS = ["indicator", "name_fi", "name_en", "name_sv", "unit_fi", "unit_en", "unit_sv", "theme",
           "direction", "kind",
           "numerator", "denominator", "scale", "index", "weight", "note", "show"]


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
    "sources": Key(Values(Map({"file": ANY, "area": Text()}, extra=True)), {}),
    "indicators": Key(ListOf(Map({
        "id": Text(), "name": Words(), "unit": Words(), "theme": ANY, "direction": ANY,
        "kind": ANY, **{k: _OPTIONAL for k in ("source", "column", "filter", "merge_column",
                                               "numerator", "denominator", "scale", "index",
                                               "weight", "monthly", "note", "show",
                                               "sum_of", "range")},
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
    for part in entry.get("sum_of") or []:
        if part not in ids[:ids.index(entry["id"])]:
            raise UserError(f"{who}: sum_of '{part}' is not an indicator declared above it",
                            **where)
    for spec in _source_specs(entry):
        if spec["source"] not in sources:
            raise UserError(f"{who}: source '{spec['source']}' is not among the sources "
                            f"({', '.join(sorted(sources))})", **where)
        if not spec.get("column"):
            raise UserError(f"{who}: source '{spec['source']}' needs a column", **where)
    if not _source_specs(entry) and not (entry.get("numerator") and entry.get("denominator")
                                         or entry.get("sum_of")):
        raise UserError(f"{who}: give a source, a numerator and a denominator, or sum_of",
                        **where)


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
            "name_sv": in_language(e["name"], "sv"), "unit_fi": e["unit"]["fi"],
            "unit_en": e["unit"]["en"], "unit_sv": in_language(e["unit"], "sv"),
            "theme": e["theme"],
            "direction": int(e["direction"]), "kind": e["kind"],
            "numerator": e.get("numerator") or "", "denominator": e.get("denominator") or "",
            "scale": float(e.get("scale", 1)), "index": bool(e.get("index", False)),
            "weight": float(e.get("weight", 1)), "note": e.get("note") or "",
            "show": bool(e.get("show", True)),
        })
    return pd.DataFrame(rows, columns=COLUMNS)


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


def _indicator_rows(entry: dict, sources: Sources, classifier) -> pd.DataFrame:
    """The indicator's rows from its sources. Within one source an area has one value per
    period; across sources the first source listed that has a value for an area and period
    wins (the catalogue's precedence rule), later ones fill only what it lacks."""
    parts = []
    for spec in _source_specs(entry):
        if not fetched(sources.raw, sources.sources[spec["source"]]):
            continue  # an API source not fetched yet
        df = read_spec(entry, spec, sources)
        period = ["month"] if "month" in df.columns and df["month"].notna().all() else ["year"]
        _check_duplicates(df, ["area_type", "area_code", *period], entry["id"],
                          sources.sources[spec["source"]]["area"])
        muni = df["area_type"] == "municipality"
        df.loc[muni, "area_code"] = df.loc[muni, "area_code"].map(classifier.current)
        cols = ["area_type", "area_code", *period] + (["year"] if period == ["month"] else [])
        df = _merge_municipalities(df, entry["kind"], cols)
        # an empty cell is an unpublished figure: no row (symbols keep theirs, with their flag)
        df = df[df["value"].notna() | (df["flag"] != "")]
        parts.append(df[[*cols, "value", "flag"]].assign(_source=spec["source"]))
    if not parts:
        return pd.DataFrame(columns=["area_type", "area_code", "year", "value", "flag",
                                     "_source"])
    key = ["area_type", "area_code", "month" if "month" in parts[0].columns else "year"]
    return first_wins(parts, key)


def first_wins(parts: list[pd.DataFrame], key: list[str]) -> pd.DataFrame:
    """The rows of `parts` in order, each key kept from the first part that has it."""
    out = pd.concat(parts, ignore_index=True)
    return out[~out.duplicated(key, keep="first")].reset_index(drop=True)


def _derive(entry: dict, df: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """A rate (scale * numerator / denominator) or a sum of counts (`sum_of`, every
    component needed) on `key`, with the components' sources joined in `_source`."""
    ids = entry.get("sum_of") or [entry["numerator"], entry["denominator"]]
    merged = None
    for i, ident in enumerate(ids):
        part = df[df["indicator"] == ident][[*key, "value", "flag", "_source"]]
        part = part.rename(columns={"value": f"v{i}", "flag": f"f{i}", "_source": f"s{i}"})
        merged = part if merged is None else merged.merge(part, on=key)
    if merged is None or merged.empty:
        return pd.DataFrame(columns=[*key, "value", "flag", "_source", "indicator"])
    values = [merged[f"v{i}"] for i in range(len(ids))]
    if entry.get("sum_of"):
        value = sum(values[1:], values[0])
    else:
        value = float(entry.get("scale", 1)) * values[0] / values[1].replace(0, np.nan)
    flag = merged["f0"]
    for i in range(1, len(ids)):
        flag = flag.where(flag != "", merged[f"f{i}"])
    src = merged[[f"s{i}" for i in range(len(ids))]].apply(
        lambda r: "+".join(sorted(set("+".join(r).split("+")))), axis=1)
    return merged[key].assign(value=value.to_numpy(), flag=flag.where(value.isna(), ""),
                              _source=src.to_numpy(), indicator=entry["id"])


def _is_derived(entry: dict) -> bool:
    return bool(entry.get("sum_of") or (entry.get("numerator") and entry.get("denominator")))


def _with_derived(entry: dict, df: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """`df` with the entry's computed rows; they take precedence over its source rows."""
    derived = _derive(entry, df, key)
    own = df[df["indicator"] == entry["id"]]
    rest = df[df["indicator"] != entry["id"]]
    return pd.concat([rest, first_wins([derived, own], key)], ignore_index=True)


def build(raw: str | Path, classifier) -> dict[str, pd.DataFrame]:
    """Read every catalogue source into the tables `indicators`, `area_indicators`,
    `monthly_indicators`, `indicator_sources` and `indicator_catalogue`."""
    raw = Path(raw)
    catalogue = load_catalogue(raw)
    sources = Sources(raw, catalogue["sources"], AreaResolver.from_raw(raw, classifier))
    yearly, monthly = [], []
    for entry in catalogue["indicators"]:
        if not _source_specs(entry):
            continue
        rows = _indicator_rows(entry, sources, classifier).assign(indicator=entry["id"])
        if "month" in rows.columns:
            monthly.append(rows)
            agg = rows.groupby(["area_type", "area_code", "year"], as_index=False).agg(
                value=("value", "mean"), flag=("flag", "first"), _source=("_source", "first"),
                _last=("month", "max"))
            agg["flag"] = agg["flag"].where(agg["value"].isna(), "")
            yearly.append(agg.assign(indicator=entry["id"]))
        else:
            yearly.append(rows)
    year_df = pd.concat(yearly, ignore_index=True)
    month_df = (pd.concat(monthly, ignore_index=True) if monthly else
                pd.DataFrame(columns=["area_type", "area_code", "month", "indicator", "value",
                                      "flag", "_source"]))
    for entry in catalogue["indicators"]:
        if _is_derived(entry):
            year_df = _with_derived(entry, year_df, ["area_type", "area_code", "year"])
            if len(month_df) and not entry.get("sum_of"):
                month_df = _with_derived(entry, month_df, ["area_type", "area_code", "month"])
    yearly_only = [e["id"] for e in catalogue["indicators"] if e.get("monthly") is False]
    month_df = month_df[~month_df["indicator"].isin(yearly_only)]
    muni = year_df["area_type"] == "municipality"
    indicators = year_df[muni].rename(columns={"area_code": "municipality_code"})
    from research.prepare.vintage import sources_table
    return {
        "indicators": indicators[["municipality_code", "year", "indicator", "value", "flag"]],
        "area_indicators": year_df[~muni][["area_type", "area_code", "year", "indicator",
                                           "value", "flag"]],
        "monthly_indicators": month_df[["area_type", "area_code", "month", "indicator",
                                        "value", "flag"]],
        "indicator_sources": sources_table(indicators, month_df, catalogue["sources"]),
        "indicator_catalogue": catalogue_table(catalogue),
    }
