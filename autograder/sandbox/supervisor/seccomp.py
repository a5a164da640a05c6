"""The seccomp filter every sandboxed process runs under.

It allows every system call except those that open the kernel's larger attack
surfaces or let a submission step outside the limits set for it:

- new namespaces (``unshare``, ``setns``, ``clone`` with a ``CLONE_NEW*`` flag):
  a mount namespace of its own would let a submission park memory in a tmpfs
  that no per-process limit sees, and a user namespace hands it capabilities;
- ``clone3``, whose flags sit in memory a filter cannot read: it fails with
  ENOSYS, so the C library falls back to ``clone``, which is checked;
- the kernel keyrings (``add_key``, ``request_key``, ``keyctl``), which outlive
  the process and would carry data to a later submission with the same user id;
- ``io_uring_*``, ``bpf``, ``perf_event_open``, ``userfaultfd``: large kernel
  interfaces with a long record of privilege escalations, needed by no exercise;
- ``ptrace`` and ``process_vm_readv``/``writev``: reading or steering another
  process (the grading child, another student's code);
- ``mount``, ``umount2``, ``pivot_root`` and the new mount API.

A denied call fails with EPERM (ENOSYS for ``clone3``); the process goes on.
The filter is compiled here, in the grader, with libseccomp (through
``pyseccomp``, a ctypes binding), and loaded by bwrap (``--seccomp``) or by the
reduced-mode reaper before the child starts. A seccomp filter cannot be
removed, and every process the child starts inherits it. The program refuses
other architectures: an i386 or x32 system call kills the whole process.
"""

from __future__ import annotations

import errno
import functools
import os
import tempfile

DENIED = (
    "unshare", "setns",
    "add_key", "request_key", "keyctl",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "bpf", "perf_event_open", "userfaultfd",
    "ptrace", "process_vm_readv", "process_vm_writev",
    "mount", "umount2", "pivot_root",
    "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
)
UNAVAILABLE = ("clone3",)   # answered with ENOSYS so that the C library uses clone, whose flags are checked

CLONE_NEW_FLAGS = {
    "CLONE_NEWTIME": 0x00000080, "CLONE_NEWNS": 0x00020000, "CLONE_NEWCGROUP": 0x02000000,
    "CLONE_NEWUTS": 0x04000000, "CLONE_NEWIPC": 0x08000000, "CLONE_NEWUSER": 0x10000000,
    "CLONE_NEWPID": 0x20000000, "CLONE_NEWNET": 0x40000000,
}


class SeccompUnavailable(RuntimeError):
    """libseccomp (or its binding) is missing or too old to know every denied call."""


@functools.lru_cache(maxsize=1)
def compiled_filter() -> bytes:
    """The filter as a classic BPF program (``struct sock_filter`` array, 8 bytes per instruction)."""
    try:
        import pyseccomp as libseccomp
    except (ImportError, OSError) as exc:   # OSError: the binding is there but libseccomp.so.2 is not
        raise SeccompUnavailable(f"libseccomp is not available ({exc})") from exc
    try:
        rules = libseccomp.SyscallFilter(libseccomp.ALLOW)
        # A call through a foreign ABI (i386, x32) would dodge the numbers below: end the whole process.
        rules.set_attr(libseccomp.Attr.ACT_BADARCH, libseccomp.KILL_PROCESS)
        for name in DENIED:
            rules.add_rule(libseccomp.ERRNO(errno.EPERM), name)
        for name in UNAVAILABLE:
            rules.add_rule(libseccomp.ERRNO(errno.ENOSYS), name)
        for bit in CLONE_NEW_FLAGS.values():
            rules.add_rule(libseccomp.ERRNO(errno.EPERM), "clone", libseccomp.Arg(0, libseccomp.MASKED_EQ, bit, bit))
        with tempfile.TemporaryFile() as handle:
            rules.export_bpf(handle)
            handle.seek(0)
            program = handle.read()
    except (OSError, ValueError, RuntimeError) as exc:
        raise SeccompUnavailable(f"libseccomp cannot build the filter ({exc})") from exc
    if not program or len(program) % 8:
        raise SeccompUnavailable("libseccomp produced an empty program")
    return program


def filter_fd(program: bytes) -> int:
    """A readable descriptor holding ``program`` (a pipe: the program fits its buffer).
    The caller passes it to the child (``pass_fds``) and closes it afterwards."""
    if len(program) > 60_000:
        raise SeccompUnavailable("the seccomp program is larger than a pipe's buffer")
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, program)
    finally:
        os.close(write_end)
    return read_end
