"""Evaluating config files in a separate, fenced-in process.

A 0.x config is a Python program: MMEngine's ``Config.fromfile`` executes it.
Real configs call ``os.makedirs``, read environment variables, print, loop,
and sometimes never finish.  None of that may happen inside the converter:

* every evaluation runs in **one long-lived worker process** per run
  (MMEngine is imported once, so a batch of hundreds of files stays fast);
* each file is evaluated with a **fresh, empty working directory** and a
  private temporary directory, both deleted after the file; ``os.environ``,
  ``sys.path`` are restored after each file, so one config cannot change how
  the next one loads (modules a config imports stay imported: C extensions
  such as numpy cannot be loaded twice);
* while a config runs, an audit hook **refuses** writes, deletions, renames,
  process starts and network connections outside those throwaway folders, and
  directory creation outside them is **skipped** (``os.makedirs(work_dir)``
  succeeds without creating anything);
* a file that takes longer than the time limit (``while True``), or that
  crashes or exhausts the worker, fails on its own: the worker is killed and a
  new one is started for the next file;
* the worker dies with the converter (a watchdog notices a dead parent) and
  never sees the terminal's Ctrl-C (it runs in its own session).

This is a guard against accidents, not a security sandbox: a config that
really wants to escape (``ctypes``, writing through a file descriptor it
inherited) can.  Only convert configs you would also train with.

Protocol: length-prefixed pickles on the worker's stdin/stdout.  A request is
``(path, lazy_import)``; a reply is ``("ok", dict, notes)`` or ``("error", message)``
with a one-line message.  Replies only hold plain config values (dict, list,
tuple, str, int, float, bool, None), checked in the worker.
"""

from __future__ import annotations

import atexit
import os
import pickle
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

DEFAULT_TIMEOUT = 30.0  # seconds one file may take to evaluate
_HEADER = struct.Struct("!I")


class EvaluationError(Exception):
    """The config could not be evaluated; the message is one line."""


# ---------------------------------------------------------------------------
# parent side


class LoadWorker:
    """A worker process that evaluates config files on request."""

    def __init__(self, timeout: float | None = None):
        self.timeout = timeout if timeout is not None else _timeout_from_env()
        self.proc: subprocess.Popen | None = None
        self.root: str | None = None

    # -- life cycle ----------------------------------------------------------
    def _start(self) -> None:
        from .scratch import fresh_name

        # the worker creates its folder itself: a converter killed before the
        # worker starts leaves no folder, one killed after is cleaned up by
        # the worker's watchdog
        self.root = fresh_name("mmgen-migrate-eval-")
        package_parent = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = package_parent + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from mmgen_migrate.worker import main; main()", self.root, str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=os.path.dirname(self.root),
            start_new_session=True,  # Ctrl-C goes to the converter, which then stops the worker
        )
        # wait until MMEngine is imported, so that a slow start never counts
        # against a file's time limit
        try:
            header = _read_exactly(self.proc.stdout, _HEADER.size, time.monotonic() + max(120.0, self.timeout))
            ready = _read_exactly(self.proc.stdout, _HEADER.unpack(header)[0], time.monotonic() + 10)
        except (TimeoutError, EOFError):
            ready = b"no answer"
        except BaseException:
            self._kill()
            raise
        if ready != _READY:
            self._kill()
            raise EvaluationError(f"the evaluation process did not start ({ready.decode(errors='replace')})")

    def close(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            try:
                proc.stdin.close()
            except OSError:
                pass
            try:
                proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stdout.close()
        root, self.root = self.root, None
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)

    def _kill(self) -> None:
        proc = self.proc
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (OSError, AttributeError):
                proc.kill()
            proc.wait()
        self.close()

    # -- requests ------------------------------------------------------------
    def load(self, path: str | os.PathLike, lazy_import: bool | None = False, notes: list | None = None) -> dict:
        """The effective config of ``path``, evaluated in the worker.  Raises
        :class:`EvaluationError` with a one-line reason.  Remarks about how
        the file loaded (one line each) are added to ``notes``."""
        if self.proc is None or self.proc.poll() is not None:
            self.close()
            self._start()
        proc = self.proc
        request = pickle.dumps((os.fspath(path), lazy_import), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            proc.stdin.write(_HEADER.pack(len(request)) + request)
            proc.stdin.flush()
        except (BrokenPipeError, OSError):
            self._kill()
            raise EvaluationError("the evaluation process could not be started") from None
        deadline = time.monotonic() + self.timeout
        try:
            header = _read_exactly(proc.stdout, _HEADER.size, deadline)
            payload = _read_exactly(proc.stdout, _HEADER.unpack(header)[0], deadline)
        except TimeoutError:
            self._kill()
            raise EvaluationError(
                f"evaluating the config took longer than {self.timeout:g} s (an endless loop?); stopped it"
            ) from None
        except EOFError:
            code = proc.wait()
            self._kill()
            how = f"signal {-code}" if code < 0 else f"exit code {code}"
            if code == 0 or code == 1:
                how = "it exited" if code == 0 else "it exited with code 1"
            raise EvaluationError(f"evaluating the config ended the evaluation process ({how})") from None
        except BaseException:  # KeyboardInterrupt while waiting: never leave the worker behind
            self._kill()
            raise
        reply = pickle.loads(payload)
        if reply[0] == "ok":
            if notes is not None:
                notes.extend(reply[2])
            return reply[1]
        raise EvaluationError(reply[1])


def _read_exactly(stream, size: int, deadline: float) -> bytes:
    fd = stream.fileno()
    chunks, got = [], 0
    while got < size:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            raise TimeoutError
        chunk = os.read(fd, size - got)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _timeout_from_env() -> float:
    text = os.environ.get("MMGEN_MIGRATE_EVAL_TIMEOUT")
    if text:
        try:
            value = float(text)
            if value > 0:
                return value
        except ValueError:
            pass
    return DEFAULT_TIMEOUT


_shared: LoadWorker | None = None
_shared_pid: int | None = None
_shared_lock = threading.Lock()


def shared_worker() -> LoadWorker:
    """The worker of this process (started on first use, stopped at exit)."""
    global _shared, _shared_pid
    with _shared_lock:
        if _shared is not None and _shared_pid != os.getpid():
            _shared = None  # a forked child: the parent's worker and pipes are not ours to use
        if _shared is None:
            _shared, _shared_pid = LoadWorker(), os.getpid()
            atexit.register(shutdown)
        return _shared


def shutdown() -> None:
    """Stop the shared worker and delete its folders."""
    global _shared
    with _shared_lock:
        worker, _shared = _shared, None
    if worker is not None and _shared_pid == os.getpid():
        worker._kill()


# ---------------------------------------------------------------------------
# worker side


class Blocked(PermissionError):
    """A config tried to change something outside its throwaway folders."""


class _Fence:
    """The audit hook: active only while a config is being evaluated."""

    def __init__(self, root: str):
        self.root = os.path.realpath(root)
        self.active = False
        self.skipped: list[str] = []

    def inside(self, path) -> bool:
        if isinstance(path, int):
            return True  # an fd the process already holds
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not isinstance(path, (str, os.PathLike)):
            return True
        real = os.path.realpath(os.fspath(path))
        return real == self.root or real.startswith(self.root + os.sep)

    def refuse(self, what: str, path=None):
        shown = f" {os.fspath(path)!s}" if path is not None and not isinstance(path, int) else ""
        raise Blocked(f"mmgen-migrate: the config tried to {what}{shown} while being read; blocked")

    def __call__(self, event: str, args) -> None:
        if not self.active:
            return
        if event == "open":
            path, mode, flags = args
            writing = (mode is not None and any(c in mode for c in "wax+")) or (
                mode is None and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND))
            if writing and not self.inside(path):
                self.refuse("write", path)
        elif event in _PATH_EVENTS:
            for path in args[: _PATH_EVENTS[event]]:
                if path is not None and not self.inside(path):
                    self.refuse(event.split(".")[-1].replace("_", " "), path)
        elif event in _PROCESS_EVENTS:
            self.refuse("start a process")
        elif event in _NETWORK_EVENTS:
            self.refuse("use the network")


# audit event -> how many leading arguments are paths that get changed
_PATH_EVENTS = {
    "os.remove": 1, "os.rmdir": 1, "os.rename": 2, "os.truncate": 1, "os.chmod": 1, "os.chown": 1,
    "os.link": 2, "os.symlink": 2, "os.utime": 1, "os.mkfifo": 1, "os.mknod": 1, "os.chflags": 1,
    "os.setxattr": 1, "os.removexattr": 1, "shutil.rmtree": 1, "shutil.copyfile": 2, "shutil.copytree": 2,
    "shutil.move": 2, "shutil.chown": 1, "shutil.make_archive": 1, "shutil.unpack_archive": 2,
}
_PROCESS_EVENTS = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                   "os.forkpty", "os.kill", "os.killpg", "pty.spawn", "os.startfile"}
_NETWORK_EVENTS = {"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg", "urllib.Request",
                   "http.client.connect", "ftplib.connect", "smtplib.connect"}

_PLAIN = (str, int, float, bool, type(None), range)  # range: mmcv dumps write `gpu_ids = range(0, 1)`


def _check_plain(value, path: str) -> None:
    if isinstance(value, _PLAIN):
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, (str, int)):
                raise EvaluationError(f"`{path}` has a key of type {type(k).__name__}, which a config cannot hold")
            _check_plain(v, f"{path}.{k}" if path else str(k))
        return
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check_plain(v, f"{path}[{i}]")
        return
    raise EvaluationError(
        f"`{path}` is a {type(value).__module__}.{type(value).__name__} object, not a plain config value "
        "(dict, list, tuple, str, number, bool, None)")


def _evaluate(path: str, lazy_import, fence: _Fence, workspace: str) -> tuple[dict, list[str]]:
    from . import execload as load  # the one place that knows how MMEngine is called

    cwd = tempfile.mkdtemp(prefix="cwd-", dir=workspace)
    saved_env = dict(os.environ)
    saved_path = list(sys.path)
    os.chdir(cwd)
    fence.active = True
    try:
        notes: list[str] = []
        try:
            cfg = load.load_in_process(path, lazy_import=lazy_import)
        except load.ConfigError:
            module = load.misread_as_lazy(path) if lazy_import is None else None
            if module is None:
                raise
            # MMEngine took a classic config for a new-style one (see
            # load.misread_as_lazy); say so, and check it the classic way
            cfg = load.load_in_process(path, lazy_import=False)
            notes.append(load.lazy_misread_note(module))
        fence.active = False
        _check_plain(cfg, "")
        return cfg, notes
    finally:
        fence.active = False
        os.chdir(workspace)
        if os.environ != saved_env:
            os.environ.clear()
            os.environ.update(saved_env)
        sys.path[:] = saved_path
        shutil.rmtree(cwd, ignore_errors=True)
        for entry in os.listdir(tempfile.gettempdir()):
            full = os.path.join(tempfile.gettempdir(), entry)
            if os.path.isdir(full) and not os.path.islink(full):
                shutil.rmtree(full, ignore_errors=True)
            else:
                try:
                    os.unlink(full)
                except OSError:
                    pass


def _watch_parent(parent: int, root: str) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            # the main thread may still be evaluating a config and creating
            # files in the folder: remove until nothing is left, then exit
            for _ in range(100):
                shutil.rmtree(root, ignore_errors=True)
                if not os.path.exists(root):
                    break
                time.sleep(0.02)
            os._exit(3)


def _limit_memory() -> None:
    """Cap the address space so that ``x = [0] * 10**10`` fails with
    MemoryError in the worker instead of swapping the machine to death."""
    try:
        import resource

        with open("/proc/self/status") as fh:
            vm = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize:"))
        limit = vm + 4 * 1024**3
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or hard > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except Exception:  # not Linux, or limits not allowed: run without a cap
        pass


def main() -> None:
    root, parent = sys.argv[1], int(sys.argv[2])
    os.mkdir(root, 0o700)
    os.chdir(root)
    threading.Thread(target=_watch_parent, args=(parent, root), daemon=True).start()
    sys.dont_write_bytecode = True
    # the protocol gets private copies of stdin/stdout; a config that prints
    # or reads input gets /dev/null instead
    proto_in = os.fdopen(os.dup(0), "rb", buffering=0)
    proto_out = os.fdopen(os.dup(1), "wb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    workspace = os.path.join(root, "work")
    tmp = os.path.join(root, "tmp")
    os.makedirs(workspace, exist_ok=True)
    os.makedirs(tmp, exist_ok=True)
    os.environ["TMPDIR"] = tmp
    tempfile.tempdir = tmp

    import warnings

    warnings.simplefilter("ignore")
    from . import execload as load

    try:
        load.warm_up()
    except Exception as exc:  # e.g. MMEngine missing: say why instead of dying silently
        message = f"{type(exc).__name__}: {load.one_line(str(exc))}".encode()
        proto_out.write(_HEADER.pack(len(message)) + message)
        shutil.rmtree(root, ignore_errors=True)
        return
    fence = _Fence(root)
    real_mkdir = os.mkdir

    def fenced_mkdir(path, mode=0o777, *, dir_fd=None):
        if fence.active and dir_fd is None and not fence.inside(path):
            return None  # skipped: creating folders is the one side effect configs commonly have
        return real_mkdir(path, mode, dir_fd=dir_fd)

    os.mkdir = fenced_mkdir
    sys.addaudithook(fence)
    _limit_memory()

    proto_out.write(_HEADER.pack(len(_READY)) + _READY)  # imports done: time limits start now
    try:
        _serve(proto_in, proto_out, fence, workspace)
    finally:
        # stdin closed: the converter is done with us, or died
        os.chdir("/")
        shutil.rmtree(root, ignore_errors=True)


_READY = b"ready"


def _serve(proto_in, proto_out, fence: _Fence, workspace: str) -> None:
    from . import execload as load

    while True:
        try:
            header = proto_in.read(_HEADER.size)
            if len(header) < _HEADER.size:
                return
            (size,) = _HEADER.unpack(header)
            data = b""
            while len(data) < size:
                chunk = proto_in.read(size - len(data))
                if not chunk:
                    return
                data += chunk
        except OSError:
            return
        path, lazy_import = pickle.loads(data)
        try:
            reply = ("ok", *_evaluate(path, lazy_import, fence, workspace))
        except load.ConfigError as exc:
            reply = ("error", str(exc))
        except EvaluationError as exc:
            reply = ("error", str(exc))
        except MemoryError:
            reply = ("error", "evaluating the config ran out of memory")
        except BaseException as exc:  # SystemExit from the config, anything else
            reply = ("error", f"evaluating the config raised {type(exc).__name__}: {load.one_line(str(exc))}")
        try:
            payload = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            payload = pickle.dumps(("error", f"the config's value cannot be passed back: {load.one_line(str(exc))}"))
        proto_out.write(_HEADER.pack(len(payload)) + payload)
