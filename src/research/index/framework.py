"""Verb 'framework': the index definition (settings, themes, indicators with direction,
weight, theme and how each is computed) read and checked from a YAML file, optionally with
the catalogue's indicators; and the step that keeps the indicators that have data.

The framework is a file (`config/vitality_index.yml`); another index is another file."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from research.core.errors import UserError

STEPS = ("framework", "denomination", "screening", "imputation", "treatment", "normalisation",
         "aggregation", "coherence", "uncertainty", "areas")
NORMALISATIONS = ("minmax", "zscore", "percentile")
AGGREGATIONS = ("arithmetic", "geometric")
KINDS = ("level", "rate", "change")
ALAND = "21"
KEY = ["code", "year"]

SETTINGS: dict[str, tuple[type, object]] = {
    "normalisation": (str, "minmax"), "aggregation": (str, "arithmetic"),
    "min_coverage": (float, 0.5), "impute_max_gap": (int, 3), "min_reference": (int, 20),
    "winsor_max": (int, 5), "skew_threshold": (float, 2.0), "kurtosis_threshold": (float, 3.5),
    "geometric_floor": (float, 1.0), "draws": (int, 1000), "seed": (int, 2017),
    "weight_spread": (float, 0.25), "require_base_and_final": (bool, True),
}
THEME_KEYS = {"id": None, "name_fi": "", "name_en": "", "weight": 1.0}
INDICATOR_KEYS = {"id": None, "theme": None, "direction": None, "kind": "level", "source": "",
                  "numerator": "", "denominator": "", "scale": 1.0, "lag": 1, "weight": 1.0,
                  "weight_by": "population", "unit": "", "name_fi": "", "name_en": ""}
REQUIRED_KEYS = {"id", "theme", "direction"}


@dataclass(frozen=True)
class Framework:
    """An index definition: settings, themes and indicators (one row each, in file order)."""

    id: str
    names: dict
    settings: dict
    themes: pd.DataFrame
    indicators: pd.DataFrame
    path: str = ""
    from_catalogue: bool = False

    def name(self, language: str) -> str:
        return self.names.get(language) or self.id

    def sources(self, row) -> list[str]:
        """The `indicators`-table series an indicator is computed from."""
        if row["kind"] == "rate":
            return [row["numerator"], row["denominator"]]
        return [row["source"]]

    def restrict(self, ids: list[str]) -> "Framework":
        """The framework with only the given indicators (and the themes that still have some)."""
        ind = self.indicators[self.indicators["id"].isin(ids)].reset_index(drop=True)
        th = self.themes[self.themes["id"].isin(ind["theme"])].reset_index(drop=True)
        return replace(self, indicators=ind, themes=th)


def _lines(text: str) -> dict[str, int]:
    """File line of each top-level key and of each list item ('indicators[2]'), for errors."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return {}
    out: dict[str, int] = {}
    if isinstance(root, yaml.MappingNode):
        for k, v in root.value:
            out[str(k.value)] = k.start_mark.line + 1
            if isinstance(v, yaml.SequenceNode):
                for i, item in enumerate(v.value):
                    out[f"{k.value}[{i}]"] = item.start_mark.line + 1
    return out


def _fail(src: tuple[Path, dict], key: str, message: str):
    """Raise a UserError naming the framework file, the line of the entry and the key."""
    path, lines = src
    row = lines.get(key.split(".")[0]) or lines.get(key.split("[")[0])
    raise UserError(f"key '{key}': {message}", file=path, row=row)


def _entries(src, data, key: str, known: dict, allow_empty: bool = False) -> list[dict]:
    items = data.get(key)
    if not isinstance(items, list) or not (items or allow_empty):
        _fail(src, key, "expected a non-empty list")
    out = []
    for i, item in enumerate(items):
        where = f"{key}[{i}]"
        if not isinstance(item, dict):
            _fail(src, where, f"expected a mapping of keys, got {item!r}")
        unknown = sorted(set(item) - set(known))
        if unknown:
            _fail(src, f"{where}.{unknown[0]}",
                  f"is not a known key (valid keys here: {', '.join(sorted(known))})")
        missing = [k for k in known if known[k] is None and k not in item
                   and (key == "themes" or k in REQUIRED_KEYS)]
        if missing:
            _fail(src, f"{where}.{missing[0]}", "is required but missing")
        out.append({k: item.get(k, default) for k, default in known.items()})
    ids = [str(e["id"]) for e in out]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        _fail(src, key, f"id '{dup[0]}' is used more than once")
    return out


def _read(path: Path) -> tuple[dict, tuple[Path, dict]]:
    """The parsed framework file and its source (path, line of each entry) for errors."""
    if not path.exists():
        raise UserError("index framework file not found", file=path)
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise UserError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=path,
                        row=(mark.line + 1) if mark else None) from None
    if not isinstance(data, dict):
        raise UserError("expected a mapping with keys id, settings, themes, indicators",
                        file=path)
    src = (path, _lines(text))
    top = {"id", "name_fi", "name_en", "settings", "themes", "indicators", "indicators_from"}
    for k in data:
        if k not in top:
            _fail(src, str(k), f"is not a known key (valid keys here: {', '.join(sorted(top))})")
    return data, src


def _settings(src, data: dict) -> dict:
    """The settings with their defaults, each of its type and among its options."""
    settings = {}
    given = data.get("settings") or {}
    for k in given:
        if k not in SETTINGS:
            _fail(src, f"settings.{k}",
                  f"is not a known key (valid keys here: {', '.join(sorted(SETTINGS))})")
    for k, (kind, default) in SETTINGS.items():
        value = given.get(k, default)
        if (isinstance(value, bool) != (kind is bool)
                or not isinstance(value, (int, float) if kind is float else kind)):
            _fail(src, f"settings.{k}", f"expected {kind.__name__}, got {value!r}")
        settings[k] = kind(value)
    for k, options in (("normalisation", NORMALISATIONS), ("aggregation", AGGREGATIONS)):
        if settings[k] not in options:
            _fail(src, f"settings.{k}", f"expected one of {', '.join(options)}, "
                  f"got {settings[k]!r}")
    return settings


def _check_indicators(src, inds: pd.DataFrame, themes: pd.DataFrame) -> None:
    """Each indicator's theme, direction, kind and the series its kind needs."""
    for i, row in inds.iterrows():
        where = f"indicators[{i}]"
        if row["theme"] not in set(themes["id"]):
            _fail(src, f"{where}.theme", f"'{row['theme']}' is not a theme id "
                  f"(themes: {', '.join(themes['id'])})")
        if row["direction"] not in (1, -1):
            _fail(src, f"{where}.direction", f"expected 1 or -1, got {row['direction']!r}")
        if row["kind"] not in KINDS:
            _fail(src, f"{where}.kind", f"expected one of {', '.join(KINDS)}, "
                  f"got {row['kind']!r}")
        need = ["numerator", "denominator"] if row["kind"] == "rate" else ["source"]
        for k in need:
            if not row[k]:
                _fail(src, f"{where}.{k}", f"is required for kind '{row['kind']}'")
    for frame, what in ((themes, "themes"), (inds, "indicators")):
        bad = ~frame["weight"].map(lambda w: isinstance(w, (int, float)) and w > 0)
        if bad.any():
            _fail(src, f"{what}[{int(bad.idxmax())}].weight", "expected a positive number")


def load_framework(path: str | Path) -> Framework:
    """Read and check an index framework file; a mistake raises a UserError naming the key."""
    path = Path(path)
    data, src = _read(path)
    settings = _settings(src, data)
    themes = pd.DataFrame(_entries(src, data, "themes", THEME_KEYS))
    from_catalogue = data.get("indicators_from", "") == "catalogue"
    if data.get("indicators_from", "catalogue") != "catalogue":
        _fail(src, "indicators_from", f"expected 'catalogue', got {data['indicators_from']!r}")
    if from_catalogue and not data.get("indicators"):
        data = dict(data, indicators=[])
    inds = pd.DataFrame(_entries(src, data, "indicators", INDICATOR_KEYS, allow_empty=
                                 from_catalogue), columns=list(INDICATOR_KEYS))
    _check_indicators(src, inds, themes)
    inds["weight"] = inds["weight"].astype(float)
    themes["weight"] = themes["weight"].astype(float)
    inds["scale"] = inds["scale"].astype(float)
    inds["direction"] = inds["direction"].astype(int)
    return Framework(id=str(data.get("id", path.stem)),
                     names={"fi": data.get("name_fi", ""), "en": data.get("name_en", "")},
                     settings=settings, themes=themes, indicators=inds, path=path.name,
                     from_catalogue=from_catalogue)


def with_catalogue(fw: Framework, catalogue: pd.DataFrame) -> Framework:
    """Add the catalogue's indicators marked `index: true` (processed `indicator_catalogue`
    table) to a framework with `indicators_from: catalogue`; its own entries win.

    A rate with numerator and denominator is recomputed from them (so that areas use sums);
    a rate with only a denominator, or none, is taken as it is and weighted for areas by its
    denominator (else population); a count with a denominator becomes a rate per it, and a
    count without one enters as its % change over a year."""
    if not fw.from_catalogue:
        return fw
    rows = []
    flagged = catalogue[catalogue["index"].astype(str).str.lower().isin(["true", "1"])]
    for _, c in flagged.sort_values("indicator", kind="stable").iterrows():
        num, den = (c["numerator"] or ""), (c["denominator"] or "")
        row = dict(INDICATOR_KEYS, id=c["indicator"], theme=c["theme"],
                   direction=int(c["direction"]), weight=float(c["weight"]),
                   scale=float(c["scale"] or 1), name_fi=c["name_fi"], name_en=c["name_en"],
                   unit=c["unit_fi"] or "")
        if c["kind"] == "rate" and num and den:
            row |= {"kind": "rate", "numerator": num, "denominator": den}
        elif c["kind"] == "count" and den:
            row |= {"kind": "rate", "numerator": c["indicator"], "denominator": den}
        elif c["kind"] == "count":
            row |= {"kind": "change", "source": c["indicator"], "lag": 1, "scale": 1.0,
                    "unit": "%", "id": f"{c['indicator']}_change_1y"}
        else:
            row |= {"kind": "level", "source": c["indicator"], "weight_by": den or "population"}
        rows.append(row)
    own = fw.indicators
    extra = pd.DataFrame([r for r in rows if r["id"] not in set(own["id"])],
                         columns=list(INDICATOR_KEYS))
    inds = pd.concat([own, extra], ignore_index=True) if len(own) else extra
    themes = fw.themes
    missing = [t for t in dict.fromkeys(inds["theme"]) if t not in set(themes["id"])]
    if missing:
        themes = pd.concat([themes, pd.DataFrame([dict(THEME_KEYS, id=t)
                                                  for t in missing])], ignore_index=True)
    inds["direction"] = inds["direction"].astype(int)
    for col in ("weight", "scale"):
        inds[col] = inds[col].astype(float)
    return replace(fw, indicators=inds, themes=themes, from_catalogue=False)


def select_available(fw: Framework, table: pd.DataFrame) -> tuple[Framework, pd.DataFrame]:
    """Step 'framework': keep the indicators whose source series are in the table."""
    present = set(table.loc[table["value"].notna(), "indicator"].unique())
    rows = []
    theme = fw.themes.set_index("id")
    for _, r in fw.indicators.iterrows():
        missing = [s for s in fw.sources(r) if s not in present]
        rows.append({"indicator": r["id"], "theme": r["theme"], "direction": int(r["direction"]),
                     "weight": float(r["weight"]), "kind": r["kind"],
                     "available": not missing, "missing_series": ", ".join(missing),
                     "reason": "no_series" if missing else "",
                     "name_fi": r["name_fi"], "name_en": r["name_en"], "unit": r["unit"],
                     "theme_fi": theme.loc[r["theme"], "name_fi"],
                     "theme_en": theme.loc[r["theme"], "name_en"]})
    audit = pd.DataFrame(rows)
    kept = fw.restrict(audit.loc[audit["available"], "indicator"].tolist())
    if kept.indicators.empty:
        raise UserError("none of the index indicators is in the indicators table "
                        f"(framework {fw.path or fw.id}); run `research prepare` with their "
                        "readers first")
    return kept, audit


def check_years(values: pd.DataFrame, reference: np.ndarray, years: list[int], gap: int
                ) -> dict[str, str]:
    """Indicators without data near each of `years` (within `gap` years, for at least half
    of the reference municipalities): {indicator: 'no_year_<year>'}. Such an indicator
    cannot show change between the base and the final year, so it is left out."""
    ref = values[reference]
    codes = ref.index.get_level_values("code")
    n = codes.nunique()
    yrs = ref.index.get_level_values("year")
    out = {}
    for col in values.columns:
        for y in years:
            near = ref[col].notna() & (np.abs(yrs - y) <= gap)
            if codes[near].nunique() < 0.5 * n:
                out[col] = f"no_year_{y}"
                break
    return out


def require_years(fw: Framework, audit: pd.DataFrame, values: pd.DataFrame,
                  reference: np.ndarray, years: list[int]) -> tuple[Framework, pd.DataFrame]:
    """Leave out the indicators without data near every one of `years` (`check_years`),
    marking them in the framework audit table (changed in place); returns the framework and
    the values of the indicators kept."""
    dropped = check_years(values, reference, years, fw.settings["impute_max_gap"])
    for ind, why in dropped.items():
        audit.loc[audit["indicator"] == ind, ["available", "reason"]] = [False, why]
    if len(dropped) == len(values.columns):
        raise UserError(f"no index indicator has data for both {years[0]} and "
                        f"{years[-1]} (framework {fw.path or fw.id})")
    fw = fw.restrict([c for c in values.columns if c not in dropped])
    return fw, values[list(fw.indicators["id"])].dropna(how="all")
