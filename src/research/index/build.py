"""Verb 'build': the whole index as a short sequence of verb calls, the way COINr builds one.

Steps, in order (`STEPS`): framework -> denomination -> screening -> imputation -> treatment
-> normalisation -> aggregation -> coherence -> uncertainty -> areas. Each verb here is thin:
it reads its input, calls the pure function of its module, and appends an `AuditStep` (its
name, the arguments it was called with and a tidy table of what it did) to the audit log, so
that a report can show what was left out, imputed, winsorised or log-transformed, and why.

Outlier treatment and the normalisation goalposts are fitted once, on a fixed reference
population (all mainland municipalities of the base year; Åland, region 21, is outside it) and
then applied to every year and to sub-regions, so that scores are comparable over time and
between levels.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from research.index.aggregate import weights_table
from research.index.coherence import coherence
from research.index.denominate import count_basis, denominate, denomination_table
from research.index.framework import Framework, require_years, select_available
from research.index.impute import impute, screen
from research.index.normalise import (Scorer, goalpost_table, reference_values,
                                      treatment_table)
from research.index.treat import treated_points
from research.index.uncertainty import change_table, prepare, score_table

STEPS = ("framework", "denomination", "screening", "imputation", "treatment", "normalisation",
         "aggregation", "coherence", "uncertainty", "areas")
ALAND = "21"
COUNTRY = "SSS"
AREAS = (("subregion", "subregion_code"), ("region", "region_code"), ("country", None))


@dataclass
class AuditStep:
    """One logged step: its name (see STEPS), a tidy table of what it did, its arguments."""

    name: str
    table: pd.DataFrame
    args: dict = field(default_factory=dict)


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


@dataclass
class _Run:
    """The state of one build: its arguments, the audit log and what the verbs produced."""

    fw: Framework
    classes: pd.DataFrame
    base_year: int
    final_year: int
    draws: int
    seed: int
    audit: list[AuditStep] = field(default_factory=list)
    out: dict = field(default_factory=dict)

    def log(self, name: str, table: pd.DataFrame, **args) -> pd.DataFrame:
        self.audit.append(AuditStep(name, table, args))
        return table

    def mainland(self, values: pd.DataFrame) -> np.ndarray:
        codes = values.index.get_level_values("code")
        return np.asarray(codes.map(self.classes["region_code"]) != ALAND, dtype=bool)

    @property
    def nominal(self) -> dict:
        s = self.fw.settings
        return {"normalisation": s["normalisation"], "aggregation": s["aggregation"]}


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


def _framework(run: _Run, indicators: pd.DataFrame) -> pd.DataFrame:
    """Steps 'framework' and 'denomination': the indicators with data (near both years when
    the framework requires it) and their values per municipality-year."""
    s = run.fw.settings
    fw, audit = select_available(run.fw, indicators)
    run.out["table"] = indicators[indicators["municipality_code"].isin(run.classes.index)]
    values = denominate(run.out["table"], fw)
    years = sorted({int(run.base_year), run.final_year})
    if s["require_base_and_final"]:
        fw, values = require_years(fw, audit, values, run.mainland(values), years)
    run.fw = fw
    run.log("framework", audit, years=years, require_base_and_final=s["require_base_and_final"],
            max_gap=s["impute_max_gap"])
    run.log("denomination", denomination_table(fw, values))
    return values


def _impute(run: _Run, values: pd.DataFrame) -> pd.DataFrame:
    """Steps 'screening' and 'imputation' (groups: urban/rural classes)."""
    s = run.fw.settings
    kept, excluded = screen(values, s["min_coverage"])
    run.log("screening", excluded, min_coverage=s["min_coverage"])
    filled, imputed = impute(kept, run.classes["urban_rural_code"], s["impute_max_gap"])
    run.log("imputation", imputed, group="urban_rural_code", max_gap=s["impute_max_gap"])
    run.out["imputed"] = kept.isna() & filled.notna()
    return filled


def _treat_normalise(run: _Run, filled: pd.DataFrame) -> Scorer:
    """Steps 'treatment' and 'normalisation', fitted on the mainland reference population."""
    s = run.fw.settings
    reference, ref_years = reference_values(filled, run.mainland(filled), run.base_year,
                                            s["min_reference"])
    scorer = Scorer(run.fw, reference)
    run.out["treated"] = scorer.treated(filled)
    run.log("treatment", treatment_table(scorer, reference, ref_years),
            winsor_max=s["winsor_max"], skew_threshold=s["skew_threshold"],
            kurtosis_threshold=s["kurtosis_threshold"])
    run.log("treated_values", treated_points(filled, run.out["treated"], scorer.treat))
    run.log("normalisation", goalpost_table(scorer, ref_years), base_year=run.base_year,
            min_reference=s["min_reference"])
    return scorer


def _municipalities(run: _Run, filled: pd.DataFrame, scorer: Scorer) -> None:
    """Steps 'aggregation', 'coherence' and 'uncertainty' for the municipalities."""
    fw, nominal = run.fw, run.nominal
    mainland = run.mainland(filled)
    p = prepare(scorer, filled, run.out["imputed"], fw,
                count_basis(run.out["table"], fw, filled.index))
    muni, draws, sens = score_table("municipality", filled, p, fw, nominal, run.draws,
                                    run.seed, mainland, sensitivity=True)
    run.log("aggregation", weights_table(fw.themes, fw.indicators), **nominal)
    nominal_scores = scorer.scores(filled, nominal["normalisation"])
    ref_rows = mainland & (filled.index.get_level_values("year") == run.base_year)
    coh = coherence(nominal_scores[ref_rows].reset_index(drop=True),
                    muni[ref_rows].reset_index(drop=True), fw)
    run.log("coherence", coh["indicators"], year=run.base_year)
    run.log("uncertainty", sens, draws=run.draws, seed=run.seed,
            weight_spread=fw.settings["weight_spread"], count_noise=fw.settings["count_noise"])
    run.out |= {"coherence": coh, "sensitivity": sens, "tables": [muni],
                "long": [_long("municipality", filled, run.out["treated"], nominal_scores,
                               run.out["imputed"])],
                "changes": [change_table(muni, draws, run.base_year, run.final_year)]}


def _areas(run: _Run, filled: pd.DataFrame, scorer: Scorer) -> None:
    """Step 'areas': sub-regions, regions and the country from summed municipal data, scored
    with the municipalities' goalposts; sub-regions and regions ranked among their peers."""
    fw, nominal = run.fw, run.nominal
    mainland = run.classes[run.classes["region_code"] != ALAND]
    years = filled.index.get_level_values("year").unique()
    rows = []
    for level, col in AREAS:
        groups = mainland[col] if col else pd.Series(COUNTRY, index=mainland.index)
        vals = denominate(run.out["table"], fw, groups)
        vals = vals[vals.index.get_level_values("year").isin(years)]
        vals, _ = screen(vals, fw.settings["min_coverage"]) if len(vals) else (vals, None)
        none = pd.DataFrame(False, index=vals.index, columns=vals.columns)
        rank_these = np.full(len(vals), level != "country")
        pa = prepare(scorer, vals, none, fw, count_basis(run.out["table"], fw, vals.index,
                                                         groups))
        tab, dr, _ = score_table(level, vals, pa, fw, nominal, run.draws, run.seed, rank_these)
        run.out["tables"].append(tab)
        run.out["changes"].append(change_table(tab, dr, run.base_year, run.final_year))
        run.out["long"].append(_long(level, vals, scorer.treated(vals),
                                     scorer.scores(vals, nominal["normalisation"]), none))
        rows.append({"level": level, "units": int(vals.index.get_level_values("code").nunique()),
                     "years": int(vals.index.get_level_values("year").nunique())})
    run.log("areas", pd.DataFrame(rows), levels=[lv for lv, _ in AREAS])


#: The parts of `compute_index` that `compute_part` computes on their own (in two processes
#: of a runner); `combine` joins them into the result `compute_index` gives.
PARTS = ("municipalities", "areas")


def start(indicators: pd.DataFrame, municipalities: pd.DataFrame, fw: Framework,
          base_year: int, final_year: int | None = None, draws: int | None = None,
          seed: int | None = None) -> tuple[_Run, pd.DataFrame, Scorer]:
    """Steps 'framework' to 'normalisation' of `compute_index` (same arguments), which every
    part of `finish_part` starts from: computed once, a runner hands a pickled copy to the
    process that computes the other part."""
    s = fw.settings
    latest = municipalities[municipalities["year"] == municipalities["year"].max()]
    run = _Run(fw=fw, classes=latest.set_index("municipality_code"), base_year=base_year,
               final_year=int(final_year if final_year is not None else base_year),
               draws=int(draws if draws is not None else s["draws"]),
               seed=int(seed if seed is not None else s["seed"]))
    values = _framework(run, indicators)
    filled = _impute(run, values)
    return run, filled, _treat_normalise(run, filled)


def compute_index(indicators: pd.DataFrame, municipalities: pd.DataFrame, fw: Framework,
                  base_year: int, final_year: int | None = None, draws: int | None = None,
                  seed: int | None = None, areas: bool = True) -> IndexResult:
    """Run every step for all municipalities, all years, and (with `areas`) for sub-regions,
    regions and the whole country (mainland), ranked sub-regions among all sub-regions.

    `indicators` is the tidy table (municipality_code, year, indicator, value, flag);
    `municipalities` the classification table. `draws`/`seed` override the framework's."""
    run, filled, scorer = start(indicators, municipalities, fw, base_year, final_year,
                                 draws, seed)
    _municipalities(run, filled, scorer)
    if areas:
        _areas(run, filled, scorer)
    return _result(run, fw)


def finish_part(part: str, started: tuple) -> dict:
    """One of `PARTS` of `compute_index` from what `start` gave (changed in place), for
    `combine`: the municipalities' and the areas' Monte Carlo are independent (each seeded
    alone), so a runner computes them in two processes and gets the result of
    `compute_index`."""
    run, filled, scorer = started
    if part == "municipalities":
        _municipalities(run, filled, scorer)
    elif part == "areas":
        shared = len(run.audit)
        run.out |= {"tables": [], "long": [], "changes": []}
        _areas(run, filled, scorer)
        run.audit = run.audit[shared:]
    else:
        raise ValueError(f"unknown part {part!r}")
    keep = ("tables", "long", "changes", "coherence", "sensitivity")
    return {"run": replace(run, out={k: run.out[k] for k in keep if k in run.out},
                           classes=run.classes.iloc[:0])}


def compute_part(part: str, *args, **kwargs) -> dict:
    """One of `PARTS` of `compute_index` (with its arguments): `finish_part` of `start`."""
    return finish_part(part, start(*args, **kwargs))


def combine(fw: Framework, municipalities: dict, areas: dict | None = None) -> IndexResult:
    """The result of `compute_index` from its parts (`compute_part`), `fw` as given to it."""
    run = municipalities["run"]
    if areas is not None:
        extra = areas["run"]
        run = replace(run, audit=run.audit + extra.audit,
                      out=run.out | {k: run.out[k] + extra.out[k]
                                     for k in ("tables", "long", "changes")})
    return _result(run, fw)


def _result(run: _Run, fw: Framework) -> IndexResult:
    scores = pd.concat(run.out["tables"], ignore_index=True)
    scores["year"] = scores["year"].astype(int)
    # coverage: the weight share of the whole framework observed (not of the kept indicators)
    scores["coverage"] *= run.fw.indicators["weight"].sum() / fw.indicators["weight"].sum()
    ind_scores = pd.concat(run.out["long"], ignore_index=True)
    ind_scores["year"] = ind_scores["year"].astype(int)
    return IndexResult(framework=run.fw, base_year=int(run.base_year),
                       final_year=run.final_year, scores=scores, indicator_scores=ind_scores,
                       audit=run.audit, coherence=run.out["coherence"],
                       sensitivity=run.out["sensitivity"],
                       change=pd.concat(run.out["changes"], ignore_index=True))


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
