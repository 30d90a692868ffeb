"""Survey scales: scores per target-state dimension, their reliability and item distributions.

- `respondent_scores`: each respondent's score on each scale, the mean of the scale's
  answered items after reverse coding ("don't know" is not an answer); a score needs at
  least half of the scale's items answered.
- `score_table`: mean score with a t confidence interval per scale for every municipality,
  every municipality x role, every role in the sub-region and the sub-region, suppressed
  with `research.stats.privacy.suppress` on the whole table at once (municipality totals and
  sub-region role totals are published, so both are margins), or, given the run's plan,
  with the plan's shown roles and hidden counts (`research.stats.privacy_plan`).
- `reliability`: Cronbach's alpha per scale with Feldt's F-based interval (the same
  interval as `pingouin.cronbach_alpha`, listwise deletion).
- `likert_counts`: item distributions (answers per value and "don't know"), suppressed:
  groups with fewer answers than the threshold are hidden. The chart is drawn by
  `research.report.survey_charts.likert_chart`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from research.stats import privacy
from research.core.instrument import Instrument

GROUP_COLUMNS = ["level", "municipality_code", "role"]
SUBREGION = "subregion"


def scored(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Answers with `scale` and `score` (reverse-coded); "don't know" rows are dropped."""
    items = {i.code: i for i in instrument.items}
    df = responses[responses["item"].isin(items) & responses["value"].notna()].copy()
    df["scale"] = df["item"].map({c: i.scale for c, i in items.items()})
    reverse = df["item"].map({c: i.reverse for c, i in items.items()}).astype(bool)
    low = df["item"].map({c: i.low for c, i in items.items()}).astype(float)
    high = df["item"].map({c: i.high for c, i in items.items()}).astype(float)
    df["score"] = df["value"].where(~reverse, low + high - df["value"])
    return df


def respondent_scores(responses: pd.DataFrame, instrument: Instrument,
                      min_share: float = 0.5) -> pd.DataFrame:
    """One row per respondent x wave x scale: `score` (mean of scored items) and `k` answered."""
    df = scored(responses, instrument)
    keys = ["respondent", "wave", "municipality_code", "role", "scale"]
    out = df.groupby(keys, sort=True).agg(score=("score", "mean"), k=("score", "size"))
    out = out.reset_index()
    size = {s: len(instrument.scale_items(s)) for s in instrument.scales}
    return out[out["k"] >= np.ceil(min_share * out["scale"].map(size))].reset_index(drop=True)


def mean_ci(values: pd.Series, confidence: float = 0.95) -> pd.Series:
    """n, mean, sd and the t interval of the mean (NaN interval when n < 2)."""
    return pd.Series(_mean_ci(values.to_numpy(float), confidence))


def _mean_ci(x: np.ndarray, confidence: float = 0.95) -> dict:
    """`mean_ci` of an array (NaN dropped), as a dict."""
    x = x[~np.isnan(x)]
    n = len(x)
    mean = x.mean() if n else np.nan
    sd = x.std(ddof=1) if n > 1 else np.nan
    if n > 1:
        half = stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / np.sqrt(n)
        low, high = mean - half, mean + half
    else:
        low = high = np.nan
    return {"n": n, "mean": mean, "sd": sd, "ci_low": low, "ci_high": high}


def _summarise(scores: pd.DataFrame, by: list[str], level: str) -> pd.DataFrame:
    """`mean_ci` of the scores of every group of `by` x scale (sorted by the groups): the
    groups' rows are taken by position, not as sub-frames, so that a national programme's
    thousands of groups stay cheap."""
    cols = [*by, "scale"]
    values = scores["score"].to_numpy(float)
    groups = scores.groupby(cols, sort=True).indices
    rows = [{**dict(zip(cols, key if isinstance(key, tuple) else (key,))),
             **_mean_ci(values[idx])} for key, idx in sorted(groups.items())]
    out = pd.DataFrame(rows)
    out["level"] = level
    for col in ("municipality_code", "role"):
        if col not in out:
            out[col] = SUBREGION if col == "municipality_code" else ""
    return out


def score_table(responses: pd.DataFrame, instrument: Instrument, wave: str,
                threshold: int = 5, plan: pd.DataFrame | None = None,
                groups: dict[str, str] | None = None) -> pd.DataFrame:
    """Scale scores of one wave at every level, suppressed; columns
    `level, municipality_code, role, scale, n, mean, sd, ci_low, ci_high, suppressed,
    suppression, key`.

    `level` is 'municipality', 'municipality_role', 'subregion_role' or 'subregion'
    (`municipality_code` is 'subregion' for the last two). Without a `plan` the table is
    suppressed on its own (`privacy.suppress`); with the run's plan (cells of the
    populations `privacy_plan.score_population`), roles are its shown roles (`groups`:
    role -> shown role, e.g. small roles merged into 'other'; no role rows when every role
    is one group) and a row is hidden exactly when the plan hides its count ('plan'). `key`
    is the row's cell key in the plan (`suppression.key_of`).
    """
    cols = [*GROUP_COLUMNS, "scale", "n", "mean", "sd", "ci_low", "ci_high"]
    if plan is not None:
        responses = responses.assign(role=responses["role"].fillna("unknown").astype(str))
        if groups is not None:
            responses = responses.assign(role=responses["role"].map(
                lambda r: groups.get(r, r)))
    scores = respondent_scores(responses[responses["wave"] == wave], instrument)
    if scores.empty:
        return privacy.suppress(pd.DataFrame(columns=cols).astype({"n": float}),
                                threshold=threshold, margins=[]).assign(key="")
    by_role = groups is None or len(set(groups.values())) > 1
    parts = [
        (_summarise(scores, ["municipality_code"], "municipality"), [["scale"]]),
        (_summarise(scores, ["municipality_code", "role"], "municipality_role"),
         [["municipality_code", "scale"], ["role", "scale"]]),
        (_summarise(scores, ["role"], "subregion_role"), [["scale"]]),
        (_summarise(scores, [], "subregion"), []),
    ]
    if not by_role:
        parts = [parts[0], parts[3]]
    if plan is None:
        out = [privacy.suppress(df[cols], threshold=threshold, margins=margins,
                                values=["n", "mean", "sd", "ci_low", "ci_high"])
               for df, margins in parts]
        table = pd.concat(out, ignore_index=True)
        table["key"] = _keys(table, groups)
    else:
        table = _planned(pd.concat([df[cols] for df, _ in parts], ignore_index=True), plan,
                         wave, groups)
    order = {s: i for i, s in enumerate(instrument.scales)}
    table["_order"] = table["scale"].map(order)
    return (table.sort_values(["_order", "level", "municipality_code", "role"], kind="stable")
            .drop(columns="_order").reset_index(drop=True))


def _keys(table: pd.DataFrame, groups: dict[str, str] | None) -> list[str]:
    """Each score row's cell key: municipality and the members of its shown role."""
    from research.stats.suppression import key_of

    members: dict[str, list[str]] = {}
    for role, shown in (groups or {}).items():
        members.setdefault(shown, []).append(role)
    out = []
    for rec in table.itertuples(index=False):
        dims = {}
        if rec.level in ("municipality", "municipality_role"):
            dims["municipality_code"] = rec.municipality_code
        if rec.level in ("municipality_role", "subregion_role"):
            dims["role"] = members.get(rec.role, [rec.role])
        out.append(key_of(**dims))
    return out


def _planned(table: pd.DataFrame, plan: pd.DataFrame, wave: str,
             groups: dict[str, str] | None) -> pd.DataFrame:
    """The score rows hidden where the run's plan hides their count (reason 'plan')."""
    from research.stats.privacy_plan import score_population

    table = table.assign(key=_keys(table, groups))
    hidden = plan[plan["hidden"].astype(bool)]
    hidden = set(zip(hidden["population"], hidden["key"]))
    mask = pd.Series([(score_population(wave, s), k) in hidden
                      for s, k in zip(table["scale"], table["key"])], index=table.index)
    for col in ("n", "mean", "sd", "ci_low", "ci_high"):
        table[col] = table[col].astype(float).where(~mask)
    return table.assign(suppressed=mask, suppression=mask.map({True: "plan", False: ""}))


def cronbach_alpha(data: pd.DataFrame, confidence: float = 0.95) -> tuple[float, float, float, int]:
    """Cronbach's alpha of the columns of `data` (listwise deletion) with Feldt's interval.

    Returns (alpha, ci_low, ci_high, n). The interval is 1 - (1 - alpha) * F quantiles with
    (n - 1, (n - 1)(k - 1)) degrees of freedom, as in `pingouin.cronbach_alpha`.
    """
    x = data.dropna()
    n, k = x.shape
    if k < 2 or n < 3:
        return np.nan, np.nan, np.nan, n
    cov = x.cov()
    alpha = (k / (k - 1)) * (1 - np.trace(cov) / cov.to_numpy().sum())
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - confidence) / 2
    low = 1 - (1 - alpha) * stats.f.isf(tail, df1, df2)
    high = 1 - (1 - alpha) * stats.f.isf(1 - tail, df1, df2)
    return float(alpha), float(low), float(high), int(n)


def reliability(responses: pd.DataFrame, instrument: Instrument, wave: str,
                confidence: float = 0.95) -> pd.DataFrame:
    """Cronbach's alpha per scale over all respondents of a wave (reverse-coded items).

    Columns `scale, k, n, alpha, ci_low, ci_high`; `n` counts respondents who answered every
    item of the scale.
    """
    df = scored(responses[responses["wave"] == wave], instrument)
    rows = []
    for scale in instrument.scales:
        items = [i.code for i in instrument.scale_items(scale)]
        wide = (df[df["scale"] == scale]
                .pivot_table(index="respondent", columns="item", values="score")
                .reindex(columns=items))
        alpha, low, high, n = cronbach_alpha(wide, confidence)
        rows.append({"scale": scale, "k": len(items), "n": n, "alpha": alpha,
                     "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows)


def likert_counts(responses: pd.DataFrame, instrument: Instrument, wave: str,
                  municipality: str | None = None, threshold: int = 5) -> pd.DataFrame:
    """Answers per item and answer value (raw answers, "don't know" as `dont_know`).

    One row per item (instrument order): `item, scale, n, dont_know, 1 ... high`, `n` the
    number of answers including "don't know"; items with n < threshold are suppressed.
    """
    df = responses[(responses["wave"] == wave)]
    if municipality is not None and municipality != SUBREGION:
        df = df[df["municipality_code"] == municipality]
    values = sorted({v for i in instrument.items for v in range(i.low, i.high + 1)})
    rows = []
    for item in instrument.items:
        answers = df.loc[df["item"] == item.code, "value"]
        counts = answers.value_counts().reindex(values, fill_value=0)
        rows.append({"item": item.code, "scale": item.scale, "n": len(answers),
                     "dont_know": int(answers.isna().sum()),
                     **{int(v): int(c) for v, c in counts.items()}})
    table = pd.DataFrame(rows)
    return privacy.suppress(table, threshold=threshold, margins=[])
