"""Whether a process still runs: how temp files and run rows left by a killed writer are told apart
from those of a writer still at work (the raw store, the analyst copy, the ingest runs)."""

from __future__ import annotations

import os
from pathlib import Path


def process_runs(pid: int) -> bool:
    """True while `pid` runs on this machine (as any user); a zombie nobody reaped counts as dead."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: alive
    try:  # a killed child nobody reaped yet is a zombie: dead
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")
