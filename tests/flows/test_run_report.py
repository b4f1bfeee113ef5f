"""Anomalies and freshness from what is stored: a real DuckDB warehouse, no flow needed."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from extractors.catalogue import WAR_START
from extractors.observation import Observation
from flows import run_report
from flows.pipeline import ParseOutcome
from flows.problems import Example, Problem
from flows.progress import Progress
from warehouse.db import connect
from warehouse.load import LoadBatch, load_batch, observations_frame
from warehouse.raw_store import StoredDocument

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
VERSION = "genstaff-1"


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with connect(tmp_path / "warehouse.duckdb") as connection:
        yield connection


def document(day: date, fetched_at: datetime) -> StoredDocument:
    return StoredDocument(sha256=f"sha-{day}", source="genstaff", url=f"http://127.0.0.1/api/v2/statistics/{day}",
                          fetched_at=fetched_at, size_bytes=10, path=f"genstaff/sha-{day}")


def report_of(day: date, metrics: tuple[str, ...]) -> list[Observation]:
    return [Observation(source="genstaff", metric=metric, period_start=WAR_START, period_end=day, value=1.0,
                        unit="count", quote=f"{metric} 1", published_at=day, parser_version=VERSION,
                        document_sha256=f"sha-{day}") for metric in metrics]


def store_history(con: duckdb.DuckDBPyConnection, days: int, metrics: tuple[str, ...]) -> None:
    for i in range(days):
        day = date(2025, 5, 1) + timedelta(days=i)
        load_batch(con, LoadBatch(
            run_id=f"r{i}", source="genstaff", recorded_at=NOW - timedelta(days=days - i),
            observations=observations_frame([]), documents=[document(day, NOW - timedelta(days=days - i))],
            parsed=[(f"sha-{day}", VERSION, len(metrics))],
            document_metrics=[(f"sha-{day}", VERSION, m) for m in metrics],
        ))


def test_a_document_without_the_figures_its_source_always_carries_is_an_anomaly(
    con: duckdb.DuckDBPyConnection,
) -> None:
    store_history(con, 10, ("personnel_cumulative", "tanks_cumulative"))
    usual = run_report.usual_metrics(con, "genstaff", VERSION)
    assert usual == {"personnel_cumulative", "tanks_cumulative"}

    new_day = date(2025, 6, 1)
    parsed = ParseOutcome(observations_frame(report_of(new_day, ("tanks_cumulative",))),
                          parsed=[(f"sha-{new_day}", VERSION, 1)])
    (anomaly,) = run_report.missing_usual_metrics(usual, parsed, {f"sha-{new_day}": "http://x/2025-06-01"})
    assert (anomaly.check_name, anomaly.severity, anomaly.url) == ("usual_figures_missing", "warning",
                                                                   "http://x/2025-06-01")
    assert "no personnel_cumulative" in anomaly.detail

    whole = ParseOutcome(observations_frame(report_of(new_day, ("personnel_cumulative", "tanks_cumulative"))),
                         parsed=[(f"sha-{new_day}", VERSION, 2)])
    assert run_report.missing_usual_metrics(usual, whole, {}) == []


def test_too_little_history_judges_nothing(con: duckdb.DuckDBPyConnection) -> None:
    store_history(con, run_report.HISTORY_MIN - 1, ("personnel_cumulative",))
    assert run_report.usual_metrics(con, "genstaff", VERSION) == set()


def test_a_source_is_stale_when_its_newest_document_is_older_than_its_schedule_allows(
    con: duckdb.DuckDBPyConnection,
) -> None:
    allowed = timedelta(hours=36)
    never = run_report.stale_source(con, "genstaff", NOW, allowed)
    assert never is not None and "no document has ever been fetched" in never.detail

    load_batch(con, LoadBatch(run_id="r", source="genstaff", recorded_at=NOW, observations=observations_frame([]),
                              documents=[document(date(2025, 6, 1), NOW - timedelta(hours=30))]))
    assert run_report.stale_source(con, "genstaff", NOW, allowed) is None
    stale = run_report.stale_source(con, "genstaff", NOW + timedelta(hours=10), allowed)
    assert stale is not None and (stale.kind, stale.severity) == ("stale", "critical")
    assert "40 h ago (allowed: 36 h)" in stale.detail


def test_problems_of_several_batches_merge_into_one_per_check() -> None:
    def problem(count: int, n: int) -> Problem:
        return Problem(kind="validation", check="expect_x(value)", severity="warning", count=count,
                       examples=tuple(Example(detail=f"row {n}.{i}") for i in range(2)))

    (merged,) = run_report.merge([problem(2, 1), problem(5, 2)])
    assert merged.count == 7
    assert [e.detail for e in merged.examples] == ["row 1.0", "row 1.1", "row 2.0"]


def test_progress_draws_a_bar_on_a_terminal_and_logs_lines_elsewhere(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("bulletins.test")
    stream = io.StringIO()
    bar = Progress(120, "isw backfill", logger=logger, stream=stream, bar=True)
    bar.advance(50)
    bar.advance(70)
    bar.close()
    assert "120/120" in stream.getvalue() and "isw backfill" in stream.getvalue()

    caplog.set_level(logging.INFO, logger="bulletins.test")
    quiet = Progress(120, "isw backfill", logger=logger, stream=io.StringIO(), bar=False)
    quiet.advance(50)
    lines = [record.getMessage() for record in caplog.records]
    assert lines and lines[-1].startswith("isw backfill: 50/120 documents (42 %)")
    assert "documents/s" in lines[-1] and "left" in lines[-1]
