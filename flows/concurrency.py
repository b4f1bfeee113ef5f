"""One ingest per source at a time, across every worker and machine: a Prefect global concurrency
limit named per source (`ingest-isw`, `ingest-ukmod`, ...), one slot each.

Two runs of one source at once would read the same documents and, on a lake where nothing stops
a second INSERT of the same key, could both store them; the slot makes the second run wait until
the first has finished, then it finds nothing new. Runs of different sources take different
slots and run side by side. The limit is created on first use (limit 1), so a fresh Prefect
server needs no set-up; an operator may still inspect or change it (`prefect gcl ls`).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import typing
from collections.abc import Callable
from typing import ParamSpec, TypeVar

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

        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        name = limit_name(str(bound.arguments["source"]))
        ensure_limit(name)
        with concurrency(name, occupy=1, strict=True):
            return fn(*args, **kwargs)

    # Prefect builds its parameter model from the signature; the annotations are strings to be
    # resolved in `fn`'s module, so hand it them resolved (this module lacks `date`, say).
    hints = typing.get_type_hints(fn)
    holding_the_slot.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[p.replace(annotation=hints.get(p.name, p.annotation)) for p in signature.parameters.values()],
        return_annotation=hints.get("return", signature.return_annotation),
    )
    return holding_the_slot


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
