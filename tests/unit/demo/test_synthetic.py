"""The synthetic survey generator: reproducible bytes, realistic structure, readable by prepare."""

from pathlib import Path

import pytest

from research.demo import synthetic
from research.geo.classification import Classifier
from research.core.errors import UserError
from research.prepare.survey_io import read_survey_folder

ROOT = Path(__file__).resolve().parents[3]
BUNDLED = ROOT / "data" / "raw" / "survey"


@pytest.fixture(scope="module")
def classifier():
    return Classifier.from_raw(ROOT / "data" / "raw", 2017)


def test_regenerating_gives_the_bundled_bytes(tmp_path):
    paths = synthetic.write_demo_survey(tmp_path, seed=synthetic.SEED)
    assert [p.name for p in paths] == ["SYNTHETIC_suupohja_survey_2017_baseline.csv",
                                       "SYNTHETIC_suupohja_survey_2019_final.csv",
                                       "README.md", "survey.yml"]
    for path in paths:
        assert path.read_bytes() == (BUNDLED / path.name).read_bytes(), path.name
    other = synthetic.write_demo_survey(tmp_path / "other", seed=1)
    assert other[0].read_bytes() != paths[0].read_bytes()


def test_encodings_and_group_sizes():
    base = (BUNDLED / "SYNTHETIC_suupohja_survey_2017_baseline.csv").read_bytes()
    final = (BUNDLED / "SYNTHETIC_suupohja_survey_2019_final.csv").read_bytes()
    assert not base.startswith(b"\xef\xbb\xbf") and "Sähköpostiosoite".encode("cp1252") in base
    assert final.startswith(b"\xef\xbb\xbf")
    sizes = synthetic.group_sizes().set_index(["municipality_code", "role"])["n"]
    # round(0.085 * sqrt(1329)) = 3 business people in Karijoki: below the threshold of 5
    assert sizes[("218", "business")] == 3 and sizes[("232", "elected")] == 19


def test_demo_data_through_the_reader(classifier):
    tables = read_survey_folder(ROOT / "data" / "raw", classifier, b"k" * 40)
    people = tables["respondents"]
    counts = people.groupby("wave").size().to_dict()
    waves = synthetic.demo_waves()
    assert counts == {"baseline": len(waves["baseline"]), "final": len(waves["final"])}
    both = set(people[people.wave == "baseline"].respondent) & set(
        people[people.wave == "final"].respondent)
    emails = {w: set(f["email"].str.casefold()) for w, f in waves.items()}
    assert len(both) == len(emails["baseline"] & emails["final"]) > 50
    r = tables["responses"]
    assert r["value"].isna().sum() > 0 and r["value"].dropna().between(1, 5).all()
    assert not r["respondent"].isin(synthetic.demo_identifiers()).any()
    assert tables["comments"]["text"].str.contains("@").any()   # masking has work to do


def test_manifest_errors(tmp_path, classifier):
    raw = tmp_path / "raw"
    synthetic.write_demo_survey(raw / "survey")
    manifest = raw / "survey" / "survey.yml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("2019_final.csv, wave: final",
                                     "2019_final.csv, wave: baseline"), encoding="utf-8")
    with pytest.raises(UserError) as exc:
        read_survey_folder(raw, classifier, b"k" * 40)
    first = str(exc.value)
    path = raw / "survey" / "SYNTHETIC_suupohja_survey_2019_final.csv"
    assert first.startswith(f"{path}, column 'respondent': respondent appears twice in wave "
                            "'baseline' (also in SYNTHETIC_suupohja_survey_2017_baseline.csv)")
    manifest.unlink()
    with pytest.raises(UserError) as exc:
        read_survey_folder(raw, classifier, b"k" * 40)
    assert str(exc.value) == (f"{manifest}: survey exports found "
                              "(SYNTHETIC_suupohja_survey_2017_baseline.csv, "
                              "SYNTHETIC_suupohja_survey_2019_final.csv) but no survey.yml "
                              "listing their waves and instrument")
    empty = read_survey_folder(tmp_path / "nothing", classifier, b"k" * 40)
    assert list(empty["responses"].columns) == ["respondent", "municipality_code", "wave",
                                                "role", "item", "value"]
