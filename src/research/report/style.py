"""The one chart style of every report figure: theme, resolution, colours and sizes.

Every chart module draws with these values, so that a change of style (resolution, palette,
highlight colour) is made here once. The values are today's: the figures are byte-identical to
the ones drawn before this module existed.

- `apply_theme()` sets the seaborn theme (white grid, notebook context);
- `subplots(...)` is `matplotlib.pyplot.subplots` at the report resolution (`DPI`);
- colours: `HIGHLIGHT` is the report's own unit, `SUBREGION`, `REGION`, `COUNTRY`,
  `PROGRAMME` and `PEER` the units it is compared with, `PALETTE` the other lines of a chart
  with many units, `SHADE` a highlighted period, the greys for secondary marks;
- sizes: `WIDTH` (a single chart) and `WIDE` (small multiples), in inches, and the font sizes.

Matplotlib and seaborn are imported only when a figure is drawn.
"""

from __future__ import annotations

DPI = 90
THEME = {"style": "whitegrid", "context": "notebook"}

HIGHLIGHT = "#d62728"
SUBREGION = "#1f77b4"
REGION = "#2ca02c"
PROGRAMME = "#6baed6"
PEER = "0.7"
COUNTRY = "0.15"
PALETTE = ["#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]
SHADE = "#fde0dd"
DIVERGING = "RdBu"
GREY_LIGHT = "0.75"
GREY = "0.6"
GREY_DARK = "0.4"
REFERENCE = "0.3"

WIDTH = 8
WIDE = 9
FONT_TITLE = 9
FONT_SMALL = 8


def apply_theme() -> None:
    """Set the report theme (seaborn white grid, notebook context) for the figures that follow."""
    import seaborn as sns

    sns.set_theme(**THEME)


def subplots(*args, figsize: tuple[float, float], **kwargs):
    """`matplotlib.pyplot.subplots` at the report resolution; returns `(fig, axes)`."""
    import matplotlib.pyplot as plt

    return plt.subplots(*args, figsize=figsize, dpi=DPI, **kwargs)
