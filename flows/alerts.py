"""One alert message per flow run that found problems, and one all-clear when they are gone.

`send_alert` judges a `RunReport` against the `alerts` table (migration 007):
- problems, and the source's open alert has other problems, or none is open → a problem alert;
- the same problems (fingerprint) as the open alert, delivered less than
  `settings.alert_repeat_hours` ago → nothing is sent, a `suppressed` row is recorded;
- a clean run while a problem alert is open → one all-clear; a clean run otherwise → nothing.
"Open" means: the source's latest non-suppressed row is a problem alert. A problem alert that
could not be delivered does not hold back the next run's alert, so a failed delivery is retried
by the next run that still has the problems.

The message goes to `settings.alert_url` (an http(s) webhook taking JSON, or any Apprise URL) and
to the Prefect notification block named by `settings.alert_block`. Delivery failures are logged
and recorded, never raised: a broken alert channel must not fail the run that found the problems.

Deciding, delivering and recording are three steps (`plan_alert`, `deliver_alert`,
`record_alert`) so that the flow delivers with no warehouse connection open: a slow or hanging
webhook then holds no write lock (issue 11 item 5). A webhook POST goes through the shared
transport (`extractors.transport`): the same urllib3 retry policy as every document fetch, and a
deadline of `BULLETINS_ALERT_TIMEOUT` seconds on each attempt, however slowly the receiver drips.
Its URL appears nowhere but as scheme and host: the path and query of a webhook are its secret.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

import duckdb

from extractors.transport import RETRYABLE_STATUSES, Transport, retry_policy, scrub
from flows.problems import MAX_EXAMPLES, Problem, RunReport
from flows.settings import Settings

logger = logging.getLogger(__name__)

AlertKind = Literal["problem", "all_clear", "suppressed", "none"]

# Webhook delivery: attempts per message (the shared retry policy), and the deadline of each (seconds).
MAX_ATTEMPTS = 4
DEFAULT_TIMEOUT = 10.0
# What is kept of a receiver's answer: enough for its error message, never a whole page.
MAX_ANSWER_BYTES = 64 * 1024
# Quotes are shortened so that one message stays readable in a chat window.
QUOTE_CHARS = 200
MAX_PROBLEMS_IN_TEXT = 20


@dataclass(frozen=True)
class AlertDecision:
    """What `send_alert` did: `kind` "none" means nothing was sent nor recorded (`alert_id` None)."""

    kind: AlertKind
    delivered: bool
    attempts: int
    error: str | None
    alert_id: str | None


@dataclass(frozen=True)
class _LastAlert:
    kind: str
    fingerprint: str
    created_at: datetime
    delivered: bool


@dataclass(frozen=True)
class Delivery:
    destination: str | None
    delivered: bool
    attempts: int
    error: str | None


@dataclass(frozen=True)
class PendingAlert:
    """What `plan_alert` decided to send (or to hold back, `kind` "suppressed"), not yet delivered."""

    kind: AlertKind
    alert_id: str
    report: RunReport
    payload: dict[str, Any]
    created_at: datetime


def send_alert(
    report: RunReport,
    settings: Settings,
    con: duckdb.DuckDBPyConnection,
    *,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float = DEFAULT_TIMEOUT,
) -> AlertDecision:
    """Decide whether `report` warrants a message, send it, and record the decision in `alerts`.

    All three steps on one connection, held while the webhook answers: the flow calls them
    apart instead, delivering with no connection open. `timeout` is each webhook attempt's
    deadline; `sleep` waits between retries.
    """
    pending = plan_alert(report, settings, con, now=now)
    if pending is None:
        return AlertDecision(kind="none", delivered=False, attempts=0, error=None, alert_id=None)
    return record_alert(con, pending, deliver_alert(pending, settings, sleep=sleep, timeout=timeout))


def plan_alert(
    report: RunReport, settings: Settings, con: duckdb.DuckDBPyConnection, *, now: datetime | None = None
) -> PendingAlert | None:
    """The alert `report` warrants against the source's last one in `alerts`; None: nothing to send."""
    now = _aware(now)
    last = _last_alert(con, report.source)
    kind = _decide(report, last, now, settings.alert_repeat_hours)
    if kind == "none":
        return None
    alert_id = uuid.uuid4().hex
    opened_at = last.created_at if kind == "all_clear" and last else None
    text = alert_text(report, all_clear=kind == "all_clear", opened_at=opened_at)
    bulletins = {**report.to_dict(), "kind": "all_clear" if kind == "all_clear" else "problem", "alert_id": alert_id}
    if kind == "suppressed":
        assert last is not None
        logger.info(
            "alert for %s run %s suppressed: same problems (%s) as the alert of %s",
            report.source, report.run_id, report.fingerprint, last.created_at.isoformat(),
        )
    return PendingAlert(kind, alert_id, report, {"text": text, "bulletins": bulletins}, now)


def deliver_alert(
    pending: PendingAlert, settings: Settings, *, sleep: Callable[[float], None] = time.sleep,
    timeout: float = DEFAULT_TIMEOUT,
) -> Delivery:
    """Send a planned alert to every destination (a suppressed one to none). Needs no warehouse."""
    if pending.kind == "suppressed":
        return Delivery(_destinations_label(settings), delivered=False, attempts=0, error=None)
    return _deliver(pending.payload, pending.report, settings, sleep=sleep, timeout=timeout)


def record_alert(con: duckdb.DuckDBPyConnection, pending: PendingAlert, delivery: Delivery) -> AlertDecision:
    """Keep the alert and how its delivery went in `alerts`."""
    report = pending.report
    con.execute(
        "INSERT INTO alerts (alert_id, run_id, source, kind, status, fingerprint, created_at, delivered, "
        "attempts, error, destination, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [pending.alert_id, report.run_id, report.source, pending.kind, report.status, report.fingerprint,
         pending.created_at, delivery.delivered, delivery.attempts, delivery.error, delivery.destination,
         json.dumps(pending.payload, default=str, ensure_ascii=False)],
    )
    return AlertDecision(kind=pending.kind, delivered=delivery.delivered, attempts=delivery.attempts,
                         error=delivery.error, alert_id=pending.alert_id)


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError(f"now={now.isoformat()} has no time zone; pass an aware datetime such as datetime.now(UTC)")
    return now


def _last_alert(con: duckdb.DuckDBPyConnection, source: str) -> _LastAlert | None:
    """The source's latest sent-or-attempted alert (suppressed rows say nothing new)."""
    row = con.execute(
        "SELECT kind, fingerprint, created_at, delivered FROM alerts "
        "WHERE source = ? AND kind <> 'suppressed' ORDER BY created_at DESC, rowid DESC LIMIT 1",
        [source],
    ).fetchone()
    return _LastAlert(*row) if row else None


def _decide(report: RunReport, last: _LastAlert | None, now: datetime, repeat_hours: float) -> AlertKind:
    problem_open = last is not None and last.kind == "problem"
    if report.status == "clean":
        return "all_clear" if problem_open else "none"
    if (
        problem_open
        and last is not None
        and last.delivered
        and last.fingerprint == report.fingerprint
        and now - last.created_at < timedelta(hours=repeat_hours)
    ):
        return "suppressed"
    return "problem"


# -- the message ---------------------------------------------------------------------------------

def alert_text(report: RunReport, *, all_clear: bool = False, opened_at: datetime | None = None) -> str:
    """The readable message: a subject line, then the problems with examples, then the links."""
    if all_clear:
        lines = [f"bulletins {report.source}: all clear — run {report.run_id} found no problems"]
        since = f" (alerted since {opened_at:%Y-%m-%d %H:%M} UTC)" if opened_at else ""
        lines.append(f"The problems alerted earlier{since} are gone.")
    else:
        count = len(report.problems)
        lines = [f"bulletins {report.source}: {report.status.upper()} — run {report.run_id} found "
                 f"{count} problem{'s' if count != 1 else ''}"]
        for problem in report.problems[:MAX_PROBLEMS_IN_TEXT]:
            lines.extend(_problem_lines(problem))
        if count > MAX_PROBLEMS_IN_TEXT:
            lines.append(f"… and {count - MAX_PROBLEMS_IN_TEXT} more problems (see the full report)")
    if report.report_location:
        lines.append(f"Full report: {report.report_location}")
    if report.flow_run_url:
        lines.append(f"Flow run: {report.flow_run_url}")
    return "\n".join(lines)


def _problem_lines(problem: Problem) -> list[str]:
    lines = [f"• {problem.severity} {problem.kind} {problem.check}: {problem.count} affected"]
    if problem.why:
        lines.append(f"  why: {problem.why}")
    for example in problem.examples[:MAX_EXAMPLES]:
        lines.append(f"  - {example.detail}")
        if example.quote:
            lines.append(f"    “{_shorten(example.quote)}”")
        if example.url:
            lines.append(f"    {example.url}")
    return lines


def _shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


# -- delivery ------------------------------------------------------------------------------------

def _deliver(
    payload: dict[str, Any], report: RunReport, settings: Settings, *, sleep: Callable[[float], None],
    timeout: float,
) -> Delivery:
    """Send to every configured destination; delivered only if every one accepted the message."""
    destination = _destinations_label(settings)
    if destination is None:
        logger.warning(
            "no alert destination configured (BULLETINS_ALERT_URL, BULLETINS_ALERT_BLOCK): "
            "alert for %s run %s (%s) not delivered", report.source, report.run_id, report.status,
        )
        return Delivery(None, delivered=False, attempts=0, error="no alert destination configured")

    text: str = payload["text"]
    subject, _, _ = text.partition("\n")
    outcomes: list[tuple[str, int, str | None]] = []
    if settings.alert_url:
        url = settings.alert_url
        label = _url_label(url)
        try:
            if urlsplit(url).scheme.lower() in ("http", "https"):
                attempts, error = _post_webhook(url, payload, sleep=sleep, timeout=timeout)
            else:
                attempts, error = _notify_apprise(url, subject, text, report)
        except Exception as unexpected:  # a broken channel must never fail the run
            attempts, error = 1, f"{type(unexpected).__name__}: {_one_line(unexpected)}"
        outcomes.append((label, attempts, _scrub(error, url)))
    if settings.alert_block:
        label = f"prefect-block:{settings.alert_block}"
        try:
            attempts, error = _notify_block(settings.alert_block, subject, text)
        except Exception as unexpected:
            attempts, error = 1, f"{type(unexpected).__name__}: {unexpected}"
        outcomes.append((label, attempts, error))

    errors = [f"{label}: {error}" for label, _, error in outcomes if error]
    for error in errors:
        logger.error("alert for %s run %s not delivered to %s", report.source, report.run_id, error)
    if not errors:
        logger.info("alert for %s run %s (%s) delivered to %s", report.source, report.run_id,
                    report.status, destination)
    return Delivery(
        destination=destination,
        delivered=not errors,
        attempts=sum(attempts for _, attempts, _ in outcomes),
        error="\n".join(errors) or None,
    )


def _post_webhook(
    url: str, payload: dict[str, Any], *, sleep: Callable[[float], None], timeout: float
) -> tuple[int, str | None]:
    """POST the JSON payload under the shared retry policy, each attempt within `timeout` seconds.

    No redirects: a webhook that redirects is misconfigured, and a POST must not wander.
    Returns (attempts, error); the error never holds the URL.
    """
    body = json.dumps(payload, default=str, ensure_ascii=False).encode("utf-8")
    with Transport(connect_timeout=timeout, read_timeout=timeout, deadline=timeout, sleep=sleep) as transport:
        outcome = transport.request(
            "POST", url, policy=retry_policy(MAX_ATTEMPTS), body=body, max_bytes=MAX_ANSWER_BYTES,
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
    last = outcome.last
    if last.error is None and last.status is not None and 200 <= last.status < 300:
        return len(outcome.answers), None
    if last.error is not None:
        problem = last.error
    elif last.too_large:
        problem = f"HTTP {last.status} with an answer over {MAX_ANSWER_BYTES} bytes"
    else:
        answer = last.body.decode("utf-8", errors="replace")
        problem = f"HTTP {last.status} {_one_line(answer)}".rstrip()
        if last.status not in RETRYABLE_STATUSES:
            return len(outcome.answers), problem
    return len(outcome.answers), outcome.problem(problem)


def _notify_apprise(url: str, subject: str, body: str, report: RunReport) -> tuple[int, str | None]:
    import apprise  # a Prefect dependency; only alerting needs it

    notifier = apprise.Apprise()
    if not notifier.add(url):
        scheme = urlsplit(url).scheme or "?"
        return 0, f"Apprise does not understand {scheme}:// URLs (or the URL is malformed)"
    notify_type = {
        "critical": apprise.NotifyType.FAILURE,
        "warning": apprise.NotifyType.WARNING,
    }.get(report.status, apprise.NotifyType.SUCCESS)
    # Apprise reports failure as False and says why only in its log: keep what it says.
    with _captured_warnings("apprise") as said:
        sent = notifier.notify(body=body, title=subject, notify_type=notify_type)
    if sent:
        return 1, None
    return 1, "; ".join(said) or "Apprise could not send the notification"


def _notify_block(name: str, subject: str, body: str) -> tuple[int, str | None]:
    if "/" not in name:
        return 0, (f"BULLETINS_ALERT_BLOCK={name!r} must be '<block-type-slug>/<block-name>', "
                   "e.g. 'slack-webhook/data-team'")
    from prefect.blocks.abstract import NotificationBlock  # Prefect loads slowly; only this path needs it
    from prefect.blocks.core import Block

    block = Block.load(name)
    if not isinstance(block, NotificationBlock):
        return 0, f"Prefect block {name!r} is a {type(block).__name__}, not a notification block"
    # Apprise-based blocks swallow failures unless asked to raise them.
    with block.raise_on_failure():
        block.notify(body, subject)
    return 1, None


@contextmanager
def _captured_warnings(logger_name: str) -> Iterator[list[str]]:
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(_one_line(record.getMessage()))

    handler = Collect(level=logging.WARNING)
    target = logging.getLogger(logger_name)
    target.addHandler(handler)
    try:
        yield messages
    finally:
        target.removeHandler(handler)


# -- naming destinations without their secrets ---------------------------------------------------

def _destinations_label(settings: Settings) -> str | None:
    labels = []
    if settings.alert_url:
        labels.append(_url_label(settings.alert_url))
    if settings.alert_block:
        labels.append(f"prefect-block:{settings.alert_block}")
    return ", ".join(labels) or None


def _url_label(url: str) -> str:
    """Scheme and host only: webhook paths and Apprise URLs carry tokens and passwords."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower() or "?"
    if scheme not in ("http", "https"):
        # Some Apprise services keep a token where the host would be (tgram://TOKEN/...):
        # take the host from Apprise's own privacy-masked form of the URL.
        parts = urlsplit(_apprise_private_url(url) or f"{scheme}://")
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{scheme}://{parts.hostname or ''}{port}"


def _apprise_private_url(url: str) -> str | None:
    try:
        import apprise
    except ImportError:
        return None
    service = apprise.Apprise.instantiate(url)
    return service.url(privacy=True) if service else None


def _scrub(error: str | None, url: str) -> str | None:
    """Remove the URL's secret parts (path, query, credentials) from an error message, however
    they were written (percent-encoded, as a receiver or a library logs them, or not)."""
    return None if error is None else scrub(error, url)


def _one_line(value: object, limit: int = 300) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


__all__ = ["AlertDecision", "PendingAlert", "alert_text", "deliver_alert", "plan_alert", "record_alert", "send_alert"]
