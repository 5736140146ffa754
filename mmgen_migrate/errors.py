"""Errors meant for users, and the outcomes of a run.

Every error a user should see as one line derives from :class:`MigrateError`
(the command line catches that one class): the message is one line and does
not repeat the file name (callers prefix it)."""

from __future__ import annotations

from enum import Enum


# The command's exit codes: 0 success, 1 changes needed (``--check``) or
# findings that need review, 2 usage error or a file that could not be converted.
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def first_line(text, limit: int | None = None) -> str:
    """The first non-blank line of ``text`` (``str()`` of an exception too),
    stripped, and cut to ``limit`` characters ("..." ending it) if given."""
    lines = [ln.strip() for ln in str(text).strip().splitlines() if ln.strip()]
    line = lines[0] if lines else ""
    return line if limit is None or len(line) <= limit else line[: limit - 3] + "..."


class MigrateError(Exception):
    """An error meant for the user: a one-line message."""


class ConfigError(MigrateError):
    """A file cannot be read, parsed or loaded.  The message is one line and
    does not repeat the file name (callers prefix it)."""


class UsageError(MigrateError):
    """Bad command-line or API usage (exit code 2)."""


class ValueEnum(str, Enum):
    """An outcome that is equal to, and prints as, its string value, so
    reports, JSON and comparisons with plain strings are unchanged."""

    def __str__(self) -> str:
        return self.value


class Status(ValueEnum):
    """What happened to one file (``Status.FAILED == "failed"``)."""

    CONVERTED = "converted"
    UNCHANGED = "unchanged"
    FAILED = "failed"
