"""Validation as a gate, through real flow runs: alerts to a loopback webhook, final states, anomalies.

Every test serves a copy of the sample archives on 127.0.0.1, edits it the way things go wrong in
practice (an OCR-damaged figure, a changed page layout, a figure off by 5 %), and runs the real
ingest flow with Great Expectations and DuckDB.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from flows.archive_server import serve_archive, serve_handler
from samples.genstaff.api import load_days
from samples.genstaff.api import make_handler as genstaff_handler
from samples.ukmod.loopback import make_handler as x_api_handler
from tests.webhook import Answer, WebhookReceiver
from warehouse.db import connect

REPO = Path(__file__).resolve().parents[2]
TOKEN = "test-token"
MOD_RANGE = {"date_from": date(2022, 3, 1), "date_to": date(2025, 12, 31), "mode": "backfill"}
ISW_RANGE = {"date_from": date(2024, 1, 1), "date_to": date(2025, 12, 31), "mode": "backfill"}
APRIL_1 = "research/russia-ukraine/russian-offensive-campaign-assessment-april-1-2025/index.html"
SEPTEMBER_2025 = "In September 2025 Russian casualties averaged approximately 950 per day."
DAILY_AVERAGE_BOUND = 'expect_column_values_to_be_between(value) if unit == "persons_per_day"'


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as server:
        yield server


@pytest.fixture
def mod_archive(tmp_path: Path) -> Path:
    copy = tmp_path / "ukmod"
    shutil.copytree(REPO / "samples" / "ukmod", copy)
    return copy


@pytest.fixture
def isw_site(tmp_path: Path) -> Path:
    copy = tmp_path / "site"
    shutil.copytree(REPO / "samples" / "isw" / "site", copy)
    return copy


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _ingest_mod(archive: Path, monkeypatch: pytest.MonkeyPatch, port: int = 0) -> Any:
    from flows.ingest import ingest

    with serve_handler(x_api_handler(archive, bearer_token=TOKEN), port=port) as url:
        monkeypatch.setenv("BULLETINS_UKMOD_X_API_URL", url)
        monkeypatch.setenv("BULLETINS_UKMOD_X_BEARER_TOKEN", TOKEN)
        return ingest(source="ukmod", **MOD_RANGE)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_ocr_damaged_figure_alerts_once_stays_quiet_while_open_and_clears_after_the_fix(
    prefect_harness: None, bulletins_home: Path, mod_archive: Path, receiver: WebhookReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flows.ingest import IngestFailed

    monkeypatch.setenv("BULLETINS_ALERT_URL", receiver.url())
    posts = mod_archive / "timeline" / "posts.json"
    _edit(posts, SEPTEMBER_2025, SEPTEMBER_2025.replace("950", "1,2711"))
    port = _free_port()  # the same URLs on every run, as against the real API

    with pytest.raises(IngestFailed) as failed:
        _ingest_mod(mod_archive, monkeypatch, port)
    assert failed.value.summary.status == "failed" and failed.value.summary.rows_quarantined == 1
    assert len(receiver.posts) == 1
    alert = receiver.posts[0].json()
    assert alert["bulletins"]["kind"] == "problem" and alert["bulletins"]["source"] == "ukmod"
    assert DAILY_AVERAGE_BOUND in alert["text"] and "1,2711 per day" in alert["text"]
    problem = next(p for p in alert["bulletins"]["problems"] if p["check"] == DAILY_AVERAGE_BOUND)
    assert problem["count"] == 1 and "value=12711.0" in problem["examples"][0]["detail"]
    with connect(bulletins_home / "warehouse.duckdb") as con:
        good_rows = con.execute("SELECT count(*) FROM observations WHERE source = 'ukmod'").fetchone()
        april = con.execute(
            "SELECT value FROM observations_latest WHERE metric = 'casualties_daily_avg' "
            "AND period_start = DATE '2024-04-01'"
        ).fetchall()
        quarantined = con.execute("SELECT value, failed_expectations FROM quarantine").fetchall()
    assert good_rows is not None and good_rows[0] > 10 and april == [(899.0,)]
    assert quarantined == [(12711.0, [DAILY_AVERAGE_BOUND])]

    again = _ingest_mod(mod_archive, monkeypatch, port)  # nothing new: the failure is still open
    assert again.status == "completed" and "still open" in again.message
    assert len(receiver.posts) == 1

    _edit(posts, SEPTEMBER_2025.replace("950", "1,2711"), SEPTEMBER_2025)
    fixed = _ingest_mod(mod_archive, monkeypatch, port)
    assert fixed.status == "completed" and fixed.rows_appended == 1
    assert len(receiver.posts) == 2
    assert receiver.posts[1].json()["bulletins"]["kind"] == "all_clear"
    with connect(bulletins_home / "warehouse.duckdb") as con:
        assert con.execute("SELECT count(*) FROM open_quarantine").fetchone() == (0,)
        kinds = con.execute("SELECT kind, delivered FROM alerts ORDER BY created_at").fetchall()
    assert kinds == [("problem", True), ("suppressed", False), ("all_clear", True)]


def test_a_mod_average_off_by_five_percent_against_the_general_staff_is_a_warning_with_both_numbers(
    prefect_harness: None, bulletins_home: Path, mod_archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.ingest import ingest

    with serve_handler(genstaff_handler(load_days(REPO / "samples" / "genstaff" / "data"))) as url:
        monkeypatch.setenv("BULLETINS_GENSTAFF_BASE_URL", url)
        ingest(source="genstaff", date_from=date(2024, 4, 28), date_to=date(2024, 6, 3), mode="backfill")
    # The MoD's May 2024 average is 1,262 a day, the General Staff's month 1,256; 1,319 is 5 % above it.
    _edit(mod_archive / "timeline" / "posts.json", "averaged 1,262 per day in May", "averaged 1,319 per day in May")
    summary = _ingest_mod(mod_archive, monkeypatch)
    assert summary.status == "completed_with_warnings"

    with connect(bulletins_home / "warehouse.duckdb") as con:
        warnings = con.execute(
            "SELECT expectation, detail, value FROM validation_warnings WHERE source = 'ukmod'"
        ).fetchall()
        checked = con.execute(
            """SELECT CAST(e ->> 'unexpected_count' AS INTEGER), CAST(e ->> 'success' AS BOOLEAN)
               FROM validation_results, unnest(CAST(expectations AS JSON[])) AS t(e)
               WHERE source = 'ukmod' AND (e ->> 'name') LIKE '%genstaff_ratio%qualifier in ["exact"%'"""
        ).fetchall()
        genstaff_may = con.execute(
            "SELECT mod_daily_avg FROM genstaff_monthly_casualties WHERE month = DATE '2024-05-01'"
        ).fetchone()
    assert genstaff_may is not None and round(genstaff_may[0]) == 1256
    assert len(warnings) == 1
    expectation, detail, value = warnings[0]
    assert "genstaff_ratio" in expectation and value == 1319.0
    # Both numbers are in the warning: the MoD's statement and the General Staff's month.
    assert "value=1319.0" in detail and f"genstaff_same_period={genstaff_may[0]!r}"[:28] in detail
    assert checked == [(1, False)]  # stored with the validation results: one row off


def test_a_report_whose_layout_hides_the_body_raises_a_parse_anomaly_alert(
    prefect_harness: None, bulletins_home: Path, isw_site: Path, receiver: WebhookReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flows.ingest import ingest

    # A redesign: the report moves into containers the parser does not know, its paragraphs into <span>s.
    page = isw_site / APRIL_1
    redesigned = page.read_text(encoding="utf-8")
    for old, new in (("entry-content", "rpt-text"), ("<article", "<section"), ("</article>", "</section>"),
                     ("<p>", "<span>"), ("<p ", "<span "), ("</p>", "</span>")):
        redesigned = redesigned.replace(old, new)
    page.write_text(redesigned, encoding="utf-8")
    # The receiver fails twice before it takes the alert: the alert still arrives.
    receiver.script(Answer(500), Answer(503))
    monkeypatch.setenv("BULLETINS_ALERT_URL", receiver.url())
    with serve_archive(isw_site) as url:
        monkeypatch.setenv("BULLETINS_ISW_BASE_URL", url)
        summary = ingest(source="isw", **ISW_RANGE)

    assert summary.status == "completed_with_warnings" and summary.rows_appended > 0
    assert len(receiver.posts) == 3
    alert = receiver.posts[-1].json()
    problems = {p["check"]: p for p in alert["bulletins"]["problems"]}
    assert problems["document_not_parsed"]["kind"] == "anomaly"
    assert "april-1-2025" in problems["document_not_parsed"]["examples"][0]["url"]
    assert "no report body found" in alert["text"]
    with connect(bulletins_home / "warehouse.duckdb") as con:
        anomalies = con.execute("SELECT check_name, url FROM anomalies").fetchall()
        delivered = con.execute("SELECT delivered, attempts FROM alerts").fetchall()
    assert [(name, "april-1-2025" in url) for name, url in anomalies] == [("document_not_parsed", True)]
    assert delivered == [(True, 3)]


def test_a_webhook_that_never_answers_leaves_the_run_stored_and_the_failure_logged(
    prefect_harness: None, bulletins_home: Path, isw_site: Path, receiver: WebhookReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flows.ingest import ingest

    # Prefect reconfigures the root logger when a flow starts, so listen on the alerts logger itself.
    logged: list[logging.LogRecord] = []
    listener = logging.Handler(level=logging.ERROR)
    listener.emit = logged.append  # type: ignore[method-assign]
    logging.getLogger("flows.alerts").addHandler(listener)
    _edit(isw_site / APRIL_1, "gained 203 square kilometers in March 2025,",
          "gained 2,030,000 square kilometers in March 2025,")
    receiver.default = Answer(hang=True)
    monkeypatch.setenv("BULLETINS_ALERT_URL", receiver.url())
    monkeypatch.setenv("BULLETINS_ALERT_TIMEOUT", "0.3")
    from flows.ingest import IngestFailed

    try:
        with serve_archive(isw_site) as url:
            monkeypatch.setenv("BULLETINS_ISW_BASE_URL", url)
            with pytest.raises(IngestFailed):
                ingest(source="isw", **ISW_RANGE)
    finally:
        logging.getLogger("flows.alerts").removeHandler(listener)

    with connect(bulletins_home / "warehouse.duckdb") as con:
        stored = con.execute("SELECT count(*) FROM observations").fetchone()
        validated = con.execute("SELECT count(*), bool_or(NOT success) FROM validation_results").fetchone()
        quarantined = con.execute("SELECT value FROM quarantine").fetchall()
        alert = con.execute("SELECT kind, delivered, attempts, error FROM alerts").fetchall()
        run = con.execute("SELECT status, problems FROM ingest_runs").fetchone()
    assert stored is not None and stored[0] >= 9
    assert validated is not None and validated[0] >= 1 and validated[1] is True
    assert quarantined == [(2_030_000.0,)]
    assert len(alert) == 1 and alert[0][:3] == ("problem", False, 4) and "timeout" in alert[0][3]
    assert run is not None and run[0] == "failed"
    assert any(p["severity"] == "critical" for p in json.loads(run[1]))
    assert any("not delivered" in record.getMessage() for record in logged)


def test_a_source_with_nothing_new_for_longer_than_its_schedule_fails_as_stale(
    prefect_harness: None, bulletins_home: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import time

    from flows.cli import main

    with serve_handler(genstaff_handler(load_days(REPO / "samples" / "genstaff" / "data"))) as url:
        monkeypatch.setenv("BULLETINS_GENSTAFF_BASE_URL", url)
        assert main(["backfill", "--source", "genstaff", "--from", "2025-12-20", "--to", "2025-12-31"]) == 0
        assert main(["ingest", "--source", "genstaff"]) == 0  # nothing new, but the last report is recent
        monkeypatch.setenv("BULLETINS_GENSTAFF_STALE_AFTER_HOURS", "0.0003")  # about a second
        time.sleep(1.5)
        assert main(["ingest", "--source", "genstaff"]) == 1  # the same report again: stale
    err = capsys.readouterr().err
    assert "run failed" in err and "no_new_document" in err
    with connect(bulletins_home / "warehouse.duckdb") as con:
        runs = con.execute("SELECT status FROM ingest_runs ORDER BY started_at").fetchall()
        stale = con.execute("SELECT kind, severity FROM anomalies").fetchall()
    assert [status for (status,) in runs][1:] == ["completed", "failed"]
    assert stale == [("stale", "critical")]


def test_a_backfill_run_carries_the_warning_state_of_its_ingest(
    prefect_harness: None, bulletins_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.ingest import backfill

    with serve_handler(genstaff_handler(load_days(REPO / "samples" / "genstaff" / "data"))) as url:
        monkeypatch.setenv("BULLETINS_GENSTAFF_BASE_URL", url)
        state = backfill(source="genstaff", date_from=date(2025, 4, 15), date_to=date(2025, 4, 25),
                         return_state=True)
    assert (state.type.value, state.name) == ("COMPLETED", "Completed with warnings")
    assert state.result().status == "completed_with_warnings"
    with connect(bulletins_home / "warehouse.duckdb") as con:
        flagged = con.execute("SELECT metric, period_end, detail FROM validation_warnings").fetchall()
    # The General Staff's own correction of 22 April 2025 (MLRS 1,368 -> 1,367); eleven days of history are
    # too few to judge a day against the 30-day median, so nothing else is flagged.
    assert [(metric, str(day)) for metric, day, _ in flagged] == [("mlrs_cumulative", "2025-04-22")]
    assert "previous_value=1368.0" in flagged[0][2]
