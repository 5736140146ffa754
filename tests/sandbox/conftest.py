"""Sentinels for the sandbox tests: a folder outside the sandbox with a file
in it, TCP and UDP listeners on 127.0.0.1, a process that must stay alive,
and a marker that must never show up in a running process's command line.
``check()`` asserts that nothing happened to any of them."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from mmgen_migrate import worker as worker_mod

MARKER = "7.123456"  # `sleep 7.123456`: a process an escape would start


def kernel_problem() -> str | None:
    problem = getattr(worker_mod, "confinement_problem", None)
    return problem() if problem is not None else None


def _running_with_marker() -> list[str]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmd = fh.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if MARKER in cmd and "pytest" not in cmd:
            found.append(f"{entry}: {cmd}")
    return found


class Sentinels:
    def __init__(self, tmp_path: Path):
        # on the file system of the sandbox's folders (so that a hard link
        # into them is possible but for the sandbox)
        from mmgen_migrate.scratch import scratch_root

        self.outside = Path(tempfile.mkdtemp(prefix="sandbox-test-outside-", dir=scratch_root()))
        self.victim = self.outside / "victim.txt"
        self.victim.write_text("keep me\n")
        os.chmod(self.victim, 0o644)
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(8)
        self.tcp.setblocking(False)
        self.tcp_port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp.setblocking(False)
        self.udp_port = self.udp.getsockname()[1]
        # a process outside the sandbox that no config may signal
        self.bystander = subprocess.Popen(["sleep", "300"])
        self.before = self._snapshot()

    def _snapshot(self):
        return {p.relative_to(self.outside).as_posix(): (p.stat().st_mode, p.stat().st_mtime_ns,
                                                         p.read_bytes() if p.is_file() else None)
                for p in sorted(self.outside.rglob("*"))}

    def close(self):
        shutil.rmtree(self.outside, ignore_errors=True)
        self.tcp.close()
        self.udp.close()
        self.bystander.kill()
        self.bystander.wait()

    def check(self, settle: float = 0.3) -> None:
        time.sleep(settle)  # a process or thread an escape started would act by now
        assert self._snapshot() == self.before, "a file outside the sandbox appeared, vanished or changed"
        try:
            conn, _ = self.tcp.accept()
            conn.close()
            raise AssertionError("a TCP connection to 127.0.0.1 was made")
        except BlockingIOError:
            pass
        try:
            self.udp.recvfrom(100)
            raise AssertionError("a UDP datagram reached 127.0.0.1")
        except BlockingIOError:
            pass
        assert self.bystander.poll() is None, "a process outside the sandbox was killed"
        assert not _running_with_marker(), f"a process was started: {_running_with_marker()}"


@pytest.fixture
def sentinels(tmp_path):
    s = Sentinels(tmp_path)
    yield s
    s.close()


@pytest.fixture
def confined_worker():
    problem = kernel_problem()
    if problem:
        pytest.skip(f"the kernel sandbox is not available here: {problem}")
    w = worker_mod.LoadWorker(timeout=20)
    yield w
    w._kill()


def write_config(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path
