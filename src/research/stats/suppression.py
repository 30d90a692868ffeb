"""Secondary cell suppression by protection interval, and the attacker that checks it.

A *published cell* is a count of people in one population (e.g. the participants of
workshop w2) over a *key*: for some dimensions a set of categories (``{"municipality_code":
["232"], "role": ["business", "expert"]}``); a dimension left out is summed over. Every
table a report shows is a list of such cells: its inner cells, its row and column totals and
its grand total; a merged category ("muut") is a key with several categories.

The attacker (`cell_intervals`) knows every published cell of every table of the run. For
each hidden cell it solves two integer programmes (scipy's `milp`, HiGHS): the least and the
greatest value the cell can take when the unknowns are the counts of the finest cross
classification of the population (non-negative integers), every visible cell holds its
printed value (printed zeros are zeros), and every hidden cell is at least 1 (or at least 0
when the table says a hidden cell may hide a zero). A hidden cell is *safe* when
``high - low >= threshold``: the attacker cannot place it in an interval narrower than the
threshold. The same model finds *group disclosure* (`group_disclosures`): a visible group
whose members the published cells put, all of them, into one category.

The planner (`protect`) chooses the hidden cells, in the spirit of sdcTable and tau-ARGUS
but with a simple heuristic instead of their Benders decomposition: primary cells
(0 < n < threshold) are hidden; a hidden group total hides its group's whole breakdown; then,
while the attacker can narrow some hidden cell below the threshold, the visible cell whose
hiding widens that cell's interval most is hidden too (inner cells before totals, smaller
counts before larger ones, then table order, so results are stable). It ends because every
round hides one more cell. `coarsen` merges small categories into one "other" category
first, which keeps tables readable with fewer hidden cells.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

OTHER = "other"
#: upper bound of a count in the attacker's model, so that an unpublished total is finite
BIG = 10**6
CELL_COLUMNS = ["population", "table", "key", "kind", "row", "column", "value", "hidden",
                "zero_possible"]
#: the `row` of a column total and of the grand total, the `column` of a row total
ALL_ROWS = "programme"
ALL_COLUMNS = "total"


def key_of(**dims) -> str:
    """The canonical text of a key: dims with one category (str) or several (list)."""
    out = {d: sorted([v] if isinstance(v, str) else list(v)) for d, v in dims.items()}
    return json.dumps(dict(sorted(out.items())), ensure_ascii=False)


def coarsen(totals: pd.Series, threshold: int) -> dict[str, str]:
    """Category -> shown category: categories whose total is below the threshold merged
    into `OTHER`; while that group is itself below the threshold the next smallest
    category joins it. `totals` is indexed by category (programme-wide counts)."""
    totals = totals.sort_index(kind="stable")
    small = [c for c, n in totals.items() if n < threshold]
    if not small:
        return {c: c for c in totals.index}
    merged = list(small)
    rest = totals.drop(index=merged).sort_values(kind="stable")
    while totals[merged].sum() < threshold and len(rest) > 0:
        merged.append(rest.index[0])
        rest = rest.iloc[1:]
    if len(merged) == len(totals) and len(merged) > 1:
        return {c: OTHER for c in totals.index}
    return {c: (OTHER if c in merged else c) for c in totals.index}


def cross_cells(micro: pd.DataFrame, population: str, table: str, rows: str, column: str,
                row_values: list[str], groups: dict[str, str]) -> pd.DataFrame:
    """The published cells of a `rows` x `column` count table of `micro` (one row per
    person): inner cells over the shown categories of `groups` (category -> shown category),
    row totals, column totals and the grand total, with their true values (nothing hidden)."""
    shown = sorted(set(groups.values()), key=lambda c: (c == OTHER, c))
    members = {s: [c for c in sorted(groups) if groups[c] == s] for s in shown}

    def key(**dims):   # a category group of every category is the total over it
        return key_of(**{d: v for d, v in dims.items()
                         if not (d == column and len(shown) == 1)})

    cat = micro[column].map(groups)
    inner = pd.crosstab(micro[rows], cat) if len(micro) else pd.DataFrame()
    by_row = micro[rows].value_counts()
    by_cat = cat.value_counts()
    out = []
    for r in row_values:
        for s in shown:
            n = inner.at[r, s] if r in inner.index and s in inner.columns else 0
            out.append((key(**{rows: r, column: members[s]}), "cell", r, s, int(n)))
        out.append((key_of(**{rows: r}), "row_total", r, ALL_COLUMNS, int(by_row.get(r, 0))))
    for s in shown:
        out.append((key(**{column: members[s]}), "column_total", ALL_ROWS, s,
                    int(by_cat.get(s, 0))))
    out.append((key_of(), "total", ALL_ROWS, ALL_COLUMNS, int(len(micro))))
    return pd.DataFrame([{"population": population, "table": table, "key": k, "kind": kind,
                          "row": r, "column": c, "value": float(v), "hidden": False,
                          "zero_possible": False} for k, kind, r, c, v in out],
                        columns=CELL_COLUMNS)


@dataclass
class _Model:
    """One population's published cells as a linear system over its finest counts.

    The unknowns are the counts of each table's own cross classification (one block per
    set of dimensions, e.g. municipality x role and municipality x organisation), tied by
    equal counts over the dimensions the blocks share. When every two blocks share the
    same dimensions (a star, the usual case), any such integer counts come from some
    joint cross classification of the people (the transportation problem), so the
    model is exact; otherwise the joint cross classification itself is used."""

    keys: list[str]
    member: np.ndarray      # keys x atoms, 0/1
    value: np.ndarray       # per key, the published value (NaN when hidden)
    zero_ok: np.ndarray     # per key, whether a hidden cell may be zero
    link: np.ndarray        # rows with link @ atoms == 0

    @classmethod
    def build(cls, cells: pd.DataFrame, known: dict[str, list[str]] | None = None) -> "_Model":
        """The model of one population's cells; `known` (dimension -> categories) adds the
        categories the attacker knows exist though no published key names them (e.g. the
        other municipalities of a programme total, before their reports are out)."""
        # a key shown in any table is known to the attacker
        first = (cells.sort_values("hidden", kind="stable").drop_duplicates("key")
                 .set_index("key").reindex(list(dict.fromkeys(cells["key"]))).reset_index())
        keys = list(first["key"])
        parsed = [json.loads(k) for k in keys]
        dims = sorted({d for p in parsed for d in p})
        cats = {d: sorted({c for p in parsed for c in p.get(d, [])}
                          | set((known or {}).get(d, []))) for d in dims}
        blocks = _blocks([frozenset(p) for p in parsed])
        sizes = [int(np.prod([len(cats[d]) for d in b])) for b in blocks]
        starts = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        n_atoms = int(starts[-1])
        member = np.zeros((len(keys), n_atoms))
        for i, p in enumerate(parsed):
            home = next(j for j, b in enumerate(blocks) if set(p) <= b)
            member[i, starts[home]:starts[home + 1]] = _matches(p, blocks[home], cats)
        link = []
        core = sorted(blocks[0].intersection(*blocks[1:])) if len(blocks) > 1 else []
        for j in range(1, len(blocks)):
            for c in itertools.product(*(cats[d] for d in core)):
                want = {d: [v] for d, v in zip(core, c)}
                row = np.zeros(n_atoms)
                row[starts[0]:starts[1]] = _matches(want, blocks[0], cats)
                row[starts[j]:starts[j + 1]] -= _matches(want, blocks[j], cats)
                link.append(row)
        zero_ok = cells.groupby("key", sort=False)["zero_possible"].any().reindex(keys)
        return cls(keys, member, first["value"].to_numpy(float), zero_ok.to_numpy(bool),
                   np.array(link, float).reshape(len(link), n_atoms))

    def interval(self, target: int, hidden: np.ndarray) -> tuple[float, float]:
        """(min, max) of cell `target` given the visible cells (`~hidden`) and that hidden
        cells are >= 1 (>= 0 where a zero is possible); integer counts."""
        from scipy.optimize import Bounds, LinearConstraint, milp

        shown = ~hidden
        ub = np.full(self.member.shape[1], float(BIG))
        zero_rows = shown & (self.value == 0)
        if zero_rows.any():
            ub[self.member[zero_rows].any(axis=0)] = 0
        rows = shown & (self.value != 0)
        constraints = []
        if len(self.link):
            constraints.append(LinearConstraint(self.link, 0, 0))
        if rows.any():
            constraints.append(LinearConstraint(self.member[rows], self.value[rows],
                                                self.value[rows]))
        if hidden.any():
            lb = np.where(self.zero_ok[hidden], 0.0, 1.0)
            constraints.append(LinearConstraint(self.member[hidden], lb, np.inf))
        out = []
        for sign in (1, -1):
            res = milp(sign * self.member[target], integrality=np.ones_like(ub),
                       bounds=Bounds(0, ub), constraints=constraints)
            if res.status != 0:
                raise RuntimeError(f"privacy audit: the published cells are inconsistent "
                                   f"({res.message})")
            out.append(sign * res.fun)
        return round(out[0]), round(out[1])

    def all_intervals(self, hidden: np.ndarray) -> list[tuple[int, float, float]]:
        return [(i, *self.interval(i, hidden)) for i in np.flatnonzero(hidden)]


def _blocks(signatures: list[frozenset]) -> list[frozenset]:
    """The maximal dimension sets of the keys; one joint block unless they form a star
    (every two share the same dimensions)."""
    distinct = set(signatures)
    maximal = sorted({s for s in distinct if not any(s < t for t in distinct)}, key=sorted)
    if len(maximal) <= 1:
        return maximal or [frozenset()]
    pairs = {a & b for a, b in itertools.combinations(maximal, 2)}
    return maximal if len(pairs) == 1 else [frozenset().union(*maximal)]


def _matches(key: dict, block: frozenset, cats: dict[str, list[str]]) -> np.ndarray:
    """0/1 over the atoms of `block` (the product of its dimensions' categories, in sorted
    dimension order, the last fastest): 1 where every dimension of `key` has one of its
    categories."""
    dims = sorted(block)
    mask = np.zeros([len(cats[d]) for d in dims], bool)
    pos = [np.flatnonzero(np.isin(cats[d], key[d])) if d in key else np.arange(len(cats[d]))
           for d in dims]
    mask[np.ix_(*pos)] = True
    return mask.ravel().astype(float)


def categories(cells: pd.DataFrame) -> dict[str, dict[str, list[str]]]:
    """Population -> dimension -> every category its keys name (of a plan's cells)."""
    out: dict[str, dict[str, set]] = {}
    pairs = cells[["population", "key"]].drop_duplicates()
    for population, key in zip(pairs["population"], pairs["key"]):
        for d, values in json.loads(key).items():
            out.setdefault(population, {}).setdefault(d, set()).update(values)
    return {p: {d: sorted(v) for d, v in dims.items()} for p, dims in out.items()}


def cell_intervals(cells: pd.DataFrame, threshold: int,
                   known: dict[str, dict[str, list[str]]] | None = None) -> pd.DataFrame:
    """The attacker: for every hidden cell (its `value` is not used) the least and greatest
    value it can take under all visible cells of its population. Columns
    `population, table, key, low, high, width, safe`; hidden cells of the same key in
    several tables are solved once and listed under each table. `known` (of `categories`)
    names the categories of each population that exist though no published cell names
    them yet."""
    rows = []
    for population, part in cells.groupby("population", sort=True):
        part = part.assign(value=part["value"].where(~part["hidden"].astype(bool), np.nan))
        model = _Model.build(part, (known or {}).get(population))
        hidden = part.groupby("key", sort=False)["hidden"].all().reindex(model.keys).to_numpy()
        found = {model.keys[i]: (lo, hi) for i, lo, hi in model.all_intervals(hidden)}
        for rec in part[part["key"].isin(found)].itertuples(index=False):
            lo, hi = found[rec.key]
            rows.append({"population": population, "table": rec.table, "key": rec.key,
                         "low": lo, "high": hi, "width": hi - lo,
                         "safe": bool(hi - lo >= threshold)})
    return pd.DataFrame(rows, columns=["population", "table", "key", "low", "high", "width",
                                       "safe"])


def group_disclosures(cells: pd.DataFrame, group_dim: str,
                      known: dict[str, dict[str, list[str]]] | None = None,
                      intervals: pd.DataFrame | None = None) -> pd.DataFrame:
    """Visible groups (a total over `group_dim`'s one category, e.g. one municipality) whose
    members the published cells place all into one category of another dimension: the
    least possible count of the group in that category equals the group's total.
    Columns `population, table, key, category_key`. `intervals`, the `cell_intervals` of
    the same cells, saves solving a hidden cell's least value again."""
    least = ({} if intervals is None else
             dict(zip(zip(intervals["population"], intervals["key"]), intervals["low"])))
    rows = []
    for population, part in cells.groupby("population", sort=True):
        part = part.assign(value=part["value"].where(~part["hidden"].astype(bool), np.nan))
        model = _Model.build(part, (known or {}).get(population))
        hidden = part.groupby("key", sort=False)["hidden"].all().reindex(model.keys).to_numpy()
        parsed = [json.loads(k) for k in model.keys]
        everything = {d: {c for q in parsed for c in q.get(d, [])} for q in parsed for d in q}
        for i, p in enumerate(parsed):
            if hidden[i] or list(p) != [group_dim] or model.value[i] <= 0:
                continue
            for j, q in enumerate(parsed):
                if len(q) != 2 or q.get(group_dim) != p[group_dim]:
                    continue
                (dim, chosen), = [(d, v) for d, v in q.items() if d != group_dim]
                if set(chosen) == everything[dim]:   # a table of one category
                    continue
                low = model.value[j] if not hidden[j] else least.get((population,
                                                                       model.keys[j]))
                if low is None:
                    low = model.interval(j, hidden)[0]
                if low == model.value[i]:
                    table = part.loc[part["key"] == model.keys[j], "table"].iloc[0]
                    rows.append({"population": population, "table": table,
                                 "key": model.keys[i], "category_key": model.keys[j]})
    return pd.DataFrame(rows, columns=["population", "table", "key", "category_key"])


def _group_rule(cells: pd.DataFrame, group_dim: str, threshold: int) -> pd.DataFrame:
    """Hidden group totals hide their group's whole breakdown; a visible group with all its
    members in one category hides its breakdown too (zeros included, marked as possible)."""
    cells = cells.copy()
    parsed = [json.loads(k) for k in cells["key"]]
    group = pd.Series([p[group_dim][0] if group_dim in p else None for p in parsed],
                      index=cells.index)
    totals = cells[cells["kind"] == "row_total"].drop_duplicates("key")
    total_of = {json.loads(k)[group_dim][0]: (v, h)
                for k, v, h in zip(totals["key"], totals["value"], totals["hidden"])}
    inner = cells[(cells["kind"] == "cell") & group.isin(list(total_of))]
    for (code, _), part in inner.groupby([group[inner.index], inner["table"]], sort=False):
        value, hidden = total_of[code]
        single = (part["value"] > 0).sum() == 1 and value >= threshold and len(part) > 1
        if bool(hidden) or single:
            cells.loc[part.index, "hidden"] = True
            cells.loc[part.index, "zero_possible"] = len(part) > 1
    return cells


def protect(cells: pd.DataFrame, threshold: int, group_dim: str = "municipality_code"
            ) -> pd.DataFrame:
    """The suppression pattern of one population's published cells (true values): the
    cells with `hidden` set, and `reason` 'primary', 'group' or 'secondary'.

    Hiding a cell only relaxes the attacker's constraints, so a hidden cell once safe stays
    safe: each round checks only the cells not yet found safe."""
    cells = cells.copy().reset_index(drop=True)
    cells["reason"] = ""
    primary = (cells["value"] > 0) & (cells["value"] < threshold)
    cells.loc[primary, ["hidden", "reason"]] = [True, "primary"]
    safe: set[str] = set()
    while True:
        before = cells["hidden"].copy()
        grouped = _group_rule(cells, group_dim, threshold)
        cells.loc[grouped["hidden"] & ~before, "reason"] = "group"
        cells[["hidden", "zero_possible"]] = grouped[["hidden", "zero_possible"]]
        model = _Model.build(cells)
        hidden = cells.groupby("key", sort=False)["hidden"].any().reindex(model.keys).to_numpy()
        # a quantity hidden in one table is hidden in every table that shows it
        shown_as = dict(zip(model.keys, hidden))
        newly = cells["key"].map(shown_as) & ~cells["hidden"]
        cells.loc[newly, ["hidden", "reason"]] = [True, "secondary"]
        unsafe = []
        for i in np.flatnonzero(hidden):
            if model.keys[i] in safe:
                continue
            lo, hi = model.interval(i, hidden)
            if hi - lo >= threshold:
                safe.add(model.keys[i])
            else:
                unsafe.append((hi - lo, i))
        if not unsafe:
            return cells
        _, target = min(unsafe)
        choice = _best_complement(model, cells, hidden, target, threshold)
        cells.loc[cells["key"] == model.keys[choice], ["hidden", "reason"]] = [True,
                                                                               "secondary"]


def _related(target: dict, other: dict) -> bool:
    """Whether `other` is in the same row or column as `target` (same dimensions, all but
    one the same) or one of its totals (fewer dimensions, the same values)."""
    if set(other) == set(target):
        return sum(other[d] != target[d] for d in target) == 1
    return set(other) < set(target) and all(other[d] == target[d] for d in other)


def _best_complement(model: _Model, cells: pd.DataFrame, hidden: np.ndarray, target: int,
                     threshold: int) -> int:
    """The visible non-zero cell whose hiding widens `target`'s interval most."""
    kinds = cells.drop_duplicates("key").set_index("key")["kind"]
    mine = json.loads(model.keys[target])
    related = np.array([_related(mine, json.loads(k)) for k in model.keys])
    best = None
    for i in np.flatnonzero(~hidden & (model.value > 0) & related):
        trial = hidden.copy()
        trial[i] = True
        lo, hi = model.interval(target, trial)
        score = (-min(hi - lo, threshold), kinds[model.keys[i]] != "cell", model.value[i], i)
        best = score if best is None or score < best else best
    if best is None:  # nothing visible overlaps: hide the smallest visible non-zero cell
        candidates = np.flatnonzero(~hidden & (model.value > 0))
        if not len(candidates):   # cannot happen: with nothing visible every cell is free
            raise RuntimeError(f"no cell left to hide for {model.keys[target]}")
        return int(candidates[np.argmin(model.value[candidates])])
    return int(best[-1])
