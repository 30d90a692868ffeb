"""Damaged inputs and faults: `research prepare` (the real command, in a subprocess) stops with
one exact message, exit code 2, no traceback, and leaves `data/processed` byte for byte as
it was. One test per failure class; the raw folder is a small project written here."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from research.core.tables import table_path
import pytest

from conftest import ROOT, RAW

pytestmark = pytest.mark.xdist_group("damaged_inputs")

BIN = Path(sys.executable).parent / "research"
INSTRUMENT = ROOT / "tests" / "fixtures" / "survey" / "instrument.yml"
KEY = "damaged-inputs-test-key-0123456789abcdef"

CATALOGUE = """\
sources:
  population: {file: population.csv, area: municipality_code, year: year,
               expect: {areas: 4, years: [2020, 2022]}}
  keyfigures: {file: keyfigures.csv, area: Nimi, year: 2021, expect: {areas: 4}}
indicators:
  - {id: population, name: {fi: Väkiluku, en: Population}, unit: {fi: asukasta, en: inhabitants},
     theme: population, direction: 1, kind: count, range: [0, null], source: population,
     column: value}
  - {id: employment_rate, name: {fi: Työllisyysaste, en: Employment rate}, unit: {fi: "%", en: "%"},
     theme: vitality, direction: 1, kind: rate, range: [0, 100], scale: 100,
     source: keyfigures, column: "Työllisyysaste %"}
"""
POPULATION = {"232": [13800, 13610, 13400], "846": [5400, 5269, 5200],
              "151": [2100, 2032, 2000], "218": [1400, 1350, 1300]}
KEYFIGURES = ("Nimi;Väkiluku 2021;Työllisyysaste %\nKauhajoki;13610;70,1\nTeuva;5269;68,6\n"
              "Isojoki;2032;66,0\nKarijoki;1350;71,2\n")
SURVEY_HEADER = "respondent;municipality;role;dyn1;dyn2;com1;com2;open1\n"
MUNICIPALITIES = ["Kauhajoki", "232", "Teuva", "846", "Isojoki", "Karijoki"]


def population_csv() -> str:
    lines = ["municipality_code,year,value"]
    for code, values in POPULATION.items():
        lines += [f"{code},{year},{v}" for year, v in zip((2020, 2021, 2022), values)]
    return "\n".join(lines) + "\n"


def survey_csv(n: int = 12) -> str:
    rows = [f"r{i:02d}@example.fi;{MUNICIPALITIES[i % 6]};Viranhaltija;{1 + i % 5};{1 + (i + 2) % 5};"
            f"{1 + (i + 1) % 5};{i % 11};Avoin vastaus {i}\n" for i in range(n)]
    return SURVEY_HEADER + "".join(rows)


def write_raw(root: Path) -> Path:
    raw = root / "data" / "raw"
    shutil.copytree(RAW / "classification", raw / "classification")
    (raw / "statfin").mkdir(parents=True)
    shutil.copy(RAW / "statfin" / "area_names.yml", raw / "statfin")
    (raw / "statfin" / "indicator_catalogue.yml").write_text(CATALOGUE, encoding="utf-8")
    (raw / "statfin" / "population.csv").write_text(population_csv(), encoding="utf-8")
    (raw / "statfin" / "keyfigures.csv").write_text(KEYFIGURES, encoding="utf-8")
    (raw / "survey").mkdir()
    (raw / "survey" / "survey.yml").write_text(
        f"instrument: {INSTRUMENT}\nexports:\n  - {{file: export.csv, wave: baseline}}\n",
        encoding="utf-8")
    (raw / "survey" / "export.csv").write_text(survey_csv(), encoding="utf-8")
    return raw


def research(*args: str, env: dict | None = None, cmd: list[str] | None = None
             ) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "RESEARCH_PSEUDONYM_KEY": KEY, "COLUMNS": "200", **(env or {})}
    return subprocess.run([*(cmd or [str(BIN)]), *args], capture_output=True, text=True,
                          env=full_env, timeout=600)


def prepare(raw: Path, processed: Path, *extra: str, **kw) -> subprocess.CompletedProcess:
    return research("prepare", "--raw", str(raw), "--processed", str(processed), *extra, **kw)


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every file (bytes) and folder (None) under `folder`."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> tuple[Path, Path]:
    """A good raw folder and its prepared tables (made once by the real command)."""
    root = tmp_path_factory.mktemp("base")
    raw = write_raw(root)
    processed = root / "data" / "processed"
    result = prepare(raw, processed)
    assert result.returncode == 0, result.stderr
    return raw, processed


@pytest.fixture()
def project(tmp_path, base) -> tuple[Path, Path]:
    raw, processed = base
    shutil.copytree(raw, tmp_path / "raw")
    shutil.copytree(processed, tmp_path / "processed")
    return tmp_path / "raw", tmp_path / "processed"


def refused(raw: Path, processed: Path, message: str, *extra: str, **kw) -> None:
    """prepare fails with exactly `message` (RAW stands for the raw folder), exit code 2,
    no traceback, printable characters only, and `processed` unchanged."""
    before = tree(processed)
    result = prepare(raw, processed, *extra, **kw)
    assert result.returncode == 2, result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    assert all(ch.isprintable() for ch in result.stderr.rstrip("\n")), repr(result.stderr)
    assert result.stderr.replace(str(raw), "RAW") == f"error: {message}\n"
    assert tree(processed) == before


# --- truncated files ------------------------------------------------------------------------


def test_statistics_file_cut_in_the_last_field(project):
    raw, processed = project
    path = raw / "statfin" / "population.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:text.index("151,2021,2032") + len("151,2021,20")], encoding="utf-8")
    refused(raw, processed, "RAW/statfin/population.csv: the file has 3 areas, expected 4 "
            "(declared for source 'population' in the indicator catalogue); the file ends "
            "without a line break, so it looks cut off after row 9")


def test_statistics_file_cut_in_the_middle_of_a_row(project):
    raw, processed = project
    path = raw / "statfin" / "keyfigures.csv"
    path.write_text(KEYFIGURES[:KEYFIGURES.index("Isojoki;2032") + len("Isojoki;20")],
                    encoding="utf-8")
    refused(raw, processed, "RAW/statfin/keyfigures.csv, row 4: the row has 2 fields, fewer "
            "than the 3 of the table's header; expected one field per column (a separator or "
            "a quote inside a cell, or a cut-off row?)")


def test_statistics_file_cut_at_a_line_break(project):
    raw, processed = project
    path = raw / "statfin" / "population.csv"
    path.write_text("\n".join(population_csv().splitlines()[:11]) + "\n", encoding="utf-8")
    refused(raw, processed, "RAW/statfin/population.csv: area '218' has no row "
            "for 2021, expected every area in every one of the years 2020-2022 (declared for "
            "source 'population' in the indicator catalogue)")


def test_survey_export_cut_in_the_middle_of_a_row(project):
    raw, processed = project
    path = raw / "survey" / "export.csv"
    text = survey_csv()
    path.write_text(text[:text.index("r11@example.fi") + len("r11@example.fi;Karij")],
                    encoding="utf-8")
    refused(raw, processed, "RAW/survey/export.csv, row 13: the row has 2 fields, fewer than "
            "the 8 of the header; expected one field per column (a separator or a quote inside "
            "a cell, or a cut-off row?)")


# --- unbalanced quotes and ragged rows ----------------------------------------------------


def test_stray_quote_in_a_survey_export(project):
    raw, processed = project
    text = survey_csv().replace("Avoin vastaus 4", '"Avoin vastaus 4')
    (raw / "survey" / "export.csv").write_text(text, encoding="utf-8")
    refused(raw, processed, 'RAW/survey/export.csv, row 6: a quote (") opened on this row is '
            "never closed, so the rest of the file would be read as one cell; expected quotes "
            "in pairs around a cell")


def test_survey_row_with_too_many_fields(project):
    raw, processed = project
    text = survey_csv().replace("Avoin vastaus 3", "Avoin; vastaus 3")
    (raw / "survey" / "export.csv").write_text(text, encoding="utf-8")
    refused(raw, processed, "RAW/survey/export.csv, row 5: the row has 9 fields, more than the "
            "8 of the header; expected one field per column (a separator or a quote inside a "
            "cell, or a cut-off row?)")


def test_statistics_row_with_too_few_fields_inside_the_table(project):
    raw, processed = project
    text = KEYFIGURES.replace("Teuva;5269;68,6", "Teuva;5269")
    (raw / "statfin" / "keyfigures.csv").write_text(text, encoding="utf-8")
    refused(raw, processed, "RAW/statfin/keyfigures.csv, row 3: the row has 2 fields, fewer "
            "than the 3 of the table's header; expected one field per column (a separator or "
            "a quote inside a cell, or a cut-off row?)")


def test_table_rows_after_the_end_of_the_table(project):
    raw, processed = project
    text = KEYFIGURES.replace("Isojoki;", "\nIsojoki;")
    (raw / "statfin" / "keyfigures.csv").write_text(text, encoding="utf-8")
    refused(raw, processed, "RAW/statfin/keyfigures.csv, row 5: a row of the table's 3 fields "
            "after the end of the table (a blank line); expected the table in one block, "
            "footnotes below it")


# --- numbers that are not what they look like ---------------------------------------------


def test_thousands_comma_is_not_read_as_a_decimal(project):
    raw, processed = project
    text = population_csv().replace("232,2021,13610", '232,2021,"13,610"')
    text = text.replace("846,2021,5269", '846,2021,"5,269"')
    (raw / "statfin" / "population.csv").write_text(text, encoding="utf-8")
    refused(raw, processed, "RAW/statfin/population.csv, row 3, column 'value': cannot tell "
            "whether the comma in '13,610' separates thousands or decimals (no other number of "
            "the column shows its style); expected 13610 (no thousands separator) or 13.610 "
            "(a decimal point)")


def test_negative_count(project):
    raw, processed = project
    text = population_csv().replace("151,2022,2000", "151,2022,-2000")
    (raw / "statfin" / "population.csv").write_text(text, encoding="utf-8")
    refused(raw, processed, "RAW/statfin/population.csv, row 10, column 'value': -2000 is "
            "outside the plausible range of indicator 'population' (its range in the indicator "
            "catalogue); expected a value at least 0")


def test_rate_above_100_percent(project):
    raw, processed = project
    text = KEYFIGURES.replace("68,6", "168,6")
    (raw / "statfin" / "keyfigures.csv").write_text(text, encoding="utf-8")
    refused(raw, processed, "RAW/statfin/keyfigures.csv, row 3, column 'Työllisyysaste %': "
            "168.6 is outside the plausible range of indicator 'employment_rate' (its range in "
            "the indicator catalogue); expected a value from 0 to 100")


def test_blank_respondent_id_is_refused_not_invented(project):
    raw, processed = project
    text = survey_csv().replace("r07@example.fi", "")
    (raw / "survey" / "export.csv").write_text(text, encoding="utf-8")
    refused(raw, processed, "RAW/survey/export.csv, row 9, column 'respondent': the respondent "
            "identifier is blank; expected an identifier in every row (the kit does not invent "
            "one)")


def test_answer_outside_the_instrument_range(project):
    raw, processed = project
    text = survey_csv().replace("r02@example.fi;Teuva;Viranhaltija;3;", "r02@example.fi;Teuva;"
                                "Viranhaltija;9;")
    (raw / "survey" / "export.csv").write_text(text, encoding="utf-8")
    refused(raw, processed, "RAW/survey/export.csv, row 4, column 'dyn1': answer '9' is not "
            "valid; expected a whole number 1-5 or a don't-know code ('EOS', 'En osaa sanoa')")


# --- messages ---------------------------------------------------------------------------------


def test_utf16_export_is_read_like_utf8(project, base):
    raw, processed = project
    (raw / "survey" / "export.csv").write_bytes(survey_csv().encode("utf-16"))
    before = tree(processed)
    result = prepare(raw, processed)
    assert result.returncode == 0, result.stderr
    assert tree(processed) == before      # the same tables: the same generation, untouched


def test_binary_file_is_named_not_dumped(project):
    raw, processed = project
    (raw / "statfin" / "keyfigures.csv").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    refused(raw, processed, "RAW/statfin/keyfigures.csv: cannot read the file: it is a PDF "
            "document, not text; expected a text export (CSV in UTF-8, UTF-16 or cp1252)")


def test_control_characters_are_escaped(project):
    raw, processed = project
    text = KEYFIGURES.replace("Teuva;", "\x1b[31mTeuva\x07;")
    (raw / "statfin" / "keyfigures.csv").write_text(text, encoding="utf-8")
    refused(raw, processed, "RAW/statfin/keyfigures.csv, row 3, column 'Nimi': unknown area "
            "name '\\x1b[31mTeuva\\x07' (expected a municipality code or name, or a sub-region, "
            "region or whole-country label)")


def test_misspelled_municipality_code_gets_a_suggestion(project):
    raw, processed = project
    text = survey_csv().replace("r01@example.fi;232;", "r01@example.fi;2322;")
    (raw / "survey" / "export.csv").write_text(text, encoding="utf-8")
    refused(raw, processed, "RAW/survey/export.csv, row 3, column 'municipality': unknown "
            "municipality '2322'; expected a municipality name or code of the classification; "
            "did you mean '232' (Kauhajoki) or '322' (Kemiönsaari)?")


# --- comparison with the previous prepare ---------------------------------------------------


def test_table_shrinking_more_than_allowed(project):
    raw, processed = project
    (raw / "survey" / "export.csv").write_text(survey_csv(6), encoding="utf-8")
    refused(raw, processed, "table 'comments' would shrink from 12 to 6 rows (50 % fewer, more "
            "than the 25 % allowed); if the raw data really lost rows, rerun with --max-shrink "
            "0.50")
    result = prepare(raw, processed, "--max-shrink", "0.5")
    assert result.returncode == 0, result.stderr
    assert len(pd.read_csv(table_path(processed, "respondents"))) == 6


# --- faults while writing -------------------------------------------------------------------

DISK_FULL = """
import errno, pandas as pd
_to_csv = pd.DataFrame.to_csv
def to_csv(self, path=None, *a, **k):
    if str(path).endswith("respondents.csv"):
        open(path, "w").write("respondent,wa")
        raise OSError(errno.ENOSPC, "No space left on device", str(path))
    return _to_csv(self, path, *a, **k)
pd.DataFrame.to_csv = to_csv
from research.cli import main
main()
"""


def test_disk_full_is_one_line_and_leaves_nothing(project):
    raw, processed = project
    (raw / "survey" / "export.csv").write_text(survey_csv(11), encoding="utf-8")
    refused(raw, processed, f"{processed}: cannot write the processed tables: the disk is full; "
            "nothing was changed (free space or fix the folder and run `research prepare` "
            "again)", cmd=[sys.executable, "-c", DISK_FULL])


def test_disk_full_on_a_real_small_file_system(project, tmp_path):
    raw, processed = project
    mount = tmp_path / "small"
    mount.mkdir()
    size = sum(len(b) for b in tree(processed).values() if b) * 3 // 2
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        shutil.copytree(processed, mount / "processed")
        (raw / "survey" / "export.csv").write_text(survey_csv(11), encoding="utf-8")
        refused(raw, mount / "processed", f"{mount / 'processed'}: cannot write the processed "
                "tables: the disk is full; nothing was changed (free space or fix the folder "
                "and run `research prepare` again)")
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_killed_prepare_leaves_all_old_tables_then_all_new(project):
    """A real `prepare` killed by SIGKILL while it writes: the pointer still names the old,
    whole generation; the next prepare removes the leftovers and switches to the new one."""
    raw, processed = project
    old = json.loads((processed / "digest.json").read_text())
    (raw / "survey" / "export.csv").write_text(survey_csv(11), encoding="utf-8")
    (raw / "statfin" / "keyfigures.csv").write_text(KEYFIGURES.replace("70,1", "70,2"),
                                                    encoding="utf-8")
    proc = subprocess.Popen([str(BIN), "prepare", "--raw", str(raw), "--processed",
                             str(processed)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "RESEARCH_PSEUDONYM_KEY": KEY,
                                 "RESEARCH_PREPARE_PAUSE": "1"})
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:   # wait until some new tables are written, not all
        staged = [p for d in processed.glob(".staging-*") for p in d.glob("*.csv")]
        if len(staged) >= 3:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert len(staged) >= 3 and list(processed.glob(".staging-*"))   # killed mid-write
    assert json.loads((processed / "digest.json").read_text()) == old
    _assert_whole_generation(processed, old)

    result = prepare(raw, processed)
    assert result.returncode == 0, result.stderr
    new = json.loads((processed / "digest.json").read_text())
    assert new["generation"] != old["generation"] and new["previous"] == old["generation"]
    _assert_whole_generation(processed, new)
    assert not list(processed.glob(".staging-*")) and not list(processed.glob(".*.tmp"))
    assert len(pd.read_csv(processed / new["generation"] / "respondents.csv")) == 11


def _assert_whole_generation(processed: Path, pointer: dict) -> None:
    from research.core.hashes import sha256_file as _sha256
    from research.core.tables import read_digest, table_path
    assert read_digest(processed) == pointer["tables"]
    for name, sha in pointer["tables"].items():
        assert _sha256(table_path(processed, name)) == sha, name



def test_misspelled_code_in_the_config_gets_a_suggestion(tmp_path):
    import yaml
    cfg = yaml.safe_load((ROOT / "config" / "suupohja.yml").read_text(encoding="utf-8"))
    cfg["municipalities"][0] = "2322"
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    result = research("run", "--config", str(path), "--raw", str(RAW), "--processed",
                      str(tmp_path / "none"), "--reports", str(tmp_path / "reports"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr == (f"error: {path}: key 'municipalities[0]': expected a 3-digit "
                             "municipality code in quotes (e.g. '005'), got '2322'; did you "
                             "mean '232' (Kauhajoki)?\n")
    assert not (tmp_path / "reports").exists()


def test_stray_quote_in_the_rubric_scores(project):
    raw, processed = project
    (raw / "evaluation").mkdir()
    shutil.copy(RAW / "evaluation" / "rubric.yml", raw / "evaluation")
    text = (RAW / "evaluation" / "scores.csv").read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    lines[5] = lines[5].replace(",synthetic", ',"synthetic')
    (raw / "evaluation" / "scores.csv").write_text("".join(lines), encoding="utf-8")
    refused(raw, processed, 'RAW/evaluation/scores.csv, row 6: a quote (") opened on this row '
            "is never closed, so the rest of the file would be read as one cell; expected "
            "quotes in pairs around a cell")


def test_two_prepares_do_not_write_into_one_folder_at_once(project):
    import fcntl
    raw, processed = project
    fd = os.open(processed, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)      # as a prepare that is still writing holds it
        refused(raw, processed, f"{processed}: another `research prepare` is writing into this "
                "folder; wait for it to finish, then run again")
    finally:
        os.close(fd)


def test_text_after_a_closing_quote(project):
    raw, processed = project
    text = survey_csv().replace(";Avoin vastaus 2", ';"Avoin" vastaus 2')
    (raw / "survey" / "export.csv").write_text(text, encoding="utf-8")
    refused(raw, processed, 'RAW/survey/export.csv, row 4: text after the closing quote (") of a '
            'cell; expected a cell either wholly in quotes (with "" for a quote inside it) or '
            "without quotes")


@pytest.mark.parametrize("name, source, areas", [
    ("sotkanet_vaesto_kunnat_2000_2022.csv", "population", 309),
    ("tk_municipal_key_figures_2018_en.tsv", "keyfigures2018", 490)])
def test_bundled_statistics_cut_at_a_line_break_are_refused(tmp_path, name, source, areas):
    """The bundled files declare what they hold: cut at a line break (no partial row), the
    lost areas are found, also when another source of the same file is read first."""
    from research.core.errors import UserError
    from research.geo.classification import Classifier
    from research.prepare.catalogue import build
    raw = tmp_path / "raw"
    for folder in ("statfin", "classification"):
        shutil.copytree(RAW / folder, raw / folder)
    path = raw / "statfin" / name
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:300]), encoding="utf-8")
    with pytest.raises(UserError) as exc:
        build(raw, Classifier.from_raw(raw, 2026))
    found = 299 if source == "keyfigures2018" else 13   # 299 rows of 13 municipalities x 23 years
    assert str(exc.value) == (f"{path}: the file has {found} areas, expected {areas} (declared "
                              f"for source '{source}' in the indicator catalogue)")
