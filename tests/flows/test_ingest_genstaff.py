"""The General Staff source end to end: a real flow run against the API stand-in on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from flows.archive_server import serve_handler
from samples.genstaff.api import load_days, make_handler
from warehouse.db import connect

DATA = Path(__file__).resolve().parents[2] / "samples" / "genstaff" / "data"


@pytest.fixture(scope="module")
def genstaff_api() -> Iterator[str]:
    with serve_handler(make_handler(load_days(DATA))) as url:
        yield url


def test_backfill_then_views_give_the_mod_monthly_averages(
    prefect_harness: None, bulletins_home: Path, genstaff_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.ingest import ingest

    monkeypatch.setenv("BULLETINS_GENSTAFF_BASE_URL", genstaff_api)
    first = ingest(source="genstaff", date_from=date(2024, 8, 25), date_to=date(2025, 8, 5), mode="backfill")
    # The General Staff corrected a few equipment totals downwards in this range: loaded, flagged.
    assert first.status == "completed_with_warnings"
    assert first.rows_appended > 0 and first.rows_quarantined == 0

    with connect(bulletins_home / "warehouse.duckdb") as con:
        averages = con.execute(
            """SELECT strftime(month, '%Y-%m'), round(mod_daily_avg, 1) FROM genstaff_monthly_casualties
               WHERE month IN ('2024-09-01', '2024-12-01', '2025-07-01') ORDER BY month"""
        ).fetchall()
        stored = con.execute("SELECT count(*) FROM observations").fetchone()
        corrections = con.execute(
            "SELECT metric, strftime(period_end, '%Y-%m-%d') FROM validation_warnings "
            "WHERE expectation LIKE 'expect_column_pair_values_a_to_be_greater_than_b%' ORDER BY period_end, metric"
        ).fetchall()
    assert averages == [("2024-09", 1271.0), ("2024-12", 1570.0), ("2025-07", 1071.6)]
    assert corrections == [
        ("planes_cumulative", "2024-10-03"),
        ("mlrs_cumulative", "2024-11-30"),
        ("special_military_equip_cumulative", "2024-11-30"),
        ("mlrs_cumulative", "2025-04-22"),
        ("cruise_missiles_cumulative", "2025-05-04"),
    ]

    again = ingest(source="genstaff", date_from=date(2024, 8, 25), date_to=date(2025, 8, 5), mode="backfill")
    assert again.rows_appended == 0
    with connect(bulletins_home / "warehouse.duckdb") as con:
        assert con.execute("SELECT count(*) FROM observations").fetchone() == stored
