"""Privacy against an attacker: the integer-programming auditor finds the known hole, the
planner leaves none (also on random tables), the group rule, merged categories, a
complementary cell across two reports, the bundled run's plan, the threshold setting."""

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd

from research.core.tables import table_path
import pytest
import yaml

from research.core.config import load_config
from research.core.errors import UserError
from research.stats import privacy_plan, suppression
from research.stats.suppression import key_of
from conftest import CODES, ROLES, W2, old_rule, table_cells  # noqa: F401

ROOT = Path(__file__).resolve().parents[3]
def test_auditor_finds_the_known_hole_of_the_w2_role_table():
    cells = table_cells(W2, old_rule)
    shown = cells[~cells["hidden"]].set_index("key")["value"]
    # as printed: Kauhajoki x, 5, x, 5 of 12; the elected row 5, x, 0, x of 7
    assert shown[key_of(municipality_code="232")] == 12
    assert shown[key_of(role="elected")] == 7
    audit = suppression.cell_intervals(cells, 5).set_index("key")
    # Kauhajoki's business person and expert: 12 - 5 - 5 = 2 shared by two hidden cells
    # that are at least 1 each, so exactly 1 and 1
    for role in ("business", "expert"):
        cell = audit.loc[key_of(municipality_code="232", role=role)]
        assert (cell["low"], cell["high"], cell["safe"]) == (1, 1, False)
    # the elected row: 7 - 5 - 0 = 2 for Teuva and Karijoki: 1 each
    for code in ("846", "218"):
        cell = audit.loc[key_of(municipality_code=code, role="elected")]
        assert (cell["low"], cell["high"]) == (1, 1)


def test_the_planner_protects_the_same_table():
    micro = pd.DataFrame([{"municipality_code": c, "role": r, "organisation": None,
                           "wave": "w2"} for (c, r), n in W2.items() for _ in range(n)])
    plan = suppression.protect(privacy_plan.workshop_cells(micro, "w2", CODES, 5), 5)
    audit = suppression.cell_intervals(plan, 5)
    assert audit["safe"].all() and (audit["width"] >= 5).all()
    assert suppression.group_disclosures(plan, "municipality_code").empty
    # business (2) and expert (4) are merged into "other" before any cell is hidden
    column = plan[(plan["table"] == "role") & (plan["kind"] == "column_total")]
    assert sorted(column["key"]) == sorted([key_of(role="elected"), key_of(role="office_holder"),
                                            key_of(role=["business", "expert"])])
    # what is shown is true
    for rec in plan[~plan["hidden"]].itertuples():
        key = json.loads(rec.key)
        rows = micro
        for dim, values in key.items():
            rows = rows[rows[dim].fillna("unknown").isin(values)]
        assert rec.value == len(rows)


def brute_interval(values, hidden_keys, cells, target):
    """Every integer table with the same visible cells (small tables: enumeration)."""
    parsed = {k: json.loads(k) for k in cells["key"]}
    inner = [(c, r) for c in CODES[:2] for r in ROLES[:2]]
    seen = []
    top = int(max(values.values()) + 3)
    for combo in itertools.product(range(top + 1), repeat=len(inner)):
        cand = dict(zip(inner, combo))
        ok = True
        for k, p in parsed.items():
            n = sum(v for (c, r), v in cand.items() if c in p.get("municipality_code", [c])
                    and r in p.get("role", [r]))
            true = cells.loc[cells["key"] == k, "value"].iloc[0]
            if (k in hidden_keys and n < 1) or (k not in hidden_keys and n != true):
                ok = False
                break
        if ok:
            p = parsed[target]
            seen.append(sum(v for (c, r), v in cand.items()
                            if c in p.get("municipality_code", [c]) and r in p.get("role", [r])))
    return min(seen), max(seen)


def small_cells(values):
    rows = []
    for c in CODES[:2]:
        for r in ROLES[:2]:
            rows.append((key_of(municipality_code=c, role=r), "cell", values[(c, r)]))
        rows.append((key_of(municipality_code=c), "row_total",
                     sum(values[(c, r)] for r in ROLES[:2])))
    for r in ROLES[:2]:
        rows.append((key_of(role=r), "column_total", sum(values[(c, r)] for c in CODES[:2])))
    rows.append((key_of(), "total", sum(values.values())))
    return pd.DataFrame([{"population": "p", "table": "t", "key": k, "kind": kind, "row": "",
                          "column": "", "value": float(v), "hidden": False,
                          "zero_possible": False} for k, kind, v in rows])


def test_auditor_agrees_with_enumeration_on_a_small_table():
    values = {("232", "business"): 2, ("232", "elected"): 6, ("846", "business"): 7,
              ("846", "elected"): 3}
    cells = small_cells(values)
    hidden = {key_of(municipality_code=c, role=r) for c in CODES[:2] for r in ROLES[:2]}
    cells["hidden"] = cells["key"].isin(hidden)
    audit = suppression.cell_intervals(cells, 5).set_index("key")
    for key in hidden:
        assert tuple(audit.loc[key, ["low", "high"]]) == brute_interval(values, hidden, cells, key)


@pytest.mark.parametrize("seed", range(6))
def test_property_whatever_the_plan_hides_the_auditor_cannot_pin(seed):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(0, 14, size=len(CODES))
    micro = pd.DataFrame([{"municipality_code": c, "wave": "w1",
                           "role": ROLES[rng.choice(4, p=[0.1, 0.3, 0.2, 0.4])],
                           "organisation": ["company", "municipality", None][rng.integers(3)]}
                          for c, n in zip(CODES, sizes) for _ in range(n)])
    plan = suppression.protect(privacy_plan.workshop_cells(micro, "w1", CODES, 5), 5)
    audit = suppression.cell_intervals(plan, 5)
    assert audit["safe"].all(), audit[~audit["safe"]]
    assert suppression.group_disclosures(plan, "municipality_code").empty
    shown = plan[~plan["hidden"]]
    assert not ((shown["value"] > 0) & (shown["value"] < 5)).any()


def test_group_rule_hides_a_group_whose_members_all_answered_alike():
    micro = pd.DataFrame({"municipality_code": ["232"] * 6 + ["846"] * 7, "wave": "w1",
                          "role": ["elected"] * 6 + ["elected"] * 2 + ["expert"] * 5,
                          "organisation": None})
    codes = ["232", "846"]
    cells = privacy_plan.workshop_cells(micro, "w1", codes, 5)
    # without the rule, Kauhajoki's column 6, 0 tells every participant's role
    assert not suppression.group_disclosures(cells, "municipality_code").empty
    plan = suppression.protect(cells, 5)
    role = plan[(plan["table"] == "role") & (plan["row"] == "232") & (plan["kind"] == "cell")]
    assert role["hidden"].all() and role["zero_possible"].all()
    assert set(role["reason"]) == {"group"}
    assert suppression.group_disclosures(plan, "municipality_code").empty
    assert suppression.cell_intervals(plan, 5)["safe"].all()


def test_same_answer_distribution_is_hidden():
    from research.stats import privacy
    counts = pd.DataFrame({"item": ["a", "b", "c"], "n": [6, 6, 3], "dont_know": [0, 1, 0],
                           1: [0, 0, 0], 2: [6, 5, 3], "suppressed": [False, False, True],
                           "suppression": ["", "", "primary"]})
    out = privacy.hide_same_answer(counts, ["dont_know", 1, 2], 5)
    assert out["suppression"].tolist() == ["group", "", "primary"]
    assert np.isnan(out.loc[0, 2]) and out.loc[1, 2] == 5


def test_complementary_cell_across_two_reports():
    # report A hides Teuva and Karijoki (7 together); report B prints Teuva's 4
    values = {("232", "elected"): 12, ("846", "elected"): 4, ("218", "elected"): 3,
              ("151", "elected"): 5}
    a = table_cells(values, lambda c, r: c not in ("846", "218") or r in ("business",
                                                                        "expert",
                                                                        "office_holder"),
                    table="a")
    assert suppression.cell_intervals(a, 5)["safe"].all()
    b = a[a["key"] == key_of(municipality_code="846")].assign(table="b", hidden=False)
    audit = suppression.cell_intervals(pd.concat([a, b]), 5).set_index("key")
    assert tuple(audit.loc[key_of(municipality_code="218"), ["low", "high"]]) == (3, 3)


def test_merged_category_is_the_sum_of_its_members():
    # report a merges business and expert into "other" and shows it (6 of 15); report b
    # hides business and expert one by one: the attacker adds them up to a's 6
    rows = [(key_of(municipality_code="232", role=["business", "expert"]), False, "a", 6),
            (key_of(municipality_code="232", role="elected"), False, "a", 9),
            (key_of(municipality_code="232"), False, "a", 15),
            (key_of(municipality_code="232", role="business"), True, "b", 2),
            (key_of(municipality_code="232", role="expert"), True, "b", 4),
            (key_of(municipality_code="232", role="elected"), False, "b", 9),
            (key_of(municipality_code="232"), False, "b", 15)]
    cells = pd.DataFrame([{"population": "p", "table": t, "key": k, "kind": "cell", "row": "",
                           "column": "", "value": float(v), "hidden": h, "zero_possible": False}
                          for k, h, t, v in rows])
    audit = suppression.cell_intervals(cells, 5).set_index("key")
    business = audit.loc[key_of(municipality_code="232", role="business")]
    assert (business["low"], business["high"], business["safe"]) == (1, 5, False)
    # b prints its business people (2): a's merged 6 gives away the 4 experts
    cells.loc[cells["key"] == key_of(municipality_code="232", role="business"),
              "hidden"] = False
    audit = suppression.cell_intervals(cells, 5).set_index("key")
    assert tuple(audit.loc[key_of(municipality_code="232", role="expert"),
                           ["low", "high"]]) == (4, 4)


def test_coarsen_merges_small_categories_into_other():
    totals = pd.Series({"business": 2, "elected": 7, "expert": 4, "office_holder": 11})
    assert suppression.coarsen(totals, 5) == {"business": "other", "elected": "elected",
                                              "expert": "other", "office_holder": "office_holder"}
    totals = pd.Series({"business": 1, "elected": 8, "expert": 7, "office_holder": 13})
    # business alone (1) is too small: the next smallest, expert, joins it (8)
    assert suppression.coarsen(totals, 5)["expert"] == "other"
    assert suppression.coarsen(pd.Series({"a": 3, "b": 1}), 5) == {"a": "other", "b": "other"}


def test_bundled_workshops_plan_passes_the_audit(processed):
    respondents = pd.read_csv(table_path(processed, "respondents"), dtype=str)
    plan = privacy_plan.workshop_plan(respondents, ["w1", "w2", "w3", "w4"], CODES, 5)
    audit = suppression.cell_intervals(plan, 5)
    assert len(audit) == plan["hidden"].sum() and audit["safe"].all()
    assert suppression.group_disclosures(plan, "municipality_code").empty
    # w2: Kauhajoki's business person and expert (1 each) are not printed, and no
    # published cell pins them
    w2 = plan[plan["population"] == "reflection/w2"]
    assert not (~w2["hidden"] & w2["key"].str.contains('"232"') & w2["key"].str.contains(
        "business")).any()


def write_config(tmp_path, size):
    data = yaml.safe_load((ROOT / "config" / "suupohja.yml").read_text(encoding="utf-8"))
    data.setdefault("privacy", {})["min_group_size"] = size
    path = tmp_path / "config" / "x.yml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("size, got", [(2, "2"), (0, "0"), (-5, "-5")])
def test_threshold_below_three_is_refused(tmp_path, size, got):
    path = write_config(tmp_path, size)
    with pytest.raises(UserError) as exc:
        load_config(path, ROOT / "data" / "raw")
    assert str(exc.value) == (f"{path}: key 'privacy.min_group_size': expected a whole number "
                              f"of at least 3, got {got} (smaller groups would be shown)")


@pytest.mark.parametrize("size", [4.5, True, "5"])
def test_threshold_must_be_a_whole_number(tmp_path, size):
    path = write_config(tmp_path, size)
    with pytest.raises(UserError) as exc:
        load_config(path, ROOT / "data" / "raw")
    assert str(exc.value) == (f"{path}: key 'privacy.min_group_size': expected a whole number, "
                              f"got {size!r}")


def test_threshold_three_and_default_five(tmp_path):
    assert load_config(write_config(tmp_path, 3), ROOT / "data" / "raw").min_group_size == 3
    assert load_config(ROOT / "config" / "suupohja.yml",
                       ROOT / "data" / "raw").min_group_size == 5


def test_the_attacker_knows_categories_no_published_key_names_yet():
    # A's report alone: its row (staff hidden, elected 5, total 8) and the programme's 20;
    # the 12 of the other municipalities are in no published key before their reports
    cells = pd.DataFrame([
        {"key": suppression.key_of(municipality_code="A", role="staff"), "kind": "cell",
         "value": np.nan, "hidden": True},
        {"key": suppression.key_of(municipality_code="A", role="elected"), "kind": "cell",
         "value": 5.0, "hidden": False},
        {"key": suppression.key_of(municipality_code="A"), "kind": "row_total", "value": 8.0,
         "hidden": False},
        {"key": suppression.key_of(), "kind": "total", "value": 20.0, "hidden": False},
    ]).assign(population="survey/baseline/score/dynamic", table="role", row="A",
              column="staff", zero_possible=False)
    with pytest.raises(RuntimeError, match="the published cells are inconsistent"):
        suppression.cell_intervals(cells, 5)
    known = {"survey/baseline/score/dynamic": {"municipality_code": ["A", "B"],
                                               "role": ["elected", "staff"]}}
    found = suppression.cell_intervals(cells, 5, known).iloc[0]
    assert (found["low"], found["high"], found["safe"]) == (3, 3, False)


def test_group_disclosures_reuse_the_attackers_intervals_with_the_same_result():
    found = []
    for seed in range(8):
        rng = np.random.default_rng(seed)
        micro = pd.DataFrame([{"municipality_code": c, "wave": "w1",
                               "role": ROLES[rng.choice(4, p=[0.1, 0.3, 0.2, 0.4])],
                               "organisation": None}
                              for c in CODES for _ in range(rng.integers(0, 9))])
        cells = privacy_plan.workshop_cells(micro, "w1", CODES, 5)
        cells["hidden"] = (cells["value"] > 0) & (cells["value"] < 5)   # primary cells only
        direct = suppression.group_disclosures(cells, "municipality_code")
        reused = suppression.group_disclosures(cells, "municipality_code", None,
                                               suppression.cell_intervals(cells, 5))
        pd.testing.assert_frame_equal(reused, direct)
        found.append(len(direct))
    assert sum(found) > 0   # some of these patterns do disclose a group
