"""The Markdown report, by content: what a reviewer reads in the PR comment."""

from __future__ import annotations

import re

from click.testing import CliRunner

from mmgen_migrate.cli import cli
from mmgen_migrate.reports import markdown

from report_helpers import ZOO


def _section(md: str, rel: str) -> str:
    start = md.index(f"### `{rel}`")
    nxt = md.find("\n### ", start + 1)
    nxt2 = md.find("\n## ", start + 1)
    ends = [e for e in (nxt, nxt2) if e != -1]
    return md[start: min(ends) if ends else len(md)]


def test_cli_writes_markdown_report_with_summary_tables(tmp_path):
    out = tmp_path / "review.md"
    r = CliRunner().invoke(cli, ["convert", str(ZOO), "--check", "--report", str(out), "--isolated", "--select", "OPT,STP"])
    assert r.exit_code == 2, r.output  # misc/broken.py cannot be converted
    md = out.read_text()
    assert f"report written to {out} (md)" in r.output
    # the summary table counts files by status (8 configs: 1 fails, 2 are already 1.x)
    assert "| files | would be converted | unchanged | failed | need review |" in md
    row = re.search(r"^\| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$", md, re.M)
    files, converted, unchanged, failed, _review = map(int, row.groups())
    assert (files, failed, unchanged) == (8, 1, 2) and converted == 5
    # findings by severity and by rule
    assert "| severity | exact | review | unsupported | error |" in md
    stp = re.search(r"^\| `STP001` \| gan-steps-and-accumulation \| (\d+) \| (\d+) \|", md, re.M)
    assert stp and int(stp.group(2)) >= 3  # three STP001 review findings in the zoo


def test_files_that_need_review_come_first_then_exact(zoo_doc):
    md = markdown.render(zoo_doc)
    review_at = md.index("## Needs review")
    exact_at = md.index("## Converted, exact")
    assert review_at < md.index("### `misc/broken.py` — **failed**") < exact_at
    assert review_at < md.index("### `misc/cgan_odd.py`") < exact_at
    # the failed file comes first and says why
    first = md.index("### ", review_at)
    assert md[first:].startswith("### `misc/broken.py`")
    assert "`_base_` file '../_base_/missing.py' not found" in _section(md, "misc/broken.py")
    # already-1.x files are only listed, folded
    assert "2 files already 1.x (unchanged)" in md and "`misc/plain.py`" in md


def test_finding_has_rule_reason_and_old_new_lines(zoo_doc):
    md = markdown.render(zoo_doc)
    sec = _section(md, "misc/cgan_odd.py")
    # the review finding, with its rule id, the paths, a one-line reason...
    item = sec[sec.index("**review** `STP001`"):]
    head, reason = item.splitlines()[:2]
    assert "(line 2)" in head
    assert "`train_cfg.disc_steps`, `train_cfg.batch_accumulation_steps` → `model.discriminator_steps`" in head
    assert reason.strip().startswith("batch_accumulation_steps=2 does not divide disc_steps=3")
    # ...and the old -> new lines of the statements it changed
    block = item[item.index("```diff"): item.index("```", item.index("```diff") + 3)]
    assert "-train_cfg = dict(disc_steps=3, batch_accumulation_steps=2)" in block
    assert "+    discriminator_steps=1.5,  # 0.x disc_steps=3 / batch_accumulation_steps=2" in block
    # findings come before the folded exact changes
    assert sec.index("**review**") < sec.index("<details><summary>")
    assert "**exact** `OPT001`" in sec[sec.index("<details>"):]


def test_every_finding_of_the_json_is_in_the_markdown(zoo_doc):
    md = markdown.render(zoo_doc)
    for f in zoo_doc["files"]:
        for i in f["findings"]:
            c = f["changes"][i]
            sec = _section(md, f["path"])
            assert f"**{c['severity']}** `{c['rule']}`" in sec
            assert " ".join(c["message"].split())[:80] in sec


def test_long_report_is_shortened_to_fit_a_comment(zoo_doc):
    full = markdown.render(zoo_doc)
    short = markdown.render(zoo_doc, limit=len(full) // 2)
    assert len(short) <= len(full) // 2
    assert re.search(r"^- \d+ exact changes? \(see the JSON or HTML report\)$", short, re.M)
    assert not re.search(r"<details><summary>\d+ exact change", short)
    tiny = markdown.render(zoo_doc, limit=2500)
    assert len(tiny) <= 2500
    assert "more file" in tiny and "shortened to fit a comment" in tiny
    # what is dropped first is the exact detail, never the summary
    assert "| severity | exact | review | unsupported | error |" in tiny
