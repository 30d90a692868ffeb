"""The one chart style of every report figure: theme, resolution, colours, sizes, layout, alt text.

Every chart module draws with these values, so that a change of style is made here once.

- `subplots(...)` is `matplotlib.pyplot.subplots` at the report's logical resolution (`DPI`,
  96: one point of the figure is one CSS point at display size) inside the report theme (set
  for each figure, so a figure never depends on what a kernel drew before);
- `layout(fig, left=, right=, top=, bottom=)`: fixed margins in inches instead of
  `tight_layout` (which measured every text of a figure once more, about 4 s per report);
  `legend_outside(fig, ax, ...)` the same with room for the axes' legend, measured, so that
  a long label in any language is never clipped; `label_width(labels)` the measured width
  of tick labels, `figure_title(fig, text)` a title wrapped to the figure's width;
- `describe(fig, title, sentence, language)`: the figure's alt text, its title and one computed
  sentence, and its tick labels in the language's number style (`localise_ticks`);
  `html(fig)` the figure as an HTML `<figure>` with an SVG image (text kept as text: sharp at
  any zoom and in print, and about half the drawing time of a 2x PNG) and that alt text;
- colours: the Okabe–Ito palette (colour-blind safe). `HIGHLIGHT` is the report's own unit,
  `SUBREGION`, `REGION`, `COUNTRY`, `PROGRAMME` and `PEER` the units it is compared with,
  `PALETTE` the other lines of a chart with many units, `likert_colours(n)` a diverging scale
  whose neutral middle is a visible grey;
- sizes: `WIDTH` (a single chart) and `WIDE` (small multiples), in inches; no text is smaller
  than `FONT_SMALL` (9 pt) at display size.

Matplotlib and seaborn are imported only when a figure is drawn.
"""

from __future__ import annotations

DPI = 96
THEME = {"style": "whitegrid", "context": "notebook"}

OKABE_ITO = {"orange": "#e69f00", "sky": "#56b4e9", "green": "#009e73", "yellow": "#f0e442",
             "blue": "#0072b2", "vermillion": "#d55e00", "purple": "#cc79a7", "black": "#000000"}
HIGHLIGHT = OKABE_ITO["vermillion"]
SUBREGION = OKABE_ITO["blue"]
REGION = OKABE_ITO["green"]
PROGRAMME = OKABE_ITO["sky"]
PEER = "0.72"
COUNTRY = "0.15"
PALETTE = [OKABE_ITO[c] for c in ("orange", "purple", "sky", "green", "black")]
SHADE = "#f5e6c8"
LIKERT_LOW, LIKERT_HIGH = "#b35806", "#542788"
NEUTRAL = "0.62"
GREY_LIGHT = "0.75"
GREY = "0.6"
GREY_DARK = "0.4"
REFERENCE = "0.3"

WIDTH = 8
WIDE = 9
FONT = 10
FONT_TITLE = 11
FONT_SMALL = 9

RC = {"font.size": FONT, "axes.titlesize": FONT_TITLE, "axes.labelsize": FONT,
      "xtick.labelsize": FONT_SMALL, "ytick.labelsize": FONT_SMALL,
      "legend.fontsize": FONT_SMALL, "figure.titlesize": FONT_TITLE,
      "svg.hashsalt": "research", "figure.dpi": DPI, "axes.titley": 1.0}


def apply_theme() -> None:
    """Set the report theme (seaborn white grid, notebook context, the report's font sizes)."""
    import seaborn as sns

    sns.set_theme(**THEME, rc=RC)


def subplots(*args, figsize: tuple[float, float], **kwargs):
    """`matplotlib.pyplot.subplots` at the report resolution, in the report theme; returns
    `(fig, axes)`."""
    import matplotlib.pyplot as plt

    apply_theme()
    return plt.subplots(*args, figsize=figsize, dpi=DPI, **kwargs)


def layout(fig, left: float = 0.8, right: float = 0.25, top: float = 0.45,
           bottom: float = 0.6, wspace: float | None = None, hspace: float | None = None):
    """Fixed margins in inches (left, right, top, bottom) instead of `tight_layout`."""
    w, h = fig.get_size_inches()
    fig.subplots_adjust(left=min(left / w, 0.6), right=1 - right / w, top=1 - top / h,
                        bottom=min(bottom / h, 0.6), wspace=wspace, hspace=hspace)
    return fig


#: the widest legend right of the axes, in inches; a wider one is wrapped, then put below
LEGEND_RIGHT_MAX = 2.6
#: characters per line of a wrapped legend label
LEGEND_WRAP = 24


def _size(fig, artist) -> tuple[float, float]:
    """(width, height) in inches of an artist as drawn (its texts measured once)."""
    box = artist.get_window_extent(fig.canvas.get_renderer())
    return box.width / fig.dpi, box.height / fig.dpi


def legend_outside(fig, ax, left: float = 0.75, top: float = 0.4, bottom: float = 0.6):
    """The axes' legend outside the data with fixed margins that fit it in any language:
    right of the axes, its labels wrapped when the widest is longer than `LEGEND_RIGHT_MAX`,
    or below the axes (two columns, or one) when even the wrapped one is too wide. The legend
    is measured, not estimated from character counts; returns the figure."""
    import textwrap

    handles, names = ax.get_legend_handles_labels()
    width_in = fig.get_size_inches()[0]
    for wrap in (None, LEGEND_WRAP):
        labels = names if wrap is None else [textwrap.fill(n, wrap) for n in names]
        legend = ax.legend(handles, labels, frameon=False, loc="upper left",
                           bbox_to_anchor=(1.01, 1.0))
        width = _size(fig, legend)[0]
        if width <= LEGEND_RIGHT_MAX:
            # the legend starts 1 % of the axes' width right of them
            right = (width + 0.15 + 0.01 * (width_in - left)) / 1.01
            return layout(fig, left=left, right=right, top=top, bottom=bottom)
    legend.remove()
    for ncol in (2, 1):
        legend = fig.legend(handles, names, frameon=False, loc="lower center", ncol=ncol,
                            bbox_to_anchor=(0.5, 0.02))
        width, height = _size(fig, legend)
        if width <= width_in - 0.2 or ncol == 1:
            break
        legend.remove()
    return layout(fig, left=left, right=0.25, top=top, bottom=bottom + height + 0.1)


def text_width(text: str, size: float = FONT_SMALL) -> float:
    """The width in inches of the longest line of `text` at `size` points in the report
    font, as Agg draws it (measured, not estimated from its characters)."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

    renderer = RendererAgg(10, 10, 72)                 # 72 dpi: pixels are points
    prop = FontProperties(size=size)
    return max((renderer.get_text_width_height_descent(line, prop, ismath=False)[0]
                for line in str(text).split("\n") if line), default=0.0) / 72


def figure_title(fig, text: str, size: float = FONT_TITLE) -> float:
    """The figure's title at its top, centred on the whole figure and wrapped to its width
    (measured); returns the height in inches it takes, for the top margin."""
    import textwrap

    width, height = fig.get_size_inches()
    lines = text
    for chars in range(len(text), 19, -3):
        lines = textwrap.fill(text, chars)
        if text_width(lines, size) <= width - 0.3:
            break
    fig.suptitle(lines, fontsize=size, y=1 - 0.1 / height, va="top")
    return 0.1 + (lines.count("\n") + 1) * size * 1.3 / 72


def label_width(labels, size: float = FONT_SMALL) -> float:
    """The width in inches that the longest (multi-line) label needs at `size` points,
    with the tick's own room (0.15 in)."""
    return max((text_width(s, size) for s in labels), default=0.0) + 0.15


def likert_colours(n: int) -> list[str]:
    """A diverging, colour-blind-safe scale of `n` answers (orange to purple, PuOr); an odd
    scale's middle answer is a visible grey, not the palette's near-white."""
    import seaborn as sns

    colours = sns.blend_palette([LIKERT_LOW, "#f1a340", "#f7f7f7", "#998ec3", LIKERT_HIGH],
                                n_colors=n).as_hex()
    if n % 2:
        colours[n // 2] = "#9e9e9e"
    return colours


def localise_ticks(fig, language: str):
    """Every numeric axis of the figure (matplotlib's default formatter) in the report's
    number style (`research.core.numbers.format_tick`: decimal comma, U+2212 minus, no-break
    space in thousands in fi and sv); category and fixed tick labels are left as they are."""
    from matplotlib.ticker import Formatter, ScalarFormatter

    from research.core import numbers

    class ReportTicks(Formatter):
        decimals, grouped = 0, None

        def set_locs(self, locs):
            super().set_locs(locs)
            self.decimals = numbers.tick_decimals(locs)
            self.grouped = numbers.tick_grouping(locs)

        def __call__(self, x, pos=None):
            return numbers.format_tick(x, language, self.decimals, self.grouped)

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if type(axis.get_major_formatter()) is ScalarFormatter:
                axis.set_major_formatter(ReportTicks())
    return fig


def describe(fig, title: str, sentence: str, language: str):
    """The finished figure: its tick labels in the report language's number style
    (`localise_ticks`) and the alt text (title and one computed sentence) that `html`
    writes."""
    localise_ticks(fig, language)
    title = title.strip().rstrip(".")
    fig.research_alt = f"{title}. {sentence.strip()}"
    return fig


def alt_text(fig) -> str:
    """The figure's alt text (see `describe`); a chart without one is a defect."""
    alt = getattr(fig, "research_alt", None)
    if not alt:
        raise ValueError("a report figure needs an alt text (research.report.style.describe)")
    return alt


def svg(fig) -> bytes:
    """The figure as SVG with its text as text; deterministic (fixed id salt, no date)."""
    import io

    import matplotlib

    _pin_empty_labels(fig)
    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": RC["svg.hashsalt"]}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def _pin_empty_labels(fig) -> None:
    """Give axes without an axis label a fixed label position: matplotlib otherwise measures
    every tick label of the axis to place a label that shows nothing (about a tenth of the
    drawing time; the pixels stay the same)."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if not axis.label.get_text():
                axis.set_label_coords(0, 0)


def html(fig) -> str:
    """The figure as `<figure><img alt=... width=... height=...></figure>`: an SVG shown at
    its logical size, so that 9 pt in the figure is 9 pt on the page."""
    import base64
    import html as html_

    data = base64.b64encode(svg(fig)).decode("ascii")
    w, h = (round(v * DPI) for v in fig.get_size_inches())
    return (f'<figure class="report-figure"><img src="data:image/svg+xml;base64,{data}" '
            f'alt="{html_.escape(alt_text(fig), quote=True)}" width="{w}" height="{h}">'
            "</figure>")
