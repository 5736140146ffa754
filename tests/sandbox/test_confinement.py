"""The confinement itself (sandbox.py), the choice of confinement, and what
happens where the kernel or a binding is missing."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from mmgen_migrate import sandbox, worker
from mmgen_migrate.worker import EvaluationError, LoadWorker

from .conftest import kernel_problem, write_config

needs_kernel = pytest.mark.skipif(kernel_problem() is not None,
                                  reason=f"the kernel sandbox is not available here: {kernel_problem()}")


def _in_confined_child(body, folder, **limits) -> tuple[int, str]:
    """Fork, confine, run ``body()`` (its return value is sent back), exit."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            sandbox.confine(str(folder), memory_bytes=limits.get("memory"), cpu_seconds=limits.get("cpu"))
            out = str(body())
        except BaseException as exc:
            out = f"{type(exc).__name__}: {exc}"
        try:
            os.write(w, out.encode())
        finally:
            os._exit(0)
    os.close(w)
    chunks = []
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode()


@needs_kernel
def test_limits_cannot_be_raised_again(tmp_path):
    def body():
        results = []
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        # raising needs a capability (dropped); even lowering, which any
        # process may do, is refused: the seccomp filter denies prlimit
        for new in ((resource.RLIM_INFINITY, resource.RLIM_INFINITY), (soft // 2, hard)):
            try:
                resource.setrlimit(resource.RLIMIT_AS, new)
                results.append("changed")
            except (ValueError, OSError):
                results.append("refused")
        return ",".join(results) + f";{soft}"

    code, out = _in_confined_child(body, tmp_path, memory=8 * 1024**3)
    assert code == 0 and out.split(";")[0] == "refused,refused", out
    assert int(out.split(";")[1]) == 8 * 1024**3


@needs_kernel
def test_cpu_time_is_limited_by_the_kernel(tmp_path):
    def body():
        while True:
            pass

    start = time.monotonic()
    code, out = _in_confined_child(body, tmp_path, cpu=1)
    assert code in (-signal.SIGXCPU, -signal.SIGKILL), (code, out)
    assert time.monotonic() - start < 60  # 1 s of CPU time (the wall clock may be slower on a busy machine)


@needs_kernel
def test_the_config_cannot_signal_the_converter_or_the_template(tmp_path, confined_worker):
    """Signal 0 only asks whether a signal would be allowed: the kernel says
    no for the template (the parent) and for the converter (this process)."""
    for target in ("os.getppid()", str(os.getpid())):
        cfg = write_config(tmp_path / "probe.py", f"""
            import gc, os
            for o in gc.get_objects():
                if type(o).__name__ == '_Fence':
                    o.active = False
            os.kill({target}, 0)
        """)
        with pytest.raises(EvaluationError, match="Operation not permitted"):
            confined_worker.load(cfg)
    assert confined_worker.load(write_config(tmp_path / "ok.py", "x = 1\n")) == {"x": 1}


@needs_kernel
def test_the_default_is_the_kernel_sandbox():
    assert worker.shared_worker() is worker.shared_worker("kernel")
    assert worker.shared_worker().confinement == "kernel"
    assert worker.shared_worker("unconfined") is not worker.shared_worker()
    with pytest.raises(ValueError, match="confinement must be one of"):
        worker.shared_worker("weak")


def test_unconfined_is_really_unconfined_but_still_one_process_per_file(tmp_path):
    """`--allow-exec=unconfined` (the user's explicit choice): no kernel
    confinement, so the dir_fd write that the sandbox stops goes through;
    each file still gets its own process and the time limit."""
    outside = tmp_path / "outside"
    outside.mkdir()
    w = LoadWorker(timeout=5, confinement="unconfined")
    try:
        cfg = write_config(tmp_path / "cfg.py", f"""
            import os
            def _write():
                fd = os.open({str(outside)!r}, os.O_RDONLY)
                os.close(os.open('made.txt', os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
                return os.getpid()
            pid = _write()
            del _write
        """)
        first = w.load(cfg)["pid"]
        assert (outside / "made.txt").exists()
        assert w.load(cfg)["pid"] != first
        with pytest.raises(EvaluationError, match="took longer than 5 s"):
            w.load(write_config(tmp_path / "loop.py", "while True:\n    pass\n"))
    finally:
        w._kill()


@pytest.mark.parametrize("blocked, expected", [
    ("landlockpy", "the Landlock binding (Python package `landlockpy`, Python 3.10+) is not installed"),
    ("pyseccomp", "seccomp is not usable: the Python package `pyseccomp` or libseccomp is missing"),
])
def test_a_missing_binding_is_named_and_the_kernel_sandbox_refuses(blocked, expected, tmp_path):
    """Where a mechanism is missing, `confinement_problem()` says which, in
    one line, and a kernel-confined worker refuses to evaluate anything
    (never a silent downgrade)."""
    cfg = write_config(tmp_path / "ok.py", "x = 1\n")
    script = textwrap.dedent(f"""
        import sys
        sys.modules[{blocked!r}] = None  # as if not installed
        from mmgen_migrate import worker
        print(worker.confinement_problem())
        try:
            worker.LoadWorker(timeout=10).load({str(cfg)!r})
            print("loaded")
        except worker.EvaluationError as exc:
            print("refused:", exc)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    lines = out.stdout.splitlines()
    assert lines[0].startswith(expected), out
    assert lines[1] == f"refused: cannot run the config in the sandbox: {lines[0]}", out


def test_the_reply_encoding_keeps_config_types():
    value = {"a": (1, 2.5, "x"), "b": [None, True, {"c": range(0, 4, 2)}], 3: float("inf"), "d": {}}
    encoded = worker.encode_value(value)
    import json

    assert worker.decode_value(json.loads(json.dumps(encoded))) == value
    with pytest.raises(worker._NotPlain):
        worker.encode_value({"f": {1, 2}})


def test_a_relative_path_is_read_from_the_callers_folder(tmp_path, monkeypatch):
    """The file's process works in its throwaway folder; the path it gets is
    made absolute first."""
    write_config(tmp_path / "rel.py", "x = 'here'\n")
    monkeypatch.chdir(tmp_path)
    w = LoadWorker(timeout=10, confinement="kernel" if kernel_problem() is None else "unconfined")
    try:
        assert w.load("rel.py") == {"x": "here"}
    finally:
        w._kill()


@needs_kernel
def test_the_sandbox_works_without_any_capability(tmp_path):
    """Started with no capabilities at all (a container without
    CAP_SETPCAP, or close to an unprivileged user), the sandbox still
    confines: a fork with the audit hook switched off is refused."""
    import shutil

    if shutil.which("setpriv") is None or os.geteuid() != 0:
        pytest.skip("needs root and setpriv (util-linux) to drop every capability")
    cfg = write_config(tmp_path / "fork.py", """
        import gc, os
        for o in gc.get_objects():
            if type(o).__name__ == '_Fence':
                o.active = False
        del o, gc
        os.fork()
    """)
    ok = write_config(tmp_path / "ok.py", "x = (1, 2)\n")
    script = textwrap.dedent(f"""
        from mmgen_migrate import worker
        caps = [l.split()[1] for l in open('/proc/self/status') if l.startswith('CapEff')][0]
        w = worker.LoadWorker(timeout=20)
        print(caps, w.load({str(ok)!r}))
        try:
            w.load({str(cfg)!r})
            print("forked")
        except worker.EvaluationError as exc:
            print("refused:", exc)
        w._kill()
    """)
    out = subprocess.run(["setpriv", "--inh-caps=-all", "--bounding-set=-all", "--ambient-caps=-all",
                          sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    lines = out.stdout.splitlines()
    assert lines[0] == "0000000000000000 {'x': (1, 2)}", out
    assert lines[1].startswith("refused:") and "Operation not permitted" in lines[1], out
