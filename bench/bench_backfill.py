"""Benchmark: a full ISW backfill from the raw store, then a no-change re-run.

Generates a synthetic archive of realistic-size reports (~150 KB), puts them in a fresh raw
store, and times parse + validate + load over all of them in the flow's batch size, then the
same again (every document re-parsed, nothing new to append). Prints documents/s, rows/s and
peak memory. No network, no Prefect server: this measures the pipeline's own work.

    .venv/bin/python bench/bench_backfill.py [--count 1000]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

from bench.generate_isw_archive import generate
from extractors.sources import source
from flows import pipeline
from flows.ingest import BATCH_SIZE
from flows.settings import Settings
from warehouse.db import connect
from warehouse.load import LoadBatch, load_batch
from warehouse.raw_store import RawStore, StoredDocument, record_documents


def run_pass(settings: Settings, documents: list[StoredDocument], run_id: str) -> tuple[float, int, int]:
    isw = source("isw")
    store = RawStore(settings.raw_dir)
    parsed_rows = appended = 0
    started = time.perf_counter()
    for start in range(0, len(documents), BATCH_SIZE):
        chunk = documents[start : start + BATCH_SIZE]
        parsed = pipeline.parse_documents(isw, chunk, store)
        with connect(settings.warehouse_path) as con:  # as the flow does: validate against what is stored
            validated = pipeline.validate_observations(parsed.frame, source="isw", today=datetime.now(UTC).date(),
                                                       con=con)
            result = load_batch(con, LoadBatch(
                run_id=run_id, source="isw", recorded_at=datetime.now(UTC), observations=validated.valid,
                quarantined=validated.quarantined, parsed=parsed.parsed, validation=validated.record,
                warnings=validated.warnings,
            ))
        parsed_rows += len(parsed.frame)
        appended += result.rows_appended
    return time.perf_counter() - started, parsed_rows, appended


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bulletins-bench-") as tmp:
        root = Path(tmp)
        settings = Settings(home=root / "home")
        started = time.perf_counter()
        paths = [p for p in generate(root / "archive", count=args.count, seed=0) if p.suffix != ".xml"]
        generated_s = time.perf_counter() - started
        store = RawStore(settings.raw_dir)
        documents = [
            store.put(path.read_bytes(), source="isw", url=f"http://127.0.0.1/{path.name}", headers={},
                      fetched_at=datetime.now(UTC))
            for path in paths
        ]
        size_mb = sum(d.size_bytes for d in documents) / 1e6
        with connect(settings.warehouse_path) as con:
            record_documents(con, documents, "bench-setup")

        # Warm the imports (GX, pandas) so the first pass measures work, not import time.
        from expectations.validate import suite_for

        suite_for("isw")

        full_s, rows, appended = run_pass(settings, documents, "bench-full")
        rerun_s, rerun_rows, rerun_appended = run_pass(settings, documents, "bench-rerun")
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"archive: {len(documents)} reports, {size_mb:.1f} MB (generated in {generated_s:.1f} s)")
    print(f"full backfill from raw store: {full_s:.2f} s, {len(documents) / full_s:.0f} documents/s, "
          f"{rows / full_s:.0f} rows/s parsed ({rows} rows, {appended} appended)")
    print(f"no-change re-run:             {rerun_s:.2f} s, {len(documents) / rerun_s:.0f} documents/s, "
          f"{rerun_rows / rerun_s:.0f} rows/s parsed ({rerun_appended} appended)")
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
