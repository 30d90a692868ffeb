"""The label table: every text in Finnish and English, with the same placeholders."""

import string

from research.core.labels import table, text


def test_every_label_has_fi_and_en_with_the_same_placeholders():
    fmt = string.Formatter()
    problems = []
    for key, entry in table().items():
        if set(entry) != {"fi", "en"}:
            problems.append(f"{key}: languages {sorted(entry)}")
            continue
        fields = [{f for _, f, _, _ in fmt.parse(entry[lang]) if f} for lang in ("fi", "en")]
        if fields[0] != fields[1]:
            problems.append(f"{key}: fi {sorted(fields[0])} vs en {sorted(fields[1])}")
    assert problems == []


def test_finnish_numbers_use_decimal_comma_and_space_thousands():
    values = dict(name="Kauhajoki", first_year=2000, first=14831, last_year=2022, last=12750,
                  change=-14.03, subregion="Suupohja", sub_change=-20.2, peer_change=-24.9)
    assert text("population.summary", "fi", **values) == (
        "Kauhajoki: väkiluku 2000 14\u00a0831 → 2022 12\u00a0750 (-14,0 %). Seutukunta "
        "Suupohja: -20,2 %, vertailukunnat (mediaani): -24,9 %.")
    assert text("population.summary", "en", **values).startswith(
        "Kauhajoki: population 2000 14,831 → 2022 12,750 (-14.0 %).")
