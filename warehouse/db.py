"""Opening the warehouse and migrating its schema.

Migrations are the numbered files in `migrations/`, applied in order, each in its own
transaction, and recorded in `schema_migrations`; the schema version is the highest applied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
# A view that analysts read on its own lives in sql/; a migration pulls it in with this line,
# so the view's text exists once.
INCLUDE = re.compile(r"^-- @include (sql/[a-z0-9_]+\.sql)$", re.MULTILINE)


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
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
    ).fetchone()
    if not exists or exists[0] == 0:
        return 0
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply every migration newer than the file's schema version; return the new version."""
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       VARCHAR NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL
        )
        """
    )
    current = schema_version(con)
    for migration in migrations():
        if migration.version <= current:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(migration.sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                [migration.version, migration.name, datetime.now(UTC)],
            )
            con.execute("COMMIT")
        except Exception as error:
            con.execute("ROLLBACK")
            raise RuntimeError(f"migration {migration.name} failed: {error}") from error
        current = migration.version
    return current


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a writable connection is migrated to the current schema first.

    Keep write connections short: DuckDB lets one process hold the file for writing.
    """
    if read_only:
        if not path.exists():
            raise FileNotFoundError(f"no warehouse at {path}: run `bulletins ingest` or `make demo` first")
        return duckdb.connect(str(path), read_only=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute("SET TimeZone = 'UTC'")
    migrate(con)
    return con
