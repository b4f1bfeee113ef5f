"""The warehouse on DuckLake (catalog in PostgreSQL, Parquet files): the same schema, the same
figures and the same commands as the embedded DuckDB file."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from flows.archive_server import serve_archive
from tests.distributed.conftest import Lake
from warehouse.db import connect, migrations, schema_version

pytestmark = pytest.mark.distributed

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "samples" / "isw" / "site"
ARCHIVE = {"date_from": date(2024, 1, 1), "date_to": date(2025, 12, 31), "mode": "backfill"}
COLUMNS = """
SELECT table_name, column_name, data_type
FROM duckdb_columns() WHERE database_name = current_database() AND NOT internal
ORDER BY ALL
"""
# What a run writes about itself differs between two runs; the figures and their provenance must not.
LATEST = "SELECT * EXCLUDE (run_id, recorded_at) FROM observations_latest ORDER BY ALL"


def test_the_lake_gets_every_table_view_macro_and_column_of_the_embedded_file(lake: Lake, tmp_path: Path) -> None:
    with connect(tmp_path / "warehouse.duckdb") as embedded, connect(lake.warehouse) as on_lake:
        assert schema_version(on_lake) == migrations()[-1].version
        assert on_lake.execute(COLUMNS).fetchall() == embedded.execute(COLUMNS).fetchall()
        macro = "SELECT count(*) FROM observations_as_of(TIMESTAMPTZ '2030-01-01 00:00:00+00')"
        assert on_lake.execute(macro).fetchone() == (0,)
        # Comments the lake can keep are kept (tables, their columns, views).
        comment = "SELECT comment FROM duckdb_tables() WHERE table_name = 'observations'"
        assert on_lake.execute(comment).fetchone() == embedded.execute(comment).fetchone()
    with connect(lake.warehouse) as again:  # a second writer finds it migrated and changes nothing
        assert again.execute("SELECT count(*) FROM schema_migrations").fetchone() == (len(migrations()),)


def test_an_ingest_into_the_lake_stores_what_the_embedded_file_stores(
    prefect_harness: None, lake: Lake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.ingest import ingest

    with serve_archive(SITE) as url:  # one server, so both runs see the same document URLs
        monkeypatch.setenv("BULLETINS_ISW_BASE_URL", url)
        monkeypatch.setenv("BULLETINS_HOME", str(tmp_path / "embedded"))
        monkeypatch.delenv("BULLETINS_WAREHOUSE", raising=False)
        embedded_run = ingest(source="isw", **ARCHIVE)
        monkeypatch.setenv("BULLETINS_HOME", str(tmp_path / "lake-home"))
        for name, value in lake.env.items():
            monkeypatch.setenv(name, value)
        lake_run = ingest(source="isw", **ARCHIVE)
        again = ingest(source="isw", **ARCHIVE)

    assert lake_run.rows_appended == embedded_run.rows_appended >= 9
    assert again.rows_appended == 0 and again.documents_fetched == 0
    with connect(tmp_path / "embedded" / "warehouse.duckdb", read_only=True) as embedded, \
            connect(lake.warehouse, read_only=True) as on_lake:
        expected = embedded.execute(LATEST).df()
        pd.testing.assert_frame_equal(on_lake.execute(LATEST).df(), expected)
        duplicates = (REPO / "warehouse" / "sql" / "duplicate_keys.sql").read_text(encoding="utf-8")
        assert on_lake.execute(duplicates).fetchall() == []
        runs = on_lake.execute("SELECT status, rows_appended FROM ingest_runs ORDER BY started_at").fetchall()
        assert runs == [("completed", lake_run.rows_appended), ("completed", 0)]
        events = on_lake.execute("SELECT count(*) FROM ingest_run_events").fetchone()
        assert events == (4,)  # a start and a finish per run, nothing updated
    # No analyst copy on a lake: analysts attach it read-only.
    assert not (tmp_path / "lake-home" / "analyst.duckdb").exists()


def test_bulletins_sql_reads_the_lake_and_refuses_to_write_it(lake: Lake, tmp_path: Path) -> None:
    with connect(lake.warehouse) as con:
        con.execute("INSERT INTO ingest_run_events (run_id, source, mode, started_at, status) "
                    "VALUES ('run-1', 'isw', 'backfill', now(), 'running')")
    env = {**os.environ, "BULLETINS_HOME": str(tmp_path / "home"), **lake.env}
    bulletins = [sys.executable, "-m", "flows.cli", "sql"]
    shown = subprocess.run([*bulletins, "--format", "csv", "SELECT run_id, status FROM ingest_runs"], env=env,
                           capture_output=True, text=True, timeout=120, cwd=REPO)
    assert (shown.returncode, shown.stdout) == (0, "run_id,status\nrun-1,running\n"), shown.stderr
    refused = subprocess.run([*bulletins, "DELETE FROM ingest_run_events"], env=env, capture_output=True, text=True,
                             timeout=120, cwd=REPO)
    assert refused.returncode == 2 and len(refused.stderr.splitlines()) == 1, refused.stderr
    with connect(lake.warehouse, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM ingest_run_events").fetchone() == (1,)


def test_on_the_lake_quarantine_and_release_are_appended_events(
    lake: Lake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import UTC, datetime, timedelta

    from flows.cli import main
    from flows.pipeline import validate_observations
    from tests.observations import genstaff_count
    from warehouse.load import LoadBatch, append_observations, load_batch, observations_frame

    monkeypatch.setenv("BULLETINS_HOME", str(tmp_path / "home"))
    for name, value in lake.env.items():
        monkeypatch.setenv(name, value)
    with connect(lake.warehouse) as con:
        append_observations(con, observations_frame([genstaff_count(date(2025, 3, 1), 880_000)]), "r0",
                            datetime.now(UTC) - timedelta(days=2))
        batch = observations_frame([genstaff_count(date(2025, 3, 2), 879_000)])  # falls: quarantined
        validated = validate_observations(batch, source="genstaff", today=date(2025, 7, 1), con=con)
        quarantined = LoadBatch(run_id="r1", source="genstaff", recorded_at=datetime.now(UTC),
                                observations=validated.valid, quarantined=validated.quarantined)
        load_batch(con, quarantined)
        load_batch(con, quarantined)  # the same row from the same document again: kept once
        (quarantine_id,), = con.execute("SELECT quarantine_id FROM quarantine").fetchall()

    assert main(["quarantine", "release", quarantine_id, "--note", "revised"]) == 0
    assert "stored as version 1" in capsys.readouterr().out
    with connect(lake.warehouse, read_only=True) as con:
        assert con.execute("SELECT release_note, released_version FROM quarantine").fetchall() == [("revised", 1)]
        assert con.execute("SELECT count(*) FROM quarantine_releases").fetchone() == (1,)
        assert con.execute("SELECT count(*) FROM open_quarantine").fetchone() == (0,)
        assert con.execute("SELECT value FROM observations WHERE period_end = '2025-03-02'").fetchall() == [
            (879_000.0,)]
