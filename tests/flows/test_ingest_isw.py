"""ISW end to end: real flow runs against the sample archive served on 127.0.0.1."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from flows.archive_server import serve_archive
from warehouse.db import connect

SITE = Path(__file__).resolve().parents[2] / "samples" / "isw" / "site"
JUNE_2 = "research/russia-ukraine/russian-offensive-campaign-assessment-june-2-2025/index.html"
APRIL_1 = "research/russia-ukraine/russian-offensive-campaign-assessment-april-1-2025/index.html"
ARCHIVE = {"date_from": date(2024, 1, 1), "date_to": date(2025, 12, 31), "mode": "backfill"}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A copy of the sample archive that a test may edit."""
    copy = tmp_path / "site"
    shutil.copytree(SITE, copy)
    return copy


def _edit(site: Path, page: str, old: str, new: str) -> None:
    path = site / page
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {page}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _ingest(site: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from flows.ingest import ingest

    with serve_archive(site, port=_port(site)) as url:
        monkeypatch.setenv("BULLETINS_ISW_BASE_URL", url)
        return ingest(source="isw", **ARCHIVE)


_PORTS: dict[Path, int] = {}


def _port(site: Path) -> int:
    """The same port for a site on every run of a test, so document URLs stay the same."""
    import socket

    if site not in _PORTS:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            _PORTS[site] = probe.getsockname()[1]
    return _PORTS[site]


def test_backfill_loads_the_sample_figures_and_a_rerun_appends_nothing(
    prefect_harness: None, bulletins_home: Path, site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _ingest(site, monkeypatch)
    assert (first.status, first.documents_discovered, first.documents_failed) == ("completed", 19, 0)
    assert first.rows_quarantined == 0

    with connect(bulletins_home / "warehouse.duckdb") as con:
        figures = set(con.execute(
            "SELECT metric, subject, period_start, period_end, value, assessment FROM observations_latest"
        ).fetchall())
        stored = con.execute("SELECT count(*) FROM observations").fetchone()
        raw = con.execute("SELECT count(*) FROM raw_documents WHERE source = 'isw'").fetchone()
    assert ("territory_gained", "RU", date(2024, 1, 1), date(2024, 12, 31), 4168.0, "assessed") in figures
    assert ("territory_gained", "RU", date(2024, 11, 1), date(2024, 11, 26), 574.0, "assessed") in figures
    assert ("territory_gain_rate", "RU", date(2024, 11, 1), date(2024, 11, 26), 22.0, "assessed") in figures
    assert ("territory_gained", "RU", date(2025, 3, 1), date(2025, 3, 31), 203.0, "assessed") in figures
    assert ("territory_gained", "RU", date(2025, 5, 1), date(2025, 5, 31), 499.28, "assessed") in figures
    assert ("casualties_in_period", "RU", date(2025, 5, 1), date(2025, 5, 31), 35370.0, "assessed") in figures
    assert ("territory_gained", "RU", date(2024, 1, 1), date(2024, 12, 19), 4900.0, "claimed") in figures
    assert raw == (19,)

    second = _ingest(site, monkeypatch)
    assert (second.rows_appended, second.documents_unchanged) == (0, 19)  # conditional GETs: 304
    with connect(bulletins_home / "warehouse.duckdb") as con:
        assert con.execute("SELECT count(*) FROM observations").fetchone() == stored


def test_a_changed_figure_adds_one_version_and_the_as_of_query_still_sees_the_old(
    prefect_harness: None, bulletins_home: Path, site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ingest(site, monkeypatch)
    between_runs = datetime.now(UTC)
    _edit(site, JUNE_2, "gained 499.28 square kilometers", "gained 512.4 square kilometers")
    second = _ingest(site, monkeypatch)
    assert (second.documents_fetched, second.rows_appended) == (1, 1)

    key = "metric = 'territory_gained' AND period_start = DATE '2025-05-01' AND period_end = DATE '2025-05-31'"
    with connect(bulletins_home / "warehouse.duckdb") as con:
        versions = con.execute(f"SELECT value, version FROM observations WHERE {key} ORDER BY version").fetchall()
        latest = con.execute(f"SELECT value FROM observations_latest WHERE {key}").fetchall()
        before = con.execute(f"SELECT value FROM observations_as_of(?) WHERE {key}", [between_runs]).fetchall()
    assert versions == [(499.28, 1), (512.4, 2)]
    assert latest == [(512.4,)]
    assert before == [(499.28,)]


def test_an_impossible_figure_is_quarantined_and_the_rest_of_its_report_loads(
    prefect_harness: None, bulletins_home: Path, site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _edit(site, APRIL_1, "gained 203 square kilometers in March 2025,",
          "gained 2,030,000 square kilometers in March 2025, and suffered 41,160 casualties in March 2025,")
    from flows.ingest import IngestFailed

    with pytest.raises(IngestFailed) as failed_run:
        _ingest(site, monkeypatch)
    summary = failed_run.value.summary
    assert summary.status == "failed" and summary.rows_quarantined == 1
    assert "territory_gained" in summary.message and "quarantined" in summary.message

    with connect(bulletins_home / "warehouse.duckdb") as con:
        quarantined = con.execute("SELECT value, failed_expectations, reason, url FROM quarantine").fetchall()
        loaded_from_report = con.execute(
            "SELECT metric, value FROM observations WHERE url LIKE '%april-1-2025%'"
        ).fetchall()
        impossible_loaded = con.execute("SELECT count(*) FROM observations WHERE value = 2030000").fetchone()
        failed_checks = con.execute(
            """SELECT e ->> 'name' FROM validation_results, unnest(CAST(expectations AS JSON[])) AS t(e)
               WHERE CAST(e ->> 'success' AS BOOLEAN) = FALSE"""
        ).fetchall()
    assert len(quarantined) == 1
    value, failed, reason, url = quarantined[0]
    assert value == 2_030_000.0 and "april-1-2025" in url
    assert any("value" in name and "km2" in name for name in failed), failed
    assert "2030000" in reason.replace(",", "")
    assert impossible_loaded == (0,)
    assert sorted(loaded_from_report) == [("casualties_in_period", 41160.0), ("territory_gained", 627.0)]
    assert any(name in failed for (name,) in failed_checks)


def test_an_unreachable_source_fails_the_run_and_the_command_exits_non_zero(
    prefect_harness: None, bulletins_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.cli import main
    from flows.ingest import SourceUnreachable, ingest

    monkeypatch.setenv("BULLETINS_ISW_BASE_URL", "http://127.0.0.1:9")  # the discard port: nothing listens
    monkeypatch.setenv("BULLETINS_HTTP_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("BULLETINS_DISCOVER_RETRIES", "0")
    with pytest.raises(SourceUnreachable):
        ingest(source="isw", **ARCHIVE)
    assert main(["backfill", "--source", "isw", "--from", "2025-01-01", "--to", "2025-01-31"]) == 1
    with connect(bulletins_home / "warehouse.duckdb") as con:
        runs = con.execute("SELECT status, message FROM ingest_runs").fetchall()
    assert [status for status, _ in runs] == ["failed", "failed"]
    assert all("could not be reached" in message for _, message in runs)


def test_stored_documents_are_re_read_even_when_the_source_is_down(
    prefect_harness: None, bulletins_home: Path, site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.ingest import SourceUnreachable, ingest

    _ingest(site, monkeypatch)
    with connect(bulletins_home / "warehouse.duckdb") as con:
        con.execute("DELETE FROM parsed_documents")  # as after a parser upgrade: every document unread
    monkeypatch.setenv("BULLETINS_ISW_BASE_URL", "http://127.0.0.1:9")  # nothing listens: discovery fails
    monkeypatch.setenv("BULLETINS_HTTP_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("BULLETINS_DISCOVER_RETRIES", "0")
    with pytest.raises(SourceUnreachable):
        ingest(source="isw", **ARCHIVE)
    with connect(bulletins_home / "warehouse.duckdb") as con:
        reread = con.execute("SELECT count(*) FROM parsed_documents").fetchone()
        last_run = con.execute(
            "SELECT status, observations_parsed FROM ingest_runs ORDER BY started_at DESC"
        ).fetchone()
    assert reread == (19,)
    assert last_run is not None and last_run[0] == "failed" and last_run[1] > 0
