"""Data Docs built from real GX validation results stored in a real DuckDB warehouse, read as files
and as headless Chromium shows them served on 127.0.0.1."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
from lxml import html as lxml_html

from expectations.data_docs import DataDocsError, build_data_docs
from expectations.validate import DEFAULT_SUITE_PATH, validate_batch
from extractors.observation import Observation
from flows.archive_server import serve_archive
from tests.chromium import needs_chromium, rendered_dom
from tests.observations import isw_gain
from warehouse.db import connect
from warehouse.load import observations_frame

TODAY = date(2025, 6, 1)
FIRST_RUN_AT = datetime(2025, 4, 2, 6, 0, 0, 123456, tzinfo=UTC)
SECOND_RUN_AT = datetime(2025, 4, 3, 6, 0, tzinfo=UTC)
THIRD_RUN_AT = datetime(2025, 4, 4, 6, 0, tzinfo=UTC)
SUITE = json.loads(DEFAULT_SUITE_PATH.read_text(encoding="utf-8"))["name"]
SUITES = sorted(json.loads(p.read_text(encoding="utf-8"))["name"] for p in DEFAULT_SUITE_PATH.parent.glob("*.json"))
NEGATIVE_GAIN = -4321.0  # fails the suite's critical "value is never negative"
# A restated figure more than 50 % off the stored one: the suite's warning (the row loads, flagged).
RESTATED = {"stored_value": 100.0, "stored_version": 1, "restatement_change": 2.0}


def store_validation(con: duckdb.DuckDBPyConnection, run_id: str, validated_at: datetime,
                     observations: list[Observation], *, status: str | None = None,
                     context: dict[str, float] | None = None) -> None:
    """Validate a real batch and store its result the way warehouse.load records a batch's
    validation; with `status`, the run's ingest_runs row as the flow finishes it."""
    frame = observations_frame(observations)
    for name, value in (context or {}).items():
        frame[name] = value
    outcome = validate_batch(frame, today=TODAY)
    con.execute(
        "INSERT INTO validation_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, "isw", outcome.suite_name, validated_at, outcome.success, len(observations),
         len(outcome.quarantined), int(outcome.warned), json.dumps([r.to_dict() for r in outcome.results]),
         outcome.to_json()],
    )
    if status is not None:
        con.execute(
            "INSERT INTO ingest_run_events (run_id, source, mode, started_at, finished_at, status, message) "
            "VALUES (?, 'isw', 'incremental', ?, ?, ?, ?)",
            [run_id, validated_at, validated_at, status, f"isw incremental: run {run_id}"],
        )


def validation_pages(index: Path) -> list[Path]:
    return sorted((index.parent / "validations").rglob("*.html"))


def index_rows(page: str) -> list[list[str]]:
    """The cells' text of each row of the index's validations table."""
    tree = lxml_html.fromstring(page)
    return [[" ".join(cell.text_content().split()) for cell in row.xpath("./td")]
            for row in tree.xpath('//table[@id="validations"]/tbody/tr')]


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = connect(tmp_path / "warehouse.duckdb")
    yield connection
    connection.close()


@pytest.fixture
def three_runs(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A run that quarantined a row (Failed), one with only a warning, one with nothing wrong."""
    store_validation(con, "run-1", FIRST_RUN_AT, [isw_gain(), isw_gain(value=NEGATIVE_GAIN,
                                                                      period_end=date(2025, 3, 30))],
                     status="failed")
    store_validation(con, "run-2", SECOND_RUN_AT, [isw_gain()], status="completed_with_warnings", context=RESTATED)
    store_validation(con, "run-3", THIRD_RUN_AT, [isw_gain()], status="completed")
    return con


def test_the_index_lists_every_validation_with_its_runs_final_state(
    three_runs: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    index = build_data_docs(tmp_path / "data_docs", three_runs)

    assert index == tmp_path / "data_docs" / "site" / "index.html"
    rows = index_rows(index.read_text(encoding="utf-8"))
    # Newest run first: validated at, source, suite, run state, batch outcome, checked, quarantined, warned.
    assert [row[1:8] for row in rows] == [
        ["isw", SUITE, "Completed", "passed", "1", "0", "0"],
        ["isw", SUITE, "Completed with warnings", "passed with warnings", "1", "0", "1"],
        ["isw", SUITE, "Failed", "rows quarantined", "2", "1", "0"],
    ]
    assert [row[0] for row in rows] == ["2025-04-04 06:00:00 UTC", "2025-04-03 06:00:00 UTC",
                                        "2025-04-02 06:00:00 UTC"]


def test_each_validation_page_shows_every_expectation_and_what_it_found(
    three_runs: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    index = build_data_docs(tmp_path / "data_docs", three_runs)
    pages = validation_pages(index)
    assert len(pages) == 3
    failed_page = next(p for p in pages if "run-1" in p.parts)
    tree = lxml_html.fromstring(failed_page.read_text(encoding="utf-8"))
    expectations = tree.xpath('//table[@id="expectations"]/tbody/tr')
    gx_result = json.loads(three_runs.execute(
        "SELECT result FROM validation_results WHERE run_id = 'run-1'").fetchone()[0])
    assert len(expectations) == len(gx_result["results"])
    first = [" ".join(td.text_content().split()) for td in expectations[0].xpath("./td")]
    # Failures first: the critical one, with the unexpected value GX kept.
    assert first[0:2] == ["failed", "critical"]
    assert "value" in first[2] and first[4:6] == ["2", "1"] and str(NEGATIVE_GAIN) in first[6]
    assert "Failed" in tree.xpath("//table[1]//tr[1]/td")[0].text_content()

    warned_page = next(p for p in pages if "run-2" in p.parts).read_text(encoding="utf-8")
    assert "Completed with warnings" in warned_page and ">Failed<" not in warned_page
    assert "restatement_change" in warned_page


def test_a_later_build_adds_the_new_pages_and_leaves_the_earlier_ones(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    store_validation(con, "run-1", FIRST_RUN_AT, [isw_gain()], status="completed")
    index = build_data_docs(tmp_path / "data_docs", con)
    [first_page] = validation_pages(index)
    first_page.write_text("kept as it was", encoding="utf-8")  # a page a later build must not rewrite

    store_validation(con, "run-2", SECOND_RUN_AT, [isw_gain()], status="completed")
    assert build_data_docs(tmp_path / "data_docs", con, since=SECOND_RUN_AT) == index

    assert first_page.read_text(encoding="utf-8") == "kept as it was"
    assert len(validation_pages(index)) == 2
    assert len(index_rows(index.read_text(encoding="utf-8"))) == 2
    first_page.unlink()  # a page gone missing is written again, whatever `since` says
    build_data_docs(tmp_path / "data_docs", con, since=SECOND_RUN_AT)
    assert "run-1" in first_page.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="timezone-aware"):
        build_data_docs(tmp_path / "data_docs", con, since=datetime(2025, 4, 2))


def test_every_suite_file_gets_a_page_with_or_without_results(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    index = build_data_docs(tmp_path / "data_docs", con)

    page = index.read_text(encoding="utf-8")
    assert "No validation results are stored yet" in page
    listed = lxml_html.fromstring(page).xpath('//ul[@id="suites"]/li/a/text()')
    assert listed == SUITES
    for name in SUITES:
        suite = json.loads((DEFAULT_SUITE_PATH.parent / f"{name}.json").read_text(encoding="utf-8"))
        rows = lxml_html.fromstring((index.parent / "suites" / f"{name}.html").read_text(encoding="utf-8")).xpath(
            '//table[@id="expectations"]/tbody/tr')
        assert len(rows) == len(suite["expectations"]), name


def test_the_pages_fetch_nothing(three_runs: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    index = build_data_docs(tmp_path / "data_docs", three_runs)
    for page in [index, *validation_pages(index), *(index.parent / "suites").glob("*.html")]:
        text = page.read_text(encoding="utf-8")
        for fetching in ("<script", "<link", "src=", "@import", "url("):
            assert fetching not in text, (page.name, fetching)
        assert not re.search(r'href="(?!#)[a-z]+:', text), page.name  # every link stays inside the site


def test_a_stored_result_that_is_not_a_gx_result_is_named_and_the_others_still_built(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    store_validation(con, "run-1", FIRST_RUN_AT, [isw_gain()], status="completed")
    con.execute(
        "INSERT INTO validation_results VALUES ('run-9', 'isw', ?, ?, true, 1, 0, 0, '[]', ?)",
        [SUITE, SECOND_RUN_AT, json.dumps({"results": "not a list"})],
    )

    with pytest.raises(DataDocsError) as raised:
        build_data_docs(tmp_path / "data_docs", con)

    message = str(raised.value)
    assert "run-9 (isw)" in message and "is not a GX result" in message and "\n" not in message
    site = tmp_path / "data_docs" / "site"
    assert [p.parts[-2] for p in validation_pages(site / "index.html")] == ["run-1"]
    assert "no page: the stored result is not a GX result" in (site / "index.html").read_text(encoding="utf-8")


def test_a_site_that_cannot_be_written_raises_one_line(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    store_validation(con, "run-1", FIRST_RUN_AT, [isw_gain()], status="completed")
    not_a_directory = tmp_path / "data_docs"
    not_a_directory.write_text("a file where the docs should go", encoding="utf-8")

    with pytest.raises(DataDocsError, match=r"^data docs under .*data_docs not written: ") as raised:
        build_data_docs(not_a_directory, con)
    assert "\n" not in str(raised.value)


@needs_chromium
def test_chromium_shows_the_lists_populated_and_the_status_words_of_each_run(
    three_runs: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    index = build_data_docs(tmp_path / "data_docs", three_runs)
    with serve_archive(index.parent) as url:
        dom = rendered_dom(f"{url}/")
        first_link = lxml_html.fromstring(dom).xpath('//table[@id="validations"]/tbody/tr[1]/td[1]/a/@href')[0]
        page_dom = rendered_dom(f"{url}/{first_link}")

    rows = index_rows(dom)
    assert [(row[3], row[4]) for row in rows] == [
        ("Completed", "passed"), ("Completed with warnings", "passed with warnings"), ("Failed", "rows quarantined"),
    ]
    assert lxml_html.fromstring(dom).xpath('//ul[@id="suites"]/li/a/text()') == SUITES
    # Styled: the page's own stylesheet reached the browser (a status word has its colour).
    assert "status-completed_with_warnings" in dom and "<style>" in dom
    expectations = lxml_html.fromstring(page_dom).xpath('//table[@id="expectations"]/tbody/tr')
    assert len(expectations) == len(json.loads(three_runs.execute(
        "SELECT result FROM validation_results WHERE run_id = 'run-3'").fetchone()[0])["results"])
