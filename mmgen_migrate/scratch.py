"""Where scratch files go.

Staging converted files and evaluating configs create and delete many small
files; on a disk-backed /tmp that costs more than the conversion itself
(MMEngine writes a temporary copy of every config it loads).  Scratch space
goes to a RAM-backed ``/dev/shm`` when there is one we can write to, else to
the normal temporary folder.
"""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache


@lru_cache(maxsize=1)
def scratch_root() -> str | None:
    """A folder for scratch files, or ``None`` for the system default."""
    override = os.environ.get("MMGEN_MIGRATE_SCRATCH")
    if override:
        return override
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK):
        try:
            probe = tempfile.mkdtemp(prefix="mmgen-migrate-probe-", dir=shm)
            os.rmdir(probe)
            return shm
        except OSError:
            return None
    return None


def scratch_dir(prefix: str) -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix=prefix, dir=scratch_root())


def mkdtemp(prefix: str) -> str:
    return tempfile.mkdtemp(prefix=prefix, dir=scratch_root())


def fresh_name(prefix: str) -> str:
    """A path in scratch space that does not exist yet, for a folder that
    another process creates (so a process killed before starting that one
    leaves nothing behind)."""
    import secrets

    base = scratch_root() or tempfile.gettempdir()
    while True:
        path = os.path.join(base, f"{prefix}{secrets.token_hex(6)}")
        if not os.path.exists(path):
            return path
