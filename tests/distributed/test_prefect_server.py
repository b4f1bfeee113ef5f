"""The whole distributed path on loopback: a Prefect server on PostgreSQL, a process worker, the
prefect.yaml deployments of ISW, the General Staff and the MoD run concurrently against the
sample servers, into DuckLake on PostgreSQL. Every process is started here and stopped by PID."""

from __future__ import annotations

import contextlib
import itertools
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from flows.archive_server import serve_archive, serve_handler
from flows.demo import ARCHIVE_RANGE, DEMO_X_TOKEN, SAMPLES
from samples.genstaff.api import load_days
from samples.genstaff.api import make_handler as genstaff_handler
from samples.ukmod.loopback import make_handler as x_api_handler
from tests.distributed.conftest import Lake
from tests.distributed.services import Postgres, Processes, free_port
from warehouse.db import connect

pytestmark = pytest.mark.distributed

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("isw", "genstaff", "ukmod")
BACKFILL = {"mode": "backfill", "date_from": ARCHIVE_RANGE[0].isoformat(), "date_to": ARCHIVE_RANGE[1].isoformat()}
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
# What differs between two runs of the same documents (who ran, when, and the loopback ports in
# URLs and in the API pages' hashes); the figures, periods, quotes and versions must not.
LATEST = """
SELECT * EXCLUDE (run_id, recorded_at, url, document_sha256)
FROM observations_latest WHERE source IN ('isw', 'genstaff', 'ukmod') ORDER BY ALL
"""
_databases = itertools.count(1)


@dataclass(frozen=True)
class PrefectServer:
    api_url: str
    env: dict[str, str]  # for any client of it: CLI, worker


def _clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "BULLETINS_"))}
    return {**env, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
            "GX_ANALYTICS_ENABLED": "False", "PYTHONPATH": str(REPO)}


@pytest.fixture
def prefect_server(postgres: Postgres, processes: Processes, tmp_path: Path) -> PrefectServer:
    database = f"prefect_{next(_databases)}"
    postgres.create_database(database)
    port = free_port()
    env = {**_clean_env(tmp_path / "prefect-server"), "PREFECT_API_DATABASE_CONNECTION_URL": postgres.url(database),
           "PREFECT_UI_ENABLED": "false", "PREFECT_SERVER_UI_ENABLED": "false"}
    server = processes.start([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                              "--port", str(port)], env=env, log=tmp_path / "prefect-server.log")
    api_url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 120
    while True:  # it migrates the empty database first (~10 s)
        assert server.poll() is None, (tmp_path / "prefect-server.log").read_text()[-3000:]
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                break
        assert time.monotonic() < deadline, "the Prefect server did not become healthy in 120 s"
        time.sleep(0.5)
    return PrefectServer(api_url, {**_clean_env(tmp_path / "prefect-client"), "PREFECT_API_URL": api_url})


@contextlib.contextmanager
def sample_servers() -> Iterator[dict[str, str]]:
    """The three sample archives on loopback, as the demo serves them; yields the settings naming them."""
    with (
        serve_archive(SAMPLES / "isw" / "site") as isw_url,
        serve_handler(genstaff_handler(load_days(SAMPLES / "genstaff" / "data"))) as genstaff_url,
        serve_handler(x_api_handler(SAMPLES / "ukmod", bearer_token=DEMO_X_TOKEN)) as x_api_url,
    ):
        yield {"bulletins_isw_base_url": isw_url, "bulletins_genstaff_base_url": genstaff_url,
               "bulletins_ukmod_x_api_url": x_api_url}


def test_three_sources_run_concurrently_on_a_server_and_a_worker_into_the_lake(
    prefect_server: PrefectServer, lake: Lake, processes: Processes, demo_home: Path, tmp_path: Path
) -> None:
    env = prefect_server.env
    home = tmp_path / "home"
    with sample_servers() as urls:
        variables = {**urls, "bulletins_home": str(home), "bulletins_warehouse": lake.catalog,
                     "bulletins_lake_data_path": str(lake.data_path)}
        _prefect(env, "work-pool", "create", "bulletins", "--type", "process")
        for name, value in variables.items():
            _prefect(env, "variable", "set", name, value)
        _prefect({**env, "BULLETINS_PROJECT_DIR": str(REPO)}, "--no-prompt", "deploy", "--all")
        deployment = _api(prefect_server, "GET", "/deployments/name/ingest/ukmod-daily")
        job_env = deployment["job_variables"]["env"]
        assert job_env["BULLETINS_WAREHOUSE"] == lake.catalog and job_env["BULLETINS_UKMOD_RSS_URL"] == ""
        assert not any("TOKEN" in name or "{{" in value for name, value in job_env.items())

        # The secret is the worker's own; it reaches the flow runs it starts, never prefect.yaml.
        processes.start([sys.executable, "-m", "prefect", "worker", "start", "--pool", "bulletins", "--limit", "4"],
                        env={**env, "BULLETINS_UKMOD_X_BEARER_TOKEN": DEMO_X_TOKEN}, log=tmp_path / "worker.log",
                        cwd=REPO)
        first = _run_and_wait(prefect_server, tmp_path, SOURCES)
        # Different sources side by side: every run started before any other finished.
        assert max(r["start_time"] for r in first) < min(r["end_time"] for r in first)

        with connect(lake.warehouse, read_only=True) as on_lake:
            rows_after_first = on_lake.execute("SELECT count(*) FROM observations").fetchone()
            stored = on_lake.execute(LATEST).df()
            duplicates = (REPO / "warehouse" / "sql" / "duplicate_keys.sql").read_text(encoding="utf-8")
            assert on_lake.execute(duplicates).fetchall() == []
        with connect(demo_home / "warehouse.duckdb", read_only=True) as embedded:
            expected = embedded.execute(LATEST).df()
        assert set(stored["source"]) == set(SOURCES)
        pd.testing.assert_frame_equal(stored, expected)

        # A second round appends nothing, and two ISW runs at once take turns on the ingest-isw slot.
        second = _run_and_wait(prefect_server, tmp_path, ("isw", "isw", "genstaff", "ukmod"))
    limit = _api(prefect_server, "GET", "/v2/concurrency_limits/ingest-isw")
    assert limit["limit"] == 1
    with connect(lake.warehouse, read_only=True) as on_lake:
        assert on_lake.execute("SELECT count(*) FROM observations").fetchone() == rows_after_first
        appended = on_lake.execute(
            "SELECT sum(rows_appended), count(*) FROM ingest_runs WHERE run_id IN (SELECT unnest(?))",
            [[r["id"] for r in second]],
        ).fetchone()
        assert appended == (0, 4)
        # A run records its start once it holds its source's slot and its finish before letting go.
        isw = on_lake.execute(
            "SELECT started_at, finished_at FROM ingest_runs WHERE run_id IN (SELECT unnest(?)) AND source = 'isw' "
            "ORDER BY started_at", [[r["id"] for r in second]],
        ).fetchall()
        assert len(isw) == 2 and isw[0][1] <= isw[1][0], isw


def _run_and_wait(server: PrefectServer, tmp_path: Path, sources: tuple[str, ...],
                  timeout: float = 420) -> list[dict[str, Any]]:
    ids = []
    for source in sources:
        deployment = _api(server, "GET", f"/deployments/name/ingest/{source}-daily")
        run = _api(server, "POST", f"/deployments/{deployment['id']}/create_flow_run",
                   json={"parameters": {"source": source, **BACKFILL}})
        ids.append(run["id"])
    deadline = time.monotonic() + timeout
    while True:
        runs = [_api(server, "GET", f"/flow_runs/{run_id}") for run_id in ids]
        if all(r["state"]["type"] in TERMINAL for r in runs):
            break
        assert time.monotonic() < deadline, (
            f"flow runs not finished after {timeout} s: {[r['state']['type'] for r in runs]}\n"
            + (tmp_path / "worker.log").read_text()[-4000:]
        )
        time.sleep(2)
    assert [r["state"]["type"] for r in runs] == ["COMPLETED"] * len(runs), (
        (tmp_path / "worker.log").read_text()[-6000:])
    return runs


def _api(server: PrefectServer, method: str, path: str, **kwargs: Any) -> Any:
    response = httpx.request(method, f"{server.api_url}{path}", timeout=30, **kwargs)
    response.raise_for_status()
    return response.json()


def _prefect(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "prefect", *args], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_bulletins_serve_runs_every_deployment_of_prefect_yaml_from_one_process(
    prefect_server: PrefectServer, processes: Processes, tmp_path: Path
) -> None:
    from flows.serve import declared_deployments

    home = tmp_path / "home"
    env = {**prefect_server.env, "BULLETINS_HOME": str(home)}
    serve = processes.start([sys.executable, "-m", "flows.cli", "serve"], env=env, log=tmp_path / "serve.log",
                            cwd=REPO)
    declared = {d.name for d in declared_deployments()}
    deadline = time.monotonic() + 120
    while True:
        assert serve.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
        served = {d["name"] for d in _api(prefect_server, "POST", "/deployments/filter", json={})}
        if declared <= served:
            break
        assert time.monotonic() < deadline, f"served {served}, declared {declared}"
        time.sleep(1)
    daily = _api(prefect_server, "GET", "/deployments/name/ingest/isw-daily")
    assert [s["schedule"]["cron"] for s in daily["schedules"]] == ["30 7 * * *"]
    # A manual run of one of them is carried out by the serving process, in its environment.
    curated = _api(prefect_server, "GET", "/deployments/name/ingest/curated")
    run = _api(prefect_server, "POST", f"/deployments/{curated['id']}/create_flow_run", json={})
    deadline = time.monotonic() + 300
    while (state := _api(prefect_server, "GET", f"/flow_runs/{run['id']}")["state"]["type"]) not in TERMINAL:
        assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()[-3000:]
        time.sleep(2)
    assert state == "COMPLETED", (tmp_path / "serve.log").read_text()[-3000:]
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        assert con.execute("SELECT count(*) FROM observations WHERE source = 'curated'").fetchone()[0] > 0
