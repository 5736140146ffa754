"""Converting many files, on one or several processes, with progress callbacks.

``-j N`` must give exactly what ``-j 1`` gives.  A file's conversion depends
only on itself and on its ``_base_`` files inside the converted set (their
converted targets, whether they failed) and on whether some file of the set
uses it as a base.  So we cut the set into *units*: each file that no other
file uses as a base (a "leaf", e.g. a model config) together with all its
in-set bases, transitively.  Converting a unit with the ordinary
:class:`~mmgen_migrate.convert.Converter` gives every file of it the result it
gets in the whole set: a base shared by several units is converted in each of
them, identically (bases are small; this is what lets a zoo whose configs all
share ``_base_/default_runtime.py`` still spread over N processes, where
cutting at connected components would leave one group).  Units are packed into
batches of neighbouring files of about equal work (neighbours share bases, so
duplicated work stays small), batches run in worker processes, and the
results come back in the input order.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.util
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Callable, Optional, Sequence

from .convert import ConvertOptions, Converter, FileResult
from .interrupt import pool_worker_init, run_guarded, stop_pool
from .load import base_paths
from .scratch import scratch_dir, track

OnResult = Callable[[FileResult], None]
# batches per process: more balance the load better, fewer re-convert shared
# bases less often.  With configs read statically a file takes milliseconds,
# so the duplicated bases of more batches show, and batches of about equal
# work (by size, see ``batches``) balance one per process well enough.
BATCHES_PER_JOB = 1


# The work of a batch with no -j given: a process more for every this many
# bytes of config source (a file counts 200 more, see ``file_cost``).  Below
# it, starting a process and converting the shared bases again cost more
# than the second process saves.  Measured on a 2-core machine, `-j 2`
# against `-j 1`, best of 5: 6% slower on a generated tree of 20 kB (45
# files), even at 33 kB (75 files), 10% faster on the zoo fixtures (41
# files, 47 kB), 15% on a generated tree of 63 kB.
BYTES_PER_JOB = 32 * 1024


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, where the OS
    has one: a container or ``taskset`` limits it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# what a conversion imports (the converter itself, and MMEngine's config
# module for the reader's merge code): loaded before workers are started,
# so that forked ones inherit it and a fork server holds it once
PRELOAD = ("mmgen_migrate.parallel", "mmgen_migrate.emit", "mmgen_migrate.reader", "mmengine.config")


def import_converter() -> None:
    """Import everything in ``PRELOAD`` (once: later calls cost nothing)."""
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)


def cpu_jobs(jobs: Optional[int]) -> int:
    """``-j`` value → number of processes (0 or None: one per CPU)."""
    if not jobs:
        return available_cpus()
    return max(1, jobs)


def file_cost(path: Path) -> int:
    """What converting ``path`` costs, in bytes: its size, plus 200 for
    what any file costs."""
    try:
        return os.stat(path).st_size + 200
    except OSError:
        return 200


def auto_jobs(files: Sequence[Path]) -> int:
    """Processes for converting ``files`` when the user did not say: one,
    and one more per ``BYTES_PER_JOB`` of work, at most one per CPU.  One
    where the processes would not be forked from this one (Windows, or
    another thread running): each would import the converter again, about
    0.4 s, which a batch rarely wins back."""
    if "fork" not in multiprocessing.get_all_start_methods() or not _fork_is_safe():
        return 1
    total = sum(file_cost(f) for f in files)
    return max(1, min(available_cpus(), 1 + total // BYTES_PER_JOB))


class _ReportingConverter(Converter):
    """A Converter that tells ``on_result`` about each file as soon as it is
    done (the base class sets a failed file's status right after
    ``_convert_one`` raises, so a file is reported when the next one starts,
    and the last one when the run ends)."""

    def __init__(self, *args, on_result: Optional[OnResult] = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._on_result = on_result
        self._pending: Optional[FileResult] = None

    def _flush(self) -> None:
        if self._pending is not None and self._on_result is not None:
            self._on_result(self._pending)
        self._pending = None

    def _convert_one(self, path, res, staging):
        self._flush()
        self._pending = res
        super()._convert_one(path, res, staging)

    def run(self, staging: Path) -> list[FileResult]:
        try:
            return super().run(staging)
        finally:
            self._flush()


def _bases_in_set(files: Sequence[Path]) -> dict[Path, list[Path]]:
    in_set = set(files)
    out = {}
    for f in files:
        out[f] = [b for b in base_paths(f) if b in in_set]
    return out


def units(files: Sequence[Path]) -> list[list[Path]]:
    """Self-contained units of ``files`` (absolute paths), each in input order;
    every file is in at least one unit."""
    bases = _bases_in_set(files)
    used = {b for bs in bases.values() for b in bs}
    order = {f: i for i, f in enumerate(files)}

    def closure(roots: Sequence[Path]) -> set[Path]:
        seen: set[Path] = set()
        stack = list(roots)
        while stack:
            f = stack.pop()
            if f in seen:
                continue
            seen.add(f)
            stack.extend(bases[f])
        return seen

    out: list[set[Path]] = []
    covered: set[Path] = set()
    for f in files:
        if f not in used:  # nobody's base: a leaf
            unit = closure([f])
            out.append(unit)
            covered |= unit
    rest = [f for f in files if f not in covered]  # only reachable through a `_base_` cycle
    if rest:
        out.append(closure(rest))
    return [sorted(u, key=order.__getitem__) for u in out]


def batches(files: Sequence[Path], jobs: int) -> list[list[Path]]:
    """Units packed into about ``BATCHES_PER_JOB * jobs`` batches of
    neighbouring files, of about equal work (a file's size stands for the
    time it takes; a base shared by several units counts in each)."""
    us = units(files)
    if not us:
        return []
    order = {f: i for i, f in enumerate(files)}
    n = min(len(us), BATCHES_PER_JOB * jobs)
    size = {f: file_cost(f) for f in files}
    costs = [sum(size[f] for f in u) for u in us]
    total = sum(costs)
    out: list[list[Path]] = []
    members: set[Path] = set()
    done = 0
    for u, cost in zip(us, costs):
        members |= set(u)
        done += cost
        if len(out) < n - 1 and done >= total * (len(out) + 1) / n:
            out.append(sorted(members, key=order.__getitem__))
            members = set()
    if members:
        out.append(sorted(members, key=order.__getitem__))
    return out


def _run_batch(files: list[Path], root: Optional[Path], options: ConvertOptions) -> list[FileResult]:
    conv = Converter(files, root, options)
    with scratch_dir("mmgen-migrate-") as staging:
        return conv.run(Path(staging))


def _fork_is_safe() -> bool:
    """No other thread runs (a fork copies only the calling thread: a lock
    another one holds would stay locked in the child)."""
    import threading

    return threading.active_count() == 1


def _context():
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and _fork_is_safe():
        # no other thread (the progress bar starts its own only once the
        # first file is done): forking this process is safe and the fastest
        # start -- the workers inherit the imported converter
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        # Not fork: another thread runs (a program calling the API from a
        # thread, say).  The server imports the converter (and MMEngine)
        # once; workers fork from it.  multiprocessing's own folder (the fork
        # server's socket) is removed at a normal exit only: have the janitor
        # remove it after a SIGKILL
        track(multiprocessing.util.get_temp_dir())
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(list(PRELOAD))
        return ctx
    return multiprocessing.get_context("spawn")


@contextlib.contextmanager
def _pool(workers: int):
    """A process pool whose processes die with this one, and are stopped,
    not waited for, when the run is interrupted (see interrupt.py)."""
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_context(), initializer=pool_worker_init,
                               initargs=(os.getpid(),))
    try:
        yield pool
    except BaseException:
        stop_pool(pool)
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def convert_batch(
    files: Sequence[Path],
    root: Optional[Path],
    options: Optional[ConvertOptions] = None,
    *,
    jobs: Optional[int] = 1,
    on_result: Optional[OnResult] = None,
) -> list[FileResult]:
    """Convert ``files`` (nothing written but a temporary staging folder)
    on ``jobs`` processes (0: one per CPU; None: as many as the size of the
    set pays for, see ``auto_jobs``); results in the order of ``files``.
    ``on_result`` is called once per file, as files finish."""
    options = options or ConvertOptions()
    absolute = [Path(os.path.abspath(f)) for f in files]
    jobs = auto_jobs(absolute) if jobs is None else cpu_jobs(jobs)
    groups = batches(absolute, jobs) if jobs > 1 and len(absolute) > 1 else []
    if len(groups) <= 1:
        conv = _ReportingConverter(absolute, root, options, on_result=on_result)
        with scratch_dir("mmgen-migrate-") as staging:
            return conv.run(Path(staging))

    found: dict[Path, FileResult] = {}
    import_converter()  # (forked workers inherit it)

    with _pool(min(jobs, len(groups))) as pool:
        pending = {pool.submit(run_guarded, _run_batch, g, root, options): i for i, g in enumerate(groups)}
        done_batches: dict[int, list[FileResult]] = {}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                index = pending.pop(fut)
                done_batches[index] = fut.result()
                for res in done_batches[index]:
                    if res.source not in found:
                        found[res.source] = res
                        if on_result is not None:
                            on_result(res)
    # The same file may come back from several batches (a shared base); all
    # copies are equal, keep the first batch's so the choice is deterministic.
    first: dict[Path, FileResult] = {}
    for index in sorted(done_batches):
        for res in done_batches[index]:
            first.setdefault(res.source, res)
    return [first[p] for p in absolute if p in first]


def map_ordered(func: Callable, items: Sequence, *, jobs: int = 1, on_result: Optional[Callable] = None) -> list:
    """``[func(item) for item in items]`` on ``jobs`` processes, results in the
    order of ``items``; ``on_result(index, result)`` is called in that order
    too, as soon as the result and all before it are there (so what is
    printed does not depend on ``jobs``).  ``func`` must be a module-level
    function; an exception it raises is raised here."""
    jobs = cpu_jobs(jobs)
    results: list = [None] * len(items)
    if jobs <= 1 or len(items) <= 1:
        for i, item in enumerate(items):
            results[i] = func(item)
            if on_result is not None:
                on_result(i, results[i])
        return results
    done = [False] * len(items)
    next_to_report = 0
    with _pool(min(jobs, len(items))) as pool:
        pending = {pool.submit(run_guarded, func, item): i for i, item in enumerate(items)}
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                i = pending.pop(fut)
                results[i] = fut.result()
                done[i] = True
            while next_to_report < len(items) and done[next_to_report]:
                if on_result is not None:
                    on_result(next_to_report, results[next_to_report])
                next_to_report += 1
    return results
