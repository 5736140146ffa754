"""``mmgen-migrate verify OLD NEW``: the click command (thin)."""
from __future__ import annotations

import json
import sys

import click

from .errors import VerifyInputError


@click.command("verify")
@click.argument("old", type=click.Path(dir_okay=False, path_type=str))
@click.argument("new", type=click.Path(dir_okay=False, path_type=str))
@click.option("--iters", type=click.IntRange(min=1), default=None,
              help="Iterations to replay (default: at least two full generator cycles, "
                   "plus the EMA start and first lr change when they are near).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto",
              show_default=True, help="auto uses CUDA when available (needed to verify AMP).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: the mmgen-migrate.verify/1 document on stdout.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed for the surrogate weights, data and noise.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Also write the text report (with the timeline) as an HTML page.")
@click.option("--allow-exec", "allow_exec", is_flag=False, flag_value="sandbox", default=None,
              type=click.Choice(["sandbox", "unconfined"]), metavar="[=unconfined]",
              help="Execute configs that cannot be read statically, in the sandbox "
                   "(=unconfined: without it). Default: nothing is executed.")
def verify_command(old: str, new: str, iters, device: str, fmt: str, seed: int, html_path, allow_exec) -> None:
    """Train OLD (MMGeneration 0.x config) and NEW (its MMagic 1.x conversion) on tiny
    surrogate networks and check that optimizer steps, backward passes, lr and EMA
    events match iteration by iteration.

    Exit status: 0 equivalent, 1 different or not verified, 2 unusable input.
    """
    from . import render_text, verify_configs

    from ..errors import UsageError
    from ..load import check_allow_exec

    try:
        check_allow_exec(allow_exec)
    except UsageError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    try:
        result = verify_configs(old, new, iters=iters, device=device, seed=seed, allow_exec=allow_exec)
    except VerifyInputError as e:
        click.echo(f"error: {e.path}: {e.problem}" if e.path else f"error: {e.problem}", err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        from rich.console import Console

        render_text(result, Console(highlight=False))
    if html_path:
        from rich.console import Console

        rec = Console(record=True, width=120, file=_Null())
        render_text(result, rec)
        with open(html_path, "w", encoding="utf-8") as f:
            f.write(rec.export_html(inline_styles=True))
    sys.exit(result.exit_code)


class _Null:
    def write(self, _s):
        return 0

    def flush(self):
        pass
