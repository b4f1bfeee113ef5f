"""Fixtures of the distributed tests: one PostgreSQL per session, a fresh lake per test."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.distributed.services import Postgres, Processes, postgres_server
from warehouse.backend import Warehouse

_databases = itertools.count(1)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    # Not under pytest's tmp folder: that is private to root, and the server runs as `postgres`.
    root = Path(tempfile.mkdtemp(prefix="bulletins-postgres-"))
    try:
        with postgres_server(root) as server:
            yield server
    finally:
        shutil.rmtree(root, ignore_errors=True)


@dataclass(frozen=True)
class Lake:
    """A DuckLake of its own: a new PostgreSQL database for the catalog, a folder for the Parquet files."""

    catalog: str  # BULLETINS_WAREHOUSE
    data_path: Path  # BULLETINS_LAKE_DATA_PATH

    @property
    def warehouse(self) -> Warehouse:
        return Warehouse(lake=self.catalog, data_path=str(self.data_path))

    @property
    def env(self) -> dict[str, str]:
        return {"BULLETINS_WAREHOUSE": self.catalog, "BULLETINS_LAKE_DATA_PATH": str(self.data_path)}


@pytest.fixture
def lake(postgres: Postgres, tmp_path: Path) -> Lake:
    name = f"lake_{next(_databases)}"
    postgres.create_database(name)
    data = tmp_path / "lake-data"
    data.mkdir()
    return Lake(catalog=f"ducklake:postgres:{postgres.dsn(name)}", data_path=data)


@pytest.fixture
def processes() -> Iterator[Processes]:
    started = Processes()
    try:
        yield started
    finally:
        started.stop_all()
