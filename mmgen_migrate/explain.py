"""``mmgen-migrate explain RULE``: a rule's documentation and its examples,
each shown as a before → after diff."""

from __future__ import annotations

import difflib

from rich.console import Console
from rich.markdown import Markdown

from .model import Severity, format_path
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


def example_findings(rule: Rule, example: Example) -> list:
    """What converting ``example.before`` with only ``rule`` (and the rules it
    requires) reports: the findings that are not exact."""
    from .convert import ConvertOptions, convert_text

    res = convert_text(example.before, options=ConvertOptions(select=[rule.id, *rule.requires]))
    return [c for c in res.changes if c.rule == rule.id and c.severity != Severity.EXACT]


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
        if ex.before == ex.after:
            # a finding-only example: the text stays, what the rule reports is the point
            console.print(f"[bold]Example {i}[/] (text unchanged; reported):", highlight=False)
            for line in ex.before.splitlines():
                console.print("  " + line, markup=False, highlight=False)
            for change in example_findings(rule, ex):
                where = format_path(change.new_path or (change.old_paths or [()])[0])
                console.print(f"  → {change.severity.value} {change.rule} {where}: {change.message}",
                              markup=False, highlight=False)
            continue
        console.print(f"[bold]Example {i}[/]:", highlight=False)
        for line in example_diff(ex).splitlines():
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else None
            if line.startswith(("+++", "---")):
                style = "bold"
            console.print("  " + line, style=style, markup=False, highlight=False)
