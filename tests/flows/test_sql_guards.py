"""`bulletins sql` reads the analyst copy and nothing else (issue 11 item 1).

Two lines of defence, each tested on its own: DuckDB's own guards on the connection (no file or
network access, no extension installs or loads, configuration locked), and the statement-type
check in front of them. Every statement here once wrote a file, read one, or reached for the network.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from flows.cli import main
from flows.settings import Settings
from flows.sql_command import open_for_reading
from tests.warehouse.test_analyst_copy import APRIL, MARCH, T0
from warehouse.analyst_copy import publish_analyst_copy
from warehouse.db import connect
from warehouse.load import append_observations, observations_frame


@pytest.fixture
def home(bulletins_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    warehouse = bulletins_home / "warehouse.duckdb"
    with connect(warehouse) as con:
        append_observations(con, observations_frame([MARCH, APRIL]), "run-1", T0)
        publish_analyst_copy(con, warehouse, bulletins_home / "analyst.duckdb")
    # DuckDB keeps its extensions under ~/.duckdb: a fresh HOME shows whether anything was installed.
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    (tmp_path / "user").mkdir()
    return bulletins_home


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _hostile(home: Path, tmp_path: Path) -> list[str]:
    return [
        f"EXPLAIN ANALYZE COPY (SELECT 'x') TO '{home}/warehouse.duckdb' (FORMAT csv)",
        f"EXPLAIN ANALYZE COPY (SELECT 'x') TO '{home}/analyst.duckdb' (FORMAT csv)",
        f"CALL enable_logging(storage_path='{tmp_path}/logs')",
        f"SELECT * FROM enable_logging(storage_path='{tmp_path}/logs')",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM read_blob('/etc/hostname')",
        "SELECT * FROM glob('/root/*')",
        "SELECT * FROM 'http://127.0.0.1:9/figures.parquet'",
        "SELECT * FROM read_csv('https://127.0.0.1:9/figures.csv')",
    ]


@pytest.mark.parametrize("index", range(10))
def test_each_hostile_statement_is_refused_in_one_line_and_changes_no_file(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], index: int
) -> None:
    query = _hostile(home, tmp_path)[index]
    before = {name: _digest(home / name) for name in ("warehouse.duckdb", "analyst.duckdb")}

    code = main(["sql", query])

    out, err = capsys.readouterr()
    assert (code, out) == (2, ""), err
    assert len(err.splitlines()) == 1 and err.startswith("bulletins sql"), err
    assert {name: _digest(home / name) for name in before} == before
    assert not (tmp_path / "logs").exists()
    assert list((tmp_path / "user").iterdir()) == []  # no extension installed (httpfs), nothing cached


def test_a_call_or_a_session_function_is_refused_by_the_statement_check(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for query, said in [
        ("CALL pragma_table_info('observations')", "refusing a CALL statement"),
        ("SELECT * FROM query('SELECT 1')", "refusing a call of query()"),
        ("SELECT 1 FROM observations, disable_optimizer()", "refusing a call of disable_optimizer()"),
    ]:
        assert main(["sql", query]) == 2
        err = capsys.readouterr().err
        assert said in err and len(err.splitlines()) == 1, err
    # A name in a string or a comment is not a call.
    assert main(["sql", "--format", "csv", "SELECT 'enable_logging()' AS said -- checkpoint()"]) == 0
    assert capsys.readouterr().out == "said\nenable_logging()\n"


# enable_logging is left to the statement check: DuckDB 1.5.6 writes no log file with the guards
# on, but it reports the refusal only at the next statement and can abort the process when the
# connection closes (an exception thrown while flushing the log), so it must never run at all.
@pytest.mark.parametrize("index", [0, 1, 4, 5, 6, 7, 8, 9])
def test_duckdbs_own_guards_refuse_them_without_the_statement_check(
    home: Path, tmp_path: Path, index: int
) -> None:
    """The second line holds alone: the connection itself cannot touch a file or the network."""
    query = _hostile(home, tmp_path)[index]
    before = _digest(home / "warehouse.duckdb")
    with open_for_reading(Settings.from_env()) as con, pytest.raises(duckdb.Error) as refused:
        con.sql(query)
    assert isinstance(refused.value, duckdb.PermissionException), refused.value
    assert "disabled by configuration" in str(refused.value)
    assert _digest(home / "warehouse.duckdb") == before
    assert not (tmp_path / "logs").exists() and list((tmp_path / "user").iterdir()) == []


def test_the_guards_cannot_be_turned_off_from_a_query(home: Path) -> None:
    with open_for_reading(Settings.from_env()) as con:
        settings = dict(con.execute(
            "SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access', "
            "'autoinstall_known_extensions', 'autoload_known_extensions', 'lock_configuration', 'TimeZone')"
        ).fetchall())
        assert settings == {"enable_external_access": "false", "autoinstall_known_extensions": "false",
                            "autoload_known_extensions": "false", "lock_configuration": "true", "TimeZone": "UTC"}
        for change in ("SET enable_external_access = true", "SET lock_configuration = false",
                       "SET autoload_known_extensions = true"):
            with pytest.raises(duckdb.InvalidInputException, match="locked"):
                con.execute(change)
        # Reading the copy itself still works, and so do session variables.
        con.execute("SET VARIABLE unit = 'km2'")
        assert con.execute("SELECT count(*) FROM observations WHERE unit = getvariable('unit')").fetchone() == (2,)


def test_parquet_is_written_by_python_with_the_guards_on(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "history.parquet"
    code = main(["sql", "--format", "parquet", "--output", str(target),
                 "SELECT period_start, value, recorded_at, [value, value] AS pair FROM observations ORDER BY 1"])
    assert (code, capsys.readouterr().err) == (0, "")
    read_back = duckdb.sql(f"SELECT * FROM '{target}'")
    assert read_back.types == ["DATE", "DOUBLE", "TIMESTAMP WITH TIME ZONE", "DOUBLE[]"]
    assert [row[1] for row in read_back.fetchall()] == [203.0, 174.5]


def test_a_failed_query_leaves_no_half_written_output(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "broken.parquet"
    code = main(["sql", "--format", "parquet", "--output", str(target),
                 "SELECT CASE WHEN value > 180 THEN error('bad row') ELSE value END AS v FROM observations"])
    assert code == 2 and "bad row" in capsys.readouterr().err
    assert not target.exists()
