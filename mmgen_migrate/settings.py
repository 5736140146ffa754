"""Project settings from ``[tool.mmgen-migrate]`` in ``pyproject.toml``.

The nearest ``pyproject.toml`` from the working directory up that has a
``[tool.mmgen-migrate]`` table is used (like ruff and black).  Command-line
flags win: a flag given on the command line replaces the setting of the same
name.  Unknown keys and wrong types are errors (exit code 2), so a typo never
silently does nothing.

.. code-block:: toml

    [tool.mmgen-migrate]
    select = ["OPT", "STP"]        # rule ids or prefixes
    ignore = ["STP002"]
    exclude = ["*_legacy.py", "tests/*"]
    format = "text"                # text | json | github | sarif
    report = ["review.html", "review.md"]   # one file or a list
    report-format = "html"         # md | html | json | sarif (default: from the extension)
    jobs = 4                       # 0 = one per CPU
    verbose = false
    allow-exec = false             # true / "sandbox": execute configs the static reader refuses,
                                   # in the sandbox; "unconfined": without it (trusted configs only)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

TABLE = "mmgen-migrate"
FORMATS = ("text", "json", "github", "sarif")
REPORT_FORMATS = ("md", "html", "json", "sarif")


class SettingsError(ValueError):
    """A bad ``[tool.mmgen-migrate]`` table."""


@dataclass
class Settings:
    select: Optional[list[str]] = None
    ignore: Optional[list[str]] = None
    exclude: list[str] = field(default_factory=list)
    format: Optional[str] = None
    report: list[Path] = field(default_factory=list)
    report_format: Optional[str] = None
    jobs: Optional[int] = None
    verbose: Optional[bool] = None
    allow_exec: Optional[str] = None  # None/"" (no), "sandbox", "unconfined"
    path: Optional[Path] = None  # the pyproject.toml read, if any


def _load_toml(path: Path) -> dict:
    try:
        import tomllib  # Python 3.11+
    except ModuleNotFoundError:  # pragma: no cover - Python < 3.11
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ModuleNotFoundError:
            raise SettingsError(f"{path}: reading pyproject.toml needs Python 3.11+ or the `tomli` package") from None
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{path}: {exc}") from None


def find_pyproject(start: Optional[Path] = None) -> Optional[Path]:
    """The nearest ``pyproject.toml`` with a ``[tool.mmgen-migrate]`` table,
    from ``start`` (default: the working directory) up to the file-system
    root."""
    here = Path(os.path.abspath(start or os.getcwd()))
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and TABLE in _load_toml(candidate).get("tool", {}):
            return candidate
    return None


def _strings(path: Path, key: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(f"{path}: [tool.{TABLE}] {key} must be a list of strings")
    return list(value)


def _choice(path: Path, key: str, value: Any, choices) -> str:
    if value not in choices:
        raise SettingsError(f"{path}: [tool.{TABLE}] {key} must be one of {', '.join(choices)}, not {value!r}")
    return value


def parse(table: dict, path: Path) -> Settings:
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: [tool.{TABLE}] must be a table")
    out = Settings(path=path)
    for raw_key, value in table.items():
        key = raw_key.replace("_", "-")
        if key == "select":
            out.select = _strings(path, key, value)
        elif key == "ignore":
            out.ignore = _strings(path, key, value)
        elif key == "exclude":
            out.exclude = _strings(path, key, value)
        elif key == "format":
            out.format = _choice(path, key, value, FORMATS)
        elif key == "report":
            names = _strings(path, key, value)
            if not names or not all(names):
                raise SettingsError(f"{path}: [tool.{TABLE}] report must be a file name or a list of them")
            # relative to the folder of pyproject.toml, like every path in it
            out.report = [path.parent / name if not os.path.isabs(name) else Path(name) for name in names]
        elif key == "report-format":
            out.report_format = _choice(path, key, value, REPORT_FORMATS)
        elif key == "jobs":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise SettingsError(f"{path}: [tool.{TABLE}] jobs must be a whole number >= 0 (0: one per CPU)")
            out.jobs = value
        elif key == "verbose":
            if not isinstance(value, bool):
                raise SettingsError(f"{path}: [tool.{TABLE}] verbose must be true or false")
            out.verbose = value
        elif key == "allow-exec":
            if value is True:
                out.allow_exec = "sandbox"
            elif value is False:
                out.allow_exec = ""
            elif value in ("sandbox", "unconfined"):
                out.allow_exec = value
            else:
                raise SettingsError(f"{path}: [tool.{TABLE}] allow-exec must be true, false, \"sandbox\" "
                                    "or \"unconfined\"")
        else:
            known = "select, ignore, exclude, format, report, report-format, jobs, verbose, allow-exec"
            raise SettingsError(f"{path}: unknown key {raw_key!r} in [tool.{TABLE}] (known: {known})")
    return out


def load(config: Optional[Path] = None, *, start: Optional[Path] = None) -> Settings:
    """Settings from ``config`` (a pyproject.toml given with ``--config``) or
    from the nearest one found from ``start`` up; empty settings if none."""
    path = Path(config) if config else find_pyproject(start)
    if path is None:
        return Settings()
    if not path.is_file():
        raise SettingsError(f"{path}: no such file")
    table = _load_toml(path).get("tool", {}).get(TABLE)
    if table is None:
        if config:
            raise SettingsError(f"{path}: no [tool.{TABLE}] table")
        return Settings()
    return parse(table, path)
