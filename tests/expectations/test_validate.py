"""The observation suite and its runner, with real GX on DataFrames built from Observation objects."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from expectations.validate import (
    DEFAULT_SUITE_PATH,
    ExpectationOutcome,
    SuiteError,
    ValidationOutcome,
    ValidationRunError,
    load_suite,
    validate_batch,
)
from extractors import catalogue
from extractors.observation import OBSERVATION_FIELDS, Observation
from tests.observations import isw_gain

TODAY = date(2025, 6, 1)
WAR_START = catalogue.WAR_START

# The names the suite gives its expectations (type, columns and row condition).
NOT_NULL = "expect_column_values_to_not_be_null({})"
METRIC_KNOWN = 'expect_column_values_to_be_in_set(metric) if source != "genstaff"'
GENSTAFF_METRIC_SHAPE = 'expect_column_values_to_match_regex(metric) if source == "genstaff"'
UNIT_KNOWN = "expect_column_values_to_be_in_set(unit)"
KM2_UNIT_FOR_GAINS = 'expect_column_values_to_be_in_set(unit) if metric == "territory_gained"'
PERSONS_METRICS = [*(m for m, unit in catalogue.METRICS.items() if unit == "persons"), "personnel_cumulative"]
PERSONS_UNIT = f"expect_column_values_to_be_in_set(unit) if metric in {json.dumps(PERSONS_METRICS)}"
GENSTAFF_COUNT_UNIT = re.compile(
    r'^expect_column_values_to_be_in_set\(unit\) if source == "genstaff" and metric not in \['
)
PERIOD_ORDER = "expect_column_pair_values_a_to_be_greater_than_b(period_end, period_start)"
NOT_NEGATIVE = "expect_column_values_to_be_between({})"
AREA_LIMIT = 'expect_column_values_to_be_between(value) if unit == "km2"'
PUBLISHED_RANGE = "expect_column_values_to_be_between(published_at)"
MIDPOINT_ABOVE_LOW = "expect_column_pair_values_a_to_be_greater_than_b(value, value_low)"
MIDPOINT_BELOW_HIGH = "expect_column_pair_values_a_to_be_greater_than_b(value_high, value)"
RANGE_HAS_LOW = 'expect_column_values_to_not_be_null(value_low) if qualifier == "range"'
GENSTAFF_START = 'expect_column_values_to_be_between(period_start) if source == "genstaff"'
CUMULATIVE = '["casualties_cumulative", "killed_cumulative"]'
CUMULATIVE_NOT_BEFORE_WAR = f"expect_column_values_to_be_between(period_start) if metric in {CUMULATIVE}"
CUMULATIVE_FROM_WAR_START = (
    "expect_column_values_to_be_between(period_start) "
    f'if source != "genstaff" and subject != "KP" and metric in {CUMULATIVE}'
)
PERIOD_BEFORE_WAR = "expect_column_values_to_be_between(period_start)"
QUOTE_NOT_BLANK = "expect_column_values_to_match_regex(quote)"
URL_PRESENT = "expect_column_values_to_not_be_null(url)"


def clean_observations() -> dict[str, Observation]:
    """Real figures of DESIGN.md §1, one per kind of row the suite must accept."""
    mod = {"source": "ukmod", "parser_version": "ukmod-1", "confidence": "likely", "url": "http://127.0.0.1/mod/1"}
    staff = {"source": "genstaff", "parser_version": "genstaff-1", "url": "http://127.0.0.1/api/v2/statistics/2024-01-01"}
    return {
        "isw_march_gain": isw_gain(),
        "isw_rate": isw_gain(
            metric="territory_gain_rate", unit="km2_per_day", value=22.0, qualifier="approximately",
            period_start=date(2024, 11, 1), period_end=date(2024, 12, 26), published_at=date(2024, 12, 26),
        ),
        # Published on the very day the run happens: the future bound is inclusive.
        "isw_density": isw_gain(
            metric="casualties_per_km2", unit="persons_per_km2", value=35_370 / 499.28,
            period_start=date(2025, 5, 1), period_end=date(2025, 5, 31), published_at=TODAY,
        ),
        "isw_claim": isw_gain(
            value=4_900.0, assessment="claimed", period_start=date(2024, 1, 1), period_end=date(2024, 12, 31),
            published_at=date(2025, 1, 2),
        ),
        "mod_total": isw_gain(
            **mod, metric="casualties_cumulative", unit="persons", value=950_000.0, qualifier="approximately",
            period_start=WAR_START, period_end=date(2025, 5, 4), published_at=date(2025, 5, 4),
        ),
        "mod_daily": isw_gain(
            **mod, metric="casualties_daily_avg", unit="persons_per_day", value=899.0,
            period_start=date(2024, 4, 1), period_end=date(2024, 4, 30), published_at=date(2024, 5, 4),
        ),
        "mod_permanent": isw_gain(
            **mod, metric="killed_cumulative", unit="persons", value=170_000.0, value_low=150_000.0,
            value_high=190_000.0, qualifier="range",
            period_start=WAR_START, period_end=date(2025, 5, 4), published_at=date(2025, 5, 4),
        ),
        "staff_personnel": isw_gain(
            **staff, metric="personnel_cumulative", unit="persons", value=360_010.0, qualifier="approximately",
            period_start=WAR_START, period_end=date(2024, 1, 1), published_at=date(2024, 1, 1),
        ),
        "staff_tanks": isw_gain(
            **staff, metric="tanks_cumulative", unit="count", value=5_983.0,
            period_start=WAR_START, period_end=date(2024, 1, 1), published_at=date(2024, 1, 1),
        ),
        # A field the catalogue does not list yet: General Staff metrics are open-ended.
        "staff_new_field": isw_gain(
            **staff, metric="submarines_cumulative", unit="count", value=1.0,
            period_start=WAR_START, period_end=date(2024, 1, 1), published_at=date(2024, 1, 1),
        ),
    }


def frame_of(observations: dict[str, Observation]) -> pd.DataFrame:
    """What the flow builds: rows from Observation.to_dict(), here labelled by case name."""
    return pd.DataFrame([o.to_dict() for o in observations.values()], index=list(observations))


def write_suite(path: Path, *expectations: dict) -> Path:
    path.write_text(json.dumps({"name": path.stem, "expectations": list(expectations)}), encoding="utf-8")
    return path


# Each case breaks one row of an otherwise clean batch; all cases share one validation.
CRITICAL_CASES: dict[str, tuple[Observation, set[str]]] = {
    "unknown_metric": (isw_gain(metric="territory_lost"), {METRIC_KNOWN}),
    "unknown_unit": (isw_gain(unit="sq_mi"), {UNIT_KNOWN, KM2_UNIT_FOR_GAINS}),
    "unit_of_other_metric": (isw_gain(unit="persons"), {KM2_UNIT_FOR_GAINS}),
    "null_subject": (isw_gain(subject=None), {NOT_NULL.format("subject")}),
    "null_published_at": (isw_gain(published_at=None), {NOT_NULL.format("published_at")}),
    "unknown_source": (isw_gain(source="rybar"), {"expect_column_values_to_be_in_set(source)"}),
    "unknown_assessment": (isw_gain(assessment="rumoured"), {"expect_column_values_to_be_in_set(assessment)"}),
    "unknown_qualifier": (isw_gain(qualifier="about"), {"expect_column_values_to_be_in_set(qualifier)"}),
    "period_reversed": (isw_gain(period_start=date(2025, 3, 31), period_end=date(2025, 3, 1)), {PERIOD_ORDER}),
    "negative_value": (isw_gain(value=-203.0), {NOT_NEGATIVE.format("value")}),
    "area_beyond_ukraine": (isw_gain(value=700_000.0), {AREA_LIMIT}),
    "published_tomorrow": (isw_gain(published_at=TODAY + timedelta(days=1)), {PUBLISHED_RANGE}),
    "midpoint_above_range": (
        isw_gain(value=200_000.0, value_low=150_000.0, value_high=190_000.0, qualifier="range", unit="persons",
                 metric="casualties_in_period"),
        {MIDPOINT_BELOW_HIGH},
    ),
    "midpoint_below_range": (
        isw_gain(value=100.0, value_low=150.0, value_high=190.0, qualifier="range"),
        {MIDPOINT_ABOVE_LOW},
    ),
    "negative_lower_bound": (
        isw_gain(value=5.0, value_low=-10.0, value_high=20.0, qualifier="range"),
        {NOT_NEGATIVE.format("value_low")},
    ),
    "range_without_low": (isw_gain(value_high=250.0, qualifier="range"), {RANGE_HAS_LOW}),
    "cumulative_before_war": (
        isw_gain(source="ukmod", metric="casualties_cumulative", unit="persons", value=300_000.0,
                 period_start=date(2014, 4, 1), period_end=date(2025, 3, 31)),
        {CUMULATIVE_NOT_BEFORE_WAR},
    ),
    "genstaff_not_from_war_start": (
        replace(clean_observations()["staff_tanks"], period_start=date(2023, 1, 1)),
        {GENSTAFF_START},
    ),
}


def mixed_observations() -> dict[str, Observation]:
    return clean_observations() | {name: case for name, (case, _) in CRITICAL_CASES.items()}


@pytest.fixture(scope="module")
def mixed_outcome() -> ValidationOutcome:
    return validate_batch(frame_of(mixed_observations()), today=TODAY)


def test_clean_batch_is_all_valid() -> None:
    frame = frame_of(clean_observations())
    outcome = validate_batch(frame, today=TODAY)
    assert outcome.success
    assert not outcome.warned
    assert outcome.quarantined.empty
    assert list(outcome.valid.index) == list(frame.index)
    assert list(outcome.valid.columns) == [*frame.columns, "warnings", "warning_details"]
    assert outcome.valid["warnings"].map(len).sum() == 0
    pd.testing.assert_frame_equal(outcome.valid.drop(columns=["warnings", "warning_details"]), frame)
    assert outcome.statistics["rows"] == outcome.statistics["valid_rows"] == len(frame)
    assert outcome.statistics["unsuccessful_expectations"] == 0


@pytest.mark.parametrize("case", sorted(CRITICAL_CASES))
def test_each_critical_failure_quarantines_only_its_row(mixed_outcome: ValidationOutcome, case: str) -> None:
    _, expected_failures = CRITICAL_CASES[case]
    quarantined = mixed_outcome.quarantined
    assert case in quarantined.index
    assert set(quarantined.loc[case, "failed_expectations"]) == expected_failures
    for name in expected_failures:
        assert name in quarantined.loc[case, "reason"]


def test_mixed_batch_keeps_every_clean_row(mixed_outcome: ValidationOutcome) -> None:
    assert not mixed_outcome.success
    assert sorted(mixed_outcome.valid.index) == sorted(clean_observations())
    assert sorted(mixed_outcome.quarantined.index) == sorted(CRITICAL_CASES)
    assert mixed_outcome.statistics["quarantined_rows"] == len(CRITICAL_CASES)


def test_reason_shows_the_offending_values(mixed_outcome: ValidationOutcome) -> None:
    reasons = mixed_outcome.quarantined["reason"]
    assert reasons["negative_value"] == f"{NOT_NEGATIVE.format('value')}: value=-203.0"
    assert reasons["period_reversed"] == f"{PERIOD_ORDER}: period_end=2025-03-01, period_start=2025-03-31"
    assert reasons["null_subject"] == f"{NOT_NULL.format('subject')}: subject=null"


def test_results_describe_each_failed_expectation(mixed_outcome: ValidationOutcome) -> None:
    by_name = {result.name: result for result in mixed_outcome.results}
    area = by_name[AREA_LIMIT]
    assert (area.severity, area.success, area.unexpected_count) == ("critical", False, 1)
    assert area.columns == ("value",)
    assert area.examples == (700_000.0,)
    assert area.unexpected_index == ("area_beyond_ukraine",)
    assert area.row_condition == 'unit == "km2"'
    # The row condition narrows what GX looked at: only km2 rows.
    km2_rows = [o for o in mixed_observations().values() if o.unit == "km2"]
    assert area.element_count == len(km2_rows)
    assert by_name[NOT_NULL.format("value")].success
    assert len(by_name) == len(load_suite().expectations)


def test_warning_only_failures_load_flagged() -> None:
    observations = clean_observations() | {
        "no_url": isw_gain(url=None),
        "blank_quote": isw_gain(quote="   "),
        # "in 2022" is 2022-01-01..2022-12-31 by the period rules: unusual, not impossible.
        "year_2022": isw_gain(
            period_start=date(2022, 1, 1), period_end=date(2022, 12, 31), published_at=date(2023, 1, 3)
        ),
        # Curated North Korean losses count from the deployment, not from the invasion: not flagged.
        "kp_from_deployment": isw_gain(
            source="curated", subject="KP", metric="casualties_cumulative", unit="persons", value=4_700.0,
            period_start=date(2024, 10, 1), period_end=date(2025, 4, 30), published_at=date(2025, 4, 30),
        ),
        # A Russian total counted from 2023 is odd: worth a look.
        "ru_from_2023": isw_gain(
            source="curated", metric="casualties_cumulative", unit="persons", value=300_000.0,
            period_start=date(2023, 1, 1), period_end=date(2025, 4, 30), published_at=date(2025, 4, 30),
        ),
    }
    outcome = validate_batch(frame_of(observations), today=TODAY)
    assert outcome.success
    assert outcome.warned
    assert outcome.quarantined.empty
    warnings = outcome.valid["warnings"]
    assert warnings["no_url"] == [URL_PRESENT]
    assert warnings["blank_quote"] == [QUOTE_NOT_BLANK]
    assert warnings["year_2022"] == [PERIOD_BEFORE_WAR]
    assert warnings["kp_from_deployment"] == []
    assert warnings["ru_from_2023"] == [CUMULATIVE_FROM_WAR_START]
    assert warnings["isw_march_gain"] == []
    assert outcome.statistics["warned_rows"] == 4


@pytest.mark.parametrize(
    ("metric", "unit", "expected"),
    [
        ("tanks_cumulative", "count", set()),
        ("uav_systems_cumulative", "count", set()),
        ("Tanks_cumulative", "count", {GENSTAFF_METRIC_SHAPE}),
        ("tanks", "count", {GENSTAFF_METRIC_SHAPE}),
        ("tanks_cumulative", "persons", {"count rule"}),
        ("personnel_cumulative", "count", {PERSONS_UNIT}),
    ],
)
def test_genstaff_metrics_are_open_ended_but_shaped(metric: str, unit: str, expected: set[str]) -> None:
    row = replace(clean_observations()["staff_tanks"], metric=metric, unit=unit)
    outcome = validate_batch(frame_of({"row": row}), today=TODAY)
    if not expected:
        assert outcome.success
        assert list(outcome.valid.index) == ["row"]
        return
    failed = outcome.quarantined.loc["row", "failed_expectations"]
    if expected == {"count rule"}:
        assert len(failed) == 1 and GENSTAFF_COUNT_UNIT.match(failed[0])
    else:
        assert set(failed) == expected


def test_dates_may_be_dates_timestamps_or_iso_text() -> None:
    frame = frame_of(clean_observations() | {"negative": isw_gain(value=-1.0)})
    date_columns = ("period_start", "period_end", "published_at")
    as_timestamps = frame.assign(**{c: pd.to_datetime(frame[c]) for c in date_columns})
    as_text = frame.assign(**{c: frame[c].map(date.isoformat) for c in date_columns})
    for variant in (frame, as_timestamps, as_text):
        outcome = validate_batch(variant, today=TODAY)
        assert list(outcome.quarantined.index) == ["negative"]
        assert len(outcome.valid) == len(frame) - 1


@pytest.mark.parametrize("empty", [pd.DataFrame([]), pd.DataFrame(columns=list(OBSERVATION_FIELDS))])
def test_empty_batch_validates_trivially(empty: pd.DataFrame) -> None:
    outcome = validate_batch(empty, today=TODAY)
    assert outcome.success
    assert outcome.valid.empty and outcome.quarantined.empty
    assert outcome.statistics["rows"] == 0
    assert json.loads(outcome.to_json())["success"] is True


def test_outcome_json_round_trips(mixed_outcome: ValidationOutcome) -> None:
    document = json.loads(mixed_outcome.to_json())
    assert document["success"] is False
    assert document["statistics"]["evaluated_expectations"] == len(mixed_outcome.results)
    failed = [r for r in document["results"] if not r["success"]]
    assert len(failed) == len(mixed_outcome.failed)
    # The runner's "today" is recorded as the bound GX actually used.
    published = next(r for r in document["results"]
                     if r["expectation_config"]["kwargs"].get("column") == "published_at"
                     and r["expectation_config"]["type"] == "expect_column_values_to_be_between")
    assert published["expectation_config"]["kwargs"]["max_value"] == "2025-06-01T00:00:00"
    outcomes = json.loads(json.dumps([r.to_dict() for r in mixed_outcome.results]))
    assert {o["name"] for o in outcomes} == {r.name for r in mixed_outcome.results}


def test_validation_prints_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    validate_batch(frame_of({"bad": isw_gain(value=-5.0)}), today=TODAY)
    captured = capfd.readouterr()
    assert (captured.out, captured.err) == ("", "")


def test_missing_column_is_a_clear_error() -> None:
    frame = frame_of(clean_observations()).drop(columns=["unit"])
    with pytest.raises(ValueError, match=r"lacks columns \['unit'\]"):
        validate_batch(frame, today=TODAY)


def test_unreadable_date_is_a_clear_error() -> None:
    frame = frame_of(clean_observations())
    frame.loc["isw_claim", "published_at"] = "yesterday"
    with pytest.raises(ValueError, match=r"'published_at'.*not dates.*'yesterday'.*isw_claim"):
        validate_batch(frame, today=TODAY)


# --- the suite file -------------------------------------------------------------------------------


def test_suite_file_is_in_gx_canonical_form_with_severities() -> None:
    on_disk = json.loads(DEFAULT_SUITE_PATH.read_text(encoding="utf-8"))
    suite = load_suite()
    assert suite.to_json_dict() == on_disk
    severities = [e["severity"] for e in on_disk["expectations"]]
    assert set(severities) == {"critical", "warning"}
    assert severities.count("warning") == 9
    assert all(e["meta"]["why"].strip() for e in on_disk["expectations"])


def test_suite_agrees_with_the_catalogue() -> None:
    """The JSON is edited by hand: catch it drifting from extractors/catalogue.py."""
    kwargs_by_column: dict[str, list[dict]] = {}
    for expectation in json.loads(DEFAULT_SUITE_PATH.read_text(encoding="utf-8"))["expectations"]:
        if expectation["type"] == "expect_column_values_to_be_in_set":
            kwargs_by_column.setdefault(expectation["kwargs"]["column"], []).append(expectation["kwargs"])
    unconditioned = {column: [k["value_set"] for k in found if "row_condition" not in k]
                     for column, found in kwargs_by_column.items()}
    assert unconditioned["source"] == [list(catalogue.SOURCES)]
    assert unconditioned["subject"] == [list(catalogue.SUBJECTS)]
    assert unconditioned["unit"] == [list(catalogue.UNITS)]
    assert unconditioned["qualifier"] == [list(catalogue.QUALIFIERS)]
    assert unconditioned["assessment"] == [list(catalogue.ASSESSMENTS)]
    (metric_set,) = [k["value_set"] for k in kwargs_by_column["metric"]]
    assert metric_set == list(catalogue.METRICS)
    # Every catalogue metric has its unit rule: validate one row per metric in the catalogue unit.
    rows = {m: isw_gain(metric=m, unit=u, period_start=WAR_START) for m, u in catalogue.METRICS.items()}
    outcome = validate_batch(frame_of(rows), today=TODAY)
    assert outcome.quarantined.empty
    wrong_units = {m: isw_gain(metric=m, unit="count", period_start=WAR_START) for m in catalogue.METRICS}
    outcome = validate_batch(frame_of(wrong_units), today=TODAY)
    assert sorted(outcome.quarantined.index) == sorted(catalogue.METRICS)


def test_area_limit_is_ukraines_area() -> None:
    suite = load_suite()
    limits = [e.max_value for e in suite.expectations if getattr(e, "row_condition", None) is not None
              and 'unit == "km2"' in str(e.row_condition)]
    assert limits == [catalogue.UKRAINE_AREA_KM2, catalogue.UKRAINE_AREA_KM2]


def test_malformed_suite_file_names_the_file(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"name": "x", "expectations": [', encoding="utf-8")
    with pytest.raises(SuiteError, match=r"broken\.json: not valid JSON"):
        load_suite(broken)

    unknown = write_suite(tmp_path / "unknown.json", {
        "type": "expect_column_values_to_be_purple", "kwargs": {"column": "value"}, "meta": {"why": "x"},
        "severity": "critical"})
    with pytest.raises(SuiteError, match=r"unknown\.json: expectation #1 \(expect_column_values_to_be_purple\) is inv"):
        load_suite(unknown)

    unmarked = write_suite(tmp_path / "unmarked.json", {
        "type": "expect_column_values_to_not_be_null", "kwargs": {"column": "value"}, "meta": {"why": "x"}})
    with pytest.raises(SuiteError, match=r"unmarked\.json: expectation #1 .* needs a severity"):
        load_suite(unmarked)
    assert capfd.readouterr().err == ""


def test_a_suite_passed_in_replaces_the_default(tmp_path: Path) -> None:
    """Per-source suites (issue 5) plug in the same way: a file, loaded, passed to validate_batch."""
    strict = write_suite(tmp_path / "isw.json", {
        "type": "expect_column_values_to_be_between",
        "kwargs": {"column": "value", "max_value": 5000, "row_condition": 'metric == "territory_gained"',
                   "condition_parser": "pandas"},
        "meta": {"why": "a month's gain stays under 5,000 km2"}, "severity": "warning"})
    outcome = validate_batch(frame_of({"big": isw_gain(value=6_000.0)}), today=TODAY, suite=load_suite(strict))
    assert outcome.suite_name == "isw"
    assert outcome.success
    assert outcome.valid.loc["big", "warnings"] == [
        'expect_column_values_to_be_between(value) if metric == "territory_gained"'
    ]
    assert isinstance(outcome.results[0], ExpectationOutcome)
    assert outcome.results[0].examples == (6_000.0,)


def test_an_expectation_without_row_indices_charges_the_whole_batch(tmp_path: Path) -> None:
    suite = load_suite(write_suite(tmp_path / "rows.json", {
        "type": "expect_table_row_count_to_be_between", "kwargs": {"max_value": 1},
        "meta": {"why": "one figure per batch"}, "severity": "warning"}))
    outcome = validate_batch(frame_of({"a": isw_gain(), "b": isw_gain(value=5.0)}), today=TODAY, suite=suite)
    (result,) = outcome.results
    assert (result.success, result.attribution, result.unexpected_index) == (False, "batch", ("a", "b"))
    assert list(outcome.valid["warnings"]) == [[result.name], [result.name]]


def test_an_expectation_gx_cannot_evaluate_is_an_error(tmp_path: Path) -> None:
    suite = load_suite(write_suite(tmp_path / "types.json", {
        "type": "expect_column_values_to_be_between", "kwargs": {"column": "period_start", "min_value": 0},
        "meta": {"why": "compares dates with a number"}, "severity": "critical"}))
    with pytest.raises(ValidationRunError, match=r"expect_column_values_to_be_between\(period_start\): "):
        validate_batch(frame_of({"a": isw_gain()}), today=TODAY, suite=suite)
