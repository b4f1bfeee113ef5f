"""The Great Expectations suites stored in this repo (expectations/suites/*.json), read and checked.

One suite per source (`isw.json`, `ukmod.json`, `genstaff.json`, `curated.json`), each building on the
checks every source shares (`observations.json`) through `meta.includes`: a reviewer reads a source's
own rules in its file, and a rule for everyone is written once. Every expectation states its
`severity` (critical: the row is quarantined; warning: the row loads, flagged) and `meta.why`.
`meta.explain` may list context columns to show beside the failing values in a row's reason.
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
from functools import cache
from pathlib import Path
from typing import Any

import great_expectations as gx
from great_expectations.core.batch_definition import BatchDefinition
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

SUITES_DIR = Path(__file__).resolve().parent / "suites"
DEFAULT_SUITE_PATH = SUITES_DIR / "observations.json"

CRITICAL = "critical"
WARNING = "warning"
SEVERITIES = (CRITICAL, WARNING, "info")

# GX contexts are not documented as thread-safe; Prefect may run tasks in threads.
GX_LOCK = threading.Lock()


class SuiteError(ValueError):
    """A suite file that cannot be used; the message names the file."""


def load_suite(path: Path | str = DEFAULT_SUITE_PATH) -> gx.ExpectationSuite:
    """Read a suite from its JSON file (with its `meta.includes`); a file GX or our conventions
    reject raises SuiteError."""
    path = Path(path)
    data = _read(path)
    raw_expectations: list[tuple[Path, int, dict[str, Any]]] = []
    for included in data.get("meta", {}).get("includes", []):
        included_path = path.parent / included
        raw_expectations += [(included_path, n, e) for n, e in enumerate(_read(included_path)["expectations"], 1)]
    raw_expectations += [(path, n, e) for n, e in enumerate(data["expectations"], 1)]
    gx_objects()  # GX builds suites only while a context exists
    # Built one by one: ExpectationSuite(**data) logs and silently drops an expectation it cannot build.
    expectations = []
    for origin, number, raw in raw_expectations:
        try:
            with quiet_gx_logging():
                expectations.append(ExpectationConfiguration(**raw).to_domain_obj())
        except Exception as error:  # GX raises pydantic and its own errors alike
            detail = " ".join(str(error).split())
            raise SuiteError(f"{origin}: expectation #{number} ({raw.get('type')}) is invalid: {detail}") from error
    try:
        suite = gx.ExpectationSuite(**{**data, "expectations": expectations})
    except Exception as error:
        raise SuiteError(f"{path}: GX rejected the suite: {' '.join(str(error).split())}") from error
    names = [expectation_name(e.expectation_type, e.configuration.kwargs) for e in suite.expectations]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise SuiteError(f"{path}: expectations share a name (add a row condition or merge): {duplicates}")
    return suite


@cache
def default_suite() -> gx.ExpectationSuite:
    """The checks every source shares, read once per process."""
    return load_suite(DEFAULT_SUITE_PATH)


@cache
def suite_for(source: str) -> gx.ExpectationSuite:
    """The suite of one source (expectations/suites/<source>.json), read once per process."""
    path = SUITES_DIR / f"{source}.json"
    if not path.exists():
        raise SuiteError(f"{path}: no suite for source {source!r}; every source needs its own")
    return load_suite(path)


def source_suite_paths() -> list[Path]:
    """Every per-source suite file (the shared base is included by each, not listed)."""
    return sorted(p for p in SUITES_DIR.glob("*.json") if p != DEFAULT_SUITE_PATH)


# Every ephemeral context announces, at INFO on a logger GX sets to INFO itself, the temporary
# directory of a docs site it never builds: noise in every run's log.
logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)


@cache
def gx_objects() -> BatchDefinition:
    """The process's one ephemeral context, reduced to the batch definition every batch goes through."""
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return (
        context.data_sources.add_pandas("bulletin_metrics")
        .add_dataframe_asset("observations")
        .add_batch_definition_whole_dataframe("batch")
    )


@contextmanager
def quiet_gx_logging() -> Iterator[None]:
    """GX logs tracebacks for errors it then raises or reports; we report them ourselves."""
    logger = logging.getLogger("great_expectations")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(previous)


def expectation_name(expectation_type: str, kwargs: Mapping[str, Any]) -> str:
    """A name unique within a suite: the type, the columns and any row condition."""
    name = f"{expectation_type}({', '.join(expectation_columns(kwargs))})"
    condition = row_condition_text(kwargs.get("row_condition"))
    return f"{name} if {condition}" if condition else name


def expectation_columns(kwargs: Mapping[str, Any]) -> tuple[str, ...]:
    if "column" in kwargs:
        return (kwargs["column"],)
    if "column_A" in kwargs:
        return (kwargs["column_A"], kwargs["column_B"])
    return tuple(kwargs.get("column_list", ()))


def row_condition_text(condition: object) -> str | None:
    """The pandas query text of a row condition, whichever form GX holds it in."""
    if condition is None or condition == "":
        return None
    if isinstance(condition, Mapping):
        return str(condition.get("pass_through_filter") or condition)
    return str(getattr(condition, "pass_through_filter", condition))


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SuiteError(f"{path}: cannot read suite file: {error}") from error
    except json.JSONDecodeError as error:
        raise SuiteError(f"{path}: not valid JSON: {error}") from error
    _check_conventions(path, data)
    return data  # type: ignore[no-any-return]


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
