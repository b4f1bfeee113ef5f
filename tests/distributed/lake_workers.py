"""Processes for the concurrency test: writers that load batches into one lake through the real
loader, and a reader that counts what it sees. Bounded loops; each exits by itself.

    python -m tests.distributed.lake_workers write CATALOG DATA_PATH SOURCE BATCHES
    python -m tests.distributed.lake_workers read CATALOG DATA_PATH STOP_FILE OUT_FILE
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tests.observations import genstaff_count
from warehouse.backend import Warehouse
from warehouse.db import connect
from warehouse.load import LoadBatch, load_batch, observations_frame
from warehouse.raw_store import StoredDocument

ROWS_PER_BATCH = 25
READ_LIMIT_S = 240.0  # the reader gives up by itself even if nobody tells it to stop


def batch_rows(source: str, batch: int) -> list:  # type: ignore[type-arg]
    first = date(2024, 1, 1) + timedelta(days=batch * ROWS_PER_BATCH)
    return [
        replace(genstaff_count(first + timedelta(days=i), 1000.0 + batch * ROWS_PER_BATCH + i), source=source,
                document_sha256=f"{source}-{batch}")
        for i in range(ROWS_PER_BATCH)
    ]


def write(warehouse: Warehouse, source: str, batches: int) -> None:
    for batch in range(batches):
        # Each batch repeats the previous one, as a re-run would: the loader must store it once.
        rows = batch_rows(source, batch) + (batch_rows(source, batch - 1) if batch else [])
        document = StoredDocument(sha256=f"{source}-{batch}", source=source, url=f"http://127.0.0.1/{source}/{batch}",
                                  fetched_at=datetime.now(UTC), size_bytes=100, path=f"{source}/{batch}")
        with connect(warehouse) as con:
            load_batch(con, LoadBatch(
                run_id=f"{source}-run", source=source, recorded_at=datetime.now(UTC),
                observations=observations_frame(rows),
                documents=[document, document],  # the same document twice in one batch, too
                parsed=[(document.sha256, "genstaff-1", len(rows))],
            ))


def read(warehouse: Warehouse, stop_file: Path, out_file: Path) -> None:
    deadline = time.monotonic() + READ_LIMIT_S
    with connect(warehouse, read_only=True) as con, out_file.open("w") as out:
        while time.monotonic() < deadline:
            stop = stop_file.exists()  # read once more after the writers finished, then stop
            try:
                row = con.execute(
                    "SELECT (SELECT count(*) FROM observations), (SELECT count(*) FROM observations_latest), "
                    "(SELECT count(*) FROM raw_documents)"
                ).fetchone()
                out.write(json.dumps({"counts": list(row or ())}) + "\n")
            except Exception as error:  # the test fails on any: a reader must never see one
                out.write(json.dumps({"error": f"{type(error).__name__}: {error}"}) + "\n")
            out.flush()
            if stop:
                return
            time.sleep(0.05)


def main(argv: list[str]) -> int:
    command, catalog, data_path, *rest = argv
    warehouse = Warehouse(lake=catalog, data_path=data_path)
    if command == "write":
        write(warehouse, rest[0], int(rest[1]))
    else:
        read(warehouse, Path(rest[0]), Path(rest[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
