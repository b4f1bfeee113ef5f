"""Lock detection asks the kernel who holds the warehouse, with the DuckDB version pinned."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from tests.holder import held_open
from warehouse.db import connect, lock_holder
from warehouse.errors import WarehouseLocked

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with connect(path):
        pass
    return path


def test_the_kernel_names_the_process_holding_the_file_as_duckdb_locks_it(warehouse: Path) -> None:
    pinned = re.search(r"^duckdb==(\S+)$", (REPO / "constraints.txt").read_text(), re.MULTILINE)
    assert pinned is not None and duckdb.__version__ == pinned.group(1)  # the DuckDB whose locks this reads
    assert lock_holder(warehouse, for_writing=True) is None
    with held_open(warehouse, read_only=True) as reader:
        assert lock_holder(warehouse, for_writing=True) == reader.pid  # a reader keeps writers out
        assert lock_holder(warehouse, for_writing=False) is None  # ...but not other readers
        with connect(warehouse, read_only=True, lock_timeout=0) as con:
            assert con.execute("SELECT 1").fetchone() == (1,)
    with held_open(warehouse) as writer:
        assert lock_holder(warehouse, for_writing=False) == writer.pid
        with pytest.raises(WarehouseLocked) as raised:
            connect(warehouse, lock_timeout=0)
    assert raised.value.pid == writer.pid and "import json, sys, time" in raised.value.command


def test_an_unreadable_database_file_is_not_taken_for_a_lock(tmp_path: Path) -> None:
    damaged = tmp_path / "warehouse.duckdb"
    damaged.write_bytes(b"not a database" * 1000)
    assert lock_holder(damaged, for_writing=True) is None
    with pytest.raises(duckdb.Error) as raised:
        connect(damaged, lock_timeout=5)
    assert not isinstance(raised.value, WarehouseLocked)
