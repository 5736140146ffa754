"""SARIF 2.1.0 (validated against the OASIS schema) and GitHub Actions
annotations."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from mmgen_migrate.cli import cli
from mmgen_migrate.reports import render

from report_helpers import DATA, ZOO

jsonschema = pytest.importorskip("jsonschema", reason="the `test` extra (jsonschema) is not installed")


@pytest.fixture(scope="module")
def sarif_validator():
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_sarif_is_valid_sarif_2_1_0(zoo_doc, sarif_validator):
    log = json.loads(render("sarif", zoo_doc))
    errors = sorted(sarif_validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    assert log["version"] == "2.1.0"


def test_schema_check_catches_a_broken_log(zoo_doc, sarif_validator):
    log = json.loads(render("sarif", zoo_doc))
    log["runs"][0]["results"][0]["level"] = "fatal"  # not a SARIF level
    assert list(sarif_validator.iter_errors(log))


def test_sarif_results_point_at_the_input_lines(tmp_path, sarif_validator):
    out = tmp_path / "r.sarif"
    r = CliRunner().invoke(cli, ["convert", str(ZOO), "--check", "--report", str(out), "--isolated", "--select", "OPT,STP", "-q"])
    assert r.exit_code == 2
    log = json.loads(out.read_text())
    assert not list(sarif_validator.iter_errors(log))
    run = log["runs"][0]
    rules = [d["id"] for d in run["tool"]["driver"]["rules"]]
    assert "STP001" in rules and "failed" in rules
    for res in run["results"]:
        assert rules[res["ruleIndex"]] == res["ruleId"]
    review = [res for res in run["results"]
              if res["ruleId"] == "STP001" and res["level"] == "warning"
              and res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("misc/cgan_odd.py")]
    assert len(review) == 1
    assert review[0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 2, "endLine": 2}
    assert "does not divide" in review[0]["message"]["text"]
    failed = [res for res in run["results"] if res["ruleId"] == "failed"]
    assert len(failed) == 1 and failed[0]["level"] == "error"
    assert run["invocations"][0]["executionSuccessful"] is False
    # exact changes are notes
    assert {res["level"] for res in run["results"] if res.get("properties", {}).get("severity") == "exact"} == {"note"}


def test_format_sarif_on_stdout(sarif_validator):
    r = CliRunner().invoke(cli, ["convert", str(ZOO / "misc" / "cgan_odd.py"), "--check", "--format", "sarif",
                                 "--isolated", "--select", "OPT,STP"])
    assert r.exit_code == 1
    log = json.loads(r.stdout)
    assert not list(sarif_validator.iter_errors(log))
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_format_sarif_refuses_to_share_stdout_with_the_config():
    r = CliRunner().invoke(cli, ["convert", str(ZOO / "misc" / "cgan_odd.py"), "--format", "sarif", "--isolated", "--select", "OPT,STP"])
    assert r.exit_code == 2 and "where the converted config would go" in r.output


def test_github_annotations():
    r = CliRunner().invoke(cli, ["convert", str(ZOO), "--check", "--format", "github", "--isolated", "--select", "OPT,STP"])
    assert r.exit_code == 2
    lines = r.stdout.splitlines()
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines), lines
    odd = [line for line in lines if "misc/cgan_odd.py" in line]
    assert any(line.startswith("::error file=") and "needs migration" in line for line in odd)
    (review,) = [line for line in odd if line.startswith("::warning") and "does not divide" in line]
    assert ",line=2,endLine=2," in review
    assert "title=STP001 gan-steps-and-accumulation (review)::" in review
    # ':' and ',' in properties are escaped, the message is one line
    assert "title=mmgen-migrate%3A cannot convert::" in r.stdout
    assert not any(line.startswith("::notice") for line in lines)  # exact changes only with -v
    verbose = CliRunner().invoke(cli, ["convert", str(ZOO), "--check", "--format", "github", "--isolated", "--select", "OPT,STP", "-v"])
    assert any(line.startswith("::notice") and "OPT001" in line for line in verbose.stdout.splitlines())


def test_github_escapes_newlines_and_percent(zoo_doc):
    doc = json.loads(json.dumps(zoo_doc))
    f = next(f for f in doc["files"] if f["status"] == "failed")
    f["error"] = "50% broken\nsecond line"
    text = render("github", doc)
    assert "50%25 broken%0Asecond line" in text
