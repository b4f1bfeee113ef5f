"""One document at a time: a document that fails to be fetched is named and retried by the next
runs, one that breaks its parser or its discovery is an anomaly while the rest loads, and the
figures a parser saw but could not read are kept for review. Real flow runs against loopback
servers (issue 11 items 2, 3 and 6; issue 10 §4)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from flows.cli import main
from samples.genstaff.api import STATISTICS_PATH, api_response, day_response, load_days
from tests.loopback import LoopbackServer, RecordedRequest, Reply
from tests.webhook import WebhookReceiver
from warehouse.db import connect
from warehouse.raw_store import RawStore, record_documents

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "samples" / "isw" / "site"
REPORTS = {  # path on the site -> the sample report served there
    "/research/russia-ukraine/russian-offensive-campaign-assessment-april-1-2025/":
        SITE / "research/russia-ukraine/russian-offensive-campaign-assessment-april-1-2025/index.html",
    "/research/russia-ukraine/russian-offensive-campaign-assessment-june-2-2025/":
        SITE / "research/russia-ukraine/russian-offensive-campaign-assessment-june-2-2025/index.html",
    "/research/russia-ukraine/russian-offensive-campaign-assessment-july-15-2025/":
        SITE / "research/russia-ukraine/russian-offensive-campaign-assessment-july-15-2025/index.html",
}
APRIL, JUNE, JULY = REPORTS
XML = {"Content-Type": "application/xml"}
HTML = {"Content-Type": "text/html; charset=utf-8"}


def isw_site(server: LoopbackServer, lastmods: dict[str, datetime]) -> None:
    newest = max(lastmods.values()).isoformat()
    server.route("/sitemap_index.xml", Reply(200, (
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
        f"<loc>https://understandingwar.org/post-sitemap.xml</loc><lastmod>{newest}</lastmod></sitemap>"
        "</sitemapindex>").encode(), headers=XML))
    entries = "".join(f"<url><loc>https://understandingwar.org{path}</loc><lastmod>{lastmod.isoformat()}</lastmod>"
                      "</url>" for path, lastmod in lastmods.items())
    server.route("/post-sitemap.xml", Reply(200, (
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>').encode(), headers=XML))


def serve_reports(server: LoopbackServer, *paths: str) -> None:
    for path in paths:
        server.route(path, Reply(200, REPORTS[path].read_bytes(), headers=HTML))


def anomalies(home: Path, run_id: str | None = None) -> list[tuple[str, str, str, str | None]]:
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        return con.execute(
            "SELECT check_name, severity, detail, url FROM anomalies WHERE $run IS NULL OR run_id = $run "
            "ORDER BY check_name, url", {"run": run_id},
        ).fetchall()


def last_runs(home: Path) -> list[tuple[Any, ...]]:
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        return con.execute("SELECT run_id, status, watermark, documents_failed, message FROM ingest_runs "
                           "ORDER BY started_at").fetchall()


@pytest.fixture
def quick_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BULLETINS_HTTP_MAX_ATTEMPTS", "1")  # a failed fetch fails at once


def test_a_document_that_failed_is_named_and_the_watermark_waits_for_it_until_it_is_stored(
    prefect_harness: None, bulletins_home: Path, quick_http: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.ingest import WARNINGS_STATE, ingest

    now = datetime.now(UTC).replace(microsecond=0)
    lastmods = {APRIL: now - timedelta(days=3), JUNE: now - timedelta(days=2), JULY: now - timedelta(days=1)}
    with LoopbackServer() as server:
        isw_site(server, lastmods)
        serve_reports(server, APRIL, JULY)
        server.script(JUNE, Reply(503, b"upstream busy"), default=Reply(200, REPORTS[JUNE].read_bytes(), headers=HTML))
        monkeypatch.setenv("BULLETINS_ISW_BASE_URL", server.url(""))

        first = ingest(source="isw", return_state=True)
        summary = first.result()
        assert first.name == WARNINGS_STATE
        assert (summary.documents_discovered, summary.documents_fetched, summary.documents_failed) == (3, 2, 1)
        assert f"1 failed ({server.url(JUNE)})" in summary.message
        [(check, severity, detail, url)] = anomalies(bulletins_home, summary.run_id)
        assert (check, severity, url) == ("document_not_fetched", "warning", server.url(JUNE))
        assert "503" in detail
        # Not past the June report: the next run looks for it again (July is fetched again, unchanged).
        assert summary.watermark == lastmods[JUNE] - timedelta(microseconds=1)

        second = ingest(source="isw", return_state=True)
        again = second.result()

    assert second.name == "Completed"
    assert (again.documents_discovered, again.documents_fetched, again.documents_failed) == (2, 1, 0)
    assert again.watermark == lastmods[JULY]
    with connect(bulletins_home / "warehouse.duckdb", read_only=True) as con:
        june = con.execute("SELECT count(*) FROM observations WHERE published_at = DATE '2025-06-02'").fetchone()
    assert june is not None and june[0] > 0


def test_a_document_failing_run_after_run_is_given_up_with_an_anomaly(
    prefect_harness: None, bulletins_home: Path, quick_http: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.ingest import GIVE_UP_AFTER_RUNS, ingest

    now = datetime.now(UTC).replace(microsecond=0)
    lastmods = {APRIL: now - timedelta(days=2), JUNE: now - timedelta(days=1)}
    with LoopbackServer() as server:
        isw_site(server, lastmods)
        serve_reports(server, JUNE)
        server.route(APRIL, Reply(500, b"broken for good"))
        monkeypatch.setenv("BULLETINS_ISW_BASE_URL", server.url(""))
        april = server.url(APRIL)
        summaries = [ingest(source="isw", return_state=True).result() for _ in range(GIVE_UP_AFTER_RUNS)]

    held = [s.watermark for s in summaries[:-1]]
    assert held == [lastmods[APRIL] - timedelta(microseconds=1)] * (GIVE_UP_AFTER_RUNS - 1)
    assert [s.documents_failed for s in summaries] == [1] * GIVE_UP_AFTER_RUNS
    last = summaries[-1]
    assert last.watermark == lastmods[JUNE]  # given up: it holds the runs back no longer
    [(check, severity, detail, url)] = anomalies(bulletins_home, last.run_id)
    assert (check, severity, url) == ("document_given_up", "warning", april)
    assert detail.startswith(f"{april}: failed to be fetched in {GIVE_UP_AFTER_RUNS} runs")


def test_a_document_that_breaks_its_parser_is_an_anomaly_and_the_rest_of_the_batch_loads(
    prefect_harness: None, bulletins_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stored documents re-read without the network (after a parser upgrade, say): one of them is an
    X API page with `"includes": []` and a `created_at` object, which broke the MoD reader."""
    from flows.ingest import ingest

    good = (REPO / "samples" / "ukmod" / "timeline" / "posts.json").read_bytes()
    bad = json.dumps({"data": [{"id": "1790000000000000001", "text": "Latest Defence Intelligence update",
                                "created_at": {"at": "2024-05-04"}}], "includes": []}).encode()
    store = RawStore(bulletins_home / "raw")
    stored = [store.put(body, source="ukmod", url=f"http://127.0.0.1:9/2/users/1/tweets?page={n}", headers={},
                        fetched_at=datetime.now(UTC) - timedelta(hours=1)) for n, body in enumerate((bad, good))]
    with connect(bulletins_home / "warehouse.duckdb") as con:
        record_documents(con, stored, "earlier-run")
    with LoopbackServer() as server, WebhookReceiver() as receiver:
        server.route("/rss", Reply(200, b'<rss version="2.0"><channel><title>DefenceHQ</title></channel></rss>',
                                   headers=XML))
        monkeypatch.setenv("BULLETINS_UKMOD_RSS_URL", server.url("/rss"))
        monkeypatch.setenv("BULLETINS_ALERT_URL", receiver.url())
        state = ingest(source="ukmod", return_state=True)

    summary = state.result(raise_on_failure=False)
    summary = getattr(summary, "summary", summary)  # a failed run carries its summary in IngestFailed
    assert summary.status in ("failed", "completed_with_warnings")  # a parser bug fails, bad input warns
    assert summary.rows_appended > 0  # the good page's figures
    [(check, _severity, detail, _url)] = [a for a in anomalies(bulletins_home) if a[3] == stored[0].url]
    assert check in ("parser_error", "document_not_parsed")
    assert detail.startswith(f"{stored[0].url}: ")
    assert len(receiver.posts) == 1  # alerted once
    [(status, finished)] = [(r[1], r[4] is not None) for r in last_runs(bulletins_home)]
    assert status == summary.status and finished


@pytest.mark.parametrize(
    ("listing", "reason"),
    [
        (Reply(200, b"<!doctype html><html><body>Just a moment...</body></html>", headers=HTML), "is not JSON"),
        (Reply(200, json.dumps({"data": {"records": [day_response({"date": "2025-03-01", "stats": {}})["data"]],
                                         "paging": {"next_url": {"href": "/x"}}}}).encode()), "not text"),
    ],
)
def test_a_discovery_that_breaks_fails_the_run_with_its_reason_and_stored_documents_are_still_read(
    prefect_harness: None, bulletins_home: Path, monkeypatch: pytest.MonkeyPatch, listing: Reply, reason: str
) -> None:
    from flows.ingest import SourceUnreachable, ingest

    with LoopbackServer() as server:
        server.route(STATISTICS_PATH, listing)
        monkeypatch.setenv("BULLETINS_GENSTAFF_BASE_URL", server.url(""))
        state = ingest(source="genstaff", date_from=date(2025, 3, 1), date_to=date(2025, 3, 2), mode="backfill",
                       return_state=True)
    assert state.is_failed()
    assert isinstance(state.result(raise_on_failure=False), SourceUnreachable)
    [(check, severity, detail, _)] = anomalies(bulletins_home)
    assert (check, severity) == ("discovery_failed", "critical")
    assert detail.startswith("genstaff: discovery failed: ValueError: genstaff: ") and reason in detail
    [(_, status, _, _, message)] = last_runs(bulletins_home)
    assert status == "failed" and message.startswith("genstaff: discovery failed")


def test_figures_not_read_are_kept_for_review_and_the_run_shows_its_coverage(
    prefect_harness: None, bulletins_home: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from flows.ingest import ingest

    days = [day for day in load_days() if "2025-03-01" <= day["date"] <= "2025-03-02"]
    days[1] = {**days[1], "stats": {**days[1]["stats"], "tanks": "10,3O5", "planes": None}}

    def answer(request: RecordedRequest) -> Reply:
        status, body = api_response(request.path, days)
        return Reply(status, body, headers={"Content-Type": "application/json"})

    with LoopbackServer() as server:
        server.route(STATISTICS_PATH, answer)
        monkeypatch.setenv("BULLETINS_GENSTAFF_BASE_URL", server.url(""))
        summary = ingest(source="genstaff", date_from=date(2025, 3, 1), date_to=date(2025, 3, 2), mode="backfill")

    read = sum(len(day["stats"]) for day in days) - 2
    assert (summary.observations_parsed, summary.figures_unread) == (read, 2)
    assert f"figure coverage {read / (read + 2):.0%} ({read} read, 2 kept for review)" in summary.message
    with connect(bulletins_home / "warehouse.duckdb", read_only=True) as con:
        unread = con.execute("SELECT kind, check_name, metric, value, quote, detail FROM anomalies "
                             "WHERE kind = 'unread' ORDER BY metric").fetchall()
        loaded = con.execute("SELECT count(*) FROM observations WHERE metric = 'tanks_cumulative'").fetchone()
        recorded = con.execute("SELECT figures_unread FROM ingest_runs").fetchone()
    assert unread == [
        ("unread", "figure_not_read", "planes_cumulative", None,
         "General Staff report of 2025-03-02: planes None", "data.records[0].stats.planes is not a count: None"),
        ("unread", "figure_not_read", "tanks_cumulative", None,
         "General Staff report of 2025-03-02: tanks '10,3O5'",
         "data.records[0].stats.tanks is not a count: '10,3O5'"),
    ]
    assert loaded == (1,) and recorded == (2,)  # the 1 March count only: the unread one is never a figure

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    with get_client(sync_client=True) as client:
        [artifact] = client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=["ingest-genstaff-validation"])), sort=ArtifactSort.CREATED_DESC, limit=1)
    assert f"**Figures read:** figure coverage {read / (read + 2):.0%}" in str(artifact.data)
    assert "## Figures kept for review (2): `bulletins review`" in str(artifact.data)

    assert main(["review", "--source", "genstaff"]) == 0
    listed = capsys.readouterr().out
    assert "tanks_cumulative: data.records[0].stats.tanks is not a count: '10,3O5'" in listed
    assert "2 figures the parsers saw but did not read (never loaded)" in listed
