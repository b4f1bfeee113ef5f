"""Real ingest processes for the fault matrix, started fast enough to kill a dozen of them.

Importing Prefect and Great Expectations costs seconds; a kill -9 loop pays it once. `Runner`
starts this module as a "zygote" process that imports the pipeline, then forks one child per
ingest on request: each child is a real, separate process running the real flow against the test
session's Prefect server, and can be killed at any instant. (The zygote runs no thread when it
forks: the imports start none, which is checked.)

Optionally the zygote is started in a mount namespace of its own with a small tmpfs mounted
(tests/faults/tiny_disk.py): its children then write to a disk that really fills up. The test
process sees that disk's files through /proc/<zygote pid>/root.

Protocol on the zygote's stdin/stdout, one JSON object per line:
    {"run": {...ingest kwargs}, "env": {...}, "log": path, "result": path}  ->  {"pid": child pid}
    {"wait": pid}                                                          ->  {"pid": pid, "status": code}
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Child:
    pid: int
    result: Path
    log: Path

    def outcome(self) -> dict[str, Any] | None:
        """The flow's final state as the child wrote it; None if it died before."""
        try:
            return json.loads(self.result.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None


class Runner:
    """The zygote, seen from the test; a context manager."""

    def __init__(self, workdir: Path, env: dict[str, str], prefix: list[str] | None = None) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self._process = subprocess.Popen(
            [*(prefix or []), sys.executable, "-m", "tests.faults.runner"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(workdir / "zygote.log", "w"),  # noqa: SIM115
            text=True, cwd=REPO, env={**os.environ, **env},
        )
        self._lock = threading.Lock()
        self._count = 0
        ready = self._read()
        if ready.get("ready") is not True:
            raise RuntimeError(f"the zygote did not start: {ready} {(workdir / 'zygote.log').read_text()[-2000:]}")

    @property
    def pid(self) -> int:
        return self._process.pid

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=30)

    def start(self, env: dict[str, str], **run: Any) -> Child:
        with self._lock:
            self._count += 1
            number = self._count
        child = Child(0, self.workdir / f"result-{number}.json", self.workdir / f"child-{number}.log")
        answer = self._ask({"run": run, "env": env, "result": str(child.result), "log": str(child.log)})
        child.pid = int(answer["pid"])
        return child

    def wait(self, child: Child) -> int:
        """The child's exit status (-9 when killed)."""
        return int(self._ask({"wait": child.pid})["status"])

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self._process.stdin is not None
        with self._lock:
            self._process.stdin.write(json.dumps(request, default=str) + "\n")
            self._process.stdin.flush()
            return self._read()

    def _read(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the zygote ended: {(self.workdir / 'zygote.log').read_text()[-2000:]}")
        return json.loads(line)


def kill(child: Child) -> bool:
    """kill -9; False if it had already ended."""
    try:
        os.kill(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True


# -- the zygote --------------------------------------------------------------------------------------

def _zygote() -> None:
    import threading as zygote_threading
    from datetime import date

    import expectations.data_docs
    import expectations.validate  # noqa: F401
    from flows.ingest import ingest

    if zygote_threading.active_count() != 1:
        raise SystemExit(f"cannot fork safely: threads running {zygote_threading.enumerate()}")
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        if "wait" in request:
            _, status = os.waitpid(int(request["wait"]), 0)
            code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            print(json.dumps({"pid": request["wait"], "status": code}), flush=True)
            continue
        pid = os.fork()
        if pid:
            print(json.dumps({"pid": pid}), flush=True)
            continue
        # The child: its own output file, its environment, one flow run, then out.
        code = 2
        try:
            log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(log, 1)
            os.dup2(log, 2)
            os.environ.update(request["env"])
            run = dict(request["run"])
            for name in ("date_from", "date_to"):
                if run.get(name):
                    run[name] = date.fromisoformat(run[name])
            started = time.monotonic()
            state = ingest(**run, return_state=True)
            outcome = {"state": state.name, "failed": state.is_failed(), "message": state.message,
                       "seconds": round(time.monotonic() - started, 2)}
            Path(request["result"]).write_text(json.dumps(outcome, default=str), encoding="utf-8")
            code = 1 if state.is_failed() else 0
        except BaseException as error:  # reported in the child's log and by its exit status
            print(f"child failed: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)


if __name__ == "__main__":
    _zygote()
