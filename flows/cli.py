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

SOURCES = ("isw", "ukmod", "genstaff", "curated")
PARSE_SOURCES = ("isw", "ukmod", "genstaff")

EPILOG = """examples:
  bulletins ingest --source isw
  bulletins backfill --source isw --from 2025-01-01 --to 2025-03-31
  bulletins parse --source isw saved-report.html
  bulletins sql "SELECT * FROM territory_monthly"
  bulletins demo
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
    parse.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parse.set_defaults(handler=_parse)

    sql = commands.add_parser("sql", help="run a read-only SQL query on the warehouse and print a table",
                              epilog='example: bulletins sql "SELECT * FROM observations_latest LIMIT 10"')
    sql.add_argument("query")
    sql.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                     help="set a DuckDB variable for getvariable('NAME'), e.g. --param ts=2025-06-01T00:00:00Z")
    sql.add_argument("--max-rows", type=int, default=200)
    sql.set_defaults(handler=_sql)

    demo = commands.add_parser("demo", help="serve the bundled sample archive on 127.0.0.1 and ingest it",
                               epilog="example: bulletins demo")
    demo.set_defaults(handler=_demo)
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
            observations = module.parse(body, url=args.url, published=args.published,
                                        sha256=hashlib.sha256(body).hexdigest())
        except (OSError, ValueError, *getattr(module, "NOT_READ_ERRORS", ())) as error:
            raise UsageError(f"cannot read {path}: {_one_line(error)}") from None
        for observation in observations:
            print(observation.to_json())
    return 0


def _sql(args: argparse.Namespace) -> int:
    import duckdb

    from warehouse.db import connect

    settings = Settings.from_env()
    try:
        con = connect(settings.warehouse_path, read_only=True)
    except (FileNotFoundError, duckdb.Error) as error:
        raise UsageError(_one_line(error)) from None
    with con:
        try:
            for assignment in args.param:
                name, _, value = assignment.partition("=")
                if not name.isidentifier() or not _:
                    raise UsageError(f"--param {assignment!r}: expected NAME=VALUE")
                con.execute(f"SET VARIABLE {name} = ?", [value])
            relation = con.sql(args.query)
            if relation is None:
                return 0
            relation.show(max_rows=args.max_rows, max_width=200)
        except duckdb.Error as error:
            raise UsageError(f"query failed: {_one_line(error)}") from None
    return 0


def _ingest(args: argparse.Namespace) -> int:
    return _run_flow(args.source, mode="incremental")


def _backfill(args: argparse.Namespace) -> int:
    if args.date_to < args.date_from:
        raise UsageError(f"--to {args.date_to} is before --from {args.date_from}")
    return _run_flow(args.source, mode="backfill", date_from=args.date_from, date_to=args.date_to)


def _run_flow(source: str, **parameters: object) -> int:
    settings = Settings.from_env()
    configure_prefect(settings)
    from flows.ingest import SourceUnreachable, ingest

    try:
        summary = ingest(source=source, **parameters)
    except SourceUnreachable as error:
        print(f"bulletins: {error}", file=sys.stderr)
        return 1
    print(summary.message)
    return 0 if summary.status == "completed" else 1


def _demo(args: argparse.Namespace) -> int:
    from flows.demo import run_demo

    settings = Settings.from_env()
    configure_prefect(settings)
    return run_demo(settings)


def configure_prefect(settings: Settings) -> None:
    """Prefect without a server, its home under BULLETINS_HOME; must run before Prefect is imported."""
    settings.prefect_home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


if __name__ == "__main__":
    raise SystemExit(main())
