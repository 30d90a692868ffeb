"""The survey sections' counts in the run's plan (`privacy_plan.answer_plan`): the score
table's n per scale, the answers per item with the same-answer rule, the open answers."""

from pathlib import Path

import pandas as pd
import pytest

from research.core.instrument import load_instrument
from research.stats import privacy, privacy_plan, scales, suppression
from research.stats.suppression import key_of

FIX = Path(__file__).parents[2] / "fixtures" / "survey"


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(FIX / "instrument.yml")


def _responses(people: dict[tuple[str, str], int], answer=lambda m, i, item: 1 + i % 5):
    """Every respondent answers the four items of the fixture instrument."""
    rows = []
    for (m, role), n in people.items():
        for i in range(n):
            for item in ("dyn1", "dyn2", "com1", "com2"):
                rows.append({"respondent": f"{m}-{role}-{i}", "wave": "baseline",
                             "municipality_code": m, "role": role, "item": item,
                             "value": float(answer(m, i, item))})
    return pd.DataFrame(rows)


def _hidden(plan: pd.DataFrame, population: str) -> dict[str, str]:
    part = plan[(plan["population"] == population) & plan["hidden"].astype(bool)]
    return dict(zip(part["key"], part["reason"]))


def test_a_count_the_wave_hides_is_hidden_in_the_score_table_too(instrument):
    # A has 2 respondents, so A and (the complement) B are hidden in the wave; the score
    # table's n per scale is its own population and hides them too, with reason 'wave'
    people = {("A", "elected"): 2, ("B", "elected"): 6, ("C", "elected"): 7}
    plan = privacy_plan.survey_plan(_responses(people), ["baseline"], ["A", "B", "C"], 5,
                                    instrument)
    assert _hidden(plan, "survey/baseline") == {key_of(municipality_code="A"): "primary",
                                                key_of(municipality_code="B"): "secondary"}
    score = _hidden(plan, "survey/baseline/score/dynamic")
    assert score == {key_of(municipality_code="A"): "wave",
                     key_of(municipality_code="B"): "wave"}
    assert suppression.cell_intervals(privacy_plan.published(plan), 5)["safe"].all()
    # the score table shows what the plan shows: A's and B's rows hidden, C's 7 and the 15
    table = scales.score_table(_responses(people), instrument, "baseline", 5,
                               plan=privacy_plan.published(plan),
                               groups=privacy_plan.shown_roles(plan, "survey/baseline"))
    dyn = table[(table["scale"] == "dynamic") & table["level"].isin(["municipality",
                                                                     "subregion"])]
    assert dyn.set_index("municipality_code")["n"].fillna(-1).to_dict() == {
        "A": -1, "B": -1, "C": 7, "subregion": 15}
    assert set(dyn.loc[dyn["suppressed"], "suppression"]) == {"plan"}


def test_merged_roles_are_one_row_of_the_score_table(instrument):
    people = {("A", "elected"): 6, ("A", "office_holder"): 1, ("B", "elected"): 7,
              ("B", "office_holder"): 2}
    plan = privacy_plan.survey_plan(_responses(people), ["baseline"], ["A", "B"], 5,
                                    instrument)
    # office holders (3 in the programme) and elected (13) are one group: no role rows
    assert privacy_plan.shown_roles(plan, "survey/baseline") == {}
    table = scales.score_table(_responses(people), instrument, "baseline", 5,
                               plan=privacy_plan.published(plan), groups={})
    assert set(table["level"]) == {"municipality", "subregion"}
    assert table.loc[(table["scale"] == "dynamic") & (table["municipality_code"] == "A"),
                     "n"].item() == 7


def test_a_group_that_gave_one_answer_shows_no_distribution(instrument):
    # all 6 of A answer dyn1 with 4: A's distribution of dyn1 would tell each one's answer
    def answer(m, i, item):
        return 4 if (m, item) == ("A", "dyn1") else 1 + i % 5
    people = {("A", "elected"): 6, ("B", "elected"): 6}
    responses = _responses(people, answer)
    plan = privacy_plan.survey_plan(responses, ["baseline"], ["A", "B"], 5, instrument)
    assert _hidden(plan, "survey/baseline/item/dyn1") == {
        key_of(municipality_code="A"): "same_answer"}
    assert _hidden(plan, "survey/baseline/item/dyn2") == {}
    # the report hides the items the plan hides (`survey_report.likert`)
    counts = scales.likert_counts(responses, instrument, "baseline", "A", 5)
    assert counts.set_index("item").loc["dyn1", 4] == 6
    cells = plan.set_index(["population", "key"])["hidden"]
    hidden = [bool(cells[(privacy_plan.item_population("baseline", i), key_of(
        municipality_code="A"))]) for i in counts["item"]]
    shown = privacy.hide_rows(counts, hidden).set_index("item")
    assert shown.loc["dyn1", ["suppressed", "suppression"]].tolist() == [True, "plan"]
    assert shown.loc["dyn1", [4, "n"]].isna().all()
    assert shown.loc["dyn2", "n"] == 6 and not shown.loc["dyn2", "suppressed"]


def test_all_dont_know_is_one_answer_too(instrument):
    def answer(m, i, item):
        return float("nan") if (m, item) == ("B", "com1") else 1 + i % 5
    plan = privacy_plan.survey_plan(_responses({("A", "elected"): 6, ("B", "elected"): 5},
                                               answer), ["baseline"], ["A", "B"], 5, instrument)
    assert _hidden(plan, "survey/baseline/item/com1") == {
        key_of(municipality_code="B"): "same_answer"}


def test_open_answer_counts_below_the_threshold_are_hidden(instrument):
    people = {("A", "elected"): 6, ("B", "elected"): 8}
    comments = pd.DataFrame(
        [{"respondent": f"A-elected-{i}", "wave": "baseline", "municipality_code": "A",
          "question": "open1", "text": "hyvä"} for i in range(3)]
        + [{"respondent": f"B-elected-{i}", "wave": "baseline", "municipality_code": "B",
            "question": "open1", "text": "x" if i else " "} for i in range(7)])
    plan = privacy_plan.survey_plan(_responses(people), ["baseline"], ["A", "B"], 5,
                                    instrument, comments)
    cells = plan[plan["population"] == "survey/baseline/open/open1"].set_index("key")
    # A wrote 3 answers (hidden); of B's 7 rows one is blank, so B counts 6 (shown)
    assert cells.loc[key_of(municipality_code="A"), ["value", "hidden", "reason"]].tolist() == [
        3.0, True, "primary"]
    assert cells.loc[key_of(municipality_code="B"), ["value", "hidden"]].tolist() == [6.0, False]


def _two_waves(people: dict[str, tuple[int, int, int]]) -> pd.DataFrame:
    """Per municipality (baseline only, final only, both waves) respondents, all answering
    every item the same way."""
    frames = []
    for m, (only_base, only_final, both) in people.items():
        for wave, n_only in (("baseline", only_base), ("final", only_final)):
            frames.append(_responses({(m, "elected"): both}).assign(wave=wave))
            if n_only:
                rows = _responses({(m, "elected"): n_only}).assign(wave=wave)
                frames.append(rows.assign(respondent=f"{wave}-" + rows["respondent"]))
    return pd.concat(frames, ignore_index=True)


def test_linked_pairs_below_the_threshold_and_their_complement_are_hidden(instrument):
    # linked respondents: A 8, B 3, C 6 (programme 17, shown in the region's report); B is
    # hidden, and C with it, or B = 17 - 8 - 6 could be read off A's and C's reports
    responses = _two_waves({"A": (0, 0, 8), "B": (4, 4, 3), "C": (0, 1, 6)})
    plan = privacy_plan.survey_plan(responses, ["baseline", "final"], ["A", "B", "C"], 5,
                                    instrument)
    linked = privacy_plan.pairs_population("baseline", "final")
    assert linked == "survey/baseline+final/linked"
    assert _hidden(plan, linked) == {key_of(municipality_code="B"): "primary",
                                     key_of(municipality_code="C"): "secondary"}
    assert _hidden(plan, "survey/baseline+final/pairs/dynamic") == _hidden(plan, linked)
    # the answers of each wave are their own counts: B's 7 and 7 are shown
    assert _hidden(plan, privacy_plan.change_population("final", "dyn1")) == {}
    cells = plan[plan["population"] == linked].set_index("key")["value"]
    assert cells[key_of()] == 17
    found = suppression.cell_intervals(privacy_plan.published(plan), 5)
    b = found[(found["population"] == linked)
              & (found["key"] == key_of(municipality_code="B"))].iloc[0]
    # B + C = 17 - 8 = 9, each at least 1: B lies in 1..8
    assert (b["low"], b["high"], bool(found["safe"].all())) == (1, 8, True)


def test_a_respondent_who_moved_counts_only_in_the_programme_pairs(instrument):
    responses = _two_waves({"A": (0, 0, 6), "B": (0, 0, 5)})
    moved = responses["respondent"].str.startswith("B-elected-0") & (responses["wave"] == "final")
    responses.loc[moved, "municipality_code"] = "A"
    plan = privacy_plan.survey_plan(responses, ["baseline", "final"], ["A", "B"], 5, instrument)
    cells = plan[plan["population"] == "survey/baseline+final/linked"].set_index("key")
    assert cells["value"].to_dict() == {key_of(municipality_code="A"): 6.0,
                                        key_of(municipality_code="B"): 4.0, key_of(): 11.0,
                                        key_of(municipality_code="~moved"): 1.0}
    assert cells.loc[key_of(municipality_code="~moved"), "hidden"]
