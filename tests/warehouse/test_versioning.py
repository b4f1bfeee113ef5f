"""Versioned, idempotent appends (DESIGN.md §4) on a real DuckDB file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from extractors.observation import Observation
from warehouse.db import connect
from warehouse.load import LoadBatch, append_observations, load_batch, observations_frame

T0 = datetime(2025, 6, 1, tzinfo=UTC)

MARCH = Observation(
    source="isw", metric="territory_gained", period_start=date(2025, 3, 1), period_end=date(2025, 3, 31),
    value=203.0, unit="km2", quote="Russian forces gained 203 square kilometers in March.",
    published_at=date(2025, 4, 1), parser_version="isw-1", url="http://127.0.0.1/a", document_sha256="a" * 64,
)


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with connect(tmp_path / "w.duckdb") as connection:
        yield connection


def _append(con: duckdb.DuckDBPyConnection, observations: list[Observation], run: int) -> int:
    return append_observations(con, observations_frame(observations), f"run-{run}", T0 + timedelta(hours=run))


def _values(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[float, int]]:
    return con.execute(f"SELECT value, version FROM {relation} ORDER BY version").fetchall()


def test_the_same_documents_again_append_nothing(con: duckdb.DuckDBPyConnection) -> None:
    later = replace(MARCH, published_at=date(2025, 4, 2), document_sha256="b" * 64)
    assert _append(con, [MARCH, later], 1) == 1  # a later report repeating the figure adds nothing
    assert _append(con, [MARCH, later], 2) == 0
    assert _values(con, "observations") == [(203.0, 1)]


def test_a_changed_figure_is_a_new_version_and_the_as_of_query_still_sees_the_old(
    con: duckdb.DuckDBPyConnection,
) -> None:
    _append(con, [MARCH], 1)
    revised = replace(MARCH, value=205.0, document_sha256="c" * 64)
    assert _append(con, [revised], 2) == 1
    assert _values(con, "observations_latest") == [(205.0, 2)]
    before_revision = (T0 + timedelta(hours=1, minutes=30)).isoformat()
    assert con.execute(
        "SELECT value, version FROM observations_as_of(?)", [before_revision]
    ).fetchall() == [(203.0, 1)]
    history = con.execute("SELECT value, is_current FROM observations_history ORDER BY version").fetchall()
    assert history == [(203.0, False), (205.0, True)]


def test_an_older_bulletin_read_late_enters_history_without_becoming_current(
    con: duckdb.DuckDBPyConnection,
) -> None:
    _append(con, [MARCH], 1)
    older = replace(MARCH, value=190.0, published_at=date(2025, 3, 20), document_sha256="d" * 64)
    assert _append(con, [older], 2) == 1
    assert _values(con, "observations_latest") == [(203.0, 1)]
    assert _append(con, [older, MARCH], 3) == 0


def test_a_range_or_qualifier_change_is_a_new_version(con: duckdb.DuckDBPyConnection) -> None:
    _append(con, [MARCH], 1)
    approximate = replace(MARCH, qualifier="approximately", document_sha256="e" * 64)
    assert _append(con, [approximate], 2) == 1
    ranged = replace(approximate, value_low=200.0, value_high=206.0, qualifier="range", document_sha256="f" * 64)
    assert _append(con, [ranged], 3) == 1
    assert con.execute("SELECT max(version) FROM observations").fetchone() == (3,)


def test_claims_and_assessments_are_separate_series(con: duckdb.DuckDBPyConnection) -> None:
    claim = replace(MARCH, value=4900.0, assessment="claimed")
    assert _append(con, [MARCH, claim], 1) == 2
    assert con.execute("SELECT count(*) FROM observations_latest").fetchone() == (2,)


def test_recorded_at_and_run_id_are_written_explicitly(con: duckdb.DuckDBPyConnection) -> None:
    _append(con, [MARCH], 7)
    recorded_at, run_id = con.execute("SELECT recorded_at, run_id FROM observations").fetchone()
    assert recorded_at == T0 + timedelta(hours=7)
    assert run_id == "run-7"


def test_a_failing_batch_leaves_nothing_behind(con: duckdb.DuckDBPyConnection) -> None:
    _append(con, [MARCH], 1)
    good = replace(MARCH, value=300.0, document_sha256="g" * 64)
    frame = observations_frame([good])
    frame.loc[0, "unit"] = None  # violates NOT NULL: the whole batch must roll back
    batch = LoadBatch(run_id="run-2", source="isw", recorded_at=T0 + timedelta(hours=2), observations=frame,
                      parsed=[("g" * 64, "isw-1", 1)])
    with pytest.raises(duckdb.Error):
        load_batch(con, batch)
    assert _values(con, "observations") == [(203.0, 1)]
    assert con.execute("SELECT count(*) FROM parsed_documents").fetchone() == (0,)
