"""Drawing the report's charts with matplotlib, off-screen (Agg for PNG, the SVG backend for the page).

No pyplot: each chart is a standalone Figure, so nothing global is left behind between charts.
Every drawn point carries its source URL, which the SVG turns into a link.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import DateFormatter, MonthLocator, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from report.data import Chart, Panel, Point, Series, Span, described, linkable, next_period, period_text, rounded_text

COLOURS = {
    "isw": "#1f5fa8", "ukmod": "#c2410c", "genstaff": "#4b5563", "curated": "#15803d",
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


def figure(chart: Chart, span: Span | None = None) -> Figure:
    """The chart, every panel on one time axis running from span's first month to its last (the
    chart's own months when None): a month without a figure is an empty slot on the axis."""
    span = span or chart.span
    with _style(chart.spec.slug):
        fig = Figure(figsize=(WIDTH_INCHES, PANEL_HEIGHT_INCHES * len(chart.panels)), layout="constrained")
        FigureCanvasAgg(fig)
        fig.suptitle(chart.spec.title, fontsize=13, fontweight="bold")
        axes = fig.subplots(len(chart.panels), 1, squeeze=False)[:, 0]
        for ax, panel in zip(axes, chart.panels, strict=True):
            _draw_panel(ax, panel, span)
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


def _draw_panel(ax: Axes, panel: Panel, span: Span | None) -> None:
    ax.set_title(panel.spec.title, loc="left", fontsize=11)
    ax.set_ylabel(panel.spec.y_label)
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.grid(axis="y", color="#e5e7eb", linewidth=0.8)
    ax.set_axisbelow(True)
    if panel.is_empty or span is None:
        ax.text(0.5, 0.5, "no figures in the warehouse yet", transform=ax.transAxes,
                ha="center", va="center", color="#6b7280")
        ax.set_xticks([])
        ax.set_yticks([])
        return
    if panel.spec.x_axis == "months":
        _draw_monthly_bars(ax, panel)
    else:
        _draw_dated_series(ax, panel)
    _month_axis(ax, span)
    ax.legend(loc="upper left", frameon=False)


def _month_axis(ax: Axes, span: Span) -> None:
    """A calendar axis from the first day of span's first month to the last day of its last month:
    a tick at every month, a label every quarter."""
    first, last = span
    ax.set_xlim(date2num(first), date2num(next_period(last, "month")))
    ax.xaxis.set_major_locator(MonthLocator(bymonth=(1, 4, 7, 10)))
    ax.xaxis.set_major_formatter(DateFormatter("%Y-%m"))
    ax.xaxis.set_minor_locator(MonthLocator())
    ax.tick_params(axis="x", which="minor", length=3)


def _colour(series: Series, index: int) -> str:
    return COLOURS.get(series.key, OTHER_COLOURS[index % len(OTHER_COLOURS)])


def _mid_month(month: date) -> float:
    """Where a month's figure stands on the axis: the middle of the month."""
    return (date2num(month) + date2num(next_period(month, "month"))) / 2


def _draw_monthly_bars(ax: Axes, panel: Panel) -> None:
    """For each month with a figure, its bars side by side (one per series) inside the month's slot."""
    slot_days = 28 * 0.85  # the shortest month, less a margin between months
    width = slot_days / len(panel.series)
    few_bars = sum(len(s.drawn) for s in panel.series) <= 24
    for index, series in enumerate(panel.series):
        offset = (index - (len(panel.series) - 1) / 2) * width
        drawn = series.drawn
        bars = ax.bar([_mid_month(p.x) + offset for p in drawn], [p.y for p in drawn], width=width,
                      label=series.label, color=_colour(series, index))
        for patch, point in zip(bars.patches, drawn, strict=True):
            patch.set_url(linkable(point.url))
            patch.set_gid(f"{series.key}-{period_text(point.x, 'month')}")
        if few_bars:
            ax.bar_label(bars, labels=[_value_text(p.y, p.qualifier) for p in drawn], fontsize=8, padding=2)


def _draw_dated_series(ax: Axes, panel: Panel) -> None:
    """Each series' points as markers linking to their sources, and a line joining two points only
    where they are consecutive periods: no line is drawn across a missing month (or day)."""
    period = panel.spec.period
    few_points = sum(len(s.drawn) for s in panel.series) <= 24
    for index, series in enumerate(panel.series):
        drawn = series.drawn
        colour = _colour(series, index)
        x, y = _axis_points(drawn, period)
        xs, ys = _broken_line(drawn, period)
        if len(drawn) > DENSE_SERIES:
            ax.plot(xs, ys, color=colour, linewidth=1.4, label=series.label)
            markers = ax.scatter(x, y, s=5, color=colour, edgecolors="none", zorder=3)
        else:
            ax.plot(xs, ys, color=colour, linewidth=0.9, linestyle=":")
            markers = ax.scatter(x, y, s=44, color=colour, edgecolors="white", zorder=3, label=series.label,
                                 marker="o" if index == 0 else "D")
        markers.set_urls([linkable(p.url) for p in drawn])
        markers.set_gid(f"{series.key}-points")
        if few_points:
            for point, px, py in zip(drawn, x, y, strict=True):
                ax.annotate(_value_text(point.y, point.qualifier), (px, py), textcoords="offset points",
                            xytext=(0, 7), ha="center", fontsize=8, color=colour)
    ax.margins(y=0.12)


def _axis_points(points: tuple[Point, ...], period: str) -> tuple[list[float], list[float]]:
    """Axis positions of points: a month's figure in the middle of its month, a day's on its day."""
    position = _mid_month if period == "month" else date2num
    return [float(position(p.x)) for p in points], [float(p.y or 0.0) for p in points]


def _broken_line(points: tuple[Point, ...], period: str) -> tuple[list[float], list[float]]:
    """The line through `points` with a break (NaN) between two points that are not consecutive
    periods, so the line stops at a missing month instead of bridging it."""
    x, y = _axis_points(points, period)
    xs: list[float] = []
    ys: list[float] = []
    for i, point in enumerate(points):
        if i and next_period(points[i - 1].x, period) != point.x:
            xs.append(math.nan)
            ys.append(math.nan)
        xs.append(x[i])
        ys.append(y[i])
    return xs, ys


def _value_text(value: float | None, qualifier: str | None) -> str:
    if value is None:
        return ""
    return QUALIFIER_MARKS.get(qualifier or "", "") + rounded_text(value)
