"""HTML reports from executed notebooks, with the kit's nbconvert template.

One executed notebook gives two renderings (`AUDIENCES`):

- `municipal`: for councils and officials. Cells tagged `researcher` or `methods` are removed
  (nbconvert's TagRemovePreprocessor); the cell tagged `headline` (the computed "Keskeiset
  tulokset" box) is moved to the top.
- `research`: for researchers and consultants. Cells tagged `municipal` (the plain versions
  of tables that the researcher sees in full) are removed; cells tagged `methods` are moved,
  in order, to a "Menetelmät" appendix at the end.

The template (`templates/report/`) extends nbconvert's lab template: no code cells, no
prompts, no parameters cells, no MathJax/require.js/mermaid scripts (the reports must work
offline), plus a title block with the data vintage and the synthetic-data banner, a table of
contents gathered from the level-2 headings that `research.report.show.heading` writes, print
CSS for A4, and a footer with the data sources and the report's manifest entry.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Unicode

HEADING = re.compile(r'<h2 id="([^"]+)">(.*?)</h2>', re.S)
HIDDEN_TAGS = ("parameters", "injected-parameters", "remove")
AUDIENCES = ("municipal", "research")
#: Cell tags each rendering removes.
REMOVED = {"municipal": ("researcher", "methods"), "research": ("municipal",)}
METHODS_ANCHOR = "menetelmat"


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


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _html_cell(markup: str):
    """A code cell showing `markup`; its id comes from its content (not nbformat's random
    one), so that renderings are the same in every run."""
    import hashlib

    import nbformat
    cell = nbformat.v4.new_code_cell("")
    cell["id"] = "html-" + hashlib.sha1(markup.encode("utf-8")).hexdigest()[:8]
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": markup})]
    return cell


class ReportLayoutPreprocessor(Preprocessor):
    """Orders the cells of one rendering: the headline first, the methods in an appendix.

    Runs after the TagRemovePreprocessor, so it sees only the cells this rendering keeps, and
    then gathers the table of contents from what is left.
    """

    audience = Unicode("municipal").tag(config=True)
    methods_title = Unicode("").tag(config=True)

    def preprocess(self, nb, resources):
        import html
        headline = [c for c in nb.cells if "headline" in _tags(c)]
        methods = [c for c in nb.cells if "methods" in _tags(c)]
        rest = [c for c in nb.cells if c not in headline and c not in methods]
        cells = headline + rest
        if methods and self.audience == "research":
            title = html.escape(self.methods_title)
            cells += [_html_cell(f'<section class="report-methods"><h2 id="{METHODS_ANCHOR}">'
                                 f"{title}</h2></section>")] + methods
        nb.cells = cells
        report = dict(nb.metadata.get("report", {}))
        report["toc"] = table_of_contents(nb)
        nb.metadata["report"] = report
        return nb, resources


def render_html(nb, meta: dict, template_dir: str | Path, audience: str = "municipal") -> str:
    """The `audience` rendering of an executed notebook; `meta` fills title block and footer."""
    import copy

    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}, not {audience!r}")
    # the exporter works on a deep copy of its own; only the metadata is changed here
    nb = copy.copy(nb)
    nb["metadata"] = copy.copy(nb["metadata"])
    nb.metadata["report"] = dict(meta, **meta.get(audience, {}), audience=audience)
    nb.metadata["title"] = meta.get("title", "")
    language = meta.get("language", "fi")
    exporter = _exporter(str(Path(template_dir).resolve()), audience, language,
                         meta.get("labels", {}).get("methods", ""))
    body, _ = exporter.from_notebook_node(nb, resources={"language_code": language})
    return body


@functools.lru_cache(maxsize=16)
def _exporter(template_dir: str, audience: str, language: str, methods_title: str):
    """The HTML exporter of one rendering, built once per worker process: loading and
    compiling the templates costs more than rendering a report with them."""
    from traitlets.config import Config

    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = set(HIDDEN_TAGS) | set(REMOVED[audience])
    c.ReportLayoutPreprocessor.audience = audience
    c.ReportLayoutPreprocessor.methods_title = methods_title
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.HTMLExporter.exclude_markdown = True
    c.HTMLExporter.exclude_raw = True
    # <html lang="...">: nbconvert writes its own `language_code` trait over the resources'
    c.HTMLExporter.language_code = language
    # one validation after all preprocessors, not one after each of them
    c.Exporter.optimistic_validation = True
    exporter = _report_exporter()(config=c, template_name="report",
                                  extra_template_basedirs=[template_dir])
    exporter.register_preprocessor(ReportLayoutPreprocessor(config=c), enabled=True)
    return exporter


@functools.cache
def _report_exporter():
    """nbconvert's HTMLExporter without its last step, which parses the whole page again with
    BeautifulSoup to give images without an alt text a placeholder and to make every cell
    focusable: a report's figures carry their own alt text (`research.report.style.html`,
    checked by `research.run.pagecheck`), its cells are not an editor's, and the pass costs
    a fifth of the rendering."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return ReportExporter
