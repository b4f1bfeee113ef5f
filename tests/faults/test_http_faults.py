"""Fault matrix, HTTP rows: the real ingest flow against an archive that misbehaves on cue.

Each test scripts one fault on one report (or a sitemap), runs the ingest, clears the fault, runs
it again, and judges both runs against the unfaulted one (tests/faults/harness.py). Transient
faults are absorbed by the client's retries within the run; lasting ones fail that document only.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.faults.conftest import FAST_HTTP, ingest_isw, report_paths
from tests.faults.harness import CHALLENGE_HTML, Fault, FaultyArchive, Figures, figures, judge

DEADLINE_S = float(FAST_HTTP["BULLETINS_HTTP_DEADLINE"])


def _attempts(home: Path, path: str) -> list[tuple[int | None, str | None, float, float | None]]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            "SELECT status, error, elapsed_ms, retry_after_s FROM fetch_attempts WHERE url LIKE ? "
            "ORDER BY attempted_at",
            [f"%{path}"],
        ).fetchall()


def _stored_urls(home: Path) -> set[str]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return {row[0] for row in con.execute("SELECT url FROM raw_documents").fetchall()}


def _row(name: str, test: str, what: str, baseline: Figures, home: Path, archive: FaultyArchive,
         ) -> tuple[Figures, Figures]:
    """The faulted run, then the clean re-run; both judged. Returns (after the fault, final)."""
    first = ingest_isw()
    after_fault = figures(home)
    archive.clear()
    second = ingest_isw()
    final = figures(home)
    verdict = judge(name, test, what, baseline, after_fault, final,
                    first_state=first.name, rerun_state=second.name)
    assert (verdict.lost, verdict.duplicated, verdict.converged) == (0, 0, True), verdict
    assert not second.is_failed(), second.message
    return after_fault, final


# -- transient: the run itself recovers -------------------------------------------------------------

@pytest.mark.parametrize(
    ("name", "faults", "retry_after"),
    [
        ("HTTP 500 then 200", [Fault("status", 500, body=b"oops")], None),
        ("HTTP 503 with Retry-After", [Fault("status", 503, {"Retry-After": "1"})], 1.0),
        ("HTTP 429 with Retry-After", [Fault("status", 429, {"Retry-After": "1"})], 1.0),
        ("reset mid-body", [Fault("reset", size=300)], None),
        ("truncated body", [Fault("truncate", size=300)], None),
        ("slower than the read timeout", [Fault("silent", seconds=2.5)], None),
    ],
)
def test_a_transient_fault_is_retried_within_the_run(
    baseline: Figures, home: Path, archive: FaultyArchive, archive_dir: Path,
    name: str, faults: list[Fault], retry_after: float | None,
) -> None:
    target = report_paths(archive_dir)[2]
    archive.fail(target, *faults)
    after_fault, _ = _row(name, "test_a_transient_fault_is_retried_within_the_run", "retried within the run; the "
                          "document loads", baseline, home, archive)
    assert after_fault.latest == baseline.latest  # nothing was even missing after the faulted run
    attempts = _attempts(home, target)
    assert len(attempts) >= 2 and attempts[1][0] == 200
    assert attempts[0][0] != 200 or attempts[0][1] is not None
    if retry_after is not None:
        assert attempts[0][3] == retry_after


# -- lasting: that document fails, the others load, the next run gets it -------------------------

def _lasting(name: str, fault: Fault, what: str, baseline: Figures, home: Path, archive: FaultyArchive,
             archive_dir: Path) -> tuple[str, Figures]:
    target = report_paths(archive_dir)[3]
    archive.fail(target, always=fault)
    after_fault, _ = _row(name, "test_a_lasting_fault_fails_one_document_and_the_next_run_gets_it", what,
                          baseline, home, archive)
    assert after_fault.latest < baseline.latest  # the faulted report's figures are missing, nothing else
    others = {row for row in baseline.latest if not row[-1].startswith(target)}
    assert others <= after_fault.latest
    return target, after_fault


@pytest.mark.parametrize(
    ("name", "fault", "what"),
    [
        ("dripping server", Fault("drip", seconds=0.05), "each attempt ends at the deadline; document failed"),
        ("oversize body", Fault("oversize", size=21 * 1024 * 1024), "refused past 20 MB, not retried"),
        ("challenge page", Fault("status", 403, {"Content-Type": "text/html"}, CHALLENGE_HTML),
         "a failed fetch, never an empty document"),
        ("redirect loop", Fault("redirect", location="{target}"), "stopped after 5 hops"),
        ("redirect off the allow-list", Fault("redirect", location="http://evil.example/report"),
         "refused before any request to that host"),
    ],
)
def test_a_lasting_fault_fails_one_document_and_the_next_run_gets_it(
    baseline: Figures, home: Path, archive: FaultyArchive, archive_dir: Path, name: str, fault: Fault, what: str,
) -> None:
    target = report_paths(archive_dir)[3]
    if "{target}" in fault.location:
        fault = Fault("redirect", location=fault.location.format(target=target))
    _lasting(name, fault, what, baseline, home, archive, archive_dir)
    attempts = _attempts(home, target)
    failed = [a for a in attempts if a[0] != 200 or a[1] is not None]
    later = [a for a in attempts if a[0] == 200 and a[1] is None]
    assert failed and len(later) == 1  # the clean re-run fetched it once
    if name == "dripping server":
        assert all(a[2] < (DEADLINE_S + 1.5) * 1000 for a in failed), [a[2] for a in failed]
        assert failed[-1][1] == f"timeout: no complete answer within {DEADLINE_S:g} s"
    if name == "oversize body":
        assert len(failed) == 1 and "20971520-byte cap" in (failed[0][1] or "")
    if name == "redirect loop":
        assert len(failed) == 6


def test_a_page_of_the_wrong_content_type_is_kept_raw_and_does_not_stop_the_run(
    baseline: Figures, home: Path, archive: FaultyArchive, archive_dir: Path,
) -> None:
    target = report_paths(archive_dir)[1]
    archive.fail(target, always=Fault("status", 200, {"Content-Type": "application/pdf"},
                                      b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n"))
    after_fault, _ = _row("wrong content type", "test_a_page_of_the_wrong_content_type_is_kept_raw_and_does_not_"
                          "stop_the_run", "parsed as what it is (no figures, an anomaly); the rest loads",
                          baseline, home, archive)
    others = {row for row in baseline.latest if not row[-1].startswith(target)}
    assert others <= after_fault.latest


def test_a_sitemap_of_ten_thousand_urls_fetches_only_the_reports(
    baseline: Figures, home: Path, archive_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """10,000 entries, of which the 6 reports: discovery reads them all and fetches only the reports."""
    site = tmp_path / "big-site"
    shutil.copytree(archive_dir, site)
    sitemap = (site / "post-sitemap.xml").read_text(encoding="utf-8")
    others = "".join(
        f"\t<url>\n\t\t<loc>https://understandingwar.org/research/middle-east/iran-update-{day}</loc>\n"
        f"\t\t<lastmod>2025-01-01T00:00:00+00:00</lastmod>\n\t</url>\n"
        for day in range(10_000 - len(report_paths(archive_dir)))
    )
    (site / "post-sitemap.xml").write_text(sitemap.replace("</urlset>", others + "</urlset>"), encoding="utf-8")
    assert (site / "post-sitemap.xml").read_text(encoding="utf-8").count("<url>") == 10_000
    with FaultyArchive(site) as big:
        monkeypatch.setenv("BULLETINS_ISW_BASE_URL", big.url)
        state = ingest_isw()
        after = figures(home)
        requested = list(big.requests)
        again = ingest_isw()
    final = figures(home)
    verdict = judge("10,000-URL sitemap", "test_a_sitemap_of_ten_thousand_urls_fetches_only_the_reports",
                    "read whole; only the 6 reports fetched", baseline, after, final, first_state=state.name,
                    rerun_state=again.name)
    assert (verdict.lost, verdict.duplicated, verdict.converged) == (0, 0, True), verdict
    assert not state.is_failed(), state.message
    assert len(requested) == 2 + len(report_paths(archive_dir))  # index, post sitemap, the reports
