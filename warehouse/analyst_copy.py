"""The analyst copy: a read-only twin of the warehouse that never blocks the writer.

DuckDB lets one process hold a database file for writing, and a reader of the same file blocks
that writer. So after each load the flow publishes a byte copy of the checkpointed warehouse to
`analyst.duckdb`, atomically: analysts (and `bulletins sql`) read the copy, the ingest writes the
warehouse, and neither waits for the other. A reader holding the previous copy keeps reading it
(the rename leaves its open file intact) until it reconnects.

A byte copy of the checkpointed file keeps everything the warehouse holds — tables, views, table
macros, COMMENTs, constraints and the migration history — exactly, whatever later migrations add,
at the speed of a file copy. (ATTACH + COPY FROM DATABASE also kept views, macros and comments in
DuckDB 1.5, but rewrites every row and re-creates only what DuckDB knows how to export.)
The copy adds one table, `analyst_copy`, with one row saying when it was published, from which
file, and how many observation rows it carries; it travels inside the file, so it can never
describe another copy than the one being read.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.backend import Warehouse
from warehouse.db import connect, schema_version
from warehouse.processes import process_runs

COPY_INFO_TABLE = "analyst_copy"
# The temporary file is named after the process; threads of one process (flows for two sources
# served together) take turns so they never write the same temporary file.
_PUBLISHING = threading.Lock()


@dataclass(frozen=True)
class AnalystCopy:
    path: Path
    published_at: datetime
    size_bytes: int
    seconds: float


def publish_for_analysts(con: duckdb.DuckDBPyConnection, warehouse: Warehouse) -> AnalystCopy | None:
    """After a load: publish the embedded warehouse's copy. A lake has none to publish: its readers
    attach it read-only and each query reads the latest committed snapshot, never blocking a writer."""
    if warehouse.file is None or warehouse.analyst_file is None:
        return None
    return publish_analyst_copy(con, warehouse.file, warehouse.analyst_file)


def analyst_target(warehouse: Warehouse) -> tuple[Path | Warehouse, str | None]:
    """What analysts read, and a note when it is not the usual one.

    Embedded: the analyst copy, or before a first copy exists the warehouse file itself (the note
    says so). DuckLake: the lake itself, attached read-only.
    """
    if warehouse.file is None or warehouse.analyst_file is None:
        return warehouse, None
    if warehouse.analyst_file.exists():
        return warehouse.analyst_file, None
    return warehouse.file, f"no analyst copy at {warehouse.analyst_file} yet; reading {warehouse.file} read-only"


def connect_for_analysts(warehouse: Warehouse) -> duckdb.DuckDBPyConnection:
    """A read-only connection to what analysts read (analyst_target)."""
    return connect(analyst_target(warehouse)[0], read_only=True)


def publish_analyst_copy(
    con: duckdb.DuckDBPyConnection, warehouse_path: Path, analyst_path: Path
) -> AnalystCopy:
    """Replace `analyst_path` with a copy of the warehouse that `con` holds open for writing.

    Call with the writer connection open and no transaction of its own pending: holding it is
    what keeps any other process from changing the file while it is copied. No other connection
    of this process may write meanwhile (the flow loads and publishes in turn).
    """
    started = time.perf_counter()
    _require_open_on(con, warehouse_path)
    con.execute("CHECKPOINT")
    wal = Path(f"{warehouse_path}.wal")
    if wal.exists() and wal.stat().st_size > 0:
        # A transaction still open on this database kept the checkpoint from folding the log in;
        # a copy of the file alone would miss its committed neighbours' rows.
        raise RuntimeError(f"cannot publish the analyst copy: {wal} is not empty after CHECKPOINT")
    observation_rows = _scalar(con, "SELECT count(*) FROM observations")
    version = schema_version(con)

    analyst_path.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_temporaries(analyst_path)
    temporary = analyst_path.with_suffix(f".tmp-{os.getpid()}")
    published_at = datetime.now(UTC)
    with _PUBLISHING:
        _replace_with_copy(warehouse_path, analyst_path, temporary, published_at, observation_rows, version)
    _fsync_directory(analyst_path.parent)
    return AnalystCopy(
        path=analyst_path,
        published_at=published_at,
        size_bytes=analyst_path.stat().st_size,
        seconds=time.perf_counter() - started,
    )


def _replace_with_copy(
    warehouse_path: Path, analyst_path: Path, temporary: Path,
    published_at: datetime, observation_rows: int, version: int,
) -> None:
    try:
        shutil.copyfile(warehouse_path, temporary)
        _record_publication(temporary, published_at, warehouse_path, observation_rows, version)
        _fsync(temporary)
        # DuckDB replays `<file>.wal` onto whatever file it opens, even read-only: a log left by
        # someone who opened the old copy for writing must not be applied to the new one.
        Path(f"{analyst_path}.wal").unlink(missing_ok=True)
        os.replace(temporary, analyst_path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        Path(f"{temporary}.wal").unlink(missing_ok=True)
        raise


def _require_open_on(con: duckdb.DuckDBPyConnection, warehouse_path: Path) -> None:
    """Copying a file other than the one just checkpointed would publish stale data."""
    row = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    open_on = Path(row[0]).resolve() if row and row[0] else None
    if open_on != warehouse_path.resolve():
        raise ValueError(f"the connection is open on {open_on}, not on the warehouse {warehouse_path}")


def _record_publication(
    copy_path: Path, published_at: datetime, warehouse_path: Path, observation_rows: int, version: int
) -> None:
    # The copy is still a private temporary file, so opening it for writing blocks nobody.
    with duckdb.connect(str(copy_path)) as copy:
        copied_rows = _scalar(copy, "SELECT count(*) FROM observations")
        if copied_rows != observation_rows:
            raise RuntimeError(
                f"the copy of {warehouse_path} holds {copied_rows} observations, the warehouse "
                f"{observation_rows}: was it written during the copy?"
            )
        copy.execute(
            f"""
            CREATE OR REPLACE TABLE {COPY_INFO_TABLE} (
                published_at     TIMESTAMPTZ NOT NULL,
                warehouse_path   VARCHAR NOT NULL,
                observation_rows BIGINT NOT NULL,
                schema_version   INTEGER NOT NULL
            )
            """
        )
        copy.execute(
            f"INSERT INTO {COPY_INFO_TABLE} VALUES (?, ?, ?, ?)",
            [published_at, str(warehouse_path.resolve()), observation_rows, version],
        )
        copy.execute(
            f"COMMENT ON TABLE {COPY_INFO_TABLE} IS "
            "'When this analyst copy of the warehouse was published, from which file, with how many observations'"
        )
        copy.execute("CHECKPOINT")


def _remove_abandoned_temporaries(analyst_path: Path) -> None:
    """Delete half-written copies left by publishers that died (their PID no longer runs)."""
    for leftover in analyst_path.parent.glob(f"{analyst_path.stem}.tmp-*"):
        pid_text = leftover.name.removeprefix(f"{analyst_path.stem}.tmp-").removesuffix(".wal")
        if pid_text.isdigit() and not process_runs(int(pid_text)):
            leftover.unlink(missing_ok=True)


def _scalar(con: duckdb.DuckDBPyConnection, query: str) -> int:
    row = con.execute(query).fetchone()
    return int(row[0]) if row else 0


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable, so a power cut cannot bring back the old copy's name."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
