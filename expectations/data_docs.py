"""Great Expectations Data Docs for the validation results stored in the warehouse.

Layout under `site_root` (Settings.data_docs_dir):
    gx/               a file-backed GX project: the repo's suites and every result rendered so far
    site/index.html   the Data Docs site GX builds: the index, one page per suite, one per result

Each build adds the results it is given to the project's validation-results store and renders
only the pages not rendered before (plus a changed suite's page, and the index): a build after a
run costs the new pages and an index that lists every page. Pages of earlier results stay,
because their results stay in the store and GX's index lists the pages whose results it holds.

The results are `ExpectationSuiteValidationResult.to_json_dict()` of an ephemeral pandas batch
(expectations.validate). GX files a result under (suite, run name, run time, batch identifier);
here that is (suite, our run_id, validated_at, "<source>-<run_id>").
Only flows import this module: the parse path must not pay for importing GX.
"""

from __future__ import annotations

import os

# Before the first GX import: GX reads this when its first context is made.
os.environ["GX_ANALYTICS_ENABLED"] = "False"

import copy
import json
import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import great_expectations as gx
from great_expectations.core.expectation_validation_result import (
    ExpectationSuiteValidationResult,
    expectationSuiteValidationResultSchema,
)
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context import FileDataContext, project_manager, set_context
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)
from great_expectations.exceptions import DataContextError, DataContextRequiredError
from great_expectations.render.renderer import site_builder

from expectations.validate import DEFAULT_SUITE_PATH, SuiteError, load_suite

SUITES_DIR = DEFAULT_SUITE_PATH.parent
SITE_DIR = "site"
SITE_NAME = "bulletin_metrics"
_SITE_CONFIG: dict[str, Any] = {
    "class_name": "SiteBuilder",
    "show_how_to_buttons": False,
    # Relative to the GX project directory, so the whole tree can be moved or copied.
    "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": f"../{SITE_DIR}/"},
    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    # No profiler runs here; the profiling section would only list the store a second time.
    "site_section_builders": {"profiling": "None"},
}

_STORED_VALIDATIONS_SQL = """
    SELECT run_id, source, suite, validated_at, result
    FROM validation_results
    WHERE result IS NOT NULL AND (CAST($since AS TIMESTAMPTZ) IS NULL OR validated_at >= $since)
    ORDER BY validated_at, source, suite
"""


class DataDocsError(RuntimeError):
    """GX could not build some or all of the Data Docs; the message is one line, fit for a log."""


@dataclass(frozen=True)
class StoredValidation:
    """One row of validation_results: a batch's GX result and where it came from."""

    run_id: str
    source: str
    suite: str
    validated_at: datetime  # timezone-aware
    result: dict[str, Any] = field(repr=False, hash=False)  # ExpectationSuiteValidationResult.to_json_dict()

    def __post_init__(self) -> None:
        if self.validated_at.tzinfo is None:
            raise ValueError(f"validated_at of run {self.run_id} must be timezone-aware, got {self.validated_at}")

    @property
    def batch_identifier(self) -> str:
        return f"{self.source}-{self.run_id}"


def stored_validations(
    con: duckdb.DuckDBPyConnection, *, since: datetime | None = None
) -> list[StoredValidation]:
    """The validation results stored at or after `since` (all when None), oldest first.

    Rows without a GX result have nothing to render and are left out.
    """
    if since is not None and since.tzinfo is None:
        raise ValueError(f"since must be timezone-aware, got {since}")
    rows = con.execute(_STORED_VALIDATIONS_SQL, {"since": since}).fetchall()
    validations = []
    for run_id, source, suite, validated_at, result in rows:
        parsed = json.loads(result) if isinstance(result, str) else result
        validations.append(StoredValidation(run_id, source, suite, validated_at.astimezone(UTC), parsed))
    return validations


def build_data_docs(site_root: Path, validations: Iterable[StoredValidation]) -> Path:
    """Add `validations` to the Data Docs under `site_root` and return the site's index.html.

    Creates the GX project and site on first use. A suite file or result GX refuses, or a page
    GX fails to render, does not stop the others: the site is built, then DataDocsError says
    what is missing. DataDocsError is also raised when GX cannot build the site at all.
    """
    site_root = Path(site_root)
    site = site_root / SITE_DIR
    index = site / "index.html"
    with _BUILD_LOCK, _gx_project_restored(), _gx_site_builder_problems() as problems:
        try:
            context = _open_project(site_root)
            fresh_site = not index.is_file()
            changed = [*_store_suites(context, site, problems), *_store_results(context, site, validations, problems)]
            if fresh_site:
                # First use, or the HTML was deleted: render every suite and result the project holds.
                context.build_data_docs(site_names=[SITE_NAME])
            elif changed:
                # Only the named pages, then the index (GX renders everything for an empty list).
                context.build_data_docs(site_names=[SITE_NAME], resource_identifiers=changed)
        except Exception as error:  # GX raises its own errors, OSError and ValueError alike
            raise DataDocsError(f"GX could not build the data docs under {site_root}: {_one_line(error)}") from error
    if not index.is_file():
        raise DataDocsError(f"GX built no index page at {index}")
    if problems:
        more = f"; and {len(problems) - 3} more" if len(problems) > 3 else ""
        raise DataDocsError(f"data docs at {index} are incomplete: {'; '.join(problems[:3])}{more}")
    return index


# Builds write one project's files; two threads of one process must not interleave them.
_BUILD_LOCK = threading.Lock()


def _open_project(site_root: Path) -> FileDataContext:
    """The GX project under `site_root` (GX names its folder gx/), created on first use, configured
    for our one site."""
    context = gx.get_context(mode="file", project_root_dir=site_root)
    variables = context.variables
    if variables.data_docs_sites != {SITE_NAME: _SITE_CONFIG} or variables.analytics_enabled is not False:
        variables.data_docs_sites = copy.deepcopy({SITE_NAME: _SITE_CONFIG})
        variables.analytics_enabled = False
        variables.progress_bars = ProgressBarsConfig(globally=False)
        variables.save()
    return context


def _store_suites(context: FileDataContext, site: Path, problems: list[str]) -> list[ExpectationSuiteIdentifier]:
    """Every suite file of the repo into the project; return those whose page needs rendering.

    Rendering a suite's page costs about as much as several results' pages: a suite unchanged
    since the last build, whose page exists, is left alone.
    """
    keys = []
    for path in sorted(SUITES_DIR.glob("*.json")):
        try:
            suite = load_suite(path)
        except SuiteError as error:
            problems.append(f"suite skipped: {_one_line(error)}")
            continue
        key = ExpectationSuiteIdentifier(name=suite.name)
        unchanged = _stored_suite_content(context, suite.name) == _suite_content(suite)
        if unchanged and _page(site, "expectations", key).is_file():
            continue
        context.suites.add_or_update(suite)
        keys.append(key)
    return keys


def _stored_suite_content(context: FileDataContext, name: str) -> str | None:
    try:
        return _suite_content(context.suites.get(name))
    except DataContextError:
        return None


def _suite_content(suite: gx.ExpectationSuite) -> str:
    """A suite's content without the ids GX gives the suite and each expectation when storing it."""
    data = suite.to_json_dict()
    data.pop("id", None)
    for expectation in data["expectations"]:
        expectation.pop("id", None)
    return json.dumps(data, sort_keys=True, default=str)


def _store_results(
    context: FileDataContext, site: Path, validations: Iterable[StoredValidation], problems: list[str]
) -> list[ValidationResultIdentifier]:
    """The results not rendered yet into the project's store; return their keys.

    A result whose page exists was stored by the build that rendered it, so passing every
    stored validation on each build costs only the new pages.
    """
    keys = []
    for validation in validations:
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=validation.suite),
            run_id=RunIdentifier(run_name=validation.run_id, run_time=validation.validated_at),
            batch_identifier=validation.batch_identifier,
        )
        if _page(site, "validations", key).is_file():
            continue
        try:
            result = _renderable_result(validation, key.run_id)
        except Exception as error:  # marshmallow's ValidationError, or a result that is not a dict
            problems.append(f"run {validation.run_id} ({validation.source}): GX refused the result: {_one_line(error)}")
            continue
        context.validation_results_store.set(key, result)
        keys.append(key)
    return keys


def _renderable_result(validation: StoredValidation, run: RunIdentifier) -> ExpectationSuiteValidationResult:
    """The stored dict as a GX result carrying the identifiers the Data Docs pages show."""
    if not isinstance(validation.result, dict):
        raise TypeError(f"expected a JSON object, got {type(validation.result).__name__}")
    stored = copy.deepcopy(validation.result)  # GX keeps and changes what it loads
    stored.setdefault("suite_name", validation.suite)
    result = expectationSuiteValidationResultSchema.load(stored)
    meta = dict(result.meta or {})
    meta.update(
        run_id=run,
        validation_time=validation.validated_at,
        expectation_suite_name=validation.suite,
        # The pages and the index name the asset after batch_spec; the source says more than
        # the ephemeral DataFrame asset every batch went through.
        batch_spec={**(meta.get("batch_spec") or {}), "data_asset_name": validation.source},
    )
    result.meta = meta
    return result


def _page(site: Path, section: str, key: ExpectationSuiteIdentifier | ValidationResultIdentifier) -> Path:
    """Where GX's site writes the page of a suite or a result: the key's parts as folders."""
    *folders, name = key.to_tuple()
    return site.joinpath(section, *folders, f"{name}.html")


class _SiteBuilderLog(logging.Handler):
    """Keeps the warnings and errors of GX's site builder, each with the page it was rendering."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(logging.DEBUG)
        self.problems = problems
        self.page: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno < logging.WARNING:
            # GX announces each page at debug level ("Rendering validation: run name: ...").
            announced = message.strip()
            self.page = announced if announced.startswith("Rendering") else None
            return
        detail = message.split("Detailed information follows:", 1)[-1].split(".  Traceback:", 1)[0]
        if detail == message:  # not a rendering error: GX skipped an entry, and says which
            self.problems.append(_one_line(message))
        else:
            page = f" ({self.page.removeprefix('Rendering ')})" if self.page else ""
            self.problems.append(f"GX could not render a page{page}: {_one_line(detail)}")


@contextmanager
def _gx_project_restored() -> Iterator[None]:
    """Opening our project makes it GX's current one; give the process back the one it had
    (expectations.validate's ephemeral context), so no later GX call files anything here."""
    try:
        previous = project_manager.get_current_project()
    except DataContextRequiredError:
        previous = None
    try:
        yield
    finally:
        set_context(previous)


@contextmanager
def _gx_site_builder_problems() -> Iterator[list[str]]:
    """GX quiet, except what its site builder logs and then skips (a page it failed to render).

    GX's site builder catches a renderer's exception, logs it and goes on with the next page;
    its log is the only way to learn a page is missing.
    """
    gx_logger = logging.getLogger("great_expectations")
    builder_logger = logging.getLogger(site_builder.__name__)
    problems: list[str] = []
    handler = _SiteBuilderLog(problems)
    saved = (gx_logger.level, builder_logger.level, builder_logger.propagate)
    gx_logger.setLevel(logging.CRITICAL)
    builder_logger.setLevel(logging.DEBUG)
    builder_logger.propagate = False
    builder_logger.addHandler(handler)
    try:
        yield problems
    finally:
        builder_logger.removeHandler(handler)
        gx_logger.setLevel(saved[0])
        builder_logger.setLevel(saved[1])
        builder_logger.propagate = saved[2]


def _one_line(error: object) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= 300 else text[:297] + "..."
