"""Fault matrix, disk-full rows, on a real full disk (issue 11 item 8).

The ingest processes run in a mount namespace with two small tmpfs disks (tests/faults/runner.py,
tests/faults/tiny_disk.py): the kernel refuses writes past their size with ENOSPC, exactly as on a
full disk, and nothing else on the machine is touched. The test reads those disks through
/proc/<zygote pid>/root. Without mount namespaces these rows skip, saying why.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.faults.conftest import child_env, run_args
from tests.faults.harness import Fault, FaultyArchive, Figures, figures, judge, run_statuses
from tests.faults.runner import Runner
from tests.webhook import WebhookReceiver


def _seen_by(runner: Runner, path: Path) -> Path:
    """`path` as the zygote's mount namespace has it (its tmpfs disks in place)."""
    return Path(f"/proc/{runner.pid}/root{path}")


def _copied_out(database: Path, into: Path) -> Path:
    """A copy of a DuckDB file (and its log) seen through /proc/<pid>/root, which DuckDB itself
    cannot open: it resolves the path, and /proc/<pid>/root resolves to this namespace's root."""
    into.mkdir(parents=True, exist_ok=True)
    for name in (database.name, f"{database.name}.wal"):
        if (database.parent / name).exists():
            shutil.copyfile(database.parent / name, into / name)
    return into


def _skip_without_disks(runner: Runner) -> None:
    if not runner.has_disks:
        pytest.skip("no mount namespace here (unshare --mount needs root or user namespaces): no real full disk")


def _no_traceback(log: Path) -> str:
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text[-4000:]
    return text


def test_a_full_raw_store_stops_the_run_in_one_line_and_keeps_what_was_stored(
    baseline: Figures, runner: Runner, served: FaultyArchive, disks: dict[str, Path], tmp_path: Path
) -> None:
    _skip_without_disks(runner)
    home = tmp_path / "home"
    home.mkdir()
    raw_disk = disks["raw"]
    (home / "raw").symlink_to(raw_disk)  # the raw store on a disk with room for three reports of seven
    env = child_env(home, served.url)

    child = runner.start(env, **run_args())
    status = runner.wait(child)
    outcome = child.outcome()
    log = _no_traceback(child.log)
    stored = sorted(p.name for p in _seen_by(runner, raw_disk).rglob("*") if p.is_file())
    after = figures(home)

    assert status == 1 and outcome is not None and outcome["failed"], log[-3000:]
    assert "has no room for" in outcome["message"] and "\n" not in outcome["message"]
    assert stored and all(".tmp-" not in name and len(name) == 64 for name in stored)  # no half-written file
    assert run_statuses(home)[-1] == "failed"

    # Room again: the store moves to a disk with space, its documents with it; the next run converges.
    (home / "raw").unlink()
    shutil.copytree(_seen_by(runner, raw_disk), home / "raw")
    again = runner.start(env, **run_args())
    assert runner.wait(again) == 0, again.log.read_text()[-3000:]
    final = figures(home)
    verdict = judge("disk full (raw store)", "test_a_full_raw_store_stops_the_run_in_one_line_and_keeps_what_was_"
                    "stored", "one line, no temp file; the next run converges", baseline, after, final,
                    documents_stored_before_full=len(stored))
    assert (verdict.lost, verdict.duplicated, verdict.converged) == (0, 0, True), verdict


def test_a_disk_full_while_finishing_still_alerts_and_keeps_the_analyst_copy_whole(
    baseline: Figures, runner: Runner, served: FaultyArchive, disks: dict[str, Path], tmp_path: Path,
) -> None:
    _skip_without_disks(runner)
    home = disks["home"] / "home"  # the whole home on the small disk
    seen_home = _seen_by(runner, home)
    with WebhookReceiver() as receiver:
        env = child_env(home, served.url, BULLETINS_ALERT_URL=receiver.url(), BULLETINS_ALERT_TIMEOUT="2")
        first = runner.start(env, **run_args())
        assert runner.wait(first) == 0, first.log.read_text()[-3000:]
        before = _copied_out(seen_home / "analyst.duckdb", tmp_path / "before")
        with duckdb.connect(str(before / "analyst.duckdb"), read_only=True) as copy:
            published_before = copy.execute("SELECT published_at, observation_rows FROM analyst_copy").fetchall()

        # A report now claims an impossible gain (quarantined, so the run alerts), and the disk is
        # filled until less room is left than one copy of the warehouse.
        target = next(row[-1] for row in sorted(baseline.latest) if "april-1-2025" in row[-1])
        served.fail(target, always=Fault("status", 200, {"Content-Type": "text/html; charset=utf-8"},
                                         served.file_for(target).replace(b"gained 203", b"gained 2,030,000")))
        warehouse_size = (seen_home / "warehouse.duckdb").stat().st_size
        ballast = _seen_by(runner, disks["home"]) / "ballast"
        _fill(ballast, leave=warehouse_size // 2)

        full = runner.start(env, **run_args())
        status = runner.wait(full)
        outcome = full.outcome()
        log = _no_traceback(full.log)
        posts = list(receiver.posts)

        assert status == 1 and outcome is not None and outcome["failed"], log[-3000:]
        assert [post.json()["bulletins"]["kind"] for post in posts] == ["problem"]  # alerted all the same
        assert "no room on the disk of" in outcome["message"] and "the alert was sent" in outcome["message"]
        kept = _copied_out(seen_home / "analyst.duckdb", tmp_path / "kept")
        with duckdb.connect(str(kept / "analyst.duckdb"), read_only=True) as copy:
            assert copy.execute("SELECT published_at, observation_rows FROM analyst_copy").fetchall() == \
                published_before  # the previous copy, whole
            assert copy.execute("SELECT count(*) FROM observations").fetchone() == (published_before[0][1],)
        assert [p.name for p in seen_home.iterdir() if ".tmp-" in p.name] == []
        after = figures(_copied_out(seen_home / "warehouse.duckdb", tmp_path / "after"))

        ballast.unlink()
        served.clear()
        again = runner.start(env, **run_args())
        assert runner.wait(again) == 0, again.log.read_text()[-3000:]
        final = figures(_copied_out(seen_home / "warehouse.duckdb", tmp_path / "final"))
    verdict = judge("disk full while finishing a run", "test_a_disk_full_while_finishing_still_alerts_and_keeps_"
                    "the_analyst_copy_whole", "alert sent, previous analyst copy kept whole, one line",
                    baseline, after, final, alerts_received=len(posts))
    assert (verdict.lost, verdict.duplicated, verdict.converged) == (0, 0, True), verdict


def _fill(ballast: Path, *, leave: int) -> None:
    """Write `ballast` until only about `leave` bytes of its disk are free."""
    stats = os.statvfs(ballast.parent)
    free = stats.f_bavail * stats.f_frsize
    with ballast.open("wb") as handle:
        remaining = max(0, free - leave)
        chunk = b"\0" * (1 << 20)
        while remaining > 0:
            handle.write(chunk[: min(len(chunk), remaining)])
            remaining -= len(chunk)


@pytest.fixture(autouse=True)
def _clean_archive(served: FaultyArchive) -> object:
    served.clear()
    yield
    served.clear()


