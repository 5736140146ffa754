"""However `convert` ends while configs are being evaluated (SIGINT, SIGTERM,
SIGKILL, sent to the converter's process alone, with -j 1 and -j 2), no
process of the run is left and no folder stays in the scratch space; Ctrl-C
exits 130 with one line saying "interrupted"."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

N_CONFIGS = 40


def _exec_flag() -> list[str]:
    """`--allow-exec` where the CLI has it (configs are then executed in the
    sandbox; before it existed, every config was executed)."""
    from mmgen_migrate.cli import cli

    params = {p.name for p in cli.commands["convert"].params}
    return ["--allow-exec"] if "allow_exec" in params else []


def _tree(root: Path) -> Path:
    src = root / "src"
    (src / "_base_").mkdir(parents=True)
    (src / "_base_" / "runtime.py").write_text("import os\nlog_level = os.environ.get('LOG_LEVEL', 'INFO')\n")
    for i in range(N_CONFIGS):
        (src / f"exp_{i:03d}.py").write_text(
            "_base_ = ['_base_/runtime.py']\n"
            "import time\n"
            "time.sleep(0.1)  # something that needs executing, and takes a moment\n"
            f"optimizer = dict(generator=dict(type='Adam', lr={(i + 1) * 1e-5!r}))\n")
    return src


def _processes_of(marker: str) -> list[str]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                if marker.encode() not in fh.read():
                    continue
            with open(f"/proc/{entry}/stat") as fh:
                state = fh.read().rsplit(")", 1)[1].split()[0]
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmd = fh.read().replace(b"\0", b" ").decode(errors="replace")[:120]
        except OSError:
            continue
        if state != "Z":
            found.append(f"{entry} ({state}): {cmd}")
    return found


def _wait_for(predicate, limit: float) -> bool:
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_a_signal_to_convert_leaves_nothing_behind(sig, jobs, tmp_path):
    _signal_a_run(sig, jobs, tmp_path, group=False)


@pytest.mark.parametrize("jobs", [1, 2])
def test_ctrl_c_in_a_terminal_leaves_nothing_behind(jobs, tmp_path):
    """A terminal's Ctrl-C sends SIGINT to the whole foreground process
    group: the converter, its -j processes, multiprocessing's helpers."""
    _signal_a_run(signal.SIGINT, jobs, tmp_path, group=True)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_a_signal_while_the_template_starts_leaves_nothing_behind(sig, tmp_path):
    """The signal lands as soon as the evaluation template has made its
    folder, while it still imports MMEngine and warms up."""
    _signal_a_run(sig, 1, tmp_path, group=False, delay=0.0)


def _signal_a_run(sig, jobs, tmp_path, group: bool, delay: float = 0.5):
    from mmgen_migrate.worker import confinement_problem

    if confinement_problem():
        pytest.skip(f"the kernel sandbox is not available here: {confinement_problem()}")
    src = _tree(tmp_path)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    marker = f"mmgen-migrate-test-{uuid.uuid4().hex}"
    env = dict(os.environ, MMGEN_MIGRATE_SCRATCH=str(scratch), TMPDIR=str(scratch), MMGEN_TEST_RUN=marker)
    proc = subprocess.Popen(
        [sys.executable, "-m", "mmgen_migrate.cli", "convert", str(src), "-o", str(tmp_path / "out"), "-q",
         "-j", str(jobs), *_exec_flag()],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path, start_new_session=True)
    try:
        # wait until every process evaluates configs (-j 2: two templates)
        evaluating = _wait_for(
            lambda: len([p for p in scratch.iterdir() if p.name.startswith("mmgen-migrate-eval-")]) >= jobs, 120)
        assert evaluating, f"no evaluation started: {proc.poll()} {proc.stderr.read().decode() if proc.poll() is not None else ''}"
        time.sleep(delay)
        assert proc.poll() is None, "the run ended before the signal (make the tree bigger)"
        if group:
            os.killpg(proc.pid, sig)
        else:
            os.kill(proc.pid, sig)  # the converter's process only, not its group
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    text = err.decode()
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 128 + sig, (proc.returncode, text)
        assert "Traceback" not in text and "Aborted" not in text, text
        assert text.strip().splitlines()[-1].startswith("mmgen-migrate: interrupted"), text
        if sig == signal.SIGINT:
            assert text.strip().splitlines()[-1] == "mmgen-migrate: interrupted", text
    gone = _wait_for(lambda: not _processes_of(marker), 15)
    assert gone, f"left running after {sig.name}: {_processes_of(marker)}"
    assert _wait_for(lambda: not any(scratch.iterdir()), 5), \
        f"left behind after {sig.name}: {sorted(p.name for p in scratch.iterdir())}"
    out = tmp_path / "out"
    assert not out.exists() or not any(p.name.startswith(".") for p in out.rglob("*"))


def test_converter_and_template_killed_together_leave_nothing(tmp_path):
    """Even with the template SIGKILLed too (it cannot clean up then): its
    file processes die with it (parent-death signal) and the converter's
    janitor removes its folder."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    cfg = tmp_path / "ok.py"
    cfg.write_text("x = 1\n")
    marker = f"mmgen-migrate-test-{uuid.uuid4().hex}"
    script = (
        "from mmgen_migrate.worker import LoadWorker\n"
        "w = LoadWorker(timeout=10, confinement='unconfined')\n"
        f"w.load({str(cfg)!r})\n"
        "print(w.proc.pid, flush=True)\n"
        "import time; time.sleep(120)\n")
    env = dict(os.environ, MMGEN_MIGRATE_SCRATCH=str(scratch), MMGEN_TEST_RUN=marker)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
    try:
        template = int(proc.stdout.readline())
        assert any(scratch.iterdir())
        os.kill(template, signal.SIGKILL)
        proc.kill()
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    assert _wait_for(lambda: not _processes_of(marker), 10), _processes_of(marker)
    assert _wait_for(lambda: not any(scratch.iterdir()), 10), sorted(p.name for p in scratch.iterdir())
