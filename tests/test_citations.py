"""Every citation of the project's own docs resolves: code, tests, rule text
(what `explain` prints) and docs cite `docs/semantics.md §N`,
`docs/mapping.md §N` and `docs/architecture.md`, and each cited section is a
heading of that file in this repository."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_citation_resolves_and_names_its_file():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "check_citations.py"), "--bare"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert " 0 do not" in last and "0 bare" in last, proc.stdout
    assert int(last.split()[0]) > 100  # the check really found the citations


def test_the_checker_finds_a_broken_citation(tmp_path, monkeypatch, capsys):
    """The check can fail: a citation of a section that does not exist."""
    import shutil

    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import check_citations
    finally:
        sys.path.pop(0)
    (tmp_path / "docs").mkdir()
    for name in ("semantics", "mapping", "architecture"):
        shutil.copy(ROOT / "docs" / f"{name}.md", tmp_path / "docs")
    (tmp_path / "mmgen_migrate").mkdir()
    # (written with \u00a7 so that this file itself holds no broken citation)
    (tmp_path / "mmgen_migrate" / "x.py").write_text("# see docs/semantics.md \u00a799.9 and docs/mapping.md \u00a72.2\n")
    monkeypatch.setattr(check_citations, "ROOT", tmp_path)
    monkeypatch.setattr(check_citations, "DOCS", tmp_path / "docs")
    assert check_citations.main([]) == 1
    out = capsys.readouterr().out
    assert "mmgen_migrate/x.py:1" in out and "99.9" in out and "1 do not" in out


def test_no_pointer_to_team_notes():
    hits = subprocess.run(["git", "grep", "-n", "-I", "-e", "/work/shared", "-e", "team docs", "-e", "team notes",
                           "--", "mmgen_migrate", "docs", "README.md", "CONTRIBUTING.md", "tests/rules", "scripts"],
                          capture_output=True, text=True, cwd=ROOT)
    assert hits.stdout == "", hits.stdout
