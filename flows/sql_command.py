"""`bulletins sql`: one read-only query on the analyst copy, printed or saved as table, CSV, JSON or Parquet.

It reads `analyst.duckdb`, the copy published after each load, so an analyst never waits for the
ingest and never makes it wait. Before a first copy exists it reads the warehouse itself,
read-only. Statements that would write are refused by DuckDB's own parser before anything runs;
the read-only connection stays the last line of defence (EXPLAIN ANALYZE runs what it explains).
"""

from __future__ import annotations

import contextlib
import csv
import sys
from collections.abc import Iterator, Sequence
from itertools import takewhile
from pathlib import Path
from typing import TextIO

import duckdb

from flows.settings import Settings
from warehouse.db import WarehouseLocked, connect

FORMATS = ("table", "csv", "json", "parquet")
READING_STATEMENTS = frozenset({duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN, duckdb.StatementType.CALL})
RESULT = "bulletins_result"  # the name the result goes by while it is re-shaped for csv and json
FETCH_ROWS = 2048


class SqlCommandError(Exception):
    """A complete one-line message for stderr; the command exits 2."""


def run_sql(
    settings: Settings,
    query: str,
    *,
    params: Sequence[str] = (),
    output_format: str = "table",
    output: Path | None = None,
    max_rows: int = 200,
) -> int:
    if output_format not in FORMATS:
        expected = ", ".join(FORMATS)
        raise SqlCommandError(f"bulletins sql: unknown --format {output_format!r}; expected one of {expected}")
    if output_format == "parquet" and output is None:
        raise SqlCommandError("bulletins sql: --format parquet writes a file: add --output FILE")
    variables = [_variable(assignment) for assignment in params]
    with _open_for_reading(settings) as con:
        _refuse_writes(con, query)
        try:
            con.execute("SET TimeZone = 'UTC'")  # the warehouse stores UTC; show it the same on every machine
            for name, value in variables:
                con.execute(f"SET VARIABLE {name} = ?", [value])
            relation = con.sql(query)
            if relation is None:  # only SET VARIABLE statements: nothing to show
                return 0
            _write(relation, output_format, output, max_rows)
        except duckdb.Error as error:
            raise SqlCommandError(f"bulletins sql: query failed: {_one_line(error)}") from None
    return 0


@contextlib.contextmanager
def _open_for_reading(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    from warehouse.analyst_copy import analyst_target
    from warehouse.errors import WarehouseConfigError

    try:
        target, note = analyst_target(settings.warehouse)
        if note:
            print(f"bulletins: {note}", file=sys.stderr)
        con = connect(target, read_only=True)
    except (FileNotFoundError, WarehouseLocked, WarehouseConfigError, duckdb.Error) as error:
        raise SqlCommandError(f"bulletins sql: {_one_line(error)}") from None
    with con:
        yield con


def _variable(assignment: str) -> tuple[str, str]:
    name, equals, value = assignment.partition("=")
    if not equals or not name.isidentifier():
        raise SqlCommandError(f"bulletins sql: --param {assignment!r}: expected NAME=VALUE")
    return name, value


def _refuse_writes(con: duckdb.DuckDBPyConnection, query: str) -> None:
    """Name the first statement that is not a read, as DuckDB's parser classifies it."""
    try:
        statements = con.extract_statements(query)
    except duckdb.Error as error:
        raise SqlCommandError(f"bulletins sql: query failed: {_one_line(error)}") from None
    if not statements:
        raise SqlCommandError("bulletins sql: the query is empty")
    for statement in statements:
        if statement.type in READING_STATEMENTS or _sets_a_variable(statement):
            continue
        if statement.type == duckdb.StatementType.CREATE and not statement.query.strip():
            # PIVOT without an IN list: the parser adds an unnamed CREATE TYPE for the pivot
            # values, in the session's temporary catalog. The file is never written.
            continue
        text = _one_line(statement.query)
        shown = text if len(text) <= 60 else text[:57] + "..."
        raise SqlCommandError(
            f"bulletins sql is read-only: refusing a {statement.type.name} statement ({shown}); "
            "write through `bulletins ingest`"
        )


def _sets_a_variable(statement: duckdb.Statement) -> bool:
    """SET VARIABLE / RESET VARIABLE: session state only; other SET and RESET change settings."""
    if statement.type != duckdb.StatementType.SET:
        return False
    text = statement.query
    # The tokenizer skips comments and says where each token starts; a keyword is its letters.
    words = ["".join(takewhile(str.isalpha, text[start:])).upper() for start, _ in duckdb.tokenize(text)[:2]]
    return words in (["SET", "VARIABLE"], ["RESET", "VARIABLE"])


def _write(relation: duckdb.DuckDBPyRelation, output_format: str, output: Path | None, max_rows: int) -> None:
    if output_format == "parquet":
        assert output is not None
        try:
            relation.to_parquet(str(output))
        except duckdb.IOException as error:
            raise SqlCommandError(f"bulletins sql: cannot write {output}: {_one_line(error)}") from None
        return
    with _text_output(output) as stream:
        if output_format == "table":
            with contextlib.redirect_stdout(stream):
                relation.show(max_rows=max_rows, max_width=200)
        elif output_format == "csv":
            _write_csv(relation, stream)
        else:
            _write_json_lines(relation, stream)


@contextlib.contextmanager
def _text_output(output: Path | None) -> Iterator[TextIO]:
    if output is None:
        yield sys.stdout
        return
    try:
        stream = output.open("w", encoding="utf-8", newline="")
    except OSError as error:
        raise SqlCommandError(f"bulletins sql: cannot write {output}: {_one_line(error)}") from None
    with stream:
        yield stream


def _write_csv(relation: duckdb.DuckDBPyRelation, stream: TextIO) -> None:
    # DuckDB's own text for every value (dates, decimals, lists), so the file reads back the same.
    as_text = relation.query(RESULT, f"SELECT COLUMNS(*)::VARCHAR FROM {RESULT}")
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(relation.columns)
    while rows := as_text.fetchmany(FETCH_ROWS):
        writer.writerows(rows)


def _write_json_lines(relation: duckdb.DuckDBPyRelation, stream: TextIO) -> None:
    """One JSON object per row, as `bulletins parse` prints; numbers stay numbers, dates ISO text."""
    as_json = relation.query(RESULT, f"SELECT to_json({RESULT})::VARCHAR FROM {RESULT}")
    while rows := as_json.fetchmany(FETCH_ROWS):
        stream.writelines(f"{row[0]}\n" for row in rows)


def _one_line(error: BaseException | str) -> str:
    return " ".join(str(error).split()) or type(error).__name__
