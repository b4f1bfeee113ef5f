"""The charts' time axis, drawn from series made here: every month of the span has its place, a
month without a figure is an empty slot, no line bridges a missing month, no label shows the
decimals of a division."""

from __future__ import annotations

import math
from datetime import date

import pytest
from matplotlib.axes import Axes
from matplotlib.dates import date2num, num2date

from report.data import Chart, ChartSpec, Panel, PanelSpec, Point, Series, rounded_text, span_of
from report.draw import figure

SPAN = (date(2024, 1, 1), date(2025, 12, 1))
ISW_MONTHS = {date(2024, 11, 1): 627.0, date(2025, 1, 1): 427.0, date(2025, 2, 1): 354.0, date(2025, 3, 1): 203.0}
RATIOS = {date(2024, 11, 1): 72.49, date(2025, 1, 1): 112.55, date(2025, 2, 1): 104.38, date(2025, 3, 1): 287.83}


def chart(x_axis: str, values: dict[date, float | None], *, computed: bool = False) -> Chart:
    keys = frozenset({"isw"}) if computed else frozenset()
    panel = PanelSpec("unused.sql", "a panel", "km²", x_axis, {"isw": "ISW"}, computed=keys)  # type: ignore[arg-type]
    points = tuple(Point(x, y, "exact", f"quote {x}", f"https://example.test/{x}") for x, y in values.items())
    return Chart(ChartSpec("test", "A chart", "caption", (panel,)), (Panel(panel, (Series("isw", "ISW", points),)),))


def only_axes(c: Chart) -> Axes:
    (ax,) = figure(c, SPAN).axes
    return ax


def month_of(position: float) -> date:
    return num2date(position).date().replace(day=1)


def test_the_axis_is_a_calendar_from_the_first_to_the_last_month_of_the_span() -> None:
    ax = only_axes(chart("months", ISW_MONTHS))

    assert ax.get_xlim() == (date2num(date(2024, 1, 1)), date2num(date(2026, 1, 1)))
    # A tick at the start of every month (minor ticks, less those the quarter labels stand on).
    ticks = sorted({num2date(t).date() for t in [*ax.xaxis.get_minorticklocs(), *ax.xaxis.get_majorticklocs()]})
    assert ticks == [date(2024 + m // 12, m % 12 + 1, 1) for m in range(25)]
    assert [label.get_text() for label in ax.get_xticklabels()] == [
        "2024-01", "2024-04", "2024-07", "2024-10", "2025-01", "2025-04", "2025-07", "2025-10", "2026-01"]


def test_a_bar_stands_in_its_own_month_and_a_missing_month_is_an_empty_slot() -> None:
    ax = only_axes(chart("months", {**ISW_MONTHS, date(2024, 12, 1): None}))

    bars = {month_of(bar.get_x() + bar.get_width() / 2): bar.get_height() for bar in ax.patches}
    assert bars == ISW_MONTHS  # December 2024 (no figure) has no bar, and is not skipped either:
    centres = sorted(bar.get_x() + bar.get_width() / 2 for bar in ax.patches)
    assert centres[1] - centres[0] == pytest.approx(date2num(date(2025, 1, 16)) - date2num(date(2024, 11, 16)), abs=1)


def test_no_line_is_drawn_across_a_missing_month() -> None:
    ax = only_axes(chart("dates", RATIOS, computed=True))

    (line,) = ax.get_lines()
    ys = list(line.get_ydata())
    # November 2024, then a break for December, then January to March joined.
    assert ys[0] == pytest.approx(72.49) and math.isnan(ys[1]) and ys[2:] == pytest.approx([112.55, 104.38, 287.83])
    segments = [month_of(x) for x in line.get_xdata() if not math.isnan(x)]
    assert segments == list(RATIOS)


def test_labels_carry_no_false_precision() -> None:
    ax = only_axes(chart("dates", RATIOS, computed=True))
    assert sorted(text.get_text() for text in ax.texts) == ["104", "113", "288", "72"]

    bars = only_axes(chart("months", {date(2025, 5, 1): 499.28, date(2025, 6, 1): 4.61}))
    assert sorted(t.get_text() for t in bars.texts) == ["4.6", "499"]


def test_rounded_text() -> None:
    assert [rounded_text(v) for v in (287.83, 1256.13, 70.8, 4.61, 5.0, 0.0, -12.5)] == [
        "288", "1,256", "71", "4.6", "5", "0", "-12"]


def test_the_span_of_the_report_runs_from_the_earliest_to_the_latest_point() -> None:
    daily = chart("dates", {date(2024, 1, 1): 1.0, date(2025, 12, 31): 2.0})
    assert span_of([chart("months", ISW_MONTHS), daily]) == SPAN
    assert span_of([chart("months", {})]) is None
    assert chart("months", ISW_MONTHS).span == (date(2024, 11, 1), date(2025, 3, 1))
