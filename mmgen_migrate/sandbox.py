"""Kernel-enforced confinement of the process that evaluates a config.

:func:`confine` is called in a freshly forked, single-threaded process,
before any code of the config runs.  Everything it sets up is enforced by
the Linux kernel, is inherited by every thread the config starts, and cannot
be undone from inside the process:

* **Landlock** (through the ``landlockpy`` binding): the file system may be
  read as before, but writing, creating, deleting, renaming, linking,
  truncating or executing a file is denied everywhere except beneath the
  process's throwaway folder (and writing to ``/dev/null``); ABI 4+ also
  denies every TCP bind and connect, ABI 6+ scopes signals and abstract
  unix sockets to the process itself.
* **seccomp** (through ``pyseccomp``, over libseccomp): no new processes
  (``fork``, ``vfork``, ``clone`` without ``CLONE_THREAD``, ``clone3``), no
  ``execve``, no sockets at all (``socket``, ``socketpair``, ``connect``,
  ``bind``, ...), no ``chmod``/``chown``/``utime``/xattr changes (which
  Landlock does not cover), no ``ptrace`` or ``process_vm_*``, signals only to itself
  (``kill``/``tgkill``/``rt_sigqueueinfo`` to another pid, ``tkill``,
  ``pidfd_*`` denied; ``F_SETOWN``/``F_SETSIG``, which make the kernel send
  signals on I/O, denied), no ``io_uring``, ``bpf``, ``userfaultfd``,
  mounts or namespaces, and resource limits cannot be raised again.
* **resource limits**: address space (memory), CPU seconds, the size of a
  file it writes, no core dumps.
* **capabilities**: when the converter runs as root, every capability is
  dropped (bounding set and effective/permitted/inheritable sets).

:func:`problem` says, in one line, what the running system lacks for this
(``None`` when nothing is missing).  Nothing here downgrades silently: if a
step of :func:`confine` fails, it raises and the config is not evaluated.
"""

from __future__ import annotations

import ctypes
import errno
import os
import sys
from functools import lru_cache

LANDLOCK_MIN_ABI = 3  # file truncation is handled from ABI 3 on

PR_SET_PDEATHSIG = 1
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
CLONE_THREAD = 0x00010000
F_SETOWN, F_SETSIG, F_SETOWN_EX = 8, 10, 15
FIOSETOWN, SIOCSPGRP = 0x8901, 0x8902


class ConfinementError(Exception):
    """The process could not be confined; the message is one line."""


@lru_cache(maxsize=1)
def _libc():
    return ctypes.CDLL(None, use_errno=True)


def prctl(option: int, arg2: int = 0) -> None:
    libc = _libc()
    libc.prctl.restype = ctypes.c_int
    if libc.prctl(ctypes.c_int(option), ctypes.c_ulong(arg2), ctypes.c_ulong(0), ctypes.c_ulong(0),
                  ctypes.c_ulong(0)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl({option}): {os.strerror(err)}")


def die_with_parent(sig: int) -> None:
    """Have the kernel send ``sig`` to this process when its parent dies."""
    prctl(PR_SET_PDEATHSIG, sig)


# ---------------------------------------------------------------------------
# what the kernel offers


def landlock_abi() -> int:
    """The running kernel's Landlock ABI version; 0 when Landlock is missing
    or disabled, -1 when the binding cannot be imported."""
    try:
        from landlockpy import _syscall
    except Exception:
        return -1
    try:
        return int(_syscall.abi_version())
    except Exception:
        return 0


@lru_cache(maxsize=1)
def problem() -> str | None:
    """``None`` when this system offers everything :func:`confine` needs,
    else one line saying what is missing."""
    if not sys.platform.startswith("linux"):
        return f"the sandbox needs Linux (Landlock and seccomp); this is {sys.platform}"
    abi = landlock_abi()
    if abi == -1:
        return ("the Landlock binding (Python package `landlockpy`, Python 3.10+) is not installed; "
                "reinstall mmgen-migrate")
    if abi == 0:
        return "this kernel has no Landlock (Linux 5.13+ with `landlock` in the LSM list is needed)"
    if abi < LANDLOCK_MIN_ABI:
        return f"this kernel's Landlock is ABI {abi}; the sandbox needs ABI {LANDLOCK_MIN_ABI}+ (Linux 6.2+)"
    try:
        import pyseccomp  # noqa: F401  (raises RuntimeError without libseccomp)
    except Exception as exc:
        return f"seccomp is not usable: the Python package `pyseccomp` or libseccomp is missing ({_one_line(exc)})"
    try:
        libc = _libc()
        libc.prctl.restype = ctypes.c_int
        # PR_GET_SECCOMP: fails with EINVAL on a kernel without seccomp
        if libc.prctl(21, 0, 0, 0, 0) < 0:
            return "this kernel has no seccomp (CONFIG_SECCOMP_FILTER is needed)"
    except Exception as exc:
        return f"seccomp is not usable: {_one_line(exc)}"
    return None


def layers() -> dict:
    """What is enforced on this kernel (for messages and tests)."""
    abi = max(landlock_abi(), 0)
    return {"landlock_abi": abi, "landlock_tcp": abi >= 4, "landlock_scopes": abi >= 6,
            "seccomp": problem() is None}


def _one_line(exc) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# ---------------------------------------------------------------------------
# confining the calling process


def confine(folder: str, *, memory_bytes: int | None, cpu_seconds: int | None,
            file_bytes: int = 256 * 1024**2) -> None:
    """Confine the calling (single-threaded) process: it may change files
    only beneath ``folder``.  Raises :class:`ConfinementError`."""
    missing = problem()
    if missing:
        raise ConfinementError(missing)
    step = "resource limits"
    try:
        limit_resources(memory_bytes, cpu_seconds, file_bytes)
        step = "dropping capabilities"
        _drop_capabilities()
        step = "Landlock"
        _landlock(folder)
        step = "seccomp"
        _seccomp()
    except ConfinementError:
        raise
    except Exception as exc:
        raise ConfinementError(f"could not confine the evaluation process ({step}: {_one_line(exc)})") from None


def limit_resources(memory_bytes, cpu_seconds, file_bytes) -> None:
    import resource

    def cap(which, value):
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))

    if memory_bytes:
        cap(resource.RLIMIT_AS, int(memory_bytes))
    if cpu_seconds:
        soft = int(cpu_seconds)
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        # SIGXCPU at the soft limit, SIGKILL one second later
        hard_new = soft + 1 if hard == resource.RLIM_INFINITY else min(soft + 1, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (min(soft, hard_new), hard_new))
    cap(resource.RLIMIT_FSIZE, int(file_bytes))
    cap(resource.RLIMIT_CORE, 0)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def _drop_capabilities() -> None:
    """Drop every capability (only root has any)."""
    import pyseccomp

    if os.geteuid() == 0:
        for cap in range(64):
            try:
                prctl(PR_CAPBSET_DROP, cap)
            except OSError as exc:
                if exc.errno == errno.EINVAL:  # past the last capability this kernel knows
                    break
                if exc.errno == errno.EPERM:  # no CAP_SETPCAP: the bounding set only matters
                    break                     # for exec, which is denied anyway
                raise
    header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (_CapData * 2)()
    libc = _libc()
    libc.syscall.restype = ctypes.c_long
    nr = pyseccomp.resolve_syscall(pyseccomp.Arch.NATIVE, "capset")
    if libc.syscall(ctypes.c_long(nr), ctypes.byref(header), ctypes.byref(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"capset: {os.strerror(err)}")


def _landlock(folder: str) -> None:
    from landlockpy import AccessFS, AccessNet, Ruleset, Scope
    from landlockpy.flags import fs_for_abi, net_for_abi, scope_for_abi

    abi = landlock_abi()
    reading = AccessFS.READ_FILE | AccessFS.READ_DIR
    handled_fs = fs_for_abi(abi) & ~reading  # reading stays allowed everywhere
    handled_net = net_for_abi(abi) & (AccessNet.BIND_TCP | AccessNet.CONNECT_TCP)
    scoped = scope_for_abi(abi) & (Scope.ABSTRACT_UNIX_SOCKET | Scope.SIGNAL)
    file_rights = AccessFS.WRITE_FILE | AccessFS.TRUNCATE
    with Ruleset(handled_fs=handled_fs, handled_net=handled_net, scoped=scoped, best_effort=False) as rules:
        # everything but executing, beneath the throwaway folder; nothing
        # for TCP (no port rule: every bind and connect is denied)
        rules.allow_path(folder, handled_fs & ~AccessFS.EXECUTE)
        rules.allow_path(os.devnull, handled_fs & file_rights)
        rules.restrict()  # sets no_new_privs first


def _seccomp() -> None:
    import pyseccomp as sc

    pid = os.getpid()
    deny = sc.ERRNO(errno.EPERM)
    filt = sc.SyscallFilter(sc.ALLOW)

    def rule(action, name, *args):
        try:
            filt.add_rule(action, name, *args)
        except (OSError, ValueError, RuntimeError) as exc:
            # a syscall this libseccomp does not know (newer than it): the
            # kernel's own number for it is then unknown too, skip it
            if isinstance(exc, OSError) and exc.errno not in (errno.EINVAL, errno.EDOM, errno.EFAULT):
                raise
            if name in _ESSENTIAL:
                raise

    # processes and programs
    for name in ("fork", "vfork", "execve", "execveat"):
        rule(deny, name)
    rule(deny, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))  # threads only
    rule(sc.ERRNO(errno.ENOSYS), "clone3")  # glibc then creates threads with clone()
    # network and every other socket (the channel is an inherited pipe)
    for name in ("socket", "socketpair", "connect", "bind", "listen", "accept", "accept4"):
        rule(sc.ERRNO(errno.EACCES), name)
    # other processes: no tracing, no signals except to itself
    for name in ("ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "tkill",
                 "pidfd_open", "pidfd_send_signal", "pidfd_getfd", "process_madvise"):
        rule(deny, name)
    for name in ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"):
        rule(deny, name, sc.Arg(0, sc.NE, pid))
    for cmd in (F_SETOWN, F_SETSIG, F_SETOWN_EX):
        rule(deny, "fcntl", sc.Arg(1, sc.EQ, cmd))
    for cmd in (FIOSETOWN, SIOCSPGRP):
        rule(deny, "ioctl", sc.Arg(1, sc.EQ, cmd))
    # file attributes, which Landlock does not cover: mode, owner, times,
    # extended attributes (of any file, the folder's included)
    for name in ("chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
                 "utime", "utimes", "utimensat", "futimesat", "setxattr", "lsetxattr", "fsetxattr",
                 "removexattr", "lremovexattr", "fremovexattr", "setxattrat", "removexattrat"):
        rule(deny, name)
    # limits stay as set
    rule(deny, "setrlimit")
    rule(deny, "prlimit64", sc.Arg(2, sc.NE, 0))
    # kernel interfaces a config never needs, several of which bypass or
    # widen the filters above
    for name in ("io_uring_setup", "io_uring_enter", "io_uring_register", "bpf", "perf_event_open",
                 "userfaultfd", "unshare", "setns", "mount", "umount2", "pivot_root", "chroot",
                 "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
                 "name_to_handle_at", "open_by_handle_at", "keyctl", "add_key", "request_key",
                 "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
                 "reboot", "swapon", "swapoff", "acct", "quotactl", "syslog", "personality",
                 "iopl", "ioperm"):
        rule(deny, name)
    filt.load()


_ESSENTIAL = {"fork", "vfork", "execve", "execveat", "clone", "socket", "socketpair", "connect", "bind",
              "chmod", "fchmod", "fchmodat", "chown", "fchown", "fchownat", "utimensat", "setxattr",
              "ptrace", "kill", "tgkill", "setrlimit", "prlimit64", "io_uring_setup"}
