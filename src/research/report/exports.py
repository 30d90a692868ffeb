"""The vitality index as files an official can use: an Excel workbook and a CSV for Excel in
the report language, beside the machine-readable CSV of `research.index.export`.

- `workbook_tables(result, R, units)`: the sheets as DataFrames with report-language headers:
  the index of every area and year with its theme scores and rank band, the index by year,
  and the indicator values and scores of the programme's areas;
- `readme(result, R)`: the "Lue minut" sheet (sources, years, what 0–100 means, directions,
  coverage, version, the files);
- `write_workbook(...)`: frozen header, autofilter, number formats and column widths, text that
  a spreadsheet would run as a formula neutralised; byte-identical on a rerun (fixed document
  dates and zip timestamps);
- `write_excel_csv(...)`: `;`-separated, decimal comma, UTF-8 with BOM (Finnish and Swedish
  Excel open it in columns); an English report gets `,` and a decimal point.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path

import pandas as pd

from research.core.atomic import write_with
from research.core.neutralise import neutralise_frame
from research.index.build import IndexResult

FIXED_TIME = datetime.datetime(2000, 1, 1)
EXCEL_CSV = "vitality_index_excel.csv"
MACHINE_CSV = "vitality_index.csv"
#: Excel number formats by column kind (decimal separator follows the reader's Excel).
FORMATS = {"score": "0.0", "share": "0 %", "rank": "0", "value": "#,##0.00", "year": "0"}


def _kinds(R, result: IndexResult) -> dict[str, str]:
    from research.report.vitality import theme_name
    kinds = {R.L("export.col_year"): "year", R.L("export.col_index"): "score",
             R.L("export.col_coverage"): "share", R.L("export.col_score"): "score",
             R.L("export.col_value"): "value"}
    kinds |= {theme_name(result, t, R.language): "score" for t in result.themes}
    kinds |= {R.L(f"export.col_{c}"): "rank" for c in ("rank", "n_ranked", "rank_median",
                                                         "rank_p05", "rank_p95")}
    return kinds


def _level(R, levels: pd.Series) -> list[str]:
    return [R.L(f"export.level_{lv}") for lv in levels]


def index_sheet(result: IndexResult, R) -> pd.DataFrame:
    """Every area and year: level, code, name, year, theme scores, index, coverage, rank band."""
    from research.index.export import index_table
    from research.report.vitality import names, theme_name
    t = index_table(result, names(R.table("municipalities"), R.language))
    out = pd.DataFrame({R.L("export.col_level"): _level(R, t["level"]),
                        R.L("export.col_code"): t["code"], R.L("export.col_name"): t["name"],
                        R.L("export.col_year"): t["year"].astype(int)})
    for th in result.themes:
        out[theme_name(result, th, R.language)] = t[th]
    out[R.L("export.col_index")] = t["index"]
    out[R.L("export.col_coverage")] = t["coverage"]
    for c in ("rank", "n_ranked", "rank_median", "rank_p05", "rank_p95"):
        out[R.L(f"export.col_{c}")] = t[c].astype("Int64") if c in ("rank", "n_ranked") \
            else t[c]
    return out


def by_year_sheet(index: pd.DataFrame, R) -> pd.DataFrame:
    """The index with areas as rows and years as columns (the areas' own follow-up)."""
    keys = [R.L("export.col_level"), R.L("export.col_code"), R.L("export.col_name")]
    wide = index.pivot_table(index=keys, columns=R.L("export.col_year"),
                             values=R.L("export.col_index"), sort=False)
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index()


def indicator_sheet(result: IndexResult, R, units: list[tuple[str, str]]) -> pd.DataFrame:
    """Indicator values and scores of the given areas, every year, framework order."""
    from research.report.vitality import indicator_name, names, theme_name
    s = result.indicator_scores
    keys = pd.MultiIndex.from_frame(s[["level", "code"]])
    s = s[keys.isin(units)]
    fw = result.framework.indicators.set_index("id")
    order = {u: i for i, u in enumerate(units)}
    ind_order = {i: k for k, i in enumerate(fw.index)}
    s = s.assign(_u=[order[(lv, c)] for lv, c in zip(s["level"], s["code"])],
                 _i=s["indicator"].map(ind_order)).sort_values(["_u", "year", "_i"],
                                                               kind="stable")
    nm = names(R.table("municipalities"), R.language)
    return pd.DataFrame({
        R.L("export.col_level"): _level(R, s["level"]),
        R.L("export.col_code"): s["code"].to_numpy(),
        R.L("export.col_name"): [nm.get((lv, c), c) for lv, c in zip(s["level"], s["code"])],
        R.L("export.col_year"): s["year"].astype(int).to_numpy(),
        R.L("export.col_theme"): [theme_name(result, fw.loc[i, "theme"], R.language)
                                  for i in s["indicator"]],
        R.L("export.col_indicator"): [indicator_name(result, i, R.language)
                                      for i in s["indicator"]],
        R.L("export.col_unit"): [fw.loc[i, "unit"] for i in s["indicator"]],
        R.L("export.col_direction"): [R.L("export.up" if fw.loc[i, "direction"] > 0
                                          else "export.down") for i in s["indicator"]],
        R.L("export.col_value"): s["value"].to_numpy(),
        R.L("export.col_score"): s["score"].to_numpy(),
        R.L("export.col_imputed"): [R.L("export.yes" if v else "export.no")
                                    for v in s["imputed"]],
    })


def readme(result: IndexResult, R) -> pd.DataFrame:
    """The "Lue minut" sheet: item and explanation rows."""
    from research import __version__
    from research.report.vintage import vintage_text
    from research.report.vitality import indicator_name
    fw = result.framework
    years = result.scores["year"]
    norm = R.L(f"vitality.norm_{fw.settings['normalisation']}")
    keys = ["source.classification", "source.statfin", "source.sotkanet", "source.tyonvalitys"]
    directions = "; ".join(f"{indicator_name(result, i, R.language)}: "
                           + R.L("export.up" if d > 0 else "export.down")
                           for i, d in zip(fw.indicators["id"], fw.indicators["direction"]))
    rows = [
        (R.L("export.readme_programme"), R.config.programme_name(R.language)),
        (R.L("export.readme_sources"), "; ".join(R.L(k) for k in keys)),
        (R.L("export.readme_years"), R.L("export.readme_years_text", first=int(years.min()),
                                         last=int(years.max()), base=result.base_year,
                                         final=result.final_year,
                                         vintage=vintage_text(R)).strip()),
        (R.L("export.readme_scale"), R.L("export.readme_scale_text", normalisation=norm)),
        (R.L("export.readme_directions"), directions),
        (R.L("export.readme_coverage"), R.L("export.readme_coverage_text")),
        (R.L("export.readme_version"), R.L("export.readme_version_text", version=__version__,
                                           framework=Path(str(fw.path)).name)),
        (R.L("export.readme_files"), R.L("export.readme_files_text", excel_csv=EXCEL_CSV,
                                         machine_csv=MACHINE_CSV)),
    ]
    return pd.DataFrame(rows, columns=[R.L("export.readme_item"), R.L("export.readme_text")])


def workbook_tables(result: IndexResult, R, units: list[tuple[str, str]]
                    ) -> dict[str, pd.DataFrame]:
    """Sheet name -> table, in workbook order, names and headers in the report language."""
    index = index_sheet(result, R)
    return {R.L("export.sheet_readme"): readme(result, R),
            R.L("export.sheet_index"): index,
            R.L("export.sheet_by_year"): by_year_sheet(index, R),
            R.L("export.sheet_indicators"): indicator_sheet(result, R, units)}


def _write_sheet(ws, table: pd.DataFrame, kinds: dict[str, str], readme: bool) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws.append([str(c) for c in table.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in table.itertuples(index=False, name=None):
        ws.append([None if v is pd.NA or (isinstance(v, float) and pd.isna(v)) else
                   (v.item() if hasattr(v, "item") else v) for v in row])
    for j, col in enumerate(table.columns, start=1):
        kind = kinds.get(str(col), "score" if str(col).isdigit() else None)
        letter = get_column_letter(j)
        width = max([len(str(col))] + [len(str(v)) for v in table[col].head(200)]) + 2
        ws.column_dimensions[letter].width = min(width, 90 if readme else 40)
        if kind:
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = FORMATS[kind]
    if readme:
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        return
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


def _deterministic(data: bytes) -> bytes:
    """The same workbook with every zip entry dated `FIXED_TIME`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def write_workbook(tables: dict[str, pd.DataFrame], kinds: dict[str, str], path: str | Path
                   ) -> Path:
    """Write the sheets atomically: frozen header, autofilter, number formats (the read-me
    sheet first, wrapped, without filter); document dates fixed so reruns are identical."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    wb.remove(wb.active)
    for k, (name, table) in enumerate(tables.items()):
        _write_sheet(wb.create_sheet(name[:31]), neutralise_frame(table), kinds, readme=k == 0)
    wb.properties.creator = "research"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        writer = ExcelWriter(wb, archive)
        writer.write_data()
    data = _deterministic(buf.getvalue())
    return write_with(Path(path), lambda p: Path(p).write_bytes(data))


def write_excel_csv(table: pd.DataFrame, path: str | Path, language: str) -> Path:
    """The index sheet as a CSV for Excel in the report language: `;` and decimal comma in
    Finnish and Swedish, `,` and a point in English; UTF-8 with BOM, CRLF line ends."""
    comma = language != "en"
    text = neutralise_frame(table).to_csv(index=False, sep=";" if comma else ",",
                                          decimal="," if comma else ".", float_format="%.2f",
                                          lineterminator="\r\n")
    return write_with(Path(path), lambda p: Path(p).write_bytes(text.encode("utf-8-sig")))


def write_official(result: IndexResult, R, units: list[tuple[str, str]], out_dir: str | Path,
                   stem: str = "vitality_index") -> list[Path]:
    """The workbook (`<stem>.xlsx`) and the Excel CSV (`EXCEL_CSV`) in `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = workbook_tables(result, R, units)
    xlsx = write_workbook(tables, _kinds(R, result), out_dir / f"{stem}.xlsx")
    csv = write_excel_csv(tables[R.L("export.sheet_index")], out_dir / EXCEL_CSV, R.language)
    return [xlsx, csv]
