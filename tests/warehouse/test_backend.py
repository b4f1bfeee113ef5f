"""The backend seam: which warehouse BULLETINS_WAREHOUSE names, what a lake's migrations leave out,
and the pins that let the DuckLake wheels load into the installed DuckDB."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import duckdb
import pytest

from warehouse.backend import LAKE_EXTENSIONS, Warehouse, extension_file
from warehouse.db import migrations
from warehouse.errors import WarehouseConfigError

REPO = Path(__file__).resolve().parents[2]
WHEELS = ("duckdb", "duckdb-extension-ducklake", "duckdb-extension-postgres-scanner")


def test_duckdb_and_the_extension_wheels_are_pinned_and_installed_at_one_version() -> None:
    # DuckDB refuses an extension built for another release: the three move together or not at all.
    pins = dict(re.findall(r"^([a-z0-9-]+)==(\S+)$", (REPO / "constraints.txt").read_text(), re.MULTILINE))
    project = dict(re.findall(r'"([a-z0-9-]+)==([^"]+)"', (REPO / "pyproject.toml").read_text()))
    assert {pins[name] for name in WHEELS} == {project[name] for name in WHEELS} == {version(n) for n in WHEELS}
    assert duckdb.__version__ == version("duckdb")
    for package, name in LAKE_EXTENSIONS:
        assert extension_file(package, name).is_file()


def test_the_extensions_load_from_their_wheels_without_the_network() -> None:
    with duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}) as con:
        for package, name in LAKE_EXTENSIONS:
            con.execute(f"LOAD '{extension_file(package, name)}'")
        loaded = con.execute("SELECT extension_name FROM duckdb_extensions() WHERE loaded").fetchall()
    assert {"ducklake", "postgres_scanner"} <= {row[0] for row in loaded}


def test_unset_means_the_file_under_home_and_a_lake_needs_the_ducklake_prefix(tmp_path: Path) -> None:
    embedded = Warehouse.from_env(None, None, tmp_path)
    assert (embedded.file, embedded.analyst_file, embedded.is_lake) == (
        tmp_path / "warehouse.duckdb", tmp_path / "analyst.duckdb", False)
    lake = Warehouse.from_env("ducklake:postgres:dbname=b host=db password=s3cret", " /srv/lake/ ", tmp_path)
    assert (lake.is_lake, lake.data_path, lake.file) == (True, "/srv/lake/", None)
    assert "s3cret" not in lake.describe()
    with pytest.raises(WarehouseConfigError, match="expected it unset"):
        Warehouse.from_env("postgres://db/bulletins", None, tmp_path)


def test_a_lake_leaves_out_only_what_ducklake_cannot_store() -> None:
    lake = Warehouse(lake="ducklake:postgres:dbname=x")
    everything = "\n".join(m.sql for m in migrations())
    views: set[str] = set()
    adapted_parts = []
    for migration in migrations():  # as migrate() does: the views made by earlier migrations are known
        adapted_parts.append(lake.adapt_migration(migration.sql, views))
        views |= {v.lower() for v in re.findall(r"CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+(\w+)", migration.sql)}
    adapted = "\n".join(adapted_parts)
    assert not re.search(r"PRIMARY\s+KEY|CHECK\s*\(|COMMENT\s+ON\s+MACRO", adapted, re.IGNORECASE)
    assert "COMMENT ON COLUMN observations_latest." not in adapted  # a view's column
    assert "COMMENT ON COLUMN observations.quote" in adapted  # a table's column is kept
    assert "COMMENT ON VIEW observations_latest" in adapted
    # Nothing else is lost: every CREATE of the embedded migrations is there.
    creates = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:TABLE|VIEW|MACRO)\s+(?:IF NOT EXISTS\s+)?(\w+)")
    assert creates.findall(adapted) == creates.findall(everything)
    assert Warehouse(file=Path("w.duckdb")).adapt_migration(everything, set()) == everything


def test_a_bad_warehouse_value_is_one_line_and_exit_2(tmp_path: Path) -> None:
    env = {**os.environ, "BULLETINS_HOME": str(tmp_path / "home"), "BULLETINS_WAREHOUSE": "postgres://somewhere"}
    for command in (["sql", "SELECT 1"], ["quarantine"]):
        bad = subprocess.run([sys.executable, "-m", "flows.cli", *command], env=env, capture_output=True,
                             text=True, timeout=120, cwd=REPO)
        assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1, bad.stderr
        assert "BULLETINS_WAREHOUSE='postgres://somewhere'" in bad.stderr
