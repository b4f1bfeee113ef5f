"""Checks against what is stored: a real DuckDB warehouse, the repo's per-source GX suites."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from extractors.catalogue import WAR_START
from extractors.observation import Observation
from flows.pipeline import validate_observations
from tests.observations import genstaff_count
from warehouse.db import connect
from warehouse.load import LoadBatch, append_observations, load_batch, observations_frame
from warehouse.validation_context import figure_in_quote, with_stored_context

TODAY = date(2025, 7, 1)
PERSONNEL_NEVER_FALLS = (
    'expect_column_pair_values_a_to_be_greater_than_b(value, previous_value) if metric == "personnel_cumulative"'
)
EQUIPMENT_CORRECTED = (
    'expect_column_pair_values_a_to_be_greater_than_b(value, previous_value) if metric != "personnel_cumulative"'
)
RESTATEMENT = "expect_column_values_to_be_between(restatement_change)"


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with connect(tmp_path / "warehouse.duckdb") as connection:
        yield connection


def mod(metric: str, start: date, end: date, value: float, quote: str, *, published: date, url: str,
        qualifier: str = "exact", unit: str = "persons") -> Observation:
    return Observation(
        source="ukmod", metric=metric, period_start=start, period_end=end, value=value, unit=unit, quote=quote,
        published_at=published, parser_version="ukmod-1", qualifier=qualifier, url=url, document_sha256=url,
    )


def store(con: duckdb.DuckDBPyConnection, observations: list[Observation]) -> None:
    append_observations(con, observations_frame(observations), "stored-run", datetime.now(UTC) - timedelta(days=1))


def test_a_general_staff_personnel_total_below_the_previous_report_is_quarantined(
    con: duckdb.DuckDBPyConnection,
) -> None:
    store(con, [genstaff_count(date(2025, 3, 1) + timedelta(days=i), 880_000 + 1_200 * i) for i in range(10)])
    batch = observations_frame([genstaff_count(date(2025, 3, 11), 879_500), genstaff_count(date(2025, 3, 12), 893_400)])
    validated = validate_observations(batch, source="genstaff", today=TODAY, con=con)

    assert list(validated.quarantined["value"]) == [879_500.0]
    assert list(validated.quarantined["failed_expectations"].iloc[0]) == [PERSONNEL_NEVER_FALLS]
    reason = validated.quarantined["reason"].iloc[0]
    assert "previous_value=890800.0" in reason and "previous_period_end=2025-03-10" in reason
    # The next day is compared with the last report kept in order (the bad one in the batch): it rose.
    assert list(validated.valid["value"]) == [893_400.0]


def test_a_small_equipment_correction_loads_flagged_and_a_large_fall_is_quarantined(
    con: duckdb.DuckDBPyConnection,
) -> None:
    store(con, [genstaff_count(date(2025, 4, 21), 1_368, "mlrs_cumulative"),
                genstaff_count(date(2025, 4, 21), 3_700, "special_military_equip_cumulative")])
    batch = observations_frame([genstaff_count(date(2025, 4, 22), 1_367, "mlrs_cumulative"),
                                genstaff_count(date(2025, 4, 22), 3_300, "special_military_equip_cumulative")])
    validated = validate_observations(batch, source="genstaff", today=TODAY, con=con)

    assert list(validated.valid["metric"]) == ["mlrs_cumulative"]
    assert list(validated.warnings["expectation"]) == [EQUIPMENT_CORRECTED]
    assert list(validated.quarantined["metric"]) == ["special_military_equip_cumulative"]
    assert "decrease_share" in validated.quarantined["reason"].iloc[0]


def test_a_day_far_above_the_trailing_median_is_a_warning(con: duckdb.DuckDBPyConnection) -> None:
    store(con, [genstaff_count(date(2025, 5, 1) + timedelta(days=i), 950_000 + 1_000 * i) for i in range(31)])
    # The last stored report (May 31) says 980,000: 6,000 more in a day is 6 times the median.
    batch = observations_frame([genstaff_count(date(2025, 6, 1), 980_000 + 6_000)])
    validated = validate_observations(batch, source="genstaff", today=TODAY, con=con)

    assert validated.quarantined.empty
    (detail,) = validated.warnings["detail"]
    assert detail.startswith("expect_column_values_to_be_between(increase_over_median): increase_over_median=6.0")
    assert "trailing_median_increase=1000.0" in detail


def test_a_restatement_over_half_loads_with_a_warning_naming_both_versions(
    con: duckdb.DuckDBPyConnection,
) -> None:
    first_url, second_url = "http://127.0.0.1/2/tweets/1", "http://127.0.0.1/2/tweets/2"
    store(con, [mod("casualties_cumulative", WAR_START, date(2024, 5, 31), 465_000,
                    "Russia has likely suffered over 465,000 casualties.", published=date(2024, 6, 1),
                    url=first_url, qualifier="over")])
    restated = mod("casualties_cumulative", WAR_START, date(2024, 5, 31), 1_020_000,
                   "Russian casualties by the end of May 2024 are now assessed at 1,020,000.",
                   published=date(2024, 6, 20), url=second_url)
    validated = validate_observations(observations_frame([restated]), source="ukmod", today=TODAY, con=con)
    assert validated.quarantined.empty and len(validated.valid) == 1
    result = load_batch(con, LoadBatch(run_id="run-2", source="ukmod", recorded_at=datetime.now(UTC),
                                       observations=validated.valid, warnings=validated.warnings))

    assert result.rows_appended == 1
    versions = con.execute("SELECT version, value FROM observations ORDER BY version").fetchall()
    assert versions == [(1, 465_000.0), (2, 1_020_000.0)]
    (expectation, detail), = con.execute("SELECT expectation, detail FROM validation_warnings").fetchall()
    assert expectation == RESTATEMENT
    for named in ("stored_version=1", "stored_value=465000.0", first_url, "value=1020000.0", second_url):
        assert named in detail


def test_a_rate_that_disagrees_with_the_area_of_its_period_is_a_warning(con: duckdb.DuckDBPyConnection) -> None:
    november = (date(2024, 11, 1), date(2024, 11, 26))
    store(con, [mod("territory_gained", *november, 574, "Russian forces gained 574 square kilometers.",
                    published=date(2024, 11, 27), url="http://127.0.0.1/a", unit="km2")])
    agrees = mod("territory_gain_rate", *november, 22, "an average of 22 square kilometers per day",
                 published=date(2024, 11, 27), url="http://127.0.0.1/a", unit="km2_per_day")
    disagrees = mod("territory_gain_rate", *november, 30, "an average of 30 square kilometers per day",
                    published=date(2024, 11, 28), url="http://127.0.0.1/b", unit="km2_per_day")
    context = with_stored_context(con, observations_frame([agrees]))
    assert round(float(context["implied_km2_ratio"].iloc[0]), 3) == round(22 * 26 / 574, 3)

    validated = validate_observations(observations_frame([disagrees]), source="ukmod", today=TODAY, con=con)
    (detail,) = validated.warnings["detail"]
    assert "implied_km2_ratio" in detail and "territory_gained_same_period=574.0" in detail


@pytest.mark.parametrize(("quote", "value", "expected"), [
    ("gained 203 square kilometers in March 2025", 203.0, True),
    ("an average of 1,271 casualties per day", 1271.0, True),
    ("about 100 square miles", 259.0, True),  # stored in km2, written in square miles
    ("up to a quarter of a million killed", 250_000.0, True),
    ("between 150,000 and 190,000", 170_000.0, False),  # the midpoint alone is not written...
    ("an average of 1,2711 casualties per day", 1271.0, False),  # OCR damage: not the stored figure
    ("", 5.0, False),
])
def test_the_figure_must_appear_in_its_quote(quote: str, value: float, expected: bool) -> None:
    assert figure_in_quote(quote, value) is expected


def test_a_range_is_found_in_its_quote_through_its_bounds() -> None:
    assert figure_in_quote("between 150,000 and 190,000", 170_000.0, 150_000.0, 190_000.0)
