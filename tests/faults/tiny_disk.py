"""A real full disk for tests: a small tmpfs, mounted in a mount namespace of the child's own.

`unshare --mount` gives the child process a private copy of the mount table, so the tmpfs is seen
by that process alone and vanishes with it: nothing on the machine is mounted or filled. It needs
root (CI runs as root) or unprivileged user namespaces; where neither is there, tests skip with
the reason. The kernel enforces the size: a write past it fails with ENOSPC, as on a full disk.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MOUNT = 'mount -t tmpfs -o "size=$1" bulletins-tiny-disk "$2" && shift 2 && exec "$@"'


def _unshare() -> list[str]:
    for prefix in (["unshare", "--mount", "--propagation", "private"],
                   ["unshare", "--user", "--map-root-user", "--mount", "--propagation", "private"]):
        try:
            probe = subprocess.run([*prefix, "sh", "-c", MOUNT, "sh", "64k", "/mnt", "true"],
                                   capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return prefix
    pytest.skip("cannot mount a small tmpfs in a mount namespace here (unshare --mount needs root or "
                "user namespaces); the disk-full tests need a real full disk")


def namespace_prefix(mounts: list[tuple[Path, str]]) -> list[str] | None:
    """A command prefix that runs the rest in a mount namespace with a tmpfs of each (path, size)
    mounted; None where mount namespaces cannot be made here."""
    try:
        prefix = _unshare()
    except pytest.skip.Exception:
        return None
    script = " && ".join(f'mount -t tmpfs -o "size={size}" bulletins-tiny-disk "{path}"' for path, size in mounts)
    for path, _ in mounts:
        path.mkdir(parents=True, exist_ok=True)
    return [*prefix, "sh", "-c", f'{script} && exec "$@"', "sh"]


def run_on_tiny_disk(mount_point: Path, size: str, script: str, *args: str, env: dict[str, str] | None = None,
                     timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `python -c script args...` with a tmpfs of `size` (e.g. "300k") mounted on `mount_point`."""
    mount_point.mkdir(parents=True, exist_ok=True)
    command = [*_unshare(), "sh", "-c", MOUNT, "sh", size, str(mount_point), sys.executable, "-c", script, *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=REPO, env=env)
