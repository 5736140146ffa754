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


BIGGAN = Path(__file__).resolve().parents[2] / "fixtures" / "verify" / "biggan_old.py"


@pytest.fixture(scope="module")
def biggan_runs(tmp_path_factory):
    """`convert --verify` of a BigGAN config whose EMA copies every iteration
    before its start in 0.x and only at generator steps in 1.x: once as usual
    (written to a file), once with -q."""
    out = tmp_path_factory.mktemp("biggan") / "biggan_1x.py"
    html = out.parent / "review.html"
    full = CliRunner().invoke(cli, ["convert", str(BIGGAN), "-o", str(out), "--verify", "--isolated",
                                    "--report", str(html)])
    quiet = CliRunner().invoke(cli, ["convert", str(BIGGAN), "--check", "--verify", "--isolated", "-q"])
    return full, quiet, out, html


def test_quiet_still_prints_the_verdict_line(biggan_runs):
    _, quiet, _, _ = biggan_runs
    lines = [ln for ln in quiet.stderr.splitlines() if ln.strip()]
    assert lines == ["biggan_old.py: verify: EQUIVALENT  (exit 0)"]


def test_verify_header_names_the_real_files(biggan_runs):
    full, _, out, _ = biggan_runs
    assert "<old config>" not in full.stderr and "<new config>" not in full.stderr
    old_line = next(ln for ln in full.stderr.splitlines() if ln.strip().startswith("old "))
    new_line = next(ln for ln in full.stderr.splitlines() if ln.strip().startswith("new "))
    assert str(BIGGAN.name) in old_line and out.name in new_line


def test_timeline_explains_ema_rows_that_differ_only_in_copies(biggan_runs):
    full, _, _, html = biggan_runs
    rows = {ln.split()[0]: ln for ln in full.stderr.splitlines() if ln.startswith("generator_ema")}
    assert rows  # the EMA row is there, and its two lines differ without a ^ mark
    assert "Note: generator_ema: the rows differ only in EMA copies (c)" in full.stderr.replace("\n", " ")
    assert "0.x copies the generator into the EMA every iteration before start_iter" in html.read_text()


def test_timeline_note_only_where_rows_differ_unmarked():
    from mmgen_migrate.verify.result import Timeline

    assert Timeline("generator", "··S", "··S").note == ""
    assert Timeline("generator", "··S", "·S·", marks=" ^^").note == ""  # a real difference: marked
    copies = Timeline("generator_ema", "cccc·a", "·c·c·a")
    assert "differ only in EMA copies" in copies.note and "at 2 iterations" in copies.note
    assert copies.to_json()["note"] == copies.note
    other = Timeline("discriminator", "::S", ":·S")
    assert "does not count as a difference" in other.note


DDPM = FIXTURE.parents[1] / "improved_ddpm" / "ddpm_cosine_hybird_timestep-4k_drop0.3_cifar10_32x32_b8x16_500k.py"


@pytest.mark.skipif(not DDPM.exists(), reason="fixture tree without the Improved-DDPM config")
def test_a_model_1x_cannot_train_is_not_verified_for_that_reason(tmp_path):
    """MOD005 keeps an Improved-DDPM config's 0.x training settings on
    purpose; verify must say why there is nothing to replay, not take the
    output for a swapped 0.x config."""
    report = tmp_path / "r.json"
    r = CliRunner().invoke(cli, ["convert", str(DDPM), "--check", "--verify", "--isolated", "-q",
                                 "--report", str(report)])
    assert r.exit_code == 1, r.output
    (entry,) = json.loads(report.read_text())["files"]
    v = entry["verify"]
    assert v["verdict"] == "not verified"
    assert any("BasicGaussianDiffusion has no trainable 1.x equivalent" in reason for reason in v["reasons"]), v
    assert not any("swapped" in reason for reason in v["reasons"]), v
