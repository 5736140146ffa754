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


class _TrackedDirectory(tempfile.TemporaryDirectory):
    """A TemporaryDirectory that the janitor removes if this process dies
    before it could."""

    def __init__(self, prefix: str, dir: str | None):
        _start_janitor()
        super().__init__(prefix=prefix, dir=dir)
        track(self.name)

    def cleanup(self) -> None:
        super().cleanup()
        untrack(self.name)


def scratch_dir(prefix: str) -> tempfile.TemporaryDirectory:
    return _TrackedDirectory(prefix, scratch_root())


def mkdtemp(prefix: str) -> str:
    _start_janitor()
    path = tempfile.mkdtemp(prefix=prefix, dir=scratch_root())
    track(path)
    return path


# A process killed with SIGKILL cleans up nothing.  The janitor is a tiny
# process (one per converter process) that holds the read end of a pipe:
# the kernel closes the write end when the converter ends, however it ends,
# and the janitor then removes the folders still registered with it.
_JANITOR = r"""
import os, shutil, sys
paths = set()
for line in sys.stdin.buffer:
    line = line.rstrip(b"\n")
    if line[:1] == b"+":
        paths.add(os.fsdecode(line[1:]))
    elif line[:1] == b"-":
        paths.discard(os.fsdecode(line[1:]))
    elif line == b"!":  # a normal exit: the owners clean up themselves
        paths.clear()
for p in paths:
    shutil.rmtree(p, ignore_errors=True)
"""

_janitor = None
_janitor_pid = None


def _janitor_pipe():
    global _janitor, _janitor_pid
    import subprocess
    import sys

    if _janitor is None or _janitor_pid != os.getpid() or _janitor.poll() is not None:
        _janitor = subprocess.Popen([sys.executable, "-S", "-c", _JANITOR], stdin=subprocess.PIPE,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True,
                                    start_new_session=True)  # Ctrl-C must not end it before us
        if _janitor_pid is None:
            import atexit

            atexit.register(_stop_janitor)
        _janitor_pid = os.getpid()
    return _janitor.stdin


def _start_janitor() -> None:
    """Start the janitor before making a folder for it to watch: starting
    it takes milliseconds, and a process killed in that time would leave the
    folder behind (registering a folder once the janitor runs is one write)."""
    try:
        _janitor_pipe()
    except OSError:
        pass


def _stop_janitor() -> None:
    """At a normal exit: the janitor ends without removing anything (what
    is still registered belongs to exit handlers that run after this one)."""
    janitor = _janitor
    if janitor is None or _janitor_pid != os.getpid():
        return
    try:
        janitor.stdin.write(b"!\n")
        janitor.stdin.close()
        janitor.wait(timeout=5)
    except Exception:
        pass


def _tell(sign: bytes, path: str) -> None:
    data = os.fsencode(os.path.abspath(path))
    if b"\n" in data:
        return
    try:
        pipe = _janitor_pipe()
        pipe.write(sign + data + b"\n")
        pipe.flush()
    except OSError:  # no janitor: the folder is still removed on a normal end
        pass


def track(path: str) -> None:
    """Have ``path`` removed if this process dies before :func:`untrack`."""
    _tell(b"+", path)


def untrack(path: str) -> None:
    if _janitor is not None and _janitor_pid == os.getpid():
        _tell(b"-", path)


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
