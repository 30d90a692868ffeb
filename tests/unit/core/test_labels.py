"""The label table: every text in Finnish, English and Swedish, with the same placeholders,
filled in each language's number style."""

import string

from research.core.labels import LANGUAGES, table, text

NBSP, MINUS = "\u00a0", "\u2212"


def test_every_label_has_fi_en_and_sv_with_the_same_placeholders():
    fmt = string.Formatter()
    problems = []
    for key, entry in table().items():
        if set(entry) != {"fi", "en", "sv"}:
            problems.append(f"{key}: languages {sorted(entry)}")
            continue
        fields = {lang: {f for _, f, _, _ in fmt.parse(entry[lang]) if f} for lang in LANGUAGES}
        for lang in ("en", "sv"):
            if fields[lang] != fields["fi"]:
                problems.append(f"{key}: fi {sorted(fields['fi'])} vs {lang} "
                                f"{sorted(fields[lang])}")
    assert problems == []


#: labels whose Swedish is rightly the same as the Finnish or English text
SAME_IN_SWEDISH = {
    "report.status", "source.sotkanet", "label.index", "privacy.mark", "privacy.fewer",
    "survey.col.dimension", "survey.col.n", "evaluation.summary.did", "evaluation.col.dimension",
    "evaluation.col.p", "evaluation.col.p_wild", "evaluation.col.period", "vitality.rank_band",
    "vitality.col_index", "vitality.coverage_theme_item", "workshop.title", "workshop.mean_ci",
    "workshop.col_kappa", "workshop.interval", "report.index_workshop", "export.sheet_index",
    "export.col_index", "export.readme_version"}


def test_swedish_labels_are_not_left_in_finnish_or_english():
    same = {k for k, e in table().items() if e["sv"] in (e["fi"], e["en"])}
    assert same - SAME_IN_SWEDISH == set()


VALUES = dict(name="Kauhajoki", first_year=2000, first=14831, last_year=2022, last=12750,
              change=-14.03, subregion="Suupohja", sub_change=-20.2, peer_change=-24.9)


def test_finnish_numbers_use_decimal_comma_space_thousands_and_minus_sign():
    assert text("population.summary", "fi", **VALUES) == (
        f"Kauhajoki: väkiluku 2000 14{NBSP}831 → 2022 12{NBSP}750 ({MINUS}14,0{NBSP}%). "
        f"Seutukunta Suupohja: {MINUS}20,2{NBSP}%, vertailukunnat (mediaani): "
        f"{MINUS}24,9{NBSP}%.")


def test_swedish_numbers_are_written_as_in_finnish():
    assert text("population.summary", "sv", **VALUES) == (
        f"Kauhajoki: folkmängd 2000 14{NBSP}831 → 2022 12{NBSP}750 ({MINUS}14,0{NBSP}%). "
        f"Ekonomiska regionen Suupohja: {MINUS}20,2{NBSP}%, jämförelsekommunerna (median): "
        f"{MINUS}24,9{NBSP}%.")


def test_english_numbers_use_comma_thousands_minus_sign_and_closed_percent():
    assert text("population.summary", "en", **VALUES) == (
        f"Kauhajoki: population 2000 14,831 → 2022 12,750 ({MINUS}14.0%). Sub-region "
        f"Suupohja: {MINUS}20.2%, peers (median): {MINUS}24.9%.")


def test_a_label_never_shows_minus_zero():
    assert text("vitality.summary_chance", "fi", low=-0.04, high=2.0) == (
        f"Pelkkä pienten lukumäärien satunnaisvaihtelu antaa muutokselle välin "
        f"+0,0{NBSP}– +2,0 pistettä.")


def test_signed_ranges_in_labels_are_spaced_en_dashes():
    assert text("vitality.summary_chance", "en", low=-1.25, high=3.0) == (
        f"Chance variation of small counts alone gives the change a band of "
        f"{MINUS}1.2{NBSP}– +3.0 points.")
    assert text("workshop.theme_rises", "sv", theme="Samarbete", before=20.0, now=45.0,
                low=3.0, high=47.0) == (
        f"Samarbete: 20{NBSP}% → 45{NBSP}% av svaren (förändringens 95{NBSP}% "
        f"konfidensintervall +3{NBSP}– +47{NBSP}%-enheter).")


def test_finnish_percent_case_ending_keeps_the_no_break_space():
    assert text("survey.scores_caption", "fi", low=1, high=5) == (
        f"Keskiarvo ja 95{NBSP}%:n luottamusväli, asteikko 1–5")
    assert text("survey.scores_caption", "en", low=1, high=5) == (
        "Mean and 95% confidence interval, scale 1–5")
