"""What a demo run leaves behind besides the figures: Data Docs, the analyst copy, the cross-checks."""

from __future__ import annotations

from pathlib import Path

from lxml import html as lxml_html

from flows.archive_server import serve_archive
from tests.chromium import needs_chromium, rendered_dom
from tests.conftest import DEMO_STDOUT
from warehouse.db import connect


def test_the_demo_builds_data_docs_and_publishes_the_analyst_copy(demo_home: Path) -> None:
    index = demo_home / "data_docs" / "site" / "index.html"
    assert index.exists()
    page = index.read_text(encoding="utf-8")
    for suite in ("isw", "ukmod", "genstaff", "curated"):
        assert f'href="suites/{suite}.html"' in page
    with connect(demo_home / "analyst.duckdb", read_only=True) as analyst, \
            connect(demo_home / "warehouse.duckdb", read_only=True) as warehouse:
        query = "SELECT count(*), sum(value) FROM observations"
        assert analyst.execute(query).fetchone() == warehouse.execute(query).fetchone()


def test_the_mod_averages_agree_with_the_general_staff_months_but_two_which_are_warned_with_both_numbers(
    demo_home: Path,
) -> None:
    with connect(demo_home / "warehouse.duckdb", read_only=True) as con:
        outcomes = con.execute(
            """
            SELECT e ->> 'name', CAST(e ->> 'unexpected_count' AS INTEGER)
            FROM validation_results, unnest(CAST(expectations AS JSON[])) AS t(e)
            WHERE source = 'ukmod' AND (e ->> 'name') LIKE '%genstaff_ratio%'
            """
        ).fetchall()
        disagreements = con.execute(
            """SELECT strftime(period_start, '%Y-%m'), value, detail FROM validation_warnings
               WHERE expectation LIKE '%genstaff_ratio%' ORDER BY period_start"""
        ).fetchall()
        compared = con.execute(
            """SELECT strftime(month, '%Y-%m'), mod_value, round(genstaff_value, 1)
               FROM mod_monthly_casualties WHERE metric = 'casualties_daily_avg' ORDER BY month"""
        ).fetchall()
    # The MoD's own figures for February and April 2025 are 3.9 % and 1.2 % below the General
    # Staff's month under the MoD convention: loaded, and warned with both numbers.
    assert sorted(unexpected for _, unexpected in outcomes) == [0, 0, 2]
    assert [(month, value) for month, value, _ in disagreements] == [("2025-02", 1255.0), ("2025-04", 1200.0)]
    assert "value=1255.0" in disagreements[0][2] and "genstaff_same_period=1306.07" in disagreements[0][2]
    agreeing = [(m, mod, gs) for m, mod, gs in compared if m not in ("2025-02", "2025-04")]
    assert len(agreeing) == 9 and all(abs(mod / gs - 1) <= 0.01 for _, mod, gs in agreeing), agreeing
    assert ("2024-09", 1271.0, 1271.0) in agreeing and ("2024-12", 1570.0, 1570.0) in agreeing


def test_the_demo_delivers_its_alerts_to_the_loopback_webhook(demo_home: Path) -> None:
    with connect(demo_home / "warehouse.duckdb", read_only=True) as con:
        alerts = con.execute("SELECT source, kind, delivered FROM alerts ORDER BY source").fetchall()
    # The two runs that completed with warnings alerted, and the alerts reached the webhook.
    assert alerts == [("genstaff", "problem", True), ("ukmod", "problem", True)]


@needs_chromium
def test_chromium_shows_the_demo_runs_with_the_state_each_ended_in(demo_home: Path) -> None:
    with connect(demo_home / "warehouse.duckdb", read_only=True) as con:
        states = dict(con.execute("SELECT source, status FROM ingest_runs").fetchall())
    assert states == {"genstaff": "completed_with_warnings", "isw": "completed",
                      "ukmod": "completed_with_warnings", "curated": "completed"}
    with serve_archive(demo_home / "data_docs" / "site") as url:
        dom = lxml_html.fromstring(rendered_dom(f"{url}/"))
    shown = {row.xpath("./td[2]")[0].text_content(): " ".join(row.xpath("./td[4]")[0].text_content().split())
             for row in dom.xpath('//table[@id="validations"]/tbody/tr')}
    assert shown == {"genstaff": "Completed with warnings", "isw": "Completed",
                     "ukmod": "Completed with warnings", "curated": "Completed"}


def test_the_demo_prints_the_figures_the_press_quotes(demo_home: Path) -> None:
    printed = (demo_home.parent / DEMO_STDOUT).read_text(encoding="utf-8")
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in printed.splitlines() if "│" in line]

    def row(*cells: str) -> bool:
        """A row of the printed tables that starts with these cells."""
        return any(printed_row[: len(cells)] == list(cells) for printed_row in rows)

    assert row("2025-03", "isw", "203.0", "exact") and row("2025-03", "ukmod", "143.0", "exact")
    assert row("2024-11", "ukmod", "700.0", "over")
    assert row("2025-03", "isw", "203.0") and not row("2025-02", "isw", "388.5")  # ISW's own, not AFP's
    assert row("ukmod", "casualties_cumulative", "RU", "2022-02-24", "2025-05-03", "950000.0", "persons",
               "approximately")
    # Casualties per km² rising through the winter, month by month (whole persons per km², no decimals).
    assert row("2024-11", "genstaff/ukmod", "45720.0", "700.0", "65.0")
    assert row("2025-03", "genstaff/ukmod", "41160.0", "143.0", "288.0")
    assert "Alerts the runs sent (2, to a loopback webhook" in printed
    assert f"charts: {demo_home / 'reports' / 'report.html'}" in printed
