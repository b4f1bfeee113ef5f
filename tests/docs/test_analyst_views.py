"""The views of migration 008 on a warehouse filled by hand: what each row says, and what is left out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from warehouse.db import connect

T0 = datetime(2025, 1, 10, 7, 30, tzinfo=UTC)


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with connect(tmp_path / "warehouse.duckdb") as con:
        yield con


def add_figure(con: duckdb.DuckDBPyConnection, source: str, metric: str, start: str, end: str, value: float,
               published: str, *, version: int = 1, qualifier: str = "exact",
               recorded_at: datetime = T0) -> None:
    unit = {"personnel_cumulative": "persons", "casualties_in_period": "persons"}.get(metric, "persons_per_day")
    con.execute(
        """
        INSERT INTO observations BY NAME
        SELECT ? AS source, ? AS metric, 'RU' AS subject, CAST(? AS DATE) AS period_start,
               CAST(? AS DATE) AS period_end, ? AS value, ? AS unit, ? AS qualifier, 'assessed' AS assessment,
               ? AS quote, CAST(? AS DATE) AS published_at, ? AS url, 'test-1' AS parser_version,
               ? AS version, ? AS recorded_at, 'run-test' AS run_id
        """,
        [source, metric, start, end, value, unit, qualifier, f"{metric} {value}", published,
         f"https://example.test/{source}/{published}", version, recorded_at],
    )


def test_mod_monthly_casualties_sets_each_mod_month_beside_the_general_staff_month(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    # General Staff reports of 1 September and 1 October: 38,130 in September under the MoD convention.
    add_figure(warehouse, "genstaff", "personnel_cumulative", "2022-02-24", "2024-09-01", 610_000, "2024-09-01")
    add_figure(warehouse, "genstaff", "personnel_cumulative", "2022-02-24", "2024-10-01", 648_130, "2024-10-01")
    # An early MoD statement for September, superseded by a later update: only the later one counts.
    add_figure(warehouse, "ukmod", "casualties_daily_avg", "2024-09-01", "2024-09-30", 1200, "2024-09-28")
    add_figure(warehouse, "ukmod", "casualties_daily_avg", "2024-09-01", "2024-09-30", 1271, "2024-10-01",
               version=2)
    add_figure(warehouse, "ukmod", "casualties_in_period", "2024-09-01", "2024-09-30", 38_000, "2024-10-01",
               qualifier="approximately")
    # October has no closing report; a year total is not a month; ISW's months are not the MoD's.
    add_figure(warehouse, "ukmod", "casualties_daily_avg", "2024-10-01", "2024-10-31", 1354, "2024-11-02")
    add_figure(warehouse, "ukmod", "casualties_in_period", "2024-01-01", "2024-12-31", 430_000, "2025-01-04")
    add_figure(warehouse, "isw", "casualties_in_period", "2024-09-01", "2024-09-30", 38_110, "2024-10-02")

    rows = warehouse.execute(
        """
        SELECT month, metric, mod_value, mod_qualifier, genstaff_value, genstaff_casualties,
               genstaff_from_report, genstaff_to_report, published_at, url
        FROM mod_monthly_casualties
        """
    ).fetchall()
    september, october = date(2024, 9, 1), date(2024, 10, 1)
    assert rows == [
        (september, "casualties_daily_avg", 1271, "exact", 38_130 / 30, 38_130, september, october,
         date(2024, 10, 1), "https://example.test/ukmod/2024-10-01"),
        (september, "casualties_in_period", 38_000, "approximately", 38_130, 38_130, september, october,
         date(2024, 10, 1), "https://example.test/ukmod/2024-10-01"),
        (october, "casualties_daily_avg", 1354, "exact", None, None, october, date(2024, 11, 1),
         date(2024, 11, 2), "https://example.test/ukmod/2024-11-02"),
    ]


def test_source_freshness_names_the_latest_of_everything_per_source(warehouse: duckdb.DuckDBPyConnection) -> None:
    def run(run_id: str, source: str, hour: int, status: str, message: str) -> None:
        warehouse.execute(
            "INSERT INTO ingest_run_events (run_id, source, mode, started_at, finished_at, status, message) "
            "VALUES (?, ?, 'incremental', ?, ?, ?, ?)",
            [run_id, source, T0.replace(hour=hour),
             None if status == "running" else T0.replace(hour=hour, minute=45), status, message],
        )

    run("isw-1", "isw", 7, "completed", "first")
    run("isw-2", "isw", 8, "failed", "isw could not be reached")
    run("isw-3", "isw", 9, "completed", "third")
    run("ukmod-1", "ukmod", 11, "running", "")
    for sha, hour, published in (("a" * 64, 7, "2025-01-09"), ("b" * 64, 9, "2025-01-08")):
        warehouse.execute(
            "INSERT INTO raw_documents (sha256, source, url, size_bytes, fetched_at, path, published) "
            "VALUES (?, 'isw', ?, 100, ?, ?, ?)",
            [sha, f"https://example.test/{sha[0]}", T0.replace(hour=hour), f"{sha[:2]}/{sha}", published],
        )
    add_figure(warehouse, "isw", "casualties_in_period", "2024-12-01", "2024-12-31", 49_150, "2025-01-03",
               recorded_at=T0.replace(hour=9, minute=5))
    add_figure(warehouse, "isw", "casualties_in_period", "2024-11-01", "2024-11-30", 45_450, "2024-12-02",
               recorded_at=T0.replace(hour=9, minute=6))
    for quarantine_id, hour, reason in (("q-old", 11, "older"), ("q-new", 12, "value out of range")):
        warehouse.execute(
            "INSERT INTO quarantined_rows (quarantine_id, run_id, quarantined_at, failed_expectations, reason, source, "
            "metric) VALUES (?, 'ukmod-1', ?, ['expect_column_values_to_be_between'], ?, 'ukmod', "
            "'casualties_daily_avg')",
            [quarantine_id, T0.replace(hour=hour), reason],
        )

    rows = {
        row[0]: row[1:]
        for row in warehouse.execute(
            """
            SELECT source, last_fetched_at, last_fetched_url, last_document_published, last_figure_recorded_at,
                   last_figure_published_at, last_run_id, last_run_status, last_failed_run_id,
                   last_failed_run_message, last_quarantine_id, last_quarantine_reason
            FROM source_freshness
            """
        ).fetchall()
    }
    assert set(rows) == {"isw", "ukmod"}  # genstaff has nothing yet: no row
    assert rows["isw"] == (
        T0.replace(hour=9), "https://example.test/b", date(2025, 1, 9), T0.replace(hour=9, minute=6),
        date(2025, 1, 3), "isw-3", "completed", "isw-2", "isw could not be reached", None, None,
    )
    assert rows["ukmod"] == (
        None, None, None, None, None, "ukmod-1", "running", None, None, "q-new", "value out of range",
    )
