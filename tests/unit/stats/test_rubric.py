"""Evaluation rubric and workshop scores: reading, errors word for word, summary, demo."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from research.stats import rubric
from research.core.errors import UserError

TEMPLATE = Path("templates/region/evaluation_rubric.yml")


@pytest.fixture
def rb():
    return rubric.load_rubric(TEMPLATE)


def write(tmp_path, text, name="scores.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_template_rubric(rb):
    assert (rb.scale_min, rb.scale_max) == (1, 5)
    assert rb.ids == ["usefulness", "transferability", "ownership", "cost"]


def test_read_scores_csv_and_xlsx(tmp_path, rb):
    p = write(tmp_path, "Model;Criterion;Scorer;Score\nm1;cost;a;4\nm1;usefulness;a;5\n")
    df = rubric.read_scores(p, rb)
    assert df.to_dict("list") == {"model": ["m1", "m1"], "criterion": ["cost", "usefulness"],
                                  "scorer": ["a", "a"], "score": [4.0, 5.0]}
    x = tmp_path / "scores.xlsx"
    df.to_excel(x, index=False)
    pd.testing.assert_frame_equal(rubric.read_scores(x, rb), df)


@pytest.mark.parametrize("body, message", [
    ("m1,cost,a,4\nm1,cost,b,6\n",
     "row 3, column 'score': score 6 is out of range; expected 1 to 5"),
    ("m1,costs,a,4\n",
     "row 2, column 'criterion': unknown criterion 'costs'; did you mean 'cost'? (criteria of "
     "the rubric: usefulness, transferability, ownership, cost)"),
    ("m1,cost,a,3.5\n", "row 2, column 'score': score '3.5' is not a whole number"),
    ("m1,cost,,3\n", "row 2, column 'scorer': empty cell"),
    ("m1,cost,a,3\nm1,cost,a,4\n",
     "row 3, column 'scorer': scorer 'a' scored model 'm1' on 'cost' twice"),
])
def test_score_errors_name_file_row_column(tmp_path, rb, body, message):
    p = write(tmp_path, "model,criterion,scorer,score\n" + body)
    with pytest.raises(UserError) as exc:
        rubric.read_scores(p, rb)
    assert str(exc.value) == f"{p}, {message}"


def test_missing_column(tmp_path, rb):
    p = write(tmp_path, "model,criterion,score\nm1,cost,3\n")
    with pytest.raises(UserError) as exc:
        rubric.read_scores(p, rb)
    assert str(exc.value) == (f"{p}, row 1: missing column(s) scorer; expected the columns "
                              "model, criterion, scorer, score")


def test_bad_rubric_scale(tmp_path):
    p = write(tmp_path, "scale: {min: 5, max: 1}\ncriteria: []\n", "r.yml")
    with pytest.raises(UserError) as exc:
        rubric.load_rubric(p)
    assert str(exc.value) == (f"{p}, row 1: key 'scale': expected whole numbers 'min' < 'max', got "
                              "{'min': 5, 'max': 1}")


def test_summary_means_and_t_intervals(rb):
    scores = pd.DataFrame({"model": "m", "criterion": ["cost"] * 5 + ["usefulness"] * 5,
                           "scorer": list("abcde") * 2,
                           "score": [1, 2, 3, 4, 5, 5, 5, 4, 4, 3.0]})
    out = rubric.summarise(scores, rb.criteria).set_index("criterion")
    assert list(out.index) == ["usefulness", "cost", "all"]        # rubric order, then all
    x = np.array([1, 2, 3, 4, 5.0])
    lo, hi = stats.t.interval(0.95, 4, loc=x.mean(), scale=stats.sem(x))
    assert out.loc["cost", ["mean", "ci_low", "ci_high"]].tolist() == pytest.approx([3, lo, hi])
    per_scorer = (x + np.array([5, 5, 4, 4, 3.0])) / 2
    assert out.loc["all", "mean"] == pytest.approx(per_scorer.mean())
    small = rubric.summarise(scores[scores["scorer"] != "e"], rb.criteria, min_n=5)
    assert small["mean"].isna().all() and set(small["n"]) == {4}


def test_demo_is_seeded_and_valid(tmp_path, rb):
    a = rubric.write_demo_rubric(tmp_path / "a", seed=7)
    b = rubric.write_demo_rubric(tmp_path / "b", seed=7)
    assert a[1].read_bytes() == b[1].read_bytes()
    assert a[0].read_text().startswith(TEMPLATE.read_text().rstrip("\n"))
    # the bundled demo is the generator's output, byte for byte (rubric and scores)
    for path in rubric.write_demo_rubric(tmp_path / "d"):
        assert path.read_bytes() == (Path("data/raw/evaluation") / path.name).read_bytes()
    df = rubric.read_scores(a[1], rubric.load_rubric(a[0]))
    assert len(df) == 4 * 9 * 4 and df["scorer"].str.startswith("synthetic-").all()
    committed = rubric.read_scores("data/raw/evaluation/scores.csv", rb)
    fresh = rubric.read_scores(rubric.write_demo_rubric(tmp_path / "c", seed=2019)[1], rb)
    pd.testing.assert_frame_equal(committed, fresh)


def test_prepare_step_tables(tmp_path):
    class Ctx:
        raw = tmp_path
    empty = rubric.step_rubric(Ctx)
    assert len(empty["rubric_scores"]) == 0
    rubric.write_demo_rubric(tmp_path / "evaluation", seed=1)
    tables = rubric.step_rubric(Ctx)
    assert list(tables["rubric_criteria"]["criterion"]) == ["usefulness", "transferability",
                                                            "ownership", "cost"]
    assert set(tables["rubric_criteria"]["scale_max"]) == {5}
    assert len(tables["rubric_scores"]) == 144


def test_prepare_step_models_and_programme(tmp_path):
    class Ctx:
        raw = tmp_path
    rubric.write_demo_rubric(tmp_path / "evaluation", seed=1)
    models = rubric.step_rubric(Ctx)["rubric_models"]
    assert models.to_dict("list") == {
        "model": ["business_one_stop", "joint_vitality_team", "shared_procurement",
                  "youth_pathways"],
        "name_fi": ["Yritysten yhden luukun palvelu", "Yhteinen elinvoimatiimi",
                    "Yhteiset hankinnat", "Nuorten polut"],
        "name_en": ["Business one-stop service", "Joint vitality team", "Shared procurement",
                    "Youth pathways"],
        "name_sv": ["Företagens service med en lucka", "Gemensamt livskraftsteam",
                    "Gemensam upphandling", "Ungas vägar"],
        "order": [0, 1, 2, 3], "subregion_code": ["141"] * 4,
        "municipalities": ["151|218|232|846"] * 4}
    assert rubric.belongs_to(models, "141", ["005"])
    assert rubric.belongs_to(models, "999", ["232", "846", "151", "218"])
    assert not rubric.belongs_to(models, "146", ["005", "052", "403", "759", "934"])
    assert not rubric.belongs_to(models, "999", ["232", "846"])
    assert not rubric.belongs_to(models.iloc[:0], "141", ["232"])


def test_rubric_without_programme_is_an_error(tmp_path):
    class Ctx:
        raw = tmp_path
    folder = tmp_path / "evaluation"
    folder.mkdir()
    (folder / "rubric.yml").write_text(TEMPLATE.read_text(encoding="utf-8"), encoding="utf-8")
    write(folder, "model,criterion,scorer,score\nm1,cost,a,4\n")
    with pytest.raises(UserError) as exc:
        rubric.step_rubric(Ctx)
    assert str(exc.value) == (
        f"{folder / 'rubric.yml'}: key 'programme': say which programme the scores belong to, "
        "e.g. programme: {subregion: '141'} or programme: {municipalities: ['232', '846']}")


def test_unknown_model_when_rubric_names_models(tmp_path):
    rubric.write_demo_rubric(tmp_path, seed=1)
    rb = rubric.load_rubric(tmp_path / "rubric.yml")
    p = write(tmp_path, "model,criterion,scorer,score\nbusiness_one_stop,cost,a,4\nx,cost,a,4\n")
    with pytest.raises(UserError) as exc:
        rubric.read_scores(p, rb)
    assert str(exc.value) == (f"{p}, row 3, column 'model': unknown model 'x'; the rubric's "
                              "models are business_one_stop, joint_vitality_team, "
                              "shared_procurement, youth_pathways")


@pytest.mark.parametrize("text", ["", "\n"])
def test_empty_scores_file(tmp_path, rb, text):
    p = write(tmp_path, text)
    with pytest.raises(UserError) as exc:
        rubric.read_scores(p, rb)
    assert str(exc.value) == (f"{p}: file is empty; expected a header row model, criterion, "
                              "scorer, score")
