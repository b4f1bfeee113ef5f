"""What the report charts: the chart definitions and loading their series from the warehouse.

Every chart panel is one query in warehouse/sql/report_*.sql returning the columns
`series, x, y, qualifier, quote, url` and any number of detail columns. Nothing here draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import duckdb

SQL_DIR = Path(__file__).resolve().parents[1] / "warehouse" / "sql"
POINT_COLUMNS = ("series", "x", "y", "qualifier", "quote", "url")
LINKABLE_SCHEMES = ("http", "https", "file")

Detail = str | float | int | None
Span = tuple[date, date]  # the first and last month (first days) a time axis shows


@dataclass(frozen=True)
class PanelSpec:
    """One axes of a chart: the query that feeds it and how its series are named."""

    query: str  # file name in warehouse/sql/
    title: str
    y_label: str
    # "months": one group of bars per calendar month; "dates": lines and points on a time axis.
    x_axis: Literal["months", "dates"]
    series_labels: dict[str, str]  # series key -> legend label, in legend order
    # "month": each x is the first day of the calendar month its figure covers; "day": a date.
    period: Literal["month", "day"] = "month"
    # Series whose y is computed (a ratio, an average), not a figure a source stated: shown rounded
    # to what the inputs support, never with the decimals of a division.
    computed: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ChartSpec:
    slug: str  # file name stem of the PNG, id of the HTML section
    title: str
    caption: str
    panels: tuple[PanelSpec, ...]


@dataclass(frozen=True)
class Point:
    x: date
    y: float | None  # None: the figure is missing (a report not there); listed, not drawn
    qualifier: str | None
    quote: str | None
    url: str | None
    details: dict[str, Detail] = field(default_factory=dict)


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    points: tuple[Point, ...]

    @property
    def drawn(self) -> tuple[Point, ...]:
        return tuple(p for p in self.points if p.y is not None)


@dataclass(frozen=True)
class Panel:
    spec: PanelSpec
    series: tuple[Series, ...]

    @property
    def is_empty(self) -> bool:
        return not any(s.drawn for s in self.series)


@dataclass(frozen=True)
class Chart:
    spec: ChartSpec
    panels: tuple[Panel, ...]

    @property
    def is_empty(self) -> bool:
        return all(p.is_empty for p in self.panels)

    @property
    def span(self) -> Span | None:
        """The first and last month of this chart's points, figures or missing ones (None: no points)."""
        return span_of([self])


def span_of(charts: list[Chart]) -> Span | None:
    """The months from the earliest to the latest point of `charts` (None when they have no point)."""
    xs = [p.x for chart in charts for panel in chart.panels for s in panel.series for p in s.points]
    if not xs:
        return None
    return min(xs).replace(day=1), max(xs).replace(day=1)


def next_period(x: date, period: str) -> date:
    """The first day of the month after x's ("month"), or the day after x ("day")."""
    if period == "day":
        return x + timedelta(days=1)
    return (x.replace(day=28) + timedelta(days=4)).replace(day=1)


CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec(
        slug="territory_monthly",
        title="Territory Russian forces gained per month",
        caption="km² gained in one calendar month as each source states it (view territory_monthly). "
                "Only statements covering exactly one calendar month are shown. Press figures are the "
                "curated file's: AFP's monthly sums of ISW's maps, not figures ISW states itself.",
        panels=(
            PanelSpec("report_territory_monthly.sql", "km² gained per month, by source", "km²", "months",
                      {"isw": "ISW", "ukmod": "UK MoD", "curated": "Press (curated)"}),
        ),
    ),
    ChartSpec(
        slug="casualties",
        title="Russian personnel losses",
        caption="Top: the General Staff's daily cumulative count and the UK MoD's cumulative casualty "
                "statements. Middle: General Staff losses per month under the MoD convention (1st to 1st) "
                "and the ISW convention (month end to month end), view genstaff_monthly_casualties. "
                "Bottom: the average per day the UK MoD stated for a month beside the General Staff's "
                "average for that month under the MoD convention (view mod_monthly_casualties).",
        panels=(
            PanelSpec("report_cumulative_casualties.sql", "Cumulative casualties since 24 February 2022",
                      "persons", "dates",
                      {"genstaff": "General Staff (daily report)", "ukmod": "UK MoD statement"}, period="day"),
            PanelSpec("report_monthly_casualties.sql", "General Staff losses per month", "persons", "months",
                      {"mod_convention": "MoD convention (1st to 1st)",
                       "isw_convention": "ISW convention (month end to month end)"},
                      computed=frozenset({"mod_convention", "isw_convention"})),
            PanelSpec("report_daily_average.sql", "Average casualties per day, by month", "persons per day",
                      "months",
                      {"ukmod": "UK MoD statement", "genstaff": "General Staff, MoD convention"},
                      computed=frozenset({"genstaff"})),
        ),
    ),
    ChartSpec(
        slug="casualties_per_km2",
        title="Casualties per km² gained",
        caption="General Staff casualties of a month divided by the km² a source says was gained that month "
                "(view casualties_per_km2): ISW's km² with ISW-convention casualties, the MoD's with "
                "MoD-convention casualties.",
        panels=(
            PanelSpec("report_casualties_per_km2.sql", "Casualties per km² gained, by pairing",
                      "casualties per km²", "dates",
                      {"genstaff/isw": "General Staff ÷ ISW km²", "genstaff/ukmod": "General Staff ÷ UK MoD km²"},
                      computed=frozenset({"genstaff/isw", "genstaff/ukmod"})),
        ),
    ),
)


def load_charts(con: duckdb.DuckDBPyConnection, specs: tuple[ChartSpec, ...] = CHARTS) -> list[Chart]:
    return [Chart(spec, tuple(load_panel(con, panel) for panel in spec.panels)) for spec in specs]


def load_panel(con: duckdb.DuckDBPyConnection, spec: PanelSpec) -> Panel:
    """Run the panel's query; series appear in the spec's order, unknown series keys after them."""
    relation = con.sql((SQL_DIR / spec.query).read_text(encoding="utf-8"))
    columns = [name.lower() for name in relation.columns]
    missing = [name for name in POINT_COLUMNS if name not in columns]
    if missing:
        raise ValueError(f"{spec.query} lacks the column(s) {', '.join(missing)}")
    detail_columns = [name for name in columns if name not in POINT_COLUMNS]
    points: dict[str, list[Point]] = {}
    for values in relation.fetchall():
        row = dict(zip(columns, values, strict=True))
        points.setdefault(str(row["series"]), []).append(Point(
            x=row["x"],
            y=None if row["y"] is None else float(row["y"]),
            qualifier=row["qualifier"],
            quote=row["quote"],
            url=row["url"],
            details={name: _plain(row[name]) for name in detail_columns},
        ))
    keys = [key for key in spec.series_labels if key in points] + sorted(set(points) - set(spec.series_labels))
    series = tuple(Series(key, spec.series_labels.get(key, key), tuple(points[key])) for key in keys)
    return Panel(spec, series)


def _plain(value: object) -> Detail:
    """A detail value as JSON can hold it: dates as ISO text."""
    if value is None or isinstance(value, str | float | int):
        return value
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def described(chart: Chart) -> dict[str, object]:
    """The plotted series of a chart as plain data: what the PNG's Description holds."""
    return {
        "chart": chart.spec.slug,
        "title": chart.spec.title,
        "panels": [
            {
                "title": panel.spec.title,
                "y_label": panel.spec.y_label,
                "series": [
                    {
                        "key": series.key,
                        "label": series.label,
                        "points": [
                            {"x": p.x.isoformat(), "y": p.y, "qualifier": p.qualifier, **p.details}
                            for p in series.drawn
                        ],
                    }
                    for series in panel.series
                ],
            }
            for panel in chart.panels
        ],
    }


def linkable(url: str | None) -> str | None:
    """`url` if it may become a link: a stored URL is data, and a javascript: one must stay text."""
    if url and urlsplit(url).scheme.lower() in LINKABLE_SCHEMES:
        return url
    return None


def period_text(x: date, period: str) -> str:
    return x.strftime("%Y-%m") if period == "month" else x.isoformat()


def number_text(value: float) -> str:
    """A stated figure as the source wrote it: 1271 -> "1,271"; 499.28 -> "499.28"."""
    if value == round(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def rounded_text(value: float) -> str:
    """A computed figure, or any figure on a chart, without false precision: whole units from 10
    up (287.83 -> "288", 1256.13 -> "1,256"), one decimal below (4.61 -> "4.6")."""
    if abs(value) >= 10:
        return f"{round(value):,}"
    return f"{value:.1f}".removesuffix(".0")
