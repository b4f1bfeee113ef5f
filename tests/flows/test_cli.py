"""The `bulletins` command line, run as a user runs it (a subprocess of the installed entry point)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from extractors.observation import OBSERVATION_FIELDS

REPO = Path(__file__).resolve().parents[2]
JUNE_2 = REPO / "samples/isw/site/research/russia-ukraine/russian-offensive-campaign-assessment-june-2-2025/index.html"


def bulletins(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import sys; from flows.cli import main; sys.exit(main(sys.argv[1:]))", *args],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=120,
    )


def test_parse_prints_one_json_object_per_observation_and_imports_neither_prefect_nor_gx() -> None:
    code = (
        "import sys; from flows.cli import main; rc = main(sys.argv[1:]);"
        "heavy = [m for m in ('prefect', 'great_expectations', 'duckdb', 'pandas') if m in sys.modules];"
        "print('HEAVY', heavy, file=sys.stderr); sys.exit(rc)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "parse", "--source", "isw", "--url", "https://example.org/r", str(JUNE_2)],
        capture_output=True, text=True, cwd=REPO, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert list(rows[0]) == list(OBSERVATION_FIELDS)
    by_metric = {row["metric"]: row for row in rows}
    assert by_metric["territory_gained"]["value"] == 499.28
    assert by_metric["casualties_in_period"]["value"] == 35370
    assert by_metric["casualties_per_km2"]["subject"] == "RU"
    assert by_metric["territory_gained"]["period_start"] == "2025-05-01"
    assert by_metric["territory_gained"]["published_at"] == "2025-06-02"
    assert all(row["url"] == "https://example.org/r" for row in rows)
    assert all(len(row["document_sha256"]) == 64 for row in rows)


def test_parse_of_a_file_without_figures_exits_zero_and_prints_nothing(tmp_path: Path) -> None:
    page = REPO / "samples/isw/site/backgrounder/russian-offensive-campaign-assessment-october-8-2024"
    result = bulletins("parse", "--source", "isw", str(page))
    assert (result.returncode, result.stdout) == (0, "")


def test_parse_of_an_unreadable_file_exits_2_with_one_line_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "missing.html"
    result = bulletins("parse", "--source", "isw", str(missing))
    assert result.returncode == 2
    assert str(missing) in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.fixture
def stored_home(tmp_path: Path) -> Path:
    from warehouse.db import connect

    home = tmp_path / "home"
    with connect(home / "warehouse.duckdb") as con:
        con.execute(
            "INSERT INTO ingest_run_events (run_id, source, mode, started_at, status) "
            "VALUES ('r1', 'isw', 'backfill', now(), 'completed')"
        )
    return home


def test_sql_prints_a_table_and_refuses_writes(stored_home: Path) -> None:
    env = {"BULLETINS_HOME": str(stored_home), "PATH": "/usr/bin:/bin"}
    shown = bulletins("sql", "SELECT run_id, status FROM ingest_runs", env=env)
    assert shown.returncode == 0, shown.stderr
    assert "r1" in shown.stdout and "completed" in shown.stdout

    write = bulletins("sql", "DELETE FROM ingest_runs", env=env)
    assert write.returncode == 2 and "read-only" in write.stderr
    bad = bulletins("sql", "SELEC nonsense", env=env)
    assert bad.returncode == 2 and "query failed" in bad.stderr

    from warehouse.db import connect

    with connect(stored_home / "warehouse.duckdb") as con:
        assert con.execute("SELECT count(*) FROM ingest_runs").fetchone() == (1,)


@pytest.mark.parametrize(
    ("document", "published", "metric", "value"),
    [
        ("samples/ukmod/images/2025-04-05.txt", "2025-04-05", "territory_gained", 143.0),
        ("samples/ukmod/images/2025-04-05.png", "2025-04-05", "territory_gained", 143.0),  # OCR
        ("samples/ukmod/rss/DefenceHQ.xml", None, "casualties_cumulative", 1_100_000.0),
        ("samples/ukmod/timeline/posts.json", None, "casualties_cumulative", 1_100_000.0),
    ],
)
def test_parse_reads_every_kind_of_mod_document(
    document: str, published: str | None, metric: str, value: float
) -> None:
    args = ["parse", "--source", "ukmod", *(["--published", published] if published else []), document]
    result = bulletins(*args)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert any(row["metric"] == metric and row["value"] == value for row in rows), rows


def test_version_quiet_verbose_and_help_on_the_options() -> None:
    version = bulletins("--version")
    assert (version.returncode, version.stdout.strip()) == (0, "bulletins 0.1.0")
    helped = bulletins("backfill", "--help")
    assert "which source: isw, ukmod, genstaff, curated" in helped.stdout
    assert "first publication date to read, inclusive" in helped.stdout
    assert "last publication date to read, inclusive" in helped.stdout
    both = bulletins("-q", "-v", "sql", "SELECT 1")
    assert both.returncode == 2 and "not allowed with argument" in both.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sql", "--max-rows", "-5", "SELECT 1"], "argument --max-rows: -5 is not 1 or more"),
        (["sql", "--max-rows", "many", "SELECT 1"], "argument --max-rows: 'many' is not a whole number"),
        (["backfill", "--source", "isw", "--from", "2025-13-01", "--to", "2025-12-31"],
         "argument --from: '2025-13-01' is not a date in the form YYYY-MM-DD"),
        (["ingest", "--source", "bbc"],
         "argument --source: invalid choice: 'bbc' (choose from 'isw', 'ukmod', 'genstaff', 'curated')"),
        (["review", "--limit", "0"], "argument --limit: 0 is not 1 or more"),
    ],
)
def test_bad_flags_are_refused_argparse_style_in_one_line(args: list[str], message: str) -> None:
    result = bulletins(*args)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines()[-1].endswith(message), result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args", [["sql", "SELECT 1"], ["validate", "--source", "isw"], ["quarantine"], ["report"], ["review"]]
)
def test_read_only_commands_on_a_missing_home_say_so_and_create_nothing(tmp_path: Path, args: list[str]) -> None:
    home = tmp_path / "home"
    result = bulletins(*args, env={"BULLETINS_HOME": str(home), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 2
    assert result.stderr == (f"bulletins: BULLETINS_HOME {home} does not exist: run `bulletins demo` or "
                             "`bulletins ingest` first (or set BULLETINS_HOME to where they wrote)\n")
    assert not home.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    result = bulletins(*args, env={"BULLETINS_HOME": str(empty), "PATH": "/usr/bin:/bin"})
    assert (result.returncode, result.stderr) == (
        2, f"bulletins: no warehouse in {empty} (no warehouse.duckdb): run `bulletins demo` or "
           "`bulletins ingest` first\n")
    assert list(empty.iterdir()) == []


def unwritable_directory(tmp_path: Path) -> Path:
    """A directory this process cannot create files in: chmod for a user, a kernel file system for root
    (root writes through any mode bits)."""
    if os.geteuid() != 0:
        path = tmp_path / "locked"
        path.mkdir(mode=0o555)
        return path
    for candidate in (Path("/sys/kernel"), Path("/proc/sys")):
        try:
            (candidate / "bulletins-probe").touch()
        except OSError:
            return candidate
    pytest.skip("no directory root cannot write to")


@pytest.mark.parametrize("command", [["ingest", "--source", "isw"], ["demo"],
                                     ["quarantine", "release", "abc", "--note", "x"]])
def test_an_unusable_home_is_one_line_naming_the_path_and_what_was_needed(tmp_path: Path, command: list[str]) -> None:
    locked = unwritable_directory(tmp_path)
    result = bulletins(*command, env={"BULLETINS_HOME": str(locked), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    if command[0] == "quarantine":  # it only writes to an existing warehouse
        assert line == (f"bulletins: no warehouse in {locked} (no warehouse.duckdb): run `bulletins demo` or "
                        "`bulletins ingest` first")
    else:
        assert line.startswith(f"bulletins: BULLETINS_HOME {locked} is not writable (")
        assert line.endswith("): this command writes there")

    a_file = tmp_path / "a-file"
    a_file.write_text("not a directory")
    result = bulletins(*command, env={"BULLETINS_HOME": str(a_file), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 2 and result.stderr == f"bulletins: BULLETINS_HOME {a_file} is not a directory\n"


def test_a_raw_store_or_warehouse_of_the_wrong_kind_is_named(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "warehouse.duckdb").mkdir(parents=True)
    env = {"BULLETINS_HOME": str(home), "PATH": "/usr/bin:/bin"}
    for args in (["ingest", "--source", "isw"], ["sql", "SELECT 1"]):
        result = bulletins(*args, env=env)
        assert (result.returncode, result.stderr) == (
            2, f"bulletins: the warehouse {home / 'warehouse.duckdb'} is a directory, not a DuckDB file\n")
    (home / "warehouse.duckdb").rmdir()
    (home / "raw").write_text("a file where the raw store goes")
    result = bulletins("ingest", "--source", "isw", env=env)
    assert (result.returncode, result.stderr) == (2, f"bulletins: the raw store {home / 'raw'} is not a directory\n")
