"""Drawing the report's charts with matplotlib, off-screen (Agg for PNG, the SVG backend for the page).

No pyplot: each chart is a standalone Figure, so nothing global is left behind between charts.
Every drawn point carries its source URL, which the SVG turns into a link.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from report.data import Chart, Panel, Series, described, linkable, number_text, period_text

COLOURS = {
    "isw": "#1f5fa8", "ukmod": "#c2410c", "genstaff": "#4b5563",
    "mod_convention": "#c2410c", "isw_convention": "#1f5fa8",
    "genstaff/isw": "#1f5fa8", "genstaff/ukmod": "#c2410c",
}
OTHER_COLOURS = ("#15803d", "#7e22ce", "#b45309", "#0e7490")
# How a qualified figure reads on a bar: "over 700" is drawn as ">700".
QUALIFIER_MARKS = {"over": ">", "under": "<", "approximately": "≈", "up_to": "≤"}
# A daily series has hundreds of points: small markers, still each a link.
DENSE_SERIES = 60
WIDTH_INCHES, PANEL_HEIGHT_INCHES = 10.0, 4.2
PNG_DPI = 110
ID_ATTRIBUTE = re.compile(r'(\s)id="([^"]+)"')
# Internal references only: xlink:href="#id" and url(#id), never a link to a document.
ID_REFERENCE = re.compile(r'(xlink:href="|url\()#([^")]+)')


@contextmanager
def _style(salt: str) -> Iterator[None]:
    """Fonts bundled with matplotlib; SVG ids salted per chart so several SVGs can share one page;
    SVG text kept as text (searchable, and no glyph definitions repeated in every chart)."""
    with mpl.rc_context({
        "font.family": "DejaVu Sans",
        "font.size": 10,
        "svg.fonttype": "none",
        "svg.hashsalt": salt,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }):
        yield


def figure(chart: Chart) -> Figure:
    with _style(chart.spec.slug):
        fig = Figure(figsize=(WIDTH_INCHES, PANEL_HEIGHT_INCHES * len(chart.panels)), layout="constrained")
        FigureCanvasAgg(fig)
        fig.suptitle(chart.spec.title, fontsize=13, fontweight="bold")
        axes = fig.subplots(len(chart.panels), 1, squeeze=False)[:, 0]
        for ax, panel in zip(axes, chart.panels, strict=True):
            _draw_panel(ax, panel)
    return fig


def save_png(chart: Chart, fig: Figure, path: Path) -> Path:
    """The PNG, with the plotted series as JSON in its Description text chunk."""
    description = json.dumps(described(chart), sort_keys=True)
    with _style(chart.spec.slug):
        fig.savefig(path, format="png", dpi=PNG_DPI, metadata={"Description": description})
    return path


def svg_markup(chart: Chart, fig: Figure) -> str:
    """The chart as an <svg> element to inline in HTML (no XML declaration, no DOCTYPE)."""
    buffer = io.BytesIO()
    with _style(chart.spec.slug):
        # No Date: the same data gives the same page.
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue().decode("utf-8")
    return _prefix_ids(text[text.index("<svg"):].strip(), chart.spec.slug)


def _prefix_ids(svg: str, prefix: str) -> str:
    """Give every id of the SVG the chart's prefix, and every reference to one: matplotlib numbers
    ids per figure (figure_1, axes_1, ...), and ids must be unique across the page."""
    svg = ID_ATTRIBUTE.sub(lambda m: f'{m.group(1)}id="{prefix}-{m.group(2)}"', svg)
    return ID_REFERENCE.sub(lambda m: f"{m.group(1)}#{prefix}-{m.group(2)}", svg)


def _draw_panel(ax: Axes, panel: Panel) -> None:
    ax.set_title(panel.spec.title, loc="left", fontsize=11)
    ax.set_ylabel(panel.spec.y_label)
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.grid(axis="y", color="#e5e7eb", linewidth=0.8)
    ax.set_axisbelow(True)
    if panel.is_empty:
        ax.text(0.5, 0.5, "no figures in the warehouse yet", transform=ax.transAxes,
                ha="center", va="center", color="#6b7280")
        ax.set_xticks([])
        ax.set_yticks([])
        return
    if panel.spec.x_axis == "months":
        _draw_monthly_bars(ax, panel)
    else:
        _draw_dated_series(ax, panel)
    ax.legend(loc="upper left", frameon=False)


def _colour(series: Series, index: int) -> str:
    return COLOURS.get(series.key, OTHER_COLOURS[index % len(OTHER_COLOURS)])


def _draw_monthly_bars(ax: Axes, panel: Panel) -> None:
    """One group per month that has a figure; the bars of a group side by side, one per series."""
    months = sorted({p.x for s in panel.series for p in s.drawn})
    slot = {month: i for i, month in enumerate(months)}
    width = 0.8 / len(panel.series)
    few_bars = sum(len(s.drawn) for s in panel.series) <= 24
    for index, series in enumerate(panel.series):
        offset = (index - (len(panel.series) - 1) / 2) * width
        drawn = series.drawn
        bars = ax.bar([slot[p.x] + offset for p in drawn], [p.y for p in drawn], width=width,
                      label=series.label, color=_colour(series, index))
        for patch, point in zip(bars.patches, drawn, strict=True):
            patch.set_url(linkable(point.url))
            patch.set_gid(f"{series.key}-{period_text(point.x, 'month')}")
        if few_bars:
            ax.bar_label(bars, labels=[_value_text(p.y, p.qualifier) for p in drawn], fontsize=8, padding=2)
    ax.set_xticks(range(len(months)), [period_text(m, "month") for m in months],
                  rotation=45 if len(months) > 8 else 0, ha="right" if len(months) > 8 else "center")
    ax.set_xlim(-0.6, len(months) - 0.4)


def _draw_dated_series(ax: Axes, panel: Panel) -> None:
    """A line through each series' points, and each point a marker linking to its source."""
    few_points = sum(len(s.drawn) for s in panel.series) <= 24
    for index, series in enumerate(panel.series):
        drawn = series.drawn
        colour = _colour(series, index)
        x = [p.x for p in drawn]
        y = [p.y for p in drawn]
        if len(drawn) > DENSE_SERIES:
            ax.plot(x, y, color=colour, linewidth=1.4, label=series.label)
            markers = ax.scatter(x, y, s=5, color=colour, edgecolors="none", zorder=3)
        else:
            ax.plot(x, y, color=colour, linewidth=0.8, linestyle=":")
            markers = ax.scatter(x, y, s=44, color=colour, edgecolors="white", zorder=3, label=series.label,
                                 marker="o" if index == 0 else "D")
        markers.set_urls([linkable(p.url) for p in drawn])
        markers.set_gid(f"{series.key}-points")
        if few_points:
            for point in drawn:
                ax.annotate(_value_text(point.y, point.qualifier), (point.x, point.y), textcoords="offset points",
                            xytext=(0, 7), ha="center", fontsize=8, color=colour)
    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.margins(x=0.04, y=0.12)


def _value_text(value: float | None, qualifier: str | None) -> str:
    if value is None:
        return ""
    return QUALIFIER_MARKS.get(qualifier or "", "") + number_text(value)
