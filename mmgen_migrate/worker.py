"""Evaluating config files in a confined process, one process per file.

A 0.x config is a Python program: MMEngine's ``Config.fromfile`` executes it.
When a config must be executed (``--allow-exec``), it never runs in the
converter:

* the converter starts one **template process** per run (per ``-j``
  process); it imports MMEngine once and then **forks one fresh process per
  file**, so nothing a config does (threads it starts, modules it patches,
  globals it changes) survives into the next file, and a batch stays fast
  (the next file's process is always forked ahead, confined and waiting);
* the forked process closes every file descriptor but its two pipes to the
  template, confines itself with :func:`mmgen_migrate.sandbox.confine`
  (Landlock, seccomp, resource limits; kernel-enforced, inherited,
  irreversible), only then reads which file to evaluate, and evaluates it in
  a throwaway folder;
* it answers with **JSON** (a tagged encoding of plain config values,
  checked against a fixed schema by the converter); nothing is ever
  unpickled, so a forged or garbage reply gives at worst a wrong value, or an
  error, for that one file;
* the template enforces the time limit (wall clock; the kernel enforces a
  CPU-time limit too), kills and reaps the process, and removes its folder;
* clean ends: the kernel kills the file's process when the template dies
  (``PR_SET_PDEATHSIG``), and sends the template SIGTERM when the converter
  dies; the template then kills and reaps the running file's process before
  it deletes its folder, so nothing is left however the converter ends.

``confinement="unconfined"`` keeps the process per file, the JSON channel,
the time and memory limits, but applies no kernel confinement: only for
``--allow-exec=unconfined``, which the user must ask for.

Protocol between converter and template: frames of a 4-byte big-endian
length, one kind byte and a UTF-8 JSON payload.  Requests are
``{"path": str, "lazy_import": bool|null, "timeout": number}``.  Replies
are kind ``R`` (the file's process's own reply, relayed unread) or ``E``
(``{"error": str}``, written by the template).
"""

from __future__ import annotations

import atexit
import json
import math
import os
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

from . import sandbox
from .errors import first_line

DEFAULT_TIMEOUT = 30.0  # seconds one file may take to evaluate
MAX_REPLY = 64 * 1024**2  # bytes a file's reply may have
CONFINEMENTS = ("kernel", "unconfined")
_ALIASES = {"sandbox": "kernel"}  # --allow-exec's name for it
_HEADER = struct.Struct("!IB")
_REPLY, _ERROR = ord("R"), ord("E")


class EvaluationError(Exception):
    """The config could not be evaluated; the message is one line."""


def confinement_problem() -> str | None:
    """``None`` when the running kernel offers everything the sandbox needs,
    else one line saying what is missing (``--allow-exec`` then refuses)."""
    return sandbox.problem()


# ---------------------------------------------------------------------------
# the channel: plain config values as tagged JSON


def encode_value(value):
    """A plain config value as JSON data: scalars as themselves, containers
    as ``["list", ...]``, ``["tuple", ...]``, ``["dict", [key, value], ...]``,
    ``["range", start, stop, step]``."""
    if value is None or isinstance(value, (bool, str, float)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, dict):
        out = ["dict"]
        for k, v in value.items():
            if isinstance(k, bool) or not isinstance(k, (str, int)):
                raise _NotPlain(f"has a key of type {type(k).__name__}, which a config cannot hold", ())
            try:
                out.append([k if isinstance(k, str) else int(k), encode_value(v)])
            except _NotPlain as exc:
                raise exc.inside(k) from None
        return out
    if isinstance(value, (list, tuple)):
        out = ["list" if isinstance(value, list) else "tuple"]
        for i, v in enumerate(value):
            try:
                out.append(encode_value(v))
            except _NotPlain as exc:
                raise exc.inside(i) from None
        return out
    if isinstance(value, range):  # mmcv dumps write `gpu_ids = range(0, 1)`
        return ["range", value.start, value.stop, value.step]
    raise _NotPlain(f"is a {type(value).__module__}.{type(value).__name__} object, not a plain config value "
                    "(dict, list, tuple, str, number, bool, None)", ())


class _NotPlain(Exception):
    def __init__(self, what: str, where: tuple):
        super().__init__(what)
        self.what, self.where = what, where

    def inside(self, key) -> "_NotPlain":
        return _NotPlain(self.what, (key,) + self.where)

    def message(self) -> str:
        path = ""
        for k in self.where:
            path += f"[{k}]" if isinstance(k, int) else (f".{k}" if path else str(k))
        return f"`{path}` {self.what}"


class _Malformed(Exception):
    pass


def decode_value(data, depth: int = 0):
    """The inverse of :func:`encode_value`; raises :class:`_Malformed` on
    anything that does not follow the schema."""
    if depth > 200:
        raise _Malformed("nested too deeply")
    if data is None or isinstance(data, (bool, str, float)):
        return data
    if isinstance(data, int):
        return data
    if not isinstance(data, list) or not data or not isinstance(data[0], str):
        raise _Malformed(f"unexpected {type(data).__name__}")
    tag, items = data[0], data[1:]
    if tag == "list":
        return [decode_value(v, depth + 1) for v in items]
    if tag == "tuple":
        return tuple(decode_value(v, depth + 1) for v in items)
    if tag == "dict":
        out = {}
        for item in items:
            if not (isinstance(item, list) and len(item) == 2):
                raise _Malformed("a dict entry is not a [key, value] pair")
            k = item[0]
            if isinstance(k, bool) or not isinstance(k, (str, int)):
                raise _Malformed("a dict key is not a str or int")
            out[k] = decode_value(item[1], depth + 1)
        return out
    if tag == "range":
        if len(items) != 3 or not all(isinstance(v, int) and not isinstance(v, bool) for v in items) \
                or items[2] == 0:
            raise _Malformed("a bad range")
        return range(*items)
    raise _Malformed(f"unknown tag {tag[:20]!r}")


def _one_line(text, limit: int = 1000) -> str:
    """The first line of a message, at most 1000 characters by default."""
    return first_line(text, limit)


def decode_reply(kind: int, payload: bytes) -> tuple[dict, list[str]]:
    """A file's config and notes from a reply frame, or :class:`EvaluationError`."""
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise EvaluationError("the evaluation process sent a malformed reply (not JSON); "
                              "the config wrote into its channel?") from None
    if kind == _ERROR:
        if isinstance(data, dict) and isinstance(data.get("error"), str):
            raise EvaluationError(_one_line(data["error"]) or "the evaluation failed")
        raise EvaluationError("the evaluation process sent a malformed reply")
    if not isinstance(data, dict) or not isinstance(data.get("ok"), bool):
        raise EvaluationError("the evaluation process sent a malformed reply (wrong shape)")
    if not data["ok"]:
        if set(data) != {"ok", "error"} or not isinstance(data["error"], str):
            raise EvaluationError("the evaluation process sent a malformed reply (wrong shape)")
        raise EvaluationError(_one_line(data["error"]) or "the evaluation failed")
    if set(data) != {"ok", "config", "notes"} or not isinstance(data["notes"], list) \
            or not all(isinstance(n, str) for n in data["notes"]):
        raise EvaluationError("the evaluation process sent a malformed reply (wrong shape)")
    try:
        config = decode_value(data["config"])
    except (_Malformed, RecursionError) as exc:
        raise EvaluationError(f"the evaluation process sent a malformed reply ({_one_line(exc, 80)})") from None
    if not isinstance(config, dict) or not all(isinstance(k, str) for k in config):
        raise EvaluationError("the evaluation process sent a malformed reply (not a config)")
    return config, [_one_line(n, 2000) for n in data["notes"]]


def _frame(kind: int, obj) -> bytes:
    payload = json.dumps(obj, ensure_ascii=True).encode()
    return _HEADER.pack(len(payload), kind) + payload


# ---------------------------------------------------------------------------
# converter side


class LoadWorker:
    """Evaluates config files on request, each in a new confined process."""

    def __init__(self, timeout: float | None = None, confinement: str = "kernel"):
        confinement = _ALIASES.get(confinement, confinement)
        if confinement not in CONFINEMENTS:
            raise ValueError(f"confinement must be one of {', '.join(CONFINEMENTS)}, not {confinement!r}")
        self.timeout = timeout if timeout is not None else _timeout_from_env()
        self.confinement = confinement
        self.proc: subprocess.Popen | None = None
        self.root: str | None = None

    # -- life cycle ----------------------------------------------------------
    def _start(self) -> None:
        from .scratch import fresh_name, track

        if self.confinement == "kernel":
            missing = confinement_problem()
            if missing:
                raise EvaluationError(f"cannot run the config in the sandbox: {missing}")
        # the template creates its folder itself: a converter killed before
        # the template starts leaves no folder
        self.root = fresh_name("mmgen-migrate-eval-")
        track(self.root)  # should the template be killed with the converter (it removes it itself otherwise)
        package_parent = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = package_parent + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(name, "1")  # the template forks: keep it single-threaded
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from mmgen_migrate.worker import main; main()",
             self.root, str(os.getpid()), self.confinement],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=os.path.dirname(self.root),
            start_new_session=True,  # Ctrl-C goes to the converter, which then stops the template
        )
        try:
            kind, payload = _read_frame(self.proc.stdout, time.monotonic() + max(120.0, self.timeout))
        except (TimeoutError, EOFError, ValueError):
            kind, payload = _ERROR, b'{"error": "no answer"}'
        except BaseException:
            self._kill()
            raise
        if kind != _REPLY or payload != b'{"ready": true}':
            self._kill()
            try:
                why = _one_line(json.loads(payload)["error"])
            except Exception:
                why = "no answer"
            raise EvaluationError(f"the evaluation process did not start ({why})")

    def close(self) -> None:
        """Stop the template (it kills a running evaluation and removes its
        folders), and remove the folder if it could not."""
        proc, self.proc = self.proc, None
        if proc is not None:
            try:
                proc.stdin.close()
            except OSError:
                pass
            _stop(proc, grace=5.0)
            proc.stdout.close()
        root, self.root = self.root, None
        if root is not None:
            from .scratch import untrack

            shutil.rmtree(root, ignore_errors=True)
            untrack(root)

    def _kill(self) -> None:
        proc = self.proc
        if proc is not None and proc.poll() is None:
            _stop(proc, grace=2.0, first=signal.SIGTERM)
        self.close()

    # -- requests ------------------------------------------------------------
    def load(self, path: str | os.PathLike, lazy_import: bool | None = False, notes: list | None = None) -> dict:
        """The effective config of ``path``, evaluated in a new confined
        process.  Raises :class:`EvaluationError` with a one-line reason.
        Remarks about how the file loaded (one line each) are added to
        ``notes``."""
        if lazy_import not in (True, False, None):
            raise ValueError("lazy_import must be True, False or None")
        if self.proc is None or self.proc.poll() is not None:
            self.close()
            self._start()
        proc = self.proc
        request = _frame(_REPLY, {"path": os.path.abspath(os.fspath(path)), "lazy_import": lazy_import,
                                  "timeout": self.timeout})
        try:
            proc.stdin.write(request)
            proc.stdin.flush()
        except (BrokenPipeError, OSError):
            self._kill()
            raise EvaluationError("the evaluation process could not be started") from None
        # the template enforces the time limit; this one only catches a
        # template that hangs itself
        deadline = time.monotonic() + self.timeout + 30.0
        try:
            kind, payload = _read_frame(proc.stdout, deadline)
        except (TimeoutError, EOFError, ValueError) as exc:
            self._kill()
            what = "stopped answering" if isinstance(exc, TimeoutError) else "ended"
            raise EvaluationError(f"the evaluation process {what}") from None
        except BaseException:  # KeyboardInterrupt while waiting: never leave anything behind
            self._kill()
            raise
        config, more = decode_reply(kind, payload)
        if notes is not None:
            notes.extend(more)
        return config


def _stop(proc: subprocess.Popen, grace: float, first: int | None = None) -> None:
    if first is not None and proc.poll() is None:
        try:
            proc.send_signal(first)
        except OSError:
            pass
    try:
        proc.wait(timeout=grace)
        return
    except subprocess.TimeoutExpired:
        pass
    if first is None:
        try:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=grace)
            return
        except (OSError, subprocess.TimeoutExpired):
            pass
    proc.kill()
    proc.wait()


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, got = [], 0
    while got < size:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                raise TimeoutError
        chunk = os.read(fd, min(size - got, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _read_frame(stream, deadline: float | None) -> tuple[int, bytes]:
    fd = stream if isinstance(stream, int) else stream.fileno()
    size, kind = _HEADER.unpack(_read_exactly(fd, _HEADER.size, deadline))
    if size > MAX_REPLY + 4096 or kind not in (_REPLY, _ERROR):
        raise ValueError("bad frame")
    return kind, _read_exactly(fd, size, deadline)


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


_shared: dict[str, LoadWorker] = {}
_shared_pid: int | None = None
_shared_lock = threading.Lock()


def shared_worker(confinement: str = "kernel") -> LoadWorker:
    """The worker of this process for ``confinement`` (``"kernel"``, the
    default, also called ``"sandbox"`` as in ``--allow-exec=sandbox``; or
    ``"unconfined"``), started on first use, stopped at exit."""
    global _shared_pid
    confinement = _ALIASES.get(confinement, confinement)
    if confinement not in CONFINEMENTS:
        raise ValueError(f"confinement must be one of {', '.join(CONFINEMENTS)}, not {confinement!r}")
    with _shared_lock:
        if _shared_pid != os.getpid():
            _shared.clear()  # a forked child: the parent's workers and pipes are not ours to use
            _shared_pid = os.getpid()
            atexit.register(shutdown)
        if confinement not in _shared:
            _shared[confinement] = LoadWorker(confinement=confinement)
        return _shared[confinement]


def shutdown() -> None:
    """Stop the shared workers and delete their folders."""
    with _shared_lock:
        workers = list(_shared.values()) if _shared_pid == os.getpid() else []
        _shared.clear()
    for worker in workers:
        worker._kill()


# ---------------------------------------------------------------------------
# template side


class _Spare:
    """A forked process, already confined, waiting for its one request."""

    def __init__(self, pid: int, folder: str, request_w: int, reply_r: int, cpu: int):
        self.pid, self.folder, self.request_w, self.reply_r, self.cpu = pid, folder, request_w, reply_r, cpu


class _Template:
    """Forks the processes that evaluate files; one is always forked ahead
    (confined and waiting), so that forking and confining overlap with the
    converter's own work."""

    def __init__(self, root: str, confinement: str):
        self.root = root
        self.confinement = confinement
        self.children: set[int] = set()
        self.finishing: list[tuple[int, str]] = []
        self.spare: _Spare | None = None
        self.count = 0

    def cleanup_and_exit(self, signum=None, frame=None) -> None:
        """SIGTERM (the converter died, or stops us), or the end: kill and
        reap the evaluation processes first, so that nothing writes into the
        folder while it is removed."""
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGHUP})
        for child in list(self.children):
            try:
                os.kill(child, signal.SIGKILL)
                os.waitpid(child, 0)
            except OSError:
                pass
        self.children.clear()
        try:
            os.chdir("/")
        except OSError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)
        os._exit(0)

    def _fork(self, cpu: int) -> _Spare:
        self.count += 1
        folder = os.path.join(self.root, f"f{self.count}")
        os.mkdir(folder, 0o700)
        os.mkdir(os.path.join(folder, "work"), 0o700)
        os.mkdir(os.path.join(folder, "tmp"), 0o700)
        request_r, request_w = os.pipe()
        reply_r, reply_w = os.pipe()
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGHUP})
        try:
            pid = os.fork()
            if pid == 0:
                _child(request_r, reply_w, folder, cpu, self.confinement, os.getppid())  # never returns
            self.children.add(pid)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGHUP})
        os.close(request_r)
        os.close(reply_w)
        return _Spare(pid, folder, request_w, reply_r, cpu)

    def _reap_finished(self, wait: bool = False) -> None:
        """Reap the killed processes of earlier files, then remove their folders."""
        left = []
        for pid, folder in self.finishing:
            try:
                done, _ = os.waitpid(pid, 0 if wait else os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done:
                self.children.discard(pid)
                shutil.rmtree(folder, ignore_errors=True)
            else:
                left.append((pid, folder))
        self.finishing = left

    def _discard(self, spare: _Spare) -> None:
        os.close(spare.request_w)
        os.close(spare.reply_r)
        self._reap(spare.pid, kill=True)
        shutil.rmtree(spare.folder, ignore_errors=True)

    def evaluate(self, request: dict) -> bytes:
        """Evaluate one file in a confined process; the reply frame."""
        timeout = float(request["timeout"])
        cpu = int(math.ceil(timeout)) + 1
        proc, self.spare = self.spare, None
        if proc is not None and proc.cpu != cpu:
            self._discard(proc)
            proc = None
        if proc is None:
            proc = self._fork(cpu)
        data = json.dumps({"path": request["path"], "lazy_import": request["lazy_import"]}).encode()
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(proc.request_w, view):]
        except OSError:
            pass  # it ended already (its confinement failed): its reply says why
        finally:
            os.close(proc.request_w)
        deadline = time.monotonic() + timeout
        self._reap_finished()
        self.spare = self._fork(cpu)  # the next one, while this one works
        try:
            status, data = self._collect(proc.pid, proc.reply_r, deadline)
        finally:
            os.close(proc.reply_r)
            if proc.pid in self.children:
                self.finishing.append((proc.pid, proc.folder))  # killed, not reaped yet
            else:
                shutil.rmtree(proc.folder, ignore_errors=True)
        if status == "timeout":
            return _frame(_ERROR, {"error": f"evaluating the config took longer than {timeout:g} s "
                                            "(an endless loop?); stopped it"})
        if status == "too large":
            return _frame(_ERROR, {"error": f"the config's reply is larger than {MAX_REPLY // 1024**2} MiB"})
        code = status
        if data and code == 0:
            return _HEADER.pack(len(data), _REPLY) + data
        if code == -signal.SIGXCPU:
            return _frame(_ERROR, {"error": "evaluating the config used more CPU time than allowed; stopped it"})
        how = f"signal {-code}" if code < 0 else f"exit code {code}"
        if code == 0 or code == 1:
            how = "it exited" if code == 0 else "it exited with code 1"
        return _frame(_ERROR, {"error": f"evaluating the config ended the evaluation process ({how})"})

    def _collect(self, pid: int, fd: int, deadline: float):
        """Read the reply until the process exits; kill it at the deadline."""
        chunks, size, eof = [], 0, False
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self._reap(pid, kill=True)
                return "timeout", b""
            if not eof:
                ready, _, _ = select.select([fd], [], [], min(left, 0.05))
                if ready:
                    chunk = os.read(fd, 1 << 20)
                    if not chunk:
                        eof = True
                        if chunks:
                            # a complete reply: the process has nothing left
                            # to do; it is killed (nothing of it runs on) and
                            # reaped, and its folder removed, in the background
                            try:
                                os.kill(pid, signal.SIGKILL)
                            except OSError:
                                pass
                            return 0, b"".join(chunks)
                    else:
                        chunks.append(chunk)
                        size += len(chunk)
                        if size > MAX_REPLY:
                            self._reap(pid, kill=True)
                            return "too large", b""
            else:
                time.sleep(0.001)
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                self.children.discard(pid)
                code = os.waitstatus_to_exitcode(status)
                # the process is gone: what it wrote is all there is
                while True:
                    ready, _, _ = select.select([fd], [], [], 0)
                    chunk = os.read(fd, 1 << 20) if ready else b""
                    if not chunk:
                        break
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > MAX_REPLY:
                        return "too large", b""
                return code, b"".join(chunks)

    def _reap(self, pid: int, kill: bool) -> None:
        if kill:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        self.children.discard(pid)


def _memory_cap() -> int | None:
    """The template's size plus 4 GiB: ``x = [0] * 10**10`` fails with
    MemoryError instead of swapping the machine to death."""
    try:
        with open("/proc/self/status") as fh:
            vm = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize:"))
        return vm + 4 * 1024**3
    except Exception:
        return None


def _child(request_r: int, reply_w: int, folder: str, cpu: int, confinement: str, template: int) -> None:
    """In the forked process: confine, wait for the request, evaluate, reply,
    exit.  No code of the config runs before :func:`sandbox.confine` has
    returned, and nothing but the two pipes to the template stays open."""
    code = 0
    try:
        request = None
        try:
            sandbox.die_with_parent(signal.SIGKILL)
            if os.getppid() != template:
                os._exit(1)
            for sig in (signal.SIGTERM, signal.SIGHUP):
                signal.signal(sig, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGHUP})
            devnull = os.open(os.devnull, os.O_RDWR)
            keep = []
            for fd in (request_r, reply_w):
                keep.append(fd if fd > 2 else os.dup(fd))
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            request_r, reply_w = keep
            low = 3
            for fd in sorted(keep):
                os.closerange(low, fd)
                low = fd + 1
            os.closerange(low, 1 << 20)
            work, tmp = os.path.join(folder, "work"), os.path.join(folder, "tmp")
            os.chdir(work)
            os.environ["TMPDIR"] = tmp
            tempfile.tempdir = tmp
            if confinement == "kernel":
                sandbox.confine(folder, memory_bytes=_memory_cap(), cpu_seconds=cpu)
            else:
                sandbox.limit_resources(_memory_cap(), cpu, 256 * 1024**2)
            # confined: now wait for the file to evaluate
            chunks = []
            while True:
                chunk = os.read(request_r, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
            os.close(request_r)
            request = json.loads(b"".join(chunks))
        except Exception as exc:
            reply = {"ok": False, "error": _one_line(exc) if isinstance(exc, sandbox.ConfinementError)
                     else f"could not prepare the evaluation process: {_one_line(exc)}"}
            code = 1
        else:
            reply = _evaluate_here(request["path"], request["lazy_import"], folder)
        try:
            data = json.dumps(reply, ensure_ascii=True, allow_nan=True).encode()
        except (ValueError, RecursionError, TypeError) as exc:
            data = json.dumps({"ok": False, "error": f"the config's value cannot be passed back: "
                                                      f"{_one_line(exc)}"}).encode()
        view = memoryview(data)
        while view:
            view = view[os.write(reply_w, view):]
        os.close(reply_w)  # the template has the reply now, not only once this process is gone
    except BaseException:
        code = 1
    os._exit(code)


def _evaluate_here(path: str, lazy_import, folder: str) -> dict:
    from . import execload as load  # the one place that knows how MMEngine is called

    fence = _Fence(folder)
    fence.install()
    try:
        notes: list[str] = []
        try:
            fence.active = True
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
        finally:
            fence.active = False
        if not isinstance(cfg, dict):
            return {"ok": False, "error": f"the config is a {type(cfg).__name__}, not a dict"}
        try:
            encoded = encode_value(cfg)
        except _NotPlain as exc:
            return {"ok": False, "error": exc.message()}
        return {"ok": True, "config": encoded, "notes": notes}
    except load.ConfigError as exc:
        return {"ok": False, "error": str(exc)}
    except MemoryError:
        return {"ok": False, "error": "evaluating the config ran out of memory"}
    except RecursionError:
        return {"ok": False, "error": "the config nests too deeply"}
    except BaseException as exc:  # SystemExit from the config, anything else
        return {"ok": False, "error": f"evaluating the config raised {type(exc).__name__}: {_one_line(exc)}"}


class Blocked(PermissionError):
    """A config tried to change something outside its throwaway folder."""


class _Fence:
    """Friendly messages, not the enforcement: an audit hook that names what
    a config tried (the kernel denies it anyway, see :mod:`.sandbox`), and
    ``os.mkdir`` outside the folder skipped, because creating its work dir is
    the one side effect real configs commonly have."""

    def __init__(self, root: str):
        self.root = os.path.realpath(root)
        self.active = False

    def install(self) -> None:
        real_mkdir = os.mkdir

        def fenced_mkdir(path, mode=0o777, *, dir_fd=None):
            if self.active and dir_fd is None and not self.inside(path):
                return None
            return real_mkdir(path, mode, dir_fd=dir_fd)

        os.mkdir = fenced_mkdir
        sys.addaudithook(self)

    def inside(self, path) -> bool:
        if isinstance(path, int):
            return True
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


_PATH_EVENTS = {
    "os.remove": 1, "os.rmdir": 1, "os.rename": 2, "os.truncate": 1, "os.chmod": 1, "os.chown": 1,
    "os.link": 2, "os.symlink": 2, "os.utime": 1, "os.mkfifo": 1, "os.mknod": 1, "os.chflags": 1,
    "os.setxattr": 1, "os.removexattr": 1, "shutil.rmtree": 1, "shutil.copyfile": 2, "shutil.copytree": 2,
    "shutil.move": 2, "shutil.chown": 1, "shutil.make_archive": 1, "shutil.unpack_archive": 2,
}
_PROCESS_EVENTS = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                   "os.forkpty", "os.kill", "os.killpg", "pty.spawn", "os.startfile"}
_NETWORK_EVENTS = {"socket.__new__", "socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg",
                   "urllib.Request", "http.client.connect", "ftplib.connect", "smtplib.connect"}


_WARM_UP = "a = dict(b=[1, (2, 3)], c='{{ fileBasename }}')\n"


def main() -> None:
    root, parent, confinement = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    # the kernel tells us when the converter dies, even by SIGKILL
    sandbox.die_with_parent(signal.SIGTERM)
    if os.getppid() != parent:
        return  # it died before that: nothing created yet
    template = _Template(root, confinement)
    signal.signal(signal.SIGTERM, template.cleanup_and_exit)
    signal.signal(signal.SIGHUP, template.cleanup_and_exit)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.mkdir(root, 0o700)
    os.chdir(root)
    # whatever the template's own imports and warm-up put in temporary
    # files goes into its folder, which its cleanup removes however it ends
    os.mkdir(os.path.join(root, "tmp"), 0o700)
    os.environ["TMPDIR"] = tempfile.tempdir = os.path.join(root, "tmp")
    sys.dont_write_bytecode = True
    proto_in, proto_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)

    def send(frame: bytes) -> None:
        view = memoryview(frame)
        while view:
            view = view[os.write(proto_out, view):]

    try:
        if confinement == "kernel" and sandbox.problem():
            raise RuntimeError(sandbox.problem())
        import warnings

        warnings.simplefilter("ignore")
        from . import execload as load

        load.warm_up()
        # evaluate a config of our own once (imports what MMEngine imports
        # lazily, so each file's process starts with it), then check that
        # confining works here
        warm = os.path.join(root, "warm_up.py")
        with open(warm, "w") as fh:
            fh.write(_WARM_UP)
        load.load_in_process(warm, lazy_import=False)
        kind, payload = _split(template.evaluate({"path": warm, "lazy_import": False, "timeout": 60}))
        os.remove(warm)
        decode_reply(kind, payload)
    except Exception as exc:  # e.g. MMEngine missing: say why instead of dying silently
        message = f"{type(exc).__name__}: {_one_line(exc)}" if not isinstance(exc, EvaluationError) else str(exc)
        send(_frame(_ERROR, {"error": message}))
        template.cleanup_and_exit()
    import gc

    gc.freeze()  # forked processes then copy fewer pages (the collector leaves the template's objects alone)
    send(_frame(_REPLY, {"ready": True}))
    try:
        while True:
            try:
                kind, payload = _read_frame(proto_in, None)
                request = json.loads(payload)
                if not (isinstance(request, dict) and isinstance(request.get("path"), str)
                        and request.get("lazy_import") in (True, False, None)
                        and isinstance(request.get("timeout"), (int, float)) and request["timeout"] > 0):
                    raise ValueError("bad request")
            except (EOFError, OSError, ValueError):
                return  # the converter is done with us, or died
            send(template.evaluate(request))
            template._reap_finished(wait=True)  # while the converter works on the reply
    finally:
        template.cleanup_and_exit()


def _split(frame: bytes) -> tuple[int, bytes]:
    size, kind = _HEADER.unpack(frame[: _HEADER.size])
    return kind, frame[_HEADER.size:]
