"""HTML reports from executed notebooks, with the kit's nbconvert template.

The template (`templates/report/`) extends nbconvert's lab template: no code cells, no
prompts, no parameters cells, no MathJax/require.js/mermaid scripts (the reports must work
offline), plus a title block, a table of contents gathered from the level-2 headings that
`research.report.show.heading` writes, and a footer with the data sources and the manifest entry.
"""

from __future__ import annotations

import re
from pathlib import Path

HEADING = re.compile(r'<h2 id="([^"]+)">(.*?)</h2>', re.S)
HIDDEN_TAGS = ("parameters", "injected-parameters", "remove")


def table_of_contents(nb) -> list[tuple[str, str]]:
    """(anchor, text) of every level-2 heading in the notebook's HTML outputs, in order."""
    import html

    toc = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/html", "")
            if isinstance(text, list):
                text = "".join(text)
            toc.extend((a, html.unescape(t)) for a, t in HEADING.findall(text))
    return toc


def render_html(nb, meta: dict, template_dir: str | Path) -> str:
    """The report HTML of an executed notebook; `meta` fills the title block and footer."""
    import copy

    from nbconvert import HTMLExporter
    from traitlets.config import Config

    nb = copy.deepcopy(nb)
    nb.metadata["report"] = dict(meta, toc=table_of_contents(nb))
    nb.metadata["title"] = meta.get("title", "")
    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = set(HIDDEN_TAGS)
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.HTMLExporter.exclude_markdown = True
    c.HTMLExporter.exclude_raw = True
    # <html lang="...">: nbconvert writes its own `language_code` trait over the resources'
    c.HTMLExporter.language_code = meta.get("language", "fi")
    exporter = HTMLExporter(config=c, template_name="report",
                            extra_template_basedirs=[str(Path(template_dir).resolve())])
    body, _ = exporter.from_notebook_node(nb)
    return body
