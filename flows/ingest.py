"""The Prefect flows: one `ingest` per source (incremental or backfill), batch by batch.

discover -> fetch -> raw store -> parse -> validate -> load, with documents processed in
batches of BATCH_SIZE: a task per batch, never per document (Prefect's per-task cost would
dominate), and one warehouse transaction per batch. At the end one RunReport gathers what went
wrong (failed expectations, parse anomalies, a stale or unreachable source); it is stored, alerted
once, published as an artifact, and decides the final state:

    Completed                  nothing wrong
    Completed with warnings    only warning expectations or anomalies fired (rows loaded, flagged)
    Failed                     critical rows quarantined, or the source stale or unreachable
"""

from __future__ import annotations

import errno
import logging
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

import duckdb
import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Completed, State

from extractors.http import FetchError
from extractors.observation import DocumentRef
from extractors.sources import source_module
from flows import pipeline, run_report
from flows.concurrency import one_run_per_source
from flows.problems import Problem, RunReport
from flows.progress import Progress
from flows.runs import RunSummary, finish_run, incremental_start, start_run
from flows.settings import Settings
from warehouse.db import connect
from warehouse.errors import StorageFull, is_no_room
from warehouse.load import Anomaly, LoadBatch, load_batch, record_anomalies
from warehouse.raw_store import RawStore, StoredDocument, already_parsed, latest_validators, stored_documents

BATCH_SIZE = 50
WARNINGS_STATE = "Completed with warnings"
FINAL_STATUS = {"clean": "completed", "warning": "completed_with_warnings", "critical": "failed"}


class SourceUnreachable(RuntimeError):
    """Nothing could be fetched from a source: the run must fail, not report an empty success."""


class IngestFailed(RuntimeError):
    """The run finished but must count as failed: critical rows were quarantined or the source is stale.
    Everything valid was loaded; `summary` says what happened."""

    def __init__(self, summary: RunSummary) -> None:
        super().__init__(summary.message)
        self.summary = summary


@dataclass
class BatchOutcome:
    counts: dict[str, int]
    problems: list[Problem]
    anomalies: list[Anomaly]


@task(name="discover", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
def discover_documents(
    source: str, settings: Settings, since: datetime | None, date_from: date | None, date_to: date | None,
    cursor: str | None = None,
) -> list[DocumentRef]:
    module = source_module(source)
    options: dict[str, str | None] = dict(settings.discover_options(source))
    cursor_argument = getattr(module, "CURSOR_ARGUMENT", None)
    if cursor and cursor_argument:
        options[cursor_argument] = cursor
    with settings.http_client(source) as client:
        return module.discover(client, settings.base_url(source), since=since, date_from=date_from,
                               date_to=date_to, **options)


@task(name="fetch-parse-validate-load", retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE)
def process_batch(
    source: str, settings: Settings, refs: list[DocumentRef], run_id: str,
    stored: list[StoredDocument] | None = None,
) -> BatchOutcome:
    """Fetch `refs`, then parse, validate and load them with the `stored` documents still unread."""
    module = source_module(source)
    store = RawStore(settings.raw_dir)
    with connect(settings.warehouse) as con:
        validators = latest_validators(con, source)
        parsed_before = already_parsed(con, [v[2] for v in validators.values()], module.PARSER_VERSION)
    with settings.http_client(source) as client:
        fetched = pipeline.fetch_documents(refs, client, store, validators)
    # An API page or feed fetched again unchanged was read already: skip the work.
    read_before = {d.sha256 for d in fetched.documents} & parsed_before
    to_parse = [d for d in fetched.documents if d.sha256 not in read_before] + list(stored or [])
    parsed = pipeline.parse_documents(module, to_parse, store)
    with connect(settings.warehouse) as con:
        usual = run_report.usual_metrics(con, source, module.PARSER_VERSION)
        validated = pipeline.validate_observations(parsed.frame, source=source, today=datetime.now(UTC).date(),
                                                   con=con)
        result = load_batch(con, LoadBatch(
            run_id=run_id,
            source=source,
            recorded_at=datetime.now(UTC),
            observations=validated.valid,
            quarantined=validated.quarantined,
            documents=fetched.documents,
            fetch_attempts=fetched.attempts,
            parsed=parsed.parsed,
            validation=validated.record,
            warnings=validated.warnings,
            document_metrics=_document_metrics(parsed.frame, module.PARSER_VERSION),
        ))
    urls = {d.sha256: d.url for d in to_parse}
    anomalies = run_report.parse_anomalies(parsed) + run_report.missing_usual_metrics(usual, parsed, urls)
    counts = {
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
    return BatchOutcome(counts, run_report.validation_problems(validated), anomalies)


@flow(name="ingest", log_prints=True)
@one_run_per_source
def ingest(
    source: str = "isw",
    date_from: date | None = None,
    date_to: date | None = None,
    mode: str = "incremental",
) -> RunSummary | State:
    """Bring a source's new and changed documents into the warehouse.

    mode "incremental" starts where the last run stopped (a recent window on an empty warehouse)
    and checks the source is not stale; mode "backfill" takes every document published in
    date_from..date_to and shows its progress.
    """
    logger = get_run_logger()
    settings = Settings.from_env()
    run_id = str(flow_run.get_id() or uuid.uuid4())
    started_at = datetime.now(UTC)
    summary = RunSummary(run_id=run_id, source=source, mode=mode)
    start_run(settings, summary, {"date_from": date_from, "date_to": date_to})
    module = source_module(source)

    since, cursor = incremental_start(settings, source, started_at) if mode == "incremental" else (None, None)
    discovery_error: FetchError | None = None
    try:
        discover = discover_documents.with_options(retries=settings.discover_retries)
        refs = discover(source, settings, since, date_from, date_to, cursor)
    except FetchError as error:
        # The run fails, but documents already in the raw store are still read first.
        discovery_error, refs = error, []
    summary.documents_discovered = len(refs)
    logger.info("%s: %d documents to look at", source, len(refs))

    with connect(settings.warehouse) as con:
        # Documents kept raw but not read by this parser version: OCR failed last time, or the
        # parser was upgraded. They are re-read from the raw store, without the network.
        unread = stored_documents(con, source, unparsed_by=module.PARSER_VERSION)
    batches = [(refs[i : i + BATCH_SIZE], []) for i in range(0, len(refs), BATCH_SIZE)]
    batches += [([], unread[i : i + BATCH_SIZE]) for i in range(0, len(unread), BATCH_SIZE)]
    progress = Progress(len(refs) + len(unread), f"{source} {mode}", logger=logger, bar=None if mode == "backfill"
                        else False)
    problems: list[Problem] = []
    anomalies: list[Anomaly] = []
    for batch_refs, batch_stored in batches:
        outcome = process_batch(source, settings, batch_refs, run_id, batch_stored)
        for name, value in outcome.counts.items():
            setattr(summary, name, getattr(summary, name) + value)
        problems += outcome.problems
        anomalies += outcome.anomalies
        progress.advance(len(batch_refs) + len(batch_stored))
    progress.close()
    if discovery_error is not None:
        message = f"{source} could not be reached: {discovery_error}"
        _finish(settings, summary, started_at, problems, [*anomalies, _unreachable(message)])
        raise SourceUnreachable(message) from discovery_error

    marks = [r.lastmod for r in refs if r.lastmod] or [
        datetime.combine(r.published, datetime.min.time(), UTC) for r in refs if r.published
    ]
    summary.watermark = max(marks) if marks else since
    summary.cursor = (getattr(module, "next_cursor", lambda _refs: None)(refs)) or cursor
    unreachable = bool(refs) and summary.documents_failed == len(refs)
    if unreachable:
        anomalies.append(_unreachable(f"{source}: every one of {len(refs)} documents failed to fetch"))
    max_age = settings.stale_after(source)
    if mode == "incremental" and max_age is not None and not unreachable:
        with connect(settings.warehouse, read_only=True) as con:
            stale = run_report.stale_source(con, source, datetime.now(UTC), max_age)
        anomalies += [stale] if stale else []

    report = _finish(settings, summary, started_at, problems, anomalies)
    if unreachable:
        raise SourceUnreachable(f"{source}: every one of {len(refs)} documents failed to fetch")
    if report.run_status == "critical":
        raise IngestFailed(summary)
    logger.info(summary.message)
    if report.run_status == "warning":
        return Completed(name=WARNINGS_STATE, message=summary.message, data=summary)
    return summary


@flow(name="backfill", log_prints=True)
def backfill(source: str = "isw", date_from: date | None = None, date_to: date | None = None) -> RunSummary | State:
    """Re-read every document of a source published in a date range (a subflow of `ingest`).

    Returns the subflow's state, so "Completed with warnings" and "Failed" carry through to this run.
    """
    state = ingest(source=source, date_from=date_from, date_to=date_to, mode="backfill", return_state=True)
    summary = state.result()  # a failed run raises here, failing this one too
    if state.name == WARNINGS_STATE:
        return Completed(name=WARNINGS_STATE, message=state.message, data=summary)
    return summary


def _finish(
    settings: Settings, summary: RunSummary, started_at: datetime, problems: list[Problem],
    anomalies: list[Anomaly],
) -> RunReport:
    """Record the run and its problems, build the reports, alert once, publish the analyst copy."""
    from flows.alerts import deliver_alert, plan_alert, record_alert
    from warehouse.analyst_copy import publish_for_analysts

    with connect(settings.warehouse) as con:
        carried = run_report.open_quarantine_problems(con, summary.source, summary.run_id)
        report = RunReport(
            summary.source, summary.run_id,
            run_report.merge([*problems, *run_report.anomaly_problems(anomalies), *carried]),
            flow_run_url=flow_run.get_flow_run_ui_url(),
        )
        summary.status = FINAL_STATUS[report.run_status]
        summary.problems = [{"kind": p.kind, "check": p.check, "severity": p.severity, "count": p.count,
                             "carried": p.carried} for p in report.problems]
        summary.message = _message(summary)
        unreachable = [a.detail for a in anomalies if a.kind == "unreachable"]
        if unreachable:
            summary.message = f"{unreachable[0]} ({summary.message})"
        finish_run(con, summary)
        record_anomalies(con, summary.run_id, summary.source, anomalies, datetime.now(UTC))
        report = replace(report, report_location=_data_docs(settings, con, started_at, summary.run_id))
        pending = plan_alert(report, settings, con)  # what to send, judged against the alerts table
    # Delivered with no connection open (issue 11 item 5): a slow or hanging webhook holds no write
    # lock, so another ingest is never kept waiting; each attempt ends at BULLETINS_ALERT_TIMEOUT.
    # Never raises: a failed delivery is logged and recorded in `alerts`, the run's results stay.
    delivery = deliver_alert(pending, settings, timeout=settings.alert_timeout_s) if pending else None
    try:
        with connect(settings.warehouse) as con:
            if pending and delivery:
                record_alert(con, pending, delivery)
            copy = publish_for_analysts(con, settings.warehouse)
    except (OSError, duckdb.Error) as error:
        if not is_no_room(error):
            raise
        # Issue 11 item 8: the alert is out; the analyst copy is made whole or not at all, so
        # readers keep the previous one. One line, and the run fails: someone must free space.
        raise StorageFull(errno.ENOSPC, f"no room on the disk of {settings.home} to finish the run "
                          f"({' '.join(str(error).split())}): the alert was sent, readers keep the previous "
                          "analyst copy") from None
    if copy is not None:
        logging.getLogger("bulletins").info("analyst copy published: %s (%.2f s)", copy.path, copy.seconds)
    _publish_artifacts(summary, report)
    return report


def _data_docs(settings: Settings, con: duckdb.DuckDBPyConnection, since: datetime, run_id: str) -> str:
    """Build Great Expectations Data Docs with this run's results; where a person reads them."""
    from expectations.data_docs import DataDocsError, build_data_docs

    try:
        index = build_data_docs(settings.data_docs_dir, con, since=since)
    except (DataDocsError, OSError) as error:  # OSError: a full disk must not stop the alert
        logging.getLogger("bulletins").warning("Data Docs not built: %s", error)
        return f"bulletins sql \"SELECT * FROM validation_results WHERE run_id = '{run_id}'\""
    return index.resolve().as_uri()


def _unreachable(message: str) -> Anomaly:
    return Anomaly(kind="unreachable", check_name="source_unreachable", severity="critical", detail=message)


def _document_metrics(frame: pd.DataFrame, parser_version: str) -> list[tuple[str, str, str]]:
    """(document, parser version, metric) for each metric a document yielded: its figures' fingerprint."""
    if frame.empty:
        return []
    pairs = frame[["document_sha256", "metric"]].dropna().drop_duplicates()
    return [(sha, parser_version, metric) for sha, metric in pairs.itertuples(index=False)]


def _message(summary: RunSummary) -> str:
    counts = (
        f"{summary.source} {summary.mode}: {summary.documents_discovered} discovered, "
        f"{summary.documents_fetched} fetched, {summary.documents_unchanged} unchanged, "
        f"{summary.documents_failed} failed, {summary.documents_unread} not read yet; "
        f"{summary.observations_parsed} figures parsed, "
        f"{summary.rows_appended} new versions, {summary.rows_quarantined} quarantined, "
        f"{summary.rows_warned} warned"
    )
    if not summary.problems:
        return counts
    fresh = [p for p in summary.problems if not p["carried"]]
    if not fresh:
        return f"{counts}; {len(summary.problems)} problems from earlier runs still open"
    found = "; ".join(f"{p['severity']} {p['check']} ({p['count']})" for p in fresh[:5])
    more = f" and {len(fresh) - 5} more" if len(fresh) > 5 else ""
    return f"{counts} — {summary.status.replace('_', ' ')}: {found}{more}"


def _publish_artifacts(summary: RunSummary, report: RunReport) -> None:
    create_table_artifact(
        key=f"ingest-{summary.source}-summary",
        table=summary.as_table(),
        description=summary.message,
    )
    create_markdown_artifact(
        key=f"ingest-{summary.source}-validation",
        markdown=run_report.markdown(report, summary.message),
        description=f"{summary.source}: {report.status}",
    )
