"""The Python API: what the command line does, for scripts and tools.

.. code-block:: python

    import mmgen_migrate as mm

    res = mm.convert_source(open("old.py").read())        # one config as text
    print(res.status, res.new_text)
    for change in res.changes:
        print(change.rule, change.severity, change.message)

    results = mm.convert_paths(["configs/"], jobs=2)      # a tree, _base_ links kept
    cfg = mm.read_config("configs/biggan/x.py")            # the effective config, read statically
    verdict = mm.verify_configs("old.py", "new.py")        # needs torch

Nothing here writes to the inputs or to any destination: results carry the
converted text (``new_text``); :func:`write` writes them atomically.
Configs are read statically; ``allow_exec="sandbox"`` (or ``"unconfined"``)
executes the ones that cannot be, as ``--allow-exec`` does.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Optional, Sequence, Union

from .convert import FileResult, ConvertOptions, UsageError, convert_text, discover, write_results
from .errors import ConfigError

PathLike = Union[str, "os.PathLike[str]"]

__all__ = ["convert_source", "convert_paths", "read_config", "verify_configs", "write", "FileResult", "ConfigError",
           "UsageError"]


def _options(select, ignore, allow_exec) -> ConvertOptions:
    from .rules import resolve_selection

    select = [select] if isinstance(select, str) else select
    ignore = [ignore] if isinstance(ignore, str) else ignore
    from .load import check_allow_exec

    resolve_selection(select, ignore)  # unknown rule ids fail here (UnknownRuleError)
    check_allow_exec(allow_exec)  # a bad mode, or a sandbox the kernel cannot give
    return ConvertOptions(select=select, ignore=ignore, allow_exec=allow_exec)


def convert_source(text: str, *, filename: str = "config.py", select: Optional[Sequence[str]] = None,
                   ignore: Optional[Sequence[str]] = None, allow_exec: Optional[str] = None) -> FileResult:
    """Convert one 0.x config given as source text (no ``_base_`` files)."""
    return convert_text(text, filename=filename, options=_options(select, ignore, allow_exec))


def convert_paths(paths: Iterable[PathLike], *, root: Optional[PathLike] = None,
                  select: Optional[Sequence[str]] = None, ignore: Optional[Sequence[str]] = None,
                  exclude: Sequence[str] = (), allow_exec: Optional[str] = None,
                  jobs: Optional[int] = 1) -> list[FileResult]:
    """Convert config files and folders (a folder: every ``*.py`` under it).

    Files are converted together, so ``_base_`` files among them keep their
    links.  ``root`` names the folder that ``FileResult.rel`` is relative to
    (default: the folder given, or the common folder of the files).  One
    result per file, in order; a file that cannot be converted has
    ``status == "failed"`` and a one-line ``error``.  ``jobs``: processes
    (0: one per CPU; None: as many as the size of the set pays for, as the
    command line does without ``-j``); the results do not depend on it.
    """
    from .parallel import convert_batch

    files: list[Path] = []
    folders: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            folders.append(p)
            files.extend(discover(p, exclude))
        elif p.exists():
            files.append(p)
        else:
            raise UsageError(f"{p}: no such file or folder")
    if not files:
        return []
    if root is None:
        if len(folders) == 1 and all(_inside(f, folders[0]) for f in files):
            root = folders[0]
        else:
            root = os.path.commonpath([os.path.dirname(os.path.abspath(f)) for f in files])
    return convert_batch(files, Path(root), _options(select, ignore, allow_exec), jobs=jobs)


def _inside(path: Path, folder: Path) -> bool:
    try:
        Path(os.path.abspath(path)).relative_to(os.path.abspath(folder))
        return True
    except ValueError:
        return False


def read_config(path: PathLike, *, new_style: bool = False, allow_exec: Optional[str] = None) -> dict:
    """The effective config of ``path`` (``_base_`` merged), as MMEngine's
    ``Config.fromfile(path, lazy_import=False).to_dict()`` gives it, read
    statically (``new_style``: as ``Config.fromfile(path)`` reads a 1.x
    config).  Raises :class:`ConfigError` with a one-line reason."""
    from .load import read_effective

    return read_effective(Path(path), new_style=new_style, allow_exec=allow_exec).config


def verify_configs(old: Union[PathLike, dict], new: Union[PathLike, dict], *, iters: Optional[int] = None,
                   device: str = "auto", seed: int = 0, allow_exec: Optional[str] = None):
    """Train ``old`` (0.x) and ``new`` (1.x) a few iterations on a surrogate
    model and compare (see ``mmgen-migrate verify``); returns a
    ``VerifyResult`` (``exit_code`` 0 when equivalent).  Needs torch."""
    from . import verify as verify_mod

    return verify_mod.verify_configs(old if isinstance(old, dict) else str(old), new if isinstance(new, dict) else str(new),
                          iters=iters, device=device, seed=seed, allow_exec=allow_exec)


def write(results: Sequence[FileResult], destination) -> None:
    """Write converted results atomically: ``destination`` is a folder (each
    result at ``folder / result.rel``) or a function of the result returning
    its path (None: skip).  Failed results are never written."""
    if callable(destination):
        write_results(results, destination)
    else:
        folder = Path(destination)
        write_results(results, lambda r: folder / r.rel)
