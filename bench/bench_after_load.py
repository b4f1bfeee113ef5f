"""What validation against the warehouse and the end of a run cost as the warehouse grows.

Fills a warehouse with N years of synthetic General Staff daily counts (15 series a day), then times:
the validation context for a 50-report batch (the join with stored figures every batch pays), GX on
that batch, and publishing the analyst copy.

    .venv/bin/python bench/bench_after_load.py --years 3
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from extractors.catalogue import WAR_START
from extractors.observation import Observation
from flows.pipeline import validate_observations
from warehouse.analyst_copy import publish_analyst_copy
from warehouse.db import connect
from warehouse.load import append_observations, observations_frame
from warehouse.validation_context import with_stored_context

SERIES = ["personnel_cumulative", *(f"series_{i}_cumulative" for i in range(14))]


def day_reports(first: date, days: int) -> list[Observation]:
    rows = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        n = (day - WAR_START).days
        for i, metric in enumerate(SERIES):
            value = float(n * (1_000 if i == 0 else i + 1))
            rows.append(Observation(
                source="genstaff", metric=metric, period_start=WAR_START, period_end=day, value=value,
                unit="persons" if i == 0 else "count", quote=f"{metric} {value:g}", published_at=day,
                parser_version="genstaff-1", document_sha256=f"sha-{day}",
            ))
    return rows


def timed(label: str, action):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = action()
    print(f"{label:52} {time.perf_counter() - started:7.3f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=3)
    args = parser.parse_args()
    days = 365 * args.years
    with tempfile.TemporaryDirectory(prefix="bulletins-bench-") as tmp:
        home = Path(tmp)
        warehouse = home / "warehouse.duckdb"
        first = WAR_START + timedelta(days=1)
        with connect(warehouse) as con:
            stored = observations_frame(day_reports(first, days))
            timed(f"load {len(stored):,} stored rows", lambda: append_observations(
                con, stored, "bench", datetime.now(UTC)))
            batch = observations_frame(day_reports(first + timedelta(days=days), 50))
            context = timed(f"validation context, batch of {len(batch)} rows", lambda: with_stored_context(con, batch))
            assert len(context) == len(batch)
            validate_observations(batch.head(15), source="genstaff", today=date.today(), con=con)  # warm GX
            timed("context + GX suite on the batch", lambda: validate_observations(
                batch, source="genstaff", today=date.today(), con=con))
            copy = timed("publish the analyst copy", lambda: publish_analyst_copy(
                con, warehouse, home / "analyst.duckdb"))
        print(f"warehouse file: {copy.size_bytes / 1e6:.1f} MB")
        print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
