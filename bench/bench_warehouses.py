"""Ingest throughput of the embedded DuckDB file beside DuckLake on PostgreSQL, and three sources
loaded in parallel against one after another.

Each batch goes through the real loader (`load_batch`: raw document rows, parser bookkeeping,
new versions) on a connection opened and closed for it, as an ingest task does. The floor, measured
in the same run, is opening and closing a writer connection with no load: what every batch pays
before it stores a row. It starts its own PostgreSQL (Debian's postgresql) on a free loopback port.

    .venv/bin/python bench/bench_warehouses.py --batches 12
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from extractors.catalogue import WAR_START  # noqa: E402
from extractors.observation import Observation  # noqa: E402
from tests.distributed.services import postgres_server  # noqa: E402
from warehouse.backend import Warehouse  # noqa: E402
from warehouse.db import connect  # noqa: E402
from warehouse.load import LoadBatch, load_batch, observations_frame  # noqa: E402
from warehouse.raw_store import StoredDocument  # noqa: E402

SOURCES = ("isw", "ukmod", "genstaff")
DAYS_PER_BATCH = 50  # BATCH_SIZE documents of flows/ingest.py, one a day
SERIES = 15  # a General Staff report's series


@dataclass(frozen=True)
class Timing:
    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def batch(source: str, number: int) -> LoadBatch:
    first = WAR_START + timedelta(days=1 + number * DAYS_PER_BATCH)
    rows, documents = [], []
    for offset in range(DAYS_PER_BATCH):
        day = first + timedelta(days=offset)
        sha = f"{source}-{day}"
        documents.append(StoredDocument(sha256=sha, source=source, url=f"http://127.0.0.1/{source}/{day}",
                                        fetched_at=datetime.now(UTC), size_bytes=1000, path=f"{source}/{sha}"))
        for series in range(SERIES):
            value = float((day - WAR_START).days * (series + 1))
            rows.append(Observation(
                source=source, metric=f"series_{series}_cumulative", period_start=WAR_START, period_end=day,
                value=value, unit="count", quote=f"series {series}: {value:g}", published_at=day,
                parser_version=f"{source}-1", document_sha256=sha,
            ))
    return LoadBatch(run_id=f"bench-{source}", source=source, recorded_at=datetime.now(UTC),
                     observations=observations_frame(rows), documents=documents,
                     parsed=[(d.sha256, f"{source}-1", SERIES) for d in documents])


def load_source(target: Warehouse, source: str, batches: int) -> int:
    appended = 0
    for number in range(batches):
        prepared = batch(source, number)
        with connect(target) as con:
            appended += load_batch(con, prepared).rows_appended
    return appended


def one_after_another(target: Warehouse, batches: int) -> Timing:
    started = time.perf_counter()
    rows = sum(load_source(target, source, batches) for source in SOURCES)
    return Timing(rows, time.perf_counter() - started)


def in_parallel(target: Warehouse, batches: int) -> Timing:
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(len(SOURCES)) as pool:
        rows = sum(pool.starmap(load_source, [(target, source, batches) for source in SOURCES]))
    return Timing(rows, time.perf_counter() - started)


def open_close_floor(target: Warehouse, times: int = 10) -> float:
    with connect(target):
        pass  # migrated once, as after the first batch
    started = time.perf_counter()
    for _ in range(times):
        with connect(target):
            pass
    return (time.perf_counter() - started) / times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=12, help="batches per source (default 12)")
    args = parser.parse_args()
    rows_per_batch = DAYS_PER_BATCH * SERIES
    print(f"{len(SOURCES)} sources x {args.batches} batches x {rows_per_batch} rows "
          f"({DAYS_PER_BATCH} documents of {SERIES} figures), a connection per batch")
    with tempfile.TemporaryDirectory(prefix="bulletins-bench-") as tmp:
        root = Path(tmp)
        root.chmod(0o755)  # the PostgreSQL server runs as `postgres` when this runs as root
        with postgres_server(root / "postgres") as postgres:
            results = {}
            for label, target in _targets(root, postgres):
                floor = open_close_floor(target)
                results[label] = (floor, one_after_another(target, args.batches))
            parallel_target = _targets(root, postgres, suffix="_parallel")[1][1]
            connect(parallel_target).close()  # migrated before the clock starts, as for the sequential run
            parallel = in_parallel(parallel_target, args.batches)
    print(f"\n{'warehouse':28} {'open+close (floor)':>20} {'rows/s':>12} {'s/batch':>9}")
    for label, (floor, timing) in results.items():
        per_batch = timing.seconds / (len(SOURCES) * args.batches)
        print(f"{label:28} {floor * 1000:17.1f} ms {timing.rate:12,.0f} {per_batch:9.3f}")
    sequential = results["ducklake on postgresql"][1]
    print(f"\nDuckLake, {len(SOURCES)} sources one after another: {sequential.seconds:6.1f} s "
          f"({sequential.rate:,.0f} rows/s)")
    print(f"DuckLake, {len(SOURCES)} sources in parallel:      {parallel.seconds:6.1f} s "
          f"({parallel.rate:,.0f} rows/s, x{sequential.seconds / parallel.seconds:.2f})")
    assert parallel.rows == sequential.rows, "the parallel run stored another number of rows"


def _targets(root: Path, postgres, suffix: str = "") -> list[tuple[str, Warehouse]]:  # type: ignore[no-untyped-def]
    database = f"bench{suffix}"
    postgres.create_database(database)
    (root / f"lake{suffix}").mkdir()
    return [
        ("embedded duckdb file", Warehouse(file=root / f"warehouse{suffix}.duckdb")),
        ("ducklake on postgresql", Warehouse(lake=f"ducklake:postgres:{postgres.dsn(database)}",
                                             data_path=str(root / f"lake{suffix}"))),
    ]


if __name__ == "__main__":
    main()
