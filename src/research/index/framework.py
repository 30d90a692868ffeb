"""Verb 'framework': the index definition (settings, themes, indicators with direction,
weight, theme and how each is computed) read and checked from a YAML file, optionally with
the catalogue's indicators; and the step that keeps the indicators that have data.

The framework is a file (`config/vitality_index.yml`); another index is another file."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from research.core import yamlfile
from research.core.errors import UserError
from research.core.schema import (REQUIRED, Bool, Check, Float, Int, Invalid, Key, ListOf, Map,
                                  OneOf, Text, Where, validate)
from research.core.yamlfile import line_of

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
    "count_noise": (bool, True),
}
THEME_KEYS = {"id": None, "name_fi": "", "name_en": "", "name_sv": "", "weight": 1.0}
#: the keys of an indicator and their defaults (None: required)
INDICATOR_KEYS = {"id": None, "theme": None, "direction": None, "kind": "level", "source": "",
                  "numerator": "", "denominator": "", "scale": 1.0, "lag": 1, "weight": 1.0,
                  "weight_by": "population", "unit": "", "name_fi": "", "name_en": "",
                  "name_sv": ""}


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
        """The index's name in a report language (Swedish falls back to Finnish)."""
        return self.names.get(language) or self.names.get("fi") or self.id

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


def _positive(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise Invalid(f"expected a positive number, got {value!r}")
    return float(value)


def _needs(row: dict) -> None:
    """The series an indicator's kind needs: numerator and denominator, or a source."""
    for k in (["numerator", "denominator"] if row["kind"] == "rate" else ["source"]):
        if not row[k]:
            raise Invalid(f"'{k}' is required for kind '{row['kind']}'")


_NODES = {str: Text(), float: Float(), int: Int(), bool: Bool()}
_OPTIONS = {"normalisation": NORMALISATIONS, "aggregation": AGGREGATIONS}
SCHEMA = Map({
    "id": Key(Text(), None), "name_fi": Key(Text(), ""), "name_en": Key(Text(), ""),
    "name_sv": Key(Text(), ""),
    "settings": Key(Map({k: Key(OneOf(_OPTIONS[k]) if k in _OPTIONS else _NODES[kind], default)
                         for k, (kind, default) in SETTINGS.items()}), {}),
    "themes": ListOf(Map({"id": Text(), "name_fi": Key(Text(), ""), "name_en": Key(Text(), ""),
                          "name_sv": Key(Text(), ""), "weight": Key(Check(_positive), 1.0)}),
                     non_empty=True, unique="id", empty_message="expected a non-empty list"),
    "indicators": Key(ListOf(Map(
        {k: Key({"direction": OneOf((1, -1), "1 or -1"), "kind": OneOf(KINDS),
                 "scale": Float(), "lag": Int(), "weight": Check(_positive)}.get(k, Text()),
                REQUIRED if default is None else default)
         for k, default in INDICATOR_KEYS.items()}, check_all=_needs), unique="id"), []),
    "indicators_from": Key(OneOf(("catalogue",)), ""),
})


def load_framework(path: str | Path) -> Framework:
    """Read and check an index framework file (`research.core.schema`); a mistake raises a
    UserError naming the file, the line and the key."""
    path = Path(path)
    raw = yamlfile.load(path, "index framework file")
    data = validate(SCHEMA, raw, path)
    from_catalogue = data["indicators_from"] == "catalogue"
    if not data["indicators"] and not from_catalogue:
        Where(path, "indicators", line=line_of(raw)).fail("expected a non-empty list", raw)
    themes = pd.DataFrame(data["themes"], columns=list(THEME_KEYS))
    inds = pd.DataFrame(data["indicators"], columns=list(INDICATOR_KEYS))
    for i, row in inds.iterrows():
        if row["theme"] not in set(themes["id"]):
            item = raw["indicators"][i]
            Where(path, f"indicators[{i}].theme", line=line_of(item)).fail(
                f"'{row['theme']}' is not a theme id (themes: {', '.join(themes['id'])})", item)
    inds["direction"] = inds["direction"].astype(int)
    for table in (themes, inds):      # a Swedish name falls back to the Finnish one
        table["name_sv"] = table["name_sv"].where(table["name_sv"] != "", table["name_fi"])
    return Framework(id=str(data["id"] or path.stem),
                     names={"fi": data["name_fi"], "en": data["name_en"],
                            "sv": data["name_sv"]},
                     settings=data["settings"], themes=themes, indicators=inds,
                     path=path.name, from_catalogue=from_catalogue)


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
                   name_sv=c.get("name_sv") or c["name_fi"], unit=c["unit_fi"] or "")
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
                     "name_fi": r["name_fi"], "name_en": r["name_en"],
                     "name_sv": r["name_sv"], "unit": r["unit"],
                     **{f"theme_{lang}": theme.loc[r["theme"], f"name_{lang}"]
                        for lang in ("fi", "en", "sv")}})
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
