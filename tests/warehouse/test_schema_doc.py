from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from warehouse.db import connect
from warehouse.schema_doc import DOC_PATH, fresh_schema_markdown, main, schema_markdown


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with connect(tmp_path / "warehouse.duckdb") as con:
        yield con


def test_every_table_view_and_column_has_a_comment(warehouse: duckdb.DuckDBPyConnection) -> None:
    relations = warehouse.execute(
        """
        SELECT table_name FROM duckdb_tables() WHERE NOT internal AND comment IS NULL
        UNION ALL
        SELECT view_name FROM duckdb_views() WHERE NOT internal AND comment IS NULL
        ORDER BY 1
        """
    ).fetchall()
    columns = warehouse.execute(
        """
        SELECT table_name || '.' || column_name
        FROM duckdb_columns()
        WHERE NOT internal AND (comment IS NULL OR trim(comment) = '')
        ORDER BY table_name, column_index
        """
    ).fetchall()
    macros = warehouse.execute(
        "SELECT function_name FROM duckdb_functions() "
        "WHERE NOT internal AND function_type IN ('macro', 'table_macro') AND comment IS NULL"
    ).fetchall()
    missing = [name for (name,) in relations + columns + macros]
    assert not missing, (
        "no COMMENT ON for these (add them to the migration that creates them, then `make schema-doc`): "
        + ", ".join(missing)
    )


def test_committed_schema_doc_matches_the_migrations() -> None:
    assert DOC_PATH.read_text(encoding="utf-8") == fresh_schema_markdown(), (
        "docs/schema.md is stale: run `make schema-doc` and commit it"
    )


def test_the_page_shows_each_relation_with_its_comment_and_columns() -> None:
    with duckdb.connect() as con:
        con.execute("CREATE TABLE gains (month DATE, km2 DOUBLE, note VARCHAR)")
        con.execute("COMMENT ON TABLE gains IS 'Territory per month.'")
        con.execute("COMMENT ON COLUMN gains.km2 IS 'Gained, km2 | net of losses.'")
        con.execute("COMMENT ON COLUMN gains.note IS 'An <equipment>_cumulative name.'")
        con.execute("CREATE VIEW march AS SELECT km2 FROM gains")
        con.execute("CREATE MACRO gains_since(d) AS TABLE SELECT * FROM gains WHERE month >= d")
        con.execute("COMMENT ON MACRO TABLE gains_since IS 'Months from d on.'")
        page = schema_markdown(con)
    lines = page.splitlines()
    assert "### gains" in lines
    assert "Territory per month." in lines
    # A pipe in a comment must not split the table cell; a <placeholder> must not vanish as HTML.
    assert "| `km2` | DOUBLE | Gained, km2 \\| net of losses. |" in lines
    assert "| `note` | VARCHAR | An \\<equipment>_cumulative name. |" in lines
    assert "| `month` | DATE | (no comment) |" in lines
    assert lines.index("## Tables") < lines.index("### gains") < lines.index("## Views") < lines.index("### march")
    assert "Table macro. Months from d on." in lines
    assert "### `gains_since(d)`" in lines


def test_check_fails_on_a_stale_page_and_passes_once_written(tmp_path: Path) -> None:
    page = tmp_path / "schema.md"
    assert main(["--check"], doc_path=page) == 1  # missing
    page.write_text("# Warehouse schema\n\nan old page\n", encoding="utf-8")
    assert main(["--check"], doc_path=page) == 1
    assert main([], doc_path=page) == 0
    assert main(["--check"], doc_path=page) == 0
    assert "### observations_latest" in page.read_text(encoding="utf-8")
