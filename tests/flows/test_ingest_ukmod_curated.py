"""The MoD timeline and the curated file through real flow runs: re-runs add nothing, edits add versions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from flows.archive_server import serve_handler
from samples.ukmod.loopback import make_handler
from warehouse.db import connect

REPO = Path(__file__).resolve().parents[2]
TOKEN = "test-token"
RANGE = {"date_from": date(2022, 3, 1), "date_to": date(2025, 12, 31), "mode": "backfill"}


def test_mod_timeline_loads_image_only_updates_and_a_second_run_appends_nothing(
    prefect_harness: None, bulletins_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.ingest import ingest

    with serve_handler(make_handler(REPO / "samples" / "ukmod", bearer_token=TOKEN)) as url:
        monkeypatch.setenv("BULLETINS_UKMOD_X_API_URL", url)
        monkeypatch.setenv("BULLETINS_UKMOD_X_BEARER_TOKEN", TOKEN)
        first = ingest(source="ukmod", **RANGE)
        second = ingest(source="ukmod", **RANGE)
    assert first.status == "completed" and first.rows_appended > 0
    assert second.rows_appended == 0
    with connect(bulletins_home / "warehouse.duckdb") as con:
        figures = set(con.execute(
            "SELECT metric, period_start, period_end, value, qualifier FROM observations_latest"
        ).fetchall())
        from_images = con.execute(
            """SELECT count(*) FROM observations o JOIN raw_documents d ON d.sha256 = o.document_sha256
               WHERE d.content_type LIKE 'image/%'"""
        ).fetchone()
    assert ("casualties_daily_avg", date(2024, 4, 1), date(2024, 4, 30), 899.0, "exact") in figures
    assert ("casualties_cumulative", date(2022, 2, 24), date(2024, 5, 4), 465000.0, "over") in figures
    assert ("territory_gained", date(2025, 3, 1), date(2025, 3, 31), 143.0, "exact") in figures
    assert ("territory_gained", date(2024, 11, 1), date(2024, 11, 30), 700.0, "over") in figures
    assert from_images is not None and from_images[0] >= 3  # figures read by OCR from image-only updates


def test_an_edited_curated_row_appends_exactly_one_version(
    prefect_harness: None, bulletins_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.ingest import ingest

    curated = tmp_path / "figures.yaml"
    curated.write_bytes((REPO / "curated" / "figures.yaml").read_bytes())
    monkeypatch.setenv("BULLETINS_CURATED_FILE", str(curated))
    rows_in_file = (REPO / "curated" / "figures.yaml").read_text().count("\n- metric: ")
    assert rows_in_file == 23  # 3 of North Korea's forces, 20 months of AFP's territory counts
    assert ingest(source="curated", mode="backfill").rows_appended == rows_in_file
    assert ingest(source="curated", mode="backfill").rows_appended == 0

    document = yaml.safe_load(curated.read_text())
    rows = document["figures"] if isinstance(document, dict) else document
    killed = next(row for row in rows if row["metric"] == "killed_cumulative")
    killed["value"] = 610
    curated.write_text(yaml.safe_dump(document, sort_keys=False))
    assert ingest(source="curated", mode="backfill").rows_appended == 1
    with connect(bulletins_home / "warehouse.duckdb") as con:
        versions = con.execute(
            "SELECT value, version FROM observations WHERE metric = 'killed_cumulative' ORDER BY version"
        ).fetchall()
        latest = con.execute("SELECT value FROM observations_latest WHERE metric = 'killed_cumulative'").fetchall()
    assert versions == [(600.0, 1), (610.0, 2)]
    assert latest == [(610.0,)]


def test_a_daily_run_asks_the_timeline_only_for_posts_after_the_newest_one_stored(
    prefect_harness: None, bulletins_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.ingest import ingest

    handler = make_handler(REPO / "samples" / "ukmod", bearer_token=TOKEN)
    with serve_handler(handler) as url:
        monkeypatch.setenv("BULLETINS_UKMOD_X_API_URL", url)
        monkeypatch.setenv("BULLETINS_UKMOD_X_BEARER_TOKEN", TOKEN)
        ingest(source="ukmod", **RANGE)
        handler.requests_seen.clear()
        daily = ingest(source="ukmod")  # incremental: the schedule's run
    with connect(bulletins_home / "warehouse.duckdb") as con:
        (cursor,), = con.execute(
            "SELECT cursor FROM ingest_runs WHERE mode = 'backfill'"
        ).fetchall()
        newest = con.execute("SELECT max(CAST(cursor AS HUGEINT)) FROM ingest_runs").fetchone()
    assert cursor is not None and newest == (int(cursor),)
    timeline_requests = [path for path in handler.requests_seen if "/tweets" in path]
    assert timeline_requests and all(f"since_id={cursor}" in path for path in timeline_requests)
    assert daily.rows_appended == 0


def test_an_analyst_session_on_the_copy_never_stops_an_ingest_and_sql_answers_while_the_writer_holds_the_lock(
    prefect_harness: None, bulletins_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from flows.cli import main
    from flows.ingest import ingest
    from tests.holder import held_open

    curated = tmp_path / "figures.yaml"
    curated.write_bytes((REPO / "curated" / "figures.yaml").read_bytes())
    monkeypatch.setenv("BULLETINS_CURATED_FILE", str(curated))
    ingest(source="curated", mode="backfill")
    query = "SELECT value FROM observations_latest WHERE metric = 'killed_cumulative'"

    with held_open(bulletins_home / "analyst.duckdb", read_only=True) as analyst:
        assert analyst.query(query) == [[600.0]]
        curated.write_text(curated.read_text().replace("value: 600", "value: 610"))
        assert ingest(source="curated", mode="backfill").rows_appended == 1  # not blocked by the reader
        assert analyst.query(query) == [[600.0]]  # the open session keeps its snapshot
    with held_open(bulletins_home / "warehouse.duckdb") as _writer:  # as a running ingest holds it
        assert main(["sql", "--format", "csv", query]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "610.0"


def test_a_bad_curated_row_is_quarantined_with_its_line_the_others_load_and_the_run_fails_naming_it(
    prefect_harness: None, bulletins_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from flows.cli import main
    from tests.webhook import WebhookReceiver

    curated = tmp_path / "figures.yaml"
    text = (REPO / "curated" / "figures.yaml").read_text()
    curated.write_text(text.replace("  value: 600\n  unit: persons\n", "  value: 600\n  unit: km2\n", 1))
    line = curated.read_text().splitlines().index("- metric: killed_cumulative") + 1
    monkeypatch.setenv("BULLETINS_CURATED_FILE", str(curated))
    with WebhookReceiver() as receiver:
        monkeypatch.setenv("BULLETINS_ALERT_URL", receiver.url())
        assert main(["backfill", "--source", "curated", "--from", "2025-01-01", "--to", "2025-12-31"]) == 1
    reason = (f"curated row 2 (killed_cumulative): field 'unit' must be 'persons' for killed_cumulative, "
              f"got 'km2' (line {line})")
    assert "critical row_readable (1)" in capsys.readouterr().err
    with connect(bulletins_home / "warehouse.duckdb", read_only=True) as con:
        loaded = con.execute("SELECT metric FROM observations WHERE subject = 'KP' ORDER BY metric").fetchall()
        months = con.execute("SELECT count(*) FROM observations WHERE metric = 'territory_gained'").fetchone()
        quarantined = con.execute("SELECT source, metric, value, failed_expectations, reason, url, quote "
                                  "FROM open_quarantine").fetchall()
    assert loaded == [("casualties_cumulative",), ("troops_deployed",)]
    assert months == (20,)  # the other rows load
    [(source, metric, value, failed, why, url, quote)] = quarantined
    assert (source, metric, value, failed, why, url) == ("curated", "killed_cumulative", 600.0, ["row_readable"],
                                                         reason, curated.resolve().as_uri())
    assert "unit: km2" in quote
    [alert] = receiver.posts
    assert reason in alert.json()["text"]

    # Fixed in the file: the row loads and the quarantined one is moot.
    curated.write_text(text)
    assert main(["backfill", "--source", "curated", "--from", "2025-01-01", "--to", "2025-12-31"]) == 0
    with connect(bulletins_home / "warehouse.duckdb", read_only=True) as con:
        assert con.execute("SELECT count(*) FROM open_quarantine").fetchone() == (0,)
        assert con.execute("SELECT value FROM observations WHERE metric = 'killed_cumulative'").fetchall() == [
            (600.0,)]
