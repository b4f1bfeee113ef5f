"""The analyst copy and the writer's lock retry, with real second processes holding real files."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from extractors.observation import Observation
from tests.holder import held_open
from warehouse.analyst_copy import publish_analyst_copy
from warehouse.db import WarehouseLocked, connect, schema_version
from warehouse.load import append_observations, observations_frame

T0 = datetime(2025, 6, 1, tzinfo=UTC)
MARCH = Observation(
    source="isw", metric="territory_gained", period_start=date(2025, 3, 1), period_end=date(2025, 3, 31),
    value=203.0, unit="km2", quote="Russian forces gained 203 square kilometers in March.",
    published_at=date(2025, 4, 1), parser_version="isw-1", url="http://127.0.0.1/a", document_sha256="a" * 64,
)
APRIL = Observation(
    source="isw", metric="territory_gained", period_start=date(2025, 4, 1), period_end=date(2025, 4, 30),
    value=174.5, unit="km2", quote="In April Russian forces gained about 174.5 square kilometers.",
    published_at=date(2025, 5, 1), parser_version="isw-1", url="http://127.0.0.1/b", document_sha256="b" * 64,
)

@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "home" / "warehouse.duckdb"
    with connect(path) as con:
        append_observations(con, observations_frame([MARCH]), "run-1", T0)
    return path


def _append_and_publish(warehouse: Path, analyst: Path, observation: Observation, run: int) -> None:
    with connect(warehouse) as con:
        append_observations(con, observations_frame([observation]), f"run-{run}", T0 + timedelta(hours=run))
        publish_analyst_copy(con, warehouse, analyst)


def test_the_copy_has_the_warehouse_tables_views_macros_and_comments(warehouse: Path) -> None:
    analyst = warehouse.with_name("analyst.duckdb")
    with connect(warehouse) as con:
        published = publish_analyst_copy(con, warehouse, analyst)
        version = schema_version(con)

    assert published.path == analyst and published.size_bytes == analyst.stat().st_size > 0
    assert published.published_at.tzinfo is not None and published.seconds >= 0
    assert sorted(p.name for p in analyst.parent.iterdir()) == ["analyst.duckdb", "warehouse.duckdb"]
    with duckdb.connect(str(analyst), read_only=True) as copy:
        assert copy.execute("SELECT month, territory_gained_km2 FROM territory_monthly").fetchall() == [
            (date(2025, 3, 1), 203.0)
        ]
        assert copy.execute("SELECT value, version FROM observations_latest").fetchall() == [(203.0, 1)]
        as_of = "SELECT count(*) FROM observations_as_of(TIMESTAMPTZ '2025-05-01 00:00:00+00')"
        assert copy.execute(as_of).fetchone() == (0,)
        assert schema_version(copy) == version > 0
        comment = copy.execute("SELECT comment FROM duckdb_views() WHERE view_name = 'observations_latest'")
        assert "current" in (comment.fetchone() or [""])[0].lower()
        info = copy.execute("SELECT published_at, warehouse_path, observation_rows, schema_version FROM analyst_copy")
        assert info.fetchall() == [(published.published_at, str(warehouse.resolve()), 1, version)]


def test_a_reader_holding_the_copy_does_not_stop_a_new_one_and_keeps_reading_the_old(warehouse: Path) -> None:
    analyst = warehouse.with_name("analyst.duckdb")
    with connect(warehouse) as con:
        publish_analyst_copy(con, warehouse, analyst)

    with held_open(analyst, read_only=True) as reader:
        assert reader.query("SELECT count(*) FROM observations") == [[1]]
        _append_and_publish(warehouse, analyst, APRIL, run=2)
        # The reader's open file is the replaced one: same answer, no error.
        assert reader.query("SELECT count(*) FROM observations") == [[1]]
        with duckdb.connect(str(analyst), read_only=True) as fresh:
            assert fresh.execute("SELECT count(*) FROM observations").fetchone() == (2,)
            assert fresh.execute("SELECT observation_rows FROM analyst_copy").fetchone() == (2,)


def test_a_stale_log_beside_the_copy_is_not_replayed_onto_the_new_copy(warehouse: Path) -> None:
    analyst = warehouse.with_name("analyst.duckdb")
    with connect(warehouse) as con:
        publish_analyst_copy(con, warehouse, analyst)
    # Someone opened the copy for writing and their log outlived the session (a crash, say).
    careless = duckdb.connect(str(analyst))
    careless.execute("SET checkpoint_threshold = '1TB'")
    careless.execute("CREATE TABLE scratch AS SELECT 1 AS x")
    wal_left = Path(f"{analyst}.wal").read_bytes()
    careless.close()
    Path(f"{analyst}.wal").write_bytes(wal_left)

    _append_and_publish(warehouse, analyst, APRIL, run=2)
    with duckdb.connect(str(analyst), read_only=True) as copy:
        tables = {row[0] for row in copy.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert "scratch" not in tables and "observations" in tables


def test_publishing_refuses_a_connection_open_on_another_file(warehouse: Path, tmp_path: Path) -> None:
    with connect(tmp_path / "other.duckdb") as other, pytest.raises(ValueError, match="not on the warehouse"):
        publish_analyst_copy(other, warehouse, tmp_path / "analyst.duckdb")
    assert not (tmp_path / "analyst.duckdb").exists()


def test_a_copy_left_half_written_by_a_dead_publisher_is_removed(warehouse: Path) -> None:
    analyst = warehouse.with_name("analyst.duckdb")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    leftover = analyst.with_suffix(f".tmp-{int(dead.stdout)}")
    leftover.write_bytes(b"half a database")
    with connect(warehouse) as con:
        publish_analyst_copy(con, warehouse, analyst)
    assert not leftover.exists() and analyst.exists()


def test_a_writer_waits_for_a_lock_released_within_the_timeout(warehouse: Path) -> None:
    with held_open(warehouse) as holder:
        with pytest.raises(WarehouseLocked):
            connect(warehouse, lock_timeout=0)
        holder.send("sleep 1", "close")
        with connect(warehouse, lock_timeout=60) as con:
            assert con.execute("SELECT count(*) FROM observations").fetchone() == (1,)


def test_a_lock_held_past_the_timeout_names_the_holding_process(warehouse: Path) -> None:
    with held_open(warehouse, read_only=True) as holder, pytest.raises(WarehouseLocked) as raised:
        connect(warehouse, lock_timeout=0.3)
    message = str(raised.value)
    assert f"PID {holder.pid} " in message and "import json, sys, time" in message
    assert str(warehouse) in message and "bulletins sql" in message and "\n" not in message
    assert raised.value.pid == holder.pid


def test_a_reader_also_waits_then_names_the_writer(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BULLETINS_LOCK_TIMEOUT", "0.2")
    with held_open(warehouse) as holder, pytest.raises(WarehouseLocked) as raised:
        connect(warehouse, read_only=True)
    assert raised.value.pid == holder.pid and raised.value.waited == 0.2


def test_a_bad_lock_timeout_setting_is_named(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BULLETINS_LOCK_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="BULLETINS_LOCK_TIMEOUT='soon'"):
        connect(warehouse)
