"""Several processes on one lake at once: writers lose nothing and store nothing twice; a reader
never fails and never sees a count go down; a commit that loses a real conflict is replayed."""

from __future__ import annotations

import itertools
import json
import logging
import os
import sys
import time
from pathlib import Path

import pytest

from tests.distributed.conftest import Lake
from tests.distributed.lake_workers import ROWS_PER_BATCH
from tests.distributed.services import Processes
from warehouse.backend import commit_with_retries
from warehouse.db import connect

pytestmark = pytest.mark.distributed

REPO = Path(__file__).resolve().parents[2]
WRITERS = ("isw", "ukmod", "genstaff", "curated")
BATCHES = 8


def test_four_writers_and_a_reader_lose_nothing_duplicate_nothing_and_never_go_back(
    lake: Lake, processes: Processes, tmp_path: Path
) -> None:
    with connect(lake.warehouse):  # migrated once up front, as the first ingest would
        pass
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    worker = [sys.executable, "-m", "tests.distributed.lake_workers"]
    stop, seen = tmp_path / "stop", tmp_path / "reader.jsonl"
    reader = processes.start([*worker, "read", lake.catalog, str(lake.data_path), str(stop), str(seen)], env=env,
                             log=tmp_path / "reader.log", cwd=REPO)
    writers = [
        processes.start([*worker, "write", lake.catalog, str(lake.data_path), source, str(BATCHES)], env=env,
                        log=tmp_path / f"writer-{source}.log", cwd=REPO)
        for source in WRITERS
    ]
    for writer in writers:
        assert writer.wait(timeout=300) == 0, _logs(tmp_path)
    stop.touch()
    assert reader.wait(timeout=120) == 0, _logs(tmp_path)

    lines = [json.loads(line) for line in seen.read_text().splitlines()]
    assert [line for line in lines if "error" in line] == []
    counts = [line["counts"] for line in lines]
    assert len(counts) > 5
    for earlier, later in itertools.pairwise(counts):
        assert all(b >= a for a, b in zip(earlier, later, strict=True)), (earlier, later)
    expected_rows = len(WRITERS) * BATCHES * ROWS_PER_BATCH
    assert counts[-1] == [expected_rows, expected_rows, len(WRITERS) * BATCHES]

    duplicates = (REPO / "warehouse" / "sql" / "duplicate_keys.sql").read_text(encoding="utf-8")
    with connect(lake.warehouse, read_only=True) as con:
        assert con.execute(duplicates).fetchall() == []
        per_source = con.execute("SELECT source, count(*), max(version) FROM observations GROUP BY ALL ORDER BY 1")
        assert per_source.fetchall() == sorted((s, BATCHES * ROWS_PER_BATCH, 1) for s in WRITERS)


def test_a_commit_that_loses_a_conflict_is_replayed_and_logged(lake: Lake, caplog: pytest.LogCaptureFixture) -> None:
    with connect(lake.warehouse) as first, connect(lake.warehouse) as second:
        first.execute("CREATE TABLE tally (source VARCHAR, n INTEGER)")
        first.execute("INSERT INTO tally VALUES ('isw', 1)")
        attempts = []

        def work() -> None:
            attempts.append(time.monotonic())
            first.execute("BEGIN TRANSACTION")
            first.execute("INSERT INTO tally VALUES ('ukmod', 1)")
            if len(attempts) == 1:
                # Another process rewrites the table meanwhile: DuckLake cannot settle this by itself.
                second.execute("UPDATE tally SET n = 2 WHERE source = 'isw'")
            first.execute("COMMIT")

        with caplog.at_level(logging.WARNING, logger="bulletins.warehouse"):
            commit_with_retries(first, work, "test batch")
        assert len(attempts) == 2
        assert "commit conflict on the lake (attempt 1 of" in caplog.text
        assert first.execute("SELECT * FROM tally ORDER BY ALL").fetchall() == [("isw", 2), ("ukmod", 1)]


def _logs(folder: Path) -> str:
    return "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in sorted(folder.glob("*.log")))
