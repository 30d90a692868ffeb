"""Readers of Statistics Finland's formats, area recognition and the indicator catalogue."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from research.prepare import pxweb
from research.geo.areas import AreaResolver
from research.prepare.catalogue import build, load_catalogue
from research.geo.classification import Classifier
from research.core.errors import UserError
from research.prepare.steps import TARGET_YEAR, prepare
from research.core.tables import read_digest, read_table

ROOT = Path(__file__).resolve().parents[3]
RAW = ROOT / "data" / "raw"
FIX = ROOT / "tests" / "fixtures" / "statfin"
REF = ROOT / "tests" / "fixtures" / "reference"


@pytest.fixture(scope="module")
def classifier():
    return Classifier.from_raw(RAW, TARGET_YEAR)


@pytest.fixture(scope="module")
def resolver(classifier):
    return AreaResolver.from_raw(RAW, classifier)


# --- encodings, separators, layout ------------------------------------------------------

def test_decode_detects_encoding_from_content_not_extension(tmp_path):
    assert pxweb.decode(FIX / "latin1_semicolon.csv")[1] == "cp1252"
    assert pxweb.decode(FIX / "utf8bom_tab.csv")[1] == "utf-8-sig"
    assert pxweb.decode(RAW / "statfin" / "tk_kuntien_avainluvut_2017_fi.csv")[1] == "utf-8"
    disguised = tmp_path / "utf8.latin1"
    disguised.write_bytes("Alue;x\nÄänekoski;1\n".encode("utf-8"))
    assert pxweb.decode(disguised) == ("Alue;x\nÄänekoski;1\n", "utf-8")


def test_sniff_separator():
    assert pxweb.sniff_separator('"a";"b, c";"d"\n"1";"2";"3"\n') == ";"
    assert pxweb.sniff_separator("a\tb\tc\n1\t2,5\t3\n") == "\t"
    assert pxweb.sniff_separator('a,"b; c",d\n1,2,3\n') == ","


def test_latin1_title_and_footnote_lines_skipped_with_file_line_numbers():
    df = pxweb.read_csv_text(FIX / "latin1_semicolon.csv")
    assert list(df.columns) == ["Alue", "Vuosi", "Väkiluku", "Työttömyysaste %", "_line"]
    assert df["Alue"].tolist()[:3] == ["SSS KOKO MAA", "SK141 Suupohja", "232 Kauhajoki"]
    assert len(df) == 8
    assert df["_line"].tolist() == [4, 5, 6, 7, 8, 9, 10, 11]
    assert df.attrs["header_line"] == 3


def test_symbols_and_decimal_comma():
    cells = pd.Series(["11,5", "9.6", "..", ".", "-", "", "5 513 130", "-1,2", '".."',
                       "1\u00a0234,5"])
    value, flag, bad = pxweb.parse_values(cells)
    expected = [11.5, 9.6, np.nan, np.nan, 0.0, np.nan, 5513130.0, -1.2, np.nan, 1234.5]
    np.testing.assert_array_equal(value.to_numpy(), np.array(expected))
    assert flag.tolist() == ["", "", "..", ".", "-", "", "", "", "..", ""]
    assert not bad.any()
    assert pxweb.parse_values(pd.Series(["12a"]))[2].tolist() == [True]


def test_reference_pxweb_latin1_export_matches_pandas():
    path = REF / "pxweb_kuntavaalit2021_aanioikeutetut_latin1.csv"
    ours = pxweb.read_text_table(path)
    theirs = pd.read_csv(path, sep=";", encoding="latin-1", dtype=str)
    assert len(ours) == len(theirs) == 293
    assert ours["Alue"].tolist() == theirs["Alue"].tolist()
    row = ours[ours["Alue"] == "232 Kauhajoki"].iloc[0]
    assert row["Äänioikeutetut"] == "10572" and row["_line"] == 182


def test_reference_bom_export_names_only(resolver):
    df = pxweb.read_text_table(REF / "pxweb_vaerak_11re_2021_sukupuoli_utf8bom.csv")
    assert list(df.columns)[:2] == ["Kunta", "Ikä"]
    areas = [resolver.resolve(a) for a in df["Kunta"]]
    assert None not in areas
    assert areas[df.index[df["Kunta"] == "Kauhajoki"][0]] == ("municipality", "232")
    assert ("municipality", "478") in areas  # 'Maarianhamina - Mariehamn'


def test_reference_jsonstat(tmp_path):
    path = REF / "jsonstat2_statfin_vaerak_sample_sv.json"
    df = pxweb.read_text_table(path)
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert len(df) == 90
    value, flag, _ = pxweb.parse_values(df["value"])
    np.testing.assert_allclose(value.to_numpy(), np.array(raw["value"], dtype=float))
    ids = pxweb.read_jsonstat_text(path, naming="id")
    assert set(ids["Sukupuoli"]) == {"SSS", "1", "2"}


def test_jsonstat_status_symbols_kept(tmp_path):
    obj = json.loads((REF / "jsonstat2_statfin_vaerak_sample_sv.json").read_text("utf-8"))
    obj["value"][0] = None
    obj["status"] = {"0": ".."}
    path = tmp_path / "x.json"
    path.write_text(json.dumps(obj), encoding="utf-8")
    value, flag, _ = pxweb.parse_values(pxweb.read_text_table(path)["value"])
    assert np.isnan(value[0]) and flag[0] == ".."


def test_pc_axis_with_symbols():
    df = pxweb.read_text_table(FIX / "sample.px")
    value, flag, _ = pxweb.parse_values(df["DATA"])
    assert df["Alue"].tolist() == ["KU232 Kauhajoki"] * 2 + ["KU846 Teuva"] * 2 + \
        ["SK141 Suupohja"] * 2
    np.testing.assert_array_equal(value.to_numpy(), [10.5, 9.6, np.nan, 8.1, 0.0, np.nan])
    assert flag.tolist() == ["", "", "..", "", "-", "."]


# --- areas ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("SSS", ("country", "SSS")), ("WHOLE COUNTRY", ("country", "SSS")),
    ("KOKO MAA", ("country", "SSS")), ("SSS KOKO MAA", ("country", "SSS")),
    ("SK141", ("subregion", "141")), ("MK14", ("region", "14")),
    ("Suupohja sub-regional unit", ("subregion", "141")),
    ("Suupohjan seutukunta", ("subregion", "141")),
    ("South Ostrobothnia", ("region", "14")), ("Etelä-Pohjanmaa", ("region", "14")),
    ("Uusimaa (HE 15/2017 vp)", ("planned_region", "01")),
    ("Suupohja sub-regional unit (HE 15/2017 vp)", ("planned_subregion", "141")),
    ("232 Kauhajoki", ("municipality", "232")), ("KU232", ("municipality", "232")),
    ("Storå", ("municipality", "151")), ("Koski Tl", ("municipality", "284")),
    ("Honkajoki", ("municipality", "099")), ("152 Isokyrö", ("municipality", "152")),
    ("Atlantis", None),
])
def test_area_resolution(resolver, text, expected):
    assert resolver.resolve(text) == expected


def test_key_figures_2018_areas_kept_apart(resolver):
    df = pxweb.read_text_table(RAW / "statfin" / "tk_municipal_key_figures_2018_en.tsv")
    kinds = pd.Series([resolver.resolve(a)[0] for a in df["Region 2018"]]).value_counts()
    assert kinds.to_dict() == {"municipality": 311, "subregion": 70, "planned_subregion": 70,
                               "region": 19, "planned_region": 19, "country": 1}


# --- the catalogue on fixtures -----------------------------------------------------------

CATALOGUE = """
sources:
  kf: {file: latin1_semicolon.csv, area: Alue, year: Vuosi}
  long: {file: utf8bom_tab.csv, area: alue, year: vuosi}
  monthly: {file: monthly.csv, area: alue, month: time}
  wide: {file: wide_years.tsv, area: Alue, year: columns}
  px: {file: sample.px, area: Alue, year: Vuosi}
  js: {file: jsonstat_areas.json, area: Alue, year: Vuosi}
indicators:
  - id: population
    name: {fi: Väkiluku, en: Population}
    unit: {fi: asukasta, en: inhabitants}
    theme: population
    direction: 1
    kind: count
    source: kf
    column: Väkiluku
  - id: unemployment_share
    name: {fi: Työttömyysaste, en: Unemployment rate}
    unit: {fi: "%", en: "%"}
    theme: vitality
    direction: -1
    kind: rate
    source: kf
    column: Työttömyysaste %
    merge_column: Väkiluku
    denominator: population
    scale: 100
    index: true
    weight: 2
  - {id: pop_long, name: {fi: V, en: P}, unit: {fi: as, en: inh}, theme: population,
     direction: 1, kind: count, source: [{source: long, column: arvo, filter: {tiedot: pop}}]}
  - {id: unemployed, name: {fi: T, en: U}, unit: {fi: h, en: p}, theme: vitality,
     direction: -1, kind: count, source: monthly, column: U}
  - {id: labour_force, name: {fi: TV, en: LF}, unit: {fi: h, en: p}, theme: vitality,
     direction: 1, kind: count, source: monthly, column: LF, monthly: false}
  - {id: pop_wide, name: {fi: V, en: P}, unit: {fi: as, en: inh}, theme: population,
     direction: 1, kind: count, source: wide, column: "Väkiluku {year}"}
  - {id: ur_wide, name: {fi: T, en: U}, unit: {fi: "%", en: "%"}, theme: vitality,
     direction: -1, kind: rate, source: wide, column: "Työttömyys % {year}",
     merge_column: "Väkiluku {year}", scale: 100}
  - {id: px_rate, name: {fi: X, en: X}, unit: {fi: "%", en: "%"}, theme: wellbeing,
     direction: -1, kind: rate, source: px, column: DATA}
  - {id: js_count, name: {fi: J, en: J}, unit: {fi: as, en: inh}, theme: population,
     direction: 1, kind: count, source: js, column: value}
  - id: unemployment_rate
    name: {fi: TA, en: UR}
    unit: {fi: "%", en: "%"}
    theme: vitality
    direction: -1
    kind: rate
    numerator: unemployed
    denominator: labour_force
    scale: 100
"""

MONTHLY = """alue,time,U,LF
KU214,2017-01,600,5000
KU214,2017-02,500,5000
KU099,2017-01,100,800
KU099,2017-02,,800
SK141,2017-01,900,10000
SK141,2017-02,800,10000
"""


def make_raw(tmp_path: Path, catalogue: str = CATALOGUE, monthly: str = MONTHLY) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(RAW / "classification", raw / "classification")
    (raw / "statfin").mkdir()
    shutil.copy(RAW / "statfin" / "area_names.yml", raw / "statfin")
    for name in ("latin1_semicolon.csv", "utf8bom_tab.csv", "wide_years.tsv", "sample.px",
                 "jsonstat_areas.json"):
        shutil.copy(FIX / name, raw / "statfin" / name)
    (raw / "statfin" / "monthly.csv").write_text(monthly, encoding="utf-8")
    (raw / "statfin" / "indicator_catalogue.yml").write_text(catalogue, encoding="utf-8")
    return raw


@pytest.fixture()
def built(tmp_path, classifier):
    return build(make_raw(tmp_path), classifier)


def _value(df, **key):
    rows = df
    for k, v in key.items():
        rows = rows[rows[k] == v]
    assert len(rows) == 1, key
    return rows.iloc[0]


def test_merged_municipality_sums_counts_and_recomputes_rates(built):
    ind = built["indicators"]
    pop = _value(ind, municipality_code="214", year=2017, indicator="population")
    assert pop["value"] == 11536 + 1755
    rate = _value(ind, municipality_code="214", year=2017, indicator="unemployment_share")
    assert rate["value"] == pytest.approx((12.0 * 11536 + 8.0 * 1755) / (11536 + 1755))
    assert "099" not in set(ind["municipality_code"])


def test_symbols_reach_the_indicators_table(built):
    ind = built["indicators"]
    rows = ind[ind["indicator"] == "unemployment_share"].set_index("municipality_code")
    assert rows.loc["846", "value"] == 0 and rows.loc["846", "flag"] == "-"
    assert np.isnan(rows.loc["151", "value"]) and rows.loc["151", "flag"] == ".."
    assert np.isnan(rows.loc["218", "value"]) and rows.loc["218", "flag"] == "."
    assert rows.loc["232", "value"] == 9.6 and rows.loc["232", "flag"] == ""


def test_non_municipal_areas_go_to_area_indicators(built):
    area = built["area_indicators"]
    assert _value(area, area_type="country", indicator="population")["value"] == 5513130
    assert _value(area, area_type="subregion", indicator="population")["value"] == 22240
    assert _value(area, area_type="region", indicator="pop_long")["value"] == 191860
    assert "SSS" not in set(built["indicators"]["municipality_code"])


def test_long_layout_with_filter_and_swedish_name(built):
    ind = built["indicators"][built["indicators"]["indicator"] == "pop_long"]
    assert sorted(zip(ind["municipality_code"], ind["year"], ind["value"])) == [
        ("151", 2016, 2070.0), ("151", 2017, 2032.0), ("232", 2017, 13610.0)]


def test_wide_years_as_columns_with_merged_municipality(built):
    ind = built["indicators"].set_index(["municipality_code", "year", "indicator"])
    assert ind.loc[("214", 2016, "pop_wide"), "value"] == 11700 + 1790
    assert ind.loc[("214", 2016, "ur_wide"), "value"] == pytest.approx(
        (12.5 * 11700 + 8.5 * 1790) / (11700 + 1790))
    assert ind.loc[("232", 2017, "ur_wide"), "value"] == 9.6
    teuva = ind.loc[("846", 2016, "ur_wide")]
    assert np.isnan(teuva["value"]) and teuva["flag"] == ".."


def test_pc_axis_and_json_stat_through_the_catalogue(built):
    ind = built["indicators"].set_index(["municipality_code", "year", "indicator"])
    assert ind.loc[("232", 2016, "px_rate"), "value"] == 10.5
    assert ind.loc[("846", 2016, "px_rate"), "flag"] == ".."
    assert ind.loc[("232", 2017, "js_count"), "value"] == 13610
    area = built["area_indicators"].set_index(["area_code", "year", "indicator"])
    assert (area.loc[("141", 2016, "px_rate"), "value"], area.loc[("141", 2016, "px_rate"),
                                                                  "flag"]) == (0.0, "-")
    assert area.loc[("141", 2017, "px_rate"), "flag"] == "."
    assert area.loc[("SSS", 2016, "js_count"), "flag"] == ".."
    assert area.loc[("SSS", 2017, "js_count"), "value"] == 5513130


def test_monthly_series_and_yearly_rate(built):
    month = built["monthly_indicators"]
    jan = _value(month, area_code="214", month="2017-01", indicator="unemployed")
    assert jan["value"] == 600 + 100
    assert _value(month, area_code="214", month="2017-02", indicator="unemployed")["value"] == 500
    assert "labour_force" not in set(month["indicator"])  # monthly: false
    ur = _value(month, area_code="141", month="2017-02", indicator="unemployment_rate")
    assert ur["value"] == pytest.approx(800 / 10000 * 100)
    ind = built["indicators"]
    assert _value(ind, municipality_code="214", year=2017, indicator="unemployed")[
        "value"] == (700 + 500) / 2
    assert _value(ind, municipality_code="214", year=2017, indicator="unemployment_rate")[
        "value"] == pytest.approx(100 * 600 / 5800)
    area = built["area_indicators"]
    assert _value(area, area_code="141", indicator="unemployment_rate")["value"] == \
        pytest.approx(100 * 850 / 10000)


def test_catalogue_table_has_index_fields(built):
    cat = built["indicator_catalogue"].set_index("indicator")
    assert cat.loc["unemployment_share", "index"] == True  # noqa: E712
    assert cat.loc["unemployment_share", "weight"] == 2.0
    assert cat.loc["population", "weight"] == 1.0
    assert cat.loc["unemployment_rate", "numerator"] == "unemployed"


# --- bad input: one clear message, nothing written ---------------------------------------

def _error(tmp_path, classifier, **files) -> str:
    raw = make_raw(tmp_path, catalogue=files.pop("catalogue", CATALOGUE))
    for name, text in files.items():
        (raw / "statfin" / name.replace("_csv", ".csv")).write_bytes(text.encode("cp1252"))
    with pytest.raises(UserError) as exc:
        build(raw, classifier)
    return str(exc.value).replace(str(raw), "RAW")


GOOD = '"Alue";"Vuosi";"Väkiluku";"Työttömyysaste %"\n'


def test_error_unreadable_file(tmp_path, classifier):
    assert _error(tmp_path, classifier, latin1_semicolon_csv="") == (
        "RAW/statfin/latin1_semicolon.csv: cannot read the file: it is empty")


@pytest.mark.parametrize("second_row, message", [
    ('"Atlantis";"2017";1;2',
     "row 3, column 'Alue': unknown area name 'Atlantis' (expected a municipality code or "
     "name, or a sub-region, region or whole-country label)"),
    ('"KU232";"2017";1;2',
     "row 3, column 'Alue': area '232' has more than one value for 2017, indicator "
     "'population' (first on row 2)"),
    ('"846 Teuva";"2017";12x;2',
     "row 3, column 'Väkiluku': cannot read '12x' as a number (expected a number with a "
     "decimal point or comma, or one of the symbols .. . -)"),
])
def test_error_bad_row(tmp_path, classifier, second_row, message):
    text = GOOD + '"232 Kauhajoki";"2017";1;2\n' + second_row + "\n"
    assert _error(tmp_path, classifier, latin1_semicolon_csv=text) == (
        "RAW/statfin/latin1_semicolon.csv, " + message)


def test_error_catalogue_column_missing(tmp_path, classifier):
    catalogue = CATALOGUE.replace("column: Väkiluku", "column: Asukkaat")
    assert _error(tmp_path, classifier, catalogue=catalogue) == (
        "RAW/statfin/latin1_semicolon.csv, row 3, column 'Asukkaat': indicator 'population': "
        "source column 'Asukkaat' is not in the file (its columns: Alue, Vuosi, Väkiluku, "
        "Työttömyysaste %)")


@pytest.mark.parametrize("old, new, message", [
    ("direction: -1\n    kind: rate\n    source: kf",
     "direction: 0\n    kind: rate\n    source: kf",
     "row 18: indicator 'unemployment_share': direction must be 1 or -1, not 0"),
    ("id: pop_long", "id: population",
     "row 31: indicator 'population' is declared more than once"),
])
def test_error_catalogue_entry(tmp_path, old, new, message):
    raw = make_raw(tmp_path, catalogue=CATALOGUE.replace(old, new))
    with pytest.raises(UserError) as exc:
        load_catalogue(raw)
    assert str(exc.value).replace(str(raw), "RAW") == (
        "RAW/statfin/indicator_catalogue.yml, " + message)


def test_failed_prepare_leaves_processed_untouched(tmp_path):
    raw = make_raw(tmp_path)
    processed = tmp_path / "processed"
    prepare(raw, processed)
    files = lambda: {str(p.relative_to(processed)): p.read_bytes()  # noqa: E731
                     for p in processed.rglob("*") if p.is_file()}
    before = files()
    (raw / "statfin" / "utf8bom_tab.csv").write_text("alue\tvuosi\ttiedot\tarvo\n"
                                                     "KU232\t2017\tpop\tmany\n")
    with pytest.raises(UserError):
        prepare(raw, processed)
    assert files() == before
    assert set(read_digest(processed)) >= {"indicators", "area_indicators",
                                           "monthly_indicators", "indicator_catalogue"}


# --- the bundled data through prepare -----------------------------------------------------

@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    processed = tmp_path_factory.mktemp("processed")
    prepare(RAW, processed)
    return {name: read_table(processed, name) for name in
            ("indicators", "area_indicators", "monthly_indicators", "indicator_catalogue")}


def test_suupohja_2017_population_is_22240(bundled):
    ind = bundled["indicators"]
    pop = ind[(ind["indicator"] == "population") & (ind["year"] == 2017)].set_index(
        "municipality_code")["value"]
    assert [pop[c] for c in ("232", "846", "151", "218")] == [13610, 5269, 2032, 1329]
    assert pop[["232", "846", "151", "218"]].sum() == 22240
    area = bundled["area_indicators"]
    published = _value(area, area_type="subregion", area_code="141", year=2017,
                       indicator="population")["value"]
    assert published == 22240
    country = _value(area, area_type="country", area_code="SSS", year=2017,
                     indicator="population")["value"]
    assert country == pop.sum() == 5513130


def test_bundled_unemployment_rate_is_ratio_of_yearly_means(bundled):
    raw = pd.read_csv(RAW / "statfin" / "tyonvalitys_12r5_alueet_2006_2023_kk.csv")
    k = raw[(raw["alue"] == "KU232") & raw["time"].str.startswith("2017")]
    expected = 100 * k["TYOTTOMATLOPUSSA"].mean() / k["TYOVOIMATK"].mean()
    ind = bundled["indicators"]
    assert _value(ind, municipality_code="232", year=2017, indicator="unemployment_rate")[
        "value"] == pytest.approx(expected)
    month = bundled["monthly_indicators"]
    dec = month[(month["month"] == "2017-12") & (month["indicator"] == "vacancies")]
    members = dec[dec["area_code"].isin(["232", "846", "151", "218"])
                  & (dec["area_type"] == "municipality")]["value"].sum()
    published = _value(dec, area_type="subregion", area_code="141")["value"]
    assert (members, published) == (79, 85)  # the README's caveat, kept as published


def test_bundled_sotkanet_merger_recomputes_rate(bundled):
    raw = pd.read_csv(RAW / "statfin" / "sotkanet_kunta_wide_1990_2012.csv")
    rate, pop = "[TALOUS] Verotulot, euroa / asukas", "[YLEISET] Väestö 31.12."
    two = raw[(raw["Vuosi"] == 2011) & raw["Alue"].isin(["Nurmes", "Valtimo"])]
    expected = (two[rate] * two[pop]).sum() / two[pop].sum()
    ind = bundled["indicators"]
    assert _value(ind, municipality_code="541", year=2011, indicator="tax_revenue_per_capita")[
        "value"] == pytest.approx(expected)
    assert "911" not in set(ind["municipality_code"])


def test_bundled_catalogue_ids(bundled):
    cat = bundled["indicator_catalogue"]
    assert "population" in set(cat["indicator"])
    assert set(cat["theme"]) == {"vitality", "population", "wellbeing", "economy",
                                 "sustainability"}
    assert set(cat["indicator"]) == set(bundled["indicators"]["indicator"])
