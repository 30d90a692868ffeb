"""`reports/index.html`: a matrix of municipalities x phases and workshops, with links to
both renderings of every report, what each rendering is for and whom, the data vintage of
each phase and the synthetic-data notice; self-contained (no scripts, inline CSS)."""

from __future__ import annotations

import html

from research.core import labels
from research.core import units as unit_grammar
from research.core.atomic import write_text
from research.run.manifest import RunContext
from research.run.matrix import PHASES, municipality_names

VITALITY_XLSX = "vitality/vitality_index.xlsx"
E = html.escape
STYLE = """body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;
color:#222}h1{color:#1f4e79}h2{border-bottom:1px solid #ccc}table{border-collapse:collapse;
margin:.5rem 0 1rem}th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;
vertical-align:top}thead th{background:#f4f7fb}.banner{background:#fdecea;border:2px solid
#b3261e;color:#5f1410;padding:.6rem .9rem;border-radius:4px}.failed{color:#b3261e}
@page{size:A4 landscape;margin:12mm}@media print{body{max-width:none;margin:0;font-size:9pt}}"""


def _columns(ctx: RunContext) -> list[tuple[str, str, str]]:
    """(phase, workshop id or '', heading) of the matrix columns, in report order."""
    L = labels.labeller(ctx.language)
    cols = [("baseline", "", L("phase.baseline"))]
    for w in ctx.config.phases["reflection"]["workshops"]:
        title = w.get(f"title_{ctx.language}") or w["id"]
        cols.append(("reflection", w["id"], L("report.index_workshop", title=title)))
    cols += [("evaluation", "", L("phase.evaluation")), ("vitality", "", L("phase.vitality"))]
    return cols


def _unit(phase: str, workshop: str, row: str | None) -> str:
    """The unit text of a matrix cell; `row` is a municipality code or None (programme)."""
    if phase == "reflection":
        return str(unit_grammar.workshop(workshop, row))
    return row if row else unit_grammar.REGION


def _cell(entry: dict | None, L) -> str:
    if entry is None:
        return "–"
    if not entry.get("html"):
        return f'<span class="failed">{E(L("report.status_failed"))}</span>'
    links = [f'<a href="{E(entry["html"])}">{E(L("report.link_municipal"))}</a>']
    if entry.get("html_research"):
        links.append(f'<a href="{E(entry["html_research"])}">{E(L("report.link_research"))}</a>')
    if entry.get("pdf"):
        links.append(f'<a href="{E(entry["pdf"])}">PDF</a>')
    return " · ".join(links)


def matrix_table(ctx: RunContext, entries: dict) -> str:
    """The municipalities x reports table: one row per municipality plus the programme."""
    L = labels.labeller(ctx.language)
    names = municipality_names(ctx.config, ctx.raw, ctx.language)
    cols = _columns(ctx)
    head = "".join(f"<th scope='col'>{E(h)}</th>" for _, _, h in cols)
    rows = []
    for row in [*ctx.config.municipalities, None]:
        label = names.get(row, row) if row else L("report.whole_programme")
        cells = "".join(f"<td>{_cell(entries.get(f'{p}/{_unit(p, w, row)}'), L)}</td>"
                        for p, w, _ in cols)
        rows.append(f"<tr><th scope='row'>{E(label)}</th>{cells}</tr>")
    return (f"<table class='matrix'><thead><tr><th>{E(L('label.municipality'))}</th>{head}"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def types_table(L) -> str:
    """What each rendering is for and whom."""
    rows = "".join(f"<tr><th scope='row'>{E(L(f'report.audience_{k}'))}</th>"
                   f"<td>{E(L(f'report.index_purpose_{k}'))}</td>"
                   f"<td>{E(L(f'report.index_readers_{k}'))}</td></tr>"
                   for k in ("municipal", "research"))
    return (f"<table><thead><tr><th>{E(L('report.index_type'))}</th>"
            f"<th>{E(L('report.index_purpose'))}</th><th>{E(L('report.index_readers'))}</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>")


def vintage_list(entries: dict, L) -> str:
    """The data vintage of each phase (from its reports' title blocks)."""
    items = []
    for phase in PHASES:
        dates = [e.get("data_date") for e in entries.values()
                 if e["phase"] == phase and e.get("data_date")]
        if dates:
            items.append(f"<li><strong>{E(L('phase.' + phase))}:</strong> {E(dates[0])}</li>")
    return f"<ul>{''.join(items)}</ul>" if items else ""


def write_index(ctx: RunContext, entries: dict) -> None:
    """Write `reports/index.html` for the manifest entries `entries`."""
    L = labels.labeller(ctx.language)
    programme = ctx.config.programme_name(ctx.language)
    banner = ""
    if any(e.get("synthetic") for e in entries.values()):
        banner = (f'<p class="banner" role="note"><strong>{E(L("report.synthetic_banner"))}'
                  f'</strong> {E(L("report.synthetic_notice"))}</p>')
    exports = ""
    if (ctx.reports / VITALITY_XLSX).exists():
        exports = (f'<p>{E(L("report.exports"))}: <a href="{VITALITY_XLSX}">Excel</a> · '
                   '<a href="vitality/vitality_index.csv">CSV</a></p>')
    title = f"{L('report.index_title')}: {programme}"
    page = f"""<!DOCTYPE html>
<html lang="{ctx.language}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{E(title)}</title>
<style>{STYLE}</style>
</head><body>
{banner}
<h1>{E(title)}</h1>
<p>{E(L('report.index_intro', programme=programme))}</p>
<h2>{E(L('report.index_types'))}</h2>
{types_table(L)}
<h2>{E(L('report.index_matrix'))}</h2>
{matrix_table(ctx, entries)}
{exports}
<h2>{E(L('report.data_date'))}</h2>
{vintage_list(entries, L)}
</body></html>
"""
    write_text(ctx.reports / "index.html", page)
