"""Versioned, idempotent loads: one transaction per batch (DESIGN.md §2, §4).

Everything a batch brings — raw document records, fetch attempts, the parser's bookkeeping,
validation results, quarantined rows and new observation versions — commits together or
not at all, so a failed load never leaves half a batch behind.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from extractors.observation import OBSERVATION_FIELDS, Observation
from warehouse.backend import commit_with_retries, insert_new, rollback_quietly
from warehouse.raw_store import StoredDocument, record_documents

SQL_DIR = Path(__file__).parent / "sql"
NEW_VERSIONS_SQL = (SQL_DIR / "new_versions.sql").read_text(encoding="utf-8")

_DATE_FIELDS = ("period_start", "period_end", "published_at")
_FLOAT_FIELDS = ("value", "value_low", "value_high")


def observations_frame(observations: Iterable[Observation]) -> pd.DataFrame:
    """Observations as a DataFrame with the §4 columns; dates as datetime64, numbers as float."""
    frame = pd.DataFrame([o.to_dict() for o in observations], columns=list(OBSERVATION_FIELDS))
    for name in _DATE_FIELDS:
        frame[name] = pd.to_datetime(frame[name])
    for name in _FLOAT_FIELDS:
        frame[name] = pd.to_numeric(frame[name]).astype("float64")
    return frame


@dataclass(frozen=True)
class ValidationRecord:
    suite: str
    success: bool
    rows_checked: int
    rows_quarantined: int
    rows_warned: int
    expectations: list[dict[str, Any]]
    result_json: str


@dataclass
class LoadBatch:
    run_id: str
    source: str
    recorded_at: datetime
    observations: pd.DataFrame
    quarantined: pd.DataFrame = field(default_factory=pd.DataFrame)
    documents: list[StoredDocument] = field(default_factory=list)
    fetch_attempts: list[dict[str, Any]] = field(default_factory=list)
    parsed: list[tuple[str, str, int]] = field(default_factory=list)  # (sha256, parser_version, count)
    validation: ValidationRecord | None = None
    # Loaded rows that failed warning expectations: observation columns + expectation + detail.
    warnings: pd.DataFrame = field(default_factory=pd.DataFrame)
    document_metrics: list[tuple[str, str, str]] = field(default_factory=list)  # (sha256, parser_version, metric)


@dataclass(frozen=True)
class Anomaly:
    """Something a run found wrong beyond row validation (see the anomalies table)."""

    kind: str  # anomaly | unread | stale | unreachable
    check_name: str
    severity: str  # critical | warning
    detail: str
    url: str | None = None
    document_sha256: str | None = None
    # An unread figure (kind unread): the sentence that carried it, and what it looked like.
    quote: str | None = None
    metric: str | None = None
    value: float | None = None


@dataclass(frozen=True)
class LoadResult:
    rows_appended: int
    rows_quarantined: int
    documents_recorded: int


def load_batch(con: duckdb.DuckDBPyConnection, batch: LoadBatch) -> LoadResult:
    """Load the batch in one transaction; on a lake, a commit that lost a race is replayed (bounded)."""
    return commit_with_retries(con, lambda: _load_once(con, batch), f"{batch.source} batch of run {batch.run_id}")


def _load_once(con: duckdb.DuckDBPyConnection, batch: LoadBatch) -> LoadResult:
    con.execute("BEGIN TRANSACTION")
    try:
        documents_recorded = record_documents(con, batch.documents, batch.run_id)
        _record_fetch_attempts(con, batch)
        _record_parsed(con, batch)
        _record_validation(con, batch)
        _record_warnings(con, batch)
        rows_quarantined = _quarantine(con, batch)
        rows_appended = append_observations(con, batch.observations, batch.run_id, batch.recorded_at)
        con.execute("COMMIT")
    except Exception:
        rollback_quietly(con)
        raise
    return LoadResult(rows_appended, rows_quarantined, documents_recorded)


def append_observations(
    con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, run_id: str, recorded_at: datetime
) -> int:
    """Append the rows of `frame` that are new versions; return how many. Caller owns the transaction."""
    if frame.empty:
        return 0
    batch = frame[list(OBSERVATION_FIELDS)].reset_index(drop=True)
    batch.insert(0, "batch_seq", range(len(batch)))
    con.register("batch", batch)
    try:
        before = _count(con, "observations")
        con.execute(
            f"INSERT INTO observations BY NAME ({NEW_VERSIONS_SQL})",
            {"recorded_at": recorded_at, "run_id": run_id},
        )
        return _count(con, "observations") - before
    finally:
        con.unregister("batch")


def _record_fetch_attempts(con: duckdb.DuckDBPyConnection, batch: LoadBatch) -> None:
    if not batch.fetch_attempts:
        return
    frame = pd.DataFrame(batch.fetch_attempts)
    frame["run_id"] = batch.run_id
    frame["source"] = batch.source
    con.register("attempts", frame)
    try:
        con.execute(
            """
            INSERT INTO fetch_attempts BY NAME
            SELECT run_id, source, url, attempted_at, status, error, elapsed_ms, retry_after_s FROM attempts
            """
        )
    finally:
        con.unregister("attempts")


def _record_parsed(con: duckdb.DuckDBPyConnection, batch: LoadBatch) -> None:
    # The keys are kept here, not by constraints (a lake has none): a pair already recorded is skipped.
    if batch.document_metrics:
        metrics = pd.DataFrame(batch.document_metrics, columns=["sha256", "parser_version", "metric"])
        insert_new(con, "parsed_document_metrics", metrics.drop_duplicates(), ["sha256", "parser_version", "metric"])
    if not batch.parsed:
        return
    parsed = pd.DataFrame(batch.parsed, columns=["sha256", "parser_version", "observations"])
    parsed = parsed.drop_duplicates(["sha256", "parser_version"]).assign(run_id=batch.run_id,
                                                                         parsed_at=batch.recorded_at)
    insert_new(con, "parsed_documents", parsed, ["sha256", "parser_version"])


def record_anomalies(
    con: duckdb.DuckDBPyConnection, run_id: str, source: str, anomalies: Iterable[Anomaly], at: datetime
) -> None:
    anomalies = list(anomalies)
    if not anomalies:
        return
    con.executemany(
        "INSERT INTO anomalies BY NAME SELECT ? AS run_id, ? AS source, ? AS detected_at, ? AS kind, "
        "? AS check_name, ? AS severity, ? AS url, ? AS document_sha256, ? AS detail, ? AS quote, "
        "? AS metric, ?::DOUBLE AS value",
        [[run_id, source, at, a.kind, a.check_name, a.severity, a.url, a.document_sha256, a.detail, a.quote,
          a.metric, a.value] for a in anomalies],
    )


def _record_warnings(con: duckdb.DuckDBPyConnection, batch: LoadBatch) -> None:
    if batch.warnings.empty:
        return
    columns = ["metric", "subject", "period_start", "period_end", "assessment", "value", "quote", "url",
               "document_sha256", "expectation", "detail"]
    con.register("warned", batch.warnings[columns])
    try:
        con.execute(
            """
            INSERT INTO validation_warnings BY NAME
            SELECT w.*, CAST($run_id AS VARCHAR) AS run_id, CAST($source AS VARCHAR) AS source,
                   CAST($at AS TIMESTAMPTZ) AS warned_at
            FROM warned AS w
            """,
            {"run_id": batch.run_id, "source": batch.source, "at": batch.recorded_at},
        )
    finally:
        con.unregister("warned")


def _record_validation(con: duckdb.DuckDBPyConnection, batch: LoadBatch) -> None:
    if batch.validation is not None:
        record_validation(con, batch.run_id, batch.source, batch.recorded_at, batch.validation)


def record_validation(
    con: duckdb.DuckDBPyConnection, run_id: str, source: str, validated_at: datetime, record: ValidationRecord
) -> None:
    con.execute(
        "INSERT INTO validation_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, source, record.suite, validated_at, record.success, record.rows_checked,
         record.rows_quarantined, record.rows_warned, json.dumps(record.expectations), record.result_json],
    )


def _quarantine(con: duckdb.DuckDBPyConnection, batch: LoadBatch) -> int:
    """Store failed rows with their reasons; a row already quarantined from the same document is not stored twice."""
    frame = batch.quarantined
    if frame.empty:
        return 0
    rows = frame[[*OBSERVATION_FIELDS, "failed_expectations", "reason"]].copy()
    rows["failed_expectations"] = rows["failed_expectations"].map(list)
    rows.insert(0, "quarantine_id", [uuid.uuid4().hex[:12] for _ in range(len(rows))])
    con.register("failed", rows)
    try:
        before = _count(con, "quarantine")
        con.execute(
            """
            INSERT INTO quarantined_rows BY NAME
            SELECT f.*, CAST($run_id AS VARCHAR) AS run_id, CAST($at AS TIMESTAMPTZ) AS quarantined_at
            FROM failed AS f
            WHERE NOT EXISTS (
                SELECT 1 FROM quarantined_rows AS q
                WHERE q.document_sha256 IS NOT DISTINCT FROM f.document_sha256
                  AND q.parser_version IS NOT DISTINCT FROM f.parser_version
                  AND q.metric IS NOT DISTINCT FROM f.metric
                  AND q.period_start IS NOT DISTINCT FROM CAST(f.period_start AS DATE)
                  AND q.period_end IS NOT DISTINCT FROM CAST(f.period_end AS DATE)
                  AND q.value IS NOT DISTINCT FROM f.value
                  AND q.assessment IS NOT DISTINCT FROM f.assessment
            )
            """,
            {"run_id": batch.run_id, "at": batch.recorded_at},
        )
        return _count(con, "quarantine") - before
    finally:
        con.unregister("failed")


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0
