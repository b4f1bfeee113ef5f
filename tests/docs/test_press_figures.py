"""docs/press-figures.md: every query on the page, run against the demo warehouse, returns its table."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO
from warehouse.db import connect

PAGE = REPO / "docs" / "press-figures.md"
SQL_BLOCK = re.compile(r"^```sql\n(.*?)^```\n", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Example:
    sql: str
    header: list[str]
    rows: list[list[str]]
    line: int  # where the query starts on the page, for failure messages


def page_examples(text: str) -> list[Example]:
    """Each ```sql block of the page with the Markdown table that follows it."""
    examples = []
    for match in SQL_BLOCK.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        after = text[match.end():].lstrip("\n").splitlines()
        table = []
        for row in after:
            if not row.startswith("|"):
                break
            table.append(_cells(row))
        if len(table) < 3 or not all(set(cell) <= set("-: ") for cell in table[1]):
            raise AssertionError(f"press-figures.md line {line}: the query has no answer table after it")
        examples.append(Example(match.group(1), table[0], table[2:], line))
    return examples


def _cells(row: str) -> list[str]:
    inner = row.strip().removeprefix("|").removesuffix("|")
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", inner)]


def shown(value: object) -> str:
    """A query result as the page writes it: no trailing .0, dates in ISO form, NULL for missing."""
    if value is None:
        return "NULL"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


@pytest.fixture(scope="module")
def demo_warehouse(demo_home: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with connect(demo_home / "warehouse.duckdb", read_only=True) as con:
        yield con


def test_the_page_has_a_query_and_an_answer_for_each_figure() -> None:
    examples = page_examples(PAGE.read_text(encoding="utf-8"))
    assert len(examples) == 6
    assert all(example.rows for example in examples)


def test_every_query_on_the_page_returns_its_table(demo_warehouse: duckdb.DuckDBPyConnection) -> None:
    for example in page_examples(PAGE.read_text(encoding="utf-8")):
        result = demo_warehouse.execute(example.sql)
        header = [column[0] for column in result.description]
        rows = [[shown(value) for value in row] for row in result.fetchall()]
        where = f"press-figures.md, query at line {example.line}"
        assert header == example.header, f"{where}: columns differ"
        assert rows == example.rows, f"{where}: the data answers {rows}, the page says {example.rows}"


def test_the_headline_figures(demo_warehouse: duckdb.DuckDBPyConnection) -> None:
    def one(sql: str) -> tuple:
        rows = demo_warehouse.execute(sql).fetchall()
        assert len(rows) == 1, f"expected one row from {sql}, got {rows}"
        return rows[0]

    early_may = one(
        "SELECT value, qualifier FROM observations_latest WHERE source = 'ukmod' AND metric = 'casualties_cumulative' "
        "AND period_end BETWEEN DATE '2025-05-01' AND DATE '2025-05-15'"
    )
    assert early_may == (950000, "approximately")

    def monthly(source: str, month: str) -> tuple:
        return one(f"SELECT territory_gained_km2, qualifier FROM territory_monthly "
                   f"WHERE source = '{source}' AND month = DATE '{month}'")

    assert monthly("ukmod", "2025-03-01") == (143, "exact")
    assert monthly("ukmod", "2024-11-01") == (700, "over")  # "more than 700"
    assert monthly("isw", "2025-03-01") == (203, "exact")


def test_the_cost_per_km2_rose_to_march_2025_then_fell(demo_warehouse: duckdb.DuckDBPyConnection) -> None:
    cost = {
        (pairing, month.strftime("%Y-%m")): ratio
        for pairing, month, ratio in demo_warehouse.execute(
            "SELECT pairing, month, casualties_per_km2 FROM casualties_per_km2"
        ).fetchall()
    }
    # What the page says in words.
    assert cost["genstaff/ukmod", "2025-03"] > 4 * cost["genstaff/ukmod", "2024-11"]
    assert cost["genstaff/ukmod", "2024-11"] < cost["genstaff/ukmod", "2025-01"] < cost["genstaff/ukmod", "2025-02"]
    assert cost["genstaff/isw", "2024-11"] < cost["genstaff/isw", "2025-01"] < cost["genstaff/isw", "2025-03"]
    assert cost["genstaff/isw", "2025-03"] > cost["genstaff/isw", "2025-02"]
    assert cost["genstaff/isw", "2025-05"] < cost["genstaff/isw", "2025-03"]
    assert max(cost, key=cost.__getitem__) == ("genstaff/ukmod", "2025-03")


def test_page_parser_reads_a_table_and_refuses_a_query_without_one() -> None:
    text = "```sql\nSELECT 1 AS a\n```\n\n| a | b |\n|---|---|\n| 1 | x \\| y |\n\nprose\n"
    (example,) = page_examples(text)
    assert example.header == ["a", "b"]
    assert example.rows == [["1", "x | y"]]
    with pytest.raises(AssertionError, match="line 3"):
        page_examples("intro\n\n```sql\nSELECT 1\n```\n\nno table here\n")
