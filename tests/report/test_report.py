"""`bulletins report` on the demo warehouse: the page, the PNGs and the data each carries."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

import duckdb
import pytest
from markupsafe import escape as page_escape  # the page's templating escapes quotes its own way
from PIL import Image

from report import ReportFiles, build_report


@pytest.fixture(scope="module")
def demo_db(demo_home: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def demo_report(demo_db: duckdb.DuckDBPyConnection, tmp_path_factory: pytest.TempPathFactory) -> ReportFiles:
    return build_report(demo_db, tmp_path_factory.mktemp("report") / "out")


def page(files: ReportFiles) -> str:
    return files.html.read_text(encoding="utf-8")


def svg_of(html: str, slug: str) -> str:
    """The inline SVG of one chart's section."""
    section = re.search(rf'<section id="{slug}">(.*?)</section>', html, re.S)
    assert section, f"no section {slug}"
    svgs = re.findall(r"<svg.*?</svg>", section.group(1), re.S)
    assert len(svgs) == 1
    return svgs[0]


def description(files: ReportFiles, slug: str) -> dict[str, Any]:
    with Image.open(files.pngs[slug]) as image:
        return json.loads(image.text["Description"])


def plotted(files: ReportFiles, slug: str, panel: int) -> dict[str, dict[str, dict[str, Any]]]:
    """series key -> x (ISO date) -> the point as the PNG describes it."""
    series = description(files, slug)["panels"][panel]["series"]
    return {s["key"]: {p["x"]: p for p in s["points"]} for s in series}


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


def test_the_page_holds_the_three_charts_inline_and_fetches_nothing(demo_report: ReportFiles) -> None:
    html = page(demo_report)
    assert html.count("<svg") == 3
    for slug in ("territory_monthly", "casualties", "casualties_per_km2"):
        assert svg_of(html, slug).startswith("<svg")
        assert f'<a href="{slug}.png">' in html
    for external in ("<script", "<link", "src=", "@import", "url(http"):
        assert external not in html
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "ids repeat across the inline SVGs"


def test_every_link_is_a_chart_anchor_a_png_or_a_stored_document(
    demo_report: ReportFiles, demo_db: duckdb.DuckDBPyConnection
) -> None:
    html = page(demo_report)
    stored = {url for (url,) in rows(demo_db, "SELECT DISTINCT url FROM observations WHERE url IS NOT NULL")}
    links = {m.replace("&amp;", "&") for m in re.findall(r'(?<![\w:])href="([^"#][^"]*)"', html)}
    svg_links = {m.replace("&amp;", "&") for m in re.findall(r'xlink:href="([^"#][^"]*)"', html)}
    pngs = {path.name for path in demo_report.pngs.values()}
    assert links - pngs <= stored
    assert svg_links <= stored
    assert len(svg_links) >= 5


def test_each_bar_links_to_its_statement_and_the_table_quotes_it(
    demo_report: ReportFiles, demo_db: duckdb.DuckDBPyConnection
) -> None:
    html = page(demo_report)
    svg = svg_of(html, "territory_monthly")
    statements = rows(demo_db, "SELECT strftime(month, '%Y-%m'), source, quote, url FROM territory_monthly")
    assert len(statements) >= 4
    for month, source, quote, url in statements:
        bar = re.search(rf'id="territory_monthly-{source}-{month}">\s*<a xlink:href="([^"]+)"', svg)
        assert bar, f"no linked bar for {source} {month}"
        assert bar.group(1) == escape(url)
        assert page_escape(quote) in html
        assert f'<a href="{escape(url)}">' in html
    assert "Russian forces gained 203 square kilometers in March 2025" in html


def test_every_drawn_point_of_the_other_charts_is_a_link(
    demo_report: ReportFiles, demo_db: duckdb.DuckDBPyConnection
) -> None:
    html = page(demo_report)
    (daily, statements, months, averages) = rows(demo_db, """
        SELECT
            (SELECT count(*) FROM observations_latest
             WHERE source = 'genstaff' AND metric = 'personnel_cumulative' AND subject = 'RU'),
            (SELECT count(*) FROM observations_latest
             WHERE source = 'ukmod' AND metric = 'casualties_cumulative' AND subject = 'RU'),
            (SELECT count(mod_casualties) + count(isw_casualties) FROM genstaff_monthly_casualties),
            (SELECT count(*) FROM mod_monthly_casualties WHERE metric = 'casualties_daily_avg')
              + (SELECT count(mod_daily_avg) FROM genstaff_monthly_casualties)
    """)[0]
    assert svg_of(html, "casualties").count("<a xlink:href=") == daily + statements + months + averages
    (ratios,) = rows(demo_db, "SELECT count(casualties_per_km2) FROM casualties_per_km2")[0]
    assert svg_of(html, "casualties_per_km2").count("<a xlink:href=") == ratios == 12


def test_each_png_opens_at_a_plausible_size(demo_report: ReportFiles) -> None:
    assert set(demo_report.pngs) == {"territory_monthly", "casualties", "casualties_per_km2"}
    for path in demo_report.pngs.values():
        assert path.parent == demo_report.html.parent
        with Image.open(path) as image:
            image.load()
            assert image.format == "PNG"
            width, height = image.size
            assert 800 <= width <= 2000 and 400 <= height <= 2000, (path.name, image.size)


def test_territory_png_carries_the_monthly_km2_of_the_view(
    demo_report: ReportFiles, demo_db: duckdb.DuckDBPyConnection
) -> None:
    series = plotted(demo_report, "territory_monthly", 0)
    expected: dict[str, dict[str, float]] = {}
    for source, month, km2 in rows(demo_db, "SELECT source, month, territory_gained_km2 FROM territory_monthly"):
        expected.setdefault(source, {})[month.isoformat()] = km2
    assert {key: {x: p["y"] for x, p in points.items()} for key, points in series.items()} == expected
    assert series["ukmod"]["2025-03-01"]["y"] == 143
    assert series["isw"]["2025-03-01"]["y"] == 203
    assert series["ukmod"]["2024-11-01"]["qualifier"] == "over"


def test_casualties_png_carries_the_daily_reports_statements_and_both_conventions(
    demo_report: ReportFiles, demo_db: duckdb.DuckDBPyConnection
) -> None:
    cumulative = plotted(demo_report, "casualties", 0)
    daily = dict(rows(demo_db, """
        SELECT CAST(period_end AS VARCHAR), value FROM observations_latest
        WHERE source = 'genstaff' AND metric = 'personnel_cumulative' AND subject = 'RU'"""))
    assert {x: p["y"] for x, p in cumulative["genstaff"].items()} == daily
    assert len(daily) == 731
    statements = dict(rows(demo_db, """
        SELECT CAST(period_end AS VARCHAR), value FROM observations_latest
        WHERE source = 'ukmod' AND metric = 'casualties_cumulative' AND subject = 'RU'"""))
    assert {x: p["y"] for x, p in cumulative["ukmod"].items()} == statements

    monthly = plotted(demo_report, "casualties", 1)
    for convention in ("mod", "isw"):
        view = rows(demo_db, f"""
            SELECT CAST(month AS VARCHAR), {convention}_casualties, {convention}_daily_avg
            FROM genstaff_monthly_casualties WHERE {convention}_casualties IS NOT NULL""")
        drawn = monthly[f"{convention}_convention"]
        assert {x: (p["y"], p["daily_avg"]) for x, p in drawn.items()} == {m: (c, a) for m, c, a in view}
    september = monthly["mod_convention"]["2024-09-01"]
    assert (september["y"], september["daily_avg"]) == (38130, 1271.0)
    assert "2024-01-01" not in monthly["isw_convention"]  # the 2023-12-31 report is not in the demo


def test_cost_png_carries_the_ratio_of_each_pairing(
    demo_report: ReportFiles, demo_db: duckdb.DuckDBPyConnection
) -> None:
    series = plotted(demo_report, "casualties_per_km2", 0)
    expected: dict[str, dict[str, float]] = {}
    for pairing, month, ratio in rows(demo_db, """
            SELECT pairing, month, casualties_per_km2 FROM casualties_per_km2
            WHERE casualties_per_km2 IS NOT NULL"""):
        expected.setdefault(pairing, {})[month.isoformat()] = ratio
    assert {key: {x: p["y"] for x, p in points.items()} for key, points in series.items()} == expected
    november = series["genstaff/ukmod"]["2024-11-01"]
    assert november["y"] == pytest.approx(45720 / 700)
    # "over 700 km2" makes the cost per km2 "under" 65.3.
    assert (november["km2_qualifier"], november["qualifier"]) == ("over", "under")
    assert date.fromisoformat(min(series["genstaff/isw"])) == date(2024, 11, 1)
    assert len(series["genstaff/isw"]) == 8 and len(series["genstaff/ukmod"]) == 4


def test_the_daily_average_panel_sets_each_mod_statement_beside_the_general_staff_month(
    demo_report: ReportFiles, demo_db: duckdb.DuckDBPyConnection
) -> None:
    averages = plotted(demo_report, "casualties", 2)
    stated = dict(rows(demo_db, """
        SELECT CAST(month AS VARCHAR), mod_value FROM mod_monthly_casualties WHERE metric = 'casualties_daily_avg'"""))
    assert {x: p["y"] for x, p in averages["ukmod"].items()} == stated
    assert len(stated) == 11  # the months a MoD update of 2024-2025 gave an average for
    february = averages["ukmod"]["2025-02-01"]
    assert (february["y"], round(february["genstaff_same_month"], 1)) == (1255, 1306.1)
    assert len(averages["genstaff"]) == 23  # every month but December 2025 (no report of 1 January 2026)


def test_every_chart_of_the_demo_runs_over_2024_and_2025_month_by_month(demo_db: duckdb.DuckDBPyConnection) -> None:
    from report.data import load_charts, span_of

    assert span_of(load_charts(demo_db)) == (date(2024, 1, 1), date(2025, 12, 1))
