"""Opening the warehouse and migrating its schema.

Migrations are the numbered files in `migrations/`, applied in order, each in its own
transaction, and recorded in `schema_migrations`; the schema version is the highest applied.
The warehouse is the embedded DuckDB file or a DuckLake (warehouse/backend.py); `connect` opens
either, so everything above this module is one code path.
"""

from __future__ import annotations

import os
import re
import struct
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.backend import Warehouse, commit_with_retries
from warehouse.errors import LOCK_TIMEOUT_ENV, WarehouseLocked

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
# A view that analysts read on its own lives in sql/; a migration pulls it in with this line,
# so the view's text exists once.
INCLUDE = re.compile(r"^-- @include (sql/[a-z0-9_]+\.sql)$", re.MULTILINE)
# A view's columns carry no comments of their own (CREATE OR REPLACE drops them too); a migration
# that makes one names the relation its columns come from, and each column without a comment of
# its own gets that relation's comment for the same column, so each column's words exist once:
#   -- @column-comments open_quarantine from quarantine
COLUMN_COMMENTS = re.compile(r"^-- @column-comments ([a-z_]+) from ([a-z_]+)$", re.MULTILINE)
# How long an open waits for another process's lock on the file before giving up.
DEFAULT_LOCK_TIMEOUT = 30.0
# DuckDB's words when another process holds the file (1.5), read only for the program's name when
# /proc cannot tell it; whether the file is locked, and by whom, is asked of the kernel (lock_holder):
#   Could not set lock on file "...": Conflicting lock is held in /usr/bin/python3 (PID 123) ...
LOCK_CONFLICT = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")
# struct flock on Linux: l_type, l_whence, (padding), l_start, l_len, l_pid, (padding).
_FLOCK = "hh4xqqi4x"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """The migration files shipped with the package, in version order."""
    found = []
    for entry in MIGRATIONS_DIR.iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            sql = INCLUDE.sub(_included_text, entry.read_text(encoding="utf-8"))
            found.append(Migration(int(match.group(1)), entry.name, sql))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number: {[m.name for m in found]}")
    return found


def _included_text(match: re.Match[str]) -> str:
    return (Path(__file__).parent / match.group(1)).read_text(encoding="utf-8")


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The highest migration applied to this database, 0 for an empty file."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_name = 'schema_migrations' AND table_catalog = current_database()"
    ).fetchone()
    if not exists or exists[0] == 0:
        return 0
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def migrate(con: duckdb.DuckDBPyConnection, warehouse: Warehouse | None = None) -> int:
    """Apply every migration newer than the warehouse's schema version; return the new version.

    Each migration re-reads the version inside its own transaction, so two processes migrating a
    fresh lake at once apply it once: the loser of the race replays, sees it applied, moves on.
    """
    warehouse = warehouse or Warehouse()
    bookkeeping = warehouse.adapt_migration(SCHEMA_MIGRATIONS_TABLE, set())
    commit_with_retries(con, lambda: _in_transaction(con, bookkeeping), "schema_migrations")
    current = schema_version(con)
    for migration in (m for m in migrations() if m.version > current):
        commit_with_retries(con, lambda m=migration: _apply(con, warehouse, m), f"migration {migration.name}")
    return schema_version(con)


SCHEMA_MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       VARCHAR NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL
)
"""


def _in_transaction(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    con.execute("BEGIN TRANSACTION")
    con.execute(sql)
    con.execute("COMMIT")


def _apply(con: duckdb.DuckDBPyConnection, warehouse: Warehouse, migration: Migration) -> None:
    con.execute("BEGIN TRANSACTION")
    if schema_version(con) >= migration.version:
        con.execute("ROLLBACK")
        return
    try:
        con.execute(warehouse.adapt_migration(migration.sql, _views(con)))
        for target, source in COLUMN_COMMENTS.findall(migration.sql):
            # On a lake, comments on views' columns are not stored: adapted, nothing may be left.
            copied = warehouse.adapt_migration(_copied_column_comments(con, target, source), _views(con))
            if copied.strip():
                con.execute(copied)
        con.execute(
            "INSERT INTO schema_migrations VALUES (?, ?, ?)",
            [migration.version, migration.name, datetime.now(UTC)],
        )
    except duckdb.Error as error:
        con.execute("ROLLBACK")
        raise RuntimeError(f"migration {migration.name} failed: {error}") from error
    con.execute("COMMIT")


def _copied_column_comments(con: duckdb.DuckDBPyConnection, target: str, source: str) -> str:
    """COMMENT statements giving `target`'s uncommented columns `source`'s comments of the same name."""
    rows = con.execute(
        """SELECT t.column_name, s.comment
           FROM duckdb_columns() AS t
           JOIN duckdb_columns() AS s
             ON s.column_name = t.column_name AND s.table_name = ? AND s.database_name = t.database_name
           WHERE t.table_name = ? AND t.database_name = current_database()
             AND t.comment IS NULL AND s.comment IS NOT NULL
           ORDER BY t.column_index""",
        [source, target],
    ).fetchall()
    return "".join(f"COMMENT ON COLUMN {target}.{column} IS '{comment.replace(chr(39), chr(39) * 2)}';\n"
                   for column, comment in rows)


def _views(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal AND database_name = current_database()"
    ).fetchall()
    return {row[0].lower() for row in rows}


def connect(
    target: Path | Warehouse, read_only: bool = False, *, lock_timeout: float | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a writable connection is migrated to the current schema first.

    `target` is the embedded file's path or a `Warehouse` (Settings.warehouse). For the file, keep
    write connections short: DuckDB lets one process hold it for writing. When another process
    holds it, the open is retried for `lock_timeout` seconds (default: the environment's
    BULLETINS_LOCK_TIMEOUT, else 30), then `WarehouseLocked` names the process holding it.
    A lake has no such lock: any number of sessions read and write it at once.
    """
    warehouse = target if isinstance(target, Warehouse) else Warehouse(file=target)
    if warehouse.is_lake:
        con = warehouse.open(read_only=read_only)
        con.execute("SET TimeZone = 'UTC'")
        if not read_only:
            migrate(con, warehouse)
        return con
    path = warehouse.file
    assert path is not None
    if read_only:
        if not path.exists():
            raise FileNotFoundError(f"no warehouse at {path}: run `bulletins ingest` or `make demo` first")
        return _open(path, read_only=True, lock_timeout=lock_timeout)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, read_only=False, lock_timeout=lock_timeout)
    con.execute("SET TimeZone = 'UTC'")
    migrate(con, warehouse)
    return con


def lock_timeout_from_env() -> float:
    text = os.environ.get(LOCK_TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_LOCK_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:  # also rejects nan
        raise ValueError(f"{LOCK_TIMEOUT_ENV}={text!r}: expected a number of seconds, 0 or more")
    return seconds


def _open(path: Path, *, read_only: bool, lock_timeout: float | None) -> duckdb.DuckDBPyConnection:
    timeout = lock_timeout_from_env() if lock_timeout is None else lock_timeout
    deadline = time.monotonic() + timeout
    pause = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as error:
            pid = lock_holder(path, for_writing=not read_only)
            if pid is None:
                raise  # not another process's lock: a damaged file, a full disk...
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                named = LOCK_CONFLICT.search(str(error))
                command = _command_line(pid) or (named.group("program") if named else "a process")
                raise WarehouseLocked(path, pid, command, timeout) from None
        # Ingest write connections last well under a second: poll often at first, then back off.
        time.sleep(min(pause, remaining))
        pause = min(pause * 2, 1.0)


def lock_holder(path: Path, *, for_writing: bool) -> int | None:
    """The PID of another process whose lock on `path` keeps us from opening it as wanted, asked of
    the kernel (fcntl F_GETLK: DuckDB locks its file with POSIX record locks); None when nothing
    is in the way (or the file cannot be opened to ask)."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system
        return None
    wanted = fcntl.F_WRLCK if for_writing else fcntl.F_RDLCK
    try:
        with path.open("rb") as handle:
            answer = fcntl.fcntl(handle, fcntl.F_GETLK, struct.pack(_FLOCK, wanted, os.SEEK_SET, 0, 0, 0))
    except OSError:
        return None
    lock_type, _whence, _start, _length, pid = struct.unpack(_FLOCK, answer)
    return pid if lock_type != fcntl.F_UNLCK and pid > 0 else None


def _command_line(pid: int) -> str | None:
    """What process `pid` runs, from /proc (Linux); None where that is not readable."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    # Arguments are NUL-separated; `python -c` scripts bring newlines, and the message is one line.
    command = " ".join(raw.replace(b"\0", b" ").decode(errors="replace").split())
    return (command[:197] + "...") if len(command) > 200 else command or None
