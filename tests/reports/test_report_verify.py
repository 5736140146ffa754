"""``convert --verify`` end to end: the verifier's results reach the JSON,
Markdown and HTML reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mmgen_migrate.cli import cli

pytest.importorskip("torch", reason="--verify needs torch (the `verify` extra)")
pytest.importorskip("mmgen_migrate.verify", reason="the verifier is not there")

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "zoo" / "input" / "misc" / "nondivisible_accumulation.py"


@pytest.mark.skipif(not FIXTURE.exists(), reason="fixture tree without misc/nondivisible_accumulation.py")
def test_verify_results_in_every_report(tmp_path):
    reports = [tmp_path / "r.json", tmp_path / "r.md", tmp_path / "r.html"]
    args = ["convert", str(FIXTURE), "--check", "--verify", "--isolated", "-q"]
    for rep in reports:
        args += ["--report", str(rep)]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 1, r.output  # needs migration
    data = json.loads(reports[0].read_text())
    (entry,) = data["files"]
    v = entry["verify"]
    assert v["schema"] == "mmgen-migrate.verify/1" and v["verdict"] == "equivalent", v.get("reasons")
    assert data["summary"]["verify"] == {"equivalent": 1}
    timeline = v["timelines"]["discriminator"]
    assert timeline["old"] == timeline["new"] and "S" in timeline["old"]
    md = reports[1].read_text()
    assert "- **verify**: equivalent" in md and "**Verify:** 1 equivalent" in md
    page = reports[2].read_text()
    assert 'class="verdict-equivalent"' in page and timeline["old"] in page
