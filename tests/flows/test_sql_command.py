"""`bulletins sql` on a real warehouse and its analyst copy, run through the command line's main()."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from flows.cli import main
from tests.warehouse.test_analyst_copy import APRIL, MARCH, T0, held_open
from warehouse.analyst_copy import publish_analyst_copy
from warehouse.db import connect
from warehouse.load import append_observations, observations_frame

LATEST = "SELECT period_start, value, unit, quote FROM observations_latest ORDER BY period_start"


@pytest.fixture
def home(bulletins_home: Path) -> Path:
    """A warehouse with March and April, published as the analyst copy."""
    warehouse = bulletins_home / "warehouse.duckdb"
    with connect(warehouse) as con:
        append_observations(con, observations_frame([MARCH, APRIL]), "run-1", T0)
        publish_analyst_copy(con, warehouse, bulletins_home / "analyst.duckdb")
    return bulletins_home


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["sql", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_csv_to_a_file_reads_back_with_duckdb(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "latest.csv"
    assert _run(capsys, "--format", "csv", "--output", str(target), LATEST) == (0, "", "")
    rows = duckdb.sql(f"SELECT * FROM read_csv('{target}', header = true)").fetchall()
    assert rows == [
        (date(2025, 3, 1), 203.0, "km2", MARCH.quote),
        (date(2025, 4, 1), 174.5, "km2", APRIL.quote),
    ]


def test_json_prints_one_object_per_row_and_writes_a_file_duckdb_reads(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "--format", "json", LATEST)
    assert code == 0
    objects = [json.loads(line) for line in out.splitlines()]
    assert objects == [
        {"period_start": "2025-03-01", "value": 203.0, "unit": "km2", "quote": MARCH.quote},
        {"period_start": "2025-04-01", "value": 174.5, "unit": "km2", "quote": APRIL.quote},
    ]
    target = tmp_path / "latest.json"
    assert _run(capsys, "--format", "json", "--output", str(target), LATEST)[0] == 0
    assert duckdb.sql(f"SELECT value FROM read_json('{target}')").fetchall() == [(203.0,), (174.5,)]


def test_parquet_needs_an_output_file_and_keeps_the_column_types(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, "--format", "parquet", LATEST)
    assert (code, out) == (2, "") and "--output" in err and len(err.splitlines()) == 1

    target = tmp_path / "latest.parquet"
    assert _run(capsys, "--format", "parquet", "--output", str(target), LATEST)[0] == 0
    read_back = duckdb.sql(f"SELECT period_start, value FROM '{target}'")
    assert read_back.types == ["DATE", "DOUBLE"]
    assert read_back.fetchall() == [(date(2025, 3, 1), 203.0), (date(2025, 4, 1), 174.5)]


def test_a_table_prints_to_stdout(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "SELECT sum(value) AS total_km2 FROM observations_latest")
    assert (code, err) == (0, "")
    assert "total_km2" in out and "377.5" in out


def test_bad_sql_exits_2_with_one_line(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for query in ("SELEC value FROM observations", "SELECT no_such_column FROM observations"):
        code, out, err = _run(capsys, query)
        assert (code, out) == (2, "")
        assert err.startswith("bulletins sql: query failed: ") and len(err.splitlines()) == 1, err


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        ("INSERT INTO ingest_runs (run_id, source, mode, started_at, status) VALUES ('x', 'isw', 'b', now(), 'c')",
         "INSERT"),
        ("UPDATE observations SET value = 0", "UPDATE"),
        ("SELECT 1; DELETE FROM observations", "DELETE"),
        ("CREATE TEMP TABLE scratch AS SELECT 1", "CREATE"),
        ("DROP VIEW observations_latest", "DROP"),
        ("ALTER TABLE observations ADD COLUMN note VARCHAR", "ALTER"),
        ("COPY observations TO '{out}/dump.csv'", "COPY"),
        ("ATTACH '{out}/other.duckdb' AS other", "ATTACH"),
        ("INSTALL spatial", "LOAD"),
        ("LOAD spatial", "LOAD"),
        ("SET threads = 1", "SET"),
        ("RESET threads", "SET"),
    ],
)
def test_a_statement_that_writes_is_refused_by_its_parsed_type(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], query: str, kind: str
) -> None:
    before = (home / "analyst.duckdb").read_bytes()
    code, out, err = _run(capsys, query.format(out=tmp_path))
    assert (code, out) == (2, "")
    article = "an" if kind in ("INSERT", "UPDATE", "ALTER", "ATTACH") else "a"  # good English: "an INSERT"
    assert err.startswith(f"bulletins sql is read-only: refusing {article} {kind} statement ")
    assert len(err.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]
    assert (home / "analyst.duckdb").read_bytes() == before


def test_variables_and_pivot_are_reads(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    query = "SET VARIABLE wanted = 'km2'; SELECT count(*) AS n FROM observations WHERE unit = getvariable('wanted')"
    code, out, _ = _run(capsys, "--format", "json", query)
    assert (code, out) == (0, '{"n":2}\n')
    pivot = "PIVOT (SELECT unit, value FROM observations) ON unit USING sum(value)"
    code, out, _ = _run(capsys, "--format", "json", pivot)
    assert (code, out) == (0, '{"km2":377.5}\n')


def test_param_sets_a_variable_for_the_as_of_macro(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    query = "SELECT count(*) AS n FROM observations_as_of(getvariable('ts'))"
    assert _run(capsys, "--format", "csv", "--param", "ts=2025-06-01T00:00:00Z", query)[1] == "n\n2\n"
    assert _run(capsys, "--format", "csv", "--param", "ts=2025-05-01T00:00:00Z", query)[1] == "n\n0\n"
    code, _, err = _run(capsys, "--param", "ts", query)
    assert code == 2 and "NAME=VALUE" in err


def test_it_answers_from_the_copy_while_another_process_holds_the_warehouse_for_writing(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with held_open(home / "warehouse.duckdb") as writer:
        # The writer changes the warehouse; the copy still holds what was published.
        assert writer.query("UPDATE observations SET value = 999") == [[2]]
        code, out, err = _run(capsys, "--format", "csv", "SELECT value FROM observations ORDER BY value")
    assert (code, err) == (0, "")
    assert out == "value\n174.5\n203.0\n"


def test_without_a_copy_it_reads_the_warehouse_and_says_so(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (home / "analyst.duckdb").unlink()
    code, out, err = _run(capsys, "--format", "csv", "SELECT count(*) AS n FROM observations")
    assert (code, out) == (0, "n\n2\n")
    assert err.startswith("bulletins: no analyst copy at ") and len(err.splitlines()) == 1


def test_without_a_copy_a_held_warehouse_names_the_holder(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (home / "analyst.duckdb").unlink()
    monkeypatch.setenv("BULLETINS_LOCK_TIMEOUT", "0.2")
    with held_open(home / "warehouse.duckdb") as writer:
        code, out, err = _run(capsys, "SELECT 1")
    assert (code, out) == (2, "")
    assert f"PID {writer.pid} " in err.splitlines()[-1] and len(err.splitlines()) == 2  # the note, the error


def test_help_shows_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["sql", "--help"])
    out = capsys.readouterr().out
    assert exited.value.code == 0
    assert "--format parquet --output history.parquet" in out and "analyst.duckdb" in out
