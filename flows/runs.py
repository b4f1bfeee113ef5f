"""The `ingest_runs` log: where a run starts, what it did, how it ended, where the next run begins.

Every run that starts also finishes its row, whatever happens: completed (with or without
warnings), failed with the reason (a configuration error, an exception, Ctrl-C or SIGTERM), or,
when its process was killed outright (kill -9, a lost machine), `abandoned` by the next run of
any source, which sees that the process recorded for the row is gone.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from extractors.observation import DocumentRef
from extractors.source import Source
from flows.settings import Settings
from warehouse.db import connect
from warehouse.processes import process_runs

# On an empty warehouse a scheduled ingest looks back this far (DESIGN.md §2).
DEFAULT_LOOKBACK = timedelta(days=30)
# A document that failed to be fetched holds the watermark back, so the next runs try it again;
# after failing in this many runs it is given up (an anomaly says so) and the watermark moves on.
GIVE_UP_AFTER_RUNS = 5
# A running row whose process cannot be checked (another host, or written before runs recorded
# their process) is taken as abandoned after this long: no ingest runs for a day.
UNCHECKABLE_RUN_MAX_AGE = timedelta(hours=24)


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
    documents_kept_raw: int = 0
    observations_parsed: int = 0
    figures_unread: int = 0
    rows_appended: int = 0
    rows_quarantined: int = 0
    rows_warned: int = 0
    watermark: datetime | None = None
    cursor: str | None = None
    # running | completed | completed_with_warnings | failed | abandoned
    status: str = "running"
    message: str = ""
    failed_urls: list[str] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def coverage(self) -> float | None:
        """Figures read / (read + seen but not read); None when the run met no figure at all."""
        seen = self.observations_parsed + self.figures_unread
        return self.observations_parsed / seen if seen else None

    def coverage_text(self) -> str:
        if self.coverage is None:
            return "no figures met"
        return (f"figure coverage {self.coverage:.0%} ({self.observations_parsed} read, "
                f"{self.figures_unread} kept for review)")

    def as_table(self) -> list[dict[str, Any]]:
        skip = {"failed_urls", "watermark", "cursor", "problems"}
        rows = [{"measure": k, "value": str(v)} for k, v in asdict(self).items() if k not in skip]
        coverage = "" if self.coverage is None else f"{self.coverage:.3f}"
        return [*rows, {"measure": "figure_coverage", "value": coverage}]


# Runs are appended events, never updated (migration 011): a start row, then a finish row built
# from it; `ingest_runs` shows each run's latest. A Prefect retry of the same flow run starts once.
def start_run(con: duckdb.DuckDBPyConnection, summary: RunSummary, parameters: dict[str, Any]) -> list[str]:
    """Record the run as running, with the process running it; close the rows of runs whose process
    died without finishing (abandoned). Returns the run ids it closed."""
    now = datetime.now(UTC)
    closed = close_abandoned_runs(con, now, by_run=summary.run_id)
    con.execute(
        "INSERT INTO ingest_run_events (run_id, source, mode, parameters, started_at, status, pid, host) "
        "SELECT ?, ?, ?, ?, ?, 'running', ?, ? "
        "WHERE NOT EXISTS (SELECT 1 FROM ingest_run_events WHERE run_id = ?)",
        [summary.run_id, summary.source, summary.mode, json.dumps(parameters, default=str), now,
         os.getpid(), socket.gethostname(), summary.run_id],
    )
    return closed


def close_abandoned_runs(con: duckdb.DuckDBPyConnection, now: datetime, *, by_run: str) -> list[str]:
    """Mark `abandoned` every running row whose process is gone (same host) or that is too old to
    be running (another host, or no process recorded)."""
    host = socket.gethostname()
    running = con.execute(
        "SELECT run_id, pid, host, started_at FROM ingest_runs WHERE status = 'running' AND run_id <> ?",
        [by_run],
    ).fetchall()
    closed = []
    for run_id, pid, run_host, started_at in running:
        if pid is not None and run_host == host:
            if process_runs(pid):
                continue
            why = f"its process (PID {pid}) ended without finishing the run"
        elif now - started_at > UNCHECKABLE_RUN_MAX_AGE:
            why = f"still running after {UNCHECKABLE_RUN_MAX_AGE.total_seconds() / 3600:g} h, its process unknown"
        else:
            continue
        con.execute(  # a finish event, as the run would have appended it
            "INSERT INTO ingest_run_events BY NAME "
            "SELECT run_id, source, mode, parameters, started_at, pid, host, ? AS finished_at, "
            "'abandoned' AS status, ? AS message FROM ingest_run_events WHERE run_id = ? AND finished_at IS NULL",
            [now, f"abandoned: {why}; closed by run {by_run}", run_id],
        )
        closed.append(run_id)
    return closed


def finish_run(con: duckdb.DuckDBPyConnection, summary: RunSummary) -> None:
    con.execute(
        """
        INSERT INTO ingest_run_events BY NAME
        SELECT run_id, source, mode, parameters, started_at, pid, host,
            ? AS finished_at, ? AS status, ? AS documents_discovered, ? AS documents_fetched,
            ? AS documents_unchanged, ? AS documents_failed, ? AS observations_parsed, ? AS figures_unread,
            ? AS rows_appended, ? AS rows_quarantined, ? AS rows_warned, ? AS watermark, ? AS cursor,
            ? AS message, ? AS problems
        FROM ingest_run_events
        WHERE run_id = ? AND finished_at IS NULL
        """,
        [datetime.now(UTC), summary.status, summary.documents_discovered, summary.documents_fetched,
         summary.documents_unchanged, summary.documents_failed, summary.observations_parsed,
         summary.figures_unread, summary.rows_appended, summary.rows_quarantined, summary.rows_warned,
         summary.watermark, summary.cursor, summary.message, json.dumps(summary.problems, default=str),
         summary.run_id],
    )


def end_run(settings: Settings, summary: RunSummary, reason: str) -> None:
    """Finish a run that stopped early (an exception, Ctrl-C, SIGTERM) as failed, with why.

    The counts so far are kept, but no watermark: the next run starts where the last finished one did.
    """
    summary.status, summary.message = "failed", reason
    summary.watermark = summary.cursor = None
    with connect(settings.warehouse) as con:
        finish_run(con, summary)


def refuse_run(settings: Settings, summary: RunSummary, parameters: dict[str, Any], reason: str) -> None:
    """Record a run that could not start (a configuration error) as failed, with why."""
    with connect(settings.warehouse) as con:
        start_run(con, summary, parameters)
    end_run(settings, summary, reason)


def incremental_start(con: duckdb.DuckDBPyConnection, source: str, now: datetime) -> tuple[datetime, str | None]:
    """Where a scheduled run starts: the last finished run's watermark (else a recent window) and
    the source's cursor (e.g. the newest X post id), if it keeps one.

    A run that failed on validation still loaded its good rows and stored its documents, so its
    watermark counts; a run that crashed or was stopped recorded none.
    """
    row = con.execute(
        """
        SELECT max(watermark), arg_max(cursor, finished_at) FILTER (WHERE cursor IS NOT NULL)
        FROM ingest_runs WHERE source = ? AND finished_at IS NOT NULL AND watermark IS NOT NULL
        """,
        [source],
    ).fetchone()
    watermark, cursor = row if row else (None, None)
    return (watermark if watermark is not None else now - DEFAULT_LOOKBACK), cursor


def hold_watermark(
    con: duckdb.DuckDBPyConnection, summary: RunSummary, source: Source, refs: list[DocumentRef],
    failed: dict[str, str], since: datetime | None, cursor: str | None,
) -> dict[str, str]:
    """Set where the next incremental run starts: past every document stored, never past one that
    failed to be fetched (the next runs try it again), unless it failed in GIVE_UP_AFTER_RUNS runs:
    then it is given up and no longer holds the runs back. Returns the given-up ones (url: reason)."""
    given_up = {url: why for url, why in failed.items() if failed_runs_of(con, source.name, url) >= GIVE_UP_AFTER_RUNS}
    holding = [r for r in refs if r.url in failed and r.url not in given_up]
    passed = [r for r in refs if r.url not in failed or r.url in given_up]
    marks = [m for m in map(_mark, passed) if m is not None]
    watermark = max(marks) if marks else since
    held = [m for m in map(_mark, holding) if m is not None]
    if held:
        # Discovery keeps what is newer than the watermark: stop just before the oldest failure.
        watermark = min([min(held) - timedelta(microseconds=1), *([watermark] if watermark else [])])
    summary.watermark = watermark
    if source.cursor is not None:
        summary.cursor = source.cursor.advance(passed, holding) or cursor
    return given_up


def _mark(ref: DocumentRef) -> datetime | None:
    if ref.lastmod is not None:
        return ref.lastmod
    return datetime.combine(ref.published, datetime.min.time(), UTC) if ref.published else None


def failed_runs_of(con: duckdb.DuckDBPyConnection, source: str, url: str) -> int:
    """In how many runs fetching `url` failed since it was last stored (this run's attempts included,
    once recorded)."""
    row = con.execute(
        """
        SELECT count(DISTINCT a.run_id)
        FROM fetch_attempts AS a
        WHERE a.source = $source AND a.url = $url AND (a.error IS NOT NULL OR a.status >= 400)
          AND a.attempted_at > coalesce(
              (SELECT max(fetched_at) FROM raw_documents WHERE source = $source AND url = $url),
              '-infinity'::TIMESTAMPTZ)
        """,
        {"source": source, "url": url},
    ).fetchone()
    return int(row[0]) if row else 0

