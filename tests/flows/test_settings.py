"""Settings: validated once at start, one line naming the variable, only for the commands that use it."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from flows.settings import ConfigurationError, Settings

REPO = Path(__file__).resolve().parents[2]


def bulletins(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import sys; from flows.cli import main; sys.exit(main(sys.argv[1:]))", *args],
        capture_output=True, text=True, cwd=REPO, env={"PATH": "/usr/bin:/bin", **env}, timeout=120,
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("BULLETINS_HTTP_MAX_ATTEMPTS", "abc", "BULLETINS_HTTP_MAX_ATTEMPTS='abc': expected a whole number"),
        ("BULLETINS_HTTP_MAX_ATTEMPTS", "0", "BULLETINS_HTTP_MAX_ATTEMPTS='0': expected a number above 0"),
        ("BULLETINS_ALERT_REPEAT_HOURS", "x", "BULLETINS_ALERT_REPEAT_HOURS='x': expected a number"),
        ("BULLETINS_ALERT_TIMEOUT", "nan", "BULLETINS_ALERT_TIMEOUT='nan': expected a finite number"),
        ("BULLETINS_LOCK_TIMEOUT", "-1", "BULLETINS_LOCK_TIMEOUT='-1': expected 0 or more"),
        ("BULLETINS_ISW_STALE_AFTER_HOURS", "soon", "BULLETINS_ISW_STALE_AFTER_HOURS='soon': expected a number"),
        ("BULLETINS_ISW_BASE_URL", "understandingwar.org",
         "BULLETINS_ISW_BASE_URL='understandingwar.org': expected an http:// or https:// URL with a host"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable_and_the_value(variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        Settings.from_env({variable: value, "BULLETINS_UKMOD_RSS_URL": "http://127.0.0.1/feed"}, sources=["isw"])
    assert str(raised.value) == message


def test_a_group_the_command_does_not_use_is_not_validated() -> None:
    bad_alerts = {"BULLETINS_ALERT_REPEAT_HOURS": "x", "BULLETINS_HTTP_MAX_ATTEMPTS": "abc"}
    settings = Settings.from_env(bad_alerts, alerts=False, http=False)
    assert (settings.alert_repeat_hours, settings.http_max_attempts) == (24.0, 5)
    with pytest.raises(ConfigurationError, match="BULLETINS_ALERT_REPEAT_HOURS"):
        Settings.from_env(bad_alerts, http=False)
    # A source not asked for is not read at all; using it is a programming error, not a default.
    with pytest.raises(KeyError, match="isw: its settings were not read"):
        Settings.from_env({}).base_url("isw")


def test_the_mod_needs_a_token_or_a_feed_and_the_message_names_both() -> None:
    with pytest.raises(ConfigurationError) as raised:
        Settings.from_env({}, sources=["ukmod"])
    assert str(raised.value) == (
        "ukmod needs BULLETINS_UKMOD_X_BEARER_TOKEN (an X API v2 bearer token) or BULLETINS_UKMOD_RSS_URL "
        "(an RSS bridge feed of @DefenceHQ); neither is set")
    with pytest.raises(ConfigurationError, match=r"BULLETINS_UKMOD_RSS_URL='feed\.xml': expected an http"):
        Settings.from_env({"BULLETINS_UKMOD_RSS_URL": "feed.xml"}, sources=["ukmod"])


def test_source_settings_and_the_allow_list_come_from_the_declarations(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"BULLETINS_HOME": str(tmp_path), "BULLETINS_UKMOD_X_API_URL": "http://127.0.0.1:9/",
         "BULLETINS_UKMOD_RSS_URL": "http://localhost:8/feed", "BULLETINS_UKMOD_X_BEARER_TOKEN": " ",
         "BULLETINS_GENSTAFF_STALE_AFTER_HOURS": "0", "BULLETINS_ISW_STALE_AFTER_HOURS": "12"},
        sources=["isw", "ukmod", "genstaff", "curated"],
    )
    assert settings.home == tmp_path
    assert settings.base_url("ukmod") == "http://127.0.0.1:9"
    assert settings.discover_options("ukmod") == {"rss_url": "http://localhost:8/feed"}  # a blank token is unset
    assert settings.allowed_hosts("ukmod") == {"api.x.com", "api.twitter.com", "pbs.twimg.com", "127.0.0.1",
                                               "localhost"}
    assert settings.allowed_hosts("isw") == {"understandingwar.org", "www.understandingwar.org",
                                             "criticalthreats.org", "www.criticalthreats.org"}
    assert (settings.stale_after("isw"), settings.stale_after("genstaff"), settings.stale_after("curated")) == (
        timedelta(hours=12), None, None)
    assert settings.base_url("curated").endswith("curated/figures.yaml")


def test_the_commands_refuse_a_bad_setting_in_one_line_only_where_they_use_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"BULLETINS_HOME": str(home), "BULLETINS_ALERT_REPEAT_HOURS": "x", "BULLETINS_HTTP_MAX_ATTEMPTS": "abc"}
    ingest = bulletins("ingest", "--source", "isw", env=env)
    assert (ingest.returncode, ingest.stderr) == (
        2, "bulletins: BULLETINS_HTTP_MAX_ATTEMPTS='abc': expected a whole number\n")
    # `sql` uses neither the alert nor the HTTP settings: the home is what it lacks.
    from warehouse.db import connect

    with connect(home / "warehouse.duckdb"):
        pass
    sql = bulletins("sql", "SELECT 42 AS answer", env=env)
    assert sql.returncode == 0, sql.stderr
    assert "42" in sql.stdout and "BULLETINS_ALERT" not in sql.stderr


def test_ingest_of_the_mod_without_token_or_feed_is_refused_fast_and_recorded_as_failed(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = bulletins("ingest", "--source", "ukmod", env={"BULLETINS_HOME": str(home)})
    assert result.returncode == 2
    assert result.stderr == ("bulletins: ukmod needs BULLETINS_UKMOD_X_BEARER_TOKEN (an X API v2 bearer token) "
                             "or BULLETINS_UKMOD_RSS_URL (an RSS bridge feed of @DefenceHQ); neither is set\n")
    from warehouse.db import connect

    with connect(home / "warehouse.duckdb", read_only=True) as con:
        runs = con.execute("SELECT source, status, finished_at IS NOT NULL, message FROM ingest_runs").fetchall()
    assert runs == [("ukmod", "failed", True, "failed: " + result.stderr.removeprefix("bulletins: ").strip())]
