"""The one chart style: resolution, text size, palette, fixed layouts and computed alt texts."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from matplotlib.ticker import MaxNLocator

matplotlib.use("agg")

from research.report import population, style  # noqa: E402
from research.report.vitality_charts import percentiles  # noqa: E402

from conftest import figure_overflow  # noqa: E402

ROOT = Path(__file__).parents[3]


def population_frame() -> pd.DataFrame:
    """Kauhajoki, the sub-region and two peers, 2010 = 100; in 2012 the unit is at 96.0, the
    sub-region at 97.5 and the peers at 88.0 and 92.0 (median 90.0)."""
    rows = []
    for year, unit, sub, p1, p2 in ((2010, 100, 100, 100, 100), (2011, 98, 99, 94, 96),
                                    (2012, 96, 97.5, 88, 92)):
        rows += [(year, "unit", "232", 0, unit), (year, "subregion", "141", 0, sub),
                 (year, "peer", "005", 0, p1), (year, "peer", "010", 0, p2)]
    df = pd.DataFrame(rows, columns=["year", "series", "code", "population", "index"])
    return df.assign(index=df["index"].astype(float), base_year=2010)


@pytest.fixture
def report(make_report, processed):
    return make_report("232", "en", processed=processed)


def test_alt_text_is_the_title_and_the_computed_extremes(report):
    fig = population.index_chart(population_frame(), report)
    assert style.alt_text(fig) == ("Population relative to 2010 (= 100). In 2012 the highest "
                                   "value is Suupohja (97.5) and the lowest Peer median (90.0).")


def test_finnish_alt_text_uses_the_finnish_label(make_report, processed):
    fig = population.index_chart(population_frame(), make_report("232", "fi",
                                                                 processed=processed))
    assert style.alt_text(fig) == ("Väkiluku suhteessa vuoteen 2010 (= 100). Vuonna 2012 korkein "
                                   "arvo on Suupohja (97,5) ja matalin Vertailukuntien mediaani "
                                   "(90,0).")


def test_figure_html_is_an_svg_with_text_shown_at_its_logical_size_with_alt(report):
    fig = population.index_chart(population_frame(), report)
    html = style.html(fig)
    m = re.fullmatch(r'<figure class="report-figure"><img src="data:image/svg\+xml;base64,([^"]+)" '
                     r'alt="([^"]+)" width="(\d+)" height="(\d+)"></figure>', html)
    assert m is not None
    svg = base64.b64decode(m.group(1)).decode("utf-8")
    assert (int(m.group(3)), int(m.group(4))) == (768, 422)          # 8 x 4.4 in at 96 dpi
    assert 'width="576pt" height="316.8pt" viewBox="0 0 576 316.8"' in svg   # the same, in points
    assert ">Population relative to 2010 (= 100)</text>" in svg      # text stays text
    assert m.group(2).startswith("Population relative to 2010 (= 100). In 2012")
    assert style.html(fig) == html                                   # deterministic


def test_no_text_smaller_than_9_pt_at_display_size(report):
    from matplotlib.text import Text
    fig = population.index_chart(population_frame(), report)
    fig.canvas.draw()
    sizes = {t.get_text(): t.get_fontsize() for t in fig.findobj(Text) if t.get_text()}
    assert min(sizes.values()) >= 9
    assert sizes["Population relative to 2010 (= 100)"] == 11
    assert fig.dpi == 96


def test_legend_is_outside_the_data(report):
    fig = population.index_chart(population_frame(), report)
    fig.canvas.draw()
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent()
    assert legend.x0 >= ax.get_window_extent().x1                    # right of the plot area


def _inside(fig, artist) -> bool:
    box, page = artist.get_window_extent(), fig.bbox
    return (box.x0 >= page.x0 and box.x1 <= page.x1 and box.y0 >= page.y0
            and box.y1 <= page.y1)


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_population_legend_fits_the_figure_in_every_language(make_report, processed, language):
    # Swedish has the longest label: "Ekonomiska regionen totalt (Suupohja)", 37 characters,
    # which a fixed 2.3 in margin clipped; it is wrapped onto two lines instead
    fig = population.index_chart(population_frame(), make_report("232", language,
                                                                 processed=processed))
    fig.canvas.draw()
    ax, legend = fig.axes[0], fig.axes[0].get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    assert _inside(fig, legend), labels
    assert legend.get_window_extent().x0 >= ax.get_window_extent().x1
    if language == "sv":
        assert labels[1] == "Ekonomiska regionen\ntotalt (Suupohja)"
    if language == "en":
        assert labels == ["Peer median", "Sub-region total (Suupohja)", "Kauhajoki"]


def test_a_legend_too_wide_for_the_right_margin_goes_below_the_axes(monkeypatch):
    monkeypatch.setattr(style, "LEGEND_RIGHT_MAX", 0.5)
    fig, ax = style.subplots(figsize=(style.WIDTH, 4))
    ax.plot([0, 1], [0, 1], label="Jämförelsekommunernas median")
    ax.plot([0, 1], [1, 0], label="Ekonomiska regionen totalt (Suupohja)")
    style.legend_outside(fig, ax)
    fig.canvas.draw()
    legend = fig.legends[0]
    assert ax.get_legend() is None and _inside(fig, legend)
    assert legend.get_window_extent().y1 < ax.get_window_extent().y0
    assert [t.get_text() for t in legend.get_texts()] == [
        "Jämförelsekommunernas median", "Ekonomiska regionen totalt (Suupohja)"]


def _ticks(axis) -> list[str]:
    return [t.get_text() for t in axis.get_ticklabels() if t.get_text()]


@pytest.mark.parametrize("language, expected", [
    ("fi", ["\u22121,0", "\u22120,5", "0,0", "0,5", "1,0", "1,5"]),
    ("sv", ["\u22121,0", "\u22120,5", "0,0", "0,5", "1,0", "1,5"]),
    ("en", ["\u22121.0", "\u22120.5", "0.0", "0.5", "1.0", "1.5"])])
def test_tick_labels_in_the_report_number_style(language, expected):
    fig, (ax, bars) = style.subplots(1, 2, figsize=(style.WIDTH, 3))
    ax.plot([2016, 2017, 2018], [-1.0, 0.25, 1.5])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(-1.0, 1.5)
    ax.set_xlim(2016, 2018)
    bars.barh(["Kauhajoki", "Teuva"], [12000, 15000])
    style.describe(fig, "Title", "Sentence.", language)
    fig.canvas.draw()
    assert _ticks(ax.yaxis) == expected
    assert _ticks(ax.xaxis) == ["2016", "2017", "2018"]                 # years, not "2 017"
    assert _ticks(bars.yaxis) == ["Kauhajoki", "Teuva"]                # categories untouched
    bars.set_xlim(0, 15000)
    fig.canvas.draw()
    sep = "," if language == "en" else "\u00a0"
    assert _ticks(bars.xaxis) == ["0", f"2{sep}500", f"5{sep}000", f"7{sep}500", f"10{sep}000",
                                  f"12{sep}500", f"15{sep}000"]   # one axis, one grouping


def test_okabe_ito_palette_and_a_visible_likert_neutral():
    okabe = set(style.OKABE_ITO.values())
    assert {style.HIGHLIGHT, style.SUBREGION, style.REGION, style.PROGRAMME} <= okabe
    assert set(style.PALETTE) <= okabe and style.HIGHLIGHT not in style.PALETTE
    colours = style.likert_colours(5)
    assert colours[2] == "#9e9e9e"

    def luminance(hex_colour: str) -> float:
        c = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    # the neutral against the white background: 2.7:1 (the old RdBu middle was 1.1:1)
    assert round(1.05 / (luminance(colours[2]) + 0.05), 1) == 2.7
    assert len(set(colours)) == 5


def test_rank_percentiles_per_level():
    part = pd.DataFrame({"n_ranked": [292, 292, 67, 19], "rank_median": [1, 292, 34, 10],
                         "rank_p05": [1, 280, 30, 1], "rank_p95": [3, 292, 40, 19]})
    got = percentiles(part)
    assert got["pct_median"].round(6).tolist() == [100.0, 0.0, 50.0, 50.0]
    assert got["pct_p05"].round(4).tolist() == [100.0, round(100 * 12 / 291, 4),
                                                round(100 * 37 / 66, 4), 100.0]


def test_no_chart_module_calls_tight_layout_and_all_draw_with_the_style():
    report = ROOT / "src" / "research" / "report"
    for path in sorted(report.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "tight_layout(" not in text, path.name
        assert "plt.subplots(" not in text or path.name == "style.py", path.name
    charts = [p for p in report.glob("*.py") if "subplots(" in p.read_text(encoding="utf-8")
              and p.name != "style.py"]
    for path in charts:
        text = path.read_text(encoding="utf-8")
        assert text.count("style.subplots(") == text.count("style.describe("), path.name


def test_a_figure_without_alt_text_is_refused():
    fig, _ = style.subplots(figsize=(2, 2))
    with pytest.raises(ValueError, match="needs an alt text"):
        style.html(fig)


def test_swedish_workshop_figures_fit_with_four_workshops(processed):
    """Four workshop names side by side overlapped and ran off the figure: the trend chart
    numbers its ticks and names the workshops in one key below the panels."""
    from research.report import workshop_charts, workshops
    from research.report.context import setup
    from research.stats import workshops as workshop_stats

    R = setup(str(ROOT / "config" / "suupohja.yml"), "reflection", "w4-232", str(processed),
              str(ROOT / "data" / "raw"), "sv")
    W = workshops.setup(R)
    _, summary = workshop_stats.scores(W)
    trend = workshop_charts.trend_chart(summary, W, R.L)
    figures = {"trend": trend, "comparison": workshop_charts.comparison_chart(summary, W, R.L),
               "likert": workshop_charts.likert(W, R.L)}
    assert {k: figure_overflow(f) for k, f in figures.items()} == {k: [0.0] * 4
                                                                   for k in figures}
    assert _ticks(trend.axes[0].xaxis) == ["1", "2", "3", "4"]
    key = [t.get_text() for t in trend.texts if t is not trend._suptitle]
    assert [k.replace("\n", " ") for k in key] == [
        "Workshoppar: 1 Start · 2 Samarbetsmodeller · 3 Försök · 4 Förankring"]
