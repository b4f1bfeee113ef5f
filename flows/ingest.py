"""The Prefect flows: one `ingest` per source (incremental or backfill), batch by batch.

discover -> fetch -> raw store -> parse -> validate -> load, with documents processed in
batches of BATCH_SIZE: a task per batch, never per document (Prefect's per-task cost would
dominate), and one warehouse transaction per batch. At the end one RunReport gathers what went
wrong (failed expectations, parse anomalies, documents not fetched, a stale or unreachable
source); it is stored, alerted once, published as an artifact, and decides the final state:

    Completed                  nothing wrong
    Completed with warnings    only warning expectations or anomalies fired (rows loaded, flagged)
    Failed                     critical rows quarantined, a parser error, the source stale or
                               unreachable, a configuration error, or the run stopped

One retry policy: the HTTP client retries what HTTP can retry (extractors/http.py), opening the
warehouse waits for another writer's lock (warehouse/db.py); Prefect retries nothing on top.
A failure the user can act on ends the run as a Failed state carrying the error (no traceback);
whatever way a run ends, its `ingest_runs` row is finished with a status and the reason.
"""

from __future__ import annotations

import errno
import logging
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import TerminationSignal
from prefect.runtime import flow_run
from prefect.states import Completed, Failed, State

from extractors.http import FetchError
from extractors.observation import DocumentRef
from extractors.source import Source
from extractors.sources import source as declared_source
from flows import pipeline, run_report
from flows.alerts import PendingAlert, deliver_alert, plan_alert, record_alert
from flows.concurrency import one_run_per_source
from flows.problems import Problem, RunReport
from flows.progress import Progress
from flows.runs import (
    GIVE_UP_AFTER_RUNS,
    RunSummary,
    end_run,
    finish_run,
    hold_watermark,
    incremental_start,
    refuse_run,
    start_run,
)
from flows.settings import ConfigurationError, Settings
from flows.storage import StorageProblem, check_writable_home
from flows.words import one_line, plural
from warehouse.db import connect
from warehouse.errors import StorageFull, WarehouseLocked, is_no_room
from warehouse.load import Anomaly, LoadBatch, load_batch, record_anomalies
from warehouse.raw_store import RawStore, StoredDocument, already_parsed, latest_validators, stored_documents

BATCH_SIZE = 50
WARNINGS_STATE = "Completed with warnings"
FINAL_STATUS = {"clean": "completed", "warning": "completed_with_warnings", "critical": "failed"}
# Failures that end a run with their one-line message as a Failed state, not a traceback.
STOPPING_ERRORS = (ConfigurationError, StorageProblem, StorageFull, WarehouseLocked)
# The failed expectation of a row of a hand-written file (curated) that could not be read.
UNREADABLE_ROW = "row_readable"


class SourceUnreachable(RuntimeError):
    """Nothing could be fetched from a source: the run must fail, not report an empty success."""


class IngestFailed(RuntimeError):
    """The run finished but must count as failed: critical rows were quarantined or the source is stale.
    Everything valid was loaded; `summary` says what happened."""

    def __init__(self, summary: RunSummary) -> None:
        super().__init__(summary.message)
        self.summary = summary

    def __reduce__(self) -> tuple[type[IngestFailed], tuple[RunSummary]]:
        return (IngestFailed, (self.summary,))  # Prefect keeps a failed state's data pickled


@dataclass
class Discovery:
    refs: list[DocumentRef] = field(default_factory=list)
    # Why discovery failed, if it did; `unreachable` when nothing could be fetched at all.
    error: str | None = None
    unreachable: bool = False


@dataclass
class BatchOutcome:
    counts: dict[str, int]
    problems: list[Problem]
    anomalies: list[Anomaly]
    fetch_failed: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    stopped_by: Exception | None = None  # one of STOPPING_ERRORS: the run ends with it


@task(name="discover", cache_policy=NO_CACHE)
def discover_documents(
    source: str, settings: Settings, since: datetime | None, date_from: date | None, date_to: date | None,
    cursor: str | None = None,
) -> Discovery:
    """The source's candidate documents. A failure is returned, not raised: the run still reads the
    documents the raw store holds, then fails with the reason."""
    declared = declared_source(source)
    options: dict[str, Any] = dict(settings.discover_options(source))
    if cursor and declared.cursor:
        options[declared.cursor.argument] = cursor
    try:
        with settings.http_client(source) as client:
            refs = declared.discover(client, settings.base_url(source), since=since, date_from=date_from,
                                     date_to=date_to, **options)
    except FetchError as error:
        return Discovery(error=str(error), unreachable=True)
    except Exception as error:  # a malformed listing (HTML for JSON, a bad encoding...): this run's anomaly
        logging.getLogger("bulletins").debug("discovery of %s failed", source, exc_info=True)
        return Discovery(error=f"{type(error).__name__}: {one_line(error)}")
    return Discovery(refs)


@task(name="fetch-parse-validate-load", cache_policy=NO_CACHE)
def process_batch(
    source: str, settings: Settings, refs: list[DocumentRef], run_id: str,
    stored: list[StoredDocument] | None = None,
) -> BatchOutcome:
    """Fetch `refs`, then parse, validate and load them with the `stored` documents still unread.

    An error that stops the run (a full disk, a lock not released, a setting) is returned, not
    raised: raised, Prefect would log it with a traceback; the flow ends the run with its one line.
    """
    try:
        return _process_batch(source, settings, refs, run_id, stored)
    except STOPPING_ERRORS as error:
        return BatchOutcome({}, [], [], stopped_by=error)


def _process_batch(
    source: str, settings: Settings, refs: list[DocumentRef], run_id: str, stored: list[StoredDocument] | None,
) -> BatchOutcome:
    declared = declared_source(source)
    store = RawStore(settings.raw_dir)
    with connect(settings.warehouse) as con:
        validators = latest_validators(con, source)
        parsed_before = already_parsed(con, [v[2] for v in validators.values()], declared.parser_version)
    with settings.http_client(source) as client:
        fetched = pipeline.fetch_documents(refs, client, store, validators)
    # An API page or feed fetched again unchanged was read already: skip the work.
    read_before = {d.sha256 for d in fetched.documents} & parsed_before
    to_parse = [d for d in fetched.documents if d.sha256 not in read_before] + list(stored or [])
    parsed = pipeline.parse_documents(declared, to_parse, store)
    unread_rows = pipeline.unread_rows_frame(declared, parsed.unread, UNREADABLE_ROW) if declared.unread_quarantined \
        else pd.DataFrame()
    with connect(settings.warehouse) as con:
        usual = run_report.usual_metrics(con, source, declared.parser_version)
        validated = pipeline.validate_observations(parsed.frame, source=source, today=datetime.now(UTC).date(),
                                                   con=con)
        quarantined = pd.concat([validated.quarantined, unread_rows]) if not unread_rows.empty \
            else validated.quarantined
        result = load_batch(con, LoadBatch(
            run_id=run_id,
            source=source,
            recorded_at=datetime.now(UTC),
            observations=validated.valid,
            quarantined=quarantined,
            documents=fetched.documents,
            fetch_attempts=fetched.attempts,
            parsed=parsed.parsed,
            validation=validated.record,
            warnings=validated.warnings,
            document_metrics=_document_metrics(parsed.frame, declared.parser_version),
        ))
    urls = {d.sha256: d.url for d in to_parse}
    anomalies = run_report.parse_anomalies(parsed) + run_report.missing_usual_metrics(usual, parsed, urls)
    if not declared.unread_quarantined:
        anomalies += run_report.unread_anomalies(parsed)
    counts = {
        "documents_fetched": len(fetched.documents) - len(read_before),
        "documents_unchanged": len(fetched.unchanged) + len(read_before),
        "documents_failed": len(fetched.failed),
        "documents_unparsable": len(parsed.failed),
        "documents_kept_raw": len(parsed.kept_raw),
        "observations_parsed": len(parsed.frame),
        "figures_unread": len(parsed.unread),
        "rows_appended": result.rows_appended,
        "rows_quarantined": result.rows_quarantined,
        "rows_warned": validated.record.rows_warned if validated.record else 0,
    }
    problems = run_report.validation_problems(validated) + run_report.unreadable_row_problems(unread_rows,
                                                                                             UNREADABLE_ROW)
    return BatchOutcome(counts, problems, anomalies, fetched.failed)


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
    run_id = str(flow_run.get_id() or uuid.uuid4())
    summary = RunSummary(run_id=run_id, source=source, mode=mode)
    parameters = {"date_from": date_from, "date_to": date_to}
    try:
        settings = Settings.from_env(sources=(source,))
        check_writable_home(settings)
    except STOPPING_ERRORS as error:
        return _refused(summary, parameters, error)
    try:
        return _ingest(settings, summary, parameters, date_from, date_to)
    except STOPPING_ERRORS as error:
        _end_quietly(settings, summary, f"failed: {error}")
        return Failed(message=str(error), data=error)
    except BaseException as error:  # a bug, Ctrl-C, SIGTERM: the row says so, the error goes on
        _end_quietly(settings, summary, _why_stopped(error))
        raise


def _ingest(
    settings: Settings, summary: RunSummary, parameters: dict[str, Any], date_from: date | None,
    date_to: date | None,
) -> RunSummary | State:
    logger = get_run_logger()
    source, mode = summary.source, summary.mode
    declared = declared_source(source)
    started_at = datetime.now(UTC)
    # One connection to start (opening the file is most of what a no-change run costs the warehouse).
    with connect(settings.warehouse) as con:
        start_run(con, summary, parameters)
        since, cursor = incremental_start(con, source, started_at) if mode == "incremental" else (None, None)
        # Documents kept raw but not read by this parser version: OCR failed last time, or the
        # parser was upgraded. They are re-read from the raw store, without the network.
        unread_documents = stored_documents(con, source, unparsed_by=declared.parser_version)
    discovery = discover_documents(source, settings, since, date_from, date_to, cursor)
    refs = discovery.refs
    summary.documents_discovered = len(refs)
    if discovery.error is None:
        logger.info("%s: %s to look at", source, plural(len(refs), "document"))
    batches = [(refs[i : i + BATCH_SIZE], []) for i in range(0, len(refs), BATCH_SIZE)]
    batches += [([], unread_documents[i : i + BATCH_SIZE]) for i in range(0, len(unread_documents), BATCH_SIZE)]
    progress = Progress(len(refs) + len(unread_documents), f"{source} {mode}", logger=logger,
                        bar=None if mode == "backfill" else False)
    problems: list[Problem] = []
    anomalies: list[Anomaly] = []
    fetch_failed: list[tuple[str, str]] = []
    for batch_refs, batch_stored in batches:
        outcome = process_batch(source, settings, batch_refs, summary.run_id, batch_stored)
        if outcome.stopped_by is not None:
            raise outcome.stopped_by
        for name, value in outcome.counts.items():
            setattr(summary, name, getattr(summary, name) + value)
        problems += outcome.problems
        anomalies += outcome.anomalies
        fetch_failed += outcome.fetch_failed
        progress.advance(len(batch_refs) + len(batch_stored))
    progress.close()

    with connect(settings.warehouse) as con:
        failure = _judge(con, settings, summary, declared, refs, discovery, fetch_failed, since, cursor, anomalies)
        report = _record(con, settings, summary, started_at, problems, anomalies)
        pending = plan_alert(report, settings, con)  # decided here, delivered with no connection open
    _announce(settings, summary, report, pending, [a for a in anomalies if a.kind == "unread"])
    if failure is not None:
        return Failed(message=failure, data=SourceUnreachable(failure))
    if report.run_status == "critical":
        return Failed(message=summary.message, data=IngestFailed(summary))
    logger.info(summary.message)
    if report.run_status == "warning":
        return Completed(name=WARNINGS_STATE, message=summary.message, data=summary)
    return summary


def _judge(
    con: duckdb.DuckDBPyConnection, settings: Settings, summary: RunSummary, source: Source,
    refs: list[DocumentRef], discovery: Discovery, fetch_failed: list[tuple[str, str]], since: datetime | None,
    cursor: str | None, anomalies: list[Anomaly],
) -> str | None:
    """What the run's end says beyond its batches: a discovery that failed, documents that failed to
    be fetched (and where the next run starts), a source unreachable or stale. Adds the anomalies;
    returns why the source counts as unreachable, if it does."""
    if discovery.error is not None:
        if discovery.unreachable:
            message = f"{source.name} could not be reached: {discovery.error}"
            anomalies.append(_unreachable(message))
        else:
            message = f"{source.name}: discovery failed: {discovery.error}"
            anomalies.append(Anomaly(kind="anomaly", check_name="discovery_failed", severity="critical",
                                     detail=message))
        return message
    summary.failed_urls = [url for url, _ in fetch_failed]
    failed = dict(fetch_failed)
    given_up = hold_watermark(con, summary, source, refs, failed, since, cursor)
    anomalies += run_report.fetch_anomalies((url, why) for url, why in failed.items() if url not in given_up)
    anomalies += run_report.given_up_anomalies(given_up, GIVE_UP_AFTER_RUNS)
    if refs and summary.documents_failed == len(refs):
        message = f"{source.name}: every one of {plural(len(refs), 'document')} failed to fetch"
        anomalies.append(_unreachable(message))
        return message
    max_age = settings.stale_after(source.name)
    if summary.mode == "incremental" and max_age is not None:
        stale = run_report.stale_source(con, source.name, datetime.now(UTC), max_age)
        anomalies += [stale] if stale else []
    return None


@flow(name="backfill", log_prints=True)
def backfill(source: str = "isw", date_from: date | None = None, date_to: date | None = None) -> State:
    """Re-read every document of a source published in a date range (a subflow of `ingest`).

    Returns the subflow's state, so "Completed with warnings" and "Failed" carry through to this run.
    """
    state = ingest(source=source, date_from=date_from, date_to=date_to, mode="backfill", return_state=True)
    if state.is_failed():
        return Failed(message=state.message, data=state.result(raise_on_failure=False))
    summary = state.result()
    if state.name == WARNINGS_STATE:
        return Completed(name=WARNINGS_STATE, message=state.message, data=summary)
    return Completed(message=state.message, data=summary)


def _record(
    con: duckdb.DuckDBPyConnection, settings: Settings, summary: RunSummary, started_at: datetime,
    problems: list[Problem], anomalies: list[Anomaly],
) -> RunReport:
    """Record the run, its problems and anomalies; build the Data Docs if it validated anything."""
    carried = run_report.open_quarantine_problems(con, summary.source, summary.run_id)
    report = RunReport(
        summary.source, summary.run_id,
        run_report.merge([*problems, *run_report.anomaly_problems(a for a in anomalies if a.kind != "unread"),
                          *carried]),
        flow_run_url=flow_run.get_flow_run_ui_url(),
    )
    summary.status = FINAL_STATUS[report.run_status]
    summary.problems = [{"kind": p.kind, "check": p.check, "severity": p.severity, "count": p.count,
                         "carried": p.carried} for p in report.problems]
    summary.message = run_report.message(summary)
    unreachable = [a.detail for a in anomalies if a.kind == "unreachable" or a.check_name == "discovery_failed"]
    if unreachable:
        summary.message = f"{unreachable[0]} ({summary.message})"
    finish_run(con, summary)
    record_anomalies(con, summary.run_id, summary.source, anomalies, datetime.now(UTC))
    return replace(report, report_location=_data_docs(settings, con, started_at, summary))


def _announce(
    settings: Settings, summary: RunSummary, report: RunReport, pending: PendingAlert | None, unread: list[Anomaly]
) -> None:
    """Alert once, publish the analyst copy and the Prefect artifacts."""
    from warehouse.analyst_copy import publish_for_analysts

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
                          f"({one_line(error)}): the alert was sent, readers keep the previous analyst copy"
                          ) from None
    if copy is not None:
        logging.getLogger("bulletins").info("analyst copy published: %s (%.2f s)", copy.path, copy.seconds)
    _publish_artifacts(summary, report, unread)


def _data_docs(settings: Settings, con: duckdb.DuckDBPyConnection, since: datetime, summary: RunSummary) -> str | None:
    """Build Great Expectations Data Docs with this run's results; where a person reads them.

    A run that validated nothing (nothing new was parsed) neither imports GX nor rebuilds them.
    """
    index = settings.data_docs_dir / "site" / "index.html"
    validated = con.execute("SELECT count(*) FROM validation_results WHERE run_id = ?", [summary.run_id]).fetchone()
    if not validated or not validated[0]:
        return index.resolve().as_uri() if index.exists() else None
    from expectations.data_docs import DataDocsError, build_data_docs

    try:
        index = build_data_docs(settings.data_docs_dir, con, since=since)
    except (DataDocsError, OSError) as error:  # OSError: a full disk must not stop the alert
        logging.getLogger("bulletins").warning("Data Docs not built: %s", error)
        return f"bulletins sql \"SELECT * FROM validation_results WHERE run_id = '{summary.run_id}'\""
    return index.resolve().as_uri()


def _refused(summary: RunSummary, parameters: dict[str, Any], error: Exception) -> State:
    """A run that cannot start: recorded as failed where the warehouse can be written, never retried."""
    try:
        core = Settings.from_env(alerts=False, http=False)
        check_writable_home(core)
        refuse_run(core, summary, parameters, f"failed: {error}")
    except STOPPING_ERRORS:
        pass  # the home itself is unusable: there is nowhere to record the run
    return Failed(message=str(error), data=error)


def _end_quietly(settings: Settings, summary: RunSummary, reason: str) -> None:
    """Finish the run's row after it stopped; a warehouse that cannot be written then is logged."""
    try:
        end_run(settings, summary, reason)
    except Exception as error:
        logging.getLogger("bulletins").warning("run %s not recorded as ended (%s): %s", summary.run_id, reason,
                                               one_line(error))


def _why_stopped(error: BaseException) -> str:
    if isinstance(error, KeyboardInterrupt):
        return "failed: interrupted (Ctrl-C)"
    if isinstance(error, TerminationSignal):
        return "failed: stopped by SIGTERM (a worker or a person ended the run)"
    return f"failed: {type(error).__name__}: {one_line(error)}"


def _unreachable(message: str) -> Anomaly:
    return Anomaly(kind="unreachable", check_name="source_unreachable", severity="critical", detail=message)


def _document_metrics(frame: pd.DataFrame, parser_version: str) -> list[tuple[str, str, str]]:
    """(document, parser version, metric) for each metric a document yielded: its figures' fingerprint."""
    if frame.empty:
        return []
    pairs = frame[["document_sha256", "metric"]].dropna().drop_duplicates()
    return [(sha, parser_version, metric) for sha, metric in pairs.itertuples(index=False)]


def _publish_artifacts(summary: RunSummary, report: RunReport, unread: list[Anomaly]) -> None:
    create_table_artifact(
        key=f"ingest-{summary.source}-summary",
        table=summary.as_table(),
        description=summary.message,
    )
    create_markdown_artifact(
        key=f"ingest-{summary.source}-validation",
        markdown=run_report.markdown(report, summary.message, coverage=summary.coverage_text(), unread=unread),
        description=f"{summary.source}: {report.status}",
    )
