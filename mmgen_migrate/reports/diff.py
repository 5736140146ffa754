"""The unified diff of a converted file (terminal, JSON and Markdown use it)."""

from __future__ import annotations

import difflib

from ..convert import FileResult


def unified_diff(res: FileResult, color: bool = False) -> str:
    if res.old_text is None or res.new_text is None or res.old_text == res.new_text:
        return ""
    lines = difflib.unified_diff(
        res.old_text.splitlines(keepends=True),
        res.new_text.splitlines(keepends=True),
        fromfile=f"a/{res.rel}",
        tofile=f"b/{res.rel}",
    )
    out = []
    for line in lines:
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)
