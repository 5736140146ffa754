"""The README and the rule reference stay true."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_rule_docs_are_current():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_rule_docs.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_readme_commands_exist():
    readme = (ROOT / "README.md").read_text()
    for script in re.findall(r"bash (scripts/\w+\.sh)", readme):
        assert (ROOT / script).exists(), script
    ci = (ROOT / ".ci" / "run").read_text()
    assert "scripts/test.sh" in ci  # CI runs the README's test command
    assert "bash scripts/test.sh" in readme and "bash scripts/demo.sh" in readme
