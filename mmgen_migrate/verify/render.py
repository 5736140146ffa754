"""Text rendering of a ``VerifyResult`` with rich (torch-free)."""
from __future__ import annotations

from typing import List

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from .result import DIFFERENT, EQUIVALENT, LEGEND, VerifyResult

_STYLE = {EQUIVALENT: "bold green", DIFFERENT: "bold red"}


def _schedule_line(side: dict) -> str:
    sched = dict(side.get("schedule") or {})
    parts = []
    for k, v in sched.items():
        if k in ("ema", "ema_config", "lr_config", "param_scheduler", "amp", "fp16_loss_scaler"):
            continue
        if v is None:
            continue
        if isinstance(v, dict):
            v = "(" + ", ".join(f"{a}={b}" for a, b in v.items()) + ")"
        parts.append(f"{k}={v}")
    return " ".join(parts)


def _ruler(start: int, width: int) -> str:
    out = [" "] * width
    for col in range(width):
        i = start + col
        if i % 10 == 0:
            label = str(i)
            if col + len(label) <= width:
                out[col:col + len(label)] = list(label)
    return "".join(out)


def verdict_line(result: VerifyResult, label: str = "") -> Text:
    """``mmgen-migrate verify: EQUIVALENT  (exit 0)``: the line ``-q`` keeps."""
    head = Text(f"{label}: verify: " if label else "mmgen-migrate verify: ")
    head.append(result.verdict.upper(), style=_STYLE.get(result.verdict, "bold yellow"))
    head.append(f"  (exit {result.exit_code})", style="dim")
    return head


def render_text(result: VerifyResult, console: Console) -> None:
    console.print(verdict_line(result))
    for tag, side in (("old", result.old), ("new", result.new)):
        if side:
            console.print(f"  {tag}  {escape(str(side.get('source')))}  "
                          f"[bold]{escape(str(side.get('model_type')))}[/] ({side.get('family')})  "
                          f"{escape(_schedule_line(side))}", highlight=False)
    if result.iterations:
        console.print(f"  {result.iterations} iterations on {result.device}, seed {result.seed}",
                      style="dim", highlight=False)
    if result.first_difference is not None:
        console.print(f"\nFirst difference at iteration [bold]{result.first_difference}[/].",
                      highlight=False)
    title = {EQUIVALENT: "Why equivalent", DIFFERENT: "Differences"}.get(result.verdict, "Why not verified")
    console.print(f"\n[bold]{title}:[/]")
    for n, r in enumerate(result.reasons, 1):
        console.print(Text(f"  {n}. ") + Text(r), highlight=False)
    if result.timelines:
        _render_timelines(result, console)
    if result.not_verified and result.verdict != "not verified":
        console.print("\n[bold yellow]Not verified:[/]")
        for r in result.not_verified:
            console.print(Text("  - " + r), highlight=False)
    if result.parameters:
        bad = [k for k, v in result.parameters.items() if not v.get("allclose")]
        if bad:
            console.print(f"\nFinal parameters differ: {', '.join(bad)} "
                          f"(max |Δ| {max(result.parameters[k]['max_abs_diff'] for k in bad):.3g})",
                          highlight=False)
        else:
            console.print("\nFinal parameters allclose: " + ", ".join(result.parameters), highlight=False)
    if result.notes:
        console.print("\n[dim]Notes:[/]")
        for r in result.notes:
            console.print(Text("  - " + r, style="dim"), highlight=False)


def _render_timelines(result: VerifyResult, console: Console) -> None:
    rows = list(result.timelines.values())
    label_w = max(len(r.name) for r in rows) + 6
    n = max(max(len(r.old), len(r.new)) for r in rows)
    width = max(20, min(100, console.width - label_w - 2))
    width -= width % 10
    console.print("\n[bold]Timeline[/] [dim](one column per iteration; 0.x above 1.x; "
                  "^ marks where they differ)[/]")
    for start in range(0, n, width):
        console.print(Text(" " * label_w + _ruler(start, min(width, n - start)), style="dim"))
        for r in rows:
            old, new = r.old[start:start + width], r.new[start:start + width]
            marks = r.marks[start:start + width]
            console.print(Text(f"{r.name:<{label_w - 6}} old  ") + _colour(old), highlight=False)
            console.print(Text(f"{'':<{label_w - 6}} new  ") + _colour(new), highlight=False)
            if marks.strip():
                console.print(Text(" " * label_w + marks, style="bold red"))
    for r in rows:
        if r.note:
            console.print(Text("Note: " + r.note, style="dim"), highlight=False)
    used = set("".join(r.old + r.new for r in rows))
    legend: List[str] = []
    for ch, meaning in LEGEND.items():
        if ch == "2-9":
            if used & set("23456789"):
                legend.append(f"2-9 {meaning}")
        elif ch == "↓/↑":
            if used & {"↓", "↑"}:
                legend.append(f"↓/↑ {meaning}")
        elif ch in used or ch == "^" and any(r.marks.strip() for r in rows):
            legend.append(f"{ch} {meaning}")
    console.print(Text("Legend: " + "; ".join(legend), style="dim"))


def _colour(row: str) -> Text:
    t = Text()
    for ch in row:
        style = {"S": "green", "a": "cyan", "c": "blue", "x": "bold red", ":": "yellow",
                 "s": "dim", "↓": "magenta", "↑": "magenta"}.get(ch)
        if ch.isdigit():
            style = "bold green"
        t.append(ch, style=style)
    return t
