"""How configs are evaluated (docs/execution.md): in a separate worker
process, in a throwaway working directory, with writes outside it refused,
a time limit per file, and nothing carried over from one file to the next."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mmgen_migrate.load import ConfigError, load_effective
from mmgen_migrate.worker import LoadWorker, EvaluationError


def _write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


@pytest.fixture
def worker():
    w = LoadWorker(timeout=10)
    yield w
    w._kill()


def test_files_written_in_the_working_directory_are_discarded(tmp_path, worker, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = _write(tmp_path / "cfg.py", """
        import os
        with_notes = open('notes.txt', 'w').write('scratch')
        os.makedirs('work_dirs/exp', exist_ok=True)
        here = sorted(os.listdir('.'))
    """)
    loaded = worker.load(cfg)
    assert loaded["here"] == ["notes.txt", "work_dirs"]  # the config saw its own files...
    assert sorted(os.listdir(tmp_path)) == ["cfg.py"]  # ...which never reached the user's folder
    assert worker.load(cfg)["here"] == ["notes.txt", "work_dirs"]  # a fresh folder each time


def test_absolute_writes_are_refused_and_mkdir_skipped(tmp_path, worker):
    target = tmp_path / "outside"
    cfg = _write(tmp_path / "cfg.py", f"""
        import os
        os.makedirs({str(target / 'a' / 'b')!r}, exist_ok=True)
        created = os.path.isdir({str(target)!r})
    """)
    assert worker.load(cfg) == {"created": False}
    assert not target.exists()
    for code, what in [(f"open({str(target)!r}, 'w')", "tried to write"),
                       (f"import shutil; shutil.rmtree({str(tmp_path)!r})", "tried to rmtree"),
                       (f"import os; os.remove({str(cfg)!r})", "tried to remove"),
                       ("import os; os.system('true')", "tried to start a process"),
                       ("import socket; socket.create_connection(('127.0.0.1', 9))", "tried to use the network")]:
        bad = _write(tmp_path / "bad.py", f"{code}\nx = 1\n")
        with pytest.raises(EvaluationError, match=what):
            worker.load(bad)
    assert cfg.exists()


def test_environment_changes_do_not_leak_into_the_next_file(tmp_path, worker):
    a = _write(tmp_path / "a.py", """
        import os, sys
        os.environ['MMGEN_MIGRATE_TEST_LEAK'] = 'yes'
        sys.path.insert(0, '/nowhere')
        x = 1
    """)
    b = _write(tmp_path / "b.py", """
        import os, sys
        leak = os.environ.get('MMGEN_MIGRATE_TEST_LEAK', 'no')
        path_leak = '/nowhere' in sys.path
    """)
    worker.load(a)
    assert worker.load(b) == {"leak": "no", "path_leak": False}


def test_endless_loop_times_out_and_the_next_file_loads(tmp_path):
    w = LoadWorker(timeout=1.5)
    try:
        loop = _write(tmp_path / "loop.py", "while True:\n    pass\n")
        with pytest.raises(EvaluationError, match="took longer than 1.5 s"):
            w.load(loop)
        ok = _write(tmp_path / "ok.py", "lr = 0.1\n")
        assert w.load(ok) == {"lr": 0.1}
    finally:
        w._kill()


def test_a_crash_fails_one_file_only(tmp_path, worker):
    crash = _write(tmp_path / "crash.py", "import os\nos._exit(7)\n")
    with pytest.raises(EvaluationError, match=r"exit code 7"):
        worker.load(crash)
    assert worker.load(_write(tmp_path / "ok.py", "x = [1, 2]\n")) == {"x": [1, 2]}


def test_prints_and_input_do_not_reach_the_protocol(tmp_path, worker):
    cfg = _write(tmp_path / "cfg.py", """
        import sys
        print('hello from the config')
        sys.stdout.write('more noise' * 1000)
        answer = sys.stdin.read()
    """)
    assert worker.load(cfg) == {"answer": ""}


def test_non_plain_values_are_refused_with_their_path(tmp_path, worker):
    cfg = _write(tmp_path / "cfg.py", "model = dict(layers=[dict(act=object())])\n")
    with pytest.raises(EvaluationError, match=r"`model.layers\[0\].act` is a builtins.object object"):
        worker.load(cfg)


def test_shutdown_removes_the_worker_folder(tmp_path):
    w = LoadWorker(timeout=10)
    w.load(_write(tmp_path / "ok.py", "x = 1\n"))
    root, proc = w.root, w.proc
    assert os.path.isdir(root)
    w.close()
    assert proc.poll() is not None and not os.path.exists(root)


def test_worker_exits_when_the_converter_dies(tmp_path):
    """A converter killed without cleanup (SIGKILL, os._exit) must not leave
    its worker running, nor its folder behind."""
    cfg = _write(tmp_path / "ok.py", "x = 1\n")
    script = textwrap.dedent(f"""
        import os
        from mmgen_migrate.worker import LoadWorker
        w = LoadWorker(timeout=10)
        w.load({str(cfg)!r})
        print(w.proc.pid, w.root, flush=True)
        os._exit(0)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    pid, root = out.stdout.split()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (os.path.exists(root) or _alive(int(pid))):
        time.sleep(0.1)
    assert not os.path.exists(root)
    assert not _alive(int(pid))


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_load_effective_keeps_its_contract(tmp_path):
    """convert.py relies on: a dict, or ConfigError with a one-line reason."""
    assert load_effective(_write(tmp_path / "ok.py", "a = dict(b=(1, 2))\n")) == {"a": {"b": (1, 2)}}
    with pytest.raises(ConfigError) as info:
        load_effective(_write(tmp_path / "bad.py", "raise ValueError('line one\\nline two')\n"),
                       allow_exec="unconfined")
    assert str(info.value) == "loading the config raised ValueError: line one"
    with pytest.raises(ConfigError) as info:  # read statically, the same config is refused before it runs
        load_effective(_write(tmp_path / "bad.py", "raise ValueError('line one\\nline two')\n"))
    assert str(info.value).startswith("1: raises an exception; not read statically")


def test_classic_config_misread_as_lazy_import_loads_with_a_note(tmp_path):
    """MMEngine 0.10 on Python 3.11 reads `import os` without `_base_` as a
    lazy-import config; the output check then says so instead of failing."""
    cfg = _write(tmp_path / "cfg.py", "import numpy as np\nlr = float(np.sqrt(4.0))\n")
    notes: list[str] = []
    assert load_effective(cfg, new_style=True, notes=notes, allow_exec="unconfined") == {"lr": 2.0}
    assert len(notes) == 1 and "lazy_import=False" in notes[0] and "`numpy`" in notes[0]
    # read statically (nothing runs): the same note for `import os`
    cfg = _write(tmp_path / "cfg2.py", "import os\nroot = os.path.join('a', 'b')\n")
    notes = []
    assert load_effective(cfg, new_style=True, notes=notes) == {"root": "a/b"}
    from mmgen_migrate.load import misread_as_lazy

    assert (len(notes) == 1) == (misread_as_lazy(cfg) is not None)


def test_an_emitted_file_that_does_not_load_is_a_failure_not_a_file(tmp_path, monkeypatch):
    """The check after emission: whatever the emitter produces, a file that
    does not parse/load, or loads to something else, is reported (one line,
    naming the problem) and never written."""
    from mmgen_migrate import convert as convert_mod
    from mmgen_migrate.convert import FAILED, convert_files, write_results

    src = _write(tmp_path / "exp.py", """
        optimizer = dict(generator=dict(type='Adam', lr=0.0002))
    """)
    for broken, message in [
        ("optim_wrapper = dict(\n", "the written config does not load (syntax error at line"),
        ("optim_wrapper = dict(generator=dict(optimizer=dict(type='Adam', lr=0.5)))\n",
         "the written config loads to a different value at `optim_wrapper."),
        ("x = 1\nraise RuntimeError('boom')\n", "the written config does not load (2: raises an exception; "
         "not read statically"),
        ("x = {}['k']\n", "the written config does not load (loading the config raised KeyError: 'k')"),
    ]:
        monkeypatch.setattr(convert_mod.emit_mod, "emit", lambda inp, _text=broken: _text)
        (res,) = convert_files([src], tmp_path)
        assert res.status == FAILED and res.error.startswith("cannot write the 1.x config: " + message), res.error
        assert "\n" not in res.error
        out = tmp_path / "out"
        write_results([res], lambda r: out / r.rel)
        assert not out.exists()


def test_a_config_that_eats_memory_fails_alone(tmp_path, worker):
    hog = _write(tmp_path / "hog.py", "x = [0] * (10 ** 10)\n")
    with pytest.raises(EvaluationError, match="ran out of memory"):
        worker.load(hog)
    assert worker.load(_write(tmp_path / "ok.py", "x = 1\n")) == {"x": 1}


def test_a_forked_child_gets_its_own_worker(tmp_path):
    """After os.fork() the child must not talk to its parent's worker (the
    two would interleave on one pipe)."""
    from mmgen_migrate import worker as worker_mod

    cfg = _write(tmp_path / "ok.py", "x = 1\n")
    parent_worker = worker_mod.shared_worker()
    parent_worker.load(cfg)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        try:
            w = worker_mod.shared_worker()
            ok = w is not parent_worker and w.load(cfg) == {"x": 1}
            w._kill()
            os.write(write, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1"
    assert parent_worker.load(cfg) == {"x": 1}  # the parent's worker is intact


def test_a_worker_that_cannot_start_says_why(tmp_path, monkeypatch):
    """MMEngine missing (simulated: its import fails in the worker): the
    file fails with the reason, not with a hang or a bare crash."""
    blocker = tmp_path / "site"
    (blocker / "mmengine").mkdir(parents=True)
    (blocker / "mmengine" / "__init__.py").write_text("raise ImportError('mmengine is broken here')\n")
    monkeypatch.setenv("PYTHONPATH", str(blocker))
    w = LoadWorker(timeout=10)
    try:
        with pytest.raises(EvaluationError, match=r"did not start \(ImportError: mmengine is broken here\)"):
            w.load(_write(tmp_path / "ok.py", "x = 1\n"))
    finally:
        w._kill()
