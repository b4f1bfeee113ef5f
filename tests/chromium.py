"""Headless Chromium for tests that look at a page as a reader's browser shows it (Debian `chromium`).

`rendered_dom(url)` loads the page, lets its scripts run for a virtual-time budget and returns the
DOM Chromium ends with. Chromium gets a fresh profile and no way off the machine: every host name
resolves to nothing except 127.0.0.1, and the background services that phone home are off.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium chromium-driver)"
)
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-default-apps", "--metrics-recording-only", "--mute-audio",
    # Nothing beyond loopback: a page asking for a CDN gets "not resolved", as offline.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)


def rendered_dom(url: str, *, budget_ms: int = 3000, timeout_s: float = 60) -> str:
    """The page's DOM after `budget_ms` of virtual time (scripts, timers and loads have run)."""
    assert CHROMIUM is not None, "chromium is not installed"
    with tempfile.TemporaryDirectory(prefix="bulletins-chromium-") as profile:
        done = subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--virtual-time-budget={budget_ms}",
             "--dump-dom", url],
            capture_output=True, text=True, timeout=timeout_s, check=False,
        )
    if done.returncode != 0 or "<html" not in done.stdout:
        raise AssertionError(f"chromium could not load {url} (exit {done.returncode}): {done.stderr[-500:]}")
    return done.stdout
