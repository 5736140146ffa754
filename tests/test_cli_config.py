"""``[tool.mmgen-migrate]`` in pyproject.toml (found from the working
directory up; command-line flags win) and the pre-commit hook."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from mmgen_migrate.cli import cli

ROOT = Path(__file__).resolve().parents[1]
OWN_ZOO = ROOT / "tests" / "reports" / "data" / "zoo"

OLD = """\
model = dict(type='BasiccGAN', generator=dict(type='G'), discriminator=dict(type='D'))
train_cfg = dict(disc_steps=3, batch_accumulation_steps=2)
optimizer = dict(generator=dict(type='Adam', lr=1e-4), discriminator=dict(type='Adam', lr=4e-4))
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "configs" / "sub").mkdir(parents=True)
    (tmp_path / "configs" / "gan.py").write_text(OLD)
    (tmp_path / "configs" / "sub" / "skip_me.py").write_text(OLD)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_settings(folder: Path, body: str) -> Path:
    path = folder / "pyproject.toml"
    path.write_text("[project]\nname = 'x'\n\n[tool.mmgen-migrate]\n" + body)
    return path


def run(*args):
    return CliRunner().invoke(cli, ["convert", *map(str, args)])


def rules_in(data: dict) -> set:
    return {c["rule"] for f in data["files"] for c in f["changes"]}


def test_settings_apply_and_are_found_from_a_subfolder(project, monkeypatch):
    write_settings(project, 'select = ["OPT"]\nexclude = ["sub/*"]\nformat = "json"\n')
    monkeypatch.chdir(project / "configs" / "sub")  # found walking up
    r = run(project / "configs", "--check")
    data = json.loads(r.stdout)  # format = "json"
    assert [f["path"] for f in data["files"]] == ["gan.py"]  # exclude
    assert rules_in(data) == {"OPT001"}  # select


def test_command_line_flags_win(project):
    write_settings(project, 'select = ["OPT"]\nformat = "json"\nexclude = ["sub/*"]\n')
    r = run("configs", "--check", "--format", "text", "--select", "STP", "--exclude", "nothing")
    assert r.stdout == ""  # text report goes to stderr, not JSON on stdout
    assert "STP001" in r.stderr and "OPT001" not in r.stderr  # --select replaced select
    assert "sub/skip_me.py" in r.stderr  # --exclude replaced exclude


def test_isolated_and_explicit_config(project, tmp_path_factory):
    write_settings(project, 'select = ["OPT"]\nformat = "json"\n')
    r = run("configs/gan.py", "--check", "--isolated")
    assert r.stdout == "" and "STP001" in r.stderr
    other = tmp_path_factory.mktemp("elsewhere")
    cfg = write_settings(other, 'select = ["STP"]\nformat = "json"\n')
    data = json.loads(run("configs/gan.py", "--check", "--config", cfg).stdout)
    assert rules_in(data) == {"STP001"}


def test_report_setting_is_relative_to_the_pyproject(project, monkeypatch):
    write_settings(project, 'report = "out/review.md"\nselect = ["OPT", "STP"]\n')
    (project / "out").mkdir()
    monkeypatch.chdir(project / "configs")
    r = run("gan.py", "--check")
    assert r.exit_code == 1
    md = (project / "out" / "review.md").read_text()
    assert md.startswith("## mmgen-migrate report") and "`STP001`" in md


def test_jobs_setting(project):
    write_settings(project, "jobs = 2\nformat = 'json'\n")
    (project / "configs" / "more.py").write_text(OLD.replace("3", "4"))
    data = json.loads(run("configs", "--check").stdout)
    assert len(data["files"]) == 3


@pytest.mark.parametrize(
    "body, message",
    [
        ('selekt = ["OPT"]\n', "unknown key 'selekt'"),
        ('format = "xml"\n', "format must be one of text, json, github, sarif"),
        ("jobs = -1\n", "jobs must be a whole number"),
        ("select = 3\n", "select must be a list of strings"),
        ("report = 3\n", "report must be a list of strings"),
        ("select = [\n", "pyproject.toml"),  # not TOML
    ],
)
def test_bad_settings_are_usage_errors(project, body, message):
    write_settings(project, body)
    r = run("configs/gan.py", "--check")
    assert r.exit_code == 2 and message in r.output


def test_unknown_rule_in_settings(project):
    write_settings(project, 'ignore = ["NOPE9"]\n')
    r = run("configs/gan.py", "--check")
    assert r.exit_code == 2 and "unknown rule 'NOPE9'" in r.output


def test_report_format_from_extension_or_flag(project):
    r = run("configs/gan.py", "--check", "--report", "review.txt", "--isolated")
    assert r.exit_code == 2 and "cannot tell the report format" in r.output
    r = run("configs/gan.py", "--check", "--report", "review.txt", "--report-format", "json", "--isolated")
    assert json.loads((project / "review.txt").read_text())["schema"] == "mmgen-migrate.report/1"
    run("configs/gan.py", "--check", "--report", "r.sarif.json", "--isolated")
    assert json.loads((project / "r.sarif.json").read_text())["version"] == "2.1.0"


def test_several_reports_in_one_run(project):
    r = run("configs", "--check", "--report", "a.html", "--report", "b.md", "--report", "c.sarif", "--isolated")
    assert r.exit_code == 1
    assert (project / "a.html").read_text().startswith("<!DOCTYPE html>")
    assert (project / "b.md").read_text().startswith("## mmgen-migrate report")
    assert json.loads((project / "c.sarif").read_text())["version"] == "2.1.0"
    bad = run("configs", "--check", "--report", "a.x", "--report", "b.y", "--report-format", "md", "--isolated")
    assert bad.exit_code == 2 and "--report-format needs a single --report" in bad.output
    write_settings(project, 'report = ["r/one.md", "r/two.json"]\n')
    (project / "r").mkdir()
    assert run("configs", "--check").exit_code == 1
    assert (project / "r" / "one.md").exists() and (project / "r" / "two.json").exists()


# -- pre-commit ------------------------------------------------------------


def hooks() -> dict:
    return {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}


def test_pre_commit_hook_definition():
    hook = hooks()["mmgen-migrate-check"]
    assert hook["language"] == "python" and hook["types"] == ["python"]
    assert hook["require_serial"] is True  # one invocation sees all files: their _base_ links stay
    entry = shlex.split(hook["entry"])
    assert entry[:2] == ["mmgen-migrate", "convert"] and "--check" in entry


@pytest.mark.parametrize("hook_id", ["mmgen-migrate-check", "mmgen-migrate-diff"])
def test_pre_commit_hook_runs_on_changed_files(project, hook_id):
    """pre-commit runs ``entry`` + the changed file names."""
    args = shlex.split(hooks()[hook_id]["entry"])[1:]
    converted = project / "configs" / "new.py"
    r = run("configs/gan.py", "-o", converted, "--isolated")
    assert r.exit_code == 1  # review findings
    # an unconverted config fails the hook; a converted one passes
    bad = CliRunner().invoke(cli, args + ["configs/gan.py", "configs/new.py", "--isolated"])
    assert bad.exit_code == 1 and "gan.py" in bad.output
    if hook_id == "mmgen-migrate-diff":
        assert "-train_cfg = dict(disc_steps=3, batch_accumulation_steps=2)" in bad.stdout
    good = CliRunner().invoke(cli, args + ["configs/new.py", "--isolated", "--select", "OPT,STP"])
    assert good.exit_code == 0, good.output
    # files the project excludes are skipped even when pre-commit names them
    write_settings(project, 'exclude = ["configs/gan.py"]\nselect = ["OPT", "STP"]\n')
    skipped = CliRunner().invoke(cli, args + ["configs/gan.py", "configs/new.py"])
    assert skipped.exit_code == 0, skipped.output
    alone = CliRunner().invoke(cli, args + ["configs/gan.py"])
    assert alone.exit_code == 0 and "excluded" in alone.output
