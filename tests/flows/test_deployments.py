"""prefect.yaml is accepted by `prefect deploy --all` against a real (test) Prefect server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def test_prefect_deploy_accepts_every_deployment(prefect_harness: None, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "BULLETINS_PROJECT_DIR": str(REPO)}
    prefect = [sys.executable, "-m", "prefect"]
    pool = subprocess.run([*prefect, "work-pool", "create", "bulletins", "--type", "process"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert pool.returncode == 0, pool.stdout + pool.stderr
    deploy = subprocess.run([*prefect, "--no-prompt", "deploy", "--all"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr

    declared = {d["name"]: d for d in yaml.safe_load((REPO / "prefect.yaml").read_text())["deployments"]}
    with get_client(sync_client=True) as client:
        stored = {d.name: d for d in client.read_deployments()}
    assert set(declared) <= set(stored)
    daily = stored["isw-daily"]
    assert [s.schedule.cron for s in daily.schedules] == ["30 7 * * *"]
    assert [s.schedule.timezone for s in daily.schedules] == ["Europe/Kyiv"]
    assert stored["ukmod-daily"].parameters == {"source": "ukmod", "mode": "incremental"}
