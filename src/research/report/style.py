"""The one chart style of every report figure: theme, resolution, colours, sizes, layout, alt text.

Every chart module draws with these values, so that a change of style is made here once.

- `subplots(...)` is `matplotlib.pyplot.subplots` at the report's logical resolution (`DPI`,
  96: one point of the figure is one CSS point at display size) inside the report theme (set
  for each figure, so a figure never depends on what a kernel drew before);
- `layout(fig, left=, right=, top=, bottom=)`: fixed margins in inches instead of
  `tight_layout` (which measured every text of a figure once more, about 4 s per report);
- `describe(fig, title, sentence)`: the figure's alt text, its title and one computed sentence;
  `html(fig)` the figure as an HTML `<figure>` with a 2x PNG (`SAVE_DPI`) and that alt text;
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
SAVE_DPI = 192
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


def label_width(labels, size: float = FONT_SMALL) -> float:
    """The width in inches that the longest (multi-line) label needs at `size` points."""
    longest = max((len(line) for s in labels for line in str(s).split("\n")), default=0)
    return 0.56 * size / 72 * longest + 0.15


def likert_colours(n: int) -> list[str]:
    """A diverging, colour-blind-safe scale of `n` answers (orange to purple, PuOr); an odd
    scale's middle answer is a visible grey, not the palette's near-white."""
    import seaborn as sns

    colours = sns.blend_palette([LIKERT_LOW, "#f1a340", "#f7f7f7", "#998ec3", LIKERT_HIGH],
                                n_colors=n).as_hex()
    if n % 2:
        colours[n // 2] = "#9e9e9e"
    return colours


def describe(fig, title: str, sentence: str):
    """Attach the alt text (title and one computed sentence) that `html` writes."""
    title = title.strip().rstrip(".")
    fig.research_alt = f"{title}. {sentence.strip()}"
    return fig


def alt_text(fig) -> str:
    """The figure's alt text (see `describe`); a chart without one is a defect."""
    alt = getattr(fig, "research_alt", None)
    if not alt:
        raise ValueError("a report figure needs an alt text (research.report.style.describe)")
    return alt


def png(fig) -> bytes:
    """The figure as a 2x PNG reduced to 256 colours (a third of the bytes of a full-colour
    PNG); deterministic: drawn to raw pixels, no software stamp."""
    import io

    from PIL import Image

    _pin_empty_labels(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="raw", dpi=SAVE_DPI)
    raw = buf.getvalue()
    w = int(fig.get_figwidth() * SAVE_DPI)      # Agg truncates the size to whole pixels
    img = Image.frombuffer("RGBA", (w, len(raw) // (4 * w)), raw, "raw", "RGBA", 0, 1)
    img = img.convert("RGB")
    out = io.BytesIO()
    img.quantize(colors=256, method=Image.Quantize.FASTOCTREE,
                 dither=Image.Dither.NONE).save(out, format="png")
    return out.getvalue()


def _pin_empty_labels(fig) -> None:
    """Give axes without an axis label a fixed label position: matplotlib otherwise measures
    every tick label of the axis to place a label that shows nothing (about a tenth of the
    drawing time; the pixels stay the same)."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if not axis.label.get_text():
                axis.set_label_coords(0, 0)


def html(fig) -> str:
    """The figure as `<figure><img alt=... width=... height=...></figure>`: a 2x PNG shown at
    its logical size, so that 9 pt in the figure is 9 pt on the page."""
    import base64
    import html as html_

    data = base64.b64encode(png(fig)).decode("ascii")
    w, h = (round(v * DPI) for v in fig.get_size_inches())
    return (f'<figure class="report-figure"><img src="data:image/png;base64,{data}" '
            f'alt="{html_.escape(alt_text(fig), quote=True)}" width="{w}" height="{h}">'
            "</figure>")
