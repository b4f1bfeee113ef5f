"""A second process holding a DuckDB file open: how tests make a real lock, never a mock of one."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# A second process that opens a DuckDB file and keeps it open. Each line on its stdin is SQL to run
# (the rows come back as one JSON line), `sleep SECONDS`, or `close` (drop the connection, stay alive).
HOLDER = """
import json, sys, time
import duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read_only")
print("ready", flush=True)
for line in sys.stdin:
    if line.startswith("sleep "):
        time.sleep(float(line.split()[1]))
    elif line.strip() == "close":
        con.close()
    else:
        print(json.dumps(con.execute(line).fetchall(), default=str), flush=True)
"""


class Holder:
    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.pid = process.pid

    def send(self, *lines: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("".join(f"{line}\n" for line in lines))
        self.process.stdin.flush()

    def query(self, sql: str) -> list[list[object]]:
        self.send(sql)
        assert self.process.stdout is not None
        return json.loads(self.process.stdout.readline())


@contextmanager
def held_open(path: Path, *, read_only: bool = False) -> Iterator[Holder]:
    """`path` opened by another Python process (read-only or for writing) until the block ends."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), "read_only" if read_only else "write"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        ready = process.stdout.readline()
        if ready != "ready\n":
            process.kill()
            raise AssertionError(f"the holder did not open {path}: {process.communicate()[1]}")
        yield Holder(process)
    finally:
        process.kill()
        process.communicate(timeout=30)


