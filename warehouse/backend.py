"""Where the warehouse lives: the one place that knows the embedded file from DuckLake.

`BULLETINS_WAREHOUSE` chooses (DESIGN.md §6):

    unset                                   $BULLETINS_HOME/warehouse.duckdb, one writing process
                                            at a time; analysts read a published copy of it
    ducklake:postgres:dbname=... host=...   DuckLake: its catalog in PostgreSQL, its rows in Parquet
                                            files under BULLETINS_LAKE_DATA_PATH; several writers
                                            and readers on several machines

Everything else — tables, views, the SQL files, the loader, `bulletins sql` — is one code path:
a DuckLake connection is an in-memory DuckDB session with the lake attached and in use, so the
same unqualified SQL runs on both. What DuckLake cannot store (PRIMARY KEY, CHECK, comments on a
view's columns or on a macro) is left out of the migrations here, in `adapt_migration`; the keys
are kept by the loader (`INSERT ... WHERE NOT EXISTS`, one writer per source) and checked by
`sql/duplicate_keys.sql`.

The DuckLake and PostgreSQL extensions come from their PyPI wheels and load from disk: DuckDB's
extension server is never asked (it is unreachable here and behind many firewalls). A wheel only
loads into the DuckDB release it was built for, so the three are pinned to one version.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import duckdb

from warehouse.errors import WarehouseConfigError

if TYPE_CHECKING:
    import pandas as pd

LAKE_PREFIX = "ducklake:"
# The lake's name inside a session; `USE lake` makes the SQL files' unqualified names point at it.
LAKE_ALIAS = "lake"
# Extensions the lake needs: (Python package of the PyPI wheel, extension name).
LAKE_EXTENSIONS = (("duckdb_extension_postgres_scanner", "postgres_scanner"), ("duckdb_extension_ducklake", "ducklake"))
# A commit that DuckLake could not settle by itself (an UPDATE racing another write, two creates
# of one name) is replayed this many times in all, with a growing pause, then raised.
COMMIT_ATTEMPTS = 6
_T = TypeVar("_T")
log = logging.getLogger("bulletins.warehouse")
# One DuckDB instance per process and lake (see Warehouse.open); keyed by PID so a forked child
# never uses its parent's.
_INSTANCES: dict[tuple[int, str, str | None, bool], duckdb.DuckDBPyConnection] = {}
_INSTANCES_LOCK = threading.Lock()


@dataclass(frozen=True)
class Warehouse:
    """An embedded DuckDB file (`file`) or a DuckLake (`lake`, with its `data_path`)."""

    file: Path | None = None
    lake: str | None = None
    data_path: str | None = None
    # Embedded only: the copy analysts read, published after each load (warehouse/analyst_copy.py).
    analyst_file: Path | None = None

    @classmethod
    def from_env(cls, value: str | None, data_path: str | None, home: Path) -> Warehouse:
        """The warehouse that BULLETINS_WAREHOUSE (`value`) names; unset means the file under `home`."""
        value = (value or "").strip()
        if not value:
            return cls(file=home / "warehouse.duckdb", analyst_file=home / "analyst.duckdb")
        if not value.startswith(LAKE_PREFIX):
            raise WarehouseConfigError(
                f"BULLETINS_WAREHOUSE={value!r}: expected it unset (the DuckDB file under BULLETINS_HOME) "
                "or 'ducklake:postgres:dbname=... host=...'"
            )
        return cls(lake=value, data_path=(data_path or "").strip() or None)

    @property
    def is_lake(self) -> bool:
        return self.lake is not None

    @property
    def takes_concurrent_writers(self) -> bool:
        """Several processes may write at once (the lake), so runs of one source must take turns
        by other means (flows/concurrency.py); the file's lock admits one writer at a time."""
        return self.is_lake

    def describe(self) -> str:
        """Where it is, for messages: the file, or the lake's catalog without its password."""
        if self.file is not None:
            return str(self.file)
        return re.sub(r"password=\S+", "password=***", self.lake or "")

    def exists(self) -> bool:
        """Whether there is anything to read yet (a lake's catalog is asked when it is attached)."""
        return self.is_lake or (self.file is not None and self.file.exists())

    def open(self, *, read_only: bool) -> duckdb.DuckDBPyConnection:
        """A DuckLake session: a new connection to this process's in-memory DuckDB with the lake in use.

        The DuckDB instance, with the extensions loaded and the lake attached, is made once per
        process (loading the extensions costs ~0.5 s; ingest steps open many short connections);
        each call returns a connection of its own, with its own transactions, to close after use.
        """
        if self.lake is None:
            raise ValueError("an embedded warehouse is opened by warehouse.db.connect (it waits for file locks)")
        key = (os.getpid(), self.lake, self.data_path, read_only)
        with _INSTANCES_LOCK:
            instance = _INSTANCES.get(key)
            if instance is None:
                instance = _INSTANCES[key] = self._attached_instance(read_only)
        con = instance.cursor()
        con.execute(f"USE {LAKE_ALIAS}")
        return con

    def _attached_instance(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect()
        try:
            load_lake_extensions(con)
            options = []
            if self.data_path:
                options.append(f"DATA_PATH {_literal(self.data_path)}")
            if read_only:
                options.append("READ_ONLY")
            clause = f" ({', '.join(options)})" if options else ""
            _attach(con, f"ATTACH {_literal(self.lake or '')} AS {LAKE_ALIAS}{clause}", self.describe())
            # DuckLake replays a commit that raced another one by itself when the two do not touch
            # the same rows (inserts never do); these are its own knobs, a little more patient.
            con.execute("SET ducklake_max_retry_count = 20")
        except duckdb.Error as error:
            con.close()
            if not self.data_path and "DATA_PATH" in str(error):
                raise WarehouseConfigError(
                    f"{self.describe()}: a new DuckLake needs BULLETINS_LAKE_DATA_PATH (where its Parquet files go)"
                ) from None
            raise
        return con

    def adapt_migration(self, sql: str, views: set[str]) -> str:
        """The migration's SQL as this warehouse can run it (unchanged for the embedded file).

        `views`: the views that exist already; those the migration creates are added.
        """
        if not self.is_lake:
            return sql
        views = views | {name.lower() for name in _VIEW_CREATED.findall(sql)}
        statements = []
        for statement in duckdb.extract_statements(sql):
            text = _LEADING_REMARKS.sub("", statement.query).strip()
            column_comment = _COLUMN_COMMENT.match(text)
            if _MACRO_COMMENT.match(text) or (column_comment and column_comment.group(1).lower() in views):
                continue
            statements.append(_CONSTRAINT.sub("", text))
        return ";\n".join(statements) + ";\n" if statements else ""


def is_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether `con` works on a DuckLake (its current database is the attached lake)."""
    row = con.execute("SELECT type FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return bool(row and row[0] == "ducklake")


def commit_with_retries(con: duckdb.DuckDBPyConnection, work: Callable[[], _T], what: str) -> _T:
    """Run `work` (which opens and commits its own transaction on `con`) until it commits.

    On the embedded file one process writes at a time and nothing can conflict: one attempt.
    On DuckLake a commit that lost a race DuckLake could not settle by itself is replayed from the
    start, up to COMMIT_ATTEMPTS times, each replay logged; `work` reads what it needs inside its
    transaction, so a replay sees the winner's rows (and its NOT EXISTS skips them).
    """
    attempts = COMMIT_ATTEMPTS if is_lake(con) else 1
    pause = 0.2
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except duckdb.TransactionException as error:
            rollback_quietly(con)
            if attempt == attempts or "conflict" not in str(error).lower():
                raise
            log.warning("%s: commit conflict on the lake (attempt %d of %d), replaying: %s",
                        what, attempt, attempts, " ".join(str(error).split())[:300])
            time.sleep(pause)
            pause = min(pause * 2, 3.0)
    raise AssertionError("unreachable")


def insert_new(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, key: list[str]) -> int:
    """Insert the rows of `frame` (columns by name) whose `key` is not in `table` yet; return how many.

    The loader's key check: DuckLake has no PRIMARY KEY, so no constraint would catch a repeat.
    It holds under concurrency because one run at a time writes a source (flows/concurrency.py)
    and every key here starts with something only that source writes (its documents' sha256/url).
    """
    if frame.empty:
        return 0
    con.register("new_rows", frame)
    try:
        match = " AND ".join(f"t.{name} IS NOT DISTINCT FROM n.{name}" for name in key)
        before = _count(con, table)
        con.execute(f"INSERT INTO {table} BY NAME SELECT n.* FROM new_rows AS n "
                    f"WHERE NOT EXISTS (SELECT 1 FROM {table} AS t WHERE {match})")
        return _count(con, table) - before
    finally:
        con.unregister("new_rows")


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


def _attach(con: duckdb.DuckDBPyConnection, statement: str, where: str) -> None:
    """ATTACH the lake. The first sessions on a new catalog each create its tables; all but one
    lose that race in PostgreSQL ("duplicate key ... already exists") and attach again, finding it made."""
    for attempt in range(1, COMMIT_ATTEMPTS + 1):
        try:
            con.execute(statement)
            return
        except duckdb.Error as error:
            text = str(error)
            racing = "Failed to initialize DuckLake" in text and ("already exists" in text or "duplicate key" in text)
            if not racing or attempt == COMMIT_ATTEMPTS:
                raise
            log.warning("%s: another session was creating the lake's catalog (attempt %d of %d), attaching again",
                        where, attempt, COMMIT_ATTEMPTS)
            time.sleep(0.3 * attempt)


def load_lake_extensions(con: duckdb.DuckDBPyConnection) -> None:
    for package, name in LAKE_EXTENSIONS:
        con.execute(f"LOAD {_literal(str(extension_file(package, name)))}")


def extension_file(package: str, name: str) -> Path:
    """The extension inside its PyPI wheel, built for the DuckDB release that is installed."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise WarehouseConfigError(f"the Python package {package} is not installed: `make install` brings it")
    path = Path(spec.origin).parent / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.exists():
        raise WarehouseConfigError(
            f"{package} has no {name} extension for DuckDB {duckdb.__version__}: pin duckdb and the "
            "duckdb-extension-* wheels to one version (constraints.txt)"
        )
    return path


def rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    # A failed COMMIT has already ended the transaction; a failed statement has not.
    with contextlib.suppress(duckdb.TransactionException):
        con.execute("ROLLBACK")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# Comments DuckLake refuses: on a macro, and on a view's columns (it keeps column comments of tables only).
_LEADING_REMARKS = re.compile(r"^(?:\s*--[^\n]*\n)+")
_MACRO_COMMENT = re.compile(r"^COMMENT\s+ON\s+MACRO\b", re.IGNORECASE)
_COLUMN_COMMENT = re.compile(r"^COMMENT\s+ON\s+COLUMN\s+(\w+)\.", re.IGNORECASE)
_VIEW_CREATED = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+(\w+)", re.IGNORECASE)
# PRIMARY KEY (inline or as a table constraint) and CHECK (...) with one level of nested brackets.
_CONSTRAINT = re.compile(
    r",\s*PRIMARY\s+KEY\s*\([^)]*\)|\s+PRIMARY\s+KEY\b|\s+CHECK\s*\((?:[^()]|\([^()]*\))*\)",
    re.IGNORECASE,
)
