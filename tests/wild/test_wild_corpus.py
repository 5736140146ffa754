"""The wild corpus: configs as users really write them (fixtures/wild/configs),
each with its promised outcome in fixtures/wild/expectations.toml — converted
output byte for byte (fixtures/wild/converted/...), or a one-line refusal.
A config that cannot be read without running it is refused by default and
has a second promise for ``--allow-exec`` (``exec_outcome``).

Not an input/expected tree of tests/test_fixtures.py: refusals are part of
the promise here.  Regenerate the converted files after a rule change with
``python tests/wild/test_wild_corpus.py --update`` and review the diff.

The whole tree is converted as one batch, as a user would: a failing file
must not stop the others."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from mmgen_migrate import worker
from mmgen_migrate.convert import FAILED, UNCHANGED, ConvertOptions, convert_files, discover

ROOT = Path(__file__).resolve().parents[2]
WILD = ROOT / "fixtures" / "wild"
INPUT, EXPECTED = WILD / "configs", WILD / "converted"
EXPECTATIONS = tomllib.loads((WILD / "expectations.toml").read_text(encoding="utf-8"))
SIDE_EFFECT_PATHS = [Path("/tmp/mmgen-migrate-wild-should-never-exist"),
                     Path("/tmp/mmgen-migrate-wild-should-never-exist.json")]
TIME_LIMIT = 3.0  # for endless_loop.py; every other file loads in milliseconds


def _misread_as_lazy(path: Path):
    from mmgen_migrate.load import misread_as_lazy

    return misread_as_lazy(path)


def _portable(data: bytes, where: Path = INPUT) -> bytes:
    """Outputs may hold the input folder's absolute path (`{{ fileDirname }}`
    is written as its value): compare them independently of the checkout."""
    data = data.replace(os.fsencode(where), b"<WILD_INPUT>")
    return re.sub(rb"/\S*?/fixtures/wild/configs", b"<WILD_INPUT>", data)


def _exec_mode() -> str:
    """How the exec half runs: in the sandbox where the kernel offers it."""
    from mmgen_migrate.cli import sandbox_problem

    return "sandbox" if sandbox_problem() is None else "unconfined"


def _convert(allow_exec=None):
    for p in SIDE_EFFECT_PATHS:
        assert not p.exists(), f"remove {p} left by something else first"
    w = worker.shared_worker()
    saved, w.timeout = w.timeout, TIME_LIMIT
    cwd_before = sorted(os.listdir(os.getcwd()))
    try:
        results = convert_files(discover(INPUT), INPUT, ConvertOptions(allow_exec=allow_exec))
    finally:
        w.timeout = saved
    assert sorted(os.listdir(os.getcwd())) == cwd_before, "converting created files in the working directory"
    return {r.rel: r for r in results}


@pytest.fixture(scope="module")
def batch():
    return _convert()


@pytest.fixture(scope="module")
def exec_batch():
    return _convert(_exec_mode())


def test_every_file_has_a_promise(batch):
    files = {p.relative_to(INPUT).as_posix() for p in discover(INPUT)}
    assert files == set(EXPECTATIONS), "fixtures/wild/configs and expectations.toml disagree"
    assert len(files) >= 40
    expected_files = {p.relative_to(EXPECTED).as_posix() for p in EXPECTED.rglob("*.py")}
    converts = {k for k, v in EXPECTATIONS.items() if "converts" in (v["outcome"], v.get("exec_outcome"))}
    assert expected_files == converts, "fixtures/wild/converted must hold exactly the files that convert"
    for name, spec in EXPECTATIONS.items():
        assert spec["outcome"] in ("converts", "refuses"), name
        assert spec.get("why"), f"{name}: say which real-world construct it stands for"
        assert (spec["outcome"] == "refuses") == ("message" in spec), name
        if "exec_outcome" in spec:
            assert spec["outcome"] == "refuses" and "not read statically" in spec["message"], name
            assert (spec["exec_outcome"] == "refuses") == ("exec_message" in spec), name


def _check(name, res, outcome, message, findings):
    if outcome == "refuses":
        assert res.status == FAILED, f"{name} should be refused, got {res.status}"
        assert message in res.error
        assert "\n" not in res.error and len(res.error) < 300, "a failure is one readable line"
        assert res.new_text is None
        return
    assert res.status != FAILED, f"{name}: {res.error}"
    assert _portable(res.new_text.encode("utf-8")) == _portable((EXPECTED / name).read_bytes()), (
        f"{name} differs from fixtures/wild/converted (python tests/wild/test_wild_corpus.py --update, then review)")
    rules = {c.rule for c in res.findings}
    for rule in findings:
        if rule == "load" and "{{" not in res.old_text and _misread_as_lazy(INPUT / name) is None \
                and "os.environ" not in res.old_text:
            continue  # MMEngine misreads `import os` as lazy-import only where `os` is frozen (Python 3.11+)
        assert rule in rules, f"{name}: expected a {rule} finding, got {sorted(rules)}"
    assert not [c for c in res.changes if c.rule == "internal"], "a setting was lost silently"


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_case(batch, name):
    spec = EXPECTATIONS[name]
    _check(name, batch[name], spec["outcome"], spec.get("message"), spec.get("findings", []))


EXEC_CASES = sorted(k for k, v in EXPECTATIONS.items() if "exec_outcome" in v)


@pytest.mark.parametrize("name", EXEC_CASES)
def test_case_with_allow_exec(exec_batch, name):
    """The configs refused by default give their result with --allow-exec."""
    spec = EXPECTATIONS[name]
    _check(name, exec_batch[name], spec["exec_outcome"], spec.get("exec_message"), spec.get("exec_findings", []))


def test_allow_exec_changes_nothing_for_static_configs(batch, exec_batch):
    for name, res in batch.items():
        if name not in EXEC_CASES:
            assert (exec_batch[name].status, exec_batch[name].new_text) == (res.status, res.new_text), name


def test_loading_has_no_side_effects(batch, exec_batch):
    for p in SIDE_EFFECT_PATHS:
        assert not p.exists(), f"converting a config created {p}"


def test_line_endings_and_final_newline_are_kept(batch):
    crlf = batch["crlf_line_endings.py"].new_text
    assert "\r\n" in crlf and "\n" not in crlf.replace("\r\n", "")
    assert not batch["no_final_newline.py"].new_text.endswith("\n")


def test_converting_the_output_again_changes_nothing():
    results = convert_files(discover(EXPECTED), EXPECTED, ConvertOptions(allow_exec=_exec_mode()))
    changed = [f"{r.rel}: {r.error or 'changed'}" for r in results if r.status != UNCHANGED]
    assert not changed


CLI_SUBSET = ["os_path_join.py", "crlf_line_endings.py", "raises_at_load.py", "subprocess_git_hash.py",
              "syntax_error.py", "expanded_config_dump.py", "broken_bases/missing_base.py",
              "broken_bases/child_of_failing_base.py"] + [k for k in EXPECTATIONS if k.startswith("chain4/")]


def test_cli_batch_reports_failures_and_writes_the_rest(tmp_path):
    """One CLI run over part of the corpus (a copy, so the batch is the same
    as the user's): exit code 2, one error line per refused file, every other
    file written, nothing written for refused files."""
    import shutil

    src, out = tmp_path / "src", tmp_path / "out"
    for name in CLI_SUBSET:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(INPUT / name, src / name)
    proc = subprocess.run([sys.executable, "-m", "mmgen_migrate.cli", "convert", str(src), "-o", str(out), "-q"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2, proc.stderr
    subset = {k: EXPECTATIONS[k] for k in CLI_SUBSET}
    refused = sorted(k for k, v in subset.items() if v["outcome"] == "refuses")
    error_lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("error")]
    assert len(error_lines) == len(refused), proc.stderr
    for name in refused:
        assert any(name in ln and subset[name]["message"] in ln for ln in error_lines), f"no error line for {name}"
        assert not (out / name).exists()
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == sorted(k for k, v in subset.items() if v["outcome"] == "converts")
    for name in written:
        assert _portable((out / name).read_bytes(), src) == _portable((EXPECTED / name).read_bytes()), name
    assert sorted(os.listdir(tmp_path)) == ["out", "src"], "the run left files in its working directory"


def _update() -> int:
    """Rewrite fixtures/wild/converted from the current converter."""
    import shutil

    results = convert_files(discover(INPUT), INPUT)
    executed = {r.rel: r for r in convert_files(discover(INPUT), INPUT, ConvertOptions(allow_exec=_exec_mode()))}
    shutil.rmtree(EXPECTED, ignore_errors=True)
    for r in results:
        if r.status == FAILED and "not read statically" in (r.error or ""):
            print(f"static refusal  {r.rel}: {r.error}")
            r = executed[r.rel]
        if r.status == FAILED:
            print(f"refused  {r.rel}: {r.error}")
            continue
        out = EXPECTED / r.rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(r.new_text.encode("utf-8"))
    print(f"{len(results)} files; review `git diff fixtures/wild` before committing")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/wild/test_wild_corpus.py --update")
    os.environ.setdefault("MMGEN_MIGRATE_EVAL_TIMEOUT", str(TIME_LIMIT))
    sys.exit(_update())
