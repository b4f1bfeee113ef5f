"""What a demo run leaves behind besides the figures: Data Docs, the analyst copy, passed cross-checks."""

from __future__ import annotations

from pathlib import Path

from warehouse.db import connect


def test_the_demo_builds_data_docs_and_publishes_the_analyst_copy(demo_home: Path) -> None:
    index = demo_home / "data_docs" / "site" / "index.html"
    assert index.exists()
    page = index.read_text(encoding="utf-8")
    for suite in ("isw", "ukmod", "genstaff", "curated"):
        assert suite in page
    with connect(demo_home / "analyst.duckdb", read_only=True) as analyst, \
            connect(demo_home / "warehouse.duckdb", read_only=True) as warehouse:
        query = "SELECT count(*), sum(value) FROM observations"
        assert analyst.execute(query).fetchone() == warehouse.execute(query).fetchone()


def test_the_mod_averages_agree_with_the_general_staff_months_under_the_mod_convention(demo_home: Path) -> None:
    with connect(demo_home / "warehouse.duckdb", read_only=True) as con:
        outcomes = con.execute(
            """
            SELECT e ->> 'name', CAST(e ->> 'unexpected_count' AS INTEGER)
            FROM validation_results, unnest(CAST(expectations AS JSON[])) AS t(e)
            WHERE source = 'ukmod' AND (e ->> 'name') LIKE '%genstaff_ratio%'
            """
        ).fetchall()
        disagreements = con.execute(
            "SELECT detail FROM validation_warnings WHERE expectation LIKE '%genstaff_ratio%'"
        ).fetchall()
        compared = con.execute(
            """SELECT strftime(month, '%Y-%m'), mod_value, round(genstaff_value, 1)
               FROM mod_monthly_casualties WHERE metric = 'casualties_daily_avg'
                 AND month IN ('2024-09-01', '2024-12-01') ORDER BY month"""
        ).fetchall()
    assert outcomes and all(unexpected == 0 for _, unexpected in outcomes), outcomes
    assert disagreements == []
    assert compared == [("2024-09", 1271.0, 1271.0), ("2024-12", 1570.0, 1570.0)]
