"""The vitality workbook and CSVs for officials, on the bundled config and prepared data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).parents[3]


@pytest.fixture(scope="module")
def written(tmp_path_factory, processed):
    import os

    from research.report import vitality
    out = tmp_path_factory.mktemp("exports")
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        first = vitality.write_exports("config/suupohja.yml", out / "a", processed=processed)
        again = vitality.write_exports("config/suupohja.yml", out / "b", processed=processed)
    finally:
        os.chdir(cwd)
    return first, again


def test_files_and_byte_identical_rerun(written):
    first, again = written
    assert [p.name for p in first] == ["vitality_index.csv", "vitality_index.xlsx",
                                       "vitality_index_excel.csv",
                                       "vitality_index_coverage.csv"]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]


def test_sheets_headers_formats_frozen_header_and_filter(written):
    from openpyxl import load_workbook
    wb = load_workbook(written[0][1])
    assert wb.sheetnames == ["Lue minut", "Indeksi", "Indeksi vuosittain", "Indikaattorit"]
    ws = wb["Indeksi"]
    header = [c.value for c in ws[1]]
    assert header == ["Taso", "Koodi", "Alue", "Vuosi", "Väestö", "Elinvoima", "Kuntatalous",
                      "Hyvinvointi", "Kestävä kehitys", "Indeksi (0–100)", "Kattavuus", "Sija",
                      "Alueita tasolla", "Sija (arvontojen mediaani)",
                      "Sija, 90\u00a0%:n vaihteluvälin alaraja",
                      "Sija, 90\u00a0%:n vaihteluvälin yläraja"]
    assert [ws.cell(2, j).number_format for j in (4, 5, 10, 11, 12)] == [
        "0", "0.0", "0.0", "0 %", "0"]
    assert (ws.freeze_panes, ws.auto_filter.ref) == ("A2", ws.dimensions)
    assert ws.dimensions.startswith("A1:P")
    assert wb["Lue minut"].freeze_panes is None and not wb["Lue minut"].auto_filter.ref
    ind = wb["Indikaattorit"]
    assert [c.value for c in ind[1]] == ["Taso", "Koodi", "Alue", "Vuosi", "Teema",
                                         "Indikaattori", "Yksikkö", "Suunta", "Arvo",
                                         "Pisteet (0–100)", "Arvo täydennetty"]
    assert (ind.freeze_panes, ind.auto_filter.ref) == ("A2", ind.dimensions)
    assert ind.cell(2, 9).number_format == "#,##0.00"
    assert wb.properties.created.year == 2000 and wb.properties.modified.year == 2000


def test_indicator_values_and_scores_beside_the_index(written, processed):
    from openpyxl import load_workbook
    from research.report import vitality
    from research.report.context import setup
    wb = load_workbook(written[0][1])
    rows = list(wb["Indikaattorit"].iter_rows(min_row=2, values_only=True))
    first = rows[0]
    # the first row: Kauhajoki (the programme's first municipality), its first year, the
    # framework's first indicator, value and score as computed by the index
    R = setup(str(ROOT / "config" / "suupohja.yml"), "vitality", "region", str(processed),
              str(ROOT / "data" / "raw"))
    V = vitality.build(R)
    s = V.indicator_scores
    want = s[(s["level"] == "municipality") & (s["code"] == "232")
             & (s["indicator"] == V.framework.indicators["id"].iloc[0])].sort_values("year")
    assert first[:4] == ("Kunta", "232", "Kauhajoki", int(want["year"].iloc[0]))
    assert first[7] == "suurempi on parempi"
    assert first[8] == pytest.approx(float(want["value"].iloc[0]))
    assert first[9] == pytest.approx(float(want["score"].iloc[0]))
    assert {r[2] for r in rows} == {"Kauhajoki", "Teuva", "Isojoki", "Karijoki", "Suupohja",
                                    "Etelä-Pohjanmaa", "Manner-Suomi"}


def test_read_me_sheet(written):
    from openpyxl import load_workbook
    ws = load_workbook(written[0][1])["Lue minut"]
    rows = {a: b for a, b in ws.iter_rows(min_row=2, values_only=True)}
    assert list(rows) == ["Ohjelma", "Lähteet", "Vuodet", "Mitä 0–100 tarkoittaa", "Suunnat",
                          "Kattavuus", "Versio", "Tiedostot"]
    assert rows["Vuodet"].startswith("Indeksi vuosille 2001–2021; vertailun perusvuosi 2017 ja "
                                      "loppuvuosi 2021.")
    assert "min–max-skaalaus (0–100)" in rows["Mitä 0–100 tarkoittaa"]
    assert "100 on paras ja 0 heikoin" in rows["Mitä 0–100 tarkoittaa"]
    assert rows["Suunnat"].startswith("Väkiluvun muutos edellisestä vuodesta: suurempi on "
                                      "parempi; ")
    assert rows["Versio"] == "research 0.1.0, kehikko vitality_index.yml"
    assert rows["Lähteet"].startswith("Tilastokeskus, kuntaluokitukset 2017–2026 (CC BY 4.0); "
                                      "Tilastokeskus, StatFin (CC BY 4.0)")


def test_csv_for_finnish_excel_and_the_machine_readable_one(written):
    machine, xlsx, excel, _ = written[0]
    raw = excel.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfTaso;Koodi;Alue;Vuosi;")
    assert b"\r\n" in raw
    fi = pd.read_csv(excel, sep=";", decimal=",", encoding="utf-8-sig", dtype={"Koodi": str})
    ids = pd.read_csv(machine, dtype={"code": str})
    assert len(fi) == len(ids)
    row = fi[(fi["Koodi"] == "141") & (fi["Taso"] == "Seutukunta") & (fi["Vuosi"] == 2021)]
    want = ids[(ids["code"] == "141") & (ids["level"] == "subregion") & (ids["year"] == 2021)]
    assert row["Indeksi (0–100)"].iloc[0] == pytest.approx(want["index"].iloc[0], abs=0.005)
    assert fi["Indeksi (0–100)"].dtype == float                       # decimal comma read back
    line = raw.decode("utf-8-sig").split("\r\n")[1]
    assert line.startswith("Kunta;005;Alajärvi;2001;") and "," in line.split(";")[4]
