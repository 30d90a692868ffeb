"""The survey waves in the run's suppression plan (`privacy_plan.survey_plan`)."""

import pandas as pd

from research.stats import privacy_plan, suppression
from research.stats.suppression import key_of


def _responses(counts: dict[str, int], wave: str = "baseline", role: str = "staff"):
    rows, k = [], 0
    for code, n in counts.items():
        for _ in range(n):
            k += 1
            # two answer rows per respondent: the plan counts people, not answers
            rows += [{"respondent": f"r{k}", "wave": wave, "municipality_code": code,
                      "role": role, "item": item} for item in ("q1", "q2")]
    return pd.DataFrame(rows)


def test_complementary_count_across_reports_is_hidden():
    # A has 2 respondents; every municipal report shows its own count and the programme
    # total 15, so without a complement A = 15 - 6 - 7 would be read off B's and C's reports
    plan = privacy_plan.survey_plan(_responses({"A": 2, "B": 6, "C": 7}), ["baseline"],
                                    ["A", "B", "C"], 5)
    totals = plan.drop_duplicates("key").set_index("key")
    assert totals.loc[key_of(), "value"] == 15
    assert not totals.loc[key_of(), "hidden"]
    assert totals.loc[key_of(municipality_code="A"), "hidden"]
    # exactly one of B and C is hidden with it, the smaller one (6)
    assert totals.loc[key_of(municipality_code="B"), "hidden"]
    assert not totals.loc[key_of(municipality_code="C"), "hidden"]
    assert set(plan["population"]) == {"survey/baseline"}
    # the attacker, seeing only what is published, cannot pin A or B below the threshold
    found = suppression.cell_intervals(privacy_plan.published(plan), 5)
    assert found["safe"].all()
    a = found[found["key"] == key_of(municipality_code="A")].iloc[0]
    # A + B = 15 - 7 = 8 and a hidden count is not a printed zero, so A lies in 1..7
    assert (a["low"], a["high"]) == (1, 7)


def test_waves_are_planned_separately():
    responses = pd.concat([_responses({"A": 2, "B": 6, "C": 7}),
                           _responses({"A": 6, "B": 6, "C": 7}, wave="final")])
    plan = privacy_plan.survey_plan(responses, ["baseline", "final"], ["A", "B", "C"], 5)
    final = plan[plan["population"] == "survey/final"].drop_duplicates("key").set_index("key")
    assert final.loc[key_of(), "value"] == 19
    assert not final["hidden"].any()


def _people(groups: dict[tuple[str, str], int]) -> pd.DataFrame:
    rows = [{"respondent": f"{m}-{role}-{i}", "wave": "baseline", "municipality_code": m,
             "role": role} for (m, role), n in groups.items() for i in range(n)]
    return pd.DataFrame(rows)


def _hidden(plan: pd.DataFrame) -> dict[str, str]:
    return {k: r for k, h, r in zip(plan["key"], plan["hidden"], plan["reason"]) if h}


def test_same_role_group_shows_no_breakdown():
    # all 6 respondents of A are staff: A's row 6, 0 would tell each one's role
    people = _people({("A", "staff"): 6, ("B", "staff"): 5, ("B", "elected"): 5,
                      ("C", "staff"): 3, ("C", "elected"): 4})
    plan = privacy_plan.survey_plan(people, ["baseline"], ["A", "B", "C"], 5)
    hidden = _hidden(plan)
    assert hidden[key_of(municipality_code="A", role=["staff"])] == "group"
    assert hidden[key_of(municipality_code="A", role=["elected"])] == "group"
    assert key_of(municipality_code="A") not in hidden          # its total of 6 is shown
    assert suppression.group_disclosures(privacy_plan.published(plan),
                                         "municipality_code").empty
    assert suppression.cell_intervals(privacy_plan.published(plan), 5)["safe"].all()


def test_small_roles_are_merged_into_other():
    # business 2 and expert 1 in the whole programme: merged (with elected, 11, since the
    # two alone stay below the threshold) into one shown category
    people = _people({("A", "staff"): 6, ("A", "expert"): 1, ("B", "staff"): 5,
                      ("B", "elected"): 6, ("C", "business"): 2, ("C", "elected"): 5})
    plan = privacy_plan.survey_plan(people, ["baseline"], ["A", "B", "C"], 5)
    merged = plan.set_index("key")
    assert merged.loc[key_of(role=["business", "elected", "expert"]), "value"] == 14
    assert merged.loc[key_of(role=["staff"]), "value"] == 11
    assert _hidden(plan)[key_of(municipality_code="A", role=["business", "elected",
                                                             "expert"])] == "primary"
    assert not merged.loc[key_of(municipality_code="B", role=["staff"]), "hidden"]
    assert suppression.cell_intervals(privacy_plan.published(plan), 5)["safe"].all()
