"""The steps of an ingest as plain functions: discover, fetch, parse, validate, load.

The Prefect flow (flows/ingest.py) wraps these as tasks; the benchmark and the tests call
them directly. Each step takes what the previous one returned, nothing flows backwards.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pandas as pd

from extractors.http import FetchError, HttpClient
from extractors.observation import OBSERVATION_FIELDS, DocumentRef, Observation, Unread
from extractors.source import Source
from extractors.sources import read_document
from extractors.sources import source as declared_source
from flows.words import one_line
from warehouse.load import ValidationRecord, observations_frame
from warehouse.raw_store import RawStore, StoredDocument
from warehouse.validation_context import with_stored_context

log = logging.getLogger("bulletins")

@dataclass
class FetchOutcome:
    documents: list[StoredDocument] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    attempts: list[dict[str, Any]] = field(default_factory=list)


def fetch_documents(
    refs: Iterable[DocumentRef],
    client: HttpClient,
    store: RawStore,
    validators: dict[str, tuple[str | None, str | None, str]],
) -> FetchOutcome:
    """Fetch each document (conditionally when we hold it) and keep its body in the raw store.

    A failed fetch is recorded and skipped: one bad page must not sink the run.
    """
    outcome = FetchOutcome()
    for ref in refs:
        if ref.body is not None:
            # Discovery fetched it already (an API or timeline page).
            outcome.documents.append(
                store.put(ref.body, source=ref.source, url=ref.url, headers=ref.headers,
                          fetched_at=datetime.now(UTC), published=_iso(ref.published))
            )
            continue
        etag, last_modified, _ = validators.get(ref.url, (None, None, ""))
        try:
            result = client.get(ref.url, etag=etag, last_modified=last_modified)
        except FetchError as error:
            outcome.failed.append((ref.url, error.reason))
            outcome.attempts += [_attempt_row(a) for a in error.attempts]
            log.warning("%s", error)
            continue
        outcome.attempts += [_attempt_row(a) for a in result.attempts]
        if result.not_modified or result.body is None:
            outcome.unchanged.append(ref.url)
            continue
        outcome.documents.append(
            store.put(result.body, source=ref.source, url=ref.url, headers=result.headers,
                      fetched_at=result.fetched_at, published=_iso(ref.published))
        )
    return outcome


@dataclass(frozen=True)
class NotParsed:
    """A document the parser refused (bad input: `unexpected` False) or broke on (a parser bug)."""

    url: str
    sha256: str
    reason: str
    unexpected: bool = False


@dataclass
class ParseOutcome:
    frame: pd.DataFrame
    parsed: list[tuple[str, str, int]] = field(default_factory=list)
    failed: list[NotParsed] = field(default_factory=list)
    # Kept raw but not readable now (an image without OCR): not marked parsed, so a later run retries.
    kept_raw: list[tuple[str, str]] = field(default_factory=list)
    # Figures the parser saw but could not read: kept for review, never loaded.
    unread: list[Unread] = field(default_factory=list)


def parse_documents(source: Source, documents: Iterable[StoredDocument], store: RawStore) -> ParseOutcome:
    """Read stored documents with the source's pure reader (its OCR step first for an image).

    One document's failure, whatever it is, is recorded for that document and the rest are read:
    a bad upstream document must not sink the batch, nor be re-read every run (it is marked read
    by this parser version; a new version reads it again).
    """
    outcome = ParseOutcome(pd.DataFrame())
    observations: list[Observation] = []
    for document in documents:
        published = date.fromisoformat(document.published) if document.published else None
        try:
            body = store.read(document.sha256)
            reading = read_document(source, body, url=document.url, published=published,
                                    sha256=document.sha256, store=store)
        except source.not_read_errors as error:
            outcome.kept_raw.append((document.url, str(error)))
            log.warning("not read yet, kept raw for a later run: %s: %s", document.url, error)
            continue
        except ValueError as error:
            outcome.failed.append(NotParsed(document.url, document.sha256, one_line(error)))
            outcome.parsed.append((document.sha256, source.parser_version, 0))
            log.warning("could not parse %s: %s", document.url, one_line(error))
            continue
        except Exception as error:  # a parser bug met on this document: the others are still read
            reason = f"{type(error).__name__}: {one_line(error)}"
            outcome.failed.append(NotParsed(document.url, document.sha256, reason, unexpected=True))
            outcome.parsed.append((document.sha256, source.parser_version, 0))
            log.warning("parser error on %s: %s", document.url, reason)
            continue
        observations.extend(reading.observations)
        outcome.unread += [
            replace(item, url=item.url or document.url, document_sha256=item.document_sha256 or document.sha256)
            for item in reading.unread
        ]
        outcome.parsed.append((document.sha256, source.parser_version, len(reading.observations)))
    outcome.frame = observations_frame(observations)
    return outcome


def unread_rows_frame(source: Source, unread: list[Unread], failed_expectation: str) -> pd.DataFrame:
    """Rows of a hand-written file that could not be read, as quarantined rows (with what could be
    read of them), so they are listed, alerted and reviewed like rows that failed an expectation."""
    if not unread:
        return pd.DataFrame()
    rows = [{**dict.fromkeys(OBSERVATION_FIELDS), "source": source.name, "metric": item.metric,
             "value": item.value, "quote": item.quote, "published_at": item.published_at, "url": item.url,
             "document_sha256": item.document_sha256, "parser_version": item.parser_version,
             "failed_expectations": [failed_expectation], "reason": item.reason} for item in unread]
    frame = pd.DataFrame(rows)
    for name in ("period_start", "period_end", "published_at"):
        frame[name] = pd.to_datetime(frame[name])
    for name in ("value", "value_low", "value_high"):
        frame[name] = pd.to_numeric(frame[name]).astype("float64")
    return frame


@dataclass
class Validated:
    valid: pd.DataFrame
    quarantined: pd.DataFrame
    record: ValidationRecord | None
    # One row per (loaded row, failed warning expectation): observation columns + expectation + detail.
    warnings: pd.DataFrame = field(default_factory=pd.DataFrame)


def validate_observations(
    frame: pd.DataFrame, *, source: str, today: date, con: duckdb.DuckDBPyConnection
) -> Validated:
    """Join the batch with what is stored, run the source's Great Expectations suite over it, and
    set the rows that fail a critical expectation aside."""
    if frame.empty:  # nothing new: Great Expectations is not even imported (a no-change run stays cheap)
        return Validated(frame, pd.DataFrame(), None)
    # GX is heavy: only runs with something to validate pay for importing it.
    from expectations.validate import WARNING_DETAILS_COLUMN, WARNINGS_COLUMN, suite_for, validate_batch

    suite = suite_for(declared_source(source).suite)
    outcome = validate_batch(with_stored_context(con, frame), today=today, suite=suite)
    record = ValidationRecord(
        suite=outcome.suite_name,
        success=outcome.success,
        rows_checked=len(frame),
        rows_quarantined=len(outcome.quarantined),
        rows_warned=int((outcome.valid[WARNINGS_COLUMN].map(len) > 0).sum()),
        expectations=[r.to_dict() for r in outcome.results],
        result_json=outcome.to_json(),
    )
    warned = outcome.valid[outcome.valid[WARNINGS_COLUMN].map(len) > 0]
    warnings = [
        {**row[list(OBSERVATION_FIELDS)].to_dict(), "expectation": name, "detail": detail}
        for _, row in warned.iterrows()
        for name, detail in zip(row[WARNINGS_COLUMN], row[WARNING_DETAILS_COLUMN], strict=True)
    ]
    return Validated(outcome.valid[list(OBSERVATION_FIELDS)], outcome.quarantined, record, pd.DataFrame(warnings))


def _attempt_row(attempt: Any) -> dict[str, Any]:
    return {
        "url": attempt.url,
        "attempted_at": attempt.attempted_at,
        "status": attempt.status,
        "error": attempt.error,
        "elapsed_ms": attempt.elapsed_ms,
        "retry_after_s": attempt.retry_after_s,
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
