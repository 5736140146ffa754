"""The ``mmgen-migrate`` command.  Thin: parse options, call the library,
render.  Exit codes: 0 success, 1 changes needed (``--check``) or findings
that need review, 2 usage error or a file that could not be converted."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from . import __version__
from . import settings as settings_mod
from .errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK  # noqa: F401  (re-exported)

# The converter, the rules and the reports (MMEngine) are imported by
# the commands that need them, so `mmgen-migrate --help` starts fast.


def _split(values) -> list[str] | None:
    out = [v.strip() for item in values or () for v in item.split(",") if v.strip()]
    return out or None


def _err_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mmgen-migrate")
def cli() -> None:
    """Migrate MMGeneration 0.x configs to MMagic 1.x (MMEngine) configs."""


FORMATS = ("text", "json", "github", "sarif")


@cli.command()
@click.argument("srcs", metavar="SRC...", nargs=-1, type=click.Path(path_type=Path, allow_dash=True))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Output file (for a file) or folder (for a folder or several files).")
@click.option("--in-place", is_flag=True, help="Overwrite the input files with their conversion.")
@click.option("--diff", "show_diff", is_flag=True, help="Print a unified diff instead of writing anything.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if any file would change or needs review.")
@click.option("--select", multiple=True, help="Only these rules (ids or prefixes, comma-separated).")
@click.option("--ignore", multiple=True, help="Skip these rules (ids or prefixes, comma-separated).")
@click.option("--exclude", multiple=True, help="Glob of files to skip in a folder (repeatable).")
@click.option("--force-exclude", is_flag=True,
              help="Apply --exclude to files named on the command line too (for pre-commit).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Report on stdout: text (default), json, github (Actions annotations), sarif (SARIF 2.1.0).")
@click.option("--report", "report_path", type=click.Path(path_type=Path), multiple=True,
              help="Also write a review report to this file (.md, .html, .json or .sarif); repeatable.")
@click.option("--report-format", type=click.Choice(["md", "html", "json", "sarif"]), default=None,
              help="Format of --report (default: from its extension).")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=None,
              help="Convert with N processes (0: one per CPU; default: one, and one more per 32 kB of "
                   "configs, at most one per CPU). Output is identical to -j 1.")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Read [tool.mmgen-migrate] from this pyproject.toml instead of the nearest one.")
@click.option("--isolated", is_flag=True, help="Ignore every pyproject.toml.")
@click.option("--stdin-filename", type=click.Path(path_type=Path),
              help="With SRC '-': where the config would live (resolves its _base_ files).")
@click.option("-v", "--verbose/--no-verbose", default=None,
              help="List every change, not only those that need review; a status line per file in batches.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("--allow-exec", "allow_exec", is_flag=False, flag_value="sandbox", default=None,
              type=click.Choice(["sandbox", "unconfined"]), metavar="[=unconfined]",
              help="Execute the configs that cannot be read statically, in the sandbox "
                   "(=unconfined: without it, for trusted configs where the sandbox is unavailable).")
@click.option("--verify", "run_verify", is_flag=True,
              help="Also train old and new config a few iterations and compare (needs torch).")
def convert(srcs, output, in_place, show_diff, check, select, ignore, exclude, force_exclude, fmt, report_path,
            report_format, jobs, config_path, isolated, stdin_filename, verbose, quiet, allow_exec, run_verify):
    """Convert SRC (config files, folders of configs, or - for stdin).

    \b
    mmgen-migrate convert old.py -o new.py
    mmgen-migrate convert configs/ -o configs_1x/ -j 4 --report review.html
    mmgen-migrate convert configs/ --check --diff
    mmgen-migrate convert a.py b.py --check --format github

    Settings come from [tool.mmgen-migrate] in the nearest pyproject.toml;
    command-line flags win.
    """
    from .errors import MigrateError

    err = _err_console()
    try:
        opts = _resolve_settings(config_path, isolated, select=_split(select), ignore=_split(ignore),
                                 exclude=list(exclude), fmt=fmt, report_path=list(report_path),
                                 report_format=report_format, jobs=jobs, verbose=verbose, allow_exec=allow_exec)
        code = _convert(list(srcs), output, in_place, show_diff, check, opts, force_exclude, stdin_filename,
                        quiet, run_verify, err)
    except MigrateError as exc:  # every error meant for the user: one line
        err.print(f"[red]error[/]: {escape(str(exc))}", highlight=False)
        code = EXIT_ERROR
    sys.exit(code)


def _resolve_settings(config_path, isolated, **cli) -> dict:
    """Command-line values over ``[tool.mmgen-migrate]`` over defaults."""
    from .convert import UsageError
    if isolated and config_path:
        raise UsageError("--config and --isolated exclude each other")
    conf = settings_mod.Settings() if isolated else settings_mod.load(config_path)

    def pick(name, conf_value, default=None):
        value = cli[name]
        if value not in (None, [], ()):
            return value
        return conf_value if conf_value not in (None, []) else default

    return {
        "select": pick("select", conf.select),
        "ignore": pick("ignore", conf.ignore),
        "exclude": pick("exclude", conf.exclude, []),
        "fmt": pick("fmt", conf.format, "text"),
        "report_path": pick("report_path", conf.report, []),
        "report_format": pick("report_format", conf.report_format),
        "jobs": pick("jobs", conf.jobs, None),  # None: convert_batch decides (auto_jobs); verify runs on one
        "verbose": bool(pick("verbose", conf.verbose, False)),
        "allow_exec": pick("allow_exec", conf.allow_exec) or None,
        "settings_file": conf.path,
    }


def _convert(srcs, output, in_place, show_diff, check, opts, force_exclude, stdin_filename, quiet, run_verify,
             err) -> int:
    from .batch import collect_inputs, exit_code, os_problem, write_destinations
    from .convert import ConvertOptions, UsageError
    from .parallel import convert_batch
    from . import reports
    from .rules import resolve_selection
    fmt, verbose = opts["fmt"], opts["verbose"]
    dry = show_diff or check
    if not srcs:
        raise UsageError("give a config file, a folder or - (stdin) to convert")
    if in_place and output:
        raise UsageError("--in-place and --output exclude each other")
    if dry and (in_place or output):
        raise UsageError("--diff/--check write nothing; drop --in-place/--output")
    resolve_selection(opts["select"], opts["ignore"])  # fail early on unknown rule ids
    allow_exec = opts.get("allow_exec")
    from .load import check_allow_exec

    check_allow_exec(allow_exec)
    options = ConvertOptions(select=opts["select"], ignore=opts["ignore"], allow_exec=allow_exec)
    if len(opts["report_path"]) > 1 and opts["report_format"]:
        raise UsageError("--report-format needs a single --report; with several, each takes its extension's format")
    report_targets = [(Path(p), reports.format_for(p, opts["report_format"])) for p in opts["report_path"]]

    with collect_inputs(srcs, output=output, in_place=in_place, dry=dry, exclude=opts["exclude"],
                        force_exclude=force_exclude, stdin_filename=stdin_filename) as inputs:
        if inputs.excluded is not None:
            if not quiet:
                err.print(f"{escape(str(inputs.excluded))}: excluded", highlight=False)
            return EXIT_OK
        to_stdout = inputs.single and not inputs.output and not in_place and not dry
        if to_stdout and fmt in ("github", "sarif"):
            raise UsageError(f"--format {fmt} prints the report on stdout, where the converted config would go; "
                             "give -o, --in-place, --diff or --check")
        progress = BatchProgress(err, total=len(inputs.files), verbose=verbose, check=check,
                                 enabled=inputs.batch and not quiet)
        _freeze_imports()
        with progress:
            results = convert_batch(inputs.files, inputs.root, options, jobs=opts["jobs"] if inputs.batch else 1,
                                    on_result=progress.advance)
        if inputs.stdin:
            for r in results:
                r.rel = str(stdin_filename or "-")

    if not dry and not to_stdout:
        write_destinations(results, inputs, in_place=in_place)

    verify_results = {}
    if run_verify:
        verify_results = _verify(results, err, quiet or fmt in ("json", "sarif", "github"),
                                 jobs=opts["jobs"] if inputs.batch and opts["jobs"] is not None else 1)

    for report_path, report_fmt in report_targets:
        try:
            reports.write_report(report_path, report_fmt, results, verify=verify_results, check=check)
        except OSError as exc:
            raise UsageError(f"{report_path}: {os_problem(exc)}") from None

    _render(results, verify_results, err, fmt=fmt, verbose=verbose, quiet=quiet, check=check,
            show_diff=show_diff, to_stdout=to_stdout)
    if not quiet:
        for report_path, report_fmt in report_targets:
            err.print(f"report written to {escape(str(report_path))} ({report_fmt})", highlight=False)
    return exit_code(results, verify_results, check=check)


def _freeze_imports() -> None:
    """Import what converting needs, then move every object alive (modules,
    classes, functions: tens of thousands, kept to the end) out of the
    garbage collector's sight (``gc.freeze``): its full collections no longer
    walk them, and `-j` workers forked later share those pages instead of
    copying them as the collector touches them (what ``gc.freeze`` is for).
    The converter's own garbage is collected as before."""
    import gc

    from .parallel import import_converter

    import_converter()
    gc.freeze()


def _render(results, verify_results, err, *, fmt, verbose, quiet, check, show_diff, to_stdout) -> None:
    """The converted config (to stdout), diffs and the report, as ``fmt`` says."""
    from .convert import FAILED
    from . import reports
    from .reports import terminal as report
    if fmt in ("json", "sarif", "github"):
        doc = reports.build_document(results, verify=verify_results, check=check, include_diff=show_diff,
                                     include_text=to_stdout)
        if fmt == "github" and show_diff:
            out = Console(highlight=False, soft_wrap=True)
            for r in results:
                report.print_diff(out, r)
        click.echo(reports.render(fmt, doc, verbose=verbose), nl=False)
        if fmt == "github" and not quiet:
            report.render_text(err, results, verbose=False, check=check)
        return
    out = Console(highlight=False, soft_wrap=True)
    if to_stdout and results and results[0].new_text is not None:
        click.echo(results[0].new_text, nl=False)
    if show_diff:
        for r in results:
            report.print_diff(out, r)
    if quiet:
        for r in results:
            if r.status == FAILED:
                err.print(f"[red]error[/]: {escape(r.rel)}: {escape(r.error or '')}", highlight=False)
    else:
        report.render_text(err, results, verbose=verbose, check=check)


class BatchProgress:
    """Progress of a batch on stderr: a rich progress bar on a terminal, a
    plain line every tenth of the files otherwise; with ``verbose``, one
    status line per file as it finishes."""

    def __init__(self, console: Console, *, total: int, verbose: bool, check: bool, enabled: bool):
        self.console, self.total, self.verbose, self.check = console, total, verbose, check
        self.enabled = enabled and total > 0
        self.done = 0
        self.bar = None
        self.task = None
        self.want_bar = False
        self.step = max(1, total // 10)

    def __enter__(self):
        # the bar (a thread that redraws it) starts with the first file done:
        # by then `-j`'s processes are forked, and forking a process with no
        # other thread is the fast start (parallel._context)
        self.want_bar = self.enabled and self.console.is_terminal
        return self

    def _start_bar(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.want_bar = False
        self.bar = Progress(TextColumn("converting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            TextColumn("{task.description}"), console=self.console, transient=True)
        self.bar.__enter__()
        self.task = self.bar.add_task("", total=self.total)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False

    def _status(self, res) -> str:
        from .convert import FAILED
        if res.status == FAILED:
            return f"[red]failed[/]: {escape(res.error or '')}"
        verb = {"converted": "would convert" if self.check else "converted", "unchanged": "unchanged"}[res.status]
        n = len(res.changes)
        review = sum(1 for c in res.changes if c.severity.value != "exact")
        extra = f", {review} to review" if review else ""
        return f"{verb} ({n} change{'s' if n != 1 else ''}{extra})" if n else verb

    def advance(self, res) -> None:
        if not self.enabled:
            return
        if self.want_bar:
            self._start_bar()
        self.done += 1
        if self.verbose:
            self.console.print(f"[{self.done}/{self.total}] {escape(res.rel)}: {self._status(res)}", highlight=False)
        if self.bar is not None:
            self.bar.update(self.task, advance=1, description=escape(res.rel))
        elif not self.verbose and (self.done % self.step == 0 or self.done == self.total):
            self.console.print(f"progress: {self.done}/{self.total} files", highlight=False)


class _NotVerified:
    """The verifier refused the pair (e.g. a config a rule left in 0.x form
    because 1.x cannot train it): reported as ``not verified``, which is not
    a pass (exit 1) but not a crash either; the batch goes on."""

    exit_code = 1

    def __init__(self, reason: str):
        self.reason = reason

    def to_json(self) -> dict:
        return {"schema": "mmgen-migrate.verify/1", "verdict": "not verified", "exit_code": 1,
                "reasons": [self.reason], "first_difference": None, "not_verified": [self.reason],
                "timelines": {}}


def _verify_one(pair):
    """One verify run (module level: it runs in worker processes with -j).
    Returns the result, or the reason the verifier refused the pair."""
    from .verify import TorchMissingError, VerifyInputError, verify_configs

    old, new, labels = pair
    try:
        return verify_configs(old, new, labels=labels)
    except TorchMissingError:
        raise
    except VerifyInputError as exc:  # this pair cannot be replayed
        return _NotVerified(str(exc))


def _converted_label(res) -> str:
    """How the verify report names the 1.x side: the written file, else the
    input's name marked as its conversion (``--check``, ``--diff``)."""
    from .reports.document import display_path

    if res.destination is not None:
        return display_path(res.destination)
    return f"{display_path(res.source)} (converted, not written)"


def _verify(results, err, quiet, jobs: int = 1) -> dict:
    """Verify each converted config against its 0.x original, on ``jobs``
    processes.  A pair the verifier cannot take is reported as not verified
    (the batch goes on); a missing torch stops the run."""
    from .convert import CONVERTED, UsageError
    from .parallel import map_ordered
    try:
        from .verify import TorchMissingError, render_text
        from .verify.render import verdict_line
    except ImportError as exc:  # pragma: no cover - verify package missing
        raise UsageError(f"--verify is not available: {exc}") from None
    # unchanged files are already 1.x: nothing to compare them with
    todo = [r for r in results if r.status == CONVERTED and not r.is_base and r.target is not None]

    def show(i, result):
        rel = todo[i].rel
        if quiet:  # the verdict line only
            if isinstance(result, _NotVerified):
                err.print(f"[yellow]not verified[/]: {escape(rel)}: {escape(result.reason)}", highlight=False)
            else:
                err.print(verdict_line(result, rel), highlight=False)
            return
        if isinstance(result, _NotVerified):
            err.print(f"[yellow]not verified[/]: {escape(rel)}: {escape(result.reason)}", highlight=False)
            return
        err.print(f"[bold]{escape(rel)}[/]: verify", highlight=False)
        render_text(result, err)

    try:
        from .reports.document import display_path

        pairs = [(r.effective, r.target, (display_path(r.source), _converted_label(r))) for r in todo]
        verdicts = map_ordered(_verify_one, pairs, jobs=jobs, on_result=show)
    except TorchMissingError as exc:
        raise UsageError(f"--verify: {exc}") from None
    return {r.rel: v for r, v in zip(todo, verdicts)}


@cli.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_command(fmt):
    """List the migration rules."""
    from .rules import all_rules
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
    from .rules import UnknownRuleError, resolve_selection
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
    from .interrupt import run_interruptible

    run_interruptible(cli)  # Ctrl-C: clean up, "interrupted", exit 130


if __name__ == "__main__":  # pragma: no cover
    main()
