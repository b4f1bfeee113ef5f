"""The on-call commands of `bulletins`: validate, quarantine (list, release, acknowledge) and review.

Each reads what it lists from the analyst copy when it only reads (so it never waits for a running
ingest) and creates nothing: a missing home or warehouse is said to be missing.
"""

from __future__ import annotations

import argparse

from flows.cli import UsageError, command_settings
from flows.words import plural


def validate(args: argparse.Namespace) -> int:
    from flows.review import ReviewError, validate_stored
    from flows.storage import check_writable_home, readable_database

    settings = command_settings()
    readable_database(settings, prefer_analyst_copy=False)  # a missing warehouse says so
    check_writable_home(settings)  # the result is recorded beside the runs' results
    try:
        checked = validate_stored(settings, args.source)
    except ReviewError as error:
        raise UsageError(str(error)) from None
    print(f"{checked.source}: {plural(checked.rows_checked, 'stored figure')} checked against the current suite "
          f"(recorded as {checked.run_id}); {checked.rows_failing_critical} fail a critical expectation, "
          f"{checked.rows_warned} a warning"
          + (f"; {plural(checked.rows_reviewed, 'row')} released or acknowledged after review not counted"
             if checked.rows_reviewed else ""))
    for severity, expectation, rows in checked.failed:
        print(f"  {severity:8} {rows:5} {'row ' if rows == 1 else 'rows'}  {expectation}")
    if checked.rows_waiting:
        print(f"  {'open':8} {checked.rows_waiting:5} {'row ' if checked.rows_waiting == 1 else 'rows'}  "
              f"waiting in quarantine for review: `bulletins quarantine --source {checked.source}`")
    return 1 if checked.rows_failing_critical or checked.rows_waiting else 0


def quarantine(args: argparse.Namespace) -> int:
    from flows.review import open_quarantine
    from flows.storage import readable_database
    from warehouse.db import connect

    settings = command_settings()
    # The analyst copy: listing never waits for (nor blocks) a running ingest.
    database = readable_database(settings)
    with connect(database, read_only=True) as con:
        rows = open_quarantine(con, source=args.source, include_resolved=args.all)
    if rows.empty:
        print("no quarantined rows" + ("" if args.all else " waiting for review"))
        return 0
    for row in rows.itertuples(index=False):
        value = "" if row.value != row.value or row.value is None else f" value {row.value:g} {row.unit}"
        print(f"{row.quarantine_id}  {row.source} {row.metric or '(unread row)'} {row.subject or ''} "
              f"{row.period_start or ''}..{row.period_end or ''}{value}\n    {row.reason}\n    {row.url}")
    print(f"{plural(len(rows), 'row')}; load one after review with `bulletins quarantine release ID`, "
          "or close it with `bulletins quarantine acknowledge ID --note WHY`")
    return 0


def release(args: argparse.Namespace) -> int:
    from flows.review import ReviewError, release
    from flows.storage import check_writable_home, readable_database
    from warehouse.analyst_copy import publish_for_analysts
    from warehouse.db import connect

    settings = command_settings()
    readable_database(settings, prefer_analyst_copy=False)
    check_writable_home(settings)
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


def acknowledge(args: argparse.Namespace) -> int:
    from flows.review import ReviewError, acknowledge
    from flows.storage import check_writable_home, readable_database
    from warehouse.analyst_copy import publish_for_analysts
    from warehouse.db import connect

    settings = command_settings()
    readable_database(settings, prefer_analyst_copy=False)
    check_writable_home(settings)
    try:
        acknowledge(settings, args.quarantine_id, note=args.note)
    except ReviewError as error:
        raise UsageError(str(error)) from None
    with connect(settings.warehouse) as con:
        publish_for_analysts(con, settings.warehouse)
    print(f"acknowledged {args.quarantine_id}: it stays out of the observations and no longer counts as open")
    return 0


def review(args: argparse.Namespace) -> int:
    from flows.review import unread_figures
    from flows.storage import readable_database
    from report.data import number_text
    from warehouse.db import connect

    database = readable_database(command_settings())
    with connect(database, read_only=True) as con:
        rows = unread_figures(con, source=args.source, run_id=args.run, limit=args.limit)
    if not rows:
        print("no figures kept for review")
        return 0
    for row in rows:
        seen = f"{row.metric or 'a figure'}" + (f" {number_text(row.value)}" if row.value is not None else "")
        print(f"{row.source} {row.detected}  {seen}: {row.reason}\n    \"{row.quote}\"\n    {row.url}")
    print(f"{plural(len(rows), 'figure')} the parsers saw but did not read (never loaded); "
          "`bulletins sql \"FROM anomalies WHERE kind = 'unread'\"` has them all")
    return 0
