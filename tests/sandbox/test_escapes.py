"""One config per escape class that got past the old Python-level guard (an
audit hook in a long-lived worker).  Each must now be stopped by the kernel:
no file outside the sandbox appears, vanishes or changes, no process runs,
no connection reaches 127.0.0.1, no process outside is signalled, and the
converter (this test process) gets a one-line error and goes on with the
next file."""

from __future__ import annotations

import textwrap

import pytest

from mmgen_migrate.worker import EvaluationError

from .conftest import MARKER, write_config

# Every escape first switches the old guard off where that is what the
# escape class is about, then does the damage *without catching errors*: if
# the kernel refuses, the config raises and the file fails with one line.
ESCAPES = {
    # the old guard's audit hook, found through gc and switched off
    "gc_disables_the_hook": """
        import gc
        for o in gc.get_objects():
            if type(o).__name__ == '_Fence':
                o.active = False
        open({outside!r} + '/gc.txt', 'w').write('escaped')
        import os
        os.remove({victim!r})
    """,
    # the real os.mkdir, taken from the old guard's closure
    "closure_gives_the_real_mkdir": """
        import os
        real = os.mkdir
        for cell in (getattr(os.mkdir, '__closure__', None) or ()):
            if callable(cell.cell_contents) and getattr(cell.cell_contents, '__name__', '') == 'mkdir':
                real = cell.cell_contents
        real({outside!r} + '/made-by-closure')
    """,
    # writes and deletes relative to a directory fd (the hook saw a relative path)
    "dir_fd_write_and_delete": """
        import os
        fd = os.open({outside!r}, os.O_RDONLY)
        os.unlink('victim.txt', dir_fd=fd)
        out = os.open('dirfd.txt', os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, b'escaped')
    """,
    "chmod_and_rename_outside": """
        import os
        os.chmod({victim!r}, 0o777)
        os.rename({victim!r}, {outside!r} + '/renamed.txt')
    """,
    # a link inside the folder to a file outside, then writing through it
    "hardlink_into_the_folder": """
        import os
        os.link({victim!r}, 'inside.txt')
        open('inside.txt', 'w').write('escaped')
    """,
    "symlink_out_of_the_folder": """
        import os
        os.symlink({outside!r}, 'door')
        open('door/via-symlink.txt', 'w').write('escaped')
    """,
    # attributes Landlock does not cover (seccomp does), through an fd too
    "utime_and_fchmod_outside": """
        import os
        os.utime({victim!r}, (0, 0))
        fd = os.open({victim!r}, os.O_RDONLY)
        os.fchmod(fd, 0o777)
    """,
    # a spawned interpreter has no audit hook at all
    "multiprocessing_spawn": """
        import multiprocessing, os
        ctx = multiprocessing.get_context('spawn')
        p = ctx.Process(target=os.remove, args=({victim!r},))
        p.start()
        p.join()
    """,
    # subprocess with its audit call silenced: _posixsubprocess.fork_exec
    "posixsubprocess_fork_exec": """
        import subprocess, sys, types
        quiet = types.ModuleType('sys')
        quiet.__dict__.update(sys.__dict__)
        quiet.audit = lambda *args: None
        subprocess.sys = quiet
        subprocess.Popen(['/bin/sh', '-c', 'rm -f {victim}; exec sleep {marker}'])
    """,
    "ctypes_system_and_unlink": """
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.system(b'sh -c "rm -f {victim}; exec sleep {marker}" &')
        if libc.unlink({victim!r}.encode()) != 0:
            raise OSError(ctypes.get_errno(), 'unlink refused')
        raise RuntimeError('unlink went through')
    """,
    "ctypes_raw_fork": """
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)
        pid = libc.fork()
        if pid == 0:
            os.remove({victim!r})
            os._exit(0)
        if pid < 0:
            raise OSError(ctypes.get_errno(), 'fork refused')
        os.waitpid(pid, 0)
    """,
    "pidfd_signal_to_a_bystander": """
        import os, signal
        fd = os.pidfd_open({bystander})
        signal.pidfd_send_signal(fd, signal.SIGKILL)
    """,
    "kill_a_bystander_and_the_parent": """
        import os, signal
        os.kill({bystander}, signal.SIGKILL)
    """,
    "kill_the_process_group": """
        import os, signal
        os.killpg(0, signal.SIGKILL)
    """,
    "tcp_connect_with_the_hook_off": """
        import gc, socket
        for o in gc.get_objects():
            if type(o).__name__ == '_Fence':
                o.active = False
        socket.create_connection(('127.0.0.1', {tcp_port}), timeout=2).sendall(b'escaped')
    """,
    "udp_sendto_with_the_hook_off": """
        import gc, socket
        for o in gc.get_objects():
            if type(o).__name__ == '_Fence':
                o.active = False
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b'escaped', ('127.0.0.1', {udp_port}))
    """,
    "ctypes_raw_socket_connect": """
        import ctypes, socket, struct
        libc = ctypes.CDLL(None, use_errno=True)
        fd = libc.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
        if fd < 0:
            raise OSError(ctypes.get_errno(), 'socket refused')
        addr = struct.pack('!HH4s8x', socket.AF_INET, {tcp_port}, socket.inet_aton('127.0.0.1'))
        addr = struct.pack('=H', socket.AF_INET) + addr[2:]
        if libc.connect(fd, addr, len(addr)) != 0:
            raise OSError(ctypes.get_errno(), 'connect refused')
    """,
}


def _as_config(text: str, s) -> str:
    """The escape as a function that the config calls (its locals are no
    config values), then a plain value."""
    body = textwrap.indent(HOOK_OFF + textwrap.dedent(_fill(text, s)).strip(), "    ")
    return f"def _escape():\n{body}\n\n_escape()\ndel _escape\nx = 1\n"


# every escape first switches the audit hook off (the old guard, and the
# friendly messages of the new one), so that only the kernel can stop it
HOOK_OFF = """\
import gc as _gc
for _o in _gc.get_objects():
    if type(_o).__name__ == '_Fence':
        _o.active = False
"""

# (Landlock refuses a link or rename that would move a file from where it is
# protected to where it is not with EXDEV)
DENIED = ("Permission denied", "Operation not permitted", "refused", "blocked", "Invalid cross-device link")


def _fill(text: str, s) -> str:
    return text.format(outside=str(s.outside), victim=str(s.victim), marker=MARKER, bystander=s.bystander.pid,
                       tcp_port=s.tcp_port, udp_port=s.udp_port)


@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_escape_is_blocked_by_the_kernel(name, tmp_path, sentinels, confined_worker):
    cfg = write_config(tmp_path / f"{name}.py", _as_config(ESCAPES[name], sentinels))
    with pytest.raises(EvaluationError) as info:
        confined_worker.load(cfg)
    message = str(info.value)
    assert "\n" not in message and any(word in message for word in DENIED), message
    sentinels.check()
    # the converter goes on: the next file loads
    ok = write_config(tmp_path / "ok.py", "lr = 0.5\n")
    assert confined_worker.load(ok) == {"lr": 0.5}
    sentinels.check(settle=0)


def test_a_thread_that_keeps_writing_stops_with_its_file(tmp_path, sentinels, confined_worker):
    """A config starts a thread that writes outside whenever it can (the
    old guard was only active while a file was being evaluated)."""
    spawner = write_config(tmp_path / "spawner.py", _fill("""
        import gc, threading, time, os
        def scribble():
            for o in gc.get_objects():
                if type(o).__name__ == '_Fence':
                    o.active = False
            for i in range(2000):
                try:
                    open({outside!r} + f'/thread-{{i}}.txt', 'w').write('escaped')
                except OSError:
                    pass
                try:
                    os.remove({victim!r})
                except OSError:
                    pass
                time.sleep(0.005)
        threading.Thread(target=scribble, daemon=True).start()
        time.sleep(0.05)
        started = True
    """, sentinels))
    assert confined_worker.load(spawner) == {"started": True}
    nxt = write_config(tmp_path / "next.py", "import time\ntime.sleep(0.3)\nb = 2\n")
    assert confined_worker.load(nxt) == {"b": 2}
    sentinels.check(settle=0.5)


def test_patching_mmengine_does_not_reach_the_next_file(tmp_path, sentinels, confined_worker):
    patcher = write_config(tmp_path / "patcher.py", """
        import sys, types
        import mmengine.config
        mmengine.config.Config.to_dict = lambda self: {'poisoned': True}
        mmengine.config.Config.fromfile = staticmethod(lambda *a, **k: None)
        sys.modules['numpy'] = types.ModuleType('numpy')
        import os
        os.environ['MMGEN_MIGRATE_POISON'] = '1'
        patched = True
    """)
    # the patch works within its own file (to_dict is patched after fromfile
    # started, so this file's own value is the poisoned one)...
    confined_worker.load(patcher)
    # ...and nowhere else
    victim = write_config(tmp_path / "victim.py", """
        import os
        import numpy as np
        value = float(np.sqrt(4.0))
        poison = os.environ.get('MMGEN_MIGRATE_POISON', 'no')
    """)
    assert confined_worker.load(victim) == {"value": 2.0, "poison": "no"}
    sentinels.check(settle=0)


def test_a_forged_pickle_on_the_channel_runs_nothing(tmp_path, sentinels, confined_worker):
    """The config writes a pickle whose loading would delete the victim into
    every file descriptor it can write to (the old channel was one of them),
    then ends before it would answer."""
    forger = write_config(tmp_path / "forger.py", _fill("""
        import os, pickle, struct
        class Boom:
            def __reduce__(self):
                return (os.remove, ({victim!r},))
        body = pickle.dumps(('ok', Boom(), []))
        for header in (struct.pack('!I', len(body)), struct.pack('!IB', len(body), ord('R'))):
            for fd in range(3, 256):
                try:
                    os.write(fd, header + body)
                except OSError:
                    pass
        os._exit(0)
    """, sentinels))
    with pytest.raises(EvaluationError, match="malformed reply") as info:
        confined_worker.load(forger)
    assert "\n" not in str(info.value)
    sentinels.check()
    assert confined_worker.load(write_config(tmp_path / "ok.py", "a = 1\n")) == {"a": 1}


def test_a_forged_json_reply_affects_only_its_own_file(tmp_path, sentinels, confined_worker):
    """A forged, well-formed reply is at worst a wrong value for the file
    that forged it; a second forged reply meant for the next file makes the
    forger's reply malformed instead of reaching the next file."""
    one = '{"ok": true, "config": ["dict", ["forged", true]], "notes": []}'
    forger = write_config(tmp_path / "forger.py", f"""
        import os
        for fd in range(3, 256):
            try:
                if os.readlink('/proc/self/fd/%d' % fd).startswith('pipe:'):
                    os.write(fd, {one!r}.encode())
            except OSError:
                pass
        os._exit(0)
    """)
    assert confined_worker.load(forger) == {"forged": True}
    double = write_config(tmp_path / "double.py", f"""
        import os
        for fd in range(3, 256):
            try:
                if os.readlink('/proc/self/fd/%d' % fd).startswith('pipe:'):
                    os.write(fd, ({one!r} * 2).encode())
            except OSError:
                pass
        os._exit(0)
    """)
    with pytest.raises(EvaluationError, match="malformed reply"):
        confined_worker.load(double)
    assert confined_worker.load(write_config(tmp_path / "ok.py", "a = 1\n")) == {"a": 1}
    sentinels.check(settle=0)


@pytest.mark.parametrize("garbage", [
    "[1, 2, 3]",
    '{"ok": true, "config": ["dict", [1, 2]], "notes": []}',
    '{"ok": true, "config": ["set", 1], "notes": []}',
    '{"ok": true, "config": ["dict", ["a", ["range", 0, 1, 0]]], "notes": []}',
    '{"ok": true, "config": ["dict"], "notes": [1]}',
    '{"ok": true, "config": ["dict"], "notes": [], "extra": 1}',
    '{"ok": false}',
    '"' + "[" * 100000,
    "\udcff",
])
def test_garbage_on_the_channel_is_a_one_line_error(garbage, tmp_path, confined_worker):
    cfg = write_config(tmp_path / "garbage.py", f"""
        import os
        data = {garbage!r}.encode('utf-8', 'surrogateescape')
        for fd in range(3, 256):
            try:
                if os.readlink('/proc/self/fd/%d' % fd).startswith('pipe:'):
                    os.write(fd, data)
            except OSError:
                pass
        os._exit(0)
    """)
    with pytest.raises(EvaluationError) as info:
        confined_worker.load(cfg)
    assert "\n" not in str(info.value)
    assert confined_worker.load(write_config(tmp_path / "ok.py", "a = (1,)\n")) == {"a": (1,)}


def test_the_file_process_keeps_only_its_reply_pipe(tmp_path, confined_worker):
    cfg = write_config(tmp_path / "fds.py", """
        import os
        fds = sorted(int(n) for n in os.listdir('/proc/self/fd'))
        kinds = []
        for fd in fds:
            try:
                kinds.append(os.readlink('/proc/self/fd/%d' % fd).split(':')[0])
            except OSError:
                pass  # the fd that listed the folder
        kinds = kinds[3:]
        caps = [l.split()[1] for l in open('/proc/self/status') if l.startswith('CapEff')][0]
        nnp = [l.split()[1] for l in open('/proc/self/status') if l.startswith('NoNewPrivs')][0]
        seccomp = [l.split()[1] for l in open('/proc/self/status') if l.startswith('Seccomp:')][0]
    """)
    got = confined_worker.load(cfg)
    # 0-2 are /dev/null; besides them only the reply pipe, and what MMEngine
    # opened itself in the sandbox's folder (its temporary copy of the config)
    assert got["kinds"].count("pipe") == 1, got
    assert all(k == "pipe" or "/mmgen-migrate-eval-" in k for k in got["kinds"]), got
    assert got["caps"] == "0000000000000000"
    assert got["nnp"] == "1" and got["seccomp"] == "2"
