"""Fault matrix, process rows: kill -9 at random points, two ingests at once, a reader taking the lock.

Every ingest here is a real process of its own (tests/faults/runner.py), on the real archive,
the real DuckDB file and the session's Prefect server.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import child_env, run_args
from tests.faults.harness import FaultyArchive, Figures, figures, judge, run_statuses
from tests.faults.runner import Runner, kill

REPO = Path(__file__).resolve().parents[2]
READER = """
import sys, time
from pathlib import Path
from warehouse.db import connect
with connect(Path(sys.argv[1]), read_only=True, lock_timeout=30) as con:
    con.execute("SELECT count(*) FROM observations").fetchall()
    time.sleep(2.0)
"""
KILLS = 10
MAX_CYCLES = 30


def _leftovers(home: Path) -> list[str]:
    """Temp files a killed writer could leave: half-written raw documents, half-published copies."""
    return sorted(str(p.relative_to(home)) for p in home.rglob("*") if ".tmp-" in p.name)


def _finish_cleanly(runner: Runner, env: dict[str, str]) -> dict[str, Any]:
    child = runner.start(env, **run_args())
    status = runner.wait(child)
    outcome = child.outcome()
    assert status == 0 and outcome is not None, child.log.read_text()[-3000:]
    return outcome


def test_kill_9_at_random_points_loses_and_duplicates_nothing(
    baseline: Figures, runner: Runner, served: FaultyArchive, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    env = child_env(home, served.url)
    rng = random.Random(1_201)  # the same instants on every run of the suite
    killed_after: list[float] = []
    finished = 0
    for _cycle in range(MAX_CYCLES):
        child = runner.start(env, **run_args())
        pause = rng.uniform(0.05, 3.0)
        time.sleep(pause)
        kill(child)
        status = runner.wait(child)
        if status == -9:
            killed_after.append(round(pause, 2))
        else:
            finished += 1
        if len(killed_after) >= KILLS:
            break
    assert len(killed_after) >= KILLS, f"only {len(killed_after)} kills landed in {MAX_CYCLES} runs"
    after_kills = figures(home)

    _finish_cleanly(runner, env)
    final = figures(home)
    verdict = judge("kill -9 at random points", "test_kill_9_at_random_points_loses_and_duplicates_nothing",
                    f"{len(killed_after)} kills; the next run picks up", baseline, after_kills, final,
                    kills=len(killed_after), finished_between=finished, killed_after_s=killed_after,
                    rows_stored_between_kills=after_kills.row_count)
    assert (verdict.lost, verdict.duplicated, verdict.converged) == (0, 0, True), verdict
    assert _leftovers(home) == []


def test_runs_left_running_by_kill_9_are_closed_by_the_next_run(
    baseline: Figures, runner: Runner, served: FaultyArchive, tmp_path: Path
) -> None:
    """Issue 11 item 9 (the SOURCES engineer's): a row orphaned by a kill is closed as abandoned."""
    home = tmp_path / "home"
    env = child_env(home, served.url)
    _finish_cleanly(runner, env)
    for pause in (1.0, 1.5):
        child = runner.start(env, **run_args())
        time.sleep(pause)
        kill(child)
        runner.wait(child)
    _finish_cleanly(runner, env)
    statuses = run_statuses(home)
    assert "running" not in statuses, statuses
    assert statuses[0] == "completed" and statuses[-1] in ("completed", "completed_with_warnings")


def test_two_ingests_of_one_source_at_once(
    baseline: Figures, runner: Runner, served: FaultyArchive, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    env = child_env(home, served.url)
    first, second = runner.start(env, **run_args()), runner.start(env, **run_args())
    statuses = [runner.wait(first), runner.wait(second)]
    after = figures(home)
    _finish_cleanly(runner, env)
    final = figures(home)
    outcomes = [first.outcome(), second.outcome()]
    verdict = judge("two ingests of one source at once", "test_two_ingests_of_one_source_at_once",
                    "one waits for the other's lock; the second adds nothing", baseline, after, final,
                    exit_statuses=statuses)
    assert (verdict.lost, verdict.duplicated, verdict.converged) == (0, 0, True), verdict
    assert statuses == [0, 0], [first.log.read_text()[-2000:], second.log.read_text()[-2000:]]
    assert after.latest == baseline.latest and all(o and not o["failed"] for o in outcomes)


def test_a_reader_taking_the_lock_mid_run_makes_the_run_wait_not_fail(
    baseline: Figures, runner: Runner, served: FaultyArchive, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    env = child_env(home, served.url, BULLETINS_LOCK_TIMEOUT="20")
    child = runner.start(env, **run_args())
    # Mid-run: once discovery is done (the flow logs it), a reader holds the file for 2 s.
    for _ in range(600):
        if child.log.exists() and "documents to look at" in child.log.read_text(errors="replace"):
            break
        time.sleep(0.02)
    # The reader waits its turn for the lock as any careful client does (warehouse.db.connect), then
    # keeps the file for 2 s: every later open of the run must wait for it.
    reader = subprocess.run([sys.executable, "-c", READER, str(home / "warehouse.duckdb")], capture_output=True,
                            text=True, timeout=120, cwd=REPO)
    still_running = child.outcome() is None
    assert reader.returncode == 0, reader.stderr
    status = runner.wait(child)
    after = figures(home)
    _finish_cleanly(runner, env)
    final = figures(home)
    verdict = judge("a reader taking the lock mid-run",
                    "test_a_reader_taking_the_lock_mid_run_makes_the_run_wait_not_fail",
                    "the run waits for the lock (BULLETINS_LOCK_TIMEOUT) and completes", baseline, after, final,
                    exit_status=status)
    assert (verdict.lost, verdict.duplicated, verdict.converged) == (0, 0, True), verdict
    assert still_running  # the run was kept waiting by the reader...
    assert status == 0, child.log.read_text()[-3000:]  # ...and completed once it let go
    assert after.latest == baseline.latest


@pytest.fixture(autouse=True)
def _clean_archive(served: FaultyArchive) -> Any:
    served.clear()
    yield
    served.clear()
