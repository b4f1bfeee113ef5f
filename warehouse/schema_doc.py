"""docs/schema.md, the data dictionary, generated from the comments the migrations put in the warehouse.

    python -m warehouse.schema_doc            # rewrite docs/schema.md from a freshly migrated warehouse
    python -m warehouse.schema_doc --check    # exit 1 when docs/schema.md no longer matches the migrations

The comments live in the database (COMMENT ON, migration 009 and later), so `duckdb_columns()` in any
client and this page say the same thing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import duckdb

from warehouse.db import connect

DOC_PATH = Path(__file__).resolve().parents[1] / "docs" / "schema.md"

PREAMBLE = """\
# Warehouse schema

The tables, views and table macros of `warehouse.duckdb`, with the comment each carries in the database
(`SELECT comment FROM duckdb_columns() ...` shows the same text). Generated from the migrations by
`make schema-doc` (`python -m warehouse.schema_doc`); do not edit by hand. Conventions — series keys,
versioning, units, period rules — are those of DESIGN.md §4; the figures the press quotes, and the SQL
that returns them, are in [press-figures.md](press-figures.md).
"""

# Only the warehouse's own objects: not DuckDB's catalog views, not temporary ones.
_RELATIONS_SQL = """
SELECT table_name AS name, 'table' AS kind, comment FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal AND NOT temporary
UNION ALL
SELECT view_name, 'view', comment FROM duckdb_views()
WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal AND NOT temporary
ORDER BY name
"""

_COLUMNS_SQL = """
SELECT column_name, data_type, comment
FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = 'main' AND table_name = ?
ORDER BY column_index
"""

_MACROS_SQL = """
SELECT function_name, function_type, parameters, comment
FROM duckdb_functions()
WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
  AND function_type IN ('macro', 'table_macro')
ORDER BY function_name
"""


def schema_markdown(con: duckdb.DuckDBPyConnection) -> str:
    """The data dictionary of the database behind `con` as Markdown: every table, view and macro."""
    relations = con.execute(_RELATIONS_SQL).fetchall()
    macros = con.execute(_MACROS_SQL).fetchall()
    parts = [PREAMBLE]
    parts.append(_contents([(name, kind) for name, kind, _ in relations], [m[0] for m in macros]))
    for kind, heading in (("table", "Tables"), ("view", "Views")):
        parts.append(f"## {heading}\n")
        for name, relation_kind, comment in relations:
            if relation_kind == kind:
                parts.append(_relation_section(con, name, comment))
    if macros:
        parts.append("## Macros\n")
        for name, function_type, parameters, comment in macros:
            label = "Table macro" if function_type == "table_macro" else "Macro"
            parts.append(f"### `{name}({', '.join(parameters)})`\n\n{label}. {_text(comment)}\n")
    return "\n".join(parts)


def _contents(relations: list[tuple[str, str]], macros: list[str]) -> str:
    entries = [f"- {kind} [`{name}`](#{name})" for name, kind in relations if kind == "table"]
    entries += [f"- view [`{name}`](#{name})" for name, kind in relations if kind == "view"]
    entries += [f"- macro `{name}`" for name in macros]
    return "\n".join(entries) + "\n"


def _relation_section(con: duckdb.DuckDBPyConnection, name: str, comment: str | None) -> str:
    lines = [f"### {name}", "", _text(comment), "", "| column | type | comment |", "|---|---|---|"]
    for column, data_type, column_comment in con.execute(_COLUMNS_SQL, [name]).fetchall():
        lines.append(f"| `{column}` | {_cell(data_type)} | {_cell(_text(column_comment))} |")
    return "\n".join(lines) + "\n"


def _text(comment: str | None) -> str:
    """A comment on one line, its `<placeholder>`s kept visible (Markdown would take them for HTML)."""
    # A missing comment is shown, not hidden: tests/warehouse/test_schema_doc.py fails on it too.
    return " ".join(comment.split()).replace("<", "\\<") if comment else "(no comment)"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def fresh_schema_markdown() -> str:
    """The data dictionary of an empty warehouse migrated to the newest schema."""
    with tempfile.TemporaryDirectory(prefix="bulletins-schema-") as folder, \
            connect(Path(folder) / "warehouse.duckdb") as con:
        return schema_markdown(con)


def main(argv: Sequence[str] | None = None, *, doc_path: Path = DOC_PATH) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse.schema_doc", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help=f"exit 1 when {doc_path.name} differs from what the migrations give; write nothing")
    args = parser.parse_args(argv)
    generated = fresh_schema_markdown()
    if args.check:
        current = doc_path.read_text(encoding="utf-8") if doc_path.exists() else None
        if current != generated:
            print(f"{doc_path} is stale: the migrations changed the schema. Run `make schema-doc`.",
                  file=sys.stderr)
            return 1
        print(f"{doc_path} is up to date")
        return 0
    doc_path.parent.mkdir(parents=True, exist_ok=True)
    doc_path.write_text(generated, encoding="utf-8")
    print(f"wrote {doc_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
