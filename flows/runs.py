"""The `ingest_runs` log: where a run starts, what it did, where the next incremental run begins."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

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
    status: str = "running"
    message: str = ""
    failures: list[str] = field(default_factory=list)

    def as_table(self) -> list[dict[str, Any]]:
        skip = {"failures", "watermark"}
        return [{"measure": k, "value": str(v)} for k, v in asdict(self).items() if k not in skip]


def start_run(settings: Settings, summary: RunSummary, parameters: dict[str, Any]) -> None:
    with connect(settings.warehouse_path) as con:
        con.execute(
            "INSERT INTO ingest_runs (run_id, source, mode, parameters, started_at, status) "
            "VALUES (?, ?, ?, ?, ?, 'running') ON CONFLICT DO NOTHING",
            [summary.run_id, summary.source, summary.mode, json.dumps(parameters, default=str),
             datetime.now(UTC)],
        )


def finish_run(settings: Settings, summary: RunSummary) -> None:
    with connect(settings.warehouse_path) as con:
        con.execute(
            """
            UPDATE ingest_runs SET
                finished_at = ?, status = ?, documents_discovered = ?, documents_fetched = ?,
                documents_unchanged = ?, documents_failed = ?, observations_parsed = ?,
                rows_appended = ?, rows_quarantined = ?, watermark = ?, message = ?
            WHERE run_id = ?
            """,
            [datetime.now(UTC), summary.status, summary.documents_discovered, summary.documents_fetched,
             summary.documents_unchanged, summary.documents_failed, summary.observations_parsed,
             summary.rows_appended, summary.rows_quarantined, summary.watermark, summary.message,
             summary.run_id],
        )


def incremental_since(settings: Settings, source: str, now: datetime) -> datetime:
    """Where a scheduled run starts: the last successful run's watermark, else a recent window."""
    with connect(settings.warehouse_path) as con:
        row = con.execute(
            "SELECT max(watermark) FROM ingest_runs WHERE source = ? AND status = 'completed'", [source]
        ).fetchone()
    if row and row[0] is not None:
        watermark: datetime = row[0]
        return watermark
    return now - DEFAULT_LOOKBACK
