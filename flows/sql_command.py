"""`bulletins sql`: one read-only query on the analyst copy, printed or saved as table, CSV, JSON or Parquet.

It reads `analyst.duckdb`, the copy published after each load, so an analyst never waits for the
ingest and never makes it wait. Before a first copy exists it reads the warehouse itself,
read-only. It reads that file and nothing else, with two lines of defence:

1. DuckDB's own guards, set on the connection before any query runs (`GUARDS`): no file or network
   access beyond the database already open (no COPY TO, read_csv, glob, http reads, log files),
   no extension installed or loaded, and the configuration locked so a query cannot undo it.
   `--output` files are therefore written by this module in Python, never by DuckDB.
2. The statement check: DuckDB's parser names each statement's type, and only reads run. It
   catches what the guards would not call writing (SET, CALL of a setting-changing function).

EXPLAIN ANALYZE runs what it explains and classifies as EXPLAIN: only the guards stop
`EXPLAIN ANALYZE COPY ... TO` (issue 11 item 1).
"""

from __future__ import annotations

import contextlib
import csv
import sys
from collections.abc import Iterator, Sequence
from itertools import pairwise, takewhile
from pathlib import Path
from typing import TextIO

import duckdb

from flows.settings import Settings
from warehouse.db import WarehouseLocked, connect

FORMATS = ("table", "csv", "json", "parquet")
# CALL is not among them: `CALL enable_logging(...)` changes the session. A table function reads
# the same with SELECT * FROM f(...), where the guards still apply.
READING_STATEMENTS = frozenset({duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN})
# Table functions that change the session or the database rather than read it, called in a SELECT
# (`SELECT * FROM enable_logging(...)`), which the statement type cannot tell; plus the two that run
# SQL from a string, which would hide any statement from this check. Also any `enable_*`/`disable_*`.
SESSION_FUNCTIONS = frozenset({
    "checkpoint", "force_checkpoint", "truncate_duckdb_logs", "copy_database", "import_database",
    "add_parquet_key", "query", "json_execute_serialized_sql",
})
SESSION_FUNCTION_PREFIXES = ("enable_", "disable_")
# Set in this order, lock last (DuckDB refuses any later SET of a setting, so a query cannot lift them).
GUARDS = (
    "SET enable_external_access = false",
    "SET autoinstall_known_extensions = false",
    "SET autoload_known_extensions = false",
    "SET TimeZone = 'UTC'",  # the warehouse stores UTC; show it the same on every machine
    "SET lock_configuration = true",
)
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
    with open_for_reading(settings) as con:
        _refuse_writes(con, query)
        try:
            for name, value in variables:
                con.execute(f"SET VARIABLE {name} = ?", [value])
            relation = con.sql(query)
            if relation is None:  # only SET VARIABLE statements: nothing to show
                return 0
            _write(relation, output_format, output, max_rows)
        except duckdb.PermissionException as error:
            raise SqlCommandError(
                f"bulletins sql reads the analyst copy and nothing else: refused: {_one_line(error)}"
            ) from None
        except duckdb.Error as error:
            raise SqlCommandError(f"bulletins sql: query failed: {_one_line(error)}") from None
    return 0


@contextlib.contextmanager
def open_for_reading(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """What analysts read (analyst_target), read-only, with DuckDB's guards on (`guards`)."""
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
        for guard in guards(settings.warehouse.data_path if settings.warehouse.is_lake else None):
            con.execute(guard)
        yield con


def guards(lake_data_path: str | None = None) -> list[str]:
    """DuckDB's guards, in order, lock last (DuckDB then refuses any SET of a setting, so a query
    cannot lift them). A lake's Parquet files are the one place outside the catalog it may read."""
    allowed = [f"SET allowed_directories = [{_literal(lake_data_path)}]"] if lake_data_path else []
    return [*allowed, *GUARDS]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


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
        if statement.type == duckdb.StatementType.CALL:
            raise SqlCommandError(
                f"bulletins sql is read-only: refusing a CALL statement ({shown}); "
                "read a table function with SELECT * FROM function(...)"
            )
        raise SqlCommandError(
            f"bulletins sql is read-only: refusing {_article(statement.type.name)} {statement.type.name} "
            f"statement ({shown}); write through `bulletins ingest`"
        )
    for statement in statements:
        called = _session_function_called(statement.query)
        if called:
            raise SqlCommandError(
                f"bulletins sql is read-only: refusing a call of {called}(), which changes the session "
                "instead of reading the warehouse"
            )


def _session_function_called(text: str) -> str | None:
    """The first name in SESSION_FUNCTIONS (or with their prefixes) written as a call, if any.

    DuckDB's tokenizer skips comments and string literals, so a quote or a comment naming one is fine.
    """
    tokens = duckdb.tokenize(text)
    for (start, kind), (after, _) in pairwise(tokens):
        if kind not in (duckdb.token_type.identifier, duckdb.token_type.keyword):
            continue
        if not text[after:].startswith("("):
            continue
        name = text[start:after].strip().strip('"').lower()
        if name in SESSION_FUNCTIONS or name.startswith(SESSION_FUNCTION_PREFIXES):
            return name
    return None


def _article(word: str) -> str:
    return "an" if word[:1].upper() in "AEIOU" else "a"


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
        _write_parquet(relation, output)
        return
    with _text_output(output) as stream:
        if output_format == "table":
            with contextlib.redirect_stdout(stream):
                relation.show(max_rows=max_rows, max_width=200)
        elif output_format == "csv":
            _write_csv(relation, stream)
        else:
            _write_json_lines(relation, stream)


def _write_parquet(relation: duckdb.DuckDBPyRelation, output: Path) -> None:
    """Stream the result as Arrow batches into a Parquet file (the column types carry over)."""
    import pyarrow.parquet  # only this format needs it

    batches = relation.to_arrow_reader(FETCH_ROWS * 32)
    with _removed_on_failure(output):
        try:
            with pyarrow.parquet.ParquetWriter(output, batches.schema) as writer:
                for batch in batches:
                    writer.write_batch(batch)
        except OSError as error:
            raise SqlCommandError(f"bulletins sql: cannot write {output}: {_one_line(error)}") from None


@contextlib.contextmanager
def _text_output(output: Path | None) -> Iterator[TextIO]:
    if output is None:
        yield sys.stdout
        return
    with _removed_on_failure(output):
        try:
            stream = output.open("w", encoding="utf-8", newline="")
        except OSError as error:
            raise SqlCommandError(f"bulletins sql: cannot write {output}: {_one_line(error)}") from None
        with stream:
            yield stream


@contextlib.contextmanager
def _removed_on_failure(output: Path) -> Iterator[None]:
    """A query that fails half-way leaves no half-written file behind."""
    existed = output.exists()
    try:
        yield
    except BaseException:
        if not existed:
            output.unlink(missing_ok=True)
        raise


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
