"""Real servers for the distributed tests: PostgreSQL from Debian's package, and the
processes the tests start (Prefect server, workers, writers), each on a free 127.0.0.1 port and
each stopped by its PID, also when a test fails.

Where the packages are missing the tests are skipped with the reason; with
BULLETINS_REQUIRE_SERVICES=1 (set by .ci/run) a missing package fails them instead, so CI can
never pass by skipping. (No test needs Redis: it is what a Prefect server with `--workers N > 1`
needs, and the tests run the server as one process, as the README's sequence does.)
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

REQUIRE_ENV = "BULLETINS_REQUIRE_SERVICES"


def unavailable(reason: str) -> None:
    """Skip the test, or fail it where CI requires the services."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1: CI must run the distributed tests; `make test` installs them)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def postgres_bin() -> Path | None:
    """Debian installs PostgreSQL's server programs under /usr/lib/postgresql/<version>/bin."""
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and shutil.which("initdb") else None


@dataclass(frozen=True)
class Postgres:
    port: int
    data_dir: Path
    pid: int
    bin_dir: Path
    run_as: str | None

    def dsn(self, database: str) -> str:
        """libpq key=value form, as DuckLake's `ducklake:postgres:` takes it."""
        return f"dbname={database} host=127.0.0.1 port={self.port} user=postgres"

    def url(self, database: str) -> str:
        """SQLAlchemy form, as Prefect's PREFECT_API_DATABASE_CONNECTION_URL takes it."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> None:
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "postgres", "-q",
             "-c", f'CREATE DATABASE "{name}"'],
            check=True, capture_output=True, timeout=60,
        )


def _as_user(user: str | None, command: Sequence[str]) -> list[str]:
    # initdb refuses to run as root: as root (CI), the server runs as Debian's `postgres` user.
    return ["runuser", "-u", user, "--", *command] if user else list(command)


@contextlib.contextmanager
def postgres_server(root: Path) -> Iterator[Postgres]:
    """initdb + pg_ctl on a free port, trust authentication on loopback, fsync off (~1-3 s)."""
    bin_dir = postgres_bin()
    if bin_dir is None or shutil.which("psql") is None:
        unavailable("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    assert bin_dir is not None
    run_as = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            unavailable("running as root without a `postgres` user to run the server as")
        run_as = "postgres"
    root.mkdir(parents=True, exist_ok=True)
    data_dir, socket_dir = root / "data", root / "socket"
    socket_dir.mkdir(exist_ok=True)
    if run_as:
        shutil.chown(root, run_as)
        shutil.chown(socket_dir, run_as)
    subprocess.run(_as_user(run_as, [str(bin_dir / "initdb"), "-D", str(data_dir), "-A", "trust", "-U", "postgres",
                                      "--no-sync"]),
                   check=True, capture_output=True, timeout=120)
    port = free_port()
    options = f"-p {port} -k {socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    subprocess.run(_as_user(run_as, [str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-o", options,
                                      "-l", str(root / "server.log"), "-w", "-t", "60", "start"]),
                   check=True, capture_output=True, timeout=90)
    pid = int((data_dir / "postmaster.pid").read_text().split()[0])
    try:
        yield Postgres(port, data_dir, pid, bin_dir, run_as)
    finally:
        stop_pid(pid, signal.SIGINT)  # PostgreSQL's "fast" shutdown


def wait_for_port(port: int, timeout: float, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the process meant to listen on {port} exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def stop_pid(pid: int, first: signal.Signals = signal.SIGTERM, grace: float = 15.0) -> None:
    """Stop one process we started: `first`, then SIGTERM again (a Prefect worker ignores its first),
    then SIGKILL; reaped if it is our child."""
    for sig, wait in ((first, grace), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.1)


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        done, _status = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie that is not our child still answers kill(0): look at its state.
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    return True


class Processes:
    """The processes one test starts; `stop_all` stops each by its PID, newest first."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, command: Sequence[str], *, env: dict[str, str], log: Path,
              cwd: Path | None = None) -> subprocess.Popen[bytes]:
        handle = log.open("ab")
        process = subprocess.Popen(list(command), env=env, stdout=handle, stderr=subprocess.STDOUT, cwd=cwd,
                                   start_new_session=True)
        handle.close()
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        """Each process and what it started (a worker's flow runs, a server's children), by PID."""
        for process in reversed(self.started):
            family = [*descendants(process.pid), process.pid]
            stop_pid(process.pid)
            for pid in family:
                stop_pid(pid, grace=5.0)


def descendants(pid: int) -> list[int]:
    """PIDs of the processes below `pid`, deepest first (from /proc, Linux)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: list[int] = []
    stack = list(parents.get(pid, []))
    while stack:
        child = stack.pop()
        found.append(child)
        stack.extend(parents.get(child, []))
    return found[::-1]
