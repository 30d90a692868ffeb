"""Readers for survey-tool exports: CSV (any separator; UTF-8 with or without BOM, or
cp1252) and Excel `.xlsx`, with question codes or question texts as column headers.

`read_export` maps every column to a question of the instrument and returns tidy tables:

- `responses`: respondent x wave x item, `value` the answer as given (1..5); a "don't know"
  answer is a row with `value` NaN, an empty answer is no row. Reverse coding is applied
  by the analyses (`research.stats.scales`), so this table keeps what respondents answered;
- `comments`: respondent x wave x open question, non-empty answers only;
- `respondents`: respondent x wave with municipality, role and organisation type.

The `respondent` column still holds the raw identifier here; `research.prepare.steps` replaces it
by a keyed pseudonym (`research.core.pseudonym`) before anything is written.

Every problem is a `UserError` naming the file, the file's own line (header = line 1; for
Excel the sheet row) and the column: an answer outside the range, an unknown municipality
or role, a respondent twice in one wave, a column the instrument expects but the file lacks,
and a column the file has but the instrument does not know.
"""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from research.core.errors import UserError, shown
from research.core.schema import Int, Key, ListOf, Map, Text, validate
from research.core.tables import provenance
from research.prepare import validate as checks
from research.core.instrument import (Background, Instrument, Item, load_instrument, normalise_header,
                         read_yaml)

SEPARATORS = ";,\t|"


@dataclass
class RawExport:
    """An export's cells as text: `headers`, and `rows` as (line number, cells)."""

    path: Path
    headers: list[str]
    rows: list[tuple[int, list[str]]]


def _separator(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=SEPARATORS).delimiter
    except csv.Error:
        first = text.splitlines()[0] if text else ""
        return max(SEPARATORS, key=first.count)


def read_csv_export(path: str | Path) -> RawExport:
    """A CSV export as text cells, with the line where each record starts."""
    path = Path(path)
    text, _ = checks.decode(path)
    records = checks.records(text, _separator(text), path)
    if not records:
        raise UserError("the file is empty; expected a header line with question codes or "
                        "texts", file=path)
    headers = [h.strip() for h in records[0][1]]
    rows = [(line, cells) for line, cells in records[1:] if any(c.strip() for c in cells)]
    checks.check_width(rows, len(headers), path)
    return RawExport(path, headers, rows)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx_export(path: str | Path) -> RawExport:
    """The first sheet of an Excel export as text cells, with sheet row numbers."""
    import openpyxl

    path = Path(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise UserError(f"cannot read the Excel file ({type(exc).__name__})", file=path) from None
    sheet = book.worksheets[0]
    headers: list[str] | None = None
    rows = []
    for number, record in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = [_cell_text(v) for v in record]
        if headers is None:
            if any(c.strip() for c in cells):
                headers = [c.strip() for c in cells]
            continue
        if any(c.strip() for c in cells):
            rows.append((number, cells))
    book.close()
    if headers is None:
        raise UserError("the sheet is empty; expected a header row with question codes or "
                        "texts", file=path)
    while headers and not headers[-1]:
        headers.pop()
    for number, cells in rows:
        extra = next((i for i, c in enumerate(cells) if i >= len(headers) and c.strip()), None)
        if extra is not None:
            raise UserError(f"the row has a value in column {extra + 1}, which has no header "
                            f"(the header has {len(headers)} columns); expected every value "
                            "under a header", file=path, row=number)
    return RawExport(path, headers, rows)


def read_raw_export(path: str | Path) -> RawExport:
    """Read a CSV or .xlsx export (by its extension)."""
    path = Path(path)
    if not path.exists():
        raise UserError("survey export not found", file=path)
    if path.suffix.lower() == ".xlsx":
        return read_xlsx_export(path)
    if path.suffix.lower() in (".csv", ".txt", ".tsv"):
        return read_csv_export(path)
    raise UserError("unknown file type; expected .csv or .xlsx", file=path)


def map_columns(export: RawExport, instrument: Instrument) -> dict[str, int]:
    """{question code: column index}; every column known, every required question present."""
    owner = {}
    for q in instrument.questions:
        for key in q.header_keys():
            owner[key] = q.code
    ignored = {normalise_header(h) for h in instrument.ignore}
    found: dict[str, int] = {}
    for index, header in enumerate(export.headers):
        key = normalise_header(header)
        if not key or key in ignored:
            continue
        code = owner.get(key)
        if code is None:
            raise UserError("the instrument has no question with this code or text; add it to "
                            "the instrument (or to its 'ignore' list)", file=export.path, row=1,
                            column=header)
        if code in found:
            raise UserError(f"question '{code}' appears twice (also column "
                            f"'{export.headers[found[code]]}')", file=export.path, row=1,
                            column=header)
        found[code] = index
    optional = {b.code for b in instrument.background if not b.required}
    for q in instrument.questions:
        if q.code not in found and q.code not in optional:
            raise UserError(f"the instrument expects this question but the file lacks it "
                            f"(header: the code or the text '{q.fi}')", file=export.path,
                            row=1, column=q.code)
    return found


def _expected_answer(item: Item) -> str:
    dont_know = ", ".join(f"'{d}'" for d in item.dont_know)
    words = f" or a don't-know code ({dont_know})" if dont_know else ""
    return f"a whole number {item.low}-{item.high}{words}"


def _background_code(question: Background, answer: str, classifier, where: dict) -> str:
    if question.kind == "municipality":
        code = classifier.lookup(answer) if classifier is not None else None
        if code is None:
            table = classifier.table if classifier is not None else None
            names = sorted(set(table["name_fi"])) if table is not None else []
            near = difflib.get_close_matches(answer.strip(), names, n=1)
            hint = f"; did you mean '{near[0]}'?" if near else ""
            if answer.strip().isdigit() and table is not None:
                hint = checks.suggest_codes(answer, dict(zip(table["municipality_code"],
                                                               table["name_fi"])))
            raise UserError(f"unknown municipality '{shown(answer)}'; expected a municipality "
                            f"name or code of the classification{hint}", **where)
        return code
    code = question.option_code(answer)
    if code is None:
        options = ", ".join(f"'{w['fi']}'" for w in question.options.values())
        raise UserError(f"unknown answer '{shown(answer)}'; expected one of {options}", **where)
    return code


def read_export(path: str | Path, instrument: Instrument, wave: str,
                classifier=None) -> dict[str, pd.DataFrame]:
    """Read one export of one wave; return `responses`, `comments` and `respondents`.

    `classifier` (`research.geo.classification.Classifier`) resolves municipality names and
    codes; the `respondent` columns hold the raw identifiers (pseudonymise before writing).
    """
    export = read_raw_export(path)
    columns = map_columns(export, instrument)
    header = {code: export.headers[i] for code, i in columns.items()}
    responses, comments, respondents = [], [], []
    seen: dict[str, int] = {}
    id_code = instrument.respondent.code
    for line, cells in export.rows:
        cells = cells + [""] * (len(export.headers) - len(cells))

        def cell(code: str) -> str:
            return cells[columns[code]].strip() if code in columns else ""

        def where(code: str) -> dict:
            return {"file": export.path, "row": line, "column": header.get(code, code)}

        ident = cell(id_code)
        if not ident:
            raise UserError("the respondent identifier is blank; expected an identifier in "
                            "every row (the kit does not invent one)", **where(id_code))
        key = ident.casefold()
        if key in seen:
            raise UserError(f"respondent appears twice in wave '{wave}' (first on row "
                            f"{seen[key]})", **where(id_code))
        seen[key] = line
        person = {"respondent": ident, "wave": wave}
        for question in instrument.background:
            answer = cell(question.code)
            if not answer:
                if question.required:
                    raise UserError("answer is missing; this background question is required",
                                    **where(question.code))
                person[question.code] = None
                continue
            person[question.code] = _background_code(question, answer, classifier,
                                                     where(question.code))
        respondents.append(person)
        for item in instrument.items:
            value = item.parse(cell(item.code))
            if value is None:
                continue
            if isinstance(value, str):
                raise UserError(f"answer '{shown(cell(item.code))}' is not valid; expected "
                                f"{_expected_answer(item)}", **where(item.code))
            responses.append({"respondent": ident, "municipality_code": person["municipality"],
                              "wave": wave, "role": person["role"], "item": item.code,
                              "value": value})
        for question in instrument.open_questions:
            text = cell(question.code)
            if text:
                comments.append({"respondent": ident, "municipality_code": person["municipality"],
                                 "wave": wave, "question": question.code, "text": text})
    return {
        "responses": pd.DataFrame(responses, columns=["respondent", "municipality_code", "wave",
                                                      "role", "item", "value"]),
        "comments": pd.DataFrame(comments, columns=["respondent", "municipality_code", "wave",
                                                    "question", "text"]),
        "respondents": pd.DataFrame(respondents).rename(
            columns={"municipality": "municipality_code"}),
    }


MANIFEST = "survey.yml"
SURVEY_DIR = "survey"
TABLE_COLUMNS = {"responses": ["respondent", "municipality_code", "wave", "role", "item", "value"],
                 "comments": ["respondent", "municipality_code", "wave", "question", "text"],
                 "respondents": ["respondent", "wave", "municipality_code", "role",
                                 "organisation"]}


def resolve_instrument(manifest: Path, raw: Path, name: str) -> Path:
    """An instrument path from a manifest: relative to the manifest's folder, the project
    root (the parent of `data/`), or the working directory, whichever exists first."""
    candidates = [manifest.parent / name, raw.parent.parent / name, Path(name)]
    for path in candidates:
        if path.exists():
            return path
    raise UserError(f"survey instrument '{name}' not found (looked beside the manifest, in "
                    "the project root and in the working directory)", file=manifest,
                    column="instrument")


#: `survey.yml`; other keys (`synthetic`, `seed` of the demo data) are kept as given
MANIFEST_SCHEMA = Map({
    "instrument": Key(Text(), "templates/region/survey_instrument.yml"),
    "exports": ListOf(Map({"file": Text(), "wave": Text(), "year": Key(Int(), None)}),
                      non_empty=True, empty_message="list at least one export {file, wave}"),
}, extra=True)


def read_manifest(path: Path) -> dict:
    """`survey.yml`: `instrument` and `exports` (a list of `{file, wave}`)."""
    data = validate(MANIFEST_SCHEMA, read_yaml(path), path)
    return {"instrument": data["instrument"],
            "synthetic": data.get("synthetic") is True,
            "exports": [{"file": e["file"], "wave": e["wave"]} for e in data["exports"]]}


def empty_tables() -> dict[str, pd.DataFrame]:
    return {name: pd.DataFrame(columns=cols) for name, cols in TABLE_COLUMNS.items()}


def read_survey_folder(raw: str | Path, classifier, key: bytes) -> dict[str, pd.DataFrame]:
    """Every export listed in `raw/survey/survey.yml`, pseudonymised, as tidy tables.

    Without a survey folder or manifest the tables are empty (a programme without a survey).
    A respondent who appears in two exports of the same wave is an error too.
    """
    from research.core.pseudonym import pseudonymise

    raw = Path(raw)
    folder = raw / SURVEY_DIR
    manifest = folder / MANIFEST
    if not manifest.exists():
        exports = sorted(p.name for p in folder.glob("*") if p.suffix.lower() in (".csv", ".xlsx"))
        if exports:
            raise UserError(f"survey exports found ({', '.join(exports)}) but no {MANIFEST} "
                            "listing their waves and instrument", file=manifest)
        return empty_tables()
    spec = read_manifest(manifest)
    instrument = load_instrument(resolve_instrument(manifest, raw, spec["instrument"]))
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLE_COLUMNS}
    first_file: dict[tuple[str, str], str] = {}
    for entry in spec["exports"]:
        path = folder / entry["file"]
        tables = read_export(path, instrument, entry["wave"], classifier)
        for ident in tables["respondents"]["respondent"]:
            where = (entry["wave"], ident.casefold())
            if where in first_file:
                raise UserError(f"respondent appears twice in wave '{entry['wave']}' (also in "
                                f"{first_file[where]})", file=path,
                                column=instrument.respondent.code)
            first_file[where] = entry["file"]
        for name, df in tables.items():
            parts[name].append(df)
    out = {}
    for name, cols in TABLE_COLUMNS.items():
        df = pd.concat(parts[name], ignore_index=True).reindex(columns=cols)
        df["respondent"] = pseudonymise(df["respondent"], key)
        out[name] = df
    return out


def step_survey(ctx) -> dict[str, pd.DataFrame]:
    """Prepare step: survey exports -> pseudonymised `responses`, `comments`, `respondents`."""
    from research.core.pseudonym import key_path, load_key

    tables = read_survey_folder(ctx.raw, ctx.classifier, load_key(key_path(ctx.raw)))
    ctx.log.append(f"survey: {tables['respondents'].shape[0]} respondent-waves, "
                   f"{tables['responses'].shape[0]} answers, {tables['comments'].shape[0]} "
                   "open answers")
    manifest = Path(ctx.raw) / SURVEY_DIR / MANIFEST
    if manifest.exists():
        tables["provenance"] = provenance("survey", read_manifest(manifest)["synthetic"])
    return tables
