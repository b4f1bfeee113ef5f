"""GX Data Docs built from validation results stored in a real DuckDB warehouse."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
from great_expectations.data_context import project_manager

from expectations.data_docs import DataDocsError, StoredValidation, build_data_docs, stored_validations
from expectations.validate import DEFAULT_SUITE_PATH, validate_batch
from extractors.observation import Observation
from tests.observations import isw_gain
from warehouse.db import connect
from warehouse.load import observations_frame

TODAY = date(2025, 6, 1)
FIRST_RUN_AT = datetime(2025, 4, 2, 6, 0, 0, 123456, tzinfo=UTC)
SECOND_RUN_AT = datetime(2025, 4, 3, 6, 0, tzinfo=UTC)
THIRD_RUN_AT = datetime(2025, 4, 4, 6, 0, tzinfo=UTC)
SUITE = json.loads(DEFAULT_SUITE_PATH.read_text(encoding="utf-8"))["name"]
NEGATIVE_GAIN = -4321.0  # fails the suite's critical "value is never negative"


def store_validation(
    con: duckdb.DuckDBPyConnection, run_id: str, validated_at: datetime, observations: list[Observation]
) -> None:
    """Validate a real batch and store its result the way warehouse.load records a batch's validation."""
    outcome = validate_batch(observations_frame(observations), today=TODAY)
    con.execute(
        "INSERT INTO validation_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, "isw", outcome.suite_name, validated_at, outcome.success, len(observations),
         len(outcome.quarantined), int(outcome.warned), json.dumps([r.to_dict() for r in outcome.results]),
         outcome.to_json()],
    )


def validation_page(site: Path, run_id: str, validated_at: datetime) -> Path:
    """Where GX files the page of a result: suite / run name / run time / batch identifier."""
    run_time = validated_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    return site / "validations" / SUITE / run_id / run_time / f"isw-{run_id}.html"


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = connect(tmp_path / "warehouse.duckdb")
    yield connection
    connection.close()


def test_docs_show_each_run_and_keep_earlier_pages(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    docs = tmp_path / "data_docs"
    failing = isw_gain(value=NEGATIVE_GAIN, period_end=date(2025, 3, 30))
    store_validation(con, "run-1", FIRST_RUN_AT, [isw_gain(), failing])

    current_gx_context = project_manager.get_current_project()

    index = build_data_docs(docs, stored_validations(con))

    assert index == docs / "site" / "index.html"
    assert project_manager.get_current_project() is current_gx_context  # validation's, not the docs project
    first_page = validation_page(index.parent, "run-1", FIRST_RUN_AT)
    index_html = index.read_text(encoding="utf-8")
    assert f"'_expectation_suite_name_sort': '{SUITE}'" in index_html
    assert "'run_name': 'run-1'" in index_html
    assert f"'_table_row_link_path': '{first_page.relative_to(index.parent).as_posix()}'" in index_html
    page = first_page.read_text(encoding="utf-8")
    assert "Failed" in page
    assert f">{NEGATIVE_GAIN}<" in page  # the unexpected value, in GX's table of unexpected values
    assert "1 unexpected values found. 50% of 2 total rows." in page

    store_validation(con, "run-2", SECOND_RUN_AT, [isw_gain()])
    assert build_data_docs(docs, stored_validations(con)) == index  # run-1 again: its page is kept as it was

    index_html = index.read_text(encoding="utf-8")
    assert "'run_name': 'run-1'" in index_html
    assert "'run_name': 'run-2'" in index_html
    assert first_page.read_text(encoding="utf-8") == page
    second_page = validation_page(index.parent, "run-2", SECOND_RUN_AT).read_text(encoding="utf-8")
    assert "Succeeded" in second_page
    assert str(NEGATIVE_GAIN) not in second_page
    project = (docs / "gx" / "great_expectations.yml").read_text(encoding="utf-8")
    assert "analytics_enabled: false" in project
    assert "local_site" not in project  # GX's default site, replaced by ours


def test_a_deleted_site_is_rebuilt_from_the_gx_project(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    store_validation(con, "run-1", FIRST_RUN_AT, [isw_gain()])
    index = build_data_docs(tmp_path / "data_docs", stored_validations(con))
    shutil.rmtree(index.parent)

    assert build_data_docs(tmp_path / "data_docs", []) == index

    assert validation_page(index.parent, "run-1", FIRST_RUN_AT).is_file()
    assert "'run_name': 'run-1'" in index.read_text(encoding="utf-8")


def test_every_suite_file_gets_a_page_with_or_without_results(tmp_path: Path) -> None:
    index = build_data_docs(tmp_path / "data_docs", [])

    names = [json.loads(p.read_text(encoding="utf-8"))["name"] for p in DEFAULT_SUITE_PATH.parent.glob("*.json")]
    assert names
    for name in names:
        assert (index.parent / "expectations" / f"{name}.html").is_file(), name
        assert f"'_table_row_link_path': 'expectations/{name}.html'" in index.read_text(encoding="utf-8")


def test_stored_validations_since_filters(con: duckdb.DuckDBPyConnection) -> None:
    for run_id, at in (("run-1", FIRST_RUN_AT), ("run-2", SECOND_RUN_AT), ("run-3", THIRD_RUN_AT)):
        store_validation(con, run_id, at, [isw_gain()])

    everything = stored_validations(con)
    assert [(v.run_id, v.validated_at) for v in everything] == [
        ("run-1", FIRST_RUN_AT), ("run-2", SECOND_RUN_AT), ("run-3", THIRD_RUN_AT)
    ]
    assert [v.run_id for v in stored_validations(con, since=SECOND_RUN_AT)] == ["run-2", "run-3"]
    assert stored_validations(con, since=datetime(2025, 4, 5, tzinfo=UTC)) == []
    first = everything[0]
    assert (first.source, first.suite, first.batch_identifier) == ("isw", SUITE, "isw-run-1")
    assert first.result["suite_name"] == SUITE
    assert len(first.result["results"]) > 0
    with pytest.raises(ValueError, match="timezone-aware"):
        stored_validations(con, since=datetime(2025, 4, 2))


def test_a_result_gx_refuses_is_named_and_the_others_still_built(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    store_validation(con, "run-1", FIRST_RUN_AT, [isw_gain()])
    good = stored_validations(con)[0]
    broken = StoredValidation("run-9", "isw", SUITE, SECOND_RUN_AT, {**good.result, "results": "not a list"})

    with pytest.raises(DataDocsError) as raised:
        build_data_docs(tmp_path / "data_docs", [good, broken])

    message = str(raised.value)
    assert "run-9 (isw): GX refused the result" in message
    assert "\n" not in message
    site = tmp_path / "data_docs" / "site"
    assert validation_page(site, "run-1", FIRST_RUN_AT).is_file()
    assert "'run_name': 'run-9'" not in (site / "index.html").read_text(encoding="utf-8")


def test_a_page_gx_cannot_render_is_named(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    store_validation(con, "run-1", FIRST_RUN_AT, [isw_gain()])
    stored = stored_validations(con)[0]
    result = json.loads(json.dumps(stored.result))
    # A result GX loads but has no renderer for: an expectation type this GX does not know.
    result["results"][0]["expectation_config"]["type"] = "expect_column_values_to_be_retired"
    retired = StoredValidation("run-2", "isw", SUITE, SECOND_RUN_AT, result)

    with pytest.raises(DataDocsError) as raised:
        build_data_docs(tmp_path / "data_docs", [stored, retired])

    message = str(raised.value)
    assert "GX could not render a page (validation: run name: run-2," in message
    assert "expect_column_values_to_be_retired not found" in message
    assert "\n" not in message
    site = tmp_path / "data_docs" / "site"
    assert validation_page(site, "run-1", FIRST_RUN_AT).is_file()
    assert not validation_page(site, "run-2", SECOND_RUN_AT).exists()


def test_gx_failing_to_build_raises_one_line(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    store_validation(con, "run-1", FIRST_RUN_AT, [isw_gain()])
    not_a_directory = tmp_path / "data_docs"
    not_a_directory.write_text("a file where the docs should go", encoding="utf-8")

    with pytest.raises(DataDocsError, match=r"^GX could not build the data docs under .*data_docs: ") as raised:
        build_data_docs(not_a_directory, stored_validations(con))
    assert "\n" not in str(raised.value)


def test_a_naive_validation_time_is_refused() -> None:
    with pytest.raises(ValueError, match="run-1 must be timezone-aware"):
        StoredValidation("run-1", "isw", SUITE, datetime(2025, 4, 2, 6, 0), {})
