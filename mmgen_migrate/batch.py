"""One ``mmgen-migrate convert`` run as library functions: which files the
command-line inputs name (folders, several SRC, stdin), where the results
go, and the exit code the results give.  The click command
(``cli.convert``) is option parsing, these calls and rendering, as Fixit's
``cli.lint`` is a loop over its API."""

from __future__ import annotations

import fnmatch
import os
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator, Sequence

from .convert import FAILED, UNCHANGED, UsageError, discover, hold_back_failed_families, write_results
from .errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK


@dataclass
class Inputs:
    """The files one run converts.

    ``single``: one file (or stdin), whose conversion may go to stdout;
    ``batch``: a folder or several SRC (progress, ``-j``); ``output``: the
    destination, resolved (a file's ``-o FOLDER`` is ``FOLDER/NAME``);
    ``stdin``: the input is stdin (``files`` is then the temporary file that
    holds it, beside ``--stdin-filename``); ``excluded``: the one file given
    matched ``--exclude`` with ``--force-exclude`` (nothing to do)."""

    files: list[Path]
    root: Path
    single: bool = False
    batch: bool = False
    output: Path | None = None
    stdin: bool = False
    excluded: Path | None = None


def inside(path: Path, root: Path) -> bool:
    """``path`` is ``root`` or under it (links resolved)."""
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def excluded(path: Path, patterns) -> bool:
    shown = os.path.relpath(os.path.abspath(path)).replace(os.sep, "/")
    return any(fnmatch.fnmatch(shown, pat) or fnmatch.fnmatch(path.name, pat) for pat in patterns)


def os_problem(exc: OSError) -> str:
    """``read-only file system``, ``no space left on device``, ..."""
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


def collect_many(srcs, output, in_place, dry, exclude, force_exclude) -> tuple[list[Path], Path]:
    """Several SRC: files and folders, converted together (their ``_base_``
    links to each other are kept), relative names from their common folder."""
    if any(str(s) == "-" for s in srcs):
        raise UsageError("'-' (stdin) cannot be combined with other SRC")
    if not (output or in_place or dry):
        raise UsageError("several SRC: give -o OUTPUT_FOLDER, --in-place, --diff or --check")
    if output and output.exists() and not output.is_dir():
        raise UsageError(f"{output}: output for several SRC must be a folder")
    if output and not output.exists() and output.suffix == ".py":
        raise UsageError(f"{output}: output for several SRC must be a folder, not a .py file name")
    files: list[Path] = []
    anchors: list[str] = []
    for src in srcs:
        if src.is_dir():
            if output and inside(output, src):
                raise UsageError(f"{output}: the output folder is inside the input folder {src}; choose one outside it")
            files.extend(discover(src, exclude))
            anchors.append(os.path.abspath(src))
        elif src.exists() or src.is_symlink():
            if force_exclude and excluded(src, exclude):
                continue
            files.append(src)
            anchors.append(os.path.dirname(os.path.abspath(src)))
        else:
            raise UsageError(f"{src}: no such file or folder")
    unique: dict[str, Path] = {}
    for f in files:
        unique.setdefault(os.path.abspath(f), f)
    files = list(unique.values())
    root = Path(os.path.commonpath(anchors)) if anchors else Path.cwd()
    return files, root


def read_stdin(stdin: BinaryIO | None = None) -> bytes:
    """Raw bytes of stdin: the config keeps its encoding and line endings."""
    if stdin is not None:
        return stdin.read()
    stream = getattr(sys.stdin, "buffer", None)
    return stream.read() if stream is not None else sys.stdin.read().encode("utf-8")


@contextmanager
def stdin_file(data: bytes, stdin_filename: Path | None) -> Iterator[Path]:
    """``data`` in a temporary config file in the folder of
    ``stdin_filename`` (so its relative ``_base_`` files resolve), removed
    afterwards."""
    where = Path(os.path.abspath(stdin_filename or "stdin.py"))
    fd, name = tempfile.mkstemp(prefix=".mmgen-migrate-stdin-", suffix=".py", dir=where.parent)
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        yield path
    finally:
        path.unlink(missing_ok=True)


@contextmanager
def collect_inputs(srcs: Sequence[Path], *, output: Path | None, in_place: bool, dry: bool, exclude,
                   force_exclude: bool, stdin_filename: Path | None = None,
                   stdin: BinaryIO | None = None) -> Iterator[Inputs]:
    """The files the command-line SRC name, checked against the destination
    options (``dry``: ``--diff``/``--check``); raises :class:`UsageError`.
    A context: stdin's temporary file lives until it is left."""
    srcs = list(srcs)
    if not srcs:
        raise UsageError("give a config file, a folder or - (stdin) to convert")
    if len(srcs) > 1:
        files, root = collect_many(srcs, output, in_place, dry, exclude, force_exclude)
        if not files:
            raise UsageError("no config files (*.py) to convert")
        yield Inputs(files, root, batch=True, output=output)
    elif str(srcs[0]) == "-":
        if in_place:
            raise UsageError("--in-place needs a file, not stdin")
        with stdin_file(read_stdin(stdin), stdin_filename) as tmp:
            yield Inputs([tmp], tmp.parent, single=True, output=output, stdin=True)
    elif srcs[0].is_dir():
        src = srcs[0]
        if not (output or in_place or dry):
            raise UsageError(f"{src} is a folder: give -o OUTPUT_FOLDER, --in-place, --diff or --check")
        if output and output.exists() and not output.is_dir():
            raise UsageError(f"{output}: output for a folder must be a folder")
        if output and inside(output, src):
            raise UsageError(f"{output}: the output folder is inside the input folder {src}; choose one outside it")
        files = discover(src, exclude)
        if not files:
            raise UsageError(f"{src}: no config files (*.py) found")
        yield Inputs(files, src, batch=True, output=output)
    elif srcs[0].exists() or srcs[0].is_symlink():
        src = srcs[0]
        if force_exclude and excluded(src, exclude):
            yield Inputs([], src.parent, single=True, output=output, excluded=src)
            return
        if output and output.is_dir():
            output = output / src.name
        if output and output.resolve() == src.resolve():
            raise UsageError(f"{output}: output is the input file; use --in-place to overwrite it")
        yield Inputs([src], src.parent, single=True, output=output)
    else:
        raise UsageError(f"{srcs[0]}: no such file or folder")


def write_destinations(results, inputs: Inputs, *, in_place: bool) -> None:
    """Write the converted files where the options say: over the inputs
    (``--in-place``, never half a ``_base_`` family), to the one output file,
    or into the output folder.  A read-only or full destination is one
    :class:`UsageError` line; the files already written are complete (each
    one is replaced atomically)."""
    output = inputs.output
    try:
        if in_place:
            hold_back_failed_families(results)
            write_results(results, lambda r: r.source if r.status != UNCHANGED else None)
        elif inputs.single:
            write_results(results, lambda r: output)
        else:
            out_root = Path(output)
            write_results(results, lambda r: out_root / r.rel)
    except OSError as exc:
        where = output if output is not None else (exc.filename or "")
        raise UsageError(f"{where}: {os_problem(exc)}") from None


def exit_code(results, verify_results: dict | None = None, *, check: bool = False) -> int:
    """2: a file failed (or a verify run could not run); 1: ``--check`` and a
    file would change, or findings to review (verify included); else 0."""
    verify_results = verify_results or {}
    if any(r.status == FAILED for r in results):
        return EXIT_ERROR
    if any(v.exit_code == 2 for v in verify_results.values()):
        return EXIT_ERROR
    if check and any(r.status != UNCHANGED for r in results):
        return EXIT_FINDINGS
    if any(r.needs_review for r in results) or any(v.exit_code != 0 for v in verify_results.values()):
        return EXIT_FINDINGS
    return EXIT_OK
