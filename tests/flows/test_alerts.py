"""Alerts end to end: real DuckDB files, a real webhook receiver on 127.0.0.1, real Apprise."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.alerts import MAX_ATTEMPTS, send_alert
from flows.problems import Example, Problem, RunReport
from flows.settings import Settings
from tests.webhook import HOOK_PATH, Answer, WebhookReceiver
from warehouse.db import connect

T0 = datetime(2025, 3, 10, 6, 0, tzinfo=UTC)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as server:
        yield server


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with connect(tmp_path / "warehouse.duckdb") as connection:
        yield connection


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


# -- reports -------------------------------------------------------------------------------------

NEGATIVE_QUOTE = (
    "According to the morning summary, the count of personnel lost in the day stood at minus "
    "one thousand two hundred and thirty, which the staff later corrected in a second notice that "
    "restated the daily total as a positive figure and apologised for a typing slip in the first "
    "release, adding that the cumulative total was unaffected by the error."
)


def negative_value(count: int = 2) -> Problem:
    examples = tuple(
        Example(detail=f"value=-{1230 + i}.0 (personnel_cumulative 2022-02-24..2025-03-0{i + 1})",
                quote=NEGATIVE_QUOTE, url=f"https://russianwarship.rip/api/v2/statistics/2025-03-0{i + 1}")
        for i in range(4)
    )
    return Problem(kind="validation", check="expect_column_values_to_be_between", severity="critical",
                   count=count, examples=examples,
                   why="every catalogue metric is a size, a count or a rate of losses or gains: never negative")


def no_figures() -> Problem:
    return Problem(kind="anomaly", check="body_not_found", severity="warning", count=1,
                   examples=(Example(detail="report of 2025-03-09 yields no figures",
                                     url="https://understandingwar.org/research/russia-ukraine/x"),),
                   why="a report that normally carries figures yields none")


def report(run: int, *problems: Problem, source: str = "genstaff") -> RunReport:
    return RunReport(source=source, run_id=f"run-{run}", problems=problems,
                     report_location=f"SELECT * FROM quarantine WHERE run_id = 'run-{run}'",
                     flow_run_url=f"http://127.0.0.1:4200/runs/flow-run/{run}")


def alert_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return con.execute(
        "SELECT run_id, kind, status, delivered, attempts, error, destination FROM alerts ORDER BY created_at"
    ).fetchall()


def settings_for(tmp_path: Path, alert_url: str | None, **changes: Any) -> Settings:
    return Settings(home=tmp_path, alert_url=alert_url, **changes)


# -- deciding --------------------------------------------------------------------------------------

def test_problem_report_sends_one_post_that_names_the_expectation_and_quotes_the_row(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, receiver: WebhookReceiver
) -> None:
    settings = settings_for(tmp_path, receiver.url())
    decision = send_alert(report(1, negative_value()), settings, con, now=T0, sleep=Sleeps())

    assert (decision.kind, decision.delivered, decision.attempts, decision.error) == ("problem", True, 1, None)
    assert len(receiver.posts) == 1
    post = receiver.posts[0]
    assert post.path == HOOK_PATH and post.headers["content-type"].startswith("application/json")
    message = post.json()
    text = message["text"]
    assert text.splitlines()[0] == "bulletins genstaff: CRITICAL — run run-1 found 1 problem"
    assert "critical validation expect_column_values_to_be_between: 2 affected" in text
    assert "why: every catalogue metric is a size, a count or a rate of losses or gains: never negative" in text
    assert "value=-1230.0 (personnel_cumulative 2022-02-24..2025-03-01)" in text
    assert "value=-1232.0" in text and "value=-1233.0" not in text  # three examples, not four
    quoted = next(line.strip() for line in text.splitlines() if "minus one thousand" in line)
    assert quoted.startswith("“According to the morning summary") and quoted.endswith("…”")
    assert 150 <= len(quoted) <= 205
    assert "https://russianwarship.rip/api/v2/statistics/2025-03-01" in text
    assert "Full report: SELECT * FROM quarantine WHERE run_id = 'run-1'" in text
    assert "Flow run: http://127.0.0.1:4200/runs/flow-run/1" in text

    bulletins = message["bulletins"]
    assert bulletins["kind"] == "problem" and bulletins["alert_id"] == decision.alert_id
    assert bulletins["status"] == "critical" and bulletins["fingerprint"] == report(1, negative_value()).fingerprint
    assert bulletins["problems"][0]["examples"][3]["quote"] == NEGATIVE_QUOTE  # the data keeps everything

    assert alert_rows(con) == [("run-1", "problem", "critical", True, 1, None, f"http://127.0.0.1:{receiver.port}")]
    stored = con.execute("SELECT payload FROM alerts").fetchone()
    assert stored is not None and json.loads(stored[0]) == message


def test_same_problems_are_held_back_until_the_repeat_window_passes(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, receiver: WebhookReceiver
) -> None:
    settings = settings_for(tmp_path, receiver.url(), alert_repeat_hours=24)
    send_alert(report(1, negative_value(count=2)), settings, con, now=T0)
    # Other counts, same set of problems: the same failure, still going on.
    again = send_alert(report(2, negative_value(count=5)), settings, con, now=T0 + timedelta(hours=6))
    assert (again.kind, again.delivered, again.attempts) == ("suppressed", False, 0)
    assert len(receiver.posts) == 1

    # 23 h after the alert (the suppressed run does not move the window): still held back.
    held = send_alert(report(3, negative_value()), settings, con, now=T0 + timedelta(hours=23))
    assert held.kind == "suppressed"
    resent = send_alert(report(4, negative_value()), settings, con, now=T0 + timedelta(hours=24, minutes=1))
    assert (resent.kind, resent.delivered) == ("problem", True)
    assert [post.json()["bulletins"]["run_id"] for post in receiver.posts] == ["run-1", "run-4"]
    assert [row[:2] for row in alert_rows(con)] == [
        ("run-1", "problem"), ("run-2", "suppressed"), ("run-3", "suppressed"), ("run-4", "problem")
    ]


def test_a_repeat_window_of_zero_alerts_every_run(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, receiver: WebhookReceiver
) -> None:
    settings = settings_for(tmp_path, receiver.url(), alert_repeat_hours=0)
    for run in (1, 2, 3):
        send_alert(report(run, negative_value()), settings, con, now=T0 + timedelta(minutes=run))
    assert len(receiver.posts) == 3


def test_different_problems_alert_again_at_once(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, receiver: WebhookReceiver
) -> None:
    settings = settings_for(tmp_path, receiver.url())
    send_alert(report(1, negative_value()), settings, con, now=T0)
    added = send_alert(report(2, negative_value(), no_figures()), settings, con, now=T0 + timedelta(hours=1))
    only_warning = send_alert(report(3, no_figures()), settings, con, now=T0 + timedelta(hours=2))

    assert (added.kind, only_warning.kind) == ("problem", "problem")
    statuses = [post.json()["bulletins"]["status"] for post in receiver.posts]
    assert statuses == ["critical", "critical", "warning"]
    assert "found 2 problems" in receiver.posts[1].json()["text"]
    assert "warning anomaly body_not_found: 1 affected" in receiver.posts[2].json()["text"]


def test_problems_in_another_source_do_not_hold_back_this_one(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, receiver: WebhookReceiver
) -> None:
    settings = settings_for(tmp_path, receiver.url())
    send_alert(report(1, no_figures(), source="isw"), settings, con, now=T0)
    other = send_alert(report(2, no_figures(), source="ukmod"), settings, con, now=T0 + timedelta(minutes=5))
    assert other.kind == "problem" and len(receiver.posts) == 2


def test_a_clean_run_after_problems_sends_one_all_clear(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, receiver: WebhookReceiver
) -> None:
    settings = settings_for(tmp_path, receiver.url())
    send_alert(report(1, negative_value()), settings, con, now=T0)
    send_alert(report(2, negative_value()), settings, con, now=T0 + timedelta(hours=1))  # suppressed
    recovered = send_alert(report(3), settings, con, now=T0 + timedelta(hours=2))
    still_clean = send_alert(report(4), settings, con, now=T0 + timedelta(hours=3))

    assert (recovered.kind, recovered.delivered) == ("all_clear", True)
    assert (still_clean.kind, still_clean.alert_id) == ("none", None)
    assert len(receiver.posts) == 2
    message = receiver.posts[1].json()
    assert message["text"].splitlines()[:2] == [
        "bulletins genstaff: all clear — run run-3 found no problems",
        "The problems alerted earlier (alerted since 2025-03-10 06:00 UTC) are gone.",
    ]
    assert message["bulletins"]["kind"] == "all_clear" and message["bulletins"]["problems"] == []
    assert [row[:3] for row in alert_rows(con)] == [
        ("run-1", "problem", "critical"), ("run-2", "suppressed", "critical"), ("run-3", "all_clear", "clean")
    ]
    # After an all-clear the same problems are news again.
    back = send_alert(report(5, negative_value()), settings, con, now=T0 + timedelta(hours=4))
    assert back.kind == "problem" and len(receiver.posts) == 3


def test_a_clean_run_with_nothing_open_sends_and_records_nothing(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, receiver: WebhookReceiver
) -> None:
    decision = send_alert(report(1), settings_for(tmp_path, receiver.url()), con, now=T0)
    assert (decision.kind, decision.delivered, decision.attempts, decision.alert_id) == ("none", False, 0, None)
    assert receiver.posts == [] and alert_rows(con) == []


def test_a_naive_now_is_refused_with_a_clear_error(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="has no time zone"):
        send_alert(report(1, no_figures()), settings_for(tmp_path, None), con, now=datetime(2025, 3, 10))


# -- delivering ------------------------------------------------------------------------------------

def test_server_errors_are_retried_until_delivered_honouring_retry_after(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, receiver: WebhookReceiver
) -> None:
    receiver.script(Answer(500), Answer(503, headers={"Retry-After": "7"}), Answer(200))
    sleeps = Sleeps()
    decision = send_alert(report(1, negative_value()), settings_for(tmp_path, receiver.url()), con,
                          now=T0, sleep=sleeps)

    assert (decision.delivered, decision.attempts, decision.error) == (True, 3, None)
    assert len(receiver.posts) == 3 and len({post.body for post in receiver.posts}) == 1
    assert len(sleeps) == 2 and 0 <= sleeps[0] <= 1.0 and sleeps[1] == 7.0
    assert alert_rows(con)[0][3:6] == (True, 3, None)


def test_a_refused_payload_is_not_retried(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, receiver: WebhookReceiver
) -> None:
    receiver.default = Answer(400)
    decision = send_alert(report(1, no_figures()), settings_for(tmp_path, receiver.url()), con, now=T0)
    assert (decision.delivered, decision.attempts) == (False, 1)
    assert decision.error is not None and "HTTP 400 receiver trouble" in decision.error


@pytest.mark.parametrize(("answer", "cause"), [(Answer(hang=True), "timeout"), (Answer(close=True), "connection")])
def test_an_unreachable_receiver_is_logged_and_recorded_never_raised(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, receiver: WebhookReceiver, caplog: pytest.LogCaptureFixture,
    answer: Answer, cause: str,
) -> None:
    receiver.default = answer
    sleeps = Sleeps()
    with caplog.at_level(logging.INFO, logger="flows.alerts"):
        decision = send_alert(report(1, negative_value()), settings_for(tmp_path, receiver.url()), con,
                              now=T0, sleep=sleeps, timeout=0.3)

    assert (decision.kind, decision.delivered, decision.attempts) == ("problem", False, MAX_ATTEMPTS)
    assert decision.error is not None
    assert f"gave up after {MAX_ATTEMPTS} attempts, last: {cause}" in decision.error
    assert len(receiver.posts) == MAX_ATTEMPTS and len(sleeps) == MAX_ATTEMPTS - 1
    row = alert_rows(con)[0]
    assert row[3:6] == (False, MAX_ATTEMPTS, decision.error)
    assert "T0SECRET" not in decision.error and "T0SECRET" not in row[6]
    failures = [r for r in caplog.records if r.name == "flows.alerts" and r.levelno == logging.ERROR]
    assert len(failures) == 1 and "run-1" in failures[0].getMessage() and cause in failures[0].getMessage()
    assert "T0SECRET" not in caplog.text


# A webhook URL that needs percent-encoding on the wire: an error quoting the encoded path once
# slipped past a scrub that only knew the URL as written (issue 11 item 7).
ENCODED_HOOK_PATH = "/hooks/T0SECRET/B0 TOKEN/équipe"


def test_a_refused_connection_fails_fast_and_is_recorded_without_the_secret_path(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for path in (HOOK_PATH, ENCODED_HOOK_PATH):
        with caplog.at_level(logging.ERROR, logger="flows.alerts"):
            decision = send_alert(report(1, no_figures()), settings_for(tmp_path, f"http://127.0.0.1:{port}{path}"),
                                  con, now=T0, sleep=Sleeps())
        # Refused is tried once more, like any connection that cannot be made, then given up.
        assert (decision.delivered, decision.attempts) == (False, 2)
        assert decision.error is not None and "Connection refused" in decision.error
        assert "T0SECRET" not in decision.error and "B0" not in decision.error
    stored = con.execute("SELECT string_agg(error, ' ') || string_agg(destination, ' ') FROM alerts").fetchone()
    assert stored is not None and "T0SECRET" not in stored[0]
    assert "T0SECRET" not in caplog.text and f"127.0.0.1:{port}" in caplog.text
    assert "T0SECRET" not in "".join(capfd.readouterr())


def test_a_receiver_echoing_the_encoded_path_does_not_leak_it(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, receiver: WebhookReceiver, caplog: pytest.LogCaptureFixture,
) -> None:
    receiver.default = Answer(404, body=b"no hook at /hooks/T0SECRET/B0%20TOKEN/%C3%A9quipe")
    with caplog.at_level(logging.ERROR, logger="flows.alerts"):
        decision = send_alert(report(1, no_figures()), settings_for(tmp_path, receiver.url(ENCODED_HOOK_PATH)),
                              con, now=T0, sleep=Sleeps())
    assert receiver.posts[0].path == "/hooks/T0SECRET/B0%20TOKEN/%C3%A9quipe"  # it was sent where it should
    assert decision.error is not None and decision.error.endswith("HTTP 404 no hook at …")
    assert "T0SECRET" not in decision.error and "T0SECRET" not in caplog.text


def test_a_dripping_receiver_cannot_hold_an_attempt_past_the_timeout(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, receiver: WebhookReceiver
) -> None:
    """Issue 11 item 5: one byte every 0.2 s never trips a socket timeout; the deadline does."""
    receiver.default = Answer(200, drip=0.2)  # about 8 s to send its answer
    decision = send_alert(report(1, no_figures()), settings_for(tmp_path, receiver.url()), con, now=T0,
                          sleep=Sleeps(), timeout=0.5)
    assert (decision.delivered, decision.attempts) == (False, MAX_ATTEMPTS)
    assert decision.error is not None
    assert decision.error.endswith(f"gave up after {MAX_ATTEMPTS} attempts, last: timeout: no complete answer "
                                   "within 0.5 s")


def test_an_undelivered_alert_is_sent_again_by_the_next_run(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, receiver: WebhookReceiver
) -> None:
    settings = settings_for(tmp_path, receiver.url())
    receiver.script(*[Answer(503)] * MAX_ATTEMPTS)
    first = send_alert(report(1, negative_value()), settings, con, now=T0, sleep=Sleeps())
    second = send_alert(report(2, negative_value()), settings, con, now=T0 + timedelta(hours=1), sleep=Sleeps())
    assert (first.delivered, second.kind, second.delivered) == (False, "problem", True)
    third = send_alert(report(3, negative_value()), settings, con, now=T0 + timedelta(hours=2), sleep=Sleeps())
    assert third.kind == "suppressed"


def test_without_a_destination_the_alert_is_logged_and_recorded_as_undelivered(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="flows.alerts"):
        decision = send_alert(report(1, no_figures()), settings_for(tmp_path, None), con, now=T0)
    assert (decision.kind, decision.delivered, decision.error) == ("problem", False, "no alert destination configured")
    assert "no alert destination configured" in caplog.text
    assert alert_rows(con) == [("run-1", "problem", "warning", False, 0, "no alert destination configured", None)]


def test_an_apprise_json_url_delivers_to_the_receiver(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, receiver: WebhookReceiver
) -> None:
    pytest.importorskip("apprise")
    url = receiver.url("/apprise/inbox", scheme="json")
    decision = send_alert(report(1, negative_value()), settings_for(tmp_path, url), con, now=T0)

    assert (decision.delivered, decision.attempts, decision.error) == (True, 1, None)
    assert len(receiver.posts) == 1 and receiver.posts[0].path == "/apprise/inbox"
    message = receiver.posts[0].json()  # Apprise's own JSON shape: title + message
    assert message["title"] == "bulletins genstaff: CRITICAL — run run-1 found 1 problem"
    assert "expect_column_values_to_be_between" in message["message"] and "minus one thousand" in message["message"]
    assert message["type"] == "failure"
    assert alert_rows(con)[0][6] == f"json://127.0.0.1:{receiver.port}"


def test_an_apprise_url_nobody_understands_is_recorded_not_raised(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    pytest.importorskip("apprise")
    decision = send_alert(report(1, no_figures()), settings_for(tmp_path, "nosuchservice://token/x"), con, now=T0)
    assert decision.delivered is False
    assert decision.error is not None and "Apprise does not understand nosuchservice:// URLs" in decision.error


def test_a_badly_named_prefect_block_is_recorded_not_raised(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    decision = send_alert(report(1, no_figures()), settings_for(tmp_path, None, alert_block="data-team"), con,
                          now=T0)
    assert decision.delivered is False and decision.attempts == 0
    assert decision.error == ("prefect-block:data-team: BULLETINS_ALERT_BLOCK='data-team' must be "
                              "'<block-type-slug>/<block-name>', e.g. 'slack-webhook/data-team'")


def test_a_prefect_notification_block_delivers_to_the_receiver(
    prefect_harness: None, tmp_path: Path, con: duckdb.DuckDBPyConnection, receiver: WebhookReceiver
) -> None:
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    CustomWebhookNotificationBlock(
        name="bulletins", url=receiver.url("/block"), json_data={"subject": "{{subject}}", "body": "{{body}}"}
    ).save("bulletins-alerts", overwrite=True)
    settings = settings_for(tmp_path, None, alert_block="custom-webhook/bulletins-alerts")
    decision = send_alert(report(1, no_figures()), settings, con, now=T0)

    assert (decision.delivered, decision.attempts, decision.error) == (True, 1, None)
    message = receiver.posts[0].json()
    assert message["subject"] == "bulletins genstaff: WARNING — run run-1 found 1 problem"
    assert "warning anomaly body_not_found: 1 affected" in message["body"]
    assert alert_rows(con)[0][6] == "prefect-block:custom-webhook/bulletins-alerts"


# -- the table and the settings ----------------------------------------------------------------------

def test_every_column_of_the_alerts_table_is_commented(con: duckdb.DuckDBPyConnection) -> None:
    table = con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'alerts'").fetchone()
    assert table is not None and table[0]
    columns = dict(con.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'alerts'"
    ).fetchall())
    assert len(columns) == 12
    assert [name for name, comment in columns.items() if not comment] == []


def test_alert_settings_come_from_the_environment() -> None:
    settings = Settings.from_env({"BULLETINS_ALERT_BLOCK": "slack-webhook/data-team",
                                  "BULLETINS_ALERT_REPEAT_HOURS": "0.5"})
    assert (settings.alert_block, settings.alert_repeat_hours) == ("slack-webhook/data-team", 0.5)
    defaults = Settings.from_env({})
    assert (defaults.alert_block, defaults.alert_repeat_hours) == (None, 24.0)
