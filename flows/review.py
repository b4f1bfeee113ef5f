"""What an on-call person does after an alert: re-validate stored rows, list and release quarantine.

`validate_stored` runs the current suites over the stored figures of a source without fetching
anything (after a suite change, say) and records the result beside the runs' results; it never
changes a stored row. `release` loads one quarantined row after review through the same versioned
load as any other row, and marks it released: nothing is overwritten or deleted.
"""

from __future__ import annotations

import getpass
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import duckdb
import pandas as pd

from extractors.observation import OBSERVATION_FIELDS
from flows import pipeline
from flows.run_report import validation_problems
from flows.settings import Settings
from warehouse.db import connect
from warehouse.load import append_observations, record_validation

# Stored rows a re-validation reads: the statements in force, one per series key.
STORED_ROWS = "SELECT * FROM observations_latest WHERE source = ? ORDER BY metric, period_end"

OPEN_ROWS = """
SELECT quarantine_id, source, metric, subject, strftime(period_start, '%Y-%m-%d') AS period_start,
       strftime(period_end, '%Y-%m-%d') AS period_end, value, unit, reason, url
FROM {relation}
WHERE ($source IS NULL OR source = $source)
ORDER BY quarantined_at DESC
LIMIT $limit
"""


class ReviewError(ValueError):
    """A request that cannot be carried out; the message says what to do instead."""


@dataclass(frozen=True)
class Revalidation:
    source: str
    run_id: str
    rows_checked: int
    rows_failing_critical: int
    rows_warned: int
    failed: list[tuple[str, str, int]]  # (severity, expectation, rows)


def validate_stored(settings: Settings, source: str, *, today: date | None = None) -> Revalidation:
    """Re-validate the source's current stored figures with the current suite; record the result."""
    run_id = f"validate-{uuid.uuid4().hex[:12]}"
    with connect(settings.warehouse) as con:
        frame = con.execute(STORED_ROWS, [source]).df()
        if frame.empty:
            raise ReviewError(f"no stored figures for source {source!r}: run `bulletins ingest --source {source}`")
        rows = frame[list(OBSERVATION_FIELDS)]
        validated = pipeline.validate_observations(rows, source=source, today=today or datetime.now(UTC).date(),
                                                   con=con)
        record = validated.record
        assert record is not None  # a non-empty frame is always validated
        record_validation(con, run_id, source, datetime.now(UTC), record)
    problems = validation_problems(validated)
    return Revalidation(
        source=source, run_id=run_id, rows_checked=record.rows_checked,
        rows_failing_critical=record.rows_quarantined, rows_warned=record.rows_warned,
        failed=[(p.severity, p.check, p.count) for p in problems],
    )


def open_quarantine(con: duckdb.DuckDBPyConnection, *, source: str | None, include_resolved: bool,
                    limit: int = 200) -> pd.DataFrame:
    relation = "quarantine" if include_resolved else "open_quarantine"
    return con.execute(OPEN_ROWS.format(relation=relation), {"source": source, "limit": limit}).df()


@dataclass(frozen=True)
class Release:
    quarantine_id: str
    rows_appended: int
    version: int | None


def release(settings: Settings, quarantine_id: str, *, note: str | None = None) -> Release:
    """Load one quarantined row after review, as a new version if it changes the series; mark it released."""
    now = datetime.now(UTC)
    with connect(settings.warehouse) as con:
        row = con.execute("SELECT * FROM quarantine WHERE quarantine_id = ?", [quarantine_id]).df()
        if row.empty:
            raise ReviewError(f"no quarantined row {quarantine_id!r}: `bulletins quarantine` lists them")
        if pd.notna(row.at[0, "released_at"]):
            raise ReviewError(f"row {quarantine_id} was released already, at {row.at[0, 'released_at']}")
        con.execute("BEGIN TRANSACTION")
        try:
            frame = row[list(OBSERVATION_FIELDS)]
            appended = append_observations(con, frame, f"release-{quarantine_id}", now)
            version = _stored_version(con, row.iloc[0], now) if appended else None
            # An appended review event, never an UPDATE (migration 012): `quarantine` shows it.
            con.execute(
                "INSERT INTO quarantine_releases (quarantine_id, released_at, released_by, release_note, "
                "released_version) VALUES (?, ?, ?, ?, ?)",
                [quarantine_id, now, getpass.getuser(), note, version],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return Release(quarantine_id, appended, version)


def _stored_version(con: duckdb.DuckDBPyConnection, row: pd.Series, recorded_at: datetime) -> int | None:
    found = con.execute(
        """
        SELECT version FROM observations
        WHERE source = ? AND metric = ? AND subject = ? AND period_start = ? AND period_end = ?
          AND assessment = ? AND recorded_at = ?
        """,
        [row["source"], row["metric"], row["subject"], row["period_start"], row["period_end"],
         row["assessment"], recorded_at],
    ).fetchone()
    return int(found[0]) if found else None
