"""``mmgen-migrate explain RULE``: a rule's documentation and its examples,
each shown as a before → after diff."""

from __future__ import annotations

import difflib

from rich.console import Console
from rich.markdown import Markdown

from .rules import Example, Rule, Valid


def example_diff(example: Example) -> str:
    return "".join(
        difflib.unified_diff(
            example.before.splitlines(keepends=True),
            example.after.splitlines(keepends=True),
            fromfile="0.x",
            tofile="1.x",
        )
    )


def render_rule(console: Console, rule: Rule) -> None:
    console.print(f"[bold]{rule.id}[/] {rule.name}", highlight=False)
    console.print(rule.summary, highlight=False)
    console.print()
    console.print(Markdown(rule.doc))
    for i, ex in enumerate(rule.examples, 1):
        console.print()
        if isinstance(ex, Valid):
            console.print(f"[bold]Example {i}[/] (left unchanged):", highlight=False)
            for line in ex.source.splitlines():
                console.print("  " + line, markup=False, highlight=False)
            continue
        console.print(f"[bold]Example {i}[/]:", highlight=False)
        for line in example_diff(ex).splitlines():
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else None
            if line.startswith(("+++", "---")):
                style = "bold"
            console.print("  " + line, style=style, markup=False, highlight=False)
