"""The bundled statistics through 2021–2022: xlsx downloads, true years and meanings,
figures computed from counts, and agreement of overlapping sources.

Expected values are the published figures (Statistics Finland's key figures, as quoted in
`../shared/data/reference/README.md`), or a hand calculation from the raw files.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from research.core.errors import UserError
from research.core.tables import read_table
from research.geo.areas import AreaResolver
from research.geo.classification import Classifier
from research.prepare.catalogue import _source_specs, load_catalogue
from research.prepare.pxweb import read_text_table
from research.prepare.sources import Sources, read_spec
from research.prepare.steps import TARGET_YEAR
from research.prepare.vintage import vintage
from research.stats.profile import aggregate

ROOT = Path(__file__).resolve().parents[3]
RAW = ROOT / "data" / "raw"
SUUPOHJA = ["232", "846", "151", "218"]


@pytest.fixture(scope="module")
def tables(processed):
    return {n: read_table(processed, n) for n in
            ("indicators", "indicator_catalogue", "indicator_sources", "area_indicators")}


def value(tables, code, indicator, year):
    ind = tables["indicators"]
    row = ind[(ind["municipality_code"] == code) & (ind["indicator"] == indicator)
              & (ind["year"] == year)]
    assert len(row) == 1, (code, indicator, year)
    return float(row["value"].iloc[0])


# --- xlsx downloads -------------------------------------------------------------------------

def _pxweb_xlsx(path: Path, cell=None) -> None:
    """A small PxWeb xlsx download: title, blank row, three header rows, stub columns with
    the area on the first row of its block, a footer of notes."""
    wb = openpyxl.Workbook()
    ws = wb.active
    rows = [["Väestö muuttujina Alue, Vuosi, Ikä ja Pääasiallinen toiminta"], [],
            [None, None, "18 - 64", None, "65 -", None],
            [None, None, "Väestö 31.12.", None, "Väestö 31.12.", None],
            [None, None, "Yhteensä", "Työlliset", "Yhteensä", "Työlliset"],
            ["232 Kauhajoki", "2016", 7767, 5200, 3305, 76],
            [None, "2017", 7524, 5178, 3327, 80],
            ["846 Teuva", "2017", 2850, 1950, 1513, cell if cell is not None else 30],
            [], ["Lähde: Tilastokeskus, työssäkäynti"], ["Sisäinen viitekoodi:"]]
    for r in rows:
        ws.append(r)
    wb.save(path)


def test_xlsx_multi_row_header_forward_filled_areas_and_excel_rows(tmp_path):
    path = tmp_path / "export.dat"  # the format comes from the content, not the name
    _pxweb_xlsx(path)
    df = read_text_table(path)
    assert list(df.columns) == ["A", "B", "18 - 64 / Väestö 31.12. / Yhteensä",
                                "18 - 64 / Väestö 31.12. / Työlliset",
                                "65 - / Väestö 31.12. / Yhteensä",
                                "65 - / Väestö 31.12. / Työlliset", "_line"]
    assert df["A"].tolist() == ["232 Kauhajoki", "232 Kauhajoki", "846 Teuva"]
    assert df["_line"].tolist() == [6, 7, 8]
    assert df.attrs["header_line"] == 3


def test_xlsx_bad_cell_names_file_excel_row_and_column(tmp_path):
    raw = tmp_path / "raw"
    (raw / "statfin").mkdir(parents=True)
    _pxweb_xlsx(raw / "statfin" / "act.xlsx", cell="3O")
    for name in ("classification",):
        (raw / name).symlink_to(RAW / name)
    (raw / "statfin" / "indicator_catalogue.yml").write_text(
        "sources:\n  act: {file: act.xlsx, area: A, year: B}\n"
        "indicators:\n"
        "  - {id: employed, name: {fi: T, en: E}, unit: {fi: h, en: p}, theme: vitality,\n"
        "     direction: 1, kind: count, source: [{source: act, column: '* / Työlliset'}]}\n",
        encoding="utf-8")
    from research.prepare.catalogue import build
    with pytest.raises(UserError) as exc:
        build(raw, Classifier.from_raw(raw, TARGET_YEAR))
    assert str(exc.value).replace(str(raw), "RAW") == (
        "RAW/statfin/act.xlsx, row 8, column '65 - / Väestö 31.12. / Työlliset': cannot read "
        "'3O' as a number (expected a number with a decimal point or comma, or one of the "
        "symbols .. . -)")


def test_real_115b_download_read_whole():
    df = read_text_table(RAW / "statfin" / "tk_115b_vaesto_paaasiallinen_toiminta_1990_2021.xlsx")
    assert len(df) == 309 * 32  # 309 municipalities x 1990-2021, footer left out
    k = df[(df["A"] == "232 Kauhajoki") & (df["B"] == "2017")].iloc[0]
    assert (k["18 - 64 / Väestö 31.12. / Työlliset"], k["18 - 64 / Väestö 31.12. / Yhteensä"]) \
        == ("5178", "7524")


# --- published figures ----------------------------------------------------------------------

@pytest.mark.parametrize("indicator, year, expected", [
    ("employment_rate", 2017, 68.8),            # 5178 / 7524 aged 18-64 (115b)
    ("economic_dependency", 2017, 158.8),       # (13610 - 5258) / 5258
    ("jobs", 2017, 5369),                       # 4046 residents + 1323 in-commuters (115p)
    ("net_migration_count", 2017, -124),        # 11ae vm43_netto
    ("net_migration", 2017, -9.1),              # -124 / 13610 per mille
    ("contribution_margin_per_capita", 2017, 406.6),  # 5534 k€ / 13610
    ("contribution_margin_per_capita", 2021, 550.0),  # 7 090 102.70 € / 12890
    ("loan_stock_per_capita", 2021, 5184.4),    # 66 826 981.46 € / 12890
    ("voter_turnout", 2017, 57.9),
    ("median_income", 2017, 20894),
    ("employment_rate", 2021, 72.4),
    ("economic_dependency", 2021, 155.4),
])
def test_kauhajoki_published_figures(tables, indicator, year, expected):
    assert round(value(tables, "232", indicator, year), 1) == expected


def test_key_figures_2017_file_holds_2016_employment_and_dependency(tables):
    """tk_kuntien_avainluvut_2017_fi.csv: its employment rate and dependency ratio are the
    2016 values; the catalogue files them under 2016, never 2017."""
    cat = load_catalogue(RAW)
    sources = Sources(RAW, cat["sources"], AreaResolver.from_raw(
        RAW, Classifier.from_raw(RAW, TARGET_YEAR)))
    entries = {e["id"]: e for e in cat["indicators"]}
    for ident, published in (("employment_rate", 66.9), ("economic_dependency", 161.0)):
        spec = next(s for s in _source_specs(entries[ident]) if s["source"] == "keyfigures2017")
        rows = read_spec(entries[ident], spec, sources)
        k = rows[rows["area_code"] == "232"]
        assert (k["year"].tolist(), k["value"].tolist()) == ([2016], [published])
        assert round(value(tables, "232", ident, 2016), 1) == published
    assert round(value(tables, "232", "employment_rate", 2017), 1) == 68.8


def test_sotkanet_net_migration_is_total_net_migration():
    """Sotkanet's 'Kuntien välinen nettomuutto' sums to +16,825 persons nationally in 2011:
    total net migration (11ae koknetmuutto 16,821), while moves between municipalities
    (11ae vm43_netto) net to zero."""
    sot = pd.read_csv(RAW / "statfin" / "sotkanet_kunta_wide_1990_2012.csv")
    rate = "[VÄESTÖNMUUTOS] Kuntien välinen nettomuutto / 1 000 asukasta"
    y = sot[sot["Vuosi"] == 2011]
    assert round((y[rate] * y["[YLEISET] Väestö 31.12."] / 1000).sum()) == 16825
    ae = pd.read_csv(RAW / "statfin" / "tk_11ae_vaestonmuutokset_kunnat_2010_2022.csv")
    a = ae[ae["vuosi"] == 2011]
    assert (a["koknetmuutto"].sum(), a["vm43_netto"].sum()) == (16821, 0)


def test_net_migration_labels(tables):
    cat = tables["indicator_catalogue"].set_index("indicator")
    assert cat.loc["net_migration", "name_fi"] == "Kuntien välinen nettomuutto"
    assert cat.loc["total_net_migration", "name_fi"] == (
        "Kokonaisnettomuutto (maassamuutto ja siirtolaisuus)")
    assert "total net migration" in cat.loc["total_net_migration", "note"]


# --- sub-region figures from counts -------------------------------------------------------

def test_suupohja_population_change_from_counts(tables):
    """Σpop(2017) / Σpop(2016) − 1 = 22240 / 22563 − 1 = −1.43 %, not the population-weighted
    mean of the municipal rates."""
    agg = aggregate(tables["indicators"], tables["indicator_catalogue"], SUUPOHJA)
    row = agg[(agg["indicator"] == "population_change") & (agg["year"] == 2017)]
    assert row["value"].iloc[0] == pytest.approx(100 * (22240 / 22563 - 1))
    assert round(row["value"].iloc[0], 1) == -1.4
    pop = agg[agg["indicator"] == "population"].set_index("year")["value"]
    assert (pop[2017], pop[2022]) == (22240, 20664)


def test_suupohja_net_migration_rate_from_counts(tables):
    agg = aggregate(tables["indicators"], tables["indicator_catalogue"], SUUPOHJA)
    ae = pd.read_csv(RAW / "statfin" / "tk_11ae_vaestonmuutokset_kunnat_2010_2022.csv")
    s = ae[(ae["vuosi"] == 2017) & ae["kunta"].isin(["Kauhajoki", "Teuva", "Isojoki",
                                                       "Karijoki"])]
    expected = 1000 * s["vm43_netto"].sum() / s["vaesto"].sum()
    row = agg[(agg["indicator"] == "net_migration") & (agg["year"] == 2017)]
    assert row["value"].iloc[0] == pytest.approx(expected)


# --- one precedence rule, overlapping sources agree ----------------------------------------

OVERLAPS = [  # (indicator, source, tolerance): published one-decimal figures round
    ("population_change", "keyfigures2017", 0.05),
    ("employment_rate", "keyfigures2017", 0.05),
    ("employment_rate", "keyfigures2017_all", 0.05),
    ("economic_dependency", "keyfigures2017", 0.05),
    ("economic_dependency", "keyfigures2017_all", 0.05),
    ("net_migration_count", "keyfigures2017_all", 0),
    ("jobs", "keyfigures2017_all", 0),
    ("jobs", "keyfigures2022", 0),
    ("jobs_self_sufficiency", "keyfigures2017_all", 0.05),
    ("contribution_margin_per_capita", "keyfigures2017_all", 0.05),
    ("contribution_margin_per_capita", "keyfigures2022", 0.05),
]


@pytest.fixture(scope="module")
def sources():
    classifier = Classifier.from_raw(RAW, TARGET_YEAR)
    cat = load_catalogue(RAW)
    return cat, classifier, Sources(RAW, cat["sources"], AreaResolver.from_raw(RAW, classifier))


@pytest.mark.parametrize("indicator, source, tolerance", OVERLAPS)
def test_overlapping_sources_agree(tables, processed, sources, indicator, source, tolerance):
    """Where the computed figure (or the first source) and a later source give the same
    municipality and year, they agree to the later source's rounding. Municipalities that
    received a merged one since 2010 are left out (the sources' divisions differ)."""
    cat, classifier, srcs = sources
    entry = next(e for e in cat["indicators"] if e["id"] == indicator)
    spec = next(s for s in _source_specs(entry) if s["source"] == source)
    rows = read_spec(entry, spec, srcs)
    rows = rows[rows["area_type"] == "municipality"]
    mergers = read_table(processed, "mergers")
    receivers = set(mergers.loc[mergers["year"] >= 2010, "new_code"])
    rows = rows[~rows["area_code"].map(classifier.current).isin(receivers)]
    ind = tables["indicators"]
    first = ind[ind["indicator"] == indicator]
    both = rows.merge(first, left_on=["area_code", "year"],
                      right_on=["municipality_code", "year"], suffixes=("_later", ""))
    assert len(both) >= 250
    diff = (both["value_later"] - both["value"]).abs()
    assert diff.max() <= tolerance + 1e-9, both.loc[diff.idxmax()].to_dict()


def test_population_sources_agree_within_revisions(tables, processed, sources):
    """Sotkanet's population (indicator 127) beside StatFin 11ae, 2011-2022: the same figures
    but for later revisions (2014-2015, a few persons) and areal transfers (2022), all within
    10 persons or 0.2 %; 11ae wins (listed first)."""
    cat, classifier, srcs = sources
    entry = next(e for e in cat["indicators"] if e["id"] == "population")
    spec = next(s for s in _source_specs(entry) if s["source"] == "population")
    rows = read_spec(entry, spec, srcs)
    mergers = read_table(processed, "mergers")
    rows = rows[~rows["area_code"].isin(set(mergers.loc[mergers["year"] >= 2010, "new_code"]))
                & (rows["year"] >= 2011)]
    ind = tables["indicators"]
    both = rows.merge(ind[ind["indicator"] == "population"], left_on=["area_code", "year"],
                      right_on=["municipality_code", "year"], suffixes=("_later", ""))
    assert len(both) >= 250 * 12
    diff = (both["value_later"] - both["value"]).abs()
    assert ((diff <= 10) | (diff / both["value"] <= 0.002)).all()
    assert (diff == 0).mean() > 0.95
    assert _source_specs(entry)[0]["source"] == "population_changes"


def test_precedence_fills_only_what_is_missing(tables):
    """The 2017 loan stock per inhabitant comes from the key figures (no euro figure in the
    bundled files for 2017); 2021 is computed from the State Treasury's euros."""
    src = tables["indicator_sources"]
    k = src[(src["indicator"] == "loan_stock_per_capita")]
    by_year = k.groupby("year")["source"].apply(lambda s: sorted(s)).to_dict()
    assert by_year[2017] == ["keyfigures2017_all"]
    assert by_year[2020] == ["keyfigures2022"]
    assert by_year[2021] == ["municipal_accounts_2021", "population_changes"]


# --- data vintage ---------------------------------------------------------------------------

def test_vintage_names_each_source_and_latest_period(tables):
    shown = pd.DataFrame({"indicator": ["population", "employment_rate", "unemployment_rate",
                                        "population"],
                          "year": [2022, 2021, 2023, 2017]})
    assert vintage(shown, tables["indicator_sources"], "fi") == (
        "Tilastokeskus: väestö 2022, työssäkäynti 2021; TEM: työnvälitystilasto 10/2023")
    assert vintage(shown, tables["indicator_sources"], "en") == (
        "Statistics Finland: population 2022, employment 2021; "
        "Ministry of Economic Affairs and Employment: employment service statistics 10/2023")
    assert vintage(shown.iloc[0:0], tables["indicator_sources"], "fi") == ""


def test_report_header_vintage_per_phase(processed):
    """The header names each source and the year it reaches for the figures that report
    shows; a report without statistics names none."""
    from research.report.context import setup
    from research.report.vintage import vintage_text
    config = str(ROOT / "config" / "suupohja.yml")
    vit = setup(config, "vitality", "region", str(processed), str(RAW), "fi")
    assert vintage_text(vit) == (
        "Tilastokeskus: väestö 2021, työssäkäynti 2021, kuntavaalit 2021, kuntatalous 2020, "
        "kuntien avainluvut 2020; TEM: työnvälitystilasto 12/2021; Valtiokonttori: "
        "kuntatalous 2021; Yle: kuntavaalit (vaali-illan tulos) 2017")
    base = setup(config, "baseline", "232", str(processed), str(RAW), "en")
    assert vintage_text(base).startswith(  # its population section reaches 31.12.2024
        "Statistics Finland: population 2024, employment 2017, municipal finances 2017")
    assert "THL: Sotkanet 2012" in vintage_text(base)
    assert vintage_text(setup(config, "reflection", "w1-232", str(processed), str(RAW))) == ""


def test_comparison_groups_use_the_configs_classification_year(processed):
    """Isokyrö (152) was in Pohjanmaa (15) in the 2017 classification and is in
    Etelä-Pohjanmaa (14) since 2021: a 2017 baseline compares Kauhajoki with the region as it
    was in 2017."""
    from research.report.context import setup
    from research.report import statsreport
    R = setup(str(ROOT / "config" / "suupohja.yml"), "baseline", "232", str(processed),
              str(RAW), "fi")
    assert R.year == 2017
    assert R.classification.loc["152", "region_code"] == "15"
    assert R.municipalities.loc["152", "region_code"] == "14"
    S = statsreport.build(R)
    row = S.profile.set_index("indicator").loc["employment_rate"]
    region = R.classification.index[R.classification["region_code"] == "14"]
    assert int(row["region_n"]) == len(region) and "152" not in region
