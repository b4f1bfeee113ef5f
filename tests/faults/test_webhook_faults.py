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

import duckdb
import pytest

from tests.faults.conftest import ingest_isw, report_paths
from tests.faults.harness import Fault, FaultyArchive, Figures, figures, free_port, judge
from tests.holder import held_open
from tests.webhook import HOOK_PATH, Answer, WebhookReceiver


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as server:
        yield server


class CompetingWriter:
    """When the first alert POST arrives, another process opens the warehouse for writing."""

    def __init__(self, receiver: WebhookReceiver, warehouse: Path) -> None:
        self.opened: bool | None = None
        self.error = ""
        self._receiver, self._warehouse = receiver, warehouse
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        for _ in range(600):
            if self._receiver.posts:
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


@pytest.mark.parametrize("behaviour", ["refused", "hanging", "dripping"])
def test_a_broken_webhook_loses_nothing_and_holds_no_lock_while_it_is_tried(
    baseline: Figures, home: Path, archive: FaultyArchive, archive_dir: Path, receiver: WebhookReceiver,
    monkeypatch: pytest.MonkeyPatch, behaviour: str,
) -> None:
    target = report_paths(archive_dir)[3]
    impossible = archive.file_for(target).replace(b"gained 203 square", b"gained 2,030,000 square")
    archive.fail(target, always=Fault("status", 200, {"Content-Type": "text/html; charset=utf-8"}, impossible))
    url = f"http://127.0.0.1:{free_port()}{HOOK_PATH}" if behaviour == "refused" else receiver.url()
    receiver.default = Answer(hang=True) if behaviour == "hanging" else Answer(200, drip=0.2)
    monkeypatch.setenv("BULLETINS_ALERT_URL", url)
    monkeypatch.setenv("BULLETINS_ALERT_TIMEOUT", "1")
    monkeypatch.setenv("BULLETINS_LOCK_TIMEOUT", "20")
    competitor = CompetingWriter(receiver, home / "warehouse.duckdb") if behaviour != "refused" else None

    first = ingest_isw()
    if competitor:
        competitor.join()
    after_fault = figures(home)
    archive.clear()
    receiver.default = Answer(200)
    monkeypatch.setenv("BULLETINS_ALERT_URL", receiver.url())
    second = ingest_isw()
    final = figures(home)

    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        alerts = con.execute("SELECT kind, delivered, attempts, error, destination FROM alerts "
                             "ORDER BY created_at").fetchall()
        quarantined = con.execute("SELECT value FROM quarantine").fetchall()
    verdict = judge(f"webhook {behaviour}", "test_a_broken_webhook_loses_nothing_and_holds_no_lock_while_it_is_tried",
                    "run stored, delivery recorded as failed; no lock held meanwhile", baseline, after_fault, final,
                    first_state=first.name, alert=alerts[0][:3],
                    competitor_opened=competitor.opened if competitor else None)
    assert (verdict.lost, verdict.duplicated, verdict.converged) == (0, 0, True), verdict
    assert first.is_failed() and not second.is_failed()  # the quarantined figure fails the first run
    assert quarantined == [(2_030_000.0,)]
    kind, delivered, attempts, error, destination = alerts[0]
    assert (kind, delivered) == ("problem", False)
    assert attempts == (2 if behaviour == "refused" else 4)
    assert "T0SECRET" not in error and "T0SECRET" not in destination
    assert ("Connection refused" if behaviour == "refused" else "no complete answer within 1 s") in error
    if competitor:
        assert competitor.opened is True, competitor.error  # the webhook was tried with the warehouse free
    assert [row[:2] for row in alerts[1:]] == [("all_clear", True)]
