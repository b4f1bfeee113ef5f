from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.db import connect, migrate, migrations, schema_version

NAMES_OTHERS_RELY_ON = {
    "observations", "observations_latest", "observations_history", "quarantine",
    "validation_results", "raw_documents", "ingest_runs",
}


def _relations(con: duckdb.DuckDBPyConnection) -> set[str]:
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    return tables


def test_empty_file_is_migrated_to_the_newest_version(tmp_path: Path) -> None:
    newest = migrations()[-1].version
    with connect(tmp_path / "w.duckdb") as con:
        assert schema_version(con) == newest
        assert _relations(con) >= NAMES_OTHERS_RELY_ON
        applied = [r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
        assert applied == [m.version for m in migrations()]
        macro = con.execute(
            "SELECT count(*) FROM duckdb_functions() WHERE function_name = 'observations_as_of'"
        ).fetchone()
        assert macro == (1,)


def test_existing_file_keeps_its_rows_and_gets_only_the_missing_migrations(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    first = migrations()[0]
    # A file made by an older release: only the first migration applied, one row stored.
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
            "applied_at TIMESTAMPTZ NOT NULL)"
        )
        con.execute(first.sql)
        con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [first.version, first.name])
        con.execute(
            "INSERT INTO ingest_runs (run_id, source, mode, started_at, status) "
            "VALUES ('old-run', 'isw', 'backfill', now(), 'completed')"
        )
    with connect(path) as con:
        assert schema_version(con) == migrations()[-1].version
        assert con.execute("SELECT run_id FROM ingest_runs").fetchall() == [("old-run",)]
        assert "observations_latest" in _relations(con)
        # Migrating again is a no-op.
        assert migrate(con) == migrations()[-1].version
        assert con.execute("SELECT count(*) FROM schema_migrations").fetchone() == (len(migrations()),)


def test_read_only_connection_to_a_missing_file_says_what_to_do(tmp_path: Path) -> None:
    try:
        connect(tmp_path / "absent.duckdb", read_only=True)
    except FileNotFoundError as error:
        assert "bulletins ingest" in str(error)
    else:  # pragma: no cover - the assertion above is the test
        raise AssertionError("expected FileNotFoundError")


def test_a_view_takes_its_tables_column_comments_and_keeps_its_own(tmp_path: Path) -> None:
    query = "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = ?"
    with connect(tmp_path / "w.duckdb") as con:
        view = dict(con.execute(query, ["open_quarantine"]).fetchall())
        table = dict(con.execute(query, ["quarantined_rows"]).fetchall())
    # Taken from quarantined_rows (through quarantine), word for word ...
    assert view["reason"] == table["reason"] and view["quote"] == table["quote"]
    # ... except where the view says something of its own.
    assert view["acknowledged_at"] == "Always NULL here: an acknowledged row is no longer open."
