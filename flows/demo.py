"""`bulletins demo`: serve the bundled sample archive on 127.0.0.1 and ingest it for real.

Nothing is faked: the real ingest flow discovers the archive's sitemap, fetches over HTTP,
stores raw documents, parses, validates with Great Expectations and loads DuckDB.

To serve the samples again after the demo, for ingests of your own (until Ctrl-C):

    .venv/bin/python -m flows.demo --serve
"""

from __future__ import annotations

import argparse
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path

from flows.archive_server import serve_archive, serve_handler
from flows.settings import Settings
from samples.alert_inbox import AlertInbox
from samples.genstaff.api import load_days, make_handler
from samples.ukmod.loopback import make_handler as make_x_api_handler

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
# Fixed ports keep the documents' URLs the same from one demo run to the next, so the second run
# exercises conditional GETs (304 Not Modified) as a daily run against the real site would.
ISW_PORT, GENSTAFF_PORT, X_API_PORT = 8741, 8742, 8743
# The X API stand-in checks a bearer token as the real one does; this one only opens the demo's.
DEMO_X_TOKEN = "demo-token-for-the-loopback-x-api"
ARCHIVE_RANGE = (date(2024, 1, 1), date(2025, 12, 31))

MONTHLY_FIGURES = """
SELECT strftime(month, '%Y-%m') AS month, source, territory_gained_km2 AS km2, qualifier,
       published_at
FROM territory_monthly
ORDER BY month, source
"""

HEADLINE_FIGURES = """
SELECT source, metric, subject, period_start, period_end, value, unit, qualifier, confidence, assessment,
       version
FROM observations_latest
WHERE source <> 'genstaff'
  -- a gain of exactly one calendar month is in the table above already
  AND NOT (metric = 'territory_gained' AND day(period_start) = 1 AND period_end = last_day(period_start))
ORDER BY source, metric, period_start, period_end
"""

MONTHLY_CASUALTIES = """
SELECT strftime(month, '%Y-%m') AS month, mod_casualties, round(mod_daily_avg) AS mod_daily_avg,
       isw_casualties
FROM genstaff_monthly_casualties
ORDER BY month
"""

COST_PER_KM2 = """
SELECT strftime(month, '%Y-%m') AS month, pairing, genstaff_casualties, km2_gained,
       round(casualties_per_km2) AS casualties_per_km2
FROM casualties_per_km2
ORDER BY month, pairing
"""


def run_demo(settings: Settings) -> int:
    # Before Prefect is imported: the demo prints its results, not Prefect's log (the temporary
    # server's start and stop, each flow and task run). Warnings and errors still show.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from flows.ingest import ingest

    inbox = AlertInbox()
    print(f"Ingesting the sample archive ({ARCHIVE_RANGE[0]} to {ARCHIVE_RANGE[1]}) from servers on 127.0.0.1:",
          flush=True)
    with serve_samples() as environment, serve_handler(inbox.handler()) as alert_url:
        os.environ.update(environment)
        # The runs' alerts go to a loopback webhook standing in for the team's channel.
        os.environ["BULLETINS_ALERT_URL"] = f"{alert_url}/demo-alerts"
        summaries = []
        for source in ("genstaff", "isw", "ukmod", "curated"):
            summary = ingest(source=source, date_from=ARCHIVE_RANGE[0], date_to=ARCHIVE_RANGE[1], mode="backfill")
            summaries.append(summary)
            print(f"  {summary.message}", flush=True)
    print_alerts(inbox)
    print_figures(settings)
    return 0 if all(s.status in ("completed", "completed_with_warnings") for s in summaries) else 1


def print_alerts(inbox: AlertInbox) -> None:
    """What the team's channel received: each alert's subject and problem lines."""
    if not inbox.alerts:
        print("\nNo alerts: no run found a problem (or the same problems were alerted before).")
        return
    print(f"\nAlerts the runs sent ({len(inbox.alerts)}, to a loopback webhook standing in for the team's channel):")
    for alert in inbox.alerts:
        # The structured part of the message (the text is the same, written for a chat channel).
        sent = alert.get("bulletins") or {}
        problems = sent.get("problems") or []
        said = ("all clear: the problems it alerted before are gone" if sent.get("kind") == "all_clear"
                else f"{len(problems)} problem{'' if len(problems) == 1 else 's'}")
        print(f"  {sent.get('source')} run {sent.get('run_id')}: {said}")
        for problem in problems:
            print(f"    {problem.get('severity')} {problem.get('check')}: {problem.get('count')} affected")


@contextmanager
def serve_samples() -> Iterator[dict[str, str]]:
    """The sample sources on 127.0.0.1 (ISW's site, the General Staff API, the X API with the MoD's
    posts), on their fixed ports when free; yields the variables that point the pipeline at them."""
    genstaff_api = make_handler(load_days(SAMPLES / "genstaff" / "data"))
    with (
        serve_archive(SAMPLES / "isw" / "site", port=_free_or_any(ISW_PORT)) as isw_url,
        serve_handler(genstaff_api, port=_free_or_any(GENSTAFF_PORT)) as genstaff_url,
        serve_handler(make_x_api_handler(SAMPLES / "ukmod", bearer_token=DEMO_X_TOKEN),
                      port=_free_or_any(X_API_PORT)) as x_api_url,
    ):
        yield {
            "BULLETINS_ISW_BASE_URL": isw_url,
            "BULLETINS_GENSTAFF_BASE_URL": genstaff_url,
            "BULLETINS_UKMOD_X_API_URL": x_api_url,
            "BULLETINS_UKMOD_X_BEARER_TOKEN": DEMO_X_TOKEN,
        }


def _free_or_any(port: int) -> int:
    """`port` when nothing listens on it, else 0 (any free port)."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return 0
    return port


def print_figures(settings: Settings) -> None:
    from warehouse.db import connect

    with connect(settings.warehouse, read_only=True) as con:
        print("\nTerritory gained per month (current figures; curated: AFP's monthly counts from ISW's maps):")
        con.sql(MONTHLY_FIGURES).show(max_rows=100, max_width=160)
        print("Figures from the bulletins and press (current values):")
        con.sql(HEADLINE_FIGURES).show(max_rows=100, max_width=200)
        print("General Staff personnel losses per month (MoD and ISW day conventions):")
        con.sql(MONTHLY_CASUALTIES).show(max_rows=30, max_width=200)
        print("Casualties per km2 gained:")
        con.sql(COST_PER_KM2).show(max_rows=30, max_width=200)
        rows = con.execute("SELECT count(*) FROM observations").fetchone()
        print(f"observations stored: {rows[0] if rows else 0} rows in {settings.warehouse_path}")
    from warehouse.analyst_copy import connect_for_analysts

    with connect_for_analysts(settings.warehouse) as con:
        from report import build_report

        report = build_report(con, settings.reports_dir)
    print(f"charts: {report.html} (and PNGs beside it)")
    print(f"validation reports (Great Expectations Data Docs): {settings.data_docs_dir / 'site' / 'index.html'}")
    print(f"query it: .venv/bin/bulletins sql \"FROM territory_monthly\"  (reads {settings.analyst_path})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flows.demo",
                                     description="Serve the demo's sample sources on 127.0.0.1 until Ctrl-C.")
    parser.add_argument("--serve", action="store_true", required=True,
                        help="serve ISW's site, the General Staff API and the X API with the MoD's posts")
    parser.parse_args(argv)
    with serve_samples() as environment:
        print("Serving the sample sources on 127.0.0.1 (Ctrl-C to stop). Point the pipeline at them with:")
        for name, value in environment.items():
            print(f"  export {name}={value}")
        first, last = ARCHIVE_RANGE
        print(f"then, e.g.: .venv/bin/bulletins backfill --source isw --from {first} --to {last}", flush=True)
        with suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
