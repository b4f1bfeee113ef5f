"""Shared fixtures. Prefect and GX are configured before anything imports them."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_PREFECT_HOME = tempfile.mkdtemp(prefix="bulletins-prefect-")
os.environ.setdefault("PREFECT_HOME", _PREFECT_HOME)
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
# Some tests call a task's function outside a flow run on purpose (a re-read without the network).
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")

REPO = Path(__file__).resolve().parents[1]
DEMO_STDOUT = "demo-stdout.txt"


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect server for the whole session (it costs seconds to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.fixture
def bulletins_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty BULLETINS_HOME for one test, with every source URL, token and alert destination unset
    (a default would point at a public host)."""
    home = tmp_path / "home"
    monkeypatch.setenv("BULLETINS_HOME", str(home))
    for name in ("BULLETINS_ISW_BASE_URL", "BULLETINS_GENSTAFF_BASE_URL", "BULLETINS_UKMOD_X_API_URL",
                 "BULLETINS_UKMOD_RSS_URL", "BULLETINS_UKMOD_X_BEARER_TOKEN", "BULLETINS_ALERT_URL",
                 "BULLETINS_ALERT_BLOCK", "BULLETINS_CURATED_FILE"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture(scope="session")
def demo_home(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A BULLETINS_HOME filled once per session by the real `bulletins demo` (the bundled archive).

    Read-only for tests: open `demo_home / "warehouse.duckdb"` with read_only=True, never write.
    What the demo printed is in `demo_home.parent / DEMO_STDOUT`.
    """
    home = tmp_path_factory.mktemp("demo") / "home"
    saved = {name: os.environ.get(name) for name in _DEMO_ENV}
    os.environ["BULLETINS_HOME"] = str(home)
    try:
        from flows.demo import run_demo
        from flows.settings import Settings

        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exit_code = run_demo(Settings.from_env())
        (home.parent / DEMO_STDOUT).write_text(printed.getvalue(), encoding="utf-8")
        assert exit_code == 0, "the demo run failed; run `bulletins demo` to see why"
    finally:
        # Restored now, not at the session's end: later tests, and the processes they start,
        # must not inherit the demo's home and its (by then stopped) loopback servers.
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    yield home


# Variables the demo sets for its loopback servers; restored after the demo fixture.
_DEMO_ENV = ("BULLETINS_HOME", "BULLETINS_ISW_BASE_URL", "BULLETINS_GENSTAFF_BASE_URL",
             "BULLETINS_UKMOD_X_API_URL", "BULLETINS_UKMOD_X_BEARER_TOKEN", "BULLETINS_ALERT_URL",
             "PREFECT_LOGGING_LEVEL")
