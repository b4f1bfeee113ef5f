"""The `bulletins` command line.

Heavy imports (Prefect, Great Expectations, DuckDB) happen inside the commands that need them,
so `bulletins parse` starts in a fraction of a second.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from flows.settings import Settings
from warehouse.errors import WarehouseConfigError, WarehouseLocked

SOURCES = ("isw", "ukmod", "genstaff", "curated")
PARSE_SOURCES = ("isw", "ukmod", "genstaff")

EPILOG = """examples:
  bulletins ingest --source isw
  bulletins backfill --source isw --from 2025-01-01 --to 2025-03-31
  bulletins parse --source isw saved-report.html
  bulletins sql "SELECT * FROM territory_monthly"
  bulletins validate --source ukmod
  bulletins quarantine
  bulletins quarantine release 3f9a1c2b7d10 --note "checked against the MoD post"
  bulletins report
  bulletins demo
  bulletins serve
"""


class UsageError(Exception):
    """A mistake the user can fix; printed as one line, exit 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except UsageError as error:
        print(f"bulletins: {error}", file=sys.stderr)
        return 2
    except WarehouseLocked as error:
        print(f"bulletins: {error}", file=sys.stderr)
        return 1
    except WarehouseConfigError as error:
        print(f"bulletins: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bulletins", description="Figures from public defence bulletins, into DuckDB.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    ingest = commands.add_parser("ingest", help="fetch what is new since the last run",
                                 epilog="example: bulletins ingest --source isw")
    ingest.add_argument("--source", choices=SOURCES, required=True)
    ingest.set_defaults(handler=_ingest)

    backfill = commands.add_parser("backfill", help="re-read every document published in a date range",
                                   epilog="example: bulletins backfill --source isw --from 2025-01-01 --to 2025-03-31")
    backfill.add_argument("--source", choices=SOURCES, required=True)
    backfill.add_argument("--from", dest="date_from", type=_date, required=True, metavar="YYYY-MM-DD")
    backfill.add_argument("--to", dest="date_to", type=_date, required=True, metavar="YYYY-MM-DD")
    backfill.set_defaults(handler=_backfill)

    parse = commands.add_parser("parse", help="print the observations in saved documents (no DB, no network)",
                                epilog="example: bulletins parse --source isw --published 2025-04-01 report.html")
    parse.add_argument("--source", choices=PARSE_SOURCES, required=True)
    parse.add_argument("--published", type=_date, metavar="YYYY-MM-DD",
                       help="the bulletin's date, if the file lacks it")
    parse.add_argument("--url", help="where the document came from (kept as provenance)")
    parse.add_argument("--show-unread", action="store_true",
                       help='also print, as {"kind": "unread", ...} lines, the sentences that look like figures '
                            "but were not read (no period, a vague one, Ukrainian forces, ...), with the reason")
    parse.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parse.set_defaults(handler=_parse)

    sql = commands.add_parser("sql", help="run a read-only SQL query on the analyst copy of the warehouse",
                              epilog=SQL_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sql.add_argument("query")
    sql.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                     help="set a DuckDB variable for getvariable('NAME'), e.g. --param ts=2025-06-01T00:00:00Z")
    sql.add_argument("--format", choices=("table", "csv", "json", "parquet"), default="table",
                     help="table (default), csv with a header, json (one object per line), parquet (needs --output)")
    sql.add_argument("--output", type=Path, metavar="FILE", help="write the result to FILE instead of stdout")
    sql.add_argument("--max-rows", type=int, default=200, help="rows shown by --format table (default 200)")
    sql.set_defaults(handler=_sql)

    serve = commands.add_parser(
        "serve", help="run every deployment of prefect.yaml on its schedule from this one process",
        epilog="example: PREFECT_API_URL=http://127.0.0.1:4200/api bulletins serve   (README: Scheduling)",
    )
    serve.add_argument("--limit", type=int, default=None, metavar="N",
                       help="at most N flow runs at once (default: no limit; one per source always holds)")
    serve.set_defaults(handler=_serve)

    demo = commands.add_parser("demo", help="serve the bundled sample archive on 127.0.0.1 and ingest it",
                               epilog="example: bulletins demo")
    demo.set_defaults(handler=_demo)

    report = commands.add_parser(
        "report", help="write an offline HTML page of charts and the same charts as PNG files",
        epilog="example: bulletins report --output /tmp/bulletins-report",
    )
    report.add_argument("--output", type=Path, metavar="DIR",
                        help="where to write report.html and the PNGs (default: BULLETINS_HOME/reports)")
    report.set_defaults(handler=_report)

    validate = commands.add_parser(
        "validate", help="re-validate a source's stored figures against the current suites (no fetching)",
        epilog="example: bulletins validate --source genstaff   (exit 1 when a critical expectation fails)",
    )
    validate.add_argument("--source", choices=SOURCES, required=True)
    validate.set_defaults(handler=_validate)

    quarantine = commands.add_parser(
        "quarantine", help="list quarantined rows waiting for review, or release one",
        epilog='examples:\n  bulletins quarantine --source ukmod\n'
               '  bulletins quarantine release 3f9a1c2b7d10 --note "the MoD post says 1,271"',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    quarantine.add_argument("--source", choices=SOURCES)
    quarantine.add_argument("--all", action="store_true", help="include released and resolved rows")
    quarantine.set_defaults(handler=_quarantine)
    actions = quarantine.add_subparsers(metavar="ACTION")
    release = actions.add_parser("release", help="load one quarantined row after review",
                                 epilog='example: bulletins quarantine release 3f9a1c2b7d10 --note "checked"')
    release.add_argument("quarantine_id", metavar="ID", help="the quarantine_id shown by `bulletins quarantine`")
    release.add_argument("--note", help="why it is released (kept with the row)")
    release.set_defaults(handler=_release)
    return parser


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in the form YYYY-MM-DD") from None


def _parse(args: argparse.Namespace) -> int:
    from extractors.sources import source_module

    module = source_module(args.source)
    for path in args.files:
        try:
            body = path.read_bytes()
            reading = module.read(body, url=args.url, published=args.published,
                                  sha256=hashlib.sha256(body).hexdigest())
        except (OSError, ValueError, *getattr(module, "NOT_READ_ERRORS", ())) as error:
            raise UsageError(f"cannot read {path}: {_one_line(error)}") from None
        for observation in reading.observations:
            print(observation.to_json())
        for unread in reading.unread if args.show_unread else ():
            print(unread.to_json())
    return 0


def _sql(args: argparse.Namespace) -> int:
    from flows.sql_command import SqlCommandError, run_sql

    try:
        return run_sql(Settings.from_env(), args.query, params=args.param, output_format=args.format,
                       output=args.output, max_rows=args.max_rows)
    except SqlCommandError as error:
        print(error, file=sys.stderr)
        return 2


def _ingest(args: argparse.Namespace) -> int:
    return _run_flow(args.source, mode="incremental")


def _backfill(args: argparse.Namespace) -> int:
    if args.date_to < args.date_from:
        raise UsageError(f"--to {args.date_to} is before --from {args.date_from}")
    return _run_flow(args.source, mode="backfill", date_from=args.date_from, date_to=args.date_to)


def _run_flow(source: str, **parameters: object) -> int:
    settings = Settings.from_env()
    configure_prefect(settings)
    from flows.ingest import IngestFailed, SourceUnreachable, ingest

    try:
        summary = ingest(source=source, **parameters)
    except IngestFailed as error:
        print(f"bulletins: run failed: {error.summary.message}", file=sys.stderr)
        return 1
    except SourceUnreachable as error:
        print(f"bulletins: {error}", file=sys.stderr)
        return 1
    print(summary.message)
    return 0


def _serve(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    configure_prefect(settings)
    from flows.serve import serve_all

    serve_all(limit=args.limit)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from flows.demo import run_demo

    settings = Settings.from_env()
    configure_prefect(settings)
    return run_demo(settings)


def _report(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    warehouse = settings.warehouse
    # The analyst copy, when there is one, so the report never waits on the pipeline's write lock.
    database = warehouse.describe() if warehouse.is_lake else (
        settings.analyst_path if settings.analyst_path.exists() else settings.warehouse_path)
    if not warehouse.exists():
        raise UsageError(f"no warehouse at {database}: run `bulletins demo` or an ingest first")
    import duckdb

    from report import NoFiguresError, build_report
    from warehouse.analyst_copy import connect_for_analysts

    output = args.output or settings.reports_dir
    try:
        with connect_for_analysts(warehouse) as con:
            files = build_report(con, output)
    except NoFiguresError as error:
        raise UsageError(f"{error} ({database}): run `bulletins demo` or an ingest first") from None
    except duckdb.Error as error:
        raise UsageError(f"cannot read {database}: {_one_line(error)}") from None
    except OSError as error:
        raise UsageError(f"cannot write the report to {output}: {_one_line(error)}") from None
    for path in (files.html, *files.pngs.values()):
        print(path)
    return 0


def _validate(args: argparse.Namespace) -> int:
    from flows.review import ReviewError, validate_stored

    try:
        checked = validate_stored(Settings.from_env(), args.source)
    except ReviewError as error:
        raise UsageError(str(error)) from None
    print(f"{checked.source}: {checked.rows_checked} stored figures checked against the current suite "
          f"(recorded as {checked.run_id}); {checked.rows_failing_critical} fail a critical expectation, "
          f"{checked.rows_warned} a warning")
    for severity, expectation, rows in checked.failed:
        print(f"  {severity:8} {rows:5} rows  {expectation}")
    return 1 if checked.rows_failing_critical else 0


def _quarantine(args: argparse.Namespace) -> int:
    from flows.review import open_quarantine
    from warehouse.db import connect

    settings = Settings.from_env()
    if not settings.warehouse.exists():
        raise UsageError(f"no warehouse at {settings.warehouse_path}: run `bulletins demo` or an ingest first")
    with connect(settings.warehouse, read_only=True) as con:
        rows = open_quarantine(con, source=args.source, include_resolved=args.all)
    if rows.empty:
        print("no quarantined rows" + ("" if args.all else " waiting for review"))
        return 0
    for row in rows.itertuples(index=False):
        print(f"{row.quarantine_id}  {row.source} {row.metric} {row.subject} {row.period_start}..{row.period_end} "
              f"value {row.value:g} {row.unit}\n    {row.reason}\n    {row.url}")
    print(f"{len(rows)} rows; load one after review with `bulletins quarantine release ID`")
    return 0


def _release(args: argparse.Namespace) -> int:
    from flows.review import ReviewError, release
    from warehouse.analyst_copy import publish_for_analysts
    from warehouse.db import connect

    settings = Settings.from_env()
    try:
        released = release(settings, args.quarantine_id, note=args.note)
    except ReviewError as error:
        raise UsageError(str(error)) from None
    with connect(settings.warehouse) as con:
        publish_for_analysts(con, settings.warehouse)
    stored = (f"stored as version {released.version}" if released.version
              else "it repeats the figure in force, so no new version was needed")
    print(f"released {released.quarantine_id}: {stored}")
    return 0


def configure_prefect(settings: Settings) -> None:
    """Prefect without a server, its home under BULLETINS_HOME; must run before Prefect is imported."""
    settings.prefect_home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


SQL_EPILOG = """examples:
  bulletins sql "SELECT * FROM territory_monthly"
  bulletins sql --format csv --output latest.csv "FROM observations_latest ORDER BY period_start"
  bulletins sql --format parquet --output history.parquet "FROM observations_history"
  bulletins sql --format json "SELECT metric, value, unit FROM observations_latest WHERE source = 'isw'"
  bulletins sql --param ts=2025-06-01T00:00:00Z "FROM observations_as_of(getvariable('ts'))"

It reads $BULLETINS_HOME/analyst.duckdb, the copy of the warehouse published after each load, so
it never waits for an ingest nor makes one wait (before a first copy exists it reads the warehouse
read-only). Statements that would write (INSERT, CREATE, COPY, ATTACH, SET ...) are refused.
"""


if __name__ == "__main__":
    raise SystemExit(main())
