"""The survey section's outputs on the bundled demo data: values, and nothing private shown."""

from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from research.stats import privacy, scales
from research.report import context as report, survey_report, targets
from research.demo import synthetic
from research.prepare.steps import prepare

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def R(tmp_path_factory):
    processed = tmp_path_factory.mktemp("processed")
    mp = pytest.MonkeyPatch()
    mp.setenv("RESEARCH_PSEUDONYM_KEY", "test-key-" + "x" * 40)
    prepare(ROOT / "data" / "raw", processed)
    mp.undo()
    mp.chdir(ROOT)
    yield report.setup(str(ROOT / "config" / "suupohja.yml"), "baseline", "218",
                       str(processed), str(ROOT / "data" / "raw"), "en")
    mp.undo()


def test_intro_and_scores(R):
    ins, resp, wave = survey_report.load(R)
    people = resp[resp["wave"] == "baseline"].drop_duplicates("respondent")
    n_unit = int((people["municipality_code"] == "218").sum())
    assert survey_report.intro(R, resp, ins, wave).startswith(
        f"The survey (baseline) was answered by {n_unit} people from Karijoki and "
        f"{len(people)} from the whole sub-region.")
    assert set(resp["municipality_code"]) <= set(R.config.municipalities)
    none = survey_report.intro(R, resp.iloc[:0], ins, wave)
    assert none == ("The survey (baseline) has no answers from the programme's "
                    "municipalities, so no survey results can be shown.")

    tab = scales.score_table(resp, ins, wave, R.config.min_group_size)
    shown = survey_report.scores_display(tab, R, ins)
    n = shown["n"]
    visible = n[n != "×"].astype(int)
    assert (visible >= 5).all() and (n == "×").any()
    # Karijoki's business people (3 in the demo data) are never shown
    assert not shown["Group"].eq("Karijoki: Business person").loc[n != "×"].any()
    dyn = tab[(tab["level"] == "municipality") & (tab["municipality_code"] == "218")
              & (tab["scale"] == "dynamic")].iloc[0]
    row = shown[(shown["Group"] == "Karijoki") & (shown["Dimension"] == "Dynamic")].iloc[0]
    assert row["Mean"] == f"{dyn['mean']:.2f}" and row["n"] == str(int(dyn["n"]))


def test_open_answers_are_masked_and_never_identify(R):
    ins, resp, wave = survey_report.load(R)
    out = survey_report.open_answers(R.table("comments"), R, ins, wave, resp).data
    assert "[e-mail removed]" in out or "[phone number removed]" in out
    assert "@" not in out
    for email in synthetic.demo_identifiers():
        assert email not in out.lower()
    assert not any(p in out for p in resp["respondent"].unique())


def test_targets_and_figures_build(R):
    ins, resp, wave = survey_report.load(R)
    tab = scales.score_table(resp, ins, wave, R.config.min_group_size)
    dev = targets.development_targets(tab, resp, ins, "218", wave, "en")
    assert 1 <= len(dev) <= 3 and (dev["shortfall"] >= 0.2).all()
    fig = survey_report.likert(resp, R, ins, wave)
    assert fig.get_dpi() <= 100
    assert privacy.n_suppressed(tab) > 0


def test_small_unit_counts_are_marked_and_pseudonyms_listed(R):
    ins, resp, wave = survey_report.load(R)
    assert survey_report.unit_respondents(R, resp, wave) == int(
        resp[(resp["wave"] == wave) & (resp["municipality_code"] == "218")]["respondent"].nunique())
    few = resp[~((resp["municipality_code"] == "218")
                 & ~resp["respondent"].isin(resp.loc[resp["municipality_code"] == "218",
                                                     "respondent"].unique()[:3]))]
    assert survey_report.unit_respondents(R, few, wave) == "< 5"
    assert survey_report.intro(R, few, ins, wave).startswith(
        "The survey (baseline) was answered by < 5 people from Karijoki")
    names = survey_report.pseudonyms(R.processed)
    assert set(resp["respondent"]) <= set(names) and all(n.startswith("r-") for n in names)


def test_scores_summary_and_chart(R):
    ins, resp, wave = survey_report.load(R)
    tab = scales.score_table(resp, ins, wave, R.config.min_group_size)
    unit = tab[(tab["level"] == "municipality") & (tab["municipality_code"] == "218")]
    unit = unit.sort_values("mean")
    text = survey_report.scores_summary(tab, R, ins)
    worst = ins.scale_name(unit.iloc[0]["scale"], "en")
    best = ins.scale_name(unit.iloc[-1]["scale"], "en")
    assert text.startswith(f"Karijoki: the strongest dimension is {best} "
                           f"({unit.iloc[-1]['mean']:.2f}) and the weakest {worst} "
                           f"({unit.iloc[0]['mean']:.2f}).")
    fig = survey_report.scores_chart(tab, R, ins)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["Isojoki", "Kauhajoki", "Teuva", "Karijoki", "Sub-region total"]
    empty = tab.assign(mean=float("nan"))
    assert survey_report.scores_summary(empty, R, ins) == (
        "Scores cannot be shown: there are not enough answers from Karijoki.")


def test_processed_survey_tables_hold_pseudonyms_only(R):
    from research.core.tables import table_path
    for name in ("responses", "respondents", "comments"):
        text = table_path(R.processed, name).read_text(encoding="utf-8")
        for email in synthetic.demo_identifiers():
            assert email not in text.split("\n", 1)[1].lower() or name == "comments"
        ids = pd.read_csv(table_path(R.processed, name), dtype=str)["respondent"]
        assert ids.str.fullmatch(r"r-[0-9a-f]{16}").all()


def test_wave_names_come_from_labels(make_report):
    fi, en = make_report(language="fi"), make_report(language="en")
    assert [survey_report.wave_name(fi, w) for w in ("baseline", "final", "kevat2021")] == [
        "lähtötilanne", "loppukysely", "kevat2021"]
    assert [survey_report.wave_name(en, w) for w in ("baseline", "final")] == [
        "baseline", "final"]
