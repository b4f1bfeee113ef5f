"""The `bulletins` command line, run as a user runs it (a subprocess of the installed entry point)."""

from __future__ import annotations

import json
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
