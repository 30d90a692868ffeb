"""Verb 'uncertainty': the seeded Monte Carlo over the modeller's choices (normalisation,
aggregation, weights +-25 %, imputation on/off) and over the chance variation of small counts
(each count behind a rate or a change redrawn from a Poisson distribution, as THL does for
small-area rates), vectorised over the draws; its rank bands, the one-at-a-time sensitivity and
the change from the base to the final year.

Index points of different normalisations are on different scales, so the band of a change in
points comes from the draws that use the nominal normalisation only; ranks are on one scale in
every draw, and the rank shown is the median of all draws, inside its own band."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats

from research.index.aggregate import aggregate, aggregate_draws
from research.index.framework import AGGREGATIONS, NORMALISATIONS, Framework

SENSITIVITY_WEIGHT_DRAWS = 250   # weight draws of the one-at-a-time sensitivity
CHUNK = 128  # draws aggregated at once: bounds memory to units x themes x CHUNK floats
NOISE_CHUNK = 32  # draws with redrawn counts at once: units x indicators x NOISE_CHUNK floats
NOISE_STREAM = 1  # the count draws use their own stream of the seed: choices stay the same


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


def perturb(values: np.ndarray, count: np.ndarray, factor: np.ndarray,
            rng: np.random.Generator | None, draws: int,
            drawn: np.ndarray | None = None) -> np.ndarray:
    """`draws` copies of the values (n x k -> n x k x draws) with every value that has a count
    behind it redrawn: value = factor * sign(count) * Poisson(|count|). The mean stays the
    value and the variance is factor^2 |count|: large for small counts, small for large ones.
    Values without a count (NaN: levels, imputed values) are copied as they are. `drawn`
    gives the Poisson draws made already (`draw_counts`) instead of `rng`."""
    out = np.repeat(np.asarray(values, float)[:, :, None], draws, axis=2)
    ok = ~np.isnan(count) & ~np.isnan(factor)
    c = count[ok]
    if drawn is None:
        drawn = draw_counts(count, factor, rng, draws)
    out[ok] = (factor[ok] * np.sign(c))[:, None] * drawn
    return out


def draw_counts(count: np.ndarray, factor: np.ndarray, rng: np.random.Generator,
                draws: int) -> np.ndarray:
    """The Poisson draws of `perturb`: one row per value with a count, `draws` columns."""
    c = count[~np.isnan(count) & ~np.isnan(factor)]
    return rng.poisson(np.abs(c)[:, None], size=(c.size, draws))


@dataclass
class Noise:
    """What the draws of the chance variation of counts need, for the rows of a Prepared."""

    values: np.ndarray    # n x k indicator values (imputed ones filled in)
    count: np.ndarray     # n x k counts behind them (NaN: no count, or an imputed value)
    factor: np.ndarray    # n x k: value = factor * count
    missing: np.ndarray   # n x k: imputed cells (NaN when imputation is off)
    scorer: object        # the fitted treatment and goalposts (`normalise.Scorer`)

    def rows(self, sel: np.ndarray) -> "Noise":
        return replace(self, values=self.values[sel], count=self.count[sel],
                       factor=self.factor[sel], missing=self.missing[sel])

    def draw(self, rng: np.random.Generator, draws: int) -> np.ndarray:
        """The Poisson draws of `draws` redrawings of the counts (`draw_counts`)."""
        return draw_counts(self.count, self.factor, rng, draws)

    def scores(self, method: str, imputed: bool, rng: np.random.Generator | None, draws: int,
               drawn: np.ndarray | None = None) -> np.ndarray:
        """Scores (n x k x draws) of `draws` redrawings of the counts (drawn with `rng`, or
        given as `drawn` by `draw`)."""
        s = self.scorer.score_array(perturb(self.values, self.count, self.factor, rng, draws,
                                            drawn), method)
        if not imputed:
            s[self.missing] = np.nan
        return s


@dataclass
class Prepared:
    """Scores of the ranked units under every normalisation, with and without imputation."""

    scores: dict          # (method, imputed: bool) -> n x k array
    years: np.ndarray
    theme_of: np.ndarray
    w_ind: np.ndarray
    w_theme: np.ndarray
    noise: Noise | None = None

    def rows(self, sel: np.ndarray) -> "Prepared":
        return Prepared({k: v[sel] for k, v in self.scores.items()}, self.years[sel],
                        self.theme_of, self.w_ind, self.w_theme,
                        self.noise.rows(sel) if self.noise is not None else None)


def prepare(scorer, values: pd.DataFrame, missing: pd.DataFrame, fw: Framework,
            basis: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> Prepared:
    """Scores of a set of units under every normalisation, with imputed values (True) and
    with them left out (False, NaN where `missing`), ready for the Monte Carlo; with `basis`
    (counts and factors, `denominate.count_basis`) and the setting `count_noise`, also what
    the draws of the counts' chance variation need."""
    theme_pos = {t: i for i, t in enumerate(fw.themes["id"])}
    sc = {}
    for m in NORMALISATIONS:
        full = scorer.scores(values, m).to_numpy()
        sc[(m, True)] = full
        sc[(m, False)] = np.where(missing.to_numpy(), np.nan, full)
    noise = None
    if basis is not None and fw.settings["count_noise"]:
        miss = missing.to_numpy(bool)
        noise = Noise(values.to_numpy(float), np.where(miss, np.nan, basis[0].to_numpy(float)),
                      basis[1].to_numpy(float), miss, scorer)
    return Prepared(sc, values.index.get_level_values("year").to_numpy(),
                    fw.indicators["theme"].map(theme_pos).to_numpy(),
                    fw.indicators["weight"].to_numpy(float), fw.themes["weight"].to_numpy(float),
                    noise)


def draw_choices(fw: Framework, draws: int, seed: int, k: int, t: int) -> dict:
    """The seeded Monte Carlo draws: normalisation, aggregation, imputation and weights, and
    whether the counts are redrawn (the setting `count_noise`, in every draw)."""
    rng = np.random.default_rng(seed)
    spread = fw.settings["weight_spread"]
    return {"normalisation": rng.integers(0, len(NORMALISATIONS), draws),
            "aggregation": rng.integers(0, len(AGGREGATIONS), draws),
            "imputation": rng.integers(0, 2, draws).astype(bool),
            "w_ind": rng.uniform(1 - spread, 1 + spread, (k, draws)),
            "w_theme": rng.uniform(1 - spread, 1 + spread, (t, draws)),
            "counts": np.full(draws, bool(fw.settings["count_noise"]))}


def simulate(p: Prepared, choices: dict, floor: float,
             rng: np.random.Generator | None = None) -> np.ndarray:
    """Index of every unit (rows) in every draw (columns), grouped by discrete choice; draws
    with `counts` redraw the counts (with `rng`) when `p` has what that needs. The Poisson
    draws are made in their fixed order by a second thread while this one scores the draws
    before them (numpy leaves the interpreter lock to both): the same numbers, sooner."""
    d = len(choices["normalisation"])
    out = np.full((len(p.years), d), np.nan)
    w_ind = p.w_ind[:, None] * choices["w_ind"]
    w_theme = p.w_theme[:, None] * choices["w_theme"]
    counts = choices.get("counts", np.zeros(d, bool)) & (p.noise is not None)
    tasks = []
    for m, method in enumerate(NORMALISATIONS):
        for a, agg in enumerate(AGGREGATIONS):
            for imp, noisy in ((True, False), (False, False), (True, True), (False, True)):
                sel = ((choices["normalisation"] == m) & (choices["aggregation"] == a)
                       & (choices["imputation"] == imp) & (counts == noisy))
                cols = np.flatnonzero(sel)
                size = NOISE_CHUNK if noisy else CHUNK
                tasks += [(method, agg, imp, noisy, cols[start:start + size])
                          for start in range(0, len(cols), size)]
    drawn = _drawn_ahead(p.noise, rng, [len(t[4]) for t in tasks if t[3]])
    for method, agg, imp, noisy, part in tasks:
        if noisy:
            out[:, part] = aggregate_draws(
                p.noise.scores(method, imp, None, len(part), next(drawn)), p.theme_of,
                w_ind[:, part], w_theme[:, part], agg, floor)
        else:
            out[:, part] = aggregate(p.scores[(method, imp)], p.theme_of, w_ind[:, part],
                                     w_theme[:, part], agg, floor)[1]
    return out


def _drawn_ahead(noise: Noise | None, rng: np.random.Generator | None, sizes: list[int]):
    """The Poisson draws of chunks of `sizes` draws, in order, made by a thread at most two
    chunks ahead of their use (an iterator; an error of the thread is raised at its use)."""
    import queue
    import threading

    if not sizes:
        return iter(())
    ready: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()

    def hand(item) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            for size in sizes:
                if not hand(noise.draw(rng, size)):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            hand(exc)

    thread = threading.Thread(target=produce, daemon=True, name="count-draws")
    thread.start()

    def consume():
        try:
            for _ in sizes:
                item = ready.get()
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            thread.join()
    return consume()


def _alternatives(factor: str, base: dict, choices: dict, n: int) -> dict:
    """The draws of one factor varied alone, the others at their nominal choice."""
    if factor in ("weights", "counts"):
        alt = {key: np.repeat(v, n, axis=-1) for key, v in base.items()}
        if factor == "weights":
            alt |= {"w_ind": choices["w_ind"][:, :n], "w_theme": choices["w_theme"][:, :n]}
        else:
            alt["counts"] = np.ones(n, bool)
        return alt
    n_alt = {"normalisation": len(NORMALISATIONS), "aggregation": len(AGGREGATIONS)}.get(factor)
    levels = [v for v in range(n_alt) if v != int(base[factor][0])] if n_alt else [0]
    alt = {key: np.repeat(v, len(levels), axis=-1) for key, v in base.items()}
    alt[factor] = np.array(levels, dtype=bool if factor == "imputation" else int)
    return alt


def monte_carlo(p: Prepared, fw: Framework, nominal: dict, draws: int, seed: int,
                sensitivity: bool = True) -> tuple[dict, pd.DataFrame]:
    """All choices varied at once -> draws {'index', 'rank' (units x draws), 'normalisation'
    (of each draw), 'chance' (index when only the counts are redrawn, units x
    `SENSITIVITY_WEIGHT_DRAWS`, or None)}; and one at a time -> sensitivity: mean and largest
    absolute rank shift from the nominal rank per factor (weights and counts: the first
    `SENSITIVITY_WEIGHT_DRAWS` draws)."""
    k, t = len(p.theme_of), len(p.w_theme)
    choices = draw_choices(fw, draws, seed, k, t)
    floor = fw.settings["geometric_floor"]
    rng = np.random.default_rng([seed, NOISE_STREAM])
    index = simulate(p, choices, floor, rng)
    out = {"index": index, "rank": rank_by_year(index, p.years),
           "normalisation": choices["normalisation"], "chance": None}
    base = {"normalisation": np.full(1, NORMALISATIONS.index(nominal["normalisation"])),
            "aggregation": np.full(1, AGGREGATIONS.index(nominal["aggregation"])),
            "imputation": np.ones(1, bool), "w_ind": np.ones((k, 1)), "w_theme": np.ones((t, 1)),
            "counts": np.zeros(1, bool)}
    n = min(draws, SENSITIVITY_WEIGHT_DRAWS)
    factors = ["normalisation", "aggregation", "imputation", "weights"]
    if p.noise is not None:
        out["chance"] = simulate(p, _alternatives("counts", base, choices, n), floor, rng)
        factors.append("counts")
    if not sensitivity:
        return out, pd.DataFrame(columns=["factor", "mean_shift", "max_shift"])
    nominal_rank = rank_by_year(simulate(p, base, floor), p.years)[:, 0]
    rows = []
    for factor in factors:
        alt = (out["chance"] if factor == "counts" else
               simulate(p, _alternatives(factor, base, choices, n), floor))
        shift = np.abs(rank_by_year(alt, p.years) - nominal_rank[:, None])
        rows.append({"factor": factor, "mean_shift": float(np.nanmean(shift)),
                     "max_shift": float(np.nanmax(shift))})
    sens = pd.DataFrame(rows).sort_values("mean_shift", ascending=False, kind="stable")
    return out, sens.reset_index(drop=True)


def _band(ranks: np.ndarray) -> np.ndarray:
    out = np.full((len(ranks), 3), np.nan)
    ok = ~np.isnan(ranks).all(axis=1)
    if ok.any():
        out[ok] = np.percentile(ranks[ok], [50, 5, 95], axis=1).T
    return out


def score_table(level: str, values: pd.DataFrame, p: Prepared, fw: Framework,
                nominal: dict, draws: int, seed: int, ranked: np.ndarray,
                sensitivity: bool = False) -> tuple[pd.DataFrame, dict | None, pd.DataFrame]:
    """Nominal theme scores, index, rank and the Monte Carlo rank band of a set of units;
    also the draws (those of `monte_carlo`, rows for all units, NaN for units not ranked)
    or None."""
    S = p.scores[(nominal["normalisation"], True)]
    themes, index = aggregate(S, p.theme_of, p.w_ind, p.w_theme, nominal["aggregation"],
                              fw.settings["geometric_floor"])
    table = pd.DataFrame(themes[:, :, 0], index=values.index, columns=list(fw.themes["id"]))
    table["index"] = index[:, 0]
    weights = p.w_ind / p.w_ind.sum()
    table["coverage"] = (~np.isnan(p.scores[(nominal["normalisation"], False)])) @ weights
    for col in ("rank", "n_ranked", "rank_median", "rank_p05", "rank_p95"):
        table[col] = np.nan
    mc = None
    sens = pd.DataFrame()
    if ranked.any():
        sub = p.rows(ranked)
        nominal_rank = rank_by_year(table["index"].to_numpy()[ranked], sub.years)[:, 0]
        got, sens = monte_carlo(sub, fw, nominal, draws, seed, sensitivity)
        pos = np.flatnonzero(ranked)
        table.iloc[pos, table.columns.get_loc("rank")] = nominal_rank
        n = pd.Series(sub.years).map(pd.Series(sub.years).value_counts()).to_numpy()
        table.iloc[pos, table.columns.get_loc("n_ranked")] = n
        band = _band(got["rank"])
        for j, col in enumerate(("rank_median", "rank_p05", "rank_p95")):
            table.iloc[pos, table.columns.get_loc(col)] = band[:, j]
        mc = {"normalisation": got["normalisation"],
              "same_scale": got["normalisation"] == NORMALISATIONS.index(
                  nominal["normalisation"])}
        for key in ("index", "rank", "chance"):
            if got[key] is not None:
                mc[key] = np.full((len(values), got[key].shape[1]), np.nan)
                mc[key][pos] = got[key]
    table = table.reset_index()
    table.insert(0, "level", level)
    return table, mc, sens


def _bands(row: dict, draws: dict, i: int, j: int) -> dict:
    """The 90 % bands of one unit's change from row i (base year) to row j (final year): in
    points from the draws on the nominal scale, in ranks from all draws, and in points from
    the chance variation of counts alone."""
    dc = (draws["index"][j] - draws["index"][i])[draws["same_scale"]]
    dr = draws["rank"][j] - draws["rank"][i]
    row |= dict(zip(["change_median", "change_p05", "change_p95"],
                    np.percentile(dc, [50, 5, 95])))
    row["change_draws"] = int(len(dc))
    row |= dict(zip(["rank_change_median", "rank_change_p05", "rank_change_p95"],
                    np.percentile(dr, [50, 5, 95])))
    if "chance" in draws:
        ch = draws["chance"][j] - draws["chance"][i]
        row |= dict(zip(["chance_p05", "chance_p95"], np.percentile(ch, [5, 95])))
    return row


def change_table(table: pd.DataFrame, draws: dict | None, base_year: int, final_year: int
                 ) -> pd.DataFrame:
    """Index and rank change from base to final year, with 90 % Monte Carlo bands: the change
    in index points on the nominal normalisation's scale, the rank (median of the draws) and
    its change on the scale of ranks, and the band of chance variation of counts alone."""
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
               "rank_base": t.at[i, "rank_median"], "rank_final": t.at[j, "rank_median"]}
        if (draws is not None and not np.isnan(draws["index"][i]).all()
                and not np.isnan(draws["index"][j]).all()):
            row = _bands(row, draws, i, j)
        rows.append(row)
    return pd.DataFrame(rows)
