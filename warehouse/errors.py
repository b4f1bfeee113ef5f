"""Errors of the warehouse that the command line reports without importing DuckDB."""

from __future__ import annotations

import errno as _errno
from pathlib import Path

LOCK_TIMEOUT_ENV = "BULLETINS_LOCK_TIMEOUT"


class WarehouseLocked(RuntimeError):
    """Another process kept the DuckDB file locked for longer than the lock timeout."""

    def __init__(self, path: Path, pid: int, command: str, waited: float) -> None:
        self.path, self.pid, self.command, self.waited = path, pid, command, waited
        super().__init__(
            f"{path} is locked by PID {pid} ({command}), still after {waited:g} s ({LOCK_TIMEOUT_ENV}): "
            "query the analyst copy with `bulletins sql`, or close that session"
        )

    def __reduce__(self) -> tuple[type[WarehouseLocked], tuple[Path, int, str, float]]:
        # Prefect pickles a failed task's exception; the default would call __init__ with the message.
        return (WarehouseLocked, (self.path, self.pid, self.command, self.waited))


# Errors that mean "no room": retrying will not help until someone frees space.
NO_ROOM = frozenset({_errno.ENOSPC, _errno.EDQUOT, _errno.EFBIG})
# DuckDB's IOException carries no errno, only the C library's words for it.
_NO_ROOM_WORDS = ("No space left on device", "Disk quota exceeded", "File too large")


def is_no_room(error: BaseException) -> bool:
    """Whether `error` says the disk is full (an OSError's errno, else DuckDB's message)."""
    if isinstance(error, OSError) and error.errno is not None:
        return error.errno in NO_ROOM
    return any(words in str(error) for words in _NO_ROOM_WORDS)


class StorageFull(OSError):
    """The disk under the raw store or the warehouse is full (or over quota, or past a file-size
    limit): one line saying where and what was being written. Whatever was written before stays."""

    def __str__(self) -> str:
        return str(self.strerror)  # the message alone, without OSError's "[Errno 28]"


class WarehouseConfigError(ValueError):
    """BULLETINS_WAREHOUSE or BULLETINS_LAKE_DATA_PATH cannot be used; the message says why."""
