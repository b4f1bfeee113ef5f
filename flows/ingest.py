"""The Prefect flows: one `ingest` per source (incremental or backfill), batch by batch.

discover -> fetch -> raw store -> parse -> validate -> load, with documents processed in
batches of BATCH_SIZE: a task per batch, never per document (Prefect's per-task cost would
dominate), and one warehouse transaction per batch.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from extractors.http import FetchError
from extractors.observation import DocumentRef
from extractors.sources import source_module
from flows import pipeline
from flows.runs import RunSummary, finish_run, incremental_since, start_run
from flows.settings import Settings
from warehouse.db import connect
from warehouse.load import LoadBatch
from warehouse.raw_store import RawStore, StoredDocument, already_parsed, latest_validators, stored_documents

BATCH_SIZE = 50


class SourceUnreachable(RuntimeError):
    """Nothing could be fetched from a source: the run must fail, not report an empty success."""


@task(name="discover", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
def discover_documents(
    source: str, settings: Settings, since: datetime | None, date_from: date | None, date_to: date | None
) -> list[DocumentRef]:
    module = source_module(source)
    with settings.http_client(source) as client:
        return module.discover(client, settings.base_url(source), since=since, date_from=date_from,
                               date_to=date_to, **settings.discover_options(source))


@task(name="fetch-parse-validate-load", retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE)
def process_batch(
    source: str, settings: Settings, refs: list[DocumentRef], run_id: str,
    stored: list[StoredDocument] | None = None,
) -> dict[str, int]:
    """Fetch `refs`, then parse, validate and load them with the `stored` documents still unread."""
    module = source_module(source)
    store = RawStore(settings.raw_dir)
    with connect(settings.warehouse_path) as con:
        validators = latest_validators(con, source)
        parsed_before = already_parsed(con, [v[2] for v in validators.values()], module.PARSER_VERSION)
    with settings.http_client(source) as client:
        fetched = pipeline.fetch_documents(refs, client, store, validators)
    # An API page or feed fetched again unchanged was read already: skip the work.
    read_before = {d.sha256 for d in fetched.documents} & parsed_before
    to_parse = [d for d in fetched.documents if d.sha256 not in read_before] + list(stored or [])
    parsed = pipeline.parse_documents(module, to_parse, store)
    validated = pipeline.validate_observations(parsed.frame, today=datetime.now(UTC).date())
    result = pipeline.load(
        settings,
        LoadBatch(
            run_id=run_id,
            source=source,
            recorded_at=datetime.now(UTC),
            observations=validated.valid,
            quarantined=validated.quarantined,
            documents=fetched.documents,
            fetch_attempts=fetched.attempts,
            parsed=parsed.parsed,
            validation=validated.record,
        ),
    )
    return {
        "documents_fetched": len(fetched.documents) - len(read_before),
        "documents_unchanged": len(fetched.unchanged) + len(read_before),
        "documents_failed": len(fetched.failed),
        "documents_unparsable": len(parsed.failed),
        "documents_unread": len(parsed.unread),
        "observations_parsed": len(parsed.frame),
        "rows_appended": result.rows_appended,
        "rows_quarantined": result.rows_quarantined,
        "rows_warned": validated.record.rows_warned if validated.record else 0,
    }


@flow(name="ingest", log_prints=True)
def ingest(
    source: str = "isw",
    date_from: date | None = None,
    date_to: date | None = None,
    mode: str = "incremental",
) -> RunSummary:
    """Bring a source's new and changed documents into the warehouse.

    mode "incremental" starts where the last successful run stopped (a recent window on an
    empty warehouse); mode "backfill" takes every document published in date_from..date_to.
    """
    logger = get_run_logger()
    settings = Settings.from_env()
    run_id = str(flow_run.get_id() or uuid.uuid4())
    summary = RunSummary(run_id=run_id, source=source, mode=mode)
    start_run(settings, summary, {"date_from": date_from, "date_to": date_to})

    since = incremental_since(settings, source, datetime.now(UTC)) if mode == "incremental" else None
    try:
        discover = discover_documents.with_options(retries=settings.discover_retries)
        refs = discover(source, settings, since, date_from, date_to)
    except FetchError as error:
        summary.status, summary.message = "failed", f"{source} could not be reached: {error}"
        finish_run(settings, summary)
        raise SourceUnreachable(summary.message) from error
    summary.documents_discovered = len(refs)
    logger.info("%s: %d documents to look at", source, len(refs))

    with connect(settings.warehouse_path) as con:
        # Documents kept raw but not read by this parser version: OCR failed last time, or the
        # parser was upgraded. They are re-read from the raw store, without the network.
        unread = stored_documents(con, source, unparsed_by=source_module(source).PARSER_VERSION)
    batches = [(refs[i : i + BATCH_SIZE], []) for i in range(0, len(refs), BATCH_SIZE)]
    batches += [([], unread[i : i + BATCH_SIZE]) for i in range(0, len(unread), BATCH_SIZE)]
    for batch_refs, batch_stored in batches:
        counts = process_batch(source, settings, batch_refs, run_id, batch_stored)
        for name, value in counts.items():
            setattr(summary, name, getattr(summary, name) + value)

    marks = [r.lastmod for r in refs if r.lastmod] or [
        datetime.combine(r.published, datetime.min.time(), UTC) for r in refs if r.published
    ]
    summary.watermark = max(marks) if marks else since
    unreachable = refs and summary.documents_failed == len(refs)
    summary.status = "failed" if unreachable else "completed"
    summary.message = _message(summary)
    finish_run(settings, summary)
    _publish_artifacts(summary)
    if unreachable:
        raise SourceUnreachable(f"{source}: every one of {len(refs)} documents failed to fetch")
    logger.info(summary.message)
    return summary


@flow(name="backfill", log_prints=True)
def backfill(source: str = "isw", date_from: date | None = None, date_to: date | None = None) -> RunSummary:
    """Re-read every document of a source published in a date range (a subflow of `ingest`)."""
    return ingest(source=source, date_from=date_from, date_to=date_to, mode="backfill")


def _message(summary: RunSummary) -> str:
    return (
        f"{summary.source} {summary.mode}: {summary.documents_discovered} discovered, "
        f"{summary.documents_fetched} fetched, {summary.documents_unchanged} unchanged, "
        f"{summary.documents_failed} failed, {summary.documents_unread} not read yet; "
        f"{summary.observations_parsed} figures parsed, "
        f"{summary.rows_appended} new versions, {summary.rows_quarantined} quarantined"
    )


def _publish_artifacts(summary: RunSummary) -> None:
    create_table_artifact(
        key=f"ingest-{summary.source}-summary",
        table=summary.as_table(),
        description=summary.message,
    )
    if summary.rows_quarantined:
        create_markdown_artifact(
            key=f"ingest-{summary.source}-quarantine",
            markdown=f"**{summary.rows_quarantined} rows quarantined** in run `{summary.run_id}`: "
            "see `SELECT * FROM quarantine WHERE run_id = ...`.",
        )
