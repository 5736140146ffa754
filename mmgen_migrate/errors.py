"""Errors meant for users: one line, without the file name (callers prefix it)."""

from __future__ import annotations


class ConfigError(Exception):
    """A file cannot be read, parsed or loaded.  The message is one line and
    does not repeat the file name (callers prefix it)."""
