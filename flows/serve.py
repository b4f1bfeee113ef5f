"""`bulletins serve`: every deployment of prefect.yaml, with its schedule, from one process.

For one machine without a work pool: `prefect.serve` registers the deployments with the Prefect
API (a standing `prefect server start`, or Prefect Cloud) and runs their scheduled and manual runs
in subprocesses of this process, in the environment it was started with. prefect.yaml stays the
single list of deployments: this reads it rather than repeating it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PREFECT_YAML = Path(__file__).resolve().parents[1] / "prefect.yaml"


@dataclass(frozen=True)
class Declared:
    """One deployment as prefect.yaml declares it."""

    name: str
    entrypoint: str  # path/to/file.py:flow_function
    description: str | None
    parameters: dict[str, Any]
    tags: list[str]
    schedules: list[dict[str, Any]]


def declared_deployments(path: Path = PREFECT_YAML) -> list[Declared]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Declared(
            name=entry["name"], entrypoint=entry["entrypoint"], description=entry.get("description"),
            parameters=dict(entry.get("parameters") or {}), tags=list(entry.get("tags") or []),
            schedules=list(entry.get("schedules") or []),
        )
        for entry in document["deployments"]
    ]


def load_flow(entrypoint: str) -> Any:
    """`flows/ingest.py:ingest` -> the flow object, imported as a module of the package."""
    file, _, attribute = entrypoint.partition(":")
    module = importlib.import_module(file.removesuffix(".py").replace("/", "."))
    return getattr(module, attribute)


def runner_deployments(path: Path = PREFECT_YAML) -> list[Any]:
    from prefect.schedules import Cron

    deployments = []
    for declared in declared_deployments(path):
        schedules = [
            Cron(s["cron"], timezone=s.get("timezone"), active=s.get("active", True)) for s in declared.schedules
        ]
        deployments.append(load_flow(declared.entrypoint).to_deployment(
            name=declared.name, description=declared.description, parameters=declared.parameters,
            tags=declared.tags, schedules=schedules,
        ))
    return deployments


def serve_all(limit: int | None = None) -> None:
    """Register every deployment and run them until interrupted (Ctrl-C, SIGTERM)."""
    from prefect import serve

    serve(*runner_deployments(), limit=limit, print_starting_message=True)
