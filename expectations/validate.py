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

import os

# Before the first GX import: GX reads this when its first context is made.
os.environ["GX_ANALYTICS_ENABLED"] = "False"

import json
import logging
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import great_expectations as gx
import numpy as np
import pandas as pd
from great_expectations.core.batch_definition import BatchDefinition
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

from extractors.observation import OBSERVATION_FIELDS

SUITES_DIR = Path(__file__).resolve().parent / "suites"
DEFAULT_SUITE_PATH = SUITES_DIR / "observations.json"

CRITICAL = "critical"
WARNING = "warning"
SEVERITIES = (CRITICAL, WARNING, "info")

DATE_COLUMNS = ("period_start", "period_end", "published_at")
NUMBER_COLUMNS = ("value", "value_low", "value_high")

# Columns the runner adds to the rows it hands back.
WARNINGS_COLUMN = "warnings"
FAILED_COLUMN = "failed_expectations"
REASON_COLUMN = "reason"

_EXAMPLES = 5
_QUOTE_CHARS = 60


class SuiteError(ValueError):
    """A suite file that cannot be used; the message names the file."""


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
    # "gx": rows from GX's unexpected_index_list; "batch": GX gave no row indices, so a failure
    # is charged to every row of the batch (no expectation in the current suite does this).
    attribution: str = "gx"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (for the validation_results table)."""
        record = {f.name: getattr(self, f.name) for f in fields(self)}
        record.update(
            columns=list(self.columns),
            examples=list(self.examples),
            unexpected_index=[_jsonable(label) for label in self.unexpected_index],
        )
        return record


@dataclass(frozen=True, slots=True, eq=False)
class ValidationOutcome:
    """The verdict on one batch.

    `valid`: rows that passed every critical expectation, the caller's index and columns plus
    `warnings` (list of failed warning-expectation names, empty when none).
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


def load_suite(path: Path | str = DEFAULT_SUITE_PATH) -> gx.ExpectationSuite:
    """Read a suite from its JSON file; a file GX or our conventions reject raises SuiteError."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SuiteError(f"{path}: cannot read suite file: {error}") from error
    except json.JSONDecodeError as error:
        raise SuiteError(f"{path}: not valid JSON: {error}") from error
    _check_conventions(path, data)
    _gx_objects()  # GX builds suites only while a context exists
    # Built one by one: ExpectationSuite(**data) logs and silently drops an expectation it cannot build.
    expectations = []
    for number, raw in enumerate(data["expectations"], start=1):
        try:
            with _quiet_gx_logging():
                expectations.append(ExpectationConfiguration(**raw).to_domain_obj())
        except Exception as error:  # GX raises pydantic and its own errors alike
            detail = " ".join(str(error).split())
            raise SuiteError(f"{path}: expectation #{number} ({raw.get('type')}) is invalid: {detail}") from error
    try:
        suite = gx.ExpectationSuite(**{**data, "expectations": expectations})
    except Exception as error:
        raise SuiteError(f"{path}: GX rejected the suite: {' '.join(str(error).split())}") from error
    names = [_expectation_name(e.expectation_type, e.configuration.kwargs) for e in suite.expectations]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise SuiteError(f"{path}: expectations share a name (add a row condition or merge): {duplicates}")
    return suite


@cache
def default_suite() -> gx.ExpectationSuite:
    """The repo's observation suite, read once per process."""
    return load_suite(DEFAULT_SUITE_PATH)


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
    batch_definition = _gx_objects()
    with _GX_LOCK, _quiet_gx_logging():
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
    valid = _with_lists(frame.iloc[valid_at], {WARNINGS_COLUMN: [warnings_by_row[p] for p in valid_at]})
    quarantined_at = [p for p in rows if critical_by_row[p]]
    quarantined = _with_lists(frame.iloc[quarantined_at], {
        FAILED_COLUMN: [critical_by_row[p] for p in quarantined_at],
        REASON_COLUMN: [_reason(frame.iloc[p], critical_by_row[p], by_name) for p in quarantined_at],
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


# GX contexts are not documented as thread-safe; Prefect may run tasks in threads.
_GX_LOCK = threading.Lock()


@cache
def _gx_objects() -> BatchDefinition:
    """The process's one ephemeral context, reduced to the batch definition every batch goes through."""
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return (
        context.data_sources.add_pandas("bulletin_metrics")
        .add_dataframe_asset("observations")
        .add_batch_definition_whole_dataframe("batch")
    )


@contextmanager
def _quiet_gx_logging() -> Iterator[None]:
    """GX logs tracebacks for errors it then raises or reports; we report them ourselves."""
    logger = logging.getLogger("great_expectations")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(previous)


def _check_conventions(path: Path, data: object) -> None:
    """Each expectation states its severity and why it exists: GX alone would default to critical."""
    if not isinstance(data, dict) or not isinstance(data.get("expectations"), list):
        raise SuiteError(f"{path}: a suite is a JSON object with an 'expectations' list")
    for number, expectation in enumerate(data["expectations"], start=1):
        if not isinstance(expectation, dict):
            raise SuiteError(f"{path}: expectation #{number} is not a JSON object")
        label = f"{path}: expectation #{number} ({expectation.get('type', 'no type')})"
        if expectation.get("severity") not in SEVERITIES:
            raise SuiteError(f"{label} needs a severity, one of {list(SEVERITIES)}")
        meta = expectation.get("meta")
        if not isinstance(meta, dict) or not str(meta.get("why", "")).strip():
            raise SuiteError(f"{label} needs meta.why saying why the check exists")


def _expectation_name(expectation_type: str, kwargs: Mapping[str, Any]) -> str:
    name = f"{expectation_type}({', '.join(_columns(kwargs))})"
    condition = _row_condition_text(kwargs.get("row_condition"))
    return f"{name} if {condition}" if condition else name


def _columns(kwargs: Mapping[str, Any]) -> tuple[str, ...]:
    if "column" in kwargs:
        return (kwargs["column"],)
    if "column_A" in kwargs:
        return (kwargs["column_A"], kwargs["column_B"])
    return tuple(kwargs.get("column_list", ()))


def _row_condition_text(condition: object) -> str | None:
    """The pandas query text of a row condition, whichever form GX holds it in."""
    if condition is None or condition == "":
        return None
    if isinstance(condition, Mapping):
        return str(condition.get("pass_through_filter") or condition)
    return str(getattr(condition, "pass_through_filter", condition))


def _typed_copy(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame GX sees: all contract columns, typed for comparison, indexed by row position."""
    missing = [name for name in OBSERVATION_FIELDS if name not in frame.columns]
    if missing and len(frame):
        raise ValueError(f"observation batch lacks columns {missing}")
    typed = frame.reset_index(drop=True)
    for name in missing:  # only for an empty batch, e.g. pd.DataFrame([]) from no observations
        typed[name] = pd.Series(dtype=object)
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
            problems.append(f"{_expectation_name(config.type, config.kwargs)}: {message}")
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
    columns = _columns(config.kwargs)
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
        name=_expectation_name(config.type, config.kwargs),
        expectation_type=config.type,
        columns=columns,
        severity=_severity(config),
        success=success,
        element_count=int(details.get("element_count", len(frame))),
        unexpected_count=int(details.get("unexpected_count", len(positions))),
        examples=examples,
        unexpected_index=tuple(frame.index[positions]),
        row_condition=_row_condition_text(config.kwargs.get("row_condition")),
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


def _reason(row: pd.Series, failed: list[str], by_name: Mapping[str, ExpectationOutcome]) -> str:
    """One line: each failed expectation with the row's values in the columns it checks."""
    parts = []
    for name in failed:
        shown = ", ".join(f"{column}={_shown(row.get(column))}" for column in by_name[name].columns)
        parts.append(f"{name}: {shown}" if shown else name)
    return "; ".join(parts)


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
