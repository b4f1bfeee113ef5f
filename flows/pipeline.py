"""The steps of an ingest as plain functions: discover, fetch, parse, validate, load.

The Prefect flow (flows/ingest.py) wraps these as tasks; the benchmark and the tests call
them directly. Each step takes what the previous one returned, nothing flows backwards.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import ModuleType
from typing import Any

import duckdb
import pandas as pd

from extractors.http import FetchError, HttpClient
from extractors.observation import OBSERVATION_FIELDS, DocumentRef, Observation
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


@dataclass
class ParseOutcome:
    frame: pd.DataFrame
    parsed: list[tuple[str, str, int]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    # Kept raw but not readable now (an image without OCR): not marked parsed, so a later run retries.
    unread: list[tuple[str, str]] = field(default_factory=list)


def parse_documents(module: ModuleType, documents: Iterable[StoredDocument], store: RawStore) -> ParseOutcome:
    """Parse stored documents with the source's pure parser into one observations frame."""
    observations: list[Observation] = []
    parsed: list[tuple[str, str, int]] = []
    failed: list[tuple[str, str]] = []
    unread: list[tuple[str, str]] = []
    not_read_errors = getattr(module, "NOT_READ_ERRORS", ())
    for document in documents:
        body = store.read(document.sha256)
        published = date.fromisoformat(document.published) if document.published else None
        try:
            found = _parse_document(module, document, body, published, store)
        except not_read_errors as error:
            unread.append((document.url, str(error)))
            log.warning("not read yet, kept raw for a later run: %s: %s", document.url, error)
            continue
        except ValueError as error:
            # Recorded as read (no figures), so it is not retried every run; a new parser version retries it.
            failed.append((document.url, str(error)))
            parsed.append((document.sha256, module.PARSER_VERSION, 0))
            log.warning("could not parse %s: %s", document.url, error)
            continue
        observations.extend(found)
        parsed.append((document.sha256, module.PARSER_VERSION, len(found)))
    return ParseOutcome(observations_frame(observations), parsed, failed, unread)


def _parse_document(
    module: ModuleType, document: StoredDocument, body: bytes, published: date | None, store: RawStore
) -> list[Observation]:
    """One document's observations. A source that reads images (it defines `recognise`) parses an
    image's recognised text, kept beside the image so a parser upgrade need not OCR it again.
    """
    if hasattr(module, "recognise") and module.is_image(body):
        recognised = _recognised_text(module, document.sha256, body, store)
        return module.parse_recognised(recognised, url=document.url, published=published, sha256=document.sha256)
    return module.parse(body, url=document.url, published=published, sha256=document.sha256)


def _recognised_text(module: ModuleType, sha256: str, body: bytes, store: RawStore) -> Any:
    """The stored reading of an image while the current OCR engine and settings made it, else a new
    reading (the source's not-read error when there can be none), stored beside the image.
    """
    stored = store.read_derived(sha256, module.RECOGNISED_TEXT_NAME)
    if stored is not None:
        try:
            recognised = module.read_recognised(stored)
        except ValueError as error:
            log.warning("stored text of image %s is damaged, recognising it again: %s", sha256, error)
        else:
            if module.recognised_is_current(recognised):
                return recognised
    recognised = module.recognise(body)
    store.put_derived(sha256, module.RECOGNISED_TEXT_NAME, recognised.to_json())
    return recognised


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
    # GX is heavy: only the flows pay for importing it.
    from expectations.validate import WARNING_DETAILS_COLUMN, WARNINGS_COLUMN, suite_for, validate_batch

    if frame.empty:
        return Validated(frame, pd.DataFrame(), None)
    outcome = validate_batch(with_stored_context(con, frame), today=today, suite=suite_for(source))
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
