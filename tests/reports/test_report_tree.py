"""The reports on a tree as large as a real zoo (110+ configs): GitHub
annotations one per file and rule (GitHub shows only a few per step) with the
full list in the step summary, hunks one per statement with each annotation on
the statement it explains, and an HTML page that writes each shared message
once.  The HTML page in the real browser: tests/reports/test_html_browser.py."""

from __future__ import annotations

import ast
import json
import re

import pytest
from click.testing import CliRunner

from mmgen_migrate.cli import cli

from report_helpers import generate_tree


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("tree") / "configs"
    kinds = generate_tree(root)
    return root, kinds


def _json_report(tree, tmp_path) -> dict:
    root, _ = tree
    out = tmp_path / "report.json"
    r = CliRunner().invoke(cli, ["convert", str(root), "--check", "--report", str(out), "--isolated",
                                 "--select", "OPT,STP"])
    assert r.exit_code == 2, r.output
    return json.loads(out.read_text())


def test_github_one_annotation_per_file_and_rule_errors_first(tree, tmp_path, monkeypatch):
    root, kinds = tree
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    r = CliRunner().invoke(cli, ["convert", str(root), "--check", "--format", "github", "--isolated",
                                 "--select", "OPT,STP"])
    assert r.exit_code == 2
    step_summary = summary.read_text()
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")
    lines = r.stdout.splitlines()
    levels = [line.split(" ", 1)[0] for line in lines]
    assert levels == sorted(levels, key=["::error", "::warning", "::notice"].index)  # errors first
    assert levels[0] == "::error" and "misc/broken.py" in lines[0] and "cannot convert" in lines[0]
    warnings = [line for line in lines if line.startswith("::warning")]
    # one warning per reviewed file and rule, with the count, not one per finding
    assert len(warnings) == len(kinds["review"]) + len(kinds["long"])
    pairs = [(re.search(r"file=([^,]+)", w).group(1), re.search(r"title=(\S+)", w).group(1)) for w in warnings]
    assert len(set(pairs)) == len(pairs)
    leaf = next(w for w in warnings if kinds["review"][0] in w)
    assert "title=STP001 gan-steps-and-accumulation (review)::" in leaf and "does not divide" in leaf
    # with -v the exact changes too: one notice per file and rule, with the count
    verbose = CliRunner().invoke(cli, ["convert", str(root), "--check", "--format", "github", "--isolated",
                                       "--select", "OPT,STP", "-v"]).stdout.splitlines()
    notices = [line for line in verbose if line.startswith("::notice")]
    keys = [(re.search(r"file=([^,]+)", n).group(1), re.search(r"title=(\S+)", n).group(1)) for n in notices]
    assert len(set(keys)) == len(keys)
    opt = next(n for n in notices if kinds["exact"][0] in n and "title=OPT001" in n)
    count = int(re.search(r"%2C (\d+) changes\)::", opt).group(1))
    assert count > 1 and f"and {count - 1} more" in opt and "step summary" in opt
    # the step summary lists every finding (and the failed file)
    data = _json_report(tree, tmp_path)
    findings = [(f["source"], c) for f in data["files"] for c in f["changes"] if c["severity"] != "exact"]
    rows = [ln for ln in step_summary.splitlines() if ln.startswith("| `")]
    assert len(rows) == len(findings) + len(kinds["failed"])
    assert rows[0].startswith("| `") and "| failed |" in rows[0]
    assert sum("does not divide" in row for row in rows) == sum("does not divide" in c["message"]
                                                               for _, c in findings)


def test_long_file_gets_one_hunk_per_changed_statement(tree, tmp_path):
    data = _json_report(tree, tmp_path)
    from mmgen_migrate.reports import build_document  # noqa: F401 (the JSON has no hunks; build them)
    root, kinds = tree
    from mmgen_migrate.convert import ConvertOptions, discover
    from mmgen_migrate.parallel import convert_batch

    results = [r for r in convert_batch(discover(root), root, ConvertOptions(select=["OPT", "STP"]))
               if r.rel == kinds["long"][0]]
    doc = build_document(results, include_hunks=True)
    (entry,) = doc["files"]
    starts = {stmt.lineno for stmt in ast.parse(results[0].new_text).body}
    hunks = entry["hunks"]
    assert len(hunks) >= 3  # model, train_cfg (removed), optimizer -> optim_wrapper: not one hunk
    for h in hunks:
        changed_new = [row[3] for row in h["rows"] if row[0] != "equal" and row[3] is not None]
        # the changed new lines of a hunk belong to one top-level statement
        assert len([n for n in changed_new if n in starts]) <= 1, h["header"]
    # every change on a hunk: its statement's lines are in that hunk
    for h in hunks:
        shown = {row[3] for row in h["rows"] if row[3] is not None} | {row[1] for row in h["rows"] if row[1]}
        for i in h["changes"]:
            c = entry["changes"][i]
            lines = c["new_lines"] or c["old_lines"]
            assert set(range(lines[0], lines[1] + 1)) & shown, (c["rule"], c["new_path"])
    assert data["summary"]["files"] == len(list(root.rglob("*.py")))


def test_html_writes_a_shared_message_once(tree, tmp_path):
    root, _ = tree
    out = tmp_path / "report.html"
    r = CliRunner().invoke(cli, ["convert", str(root), "--check", "--report", str(out), "--isolated",
                                 "--select", "OPT,STP"])
    assert r.exit_code == 2
    page = out.read_text()
    data = _json_report(tree, tmp_path)
    messages = [c["message"] for f in data["files"] for c in f["changes"]]
    common = max(set(messages), key=messages.count)
    assert messages.count(common) > 100
    assert re.fullmatch(r"[\w .,;:()`'=-]+", common), common  # written the same in HTML and JSON
    assert page.count(common) == 1
