"""Vitality report sentences: worded for their counts, and the index's indicator coverage."""

from types import SimpleNamespace

import pandas as pd

from research.core import labels
from research.report import vitality, vitality_audit


def L(key, **values):
    return labels.text(key, "en", **values)


def result(negative, alphas, n_ind, available):
    ids = [f"i{k}" for k in range(len(negative))]
    themes = [f"t{k}" for k in range(len(alphas))]
    framework = SimpleNamespace(
        indicators=pd.DataFrame({"id": ids, "name_en": [f"Ind {k}" for k in range(len(ids))]}),
        themes=pd.DataFrame({"id": themes, "name_en": [f"Theme {k}" for k in range(len(themes))]}))
    coherence = {"indicators": pd.DataFrame({"indicator": ids, "negative": negative}),
                 "alpha": pd.DataFrame({"theme": themes, "alpha": alphas,
                                        "n_indicators": n_ind})}
    steps = {"framework": pd.DataFrame({"available": available})}
    return SimpleNamespace(framework=framework, coherence=coherence, base_year=2017,
                           step=steps.__getitem__)


def test_zero_counts_get_their_own_sentences(make_report):
    res = result([False, False], [0.8, float("nan")], [2, 1], [True] * 3)
    report = make_report(language="en")
    assert vitality_audit.coherence_text(res, report) == (
        "In the reference year 2017, no indicator correlates negatively with its own theme. "
        "Cronbach's alpha is not below 0.7 in any theme for which it can be computed. "
        "Alpha cannot be computed for a theme with a single indicator (such themes: 1).")


def test_counts_and_names(make_report):
    res = result([True, False, True], [0.5, 0.9], [2, 2], [True] * 3)
    report = make_report(language="en")
    assert vitality_audit.coherence_text(res, report) == (
        "In the reference year 2017, the number of indicators correlating negatively with "
        "their own theme is 2: Ind 0, Ind 2. Cronbach's alpha is below 0.7 in these themes "
        "(1): Theme 0. Their indicators describe different things, so read the theme score "
        "indicator by indicator.")


def test_coverage_counts_the_framework(make_report):
    report = make_report(language="en")
    thin = result([False], [0.8], [2], [True] * 5 + [False] * 11)
    assert vitality.coverage_text(thin, report).startswith(
        "5 of the 16 indicators of the set entered the index; the others had no data.")
    full = result([False], [0.8], [2], [True] * 4)
    assert vitality.coverage_text(full, report) == "All 4 indicators of the set entered the index."
    fi = make_report(language="fi")
    assert vitality.coverage_text(thin, fi).startswith(
        "Indeksiin tuli mittariston 16 indikaattorista 5;")


def test_theme_names_have_one_source_the_catalogue_theme_labels():
    from pathlib import Path
    from research.index.framework import load_framework
    root = Path(__file__).parents[3]
    for name in ("vitality_index.yml", "vitality_index_catalogue.yml"):
        fw = load_framework(root / "config" / name)
        res = SimpleNamespace(framework=fw)
        assert [vitality.theme_name(res, t, "fi") for t in fw.themes["id"]] == [
            "Väestö", "Elinvoima", "Kuntatalous", "Hyvinvointi", "Kestävä kehitys"]
        assert vitality.theme_name(res, "vitality", "en") == "Vitality"
        assert vitality.theme_name(res, "vitality", "fi") == labels.text("stats.theme.vitality")
    own = SimpleNamespace(framework=SimpleNamespace(themes=pd.DataFrame(
        {"id": ["culture", "misc"], "name_fi": ["Kulttuuri", ""], "name_en": ["Culture", ""]})))
    assert vitality.theme_name(own, "culture", "fi") == "Kulttuuri"   # a theme of its own
    assert vitality.theme_name(own, "misc", "en") == "misc"           # no name anywhere: its id


def test_caveat_counts_the_programme_municipalities(make_report, tmp_path):
    import yaml
    from pathlib import Path
    root = Path(__file__).parents[3]
    res = SimpleNamespace(base_year=2017)
    assert vitality.caveat(res, make_report(language="fi")).endswith(
        "4 kunnan muutosta ei voi pitää ohjelman vaikutuksena.")
    cfg = yaml.safe_load((root / "config" / "suupohja.yml").read_text(encoding="utf-8"))
    cfg["municipalities"] = cfg["municipalities"][:3]
    three = tmp_path / "three.yml"
    three.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    assert vitality.caveat(res, make_report(language="en", config=three)).endswith(
        "the change of 3 municipalities cannot be read as the programme's effect.")
