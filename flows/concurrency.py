"""One ingest per source at a time, across every worker and machine: a Prefect global concurrency
limit named per source (`ingest-isw`, `ingest-ukmod`, ...), one slot each.

Two runs of one source at once would read the same documents and, on a lake where nothing stops
a second INSERT of the same key, could both store them; the slot makes the second run wait until
the first has finished, then it finds nothing new. Runs of different sources take different
slots and run side by side. The limit is created on first use (limit 1), so a fresh Prefect
server needs no set-up; an operator may still inspect or change it (`prefect gcl ls`).

Only a warehouse that takes several writers at once (DuckLake) needs the slot. The embedded
DuckDB file has one writing process at a time already (its file lock: the second run waits for
it, then finds nothing new), and there the slot would do harm: Prefect's temporary server keeps
leases in memory and revokes none, so a run killed with -9 would hold its source's slot for
every later run. On a real Prefect server a killed run's lease expires after LEASE_SECONDS
(its renewals stop) and the server's repossessor frees the slot.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import typing
from collections.abc import Callable
from typing import ParamSpec, TypeVar

# A held slot is renewed in the background well before this; a killed holder's slot is freed
# this long after its last renewal (Prefect's default, 300 s, would stall its source for minutes).
LEASE_SECONDS = 60.0
_P = ParamSpec("_P")
_R = TypeVar("_R")


def limit_name(source: str) -> str:
    return f"ingest-{source}"


def one_run_per_source(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Hold the source's slot for the whole call; `fn` takes the source as its `source` parameter."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def holding_the_slot(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        from prefect.concurrency.sync import concurrency

        if not _writers_share_the_warehouse():
            return fn(*args, **kwargs)
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        name = limit_name(str(bound.arguments["source"]))
        ensure_limit(name)
        with concurrency(name, occupy=1, strict=True, lease_duration=LEASE_SECONDS):
            return fn(*args, **kwargs)

    # Prefect builds its parameter model from the signature; the annotations are strings to be
    # resolved in `fn`'s module, so hand it them resolved (this module lacks `date`, say).
    hints = typing.get_type_hints(fn)
    holding_the_slot.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[p.replace(annotation=hints.get(p.name, p.annotation)) for p in signature.parameters.values()],
        return_annotation=hints.get("return", signature.return_annotation),
    )
    return holding_the_slot


def _writers_share_the_warehouse() -> bool:
    from flows.settings import ConfigurationError, Settings
    from warehouse.errors import WarehouseConfigError

    try:
        return Settings.from_env(alerts=False, http=False).warehouse.takes_concurrent_writers
    except (ConfigurationError, WarehouseConfigError):
        return False  # the run itself says what is misconfigured, and records it


def ensure_limit(name: str) -> None:
    """Create the one-slot limit `name` unless it exists (another worker may create it first)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
            return
        except ObjectNotFound:
            pass
        with contextlib.suppress(ObjectAlreadyExists):
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
