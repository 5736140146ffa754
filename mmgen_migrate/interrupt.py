"""Ending a run on Ctrl-C (SIGINT) or SIGTERM: clean up, say so, exit 130/143.

Click turns a ``KeyboardInterrupt`` into "Aborted!" and exit code 1, which
for ``convert --check`` means "needs review".  :func:`run_interruptible`
installs handlers that raise :class:`Interrupted` instead (a
``BaseException`` that nothing in the converter catches, so every
``finally`` and context manager on the way out runs: staging folders are
removed, evaluation processes stopped), prints one line, and exits with
128 + the signal number.

The processes of ``-j N`` ignore SIGINT (the converter stops them), turn
SIGTERM into ``SystemExit`` (so their own cleanup runs) and send themselves
SIGTERM when the converter's process ends, however it ends (a pidfd), so
that no process is left running.
"""

from __future__ import annotations

import signal
import sys


class Interrupted(BaseException):
    """The run was stopped by a signal."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _raise(signum, frame):
    # one is enough: a second Ctrl-C must not break the cleanup of the first
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Interrupted(signum)


def run_interruptible(command) -> None:
    """Run the click ``command`` (standalone) with the handlers installed."""
    signal.signal(signal.SIGINT, _raise)
    signal.signal(signal.SIGTERM, _raise)
    try:
        command()
    except Interrupted as exc:
        _report_and_exit(exc.signum)
    except KeyboardInterrupt:  # raised before the handler was in place, or by code of ours
        _report_and_exit(signal.SIGINT)


def _report_and_exit(signum: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    name = "" if signum == signal.SIGINT else f" ({signal.Signals(signum).name})"
    try:
        sys.stderr.write(f"mmgen-migrate: interrupted{name}\n")
        sys.stderr.flush()
    except OSError:
        pass
    sys.exit(128 + signum)


class _Terminate(SystemExit):
    """SIGTERM in a ``-j`` process (a SystemExit: an idle process ends quietly)."""


def _terminated(signum, frame):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise _Terminate(128 + signum)


def run_guarded(func, *args):
    """Run a task in a ``-j`` process; on SIGTERM, once the task's own
    cleanup has run (the exception went through its ``finally`` blocks),
    end the process instead of going back to the pool for the next task."""
    try:
        return func(*args)
    except _Terminate as exc:
        import atexit
        import os

        try:
            atexit._run_exitfuncs()  # stops this process's evaluation template
        finally:
            os._exit(exc.code if isinstance(exc.code, int) else 143)


def pool_worker_init(converter: int) -> None:
    """Initializer of the ``-j`` processes: SIGTERM to itself when the
    converter's process ``converter`` ends (its parent is the fork server,
    which lives as long as any of them does, so the kernel's parent-death
    signal does not help)."""
    import os
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _terminated)
    try:
        fd = os.pidfd_open(converter)
    except (AttributeError, OSError):
        fd = None
        try:
            os.kill(converter, 0)
        except ProcessLookupError:
            os.kill(os.getpid(), signal.SIGTERM)
            return

    def watch():
        import select
        import time

        while True:
            if fd is not None:
                select.select([fd], [], [])  # readable when the process has ended
                break
            time.sleep(0.2)
            try:
                os.kill(converter, 0)
            except ProcessLookupError:
                break
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="mmgen-migrate-watch-converter", daemon=True).start()


def stop_pool(pool) -> None:
    """Send SIGTERM to the processes of a ProcessPoolExecutor (on the way
    out after an interrupt: their batches are not waited for)."""
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            proc.terminate()
        except Exception:
            pass
