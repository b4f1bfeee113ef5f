"""Fault matrix, HTTP rows: the real ingest flow against an archive that misbehaves on cue.

Faults that touch one document each share runs: every report of the archive gets a fault of its
own, the ingest runs, the faults are cleared, it runs again (two flow runs for six rows). Each
row then judges its own report against the unfaulted run (tests/faults/harness.py). Transient
faults are absorbed by the client's retries within the run; lasting ones fail that document only.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.faults.conftest import FAST_HTTP, environment, ingest_isw, report_paths
from tests.faults.harness import CHALLENGE_HTML, Fault, FaultyArchive, Figures, figures, judge

DEADLINE_S = float(FAST_HTTP["BULLETINS_HTTP_DEADLINE"])
Attempt = tuple[int | None, str | None, float, float | None]


@dataclass
class Runs:
    """A faulted run and its clean re-run, with what each fault's report saw."""

    home: Path
    after: Figures
    final: Figures
    states: tuple[Any, Any]
    attempts: dict[str, list[Attempt]]
    target: dict[str, str]  # fault -> the report it was put on


def _attempts(home: Path, path: str) -> list[Attempt]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            "SELECT status, error, elapsed_ms, retry_after_s FROM fetch_attempts WHERE url LIKE ? "
            "ORDER BY attempted_at",
            [f"%{path}%"],
        ).fetchall()


def _shared_runs(faults: dict[str, list[Fault] | Fault], archive: FaultyArchive, archive_dir: Path,
                 home: Path) -> Runs:
    """One fault per report (a list: the next requests; one Fault: every request), two runs."""
    paths = report_paths(archive_dir)
    assert len(faults) < len(paths), "one report stays unfaulted"
    target = dict(zip(faults, paths, strict=False))
    for name, fault in faults.items():
        if isinstance(fault, list):
            archive.fail(target[name], *fault)
        else:
            archive.fail(target[name], always=fault)
    first = ingest_isw()
    after = figures(home)
    archive.clear()
    second = ingest_isw()
    return Runs(home, after, figures(home), (first, second),
                {name: _attempts(home, path) for name, path in target.items()}, target)


def _judged(name: str, test: str, what: str, baseline: Figures, runs: Runs) -> None:
    path = runs.target[name]
    first, second = runs.states
    verdict = judge(name, test, what, baseline.of(path), runs.after.of(path), runs.final.of(path),
                    first_state=first.name, rerun_state=second.name, attempts=len(runs.attempts[name]))
    assert (verdict.lost, verdict.duplicated, verdict.converged) == (0, 0, True), verdict
    assert runs.final.latest == baseline.latest and not second.is_failed(), second.message
    # Nothing else was touched: every other report's figures were there after the faulted run.
    others = {row for row in baseline.latest if row[-1] not in runs.target.values()}
    assert others <= runs.after.latest


# -- transient: the run itself recovers -------------------------------------------------------------

TRANSIENT: dict[str, list[Fault] | Fault] = {
    "HTTP 500 then 200": [Fault("status", 500, body=b"oops")],
    "HTTP 503 with Retry-After": [Fault("status", 503, {"Retry-After": "1"})],
    "HTTP 429 with Retry-After": [Fault("status", 429, {"Retry-After": "1"})],
    "reset mid-body": [Fault("reset", size=300)],
    "truncated body": [Fault("truncate", size=300)],
    "slower than the read timeout": [Fault("silent", seconds=2.5)],
}


@pytest.fixture(scope="module")
def transient(baseline: Figures, served: FaultyArchive, archive_dir: Path,
              tmp_path_factory: pytest.TempPathFactory) -> Any:
    home = tmp_path_factory.mktemp("transient") / "home"
    with environment(home, served.url):
        served.clear()
        yield _shared_runs(TRANSIENT, served, archive_dir, home)
        served.clear()


@pytest.mark.parametrize("name", list(TRANSIENT))
def test_a_transient_fault_is_retried_within_the_run(baseline: Figures, transient: Runs, name: str) -> None:
    _judged(name, "test_a_transient_fault_is_retried_within_the_run", "retried within the run; the document loads",
            baseline, transient)
    path = transient.target[name]
    assert transient.after.of(path).latest == baseline.of(path).latest  # not even missing after the fault
    attempts = transient.attempts[name]
    assert len(attempts) >= 2 and attempts[1][:2] == (200, None)
    assert attempts[0][0] != 200 or attempts[0][1] is not None
    if "Retry-After" in name:
        assert attempts[0][3] == 1.0


# -- lasting: that document fails, the others load, the next run gets it -------------------------

LASTING: dict[str, list[Fault] | Fault] = {
    "dripping server": Fault("drip", seconds=0.05),
    "oversize body": Fault("oversize", size=21 * 1024 * 1024),
    "challenge page": Fault("status", 403, {"Content-Type": "text/html"}, CHALLENGE_HTML),
    "redirect loop": Fault("redirect", location="?again"),  # the same path: the loop
    "redirect off the allow-list": Fault("redirect", location="http://evil.example/report"),
    "wrong content type": Fault("status", 200, {"Content-Type": "application/pdf"},
                                b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n"),
}
WHAT = {
    "dripping server": "each attempt ends at the deadline; the document fails, the next run gets it",
    "oversize body": "refused past 20 MB, not retried",
    "challenge page": "a failed fetch, never an empty document",
    "redirect loop": "stopped after 5 hops",
    "redirect off the allow-list": "refused before any request to that host",
    "wrong content type": "parsed as what it is (no figures); the rest loads",
}


@pytest.fixture(scope="module")
def lasting(baseline: Figures, served: FaultyArchive, archive_dir: Path,
            tmp_path_factory: pytest.TempPathFactory) -> Any:
    home = tmp_path_factory.mktemp("lasting") / "home"
    with environment(home, served.url):
        served.clear()
        yield _shared_runs(LASTING, served, archive_dir, home)
        served.clear()


@pytest.mark.parametrize("name", list(LASTING))
def test_a_lasting_fault_fails_one_document_and_the_next_run_gets_it(
    baseline: Figures, lasting: Runs, name: str
) -> None:
    _judged(name, "test_a_lasting_fault_fails_one_document_and_the_next_run_gets_it", WHAT[name], baseline, lasting)
    path = lasting.target[name]
    assert not lasting.after.of(path).latest  # that report's figures were missing, and only that report's
    attempts = lasting.attempts[name]
    failed = [a for a in attempts if a[0] != 200 or a[1] is not None]
    if name == "wrong content type":
        assert [a[:2] for a in attempts] == [(200, None), (200, None)]  # fetched fine: it is the content
        return
    assert failed and [a[:2] for a in attempts if a not in failed] == [(200, None)]  # the re-run's one fetch
    if name == "dripping server":
        assert all(a[2] < (DEADLINE_S + 1.5) * 1000 for a in failed), [a[2] for a in failed]
        assert failed[-1][1] == f"timeout: no complete answer within {DEADLINE_S:g} s"
    if name == "oversize body":
        assert len(failed) == 1 and "20971520-byte cap" in (failed[0][1] or "")
    if name == "redirect loop":
        assert len(failed) == 6


def test_a_sitemap_of_ten_thousand_urls_fetches_only_the_reports(
    baseline: Figures, home: Path, archive_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """10,000 entries, of which the 7 reports: discovery reads them all and fetches only the reports."""
    site = tmp_path / "big-site"
    shutil.copytree(archive_dir, site)
    sitemap = (site / "post-sitemap.xml").read_text(encoding="utf-8")
    others = "".join(
        f"<url><loc>https://understandingwar.org/research/middle-east/iran-update-{day}</loc>"
        f"<lastmod>2025-01-01T00:00:00+00:00</lastmod></url>\n"
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
                    "read whole; only the reports fetched", baseline, after, final, first_state=state.name,
                    rerun_state=again.name)
    assert (verdict.lost, verdict.duplicated, verdict.converged) == (0, 0, True), verdict
    assert not state.is_failed(), state.message
    assert len(requested) == 2 + len(report_paths(archive_dir))  # index, post sitemap, the reports
