"""The `ingest_runs` log: where a run starts, what it did, where the next incremental run begins."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from flows.settings import Settings
from warehouse.db import connect

# On an empty warehouse a scheduled ingest looks back this far (DESIGN.md §2).
DEFAULT_LOOKBACK = timedelta(days=30)


@dataclass
class RunSummary:
    run_id: str
    source: str
    mode: str
    documents_discovered: int = 0
    documents_fetched: int = 0
    documents_unchanged: int = 0
    documents_failed: int = 0
    documents_unparsable: int = 0
    documents_unread: int = 0
    observations_parsed: int = 0
    rows_appended: int = 0
    rows_quarantined: int = 0
    rows_warned: int = 0
    watermark: datetime | None = None
    cursor: str | None = None
    # running | completed | completed_with_warnings | failed
    status: str = "running"
    message: str = ""
    failures: list[str] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)

    def as_table(self) -> list[dict[str, Any]]:
        skip = {"failures", "watermark", "cursor", "problems"}
        return [{"measure": k, "value": str(v)} for k, v in asdict(self).items() if k not in skip]


# Runs are appended events, never updated (migration 011): a start row, then a finish row built
# from it; `ingest_runs` shows each run's latest. A Prefect retry of the same flow run starts once.
def start_run(settings: Settings, summary: RunSummary, parameters: dict[str, Any]) -> None:
    with connect(settings.warehouse) as con:
        con.execute(
            "INSERT INTO ingest_run_events (run_id, source, mode, parameters, started_at, status) "
            "SELECT ?, ?, ?, ?, ?, 'running' "
            "WHERE NOT EXISTS (SELECT 1 FROM ingest_run_events WHERE run_id = ?)",
            [summary.run_id, summary.source, summary.mode, json.dumps(parameters, default=str),
             datetime.now(UTC), summary.run_id],
        )


def finish_run(con: duckdb.DuckDBPyConnection, summary: RunSummary) -> None:
    con.execute(
        """
        INSERT INTO ingest_run_events BY NAME
        SELECT run_id, source, mode, parameters, started_at,
            ? AS finished_at, ? AS status, ? AS documents_discovered, ? AS documents_fetched,
            ? AS documents_unchanged, ? AS documents_failed, ? AS observations_parsed,
            ? AS rows_appended, ? AS rows_quarantined, ? AS rows_warned, ? AS watermark, ? AS cursor,
            ? AS message, ? AS problems
        FROM ingest_run_events
        WHERE run_id = ? AND finished_at IS NULL
        """,
        [datetime.now(UTC), summary.status, summary.documents_discovered, summary.documents_fetched,
         summary.documents_unchanged, summary.documents_failed, summary.observations_parsed,
         summary.rows_appended, summary.rows_quarantined, summary.rows_warned, summary.watermark,
         summary.cursor, summary.message, json.dumps(summary.problems, default=str), summary.run_id],
    )


def incremental_start(settings: Settings, source: str, now: datetime) -> tuple[datetime, str | None]:
    """Where a scheduled run starts: the last finished run's watermark (else a recent window) and
    the source's cursor (e.g. the newest X post id), if it keeps one.

    A run that failed on validation still loaded its good rows and stored its documents, so its
    watermark counts; a run that crashed never recorded one.
    """
    with connect(settings.warehouse) as con:
        row = con.execute(
            """
            SELECT max(watermark), arg_max(cursor, finished_at) FILTER (WHERE cursor IS NOT NULL)
            FROM ingest_runs WHERE source = ? AND finished_at IS NOT NULL AND watermark IS NOT NULL
            """,
            [source],
        ).fetchone()
    watermark, cursor = row if row else (None, None)
    return (watermark if watermark is not None else now - DEFAULT_LOOKBACK), cursor
