"""The `bulletins` command line.

Heavy imports (Prefect, Great Expectations, DuckDB) happen inside the commands that need them,
so `bulletins parse` starts in a fraction of a second.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import sys
from collections.abc import Sequence
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

from extractors.sources import names as source_names
from extractors.sources import parsing_names
from flows.words import one_line
from warehouse.errors import WarehouseConfigError, WarehouseLocked

if TYPE_CHECKING:  # pydantic-settings is not needed by `bulletins parse`
    from flows.settings import Settings

SOURCE_HELP = "which source: " + ", ".join(source_names())

EPILOG = """examples:
  bulletins ingest --source isw
  bulletins backfill --source isw --from 2025-01-01 --to 2025-03-31
  bulletins parse --source isw saved-report.html
  bulletins sql "SELECT * FROM territory_monthly"
  bulletins validate --source ukmod
  bulletins quarantine
  bulletins quarantine release 3f9a1c2b7d10 --note "checked against the MoD post"
  bulletins review
  bulletins report
  bulletins demo
  bulletins serve
"""


class UsageError(Exception):
    """A mistake the user can fix; printed as one line, exit 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbosity)
    from flows.settings import ConfigurationError
    from flows.storage import StorageProblem

    try:
        return int(args.handler(args))
    except (UsageError, ConfigurationError, StorageProblem, WarehouseConfigError) as error:
        print(f"bulletins: {error}", file=sys.stderr)
        return 2
    except WarehouseLocked as error:
        print(f"bulletins: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bulletins: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bulletins", description="Figures from public defence bulletins, into DuckDB.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    loudness = parser.add_mutually_exclusive_group()
    loudness.add_argument("-q", "--quiet", dest="verbosity", action="store_const", const=-1, default=0,
                          help="print only warnings and errors (and what the command outputs)")
    loudness.add_argument("-v", "--verbose", dest="verbosity", action="store_const", const=1,
                          help="print debugging detail too")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    from flows import cli_review as oncall  # its handlers use this module's helpers

    ingest = commands.add_parser("ingest", help="fetch what is new since the last run",
                                 epilog="example: bulletins ingest --source isw")
    ingest.add_argument("--source", choices=source_names(), required=True, help=SOURCE_HELP)
    ingest.set_defaults(handler=_ingest)

    backfill = commands.add_parser("backfill", help="re-read every document published in a date range",
                                   epilog="example: bulletins backfill --source isw --from 2025-01-01 --to 2025-03-31")
    backfill.add_argument("--source", choices=source_names(), required=True, help=SOURCE_HELP)
    backfill.add_argument("--from", dest="date_from", type=_date, required=True, metavar="YYYY-MM-DD",
                          help="first publication date to read, inclusive")
    backfill.add_argument("--to", dest="date_to", type=_date, required=True, metavar="YYYY-MM-DD",
                          help="last publication date to read, inclusive")
    backfill.set_defaults(handler=_backfill)

    parse = commands.add_parser("parse", help="print the observations in saved documents (no DB, no network)",
                                epilog="example: bulletins parse --source isw --published 2025-04-01 report.html")
    parse.add_argument("--source", choices=parsing_names(), required=True,
                       help="whose documents the files are: " + ", ".join(parsing_names()))
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
    sql.add_argument("--max-rows", type=_positive_int, default=200, metavar="N",
                     help="rows shown by --format table (default 200)")
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
    validate.add_argument("--source", choices=source_names(), required=True, help=SOURCE_HELP)
    validate.set_defaults(handler=oncall.validate)

    quarantine = commands.add_parser(
        "quarantine", help="list quarantined rows waiting for review, or release one",
        epilog='examples:\n  bulletins quarantine --source ukmod\n'
               '  bulletins quarantine release 3f9a1c2b7d10 --note "the MoD post says 1,271"',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    quarantine.add_argument("--source", choices=source_names(), help="only this source's rows: "
                            + ", ".join(source_names()))
    quarantine.add_argument("--all", action="store_true", help="include released, acknowledged and resolved rows")
    quarantine.set_defaults(handler=oncall.quarantine)
    actions = quarantine.add_subparsers(metavar="ACTION")
    release = actions.add_parser("release", help="load one quarantined row after review",
                                 epilog='example: bulletins quarantine release 3f9a1c2b7d10 --note "checked"')
    release.add_argument("quarantine_id", metavar="ID", help="the quarantine_id shown by `bulletins quarantine`")
    release.add_argument("--note", help="why it is released (kept with the row)")
    release.set_defaults(handler=oncall.release)
    acknowledge = actions.add_parser(
        "acknowledge", help="close one quarantined row after review without loading it",
        epilog='example: bulletins quarantine acknowledge 3f9a1c2b7d10 --note "a typo; the next post has it right"',
    )
    acknowledge.add_argument("quarantine_id", metavar="ID", help="the quarantine_id shown by `bulletins quarantine`")
    acknowledge.add_argument("--note", required=True, help="why it stays out (kept with the row)")
    acknowledge.set_defaults(handler=oncall.acknowledge)

    review = commands.add_parser(
        "review", help="list the figures the parsers saw but could not read (kept for review, never loaded)",
        epilog="examples:\n  bulletins review\n  bulletins review --source isw --run RUN_ID",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    review.add_argument("--source", choices=source_names(), help="only this source's figures: "
                        + ", ".join(source_names()))
    review.add_argument("--run", metavar="RUN_ID", help="only those of one run (default: every run)")
    review.add_argument("--limit", type=_positive_int, default=50, metavar="N", help="show at most N (default 50)")
    review.set_defaults(handler=oncall.review)
    return parser


def _positive_int(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text} is not 1 or more") from None
    return number


def _version() -> str:
    try:
        return version("bulletin-metrics")
    except PackageNotFoundError:
        return "(not installed)"


def _configure_logging(verbosity: int) -> None:
    """-q: warnings and errors only; -v: debugging detail too. Prefect reads its level when imported;
    the project's own logger ("bulletins") prints to stderr at the same level."""
    if not verbosity:
        return
    level = "WARNING" if verbosity < 0 else "DEBUG"
    os.environ["PREFECT_LOGGING_LEVEL"] = level
    logger = logging.getLogger("bulletins")
    logger.setLevel(level)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)


def command_settings(*, sources: Sequence[str] = (), alerts: bool = False, http: bool = False) -> Settings:
    """The settings this command uses, validated now (ConfigurationError: one line, exit 2)."""
    from flows.settings import Settings

    return Settings.from_env(sources=sources, alerts=alerts, http=http)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in the form YYYY-MM-DD") from None


def _parse(args: argparse.Namespace) -> int:
    from extractors.sources import read_document, source

    declared = source(args.source)
    for path in args.files:
        try:
            body = path.read_bytes()
            # The source's OCR step first for an image, then its pure reader.
            reading = read_document(declared, body, url=args.url, published=args.published,
                                    sha256=hashlib.sha256(body).hexdigest())
        except (OSError, ValueError, *declared.not_read_errors) as error:
            raise UsageError(f"cannot read {path}: {one_line(error)}") from None
        for observation in reading.observations:
            print(observation.to_json())
        for unread in reading.unread if args.show_unread else ():
            print(unread.to_json())
    return 0


def _sql(args: argparse.Namespace) -> int:
    from flows.sql_command import SqlCommandError, run_sql
    from flows.storage import readable_database

    settings = command_settings()
    readable_database(settings)  # a missing home says so; nothing is created
    try:
        return run_sql(settings, args.query, params=args.param, output_format=args.format,
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
    """Run the ingest flow in this process; its final state is the exit code (README)."""
    from flows.settings import ConfigurationError
    from flows.storage import check_writable_home

    try:
        settings = command_settings(sources=[source], alerts=True, http=True)
    except ConfigurationError as error:
        # Refused before Prefect starts (seconds saved), and recorded as a failed run all the same.
        _record_refused_run(source, parameters, error)
        raise
    check_writable_home(settings)
    configure_prefect(settings)
    from flows.ingest import IngestFailed, ingest

    state = ingest(source=source, **parameters, return_state=True)
    if state.is_failed():
        error = state.result(raise_on_failure=False)
        if isinstance(error, IngestFailed):
            print(f"bulletins: run failed: {error.summary.message}", file=sys.stderr)
            return 1
        if isinstance(error, Exception) and not isinstance(error, WarehouseLocked):
            print(f"bulletins: {one_line(error)}", file=sys.stderr)
            return 2 if _is_usage_problem(error) else 1
        raise error if isinstance(error, BaseException) else RuntimeError(state.message)
    summary = state.result()
    print(summary.message)
    return 0


def _is_usage_problem(error: BaseException) -> bool:
    from flows.settings import ConfigurationError
    from flows.storage import StorageProblem

    return isinstance(error, (ConfigurationError, StorageProblem))


def _record_refused_run(source: str, parameters: dict[str, object], error: Exception) -> None:
    import uuid

    from flows.runs import RunSummary, refuse_run
    from flows.settings import ConfigurationError
    from flows.storage import StorageProblem, check_writable_home

    mode = str(parameters.get("mode", "incremental"))
    try:
        settings = command_settings()
        check_writable_home(settings)
        summary = RunSummary(run_id=f"refused-{uuid.uuid4().hex[:12]}", source=source, mode=mode)
        refuse_run(settings, summary, {k: v for k, v in parameters.items() if k != "mode"}, f"failed: {error}")
    except (ConfigurationError, StorageProblem, WarehouseLocked):
        pass  # nowhere to record it; the one-line error is what matters


def _serve(args: argparse.Namespace) -> int:
    settings = command_settings()
    configure_prefect(settings)
    from flows.serve import serve_all

    serve_all(limit=args.limit)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from flows.demo import run_demo
    from flows.storage import check_writable_home

    settings = command_settings(alerts=True, http=True)
    check_writable_home(settings)
    configure_prefect(settings)
    return run_demo(settings)


def _report(args: argparse.Namespace) -> int:
    from flows.storage import readable_database

    settings = command_settings()
    # The analyst copy, when there is one, so the report never waits on the pipeline's write lock.
    database = readable_database(settings)
    import duckdb

    from report import NoFiguresError, build_report
    from warehouse.db import connect

    output = args.output or settings.reports_dir
    try:
        with connect(database, read_only=True) as con:
            files = build_report(con, output)
    except NoFiguresError as error:
        raise UsageError(f"{error} ({database}): run `bulletins demo` or an ingest first") from None
    except duckdb.Error as error:
        raise UsageError(f"cannot read {database}: {one_line(error)}") from None
    except OSError as error:
        raise UsageError(f"cannot write the report to {output}: {one_line(error)}") from None
    for path in (files.html, *files.pngs.values()):
        print(path)
    return 0


def configure_prefect(settings: Settings) -> None:
    """Prefect without a server, its home under BULLETINS_HOME; must run before Prefect is imported."""
    settings.prefect_home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


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
