"""Fault matrix, alert rows: the webhook refuses, hangs or drips while a run has something to say.

The run finds a real problem (a report claims an impossible gain, which is quarantined), so it
alerts. Whatever the receiver does, the run's results are stored, the failed delivery is
recorded without the webhook's secret path, and — issue 11 item 5 — no warehouse connection is
open while the webhook is tried: another process takes the write lock at once meanwhile.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.faults.conftest import environment, ingest_isw, report_paths
from tests.faults.harness import Fault, FaultyArchive, Figures, figures, free_port, judge
from tests.holder import held_open
from tests.webhook import HOOK_PATH, Answer, WebhookReceiver


class CompetingWriter:
    """When the first alert POST arrives, another process opens the warehouse for writing."""

    def __init__(self, receiver: WebhookReceiver, warehouse: Path, posts_before: int = 0) -> None:
        self.opened: bool | None = None
        self.error = ""
        self._receiver, self._warehouse, self._posts_before = receiver, warehouse, posts_before
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        for _ in range(600):
            if len(self._receiver.posts) > self._posts_before:
                break
            threading.Event().wait(0.05)
        else:
            return
        try:
            with held_open(self._warehouse) as writer:
                writer.query("SELECT count(*) FROM ingest_runs")
            self.opened = True
        except AssertionError as error:  # the holder could not open the file
            self.opened, self.error = False, str(error)

    def join(self) -> None:
        self._thread.join(timeout=60)


BEHAVIOURS = ("refused", "hanging", "dripping")


@pytest.fixture(scope="module")
def alerting_runs(baseline: Figures, served: FaultyArchive, archive_dir: Path,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Three runs that alert to a broken webhook (refused, hanging, dripping), then a clean one.

    A report claims an impossible gain, so each of the three runs quarantines it and alerts; an
    undelivered alert is sent again by the next run, so each run tries its own broken receiver.
    """
    home = tmp_path_factory.mktemp("alerting") / "home"
    target = report_paths(archive_dir)[3]
    outcome: dict[str, Any] = {"home": home, "after": {}, "states": {}, "competitor": {}}
    with WebhookReceiver() as receiver, environment(home, served.url, BULLETINS_ALERT_TIMEOUT="1",
                                                     BULLETINS_LOCK_TIMEOUT="20") as patch:
        served.clear()
        impossible = served.file_for(target).replace(b"gained 203 square", b"gained 2,030,000 square")
        served.fail(target, always=Fault("status", 200, {"Content-Type": "text/html; charset=utf-8"}, impossible))
        for behaviour in BEHAVIOURS:
            refused = behaviour == "refused"
            patch.setenv("BULLETINS_ALERT_URL", f"http://127.0.0.1:{free_port()}{HOOK_PATH}" if refused
                         else receiver.url())
            receiver.default = Answer(hang=True) if behaviour == "hanging" else Answer(200, drip=0.2)
            posts_before = len(receiver.posts)
            competitor = None if refused else CompetingWriter(receiver, home / "warehouse.duckdb", posts_before)
            outcome["states"][behaviour] = ingest_isw()
            if competitor:
                competitor.join()
                outcome["competitor"][behaviour] = (competitor.opened, competitor.error)
            outcome["after"][behaviour] = figures(home)
        served.clear()
        receiver.default = Answer(200)
        patch.setenv("BULLETINS_ALERT_URL", receiver.url())
        outcome["rerun"] = ingest_isw()
        outcome["final"] = figures(home)
        with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
            outcome["alerts"] = con.execute("SELECT kind, delivered, attempts, error, destination FROM alerts "
                                            "ORDER BY created_at").fetchall()
            outcome["quarantined"] = con.execute("SELECT value FROM quarantine").fetchall()
        yield outcome
        served.clear()


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_a_broken_webhook_loses_nothing_and_holds_no_lock_while_it_is_tried(
    baseline: Figures, alerting_runs: dict[str, Any], behaviour: str
) -> None:
    state = alerting_runs["states"][behaviour]
    alerts = alerting_runs["alerts"]
    kind, delivered, attempts, error, destination = alerts[BEHAVIOURS.index(behaviour)]
    competitor = alerting_runs["competitor"].get(behaviour)
    verdict = judge(f"webhook {behaviour}", "test_a_broken_webhook_loses_nothing_and_holds_no_lock_while_it_is_tried",
                    "run stored, delivery recorded as failed; no lock held meanwhile", baseline,
                    alerting_runs["after"][behaviour], alerting_runs["final"], first_state=state.name,
                    alert=(kind, delivered, attempts), competitor_opened=competitor[0] if competitor else None)
    assert (verdict.lost, verdict.duplicated, verdict.converged) == (0, 0, True), verdict
    # The first run quarantines the impossible figure (and fails); the next two find the same report
    # unchanged (a conditional GET) with its row still open, and alert about it again.
    assert alerting_runs["states"]["refused"].is_failed() and not alerting_runs["rerun"].is_failed()
    assert alerting_runs["quarantined"] == [(2_030_000.0,)]
    assert (kind, delivered) == ("problem", False)
    assert attempts == (2 if behaviour == "refused" else 4)
    assert "T0SECRET" not in error and "T0SECRET" not in destination
    assert ("Connection refused" if behaviour == "refused" else "no complete answer within 1 s") in error
    if competitor:
        assert competitor[0] is True, competitor[1]  # the webhook was tried with the warehouse free
    assert [row[:2] for row in alerts[3:]] == [("all_clear", True)]
