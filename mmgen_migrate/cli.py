"""The ``mmgen-migrate`` command.  Thin: parse options, call the library,
render.  Exit codes: 0 success, 1 changes needed (``--check``) or findings
that need review, 2 usage error or a file that could not be converted."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import click
from rich.console import Console

from . import __version__, report
from .convert import FAILED, UNCHANGED, ConvertOptions, Converter, UsageError, discover, write_results
from .rules import UnknownRuleError, all_rules, resolve_selection

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _split(values) -> list[str] | None:
    out = [v.strip() for item in values or () for v in item.split(",") if v.strip()]
    return out or None


def _err_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mmgen-migrate")
def cli() -> None:
    """Migrate MMGeneration 0.x configs to MMagic 1.x (MMEngine) configs."""


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


@cli.command()
@click.argument("src", type=click.Path(path_type=Path, allow_dash=True))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Output file (for a file) or folder (for a folder).")
@click.option("--in-place", is_flag=True, help="Overwrite the input files with their conversion.")
@click.option("--diff", "show_diff", is_flag=True, help="Print a unified diff instead of writing anything.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if any file would change or needs review.")
@click.option("--select", multiple=True, help="Only these rules (ids or prefixes, comma-separated).")
@click.option("--ignore", multiple=True, help="Skip these rules (ids or prefixes, comma-separated).")
@click.option("--exclude", multiple=True, help="Glob of files to skip in a folder (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Report format.")
@click.option("--stdin-filename", type=click.Path(path_type=Path),
              help="With SRC '-': where the config would live (resolves its _base_ files).")
@click.option("-v", "--verbose", is_flag=True, help="List every change, not only those that need review.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("--verify", "run_verify", is_flag=True,
              help="Also train old and new config a few iterations and compare (needs torch).")
def convert(src, output, in_place, show_diff, check, select, ignore, exclude, fmt, stdin_filename, verbose, quiet,
            run_verify):
    """Convert SRC (a config file, a folder of configs, or - for stdin).

    \b
    mmgen-migrate convert old.py -o new.py
    mmgen-migrate convert configs/ -o configs_1x/
    mmgen-migrate convert configs/ --check --diff
    """
    err = _err_console()
    try:
        code = _convert(src, output, in_place, show_diff, check, _split(select), _split(ignore), list(exclude), fmt,
                        stdin_filename, verbose, quiet, run_verify, err)
    except (UsageError, UnknownRuleError) as exc:
        err.print(f"[red]error[/]: {exc}")
        code = EXIT_ERROR
    sys.exit(code)


def _convert(src, output, in_place, show_diff, check, select, ignore, exclude, fmt, stdin_filename, verbose, quiet,
             run_verify, err) -> int:
    dry = show_diff or check
    if in_place and output:
        raise UsageError("--in-place and --output exclude each other")
    if dry and (in_place or output):
        raise UsageError("--diff/--check write nothing; drop --in-place/--output")
    resolve_selection(select, ignore)  # fail early on unknown rule ids
    options = ConvertOptions(select=select, ignore=ignore)

    stdin_tmp = None
    if str(src) == "-":
        if in_place:
            raise UsageError("--in-place needs a file, not stdin")
        text = click.get_text_stream("stdin").read()
        where = Path(os.path.abspath(stdin_filename or "stdin.py"))
        fd, name = tempfile.mkstemp(prefix=".mmgen-migrate-stdin-", suffix=".py", dir=where.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        stdin_tmp = Path(name)
        files, root, single = [stdin_tmp], stdin_tmp.parent, True
    elif src.is_dir():
        if not (output or in_place or dry):
            raise UsageError(f"{src} is a folder: give -o OUTPUT_FOLDER, --in-place, --diff or --check")
        if output and output.exists() and not output.is_dir():
            raise UsageError(f"{output}: output for a folder must be a folder")
        if output and _inside(output, src):
            raise UsageError(f"{output}: the output folder is inside the input folder {src}; choose one outside it")
        files, root, single = discover(src, exclude), src, False
        if not files:
            raise UsageError(f"{src}: no config files (*.py) found")
    elif src.exists() or src.is_symlink():
        if output and output.is_dir():
            output = output / src.name
        if output and output.resolve() == src.resolve():
            raise UsageError(f"{output}: output is the input file; use --in-place to overwrite it")
        files, root, single = [src], src.parent, True
    else:
        raise UsageError(f"{src}: no such file or folder")

    try:
        import tempfile as _tf

        conv = Converter(files, root, options)
        with _tf.TemporaryDirectory(prefix="mmgen-migrate-") as staging:
            results = conv.run(Path(staging))
        if stdin_tmp is not None:
            for r in results:
                r.rel = str(stdin_filename or "-")
    finally:
        if stdin_tmp is not None:
            stdin_tmp.unlink(missing_ok=True)

    to_stdout = single and not output and not in_place and not dry
    if not dry and not to_stdout:
        if in_place:
            write_results(results, lambda r: r.source if r.status != UNCHANGED else None)
        elif single:
            write_results(results, lambda r: output)
        else:
            out_root = Path(output)
            write_results(results, lambda r: out_root / r.rel)

    verify_results = {}
    if run_verify:
        verify_results = _verify(results, err, quiet or fmt == "json")

    if fmt == "json":
        data = report.to_json(results, include_diff=show_diff, include_text=to_stdout)
        if verify_results:
            for entry in data["files"]:
                if entry["path"] in verify_results:
                    entry["verify"] = verify_results[entry["path"]].to_json()
        click.echo(json.dumps(data, indent=2))
    else:
        out = Console(highlight=False, soft_wrap=True)
        if to_stdout and results and results[0].new_text is not None:
            click.echo(results[0].new_text, nl=False)
        if show_diff:
            for r in results:
                report.print_diff(out, r)
        if quiet:
            for r in results:
                if r.status == FAILED:
                    err.print(f"[red]error[/]: {r.rel}: {r.error}")
        else:
            report.render_text(err, results, verbose=verbose, check=check)

    if any(r.status == FAILED for r in results):
        return EXIT_ERROR
    if any(v.exit_code == 2 for v in verify_results.values()):
        return EXIT_ERROR
    if check and any(r.status != UNCHANGED for r in results):
        return EXIT_FINDINGS
    if any(r.needs_review for r in results) or any(v.exit_code != 0 for v in verify_results.values()):
        return EXIT_FINDINGS
    return EXIT_OK


def _verify(results, err, quiet) -> dict:
    try:
        from .verify import render_text, verify_configs
    except ImportError as exc:  # pragma: no cover - verify package missing
        raise UsageError(f"--verify is not available: {exc}") from None
    out = {}
    for r in results:
        if r.status == FAILED or r.is_base or r.target is None:
            continue
        try:
            result = verify_configs(r.effective, r.target)
        except Exception as exc:  # VerifyInputError, TorchMissingError
            raise UsageError(f"{r.rel}: verify: {exc}") from None
        out[r.rel] = result
        if not quiet:
            err.print(f"[bold]{r.rel}[/]: verify")
            render_text(result, err)
    return out


@cli.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_command(fmt):
    """List the migration rules."""
    rules = all_rules()
    if fmt == "json":
        click.echo(json.dumps([{"id": r.id, "name": r.name, "topic": r.topic, "summary": r.summary} for r in rules],
                              indent=2))
        return
    out = Console(highlight=False, soft_wrap=True)
    for r in rules:
        out.print(f"[bold]{r.id}[/]  {r.name:<34} {r.summary}", markup=True)


@cli.command()
@click.argument("rule_id")
def explain(rule_id):
    """Show a rule's documentation and examples."""
    try:
        matches = resolve_selection([rule_id])
    except UnknownRuleError as exc:
        _err_console().print(f"[red]error[/]: {exc}")
        sys.exit(EXIT_ERROR)
    from .explain import render_rule

    out = Console(highlight=False, soft_wrap=True)
    for r in matches:
        render_rule(out, r)


def _register_optional_commands() -> None:
    try:
        from .verify.command import verify_command
    except ImportError:
        return
    cli.add_command(verify_command)


_register_optional_commands()


def main() -> None:  # console script entry point
    cli()


if __name__ == "__main__":  # pragma: no cover
    main()
