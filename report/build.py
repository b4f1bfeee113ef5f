"""`build_report`: the HTML page and one PNG per chart, from a warehouse connection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from report.data import SQL_DIR, load_charts, span_of
from report.draw import figure, save_png, svg_markup
from report.page import render_page

HTML_NAME = "report.html"


class NoFiguresError(Exception):
    """The warehouse holds no figure that any chart draws."""


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    pngs: dict[str, Path]  # chart slug -> PNG path, in page order


def build_report(con: duckdb.DuckDBPyConnection, out_dir: Path) -> ReportFiles:
    """Write report.html and <chart>.png files into `out_dir` (created if needed); files of the
    same name are replaced. Reads only; raises NoFiguresError when there is nothing to chart."""
    charts = load_charts(con)
    if all(chart.is_empty for chart in charts):
        raise NoFiguresError("the warehouse has no figures to chart")
    out_dir.mkdir(parents=True, exist_ok=True)
    # One calendar for every chart: the same month sits at the same place on each, and a month
    # without a figure is an empty slot, never skipped.
    span = span_of(charts)
    svgs: dict[str, str] = {}
    pngs: dict[str, Path] = {}
    for chart in charts:
        fig = figure(chart, span)
        slug = chart.spec.slug
        pngs[slug] = save_png(chart, fig, out_dir / f"{slug}.png")
        svgs[slug] = svg_markup(chart, fig)
    page = render_page(charts, svgs, {slug: path.name for slug, path in pngs.items()}, _recorded_up_to(con))
    html = out_dir / HTML_NAME
    html.write_text(page, encoding="utf-8")
    return ReportFiles(html=html, pngs=pngs)


def _recorded_up_to(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute((SQL_DIR / "report_recorded_up_to.sql").read_text(encoding="utf-8")).fetchone()
    if not row or row[0] is None:
        return None
    recorded: datetime = row[0]
    return recorded.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
