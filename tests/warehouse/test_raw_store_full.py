"""The raw store on a disk that fills up (a real one: a small tmpfs, tests/faults/tiny_disk.py)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.faults.tiny_disk import run_on_tiny_disk
from warehouse.raw_store import RawStore

FILL = """
import json, os, sys
from datetime import UTC, datetime
from pathlib import Path
from warehouse.errors import StorageFull
from warehouse.raw_store import RawStore

store = RawStore(Path(sys.argv[1]))
stored, error = [], None
for number in range(40):
    body = f"report {number} ".encode().ljust(100_000, b".")
    try:
        stored.append(store.put(body, source="isw", url=f"https://understandingwar.org/r/{number}",
                                headers={}, fetched_at=datetime.now(UTC)).sha256)
    except StorageFull as full:
        error = str(full)
        break
readable = all(len(store.read(sha)) == 100_000 for sha in stored)
files = sorted(str(p.relative_to(store.root)) for p in store.root.rglob("*") if p.is_file())
print(json.dumps({"stored": len(stored), "error": error, "readable": readable, "files": files,
                  "expected": sorted(store.relative_path(sha) for sha in stored)}))
"""


def test_a_full_disk_leaves_no_temporary_file_and_keeps_what_was_stored(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    done = run_on_tiny_disk(raw, "450k", FILL, str(raw))
    assert done.returncode == 0 and done.stderr == "", done.stderr
    outcome = json.loads(done.stdout)
    assert 1 <= outcome["stored"] < 40  # some fitted, then the disk was full
    assert outcome["error"].startswith(f"the raw store {raw} has no room for a 100000-byte document from "
                                       f"https://understandingwar.org/r/{outcome['stored']} (no space left on device)")
    assert "\n" not in outcome["error"]
    assert outcome["readable"] is True
    assert outcome["files"] == outcome["expected"]  # no half-written temp file next to them


def test_a_temp_file_left_by_a_killed_writer_is_removed_by_the_next_write(tmp_path: Path) -> None:
    store = RawStore(tmp_path / "raw")
    body = b"Russian forces gained 203 square kilometers in March 2025."
    folder = (store.root / store.relative_path(hashlib.sha256(body).hexdigest())).parent
    folder.mkdir(parents=True)
    # A writer killed mid-write leaves its temp file, named after its process id (now gone).
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    abandoned = folder / f".{'0' * 64}.tmp-{gone.stdout.strip()}"
    abandoned.write_bytes(b"half a report")
    writing = folder / f".{'1' * 64}.tmp-{os.getppid()}"  # a writer still running: left alone
    writing.write_bytes(b"being written")

    stored = store.put(body, source="isw", url="u", headers={}, fetched_at=datetime.now(UTC))

    assert store.read(stored.sha256) == body
    assert sorted(p.name for p in folder.iterdir()) == sorted([stored.sha256, writing.name])
