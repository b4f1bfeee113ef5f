"""Data Docs: the Great Expectations results stored in the warehouse, as static HTML pages.

Layout under `site_root` (Settings.data_docs_dir):
    site/index.html                       every validation, newest run first, with its run's final state
    site/validations/<run>/<suite>-<time>.html   one page per stored result: each expectation's outcome
    site/suites/<suite>.html              each suite of the repo and its expectations

Why our pages and not GX's site builder: GX's Data Docs draw their lists with bootstrap-table and
jQuery fetched from CDNs, so offline the index is unstyled and its lists empty; the installed GX
package ships only its CSS and fonts, not those scripts. And its status words are GX's `success`,
which is False whenever any expectation failed, so a run that completed with warnings read
"Failed". These pages are rendered with the report's templating (report/templates, Jinja2): no
script, nothing fetched, and the status of a run is the one ingest_runs recorded (Completed,
Completed with warnings, Failed). The content is GX's own result (validation_results.result:
`ExpectationSuiteValidationResult.to_json_dict()`): every expectation with its kwargs, severity,
counts and unexpected values. Rendering needs no GX import and costs milliseconds per page.

Each build writes the index and the pages of the results stored at or after `since` (all when
None) or whose page is missing; pages of earlier results stay as they were.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from report.templating import render

SUITES_DIR = Path(__file__).resolve().parent / "suites"
SITE_DIR = "site"

# The words for a run's final state (ingest_runs.status), as the README's table of states has them.
RUN_STATES = {
    "completed": "Completed",
    "completed_with_warnings": "Completed with warnings",
    "failed": "Failed",
    "running": "Running",
    "abandoned": "Abandoned",
}
# Keyword arguments every expectation carries that say nothing about what it checks.
PLUMBING_KWARGS = frozenset({"batch_id", "column", "column_A", "column_B", "column_list", "row_condition",
                             "condition_parser"})

_VALIDATIONS_SQL = """
    SELECT v.run_id, v.source, v.suite, v.validated_at, v.rows_checked, v.rows_quarantined, v.rows_warned,
           r.status, r.mode, r.started_at, r.message
    FROM validation_results AS v
    LEFT JOIN ingest_runs AS r USING (run_id)
    WHERE v.result IS NOT NULL
    ORDER BY coalesce(r.started_at, v.validated_at) DESC, v.validated_at DESC, v.source, v.suite
"""
_RESULT_SQL = """
    SELECT result FROM validation_results
    WHERE run_id = $run_id AND suite = $suite AND validated_at = $validated_at AND result IS NOT NULL
"""


class DataDocsError(RuntimeError):
    """The Data Docs could not be written; the message is one line, fit for a log."""


@dataclass(frozen=True)
class Validation:
    """One row of validation_results with its run's final state: a line of the index."""

    run_id: str
    source: str
    suite: str
    validated_at: datetime  # timezone-aware
    rows_checked: int
    rows_quarantined: int
    rows_warned: int
    run_status: str | None  # ingest_runs.status; None when the run was not recorded
    run_mode: str | None
    run_started_at: datetime | None
    run_message: str | None

    @property
    def page(self) -> str:
        """The page's path relative to the site root."""
        stamp = self.validated_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        return f"validations/{_safe(self.run_id)}/{_safe(self.suite)}-{stamp}.html"

    @property
    def run_state(self) -> str:
        if self.run_status is None:
            return "Not recorded"
        return RUN_STATES.get(self.run_status, self.run_status.replace("_", " ").capitalize())

    @property
    def outcome(self) -> str:
        """What this batch's validation found, in the run's words (critical quarantines, a warning loads)."""
        if self.rows_quarantined:
            return "critical"
        return "warning" if self.rows_warned else "passed"


@dataclass(frozen=True)
class ExpectationResult:
    """One expectation of a stored GX result, as its page shows it."""

    type: str
    columns: tuple[str, ...]
    condition: str | None
    arguments: dict[str, Any]
    severity: str
    success: bool
    element_count: int | None
    unexpected_count: int | None
    unexpected: list[Any] = field(default_factory=list)
    observed: Any = None
    why: str | None = None
    error: str | None = None

    @property
    def outcome(self) -> str:
        return "passed" if self.success else self.severity


def build_data_docs(site_root: Path, con: duckdb.DuckDBPyConnection, *, since: datetime | None = None) -> Path:
    """Write the Data Docs of the results stored in `con` under `site_root`; return the index.

    Pages of results stored at or after `since` (every result when None), and any missing, are
    (re)written; so are the suite pages and the index. A stored result that is not a GX result
    does not stop the others: the site is written, then DataDocsError names it. DataDocsError
    (one line) is also raised when the site cannot be written at all.
    """
    if since is not None and since.tzinfo is None:
        raise ValueError(f"since must be timezone-aware, got {since}")
    site = Path(site_root) / SITE_DIR
    unreadable: list[str] = []
    unrendered: set[str] = set()
    try:
        validations = _validations(con)
        for validation in validations:
            page = site / validation.page
            if not (since is None or validation.validated_at >= since or not page.is_file()):
                continue
            try:
                expectations = _expectation_results(con, validation)
            except (ValueError, TypeError, AttributeError) as error:
                unreadable.append(f"run {validation.run_id} ({validation.source}): {_one_line(error)}")
                unrendered.add(validation.page)
                continue
            _write(page, render("data_docs/validation.html.j2", root="../../", validation=validation,
                                expectations=expectations))
        suites = _suites()
        for suite in suites:
            _write(site / "suites" / f"{_safe(suite['name'])}.html",
                   render("data_docs/suite.html.j2", root="../", suite=suite))
        index = site / "index.html"
        _write(index, render("data_docs/index.html.j2", root="", validations=validations, suites=suites,
                             unrendered=unrendered, built_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")))
    except (OSError, ValueError, KeyError, TypeError, duckdb.Error) as error:
        raise DataDocsError(f"data docs under {site_root} not written: {_one_line(error)}") from error
    if unreadable:
        more = f"; and {len(unreadable) - 3} more" if len(unreadable) > 3 else ""
        raise DataDocsError(f"data docs at {index} lack the page of {'; '.join(unreadable[:3])}{more}")
    return index


def _validations(con: duckdb.DuckDBPyConnection) -> list[Validation]:
    return [
        Validation(run_id, source, suite, validated_at.astimezone(UTC), checked, quarantined, warned,
                   status, mode, started.astimezone(UTC) if started else None, message)
        for (run_id, source, suite, validated_at, checked, quarantined, warned, status, mode, started,
             message) in con.execute(_VALIDATIONS_SQL).fetchall()
    ]


def _expectation_results(con: duckdb.DuckDBPyConnection, validation: Validation) -> list[ExpectationResult]:
    """The expectations of a stored result, failures first (critical before warning), then by name."""
    row = con.execute(_RESULT_SQL, {"run_id": validation.run_id, "suite": validation.suite,
                                    "validated_at": validation.validated_at}).fetchone()
    stored = json.loads(row[0]) if row and isinstance(row[0], str) else (row[0] if row else None)
    if not isinstance(stored, Mapping) or not isinstance(stored.get("results"), list):
        raise ValueError(f"the stored result of run {validation.run_id} ({validation.suite}) is not a GX result")
    results = [_expectation_result(entry) for entry in stored["results"] if isinstance(entry, Mapping)]
    return sorted(results, key=lambda r: (r.success, r.severity != "critical", r.type, r.columns))


def _expectation_result(entry: Mapping[str, Any]) -> ExpectationResult:
    config = entry.get("expectation_config") or {}
    kwargs = config.get("kwargs") or {}
    outcome = entry.get("result") or {}
    exception = entry.get("exception_info") or {}
    condition = kwargs.get("row_condition")
    if isinstance(condition, Mapping):
        condition = condition.get("pass_through_filter") or json.dumps(condition)
    return ExpectationResult(
        type=str(config.get("type", "?")),
        columns=_columns(kwargs),
        condition=condition or None,
        arguments={k: v for k, v in kwargs.items() if k not in PLUMBING_KWARGS},
        severity=str(config.get("severity") or "critical"),
        success=bool(entry.get("success")),
        element_count=outcome.get("element_count"),
        unexpected_count=outcome.get("unexpected_count"),
        unexpected=list(outcome.get("partial_unexpected_list") or []),
        observed=outcome.get("observed_value"),
        why=(config.get("meta") or {}).get("why"),
        error=exception.get("exception_message") if exception.get("raised_exception") else None,
    )


def _columns(kwargs: Mapping[str, Any]) -> tuple[str, ...]:
    if "column" in kwargs:
        return (str(kwargs["column"]),)
    if "column_A" in kwargs:
        return (str(kwargs["column_A"]), str(kwargs["column_B"]))
    return tuple(str(c) for c in kwargs.get("column_list", ()))


def _suites() -> list[dict[str, Any]]:
    """The repo's suites as their JSON has them, each expectation with its columns and arguments."""
    suites = []
    for path in sorted(SUITES_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        expectations = [
            {"type": e.get("type", "?"), "columns": _columns(e.get("kwargs") or {}),
             "condition": _condition(e.get("kwargs") or {}), "severity": e.get("severity", "critical"),
             "arguments": {k: v for k, v in (e.get("kwargs") or {}).items() if k not in PLUMBING_KWARGS},
             "why": (e.get("meta") or {}).get("why")}
            for e in data.get("expectations", [])
        ]
        suites.append({"name": data.get("name", path.stem), "file": path.name, "expectations": expectations,
                       "includes": data.get("meta", {}).get("includes", []),
                       "description": data.get("meta", {}).get("description")})
    return suites


def _condition(kwargs: Mapping[str, Any]) -> str | None:
    condition = kwargs.get("row_condition")
    if isinstance(condition, Mapping):
        return condition.get("pass_through_filter") or json.dumps(condition)
    return condition or None


def _write(path: Path, text: str) -> None:
    """Write a page whole: a reader never sees half of one (a temporary file, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def _safe(name: str) -> str:
    """A run id or suite name as one path segment."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name).lstrip(".") or "_"


def _one_line(error: object) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= 300 else text[:297] + "..."

