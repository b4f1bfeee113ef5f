"""Every way a run ends leaves its ingest_runs row finished: a refused configuration, SIGTERM, Ctrl-C,
and a kill -9 (closed as abandoned by the next run). Real processes, real signals, a real Prefect server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.runs import RunSummary, close_abandoned_runs, start_run
from flows.settings import Settings
from tests.loopback import LoopbackServer, RecordedRequest, Reply
from warehouse.db import connect

REPO = Path(__file__).resolve().parents[2]
REPORT = REPO / "samples/isw/site/research/russia-ukraine/russian-offensive-campaign-assessment-june-2-2025/index.html"
REPORT_PATH = "/research/russia-ukraine/russian-offensive-campaign-assessment-june-2-2025/"


def sitemaps(report_path: str) -> tuple[bytes, bytes]:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    index = (f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
             f"<loc>https://understandingwar.org/post-sitemap.xml</loc><lastmod>{now}</lastmod></sitemap>"
             "</sitemapindex>").encode()
    posts = (f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url>'
             f"<loc>https://understandingwar.org{report_path}</loc><lastmod>{now}</lastmod></url></urlset>").encode()
    return index, posts


@pytest.fixture
def hanging_site(prefect_harness: None) -> Iterator[tuple[LoopbackServer, threading.Event]]:
    """An ISW site whose one report never answers until released: a run to stop in the middle.
    (On the embedded warehouse no Prefect slot is taken, so a run killed here holds nothing back.)"""
    release, asked = threading.Event(), threading.Event()

    def hang(_request: RecordedRequest) -> Reply:
        asked.set()
        release.wait(60)
        return Reply(200, REPORT.read_bytes(), headers={"Content-Type": "text/html"})

    index, posts = sitemaps(REPORT_PATH)
    with LoopbackServer() as server:
        server.route("/sitemap_index.xml", Reply(200, index, headers={"Content-Type": "application/xml"}))
        server.route("/post-sitemap.xml", Reply(200, posts, headers={"Content-Type": "application/xml"}))
        server.route(REPORT_PATH, hang)
        try:
            yield server, asked
        finally:
            release.set()


def start_ingest(home: Path, base_url: str, source: str = "isw", attempts: int = 1) -> subprocess.Popen[str]:
    """`bulletins ingest --source SOURCE` in its own process, on the session's Prefect server."""
    from prefect.settings import PREFECT_API_URL

    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "BULLETINS_HOME": str(home),
           f"BULLETINS_{source.upper()}_BASE_URL": base_url, "BULLETINS_HTTP_MAX_ATTEMPTS": str(attempts),
           "PREFECT_API_URL": str(PREFECT_API_URL.value()), "PREFECT_HOME": str(home / "prefect"),
           "DO_NOT_TRACK": "1", "GX_ANALYTICS_ENABLED": "False", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    return subprocess.Popen(
        [sys.executable, "-c", "import sys; from flows.cli import main; sys.exit(main(sys.argv[1:]))",
         "ingest", "--source", source],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def stop_midway(process: subprocess.Popen[str], asked: threading.Event, signal_number: int) -> tuple[int, str]:
    try:
        assert asked.wait(120), "the ingest never asked for the report"
        time.sleep(0.5)  # inside the fetch
        process.send_signal(signal_number)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode, stderr


def runs(home: Path) -> list[tuple[str, str, bool, str]]:
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        return con.execute(
            "SELECT run_id, status, finished_at IS NOT NULL, message FROM ingest_runs ORDER BY started_at"
        ).fetchall()


@pytest.mark.parametrize(
    ("signal_number", "exit_code", "reason"),
    # Ended by the signal itself (as Prefect re-raises it) or exiting with the shell's code for it.
    [(signal.SIGTERM, {-signal.SIGTERM, 143}, "failed: stopped by SIGTERM (a worker or a person ended the run)"),
     (signal.SIGINT, {-signal.SIGINT, 130}, "failed: interrupted (Ctrl-C)")],
)
def test_a_run_stopped_by_a_signal_finishes_its_row_with_the_reason(
    prefect_harness: None, tmp_path: Path, hanging_site: tuple[LoopbackServer, threading.Event],
    signal_number: int, exit_code: set[int], reason: str,
) -> None:
    server, asked = hanging_site
    home = tmp_path / "home"
    returncode, stderr = stop_midway(start_ingest(home, server.url("")), asked, signal_number)

    assert returncode in exit_code, stderr
    assert "Traceback" not in stderr
    [(_, status, finished, message)] = runs(home)
    assert (status, finished, message) == ("failed", True, reason)


def test_a_killed_run_is_closed_as_abandoned_by_the_next_run(
    prefect_harness: None, tmp_path: Path, hanging_site: tuple[LoopbackServer, threading.Event],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, asked = hanging_site
    home = tmp_path / "home"
    process = start_ingest(home, server.url(""))
    returncode, _ = stop_midway(process, asked, signal.SIGKILL)
    assert returncode == -signal.SIGKILL
    [(killed, status, finished, _)] = runs(home)
    assert (status, finished) == ("running", False)  # nothing could run after kill -9

    # The next run, of another source even, sees the process is gone and closes the row.
    from flows.ingest import ingest

    monkeypatch.setenv("BULLETINS_HOME", str(home))
    ingest(source="curated", mode="backfill")
    by_id = {run_id: (status, finished, message) for run_id, status, finished, message in runs(home)}
    status, finished, message = by_id[killed]
    assert (status, finished) == ("abandoned", True)
    assert message.startswith(f"abandoned: its process (PID {process.pid}) ended without finishing the run; "
                              "closed by run ")


def test_only_rows_whose_process_is_gone_or_unknown_for_a_day_are_abandoned(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    finished = subprocess.run(["true"], check=True)
    assert finished.returncode == 0
    dead = subprocess.Popen(["true"])
    dead.wait()  # a real process, ended: its PID is free
    now = datetime.now(UTC)
    rows = [
        ("alive", os.getpid(), socket.gethostname(), now - timedelta(days=3)),
        ("dead", dead.pid, socket.gethostname(), now - timedelta(minutes=1)),
        ("other-host-recent", 1, "elsewhere", now - timedelta(hours=1)),
        ("other-host-old", 1, "elsewhere", now - timedelta(hours=25)),
        ("no-process-old", None, None, now - timedelta(days=2)),
    ]
    with connect(settings.warehouse_path) as con:
        for run_id, pid, host, started in rows:
            con.execute("INSERT INTO ingest_run_events (run_id, source, mode, started_at, status, pid, host) "
                        "VALUES (?, 'isw', 'incremental', ?, 'running', ?, ?)", [run_id, started, pid, host])
        closed = close_abandoned_runs(con, now, by_run="next")
        left = dict(con.execute("SELECT run_id, status FROM ingest_runs").fetchall())
    assert sorted(closed) == ["dead", "no-process-old", "other-host-old"]
    assert left == {"alive": "running", "dead": "abandoned", "other-host-recent": "running",
                    "other-host-old": "abandoned", "no-process-old": "abandoned"}

    with connect(settings.warehouse_path) as con:
        start_run(con, RunSummary("new", "isw", "incremental"), {})
        assert con.execute("SELECT status, pid, host FROM ingest_runs WHERE run_id = 'new'").fetchone() == (
            "running", os.getpid(), socket.gethostname())


def test_a_flow_refused_for_its_configuration_is_failed_with_the_reason_and_not_retried(
    prefect_harness: None, bulletins_home: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flows.ingest import ingest
    from flows.settings import ConfigurationError

    monkeypatch.delenv("BULLETINS_UKMOD_X_BEARER_TOKEN", raising=False)
    state = ingest(source="ukmod", return_state=True)  # as a deployment would run it
    assert state.is_failed()
    error = state.result(raise_on_failure=False)
    assert isinstance(error, ConfigurationError) and "neither is set" in str(error)
    [(_, status, finished, message)] = runs(bulletins_home)
    assert (status, finished, message) == ("failed", True, f"failed: {error}")


@pytest.mark.parametrize(("source", "first_path"), [("isw", "/sitemap_index.xml"),
                                                    ("genstaff", "/api/v2/statistics")])
def test_an_unreachable_source_fails_fast_in_one_line_with_the_client_retrying_alone(
    prefect_harness: None, tmp_path: Path, source: str, first_path: str,
) -> None:
    home = tmp_path / "home"
    with LoopbackServer() as server:
        server.route(first_path, Reply(disconnect=True))  # a reset: as close to no network as loopback gets
        process = start_ingest(home, server.url(""), source=source, attempts=2)
        _, stderr = process.communicate(timeout=180)
        asked = len(server.requests_for(first_path))
        first_url = server.url(first_path)

    assert process.returncode == 1
    assert "Traceback" not in stderr
    [line] = [text for text in stderr.splitlines() if text.startswith("bulletins:")]
    assert line.startswith(f"bulletins: {source} could not be reached: fetch of {first_url}")
    assert asked == 2  # the client's two attempts; Prefect retried nothing on top (before: 2 x 3)
    [(_, status, finished, message)] = runs(home)
    assert (status, finished) == ("failed", True) and message.startswith(f"{source} could not be reached")
