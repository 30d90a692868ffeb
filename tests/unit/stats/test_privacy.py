"""Suppression of small cells (including the subtraction case), open-answer cleaning, pseudonyms."""

import numpy as np
import pandas as pd
import pytest

from research.report import privacy as display_privacy
from research.stats import privacy
from research.core.errors import UserError
from research.core.pseudonym import load_key, pseudonym, pseudonymise


def test_primary_suppression_blanks_values_and_marks():
    df = pd.DataFrame({"role": ["a", "b", "c"], "n": [12, 3, 0], "mean": [3.5, 2.0, np.nan]})
    out = privacy.suppress(df, margins=[])
    assert out["suppression"].tolist() == ["", "primary", ""]
    assert out.loc[1, ["n", "mean"]].isna().all() and out.loc[0, "mean"] == 3.5
    shown = display_privacy.mark(out, "fi", threshold=5)
    assert shown["n"].tolist()[:2] == [12.0, "×"] and shown["mean"].tolist()[1] == "×"
    assert list(shown.columns) == ["role", "n", "mean"]


def test_complementary_suppression_subtraction_case():
    # sub-region total 40 is published: 40 - 20 - 10 - 8 would reveal Karijoki's 2
    df = pd.DataFrame({"municipality_code": ["232", "846", "151", "218"],
                       "n": [20, 10, 8, 2]})
    out = privacy.suppress(df, margins=[()])
    assert out.set_index("municipality_code")["suppression"].to_dict() == {
        "232": "", "846": "", "151": "complementary", "218": "primary"}
    # without a published total nothing else needs hiding
    assert privacy.suppress(df, margins=[])["suppressed"].sum() == 1


def test_complementary_suppression_in_a_cross_table_is_iterated():
    # municipality x role, totals published per municipality and per role (sub-region)
    df = pd.DataFrame({
        "municipality_code": ["232", "232", "218", "218"],
        "role": ["business", "elected", "business", "elected"],
        "n": [9, 15, 3, 6]})
    out = privacy.suppress(df, margins=[["municipality_code"], ["role"]])
    got = out.set_index(["municipality_code", "role"])["suppression"].to_dict()
    # 218/business is primary; 218/elected hides it within Karijoki; then the role totals
    # need 232/business (business column) and 232/elected (elected column) hidden too
    assert got == {("232", "business"): "complementary", ("232", "elected"): "complementary",
                   ("218", "business"): "primary", ("218", "elected"): "complementary"}
    # every margin group now has 0 or >= 2 hidden cells
    for margin in (["municipality_code"], ["role"]):
        counts = out.groupby(margin)["suppressed"].sum()
        assert ((counts == 0) | (counts >= 2)).all()


def test_zero_cells_are_not_used_as_complements():
    df = pd.DataFrame({"g": ["a", "b", "c"], "n": [0, 4, 30]})
    out = privacy.suppress(df, margins=[()])
    assert out["suppression"].tolist() == ["", "primary", "complementary"]


def test_mask_text_takes_its_words_from_the_caller():
    assert privacy.mask_text("mail a.b@c.fi or +358 40 123 4567  now", "[E]", "[P]") == \
        "mail [E] or [P] now"
    assert privacy.mask_text(None, "[E]", "[P]") == ""


def test_person_names_and_titles_with_a_name_are_masked():
    masked = "[nimi poistettu]"
    assert display_privacy.clean_text("Kysy kunnanjohtaja Virtaselta tai Matti Korhonen "
                                      "tiesi.", "fi") == f"Kysy {masked} tai {masked} tiesi."
    assert display_privacy.clean_text("Kunnanjohtajan Matti Mäkisen mukaan hyvä.", "fi") == \
        f"{masked} mukaan hyvä."
    # a listed surname in any inflection; place names and ordinary words stay
    assert display_privacy.clean_text("Virtasen ehdotus: Kauhajoen ja Teuvan väki mukaan.",
                                      "fi") == f"{masked} ehdotus: Kauhajoen ja Teuvan väki mukaan."
    assert display_privacy.clean_text("Johtaja sanoi, että yhteistyö toimi.", "fi") == \
        "Johtaja sanoi, että yhteistyö toimi."
    assert display_privacy.clean_text("Ask mayor Smith.", "en") == "Ask [name removed]."


def test_name_list_is_data_with_its_source():
    import yaml
    data = yaml.safe_load(privacy.NAMES_FILE.read_text(encoding="utf-8"))
    assert data["source"].startswith("DVV")
    assert {"kunnanjohtaja", "Virtanen", "Matti"} <= set(data["titles"]) | set(
        data["surnames"]) | set(data["first_names"])
    # everyday words that are also names are left out, or ordinary text would be masked
    assert not {"Onni", "Toivo", "Mäki", "Koski", "Laine"} & (set(data["surnames"])
                                                              | set(data["first_names"]))


def test_clean_text_masks_and_escapes():
    text = "Ota yhteyttä matti.meikalainen@kauhajoki.fi tai 040 123 4567 / +358 6 2413 100 <b>heti</b> & 2017"
    assert display_privacy.clean_text(text, "fi") == (
        "Ota yhteyttä [sähköposti poistettu] tai [puhelinnumero poistettu] / "
        "[puhelinnumero poistettu] &lt;b&gt;heti&lt;/b&gt; &amp; 2017")
    assert display_privacy.clean_text("call 06-241 2345", "en") == "call [phone number removed]"
    assert display_privacy.clean_text("vuosina 2017 - 2019 noin 1 300 asukasta", "fi") == \
        "vuosina 2017 - 2019 noin 1 300 asukasta"
    df = pd.DataFrame({"respondent": ["r-1", "r-2"], "question": ["q", "q"],
                       "text": ["a@b.fi", "  "]})
    out = display_privacy.clean_comments(df, "en")
    assert list(out.columns) == ["question", "text"] and out["text"].tolist() == ["[e-mail removed]"]


def test_pseudonyms_stable_under_a_key_and_different_under_another(tmp_path, monkeypatch):
    monkeypatch.delenv("RESEARCH_PSEUDONYM_KEY", raising=False)
    path = tmp_path / "keys" / "pseudonym.key"
    key = load_key(path)
    assert path.exists() and len(key) == 64 and oct(path.stat().st_mode)[-3:] == "600"
    assert load_key(path) == key                      # read back, not recreated
    a = pseudonym("Anna@Example.fi ", key)
    assert a == pseudonym("anna@example.fi", key) and a.startswith("r-") and len(a) == 18
    import hashlib
    import hmac
    assert a == "r-" + hmac.new(key, b"anna@example.fi", hashlib.sha256).hexdigest()[:16]
    other = load_key(tmp_path / "other.key")
    assert pseudonym("anna@example.fi", other) != a
    s = pseudonymise(pd.Series(["anna@example.fi", "b@x.fi", "ANNA@example.fi"]), key)
    assert s[0] == s[2] == a and s[1] != a
    monkeypatch.setenv("RESEARCH_PSEUDONYM_KEY", "k" * 40)
    assert load_key(path) == b"k" * 40
    monkeypatch.delenv("RESEARCH_PSEUDONYM_KEY")
    path.write_text("short\n", encoding="utf-8")
    with pytest.raises(UserError) as exc:
        load_key(path)
    assert str(exc.value) == (f"{path}: pseudonym key is too short (expected at least 32 "
                              "characters); delete the file to create a new key, which breaks "
                              "links to earlier waves")


def test_mark_formats_visible_numbers_as_report_text():
    df = pd.DataFrame({"g": ["a", "b"], "n": [12, 2], "mean": [3.456, 2.0]})
    out = display_privacy.mark(privacy.suppress(df, margins=[]), "fi", 5,
                       decimals={"n": 0, "mean": 2})
    assert out["n"].tolist() == ["12", "×"] and out["mean"].tolist() == ["3,46", "×"]
