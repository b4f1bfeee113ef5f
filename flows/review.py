"""What an on-call person does after an alert: re-validate stored rows, review quarantine and unread figures.

`validate_stored` runs the current suites over the stored figures of a source without fetching
anything (after a suite change, say) and records the result beside the runs' results; it never
changes a stored row. A row a person released or acknowledged after review does not count against
it again. `release` loads one quarantined row after review through the same versioned load as any
other row, and marks it released; `acknowledge` closes one with a note, leaving it out: nothing is
overwritten or deleted. `unread_figures` lists what the parsers saw but could not read.
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


# Quarantined rows a person closed after review: a stored row with the same key and value is accepted.
REVIEWED_ROWS = """
SELECT DISTINCT source, metric, subject, period_start, period_end, assessment, value
FROM quarantine
WHERE source = ? AND metric IS NOT NULL AND (released_at IS NOT NULL OR acknowledged_at IS NOT NULL)
"""

UNREAD_FIGURES = """
SELECT source, strftime(detected_at, '%Y-%m-%d') AS detected, metric, value, detail AS reason, quote, url, run_id
FROM anomalies
WHERE kind = 'unread' AND ($source IS NULL OR source = $source) AND ($run_id IS NULL OR run_id = $run_id)
ORDER BY detected_at DESC, url, quote
LIMIT $limit
"""


@dataclass(frozen=True)
class Revalidation:
    source: str
    run_id: str
    rows_checked: int
    rows_failing_critical: int
    rows_warned: int
    failed: list[tuple[str, str, int]]  # (severity, expectation, rows)
    # Rows failing a critical expectation that a person released or acknowledged: not counted.
    rows_reviewed: int = 0
    # Quarantined rows of the source still waiting for a person (open_quarantine): they fail it too.
    rows_waiting: int = 0


@dataclass(frozen=True)
class UnreadFigure:
    source: str
    detected: str  # the day a run kept it (UTC)
    metric: str | None
    value: float | None
    reason: str
    quote: str | None
    url: str | None
    run_id: str


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
        reviewed = _reviewed(validated.quarantined, con.execute(REVIEWED_ROWS, [source]).df())
        waiting = con.execute("SELECT count(*) FROM open_quarantine WHERE source = ?", [source]).fetchone()
    failing = validated.quarantined[~reviewed]
    critical: dict[str, int] = {}
    for names in failing["failed_expectations"] if not failing.empty else []:
        for name in names:
            critical[name] = critical.get(name, 0) + 1
    warnings = [(p.severity, p.check, p.count) for p in validation_problems(validated) if p.severity == "warning"]
    return Revalidation(
        source=source, run_id=run_id, rows_checked=record.rows_checked,
        rows_failing_critical=len(failing), rows_warned=record.rows_warned,
        failed=[("critical", name, count) for name, count in critical.items()] + warnings,
        rows_reviewed=int(reviewed.sum()), rows_waiting=int(waiting[0]) if waiting else 0,
    )


def _reviewed(failing: pd.DataFrame, reviewed: pd.DataFrame) -> pd.Series:
    """Which failing rows match (key and value) a quarantined row a person released or acknowledged."""
    if failing.empty or reviewed.empty:
        return pd.Series(False, index=failing.index, dtype=bool)
    columns = ["metric", "subject", "period_start", "period_end", "assessment", "value"]
    keys = {tuple(_plain(v) for v in row) for row in reviewed[columns].itertuples(index=False)}
    return failing[columns].apply(lambda row: tuple(_plain(v) for v in row) in keys, axis=1).astype(bool)


def _plain(value: object) -> object:
    if isinstance(value, pd.Timestamp | datetime):
        return value.date()
    return float(value) if isinstance(value, int | float) else value


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
        if pd.notna(row.at[0, "acknowledged_at"]):
            raise ReviewError(f"row {quarantine_id} was acknowledged, at {row.at[0, 'acknowledged_at']}: "
                              f"it stays out ({row.at[0, 'acknowledge_note']})")
        if pd.isna(row.at[0, "metric"]) or pd.isna(row.at[0, "value"]):
            raise ReviewError(f"row {quarantine_id} could not be read ({row.at[0, 'reason']}): fix it at the "
                              "source and ingest again, or close it with `bulletins quarantine acknowledge`")
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


def acknowledge(settings: Settings, quarantine_id: str, *, note: str) -> None:
    """Close one quarantined row after review without loading it; the note says why it stays out."""
    if not note.strip():
        raise ReviewError("--note is required: say why the row stays out")
    with connect(settings.warehouse) as con:
        row = con.execute("SELECT released_at, acknowledged_at FROM quarantine WHERE quarantine_id = ?",
                          [quarantine_id]).fetchone()
        if row is None:
            raise ReviewError(f"no quarantined row {quarantine_id!r}: `bulletins quarantine` lists them")
        released_at, acknowledged_at = row
        if released_at is not None:
            raise ReviewError(f"row {quarantine_id} was released already, at {released_at}")
        if acknowledged_at is not None:
            raise ReviewError(f"row {quarantine_id} was acknowledged already, at {acknowledged_at}")
        # An appended review event, never an UPDATE (as releases, migration 012): `quarantine` shows it.
        con.execute(
            "INSERT INTO quarantine_acknowledgements (quarantine_id, acknowledged_at, acknowledged_by, "
            "acknowledge_note) VALUES (?, ?, ?, ?)",
            [quarantine_id, datetime.now(UTC), getpass.getuser(), note.strip()],
        )


def unread_figures(con: duckdb.DuckDBPyConnection, *, source: str | None = None, run_id: str | None = None,
                   limit: int = 50) -> list[UnreadFigure]:
    """The figures the parsers saw but could not read, newest first (anomalies of kind `unread`)."""
    rows = con.execute(UNREAD_FIGURES, {"source": source, "run_id": run_id, "limit": limit}).fetchall()
    return [UnreadFigure(source, detected, metric, value, reason, quote, url, run)
            for source, detected, metric, value, reason, quote, url, run in rows]
