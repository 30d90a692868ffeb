"""A transparent composite index (the vitality index), built the way COINr and the JRC/OECD
Handbook build one: a pipeline of named steps, each of which logs what it did.

Steps, in order (`STEPS`): framework -> denomination -> screening -> imputation -> treatment
-> normalisation -> aggregation -> coherence -> uncertainty -> areas. Every step appends an
`AuditStep` (its name and a tidy table) to `IndexResult.audit`, so that a report can show what
was left out, imputed, winsorised or log-transformed, and why.

The framework (indicators, themes, directions, weights, settings) is a YAML file
(`config/vitality_index.yml`); another index is another file. Outlier treatment and the
normalisation goalposts are fitted once, on a fixed reference population (all mainland
municipalities of the base year; Åland, region 21, is outside it) and then applied to every
year and to sub-regions, so that scores are comparable over time and between levels.

The uncertainty analysis is a seeded Monte Carlo over the modeller's choices (normalisation,
aggregation, weights +-25 %, imputation on/off), vectorised over the draws: scores of every
unit-year are combined with all drawn weight vectors by matrix products.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from research.core.errors import UserError

STEPS = ("framework", "denomination", "screening", "imputation", "treatment", "normalisation",
         "aggregation", "coherence", "uncertainty", "areas")
NORMALISATIONS = ("minmax", "zscore", "percentile")
AGGREGATIONS = ("arithmetic", "geometric")
KINDS = ("level", "rate", "change")
ALAND = "21"
KEY = ["code", "year"]
SENSITIVITY_WEIGHT_DRAWS = 250   # weight draws of the one-at-a-time sensitivity
CHUNK = 128  # draws aggregated at once: bounds memory to units x themes x CHUNK floats

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


# ---------------------------------------------------------------------------------------------
# Framework


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


def load_framework(path: str | Path) -> Framework:
    """Read and check an index framework file; a mistake raises a UserError naming the key."""
    path = Path(path)
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
    themes = pd.DataFrame(_entries(src, data, "themes", THEME_KEYS))
    from_catalogue = data.get("indicators_from", "") == "catalogue"
    if data.get("indicators_from", "catalogue") != "catalogue":
        _fail(src, "indicators_from", f"expected 'catalogue', got {data['indicators_from']!r}")
    if from_catalogue and not data.get("indicators"):
        data = dict(data, indicators=[])
    inds = pd.DataFrame(_entries(src, data, "indicators", INDICATOR_KEYS, allow_empty=
                                 from_catalogue), columns=list(INDICATOR_KEYS))
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
        themes = pd.concat([themes, pd.DataFrame([dict(THEME_KEYS, id=t, name_fi=t, name_en=t)
                                                  for t in missing])], ignore_index=True)
    inds["direction"] = inds["direction"].astype(int)
    for col in ("weight", "scale"):
        inds[col] = inds[col].astype(float)
    return replace(fw, indicators=inds, themes=themes, from_catalogue=False)


# ---------------------------------------------------------------------------------------------
# Result containers


@dataclass
class AuditStep:
    """One logged step: its name (see STEPS) and a tidy table of what it did."""

    name: str
    table: pd.DataFrame


@dataclass
class IndexResult:
    """Everything the pipeline produced; `scores` is the index table (all levels, all years)."""

    framework: Framework
    base_year: int
    final_year: int
    scores: pd.DataFrame
    indicator_scores: pd.DataFrame
    audit: list[AuditStep] = field(default_factory=list)
    coherence: dict = field(default_factory=dict)
    sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame)
    change: pd.DataFrame = field(default_factory=pd.DataFrame)

    def step(self, name: str) -> pd.DataFrame:
        for s in self.audit:
            if s.name == name:
                return s.table
        raise KeyError(name)

    @property
    def themes(self) -> list[str]:
        return list(self.framework.themes["id"])


# ---------------------------------------------------------------------------------------------
# Steps 1-2: framework and denomination


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


def _wide(table: pd.DataFrame, series: list[str]) -> pd.DataFrame:
    sub = table[table["indicator"].isin(series)]
    wide = sub.pivot(index=["municipality_code", "year"], columns="indicator", values="value")
    wide.index = wide.index.set_names(KEY)
    return wide.reindex(columns=sorted(set(series)))


def _change(s: pd.Series, lag: int) -> pd.Series:
    w = s.unstack("year")
    years = np.arange(int(w.columns.min()), int(w.columns.max()) + 1)
    w = w.reindex(columns=years)
    prev = w.reindex(columns=years - lag)
    prev.columns = years
    out = 100.0 * (w / prev - 1.0)
    return out.stack(future_stack=True).rename(s.name)


def denominate(table: pd.DataFrame, fw: Framework, groups: pd.Series | None = None
               ) -> pd.DataFrame:
    """Step 'denomination': indicator values (rows code x year, one column per indicator).

    Without `groups` the units are municipalities. With `groups` (municipality code -> area
    code) the units are areas, computed from summed numerators and denominators (rates), a
    summed source (changes) or a `weight_by`-weighted mean (levels), never from averaged scores.
    """
    series = sorted({s for _, r in fw.indicators.iterrows() for s in fw.sources(r)}
                    | set(fw.indicators.loc[fw.indicators["kind"] == "level", "weight_by"]))
    raw = _wide(table, series)
    if groups is not None:
        raw = raw[raw.index.get_level_values("code").isin(groups.index)]
        keys = [raw.index.get_level_values("code").map(groups), raw.index.get_level_values("year")]

    def total(s: pd.Series) -> pd.Series:
        out = s.groupby(keys).sum(min_count=1)
        out.index = out.index.set_names(KEY)
        return out

    cols = {}
    for _, r in fw.indicators.iterrows():
        if r["kind"] == "rate":
            num, den = raw[r["numerator"]], raw[r["denominator"]]
            ok = num.notna() & den.notna() & (den > 0)
            if groups is not None:
                num, den = total(num.where(ok)), total(den.where(ok))
            cols[r["id"]] = r["scale"] * num / den.where(den > 0)
        elif r["kind"] == "change":
            src = raw[r["source"]]
            cols[r["id"]] = _change(total(src) if groups is not None else src, int(r["lag"]))
        else:
            val = raw[r["source"]]
            if groups is not None:
                w = raw[r["weight_by"]] if r["weight_by"] in raw else pd.Series(1.0, raw.index)
                ok = val.notna() & w.notna()
                val = total((val * w).where(ok)) / total(w.where(ok))
            cols[r["id"]] = val
    out = pd.DataFrame(cols)
    out = out[list(fw.indicators["id"])].sort_index()
    return out.dropna(how="all")


def _denomination_audit(fw: Framework, values: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for _, r in fw.indicators.iterrows():
        v = values[r["id"]].dropna()
        formula = {"rate": f"{r['scale']:g} * {r['numerator']} / {r['denominator']}",
                   "change": f"100 * ({r['source']}[t] / {r['source']}[t-{int(r['lag'])}] - 1)",
                   "level": r["source"]}[r["kind"]]
        years = v.index.get_level_values("year")
        rows.append({"indicator": r["id"], "kind": r["kind"], "formula": formula,
                     "n_values": len(v), "first_year": int(years.min()) if len(v) else None,
                     "last_year": int(years.max()) if len(v) else None})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# Step 3: screening and imputation


def screen(values: pd.DataFrame, min_coverage: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Step 'screening': keep unit-years with at least `min_coverage` of indicators observed.

    Years qualify when at least `min_coverage` of the indicators are observed for at least
    half of the units that year. Returns (kept values, table of left-out unit-years).
    """
    observed = values.notna()
    by_year = observed.groupby(level="year").mean()
    year_ok = (by_year >= 0.5).mean(axis=1) >= min_coverage - 1e-12
    coverage = observed.mean(axis=1)
    in_year = values.index.get_level_values("year").map(year_ok).to_numpy(dtype=bool)
    keep = in_year & (coverage.to_numpy() >= min_coverage - 1e-12)
    excluded = coverage[in_year & ~keep].rename("coverage").reset_index()
    return values[keep], excluded


def impute(values: pd.DataFrame, group: pd.Series, max_gap: int
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Step 'imputation': fill each gap with the unit's own nearest year (within `max_gap`
    years, the earlier year on a tie), else with the median of its group (urban/rural class)
    that year. Returns (filled values, audit table of every imputed value)."""
    filled = values.copy()
    records = []
    years = np.arange(int(values.index.get_level_values("year").min()),
                      int(values.index.get_level_values("year").max()) + 1)
    for col in values.columns:
        w = values[col].unstack("year").reindex(columns=years)
        out = w.copy()
        source = pd.DataFrame(np.nan, index=w.index, columns=years)
        for gap in range(1, max_gap + 1):
            for shift in (gap, -gap):
                cand = w.shift(shift, axis=1)
                take = out.isna() & cand.notna()
                out = out.mask(take, cand)
                source = source.mask(take, pd.DataFrame(np.broadcast_to(years - shift, w.shape),
                                                        index=w.index, columns=years))
        long = out.stack(future_stack=True).reindex(values.index)
        src = source.stack(future_stack=True).reindex(values.index)
        gaps = values[col].isna() & long.notna()
        for (code, year), v in long[gaps].items():
            records.append({"code": code, "year": int(year), "indicator": col, "value": v,
                            "method": "nearest_year", "source": str(int(src[(code, year)]))})
        col_values = values[col].where(~values[col].isna(), long)
        g = values.index.get_level_values("code").map(group)
        medians = values[col].groupby([g, values.index.get_level_values("year")]).median()
        still = col_values.isna()
        for (code, year) in col_values[still].index:
            m = medians.get((group.get(code), year), np.nan)
            if pd.notna(m):
                col_values[(code, year)] = m
                records.append({"code": code, "year": int(year), "indicator": col, "value": m,
                                "method": "group_median", "source": str(group.get(code))})
        filled[col] = col_values
    audit = pd.DataFrame(records, columns=["code", "year", "indicator", "value", "method",
                                           "source"])
    return filled, audit.sort_values(["indicator", "code", "year"]).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Step 4: outlier treatment (COINr rule)


def skew_kurt(x: np.ndarray) -> tuple[float, float]:
    """Sample skewness and excess kurtosis as COINr computes them (e1071 type 2)."""
    x = np.asarray(x, float)
    x = x[~np.isnan(x)]
    if len(x) < 4 or np.ptp(x) == 0:
        return 0.0, 0.0
    return float(stats.skew(x, bias=False)), float(stats.kurtosis(x, bias=False))


def fit_treatment(x: np.ndarray, winsor_max: int = 5, skew_threshold: float = 2.0,
                  kurtosis_threshold: float = 3.5) -> dict:
    """COINr's rule for one indicator: if |skew| > threshold and kurtosis > threshold,
    winsorise the most extreme point on the skewed side (set it to the next value; tied
    points together), at most `winsor_max` points in all; if that does not pass,
    log-transform the original values instead (`log(x - min + a)` for positive skew,
    `-log(max + a - x)` for negative, a = 1 % of the range).
    Returns the fitted treatment: method none | winsorise | log and its parameters."""
    x = np.asarray(x, float)
    x = x[~np.isnan(x)]
    s0, k0 = skew_kurt(x)
    fit = {"method": "none", "lo": float(np.min(x)) if len(x) else np.nan,
           "hi": float(np.max(x)) if len(x) else np.nan, "skew_before": s0, "kurtosis_before": k0,
           "n_winsorised": 0, "sign": 0}

    def fails(s, k):
        return abs(s) > skew_threshold and k > kurtosis_threshold

    if not fails(s0, k0):
        return fit | {"skew_after": s0, "kurtosis_after": k0}
    y = x.copy()
    n = 0
    s, k = s0, k0
    while fails(s, k) and n < winsor_max:
        hit = y == (y.max() if s > 0 else y.min())
        if n + int(hit.sum()) > winsor_max or hit.all():
            break
        y[hit] = y[~hit].max() if s > 0 else y[~hit].min()
        n += int(hit.sum())
        s, k = skew_kurt(y)
    if not fails(s, k):
        return fit | {"method": "winsorise", "lo": float(y.min()), "hi": float(y.max()),
                      "n_winsorised": n, "skew_after": s, "kurtosis_after": k}
    fit |= {"method": "log", "sign": 1 if s0 > 0 else -1}
    s1, k1 = skew_kurt(apply_treatment(x, fit))
    return fit | {"skew_after": s1, "kurtosis_after": k1}


def apply_treatment(x, fit: dict) -> np.ndarray:
    """Apply a fitted treatment to any values (other years, areas) with the same parameters.

    Values outside the reference range are clipped to it before a log transform."""
    x = np.asarray(x, float)
    if fit["method"] == "winsorise":
        return np.clip(x, fit["lo"], fit["hi"])
    if fit["method"] == "log":
        lo, hi = fit["lo"], fit["hi"]
        a = 0.01 * (hi - lo)
        c = np.clip(x, lo, hi)
        return np.log(c - lo + a) if fit["sign"] > 0 else -np.log(hi + a - c)
    return x


# ---------------------------------------------------------------------------------------------
# Step 5: normalisation with fixed goalposts


def fit_goalposts(reference: np.ndarray, direction: int) -> dict:
    """Goalposts of one indicator from its (treated) reference values, direction applied."""
    r = direction * np.asarray(reference, float)
    r = np.sort(r[~np.isnan(r)])
    return {"direction": direction, "min": float(r[0]), "max": float(r[-1]),
            "mean": float(r.mean()), "sd": float(r.std(ddof=1)) if len(r) > 1 else 0.0,
            "sorted": r}


def normalise(x, goalposts: dict, method: str) -> np.ndarray:
    """Score values against fixed goalposts; higher is always better.

    minmax: 100 (x - min) / (max - min), 0-100 in the reference population;
    zscore: 50 + 10 (x - mean) / sd (mean 50, sd 10 in the reference);
    percentile: the share (0-100) of the reference below x, ties counted half (kind 'mean').
    Scores of other years may fall outside the reference range: that is the change."""
    x = goalposts["direction"] * np.asarray(x, float)
    if method == "minmax":
        span = goalposts["max"] - goalposts["min"]
        return 100.0 * (x - goalposts["min"]) / span if span > 0 else np.where(
            np.isnan(x), np.nan, 50.0)
    if method == "zscore":
        sd = goalposts["sd"]
        return 50.0 + 10.0 * (x - goalposts["mean"]) / sd if sd > 0 else np.where(
            np.isnan(x), np.nan, 50.0)
    if method == "percentile":
        r = goalposts["sorted"]
        left = np.searchsorted(r, x, side="left")
        right = np.searchsorted(r, x, side="right")
        return np.where(np.isnan(x), np.nan, 100.0 * (left + right) / 2.0 / len(r))
    raise ValueError(f"unknown normalisation {method!r}")


# ---------------------------------------------------------------------------------------------
# Step 6: weighting and aggregation (vectorised over weight draws)


def _weighted_mean(S: np.ndarray, B: np.ndarray, method: str, floor: float) -> np.ndarray:
    """Weighted means of the non-missing columns of S (n x k) for each column of B (k x m)."""
    avail = ~np.isnan(S)
    if method == "geometric":
        vals = np.where(avail, np.log(np.maximum(S, floor, where=avail, out=np.ones_like(S))),
                        0.0)
    else:
        vals = np.where(avail, S, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (vals @ B) / (avail.astype(float) @ B)
    return np.exp(out) if method == "geometric" else out


def aggregate(S: np.ndarray, theme_of: np.ndarray, w_ind: np.ndarray, w_theme: np.ndarray,
              method: str = "arithmetic", floor: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Themes first, then the index, for every weight draw at once.

    S: scores (n units x k indicators, NaN = missing, its weight shared among the others);
    theme_of: theme position of each indicator (k); w_ind: k x d and w_theme: t x d weights of
    d draws (1-D arrays mean one draw). Returns theme scores (n x t x d) and index (n x d);
    geometric means use scores floored at `floor`."""
    w_ind = w_ind.reshape(len(theme_of), -1)
    w_theme = w_theme.reshape(-1, w_ind.shape[1])
    k, d = w_ind.shape
    t = w_theme.shape[0]
    member = (theme_of[:, None] == np.arange(t)[None, :]).astype(float)     # k x t
    B = (w_ind[:, None, :] * member[:, :, None]).reshape(k, t * d)
    themes = _weighted_mean(S, B, method, floor).reshape(len(S), t, d)
    avail = ~np.isnan(themes)
    if method == "geometric":
        vals = np.where(avail, np.log(np.maximum(np.where(avail, themes, 1.0), floor)), 0.0)
    else:
        vals = np.where(avail, themes, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        index = (np.einsum("ntd,td->nd", vals, w_theme)
                 / np.einsum("ntd,td->nd", avail.astype(float), w_theme))
    return themes, (np.exp(index) if method == "geometric" else index)


# ---------------------------------------------------------------------------------------------
# Step 7: coherence


def cronbach_alpha(X: np.ndarray) -> float:
    """Cronbach's alpha of the columns of X (complete rows only), computed by the one
    implementation in `research.stats.scales.cronbach_alpha`."""
    from research.stats.scales import cronbach_alpha as alpha_with_interval

    return alpha_with_interval(pd.DataFrame(np.asarray(X, float)))[0]


def coherence(scores: pd.DataFrame, themes: pd.DataFrame, fw: Framework) -> dict:
    """Step 'coherence' on the reference population: each indicator's correlation with its
    own theme and the index, Cronbach's alpha per theme, correlations between themes."""
    rows = []
    for _, r in fw.indicators.iterrows():
        x = scores[r["id"]]
        rows.append({"indicator": r["id"], "theme": r["theme"],
                     "r_theme": float(x.corr(themes[r["theme"]])),
                     "r_index": float(x.corr(themes["index"]))})
    ind = pd.DataFrame(rows)
    ind["negative"] = ind["r_theme"] < 0
    alpha = pd.DataFrame([
        {"theme": t, "n_indicators": int((fw.indicators["theme"] == t).sum()),
         "alpha": cronbach_alpha(scores[list(fw.indicators.loc[fw.indicators["theme"] == t,
                                                               "id"])].to_numpy())}
        for t in fw.themes["id"]])
    return {"indicators": ind, "alpha": alpha,
            "indicator_correlations": scores[list(fw.indicators["id"])].corr(),
            "theme_correlations": themes[list(fw.themes["id"]) + ["index"]].corr()}


# ---------------------------------------------------------------------------------------------
# Ranks and the Monte Carlo


def _rank_min(x: np.ndarray) -> np.ndarray:
    """Column-wise ranks of x (no NaN), 1 = highest, ties share the best ('min') rank."""
    order = np.argsort(-x, axis=0, kind="stable")
    sorted_x = np.take_along_axis(x, order, axis=0)
    pos = np.arange(1, len(x) + 1, dtype=float)[:, None]
    new = np.ones(x.shape, bool)
    new[1:] = sorted_x[1:] != sorted_x[:-1]
    ranks_sorted = np.maximum.accumulate(np.where(new, pos, 0.0), axis=0)
    out = np.empty(x.shape)
    np.put_along_axis(out, order, ranks_sorted, axis=0)
    return out


def rank_by_year(index: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Rank (1 = highest) within each year, for each column; ties share the best rank.

    A unit whose index is missing in a draw is left out of that year's ranking (NaN)."""
    index = index.reshape(len(years), -1)
    out = np.full(index.shape, np.nan)
    for y in np.unique(years):
        rows = np.flatnonzero(years == y)
        block = index[rows]
        if not np.isnan(block).any():
            out[rows] = _rank_min(block)
        else:
            out[rows] = stats.rankdata(-block, method="min", axis=0, nan_policy="omit")
    return out


@dataclass
class Prepared:
    """Scores of the ranked units under every normalisation, with and without imputation."""

    scores: dict          # (method, imputed: bool) -> n x k array
    years: np.ndarray
    theme_of: np.ndarray
    w_ind: np.ndarray
    w_theme: np.ndarray


def draw_choices(fw: Framework, draws: int, seed: int, k: int, t: int) -> dict:
    """The seeded Monte Carlo draws: normalisation, aggregation, imputation and weights."""
    rng = np.random.default_rng(seed)
    spread = fw.settings["weight_spread"]
    return {"normalisation": rng.integers(0, len(NORMALISATIONS), draws),
            "aggregation": rng.integers(0, len(AGGREGATIONS), draws),
            "imputation": rng.integers(0, 2, draws).astype(bool),
            "w_ind": rng.uniform(1 - spread, 1 + spread, (k, draws)),
            "w_theme": rng.uniform(1 - spread, 1 + spread, (t, draws))}


def simulate(p: Prepared, choices: dict, floor: float) -> np.ndarray:
    """Index of every unit (rows) in every draw (columns), grouped by discrete choice."""
    d = len(choices["normalisation"])
    out = np.full((len(p.years), d), np.nan)
    w_ind = p.w_ind[:, None] * choices["w_ind"]
    w_theme = p.w_theme[:, None] * choices["w_theme"]
    for m, method in enumerate(NORMALISATIONS):
        for a, agg in enumerate(AGGREGATIONS):
            for imp in (True, False):
                sel = ((choices["normalisation"] == m) & (choices["aggregation"] == a)
                       & (choices["imputation"] == imp))
                cols = np.flatnonzero(sel)
                for start in range(0, len(cols), CHUNK):
                    part = cols[start:start + CHUNK]
                    _, idx = aggregate(p.scores[(method, imp)], p.theme_of, w_ind[:, part],
                                       w_theme[:, part], agg, floor)
                    out[:, part] = idx
    return out


def monte_carlo(p: Prepared, fw: Framework, nominal: dict, draws: int, seed: int,
                sensitivity: bool = True) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """All choices varied at once -> (index draws, rank draws); and one at a time ->
    sensitivity: mean and largest absolute rank shift from the nominal rank per choice
    (weights: the first `SENSITIVITY_WEIGHT_DRAWS` weight draws)."""
    k, t = len(p.theme_of), len(p.w_theme)
    choices = draw_choices(fw, draws, seed, k, t)
    floor = fw.settings["geometric_floor"]
    index = simulate(p, choices, floor)
    ranks = rank_by_year(index, p.years)
    if not sensitivity:
        return index, ranks, pd.DataFrame(columns=["factor", "mean_shift", "max_shift"])
    base = {"normalisation": np.full(1, NORMALISATIONS.index(nominal["normalisation"])),
            "aggregation": np.full(1, AGGREGATIONS.index(nominal["aggregation"])),
            "imputation": np.ones(1, bool), "w_ind": np.ones((k, 1)), "w_theme": np.ones((t, 1))}
    nominal_rank = rank_by_year(simulate(p, base, floor), p.years)[:, 0]
    rows = []
    for factor, n_alt in (("normalisation", len(NORMALISATIONS)),
                          ("aggregation", len(AGGREGATIONS)), ("imputation", 2),
                          ("weights", 0)):
        if factor == "weights":
            n = min(draws, SENSITIVITY_WEIGHT_DRAWS)
            alt = dict(base, normalisation=np.repeat(base["normalisation"], n),
                       aggregation=np.repeat(base["aggregation"], n),
                       imputation=np.ones(n, bool), w_ind=choices["w_ind"][:, :n],
                       w_theme=choices["w_theme"][:, :n])
        else:
            levels = [v for v in range(n_alt) if v != int(base[factor][0])] if factor != \
                "imputation" else [0]
            alt = {key: np.repeat(v, len(levels), axis=-1) for key, v in base.items()}
            alt[factor] = np.array(levels, dtype=bool if factor == "imputation" else int)
        r = rank_by_year(simulate(p, alt, floor), p.years)
        shift = np.abs(r - nominal_rank[:, None])
        rows.append({"factor": factor, "mean_shift": float(np.nanmean(shift)),
                     "max_shift": float(np.nanmax(shift))})
    sens = pd.DataFrame(rows).sort_values("mean_shift", ascending=False, kind="stable")
    return index, ranks, sens.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# The pipeline


def _mainland(municipalities: pd.DataFrame) -> pd.DataFrame:
    latest = municipalities[municipalities["year"] == municipalities["year"].max()]
    return latest.set_index("municipality_code")


def _reference_year(values: pd.Series, base_year: int, minimum: int) -> int:
    counts = values.notna().groupby(level="year").sum()
    ok = counts[counts >= minimum]
    if ok.empty:
        ok = counts[counts == counts.max()]
    years = ok.index.to_numpy()
    return int(years[np.argmin(np.abs(years - base_year) * 2 + (years > base_year))])


class _Scorer:
    """Fitted treatment and goalposts; scores any unit-year table of indicator values."""

    def __init__(self, fw: Framework, reference: dict[str, np.ndarray]):
        self.fw = fw
        self.treat = {}
        self.goal = {}
        s = fw.settings
        for _, r in fw.indicators.iterrows():
            fit = fit_treatment(reference[r["id"]], s["winsor_max"], s["skew_threshold"],
                                s["kurtosis_threshold"])
            self.treat[r["id"]] = fit
            self.goal[r["id"]] = fit_goalposts(apply_treatment(reference[r["id"]], fit),
                                               int(r["direction"]))

    def treated(self, values: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({c: apply_treatment(values[c], self.treat[c]) for c in values},
                            index=values.index)

    def scores(self, values: pd.DataFrame, method: str) -> pd.DataFrame:
        t = self.treated(values)
        return pd.DataFrame({c: normalise(t[c], self.goal[c], method) for c in t},
                            index=values.index)


def _band(ranks: np.ndarray) -> np.ndarray:
    out = np.full((len(ranks), 3), np.nan)
    ok = ~np.isnan(ranks).all(axis=1)
    if ok.any():
        out[ok] = np.percentile(ranks[ok], [50, 5, 95], axis=1).T
    return out


def _score_table(level: str, values: pd.DataFrame, p: Prepared, fw: Framework,
                 nominal: dict, draws: int, seed: int, ranked: np.ndarray,
                 sensitivity: bool = False) -> tuple[pd.DataFrame, dict | None, pd.DataFrame]:
    """Nominal theme scores, index, rank and the Monte Carlo rank band of a set of units;
    also the draws ({'index', 'rank'}: units x draws, NaN for units not ranked) or None."""
    S = p.scores[(nominal["normalisation"], True)]
    themes, index = aggregate(S, p.theme_of, p.w_ind, p.w_theme, nominal["aggregation"],
                              fw.settings["geometric_floor"])
    table = pd.DataFrame(themes[:, :, 0], index=values.index, columns=list(fw.themes["id"]))
    table["index"] = index[:, 0]
    weights = p.w_ind / p.w_ind.sum()
    table["coverage"] = (~np.isnan(p.scores[(nominal["normalisation"], False)])) @ weights
    table["rank"] = np.nan
    table["n_ranked"] = np.nan
    for col in ("rank_median", "rank_p05", "rank_p95"):
        table[col] = np.nan
    mc = None
    sens = pd.DataFrame()
    if ranked.any():
        sub = Prepared({k: v[ranked] for k, v in p.scores.items()}, p.years[ranked], p.theme_of,
                       p.w_ind, p.w_theme)
        nominal_rank = rank_by_year(table["index"].to_numpy()[ranked], sub.years)[:, 0]
        draws_idx, draws_rank, sens = monte_carlo(sub, fw, nominal, draws, seed, sensitivity)
        pos = np.flatnonzero(ranked)
        table.iloc[pos, table.columns.get_loc("rank")] = nominal_rank
        n = pd.Series(sub.years).map(pd.Series(sub.years).value_counts()).to_numpy()
        table.iloc[pos, table.columns.get_loc("n_ranked")] = n
        band = _band(draws_rank)
        for j, col in enumerate(("rank_median", "rank_p05", "rank_p95")):
            table.iloc[pos, table.columns.get_loc(col)] = band[:, j]
        mc = {"index": np.full((len(values), draws), np.nan),
              "rank": np.full((len(values), draws), np.nan)}
        mc["index"][pos] = draws_idx
        mc["rank"][pos] = draws_rank
    table = table.reset_index()
    table.insert(0, "level", level)
    return table, mc, sens


def _change_table(table: pd.DataFrame, draws: dict | None, base_year: int, final_year: int
                  ) -> pd.DataFrame:
    """Index and rank change from base to final year, with 90 % Monte Carlo bands."""
    t = table.reset_index(drop=True)
    b = t.index[t["year"] == base_year]
    f = t.index[t["year"] == final_year]
    pos_b = pd.Series(b, index=t.loc[b, "code"])
    pos_f = pd.Series(f, index=t.loc[f, "code"])
    codes = sorted(set(pos_b.index) & set(pos_f.index))
    rows = []
    for code in codes:
        i, j = pos_b[code], pos_f[code]
        row = {"level": t.at[i, "level"], "code": code, "base_year": base_year,
               "final_year": final_year, "index_base": t.at[i, "index"],
               "index_final": t.at[j, "index"], "change": t.at[j, "index"] - t.at[i, "index"],
               "rank_base": t.at[i, "rank"], "rank_final": t.at[j, "rank"]}
        if (draws is not None and not np.isnan(draws["index"][i]).all()
                and not np.isnan(draws["index"][j]).all()):
            dc = draws["index"][j] - draws["index"][i]
            dr = draws["rank"][j] - draws["rank"][i]
            row |= dict(zip(["change_median", "change_p05", "change_p95"],
                            np.percentile(dc, [50, 5, 95])))
            row |= dict(zip(["rank_change_median", "rank_change_p05", "rank_change_p95"],
                            np.percentile(dr, [50, 5, 95])))
        rows.append(row)
    return pd.DataFrame(rows)


def _long(level: str, values: pd.DataFrame, treated: pd.DataFrame, scores: pd.DataFrame,
          imputed: pd.DataFrame) -> pd.DataFrame:
    """Indicator values of a set of units in long form: raw, treated, score, imputed."""
    out = pd.DataFrame({"value": values.stack(future_stack=True),
                        "treated": treated.stack(future_stack=True),
                        "score": scores.stack(future_stack=True),
                        "imputed": imputed.stack(future_stack=True).astype(bool)})
    out.index = out.index.set_names(["code", "year", "indicator"])
    out = out.reset_index()
    out.insert(0, "level", level)
    return out


def _treated_points(values: pd.DataFrame, treated: pd.DataFrame, scorer: "_Scorer"
                    ) -> pd.DataFrame:
    """Every value a treatment changed: winsorised ones, and values outside the reference
    range that were clipped before a log transform. (A log transform changes every value of
    its indicator; the treated value of each is in `IndexResult.indicator_scores`.)"""
    rows = []
    for c in values.columns:
        fit = scorer.treat[c]
        if fit["method"] == "none":
            continue
        x = values[c]
        hit = x.notna() & ((x < fit["lo"]) | (x > fit["hi"]))
        method = "winsorise" if fit["method"] == "winsorise" else "clip_then_log"
        for (code, year), v in x[hit].items():
            rows.append({"code": code, "year": int(year), "indicator": c, "value": v,
                         "treated": treated.at[(code, year), c], "method": method})
    return pd.DataFrame(rows, columns=["code", "year", "indicator", "value", "treated",
                                       "method"])


def compute_index(indicators: pd.DataFrame, municipalities: pd.DataFrame, fw: Framework,
                  base_year: int, final_year: int | None = None, draws: int | None = None,
                  seed: int | None = None, areas: bool = True) -> IndexResult:
    """Run every step for all municipalities, all years, and (with `areas`) for sub-regions,
    regions and the whole country (mainland), ranked sub-regions among all sub-regions.

    `indicators` is the tidy table (municipality_code, year, indicator, value, flag);
    `municipalities` the classification table. `draws`/`seed` override the framework's."""
    s = fw.settings
    draws = int(draws if draws is not None else s["draws"])
    seed = int(seed if seed is not None else s["seed"])
    final_year = int(final_year if final_year is not None else base_year)
    classes = _mainland(municipalities)
    audit: list[AuditStep] = []

    fw, fw_audit = select_available(fw, indicators)
    table = indicators[indicators["municipality_code"].isin(classes.index)]
    values = denominate(table, fw)
    if s["require_base_and_final"]:
        ref = np.asarray(values.index.get_level_values("code").map(classes["region_code"])
                         != ALAND, dtype=bool)
        dropped = check_years(values, ref, sorted({int(base_year), final_year}),
                              s["impute_max_gap"])
        for ind, why in dropped.items():
            fw_audit.loc[fw_audit["indicator"] == ind, ["available", "reason"]] = [False, why]
        if len(dropped) == len(values.columns):
            raise UserError(f"no index indicator has data for both {base_year} and "
                            f"{final_year} (framework {fw.path or fw.id})")
        fw = fw.restrict([c for c in values.columns if c not in dropped])
        values = values[list(fw.indicators["id"])].dropna(how="all")
    audit.append(AuditStep("framework", fw_audit))
    audit.append(AuditStep("denomination", _denomination_audit(fw, values)))

    kept, excluded = screen(values, s["min_coverage"])
    audit.append(AuditStep("screening", excluded))
    group = classes["urban_rural_code"]
    filled, imputed = impute(kept, group, s["impute_max_gap"])
    audit.append(AuditStep("imputation", imputed))

    codes = filled.index.get_level_values("code")
    mainland = np.asarray(codes.map(classes["region_code"]) != ALAND, dtype=bool)
    reference, ref_years = {}, {}
    for c in filled.columns:
        col = filled[c][mainland]
        y = _reference_year(col, base_year, s["min_reference"])
        ref_years[c] = y
        reference[c] = col[col.index.get_level_values("year") == y].to_numpy()
    scorer = _Scorer(fw, reference)
    treated = scorer.treated(filled)
    treat_rows = []
    for c in fw.indicators["id"]:
        fit = scorer.treat[c]
        treat_rows.append({"indicator": c, "reference_year": ref_years[c],
                           "n_reference": int(np.sum(~np.isnan(reference[c])))}
                          | {k: v for k, v in fit.items()})
    audit.append(AuditStep("treatment", pd.DataFrame(treat_rows)))
    audit.append(AuditStep("treated_values", _treated_points(filled, treated, scorer)))
    goal = pd.DataFrame([{"indicator": c, "direction": g["direction"], "min": g["min"],
                          "max": g["max"], "mean": g["mean"], "sd": g["sd"],
                          "reference_year": ref_years[c]} for c, g in scorer.goal.items()])
    audit.append(AuditStep("normalisation", goal))

    theme_pos = {t: i for i, t in enumerate(fw.themes["id"])}
    theme_of = fw.indicators["theme"].map(theme_pos).to_numpy()
    w_ind = fw.indicators["weight"].to_numpy(float)
    w_theme = fw.themes["weight"].to_numpy(float)
    nominal = {"normalisation": s["normalisation"], "aggregation": s["aggregation"]}
    imputed_mask = kept.isna() & filled.notna()

    def prepared(vals: pd.DataFrame, missing: pd.DataFrame) -> Prepared:
        sc = {}
        for m in NORMALISATIONS:
            full = scorer.scores(vals, m).to_numpy()
            sc[(m, True)] = full
            sc[(m, False)] = np.where(missing.to_numpy(), np.nan, full)
        return Prepared(sc, vals.index.get_level_values("year").to_numpy(), theme_of, w_ind,
                        w_theme)

    p = prepared(filled, imputed_mask)
    muni, muni_draws, sens = _score_table("municipality", filled, p, fw, nominal, draws, seed,
                                          mainland, sensitivity=True)
    audit.append(AuditStep("aggregation", pd.DataFrame({
        "theme": fw.themes["id"], "weight": w_theme / w_theme.sum(),
        "indicators": [", ".join(fw.indicators.loc[fw.indicators["theme"] == t, "id"])
                       for t in fw.themes["id"]]})))

    nominal_scores = scorer.scores(filled, nominal["normalisation"])
    ref_rows = mainland & (filled.index.get_level_values("year") == base_year)
    coh = coherence(nominal_scores[ref_rows].reset_index(drop=True),
                    muni[ref_rows].reset_index(drop=True), fw)
    audit.append(AuditStep("coherence", coh["indicators"]))
    audit.append(AuditStep("uncertainty", sens))

    long = [_long("municipality", filled, treated, nominal_scores, imputed_mask)]
    tables = [muni]
    changes = [_change_table(muni, muni_draws, base_year, final_year)]
    area_audit = []
    if areas:
        mainland_classes = classes[classes["region_code"] != ALAND]
        for level, col in (("subregion", "subregion_code"), ("region", "region_code"),
                           ("country", None)):
            groups = (mainland_classes[col] if col else
                      pd.Series("SSS", index=mainland_classes.index))
            vals = denominate(table, fw, groups)
            vals = vals[vals.index.get_level_values("year").isin(
                filled.index.get_level_values("year").unique())]
            vals, _ = screen(vals, s["min_coverage"]) if len(vals) else (vals, None)
            none = pd.DataFrame(False, index=vals.index, columns=vals.columns)
            pa = prepared(vals, none)
            rank_these = np.full(len(vals), level != "country")
            tab, dr, _ = _score_table(level, vals, pa, fw, nominal, draws, seed, rank_these)
            tables.append(tab)
            changes.append(_change_table(tab, dr, base_year, final_year))
            long.append(_long(level, vals, scorer.treated(vals),
                              scorer.scores(vals, nominal["normalisation"]), none))
            area_audit.append({"level": level,
                               "units": int(vals.index.get_level_values("code").nunique()),
                               "years": int(vals.index.get_level_values("year").nunique())})
        audit.append(AuditStep("areas", pd.DataFrame(area_audit)))
    scores = pd.concat(tables, ignore_index=True)
    scores["year"] = scores["year"].astype(int)
    ind_scores = pd.concat(long, ignore_index=True)
    ind_scores["year"] = ind_scores["year"].astype(int)
    return IndexResult(framework=fw, base_year=int(base_year), final_year=final_year,
                       scores=scores, indicator_scores=ind_scores, audit=audit, coherence=coh,
                       sensitivity=sens, change=pd.concat(changes, ignore_index=True))


def index_change(result: IndexResult, codes: list[str] | None = None,
                 level: str | None = None) -> pd.DataFrame:
    """Index change between the base and the final year, per unit, with its 90 % Monte Carlo
    band (change_p05..change_p95, in score points) and the rank change band."""
    ch = result.change
    if level is not None:
        ch = ch[ch["level"] == level]
    if codes is not None:
        ch = ch[ch["code"].isin(codes)]
    return ch.reset_index(drop=True)
