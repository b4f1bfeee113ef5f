"""Validate a batch of observations with the Great Expectations suite stored in this repo.

Rows that fail a `critical` expectation are quarantined with the failing expectations named; the
others are valid, each listing the `warning` expectations it failed. One GX run per batch: a run
costs 0.3 s or more however small the batch, so never validate per row or per document.

Input: a DataFrame with the columns of OBSERVATION_FIELDS (rows from `Observation.to_dict()`, any
index; extra columns pass through). Dates may be `datetime.date`, datetime64 or ISO text, numbers
any numeric type. GX sees a typed copy (dates as datetime64[ns], numbers as float64, row positions
as the index); the caller gets its own rows and index back. Unreadable dates or numbers raise
ValueError. Only flows import this module: the parse path must not pay for importing GX.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

import great_expectations as gx
import numpy as np
import pandas as pd

from expectations.suite_files import (
    CRITICAL,
    DEFAULT_SUITE_PATH,
    GX_LOCK,
    SEVERITIES,
    WARNING,
    SuiteError,
    default_suite,
    expectation_columns,
    expectation_name,
    gx_objects,
    load_suite,
    quiet_gx_logging,
    row_condition_text,
    suite_for,
)
from extractors.observation import OBSERVATION_FIELDS

__all__ = [
    "CRITICAL", "DEFAULT_SUITE_PATH", "SEVERITIES", "WARNING", "ExpectationOutcome", "SuiteError",
    "ValidationOutcome", "ValidationRunError", "default_suite", "load_suite", "suite_for", "validate_batch",
]

DATE_COLUMNS = ("period_start", "period_end", "published_at", "previous_period_end")
NUMBER_COLUMNS = (
    "value", "value_low", "value_high",
    # Context from the warehouse (warehouse/validation_context.py); absent columns are added empty,
    # so a batch validated without context simply skips the checks that need it.
    "period_days", "previous_value", "daily_increase", "trailing_median_increase", "increase_over_median",
    "decrease_share", "stored_value", "stored_version", "restatement_change", "territory_gained_same_period",
    "implied_km2_ratio", "genstaff_same_period", "genstaff_ratio",
)
OPTIONAL_COLUMNS = ("previous_period_end", *NUMBER_COLUMNS[3:], "stored_url", "figure_in_quote")

# Columns the runner adds to the rows it hands back.
WARNINGS_COLUMN = "warnings"
FAILED_COLUMN = "failed_expectations"
REASON_COLUMN = "reason"
WARNING_DETAILS_COLUMN = "warning_details"

_EXAMPLES = 5
_QUOTE_CHARS = 60


class ValidationRunError(RuntimeError):
    """GX could not evaluate an expectation (a suite or column-type bug, not bad rows)."""


@dataclass(frozen=True, slots=True)
class ExpectationOutcome:
    """What one expectation found in the batch."""

    name: str  # e.g. "expect_column_values_to_be_between(value)", unique within a suite
    expectation_type: str
    columns: tuple[str, ...]
    severity: str  # "critical", "warning" or "info"
    success: bool
    element_count: int  # rows the expectation looked at (after its row condition)
    unexpected_count: int
    examples: tuple[Any, ...]  # up to 5 failing values (a [a, b] pair for two-column expectations)
    unexpected_index: tuple[Any, ...]  # the caller's index labels of the failing rows
    row_condition: str | None = None
    # Columns shown beside the checked ones in a row's reason (the suite's meta.explain).
    explain: tuple[str, ...] = ()
    why: str | None = None  # the suite's meta.why: what the check protects against
    # "gx": rows from GX's unexpected_index_list; "batch": GX gave no row indices, so a failure
    # is charged to every row of the batch (no expectation in the current suite does this).
    attribution: str = "gx"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (for the validation_results table)."""
        record = {f.name: getattr(self, f.name) for f in fields(self)}
        record.update(
            columns=list(self.columns),
            explain=list(self.explain),
            examples=list(self.examples),
            unexpected_index=[_jsonable(label) for label in self.unexpected_index],
        )
        return record


@dataclass(frozen=True, slots=True, eq=False)
class ValidationOutcome:
    """The verdict on one batch.

    `valid`: rows that passed every critical expectation, the caller's index and columns plus
    `warnings` (list of failed warning-expectation names, empty when none) and `warning_details`
    (one line per warning with the row's values, e.g. both versions of a restated figure).
    `quarantined`: the other rows, plus `failed_expectations` (names of the failed critical
    expectations), `reason` (one line: each failed name with the row's offending values) and
    `warnings`.
    `success`: no critical expectation failed (warnings alone leave it True; GX's own `success`
    inside `to_json()` is False whenever any expectation failed).
    """

    suite_name: str
    success: bool
    valid: pd.DataFrame
    quarantined: pd.DataFrame
    results: list[ExpectationOutcome]
    statistics: dict[str, int | float]
    gx_result: dict[str, Any] = field(repr=False)

    @property
    def warned(self) -> bool:
        """True when a warning expectation failed on some row."""
        return any(not r.success and r.severity == WARNING for r in self.results)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [r for r in self.results if not r.success]

    def to_json(self) -> str:
        """The full GX validation result as JSON (for the validation_results table)."""
        return json.dumps(self.gx_result, ensure_ascii=False)


def validate_batch(
    frame: pd.DataFrame,
    *,
    today: date,
    suite: gx.ExpectationSuite | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> ValidationOutcome:
    """Validate one batch in a single GX run and split it into valid and quarantined rows.

    `today` bounds `published_at` (the suite's {"$PARAMETER": "today"}); `parameters` supplies
    any other $PARAMETER a suite refers to.
    """
    suite = suite if suite is not None else default_suite()
    typed = _typed_copy(frame)
    expectation_parameters = {"today": _as_timestamp_text(today), **(parameters or {})}
    batch_definition = gx_objects()
    with GX_LOCK, quiet_gx_logging():
        batch = batch_definition.get_batch(batch_parameters={"dataframe": typed})
        result = batch.validate(
            suite,
            result_format={"result_format": "COMPLETE"},
            expectation_parameters=expectation_parameters,
        )
    _raise_on_gx_exceptions(result)

    rows = range(len(frame))
    critical_by_row: list[list[str]] = [[] for _ in rows]
    warnings_by_row: list[list[str]] = [[] for _ in rows]
    outcomes: list[ExpectationOutcome] = []
    for expectation_result in result.results:
        outcome, positions = _outcome(expectation_result, frame)
        outcomes.append(outcome)
        if outcome.severity in (CRITICAL, WARNING):
            by_row = critical_by_row if outcome.severity == CRITICAL else warnings_by_row
            for position in positions:
                by_row[position].append(outcome.name)
    # GX returns results in its own order; keep the report stable: failures first, critical first.
    outcomes.sort(key=lambda outcome: (outcome.success, outcome.severity != CRITICAL, outcome.name))
    by_name = {outcome.name: outcome for outcome in outcomes}

    valid_at = [p for p in rows if not critical_by_row[p]]
    valid = _with_lists(frame.iloc[valid_at], {
        WARNINGS_COLUMN: [warnings_by_row[p] for p in valid_at],
        WARNING_DETAILS_COLUMN: [_details(frame.iloc[p], warnings_by_row[p], by_name) for p in valid_at],
    })
    quarantined_at = [p for p in rows if critical_by_row[p]]
    quarantined = _with_lists(frame.iloc[quarantined_at], {
        FAILED_COLUMN: [critical_by_row[p] for p in quarantined_at],
        REASON_COLUMN: ["; ".join(_details(frame.iloc[p], critical_by_row[p], by_name)) for p in quarantined_at],
        WARNINGS_COLUMN: [warnings_by_row[p] for p in quarantined_at],
    })
    statistics: dict[str, int | float] = {
        **{key: value for key, value in result.statistics.items() if value is not None},
        "rows": len(frame),
        "valid_rows": len(valid_at),
        "quarantined_rows": len(quarantined_at),
        "warned_rows": sum(1 for p in rows if warnings_by_row[p]),
    }
    return ValidationOutcome(
        suite_name=suite.name,
        success=not any(not o.success and o.severity == CRITICAL for o in outcomes),
        valid=valid,
        quarantined=quarantined,
        results=outcomes,
        statistics=statistics,
        gx_result=result.to_json_dict(),
    )


def _typed_copy(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame GX sees: all contract columns, typed for comparison, indexed by row position."""
    missing = [name for name in OBSERVATION_FIELDS if name not in frame.columns]
    if missing and len(frame):
        raise ValueError(f"observation batch lacks columns {missing}")
    typed = frame.reset_index(drop=True)
    for name in missing:  # only for an empty batch, e.g. pd.DataFrame([]) from no observations
        typed[name] = pd.Series(dtype=object)
    for name in OPTIONAL_COLUMNS:
        if name not in typed.columns:
            typed[name] = pd.Series([None] * len(typed), dtype=object)
    for name in (*DATE_COLUMNS, *NUMBER_COLUMNS):
        typed[name] = _converted(typed[name], name, frame.index)
    return typed


def _converted(column: pd.Series, name: str, labels: pd.Index) -> pd.Series:
    if name in DATE_COLUMNS:
        kind = "dates"
        # datetime64[ns], not the coarser unit pandas infers: GX compares only ns columns vectorised.
        converted = pd.to_datetime(column, errors="coerce").astype("datetime64[ns]")
    else:
        kind = "numbers"
        converted = pd.to_numeric(column, errors="coerce").astype("float64")
    unreadable = column.notna().to_numpy() & converted.isna().to_numpy()
    if unreadable.any():
        bad = column[unreadable]
        raise ValueError(
            f"column {name!r} holds values that are not {kind}: {bad.head(3).tolist()!r} "
            f"(rows {list(labels[unreadable][:3])!r})"
        )
    return converted


def _as_timestamp_text(day: date) -> str:
    # GX's pydantic turns "YYYY-MM-DD" into a date, which datetime64 columns refuse to compare with.
    if isinstance(day, datetime):
        day = day.date()
    return f"{day.isoformat()}T00:00:00"


def _raise_on_gx_exceptions(result: Any) -> None:
    problems = []
    for expectation_result in result.results:
        message = _exception_message(expectation_result.exception_info)
        if message:
            config = expectation_result.expectation_config
            problems.append(f"{expectation_name(config.type, config.kwargs)}: {message}")
    if problems:
        raise ValidationRunError("GX could not evaluate: " + "; ".join(problems))


def _exception_message(info: Any) -> str | None:
    """GX reports exceptions flat or keyed by metric; either way, the first message raised."""
    candidates = [info, *info.values()] if isinstance(info, Mapping) else []
    for candidate in candidates:
        if isinstance(candidate, Mapping) and candidate.get("raised_exception"):
            return str(candidate.get("exception_message"))
    return None


def _outcome(expectation_result: Any, frame: pd.DataFrame) -> tuple[ExpectationOutcome, list[int]]:
    """One expectation's outcome and the positions of the rows it failed."""
    config = expectation_result.expectation_config
    details = expectation_result.result or {}
    columns = expectation_columns(config.kwargs)
    success = bool(expectation_result.success)
    attribution = "gx"
    if success:
        positions: list[int] = []
    elif "unexpected_index_list" in details:
        positions = sorted(int(position) for position in details["unexpected_index_list"])
    else:
        # An aggregate expectation (row count, column mean...) names no rows: the batch failed it.
        positions = list(range(len(frame)))
        attribution = "batch"
    examples = tuple(_example(frame.iloc[p], columns) for p in positions[:_EXAMPLES])
    outcome = ExpectationOutcome(
        name=expectation_name(config.type, config.kwargs),
        expectation_type=config.type,
        columns=columns,
        severity=_severity(config),
        success=success,
        element_count=int(details.get("element_count", len(frame))),
        unexpected_count=int(details.get("unexpected_count", len(positions))),
        examples=examples,
        unexpected_index=tuple(frame.index[positions]),
        row_condition=row_condition_text(config.kwargs.get("row_condition")),
        explain=tuple((config.meta or {}).get("explain", ())),
        why=(config.meta or {}).get("why"),
        attribution=attribution,
    )
    return outcome, positions


def _with_lists(rows: pd.DataFrame, added: Mapping[str, list[Any]]) -> pd.DataFrame:
    """A copy of `rows` with extra columns holding one Python object (a list, a text) per row."""
    rows = rows.copy()
    for name, values in added.items():
        rows[name] = pd.Series(values, index=rows.index, dtype=object)
    return rows


def _severity(config: Any) -> str:
    severity = getattr(config, "severity", CRITICAL)
    return str(getattr(severity, "value", severity))


def _example(row: pd.Series, columns: tuple[str, ...]) -> Any:
    values = [_jsonable(row.get(column)) for column in columns]
    return values[0] if len(values) == 1 else values


def _details(row: pd.Series, failed: list[str], by_name: Mapping[str, ExpectationOutcome]) -> list[str]:
    """Per failed expectation, one line with the row's values in the columns it checks and explains."""
    lines = []
    for name in failed:
        outcome = by_name[name]
        shown = ", ".join(f"{column}={_shown(row.get(column))}" for column in (*outcome.columns, *outcome.explain))
        lines.append(f"{name}: {shown}" if shown else name)
    return lines


def _shown(value: Any) -> str:
    plain = _jsonable(value)
    if plain is None:
        return "null"
    text = plain if isinstance(plain, str) else repr(plain)
    text = " ".join(text.split())
    return text if len(text) <= _QUOTE_CHARS else text[: _QUOTE_CHARS - 3] + "..."


def _jsonable(value: Any) -> Any:
    """A JSON-friendly form of a cell: dates as ISO text, numpy scalars as Python, nulls as None."""
    if value is None or (not isinstance(value, (str, list, tuple, dict)) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value
