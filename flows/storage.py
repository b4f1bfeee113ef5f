"""Checks of BULLETINS_HOME, the raw store and the warehouse before a command touches them.

Each check tries what the command will do (create a file, open one for reading) rather than
asking `os.access`, which says yes to root whatever the file system allows. A failure is one line
naming the path and what was needed (exit 2 at the command line).

Commands that only read (`sql`, `validate`, `quarantine`, `report`, `review`) never create
anything: a home or warehouse that does not exist yet is said to be missing.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from flows.settings import Settings

if TYPE_CHECKING:
    from warehouse.backend import Warehouse


class StorageProblem(RuntimeError):
    """BULLETINS_HOME, the raw store or the warehouse cannot be used as the command needs."""


def check_writable_home(settings: Settings) -> None:
    """What an ingest, a release or the demo writes: the home (created if missing), the raw store
    and, for the embedded warehouse, its file and the analyst copy must all be writable."""
    _writable_dir(settings.home, "BULLETINS_HOME")
    if settings.raw_dir.exists():
        _writable_dir(settings.raw_dir, "the raw store")
    if settings.warehouse.is_lake:
        return  # its catalog and files are checked when it is attached
    for path, what in ((settings.warehouse_path, "the warehouse"), (settings.analyst_path, "the analyst copy")):
        if path.exists():
            _readable_writable_file(path, what)


def readable_database(settings: Settings, *, prefer_analyst_copy: bool = True) -> Path | Warehouse:
    """What a read-only command reads, for warehouse.db.connect: the analyst copy when there is one
    (readers never wait for the writer), else the warehouse file; a DuckLake itself. Creates
    nothing; says what is missing."""
    if settings.warehouse.is_lake:
        return settings.warehouse
    if not settings.home.exists():
        raise StorageProblem(f"BULLETINS_HOME {settings.home} does not exist: run `bulletins demo` or "
                             "`bulletins ingest` first (or set BULLETINS_HOME to where they wrote)")
    if not settings.home.is_dir():
        raise StorageProblem(f"BULLETINS_HOME {settings.home} is not a directory")
    candidates = [settings.analyst_path, settings.warehouse_path] if prefer_analyst_copy else [settings.warehouse_path]
    for path in candidates:
        if path.exists():
            _readable_file(path, "the analyst copy" if path == settings.analyst_path else "the warehouse")
            return path
    raise StorageProblem(f"no warehouse in {settings.home} (no {settings.warehouse_path.name}): run "
                         "`bulletins demo` or `bulletins ingest` first")


def _writable_dir(path: Path, what: str) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except FileExistsError:
        raise StorageProblem(f"{what} {path} is not a directory") from None
    except NotADirectoryError:
        raise StorageProblem(f"{what} {path} cannot be created: a part of the path is a file") from None
    except OSError as error:
        raise StorageProblem(f"{what} {path} is not writable ({_reason(error)}): this command writes there") from None


def _readable_writable_file(path: Path, what: str) -> None:
    if path.is_dir():
        raise StorageProblem(f"{what} {path} is a directory, not a DuckDB file")
    try:
        with path.open("r+b"):
            pass
    except OSError as error:
        raise StorageProblem(f"{what} {path} cannot be opened for writing ({_reason(error)}): "
                             "this command writes to it") from None


def _readable_file(path: Path, what: str) -> None:
    if path.is_dir():
        raise StorageProblem(f"{what} {path} is a directory, not a DuckDB file")
    try:
        with path.open("rb"):
            pass
    except OSError as error:
        raise StorageProblem(f"{what} {path} cannot be read ({_reason(error)})") from None


def _reason(error: OSError) -> str:
    return (error.strerror or type(error).__name__).lower()
