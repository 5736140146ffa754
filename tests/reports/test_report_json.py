"""The JSON report (schema ``mmgen-migrate.report/1``), by content, and its
documentation."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from mmgen_migrate.cli import cli
from mmgen_migrate.reports import build_document, render

from report_helpers import ZOO, StubVerify, by_path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "report-schema.md"


def _run_report(tmp_path, *extra):
    out = tmp_path / "report.json"
    r = CliRunner().invoke(cli, ["convert", str(ZOO), "-o", str(tmp_path / "out"), "--report", str(out),
                                 "--isolated", "--select", "OPT,STP", *extra])
    return r, json.loads(out.read_text())


def test_json_report_one_object_per_file(tmp_path):
    r, data = _run_report(tmp_path)
    assert r.exit_code == 2  # one file fails
    assert data["schema"] == "mmgen-migrate.report/1" and data["check"] is False
    paths = [f["path"] for f in data["files"]]
    assert sorted(paths) == sorted(p.relative_to(ZOO).as_posix() for p in ZOO.rglob("*.py"))
    broken = by_path(data, "misc/broken.py")
    assert broken["status"] == "failed" and "missing.py" in broken["error"] and broken["destination"] is None
    plain = by_path(data, "misc/plain.py")
    assert plain["status"] == "unchanged" and plain["changes"] == []
    odd = by_path(data, "misc/cgan_odd.py")
    assert odd["status"] == "converted" and odd["destination"].endswith("out/misc/cgan_odd.py")
    assert "\nmodel = dict(\n" in "\n" + Path(odd["destination"]).read_text()


def test_json_change_has_rule_severity_paths_values_and_lines(tmp_path):
    _, data = _run_report(tmp_path)
    odd = by_path(data, "misc/cgan_odd.py")
    (steps,) = [c for c in odd["changes"] if c["new_path"] == "model.discriminator_steps"]
    assert steps["rule"] == "STP001" and steps["rule_name"] == "gan-steps-and-accumulation"
    assert steps["severity"] == "review"
    assert steps["old_paths"] == ["train_cfg.disc_steps", "train_cfg.batch_accumulation_steps"]
    assert steps["old_values"] == {"train_cfg.disc_steps": 3, "train_cfg.batch_accumulation_steps": 2}
    assert steps["new_value"] == 1.5
    assert steps["note"].startswith("0.x disc_steps=3 / batch_accumulation_steps=2")
    # lines: the 0.x statement it read (line 2 of the input), the 1.x statement it wrote
    source = (ZOO / "misc/cgan_odd.py").read_text().splitlines()
    assert steps["source_lines"] == [2, 2] and source[1].startswith("train_cfg = dict(disc_steps=3")
    out_lines = Path(odd["destination"]).read_text().splitlines()
    a, b = steps["new_lines"]
    assert out_lines[a - 1].startswith("model = dict(") and out_lines[b - 1] == ")"
    assert "    discriminator_steps=1.5,  # 0.x disc_steps=3 / batch_accumulation_steps=2 (2 does not divide 3)" \
        in steps["added"]
    # findings: indices of the changes a human must look at, most urgent first
    assert steps["index"] in odd["findings"]
    assert all(odd["changes"][i]["severity"] != "exact" for i in odd["findings"])
    ranks = [("error", "unsupported", "review").index(odd["changes"][i]["severity"]) for i in odd["findings"]]
    assert ranks == sorted(ranks)


def test_summary_counts_match_the_files(tmp_path):
    _, data = _run_report(tmp_path)
    s = data["summary"]
    changes = [c for f in data["files"] for c in f["changes"]]
    assert s["changes"] == len(changes)
    for sev, n in s["by_severity"].items():
        assert n == sum(1 for c in changes if c["severity"] == sev)
    for rid, counts in s["by_rule"].items():
        assert sum(counts.values()) == sum(1 for c in changes if c["rule"] == rid)
        assert data["rules"][rid]["name"]
    assert s["needs_review"] == sum(1 for f in data["files"] if f["needs_review"])


def test_format_json_on_stdout_equals_report_file(tmp_path):
    out = tmp_path / "r.json"
    r = CliRunner().invoke(cli, ["convert", str(ZOO), "--check", "--format", "json", "--report", str(out),
                                 "--isolated", "--select", "OPT,STP", "-q"])
    assert json.loads(r.stdout) == json.loads(out.read_text())


def test_verify_results_are_included(zoo_results):
    doc = build_document(zoo_results, verify={"misc/cgan_odd.py": StubVerify()})
    entry = by_path(doc, "misc/cgan_odd.py")
    assert entry["verify"]["verdict"] == "different"
    assert entry["verify"]["timelines"]["discriminator"]["old"] == "SSSS·S"
    assert by_path(doc, "misc/plain.py")["verify"] is None
    assert doc["summary"]["verify"] == {"different": 1}
    assert json.loads(render("json", doc)) == doc  # serialisable as is


OPAQUE = {"old_value", "new_value", "old_values", "verify", "rules", "by_rule"}  # keys inside are data


def _keys(value):
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            if k not in OPAQUE:
                yield from _keys(v)
    elif isinstance(value, list):
        for v in value:
            yield from _keys(v)


def test_every_field_is_documented(zoo_results):
    doc = build_document(zoo_results, verify={"misc/cgan_odd.py": StubVerify()}, include_diff=True,
                         include_text=True)
    text = DOCS.read_text()
    documented = set(re.findall(r"`([a-z_]+)`", text))
    missing = {k for k in _keys(doc) if k not in documented}
    assert not missing, f"fields not documented in {DOCS.name}: {sorted(missing)}"


def test_report_validates_against_its_json_schema(tmp_path, zoo_results):
    jsonschema = pytest.importorskip("jsonschema", reason="the `test` extra (jsonschema) is not installed")
    schema = json.loads((DOCS.parent / "report-schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    validator.check_schema(schema)
    _, data = _run_report(tmp_path)
    with_verify = build_document(zoo_results, verify={"misc/cgan_odd.py": StubVerify()}, include_diff=True,
                                 include_text=True)
    for doc in (data, json.loads(render("json", with_verify))):
        errors = list(validator.iter_errors(doc))
        assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    # the schema is strict enough to catch a wrong report
    broken = json.loads(json.dumps(data))
    broken["files"][0]["changes"] = [{"rule": "X", "severity": "fatal"}]
    assert list(validator.iter_errors(broken))
