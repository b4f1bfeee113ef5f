"""`bulletins demo`: serve the bundled sample archive on 127.0.0.1 and ingest it for real.

Nothing is faked: the real ingest flow discovers the archive's sitemap, fetches over HTTP,
stores raw documents, parses, validates with Great Expectations and loads DuckDB.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from flows.archive_server import serve_archive
from flows.settings import Settings

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
ARCHIVE_RANGE = (date(2024, 1, 1), date(2025, 12, 31))

MONTHLY_FIGURES = """
SELECT strftime(month, '%Y-%m') AS month, source, territory_gained_km2 AS km2, qualifier,
       published_at
FROM territory_monthly
ORDER BY month, source
"""

HEADLINE_FIGURES = """
SELECT source, metric, period_start, period_end, value, unit, qualifier, assessment, version
FROM observations_latest
ORDER BY source, metric, period_start, period_end
"""


def run_demo(settings: Settings) -> int:
    from flows.ingest import ingest

    with serve_archive(SAMPLES / "isw" / "site") as isw_url:
        os.environ["BULLETINS_ISW_BASE_URL"] = isw_url
        summary = ingest(source="isw", date_from=ARCHIVE_RANGE[0], date_to=ARCHIVE_RANGE[1], mode="backfill")
    print(summary.message)
    print_figures(settings)
    return 0 if summary.status == "completed" else 1


def print_figures(settings: Settings) -> None:
    from warehouse.db import connect

    with connect(settings.warehouse_path, read_only=True) as con:
        print("\nTerritory gained per month (current figures):")
        con.sql(MONTHLY_FIGURES).show(max_width=160)
        print("All current figures:")
        con.sql(HEADLINE_FIGURES).show(max_rows=100, max_width=200)
        rows = con.execute("SELECT count(*) FROM observations").fetchone()
        print(f"observations stored: {rows[0] if rows else 0} rows in {settings.warehouse_path}")
