"""Fixtures of the fault matrix: one generated ISW archive served on loopback, its unfaulted run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.faults.harness import (
    ISW_RANGE,
    MONTHLY_GAINS,
    REPORTS,
    RESULTS,
    FaultyArchive,
    Figures,
    figures,
    write_isw_site,
    write_results,
)

# Faults are made small and quick: two attempts per request, a read may wait 1 s, an attempt 2 s.
FAST_HTTP = {"BULLETINS_HTTP_MAX_ATTEMPTS": "2", "BULLETINS_HTTP_TIMEOUT": "1", "BULLETINS_HTTP_DEADLINE": "2"}


@pytest.fixture(scope="session")
def archive_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("faults") / "site"
    write_isw_site(site)
    return site


@pytest.fixture(scope="session")
def served(archive_dir: Path) -> Iterator[FaultyArchive]:
    with FaultyArchive(archive_dir) as archive:
        yield archive


@pytest.fixture
def archive(served: FaultyArchive) -> Iterator[FaultyArchive]:
    served.clear()
    yield served
    served.clear()


def report_paths(archive_dir: Path) -> list[str]:
    """URL paths of the archive's reports, oldest first."""
    return sorted((f"/{p.parent.relative_to(archive_dir)}/" for p in archive_dir.glob("research/**/index.html")),
                  key=lambda path: next(i for i, (d, _, _) in enumerate(MONTHLY_GAINS)
                                        if f"-{d:%B}-{d.day}-{d.year}".lower() in path))


@pytest.fixture(scope="session")
def baseline(prefect_harness: None, served: FaultyArchive, tmp_path_factory: pytest.TempPathFactory) -> Figures:
    """The unfaulted run every row is compared with."""
    home = tmp_path_factory.mktemp("baseline") / "home"
    with pytest.MonkeyPatch.context() as patch:
        _environment(patch, home, served.url)
        state = ingest_isw()
    assert not state.is_failed(), state.message
    found = figures(home)
    assert len(found.latest) == REPORTS, "every report of the archive should yield its monthly figure"
    return found


@pytest.fixture
def home(bulletins_home: Path, served: FaultyArchive, monkeypatch: pytest.MonkeyPatch) -> Path:
    _environment(monkeypatch, bulletins_home, served.url)
    return bulletins_home


@contextmanager
def environment(home: Path, base_url: str, **extra: str) -> Iterator[pytest.MonkeyPatch]:
    """The environment of a row's runs, for fixtures wider than one test."""
    with pytest.MonkeyPatch.context() as patch:
        _environment(patch, home, base_url)
        for name, value in extra.items():
            patch.setenv(name, value)
        yield patch


def _environment(patch: pytest.MonkeyPatch, home: Path, base_url: str) -> None:
    patch.setenv("BULLETINS_HOME", str(home))
    patch.setenv("BULLETINS_ISW_BASE_URL", base_url)
    patch.delenv("BULLETINS_ALERT_URL", raising=False)
    for name, value in FAST_HTTP.items():
        patch.setenv(name, value)


def ingest_isw(**changes: Any) -> Any:
    """The real ingest flow, as its final Prefect state (a failed run is a state, not an exception)."""
    from flows.ingest import ingest

    return ingest(source="isw", **{**ISW_RANGE, **changes}, return_state=True)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not RESULTS:
        return
    terminalreporter.section("fault matrix")
    terminalreporter.write_line(f"{'fault':44} {'lost':>5} {'dup':>5} {'converged':>9} {'rows':>5}")
    for verdict in RESULTS:
        terminalreporter.write_line(f"{verdict.fault:44} {verdict.lost:5} {verdict.duplicated:5} "
                                    f"{verdict.converged!s:>9} {verdict.rows:5}")
    target = os.environ.get("BULLETINS_FAULT_MATRIX_JSON")
    if target:
        write_results(Path(target))


# -- real processes ------------------------------------------------------------------------------

RAW_DISK_SIZE = "12k"  # room for a few reports of the archive, not all
HOME_DISK_SIZE = "64m"


@pytest.fixture(scope="session")
def disks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("disks")
    return {"raw": root / "raw-disk", "home": root / "home-disk"}


@pytest.fixture(scope="session")
def runner(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory, disks: dict[str, Path]) -> Iterator[Any]:
    """The zygote of ingest processes (tests/faults/runner.py), on the session's Prefect server,
    in a mount namespace with two small disks when this machine allows one."""
    from prefect.settings import get_current_settings

    from tests.faults.runner import Runner
    from tests.faults.tiny_disk import namespace_prefix

    prefix = namespace_prefix([(disks["raw"], RAW_DISK_SIZE), (disks["home"], HOME_DISK_SIZE)])
    env = {"PREFECT_API_URL": str(get_current_settings().api.url)}
    with Runner(tmp_path_factory.mktemp("runner"), env, prefix) as started:
        started.has_disks = prefix is not None
        yield started


def child_env(home: Path, base_url: str, **extra: str) -> dict[str, str]:
    return {"BULLETINS_HOME": str(home), "BULLETINS_ISW_BASE_URL": base_url, "BULLETINS_ALERT_URL": "",
            **FAST_HTTP, **extra}


def run_args() -> dict[str, Any]:
    return {"source": "isw", **{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in ISW_RANGE.items()}}
