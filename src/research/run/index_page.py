"""`reports/index.html`: every report by phase, with its status; self-contained."""

from __future__ import annotations

import html

from research.core import labels
from research.core.atomic import write_text
from research.run.manifest import RunContext
from research.run.matrix import PHASES

VITALITY_XLSX = "vitality/vitality_index.xlsx"


def write_index(ctx: RunContext, entries: dict) -> None:
    """Write `reports/index.html` for the manifest entries `entries`."""
    L = labels.labeller(ctx.language)
    rows = []
    for phase in PHASES:
        units = sorted((e for e in entries.values() if e["phase"] == phase),
                       key=lambda e: e["unit"])
        if not units:
            continue
        rows.append(f"<h2>{html.escape(L('phase.' + phase))}</h2><ul>")
        for e in units:
            title = html.escape(e.get("title") or e["unit"])
            if e.get("html"):
                item = f'<a href="{html.escape(e["html"])}">{title}</a>'
            else:
                item = f"{title} — <strong>{html.escape(L('report.status_failed'))}</strong>"
            rows.append(f"<li>{item}</li>")
        if phase == "vitality" and (ctx.reports / VITALITY_XLSX).exists():
            rows.append(f'<li>{html.escape(L("report.exports"))}: '
                        f'<a href="{VITALITY_XLSX}">Excel</a> · '
                        '<a href="vitality/vitality_index.csv">CSV</a></li>')
        rows.append("</ul>")
    programme = ctx.config.programme_name(ctx.language)
    page = f"""<!DOCTYPE html>
<html lang="{ctx.language}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(L('report.index_title'))}: {html.escape(programme)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;
color:#222}}h1{{color:#1f4e79}}h2{{border-bottom:1px solid #ccc}}li{{margin:.2rem 0}}</style>
</head><body>
<h1>{html.escape(L('report.index_title'))}: {html.escape(programme)}</h1>
<p>{html.escape(L('report.index_intro', programme=programme))}</p>
{''.join(rows)}
</body></html>
"""
    write_text(ctx.reports / "index.html", page)
