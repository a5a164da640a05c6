# base: optimizers
"""Kernel interfaces with a record of privilege escalations that no exercise
needs: bpf BPF_MAP_CREATE (sgd_momentum), perf_event_open of a software
counter (nesterov_momentum, also a side channel on other processes), and
userfaultfd (adagrad, a staple of kernel exploits). io_uring: io_uring.py.

Each returns the right answer only if its call gave a file descriptor.
Contained: the seccomp filter refuses all three (EPERM): 0 points for those
three functions.
"""
import ctypes
import os
import platform

NUMBERS = {"x86_64": {"bpf": 321, "perf_event_open": 298, "userfaultfd": 323},
           "aarch64": {"bpf": 280, "perf_event_open": 241, "userfaultfd": 282}}[platform.machine()]
_libc = ctypes.CDLL(None, use_errno=True)
_syscall = _libc.syscall
_syscall.restype = ctypes.c_long
_correct = {f.__name__: f for f in (sgd_momentum, nesterov_momentum, adagrad)}


def _fd(name, *args):
    fd = _syscall(NUMBERS[name], *args)
    if fd >= 0:
        os.close(fd)
        return True
    return False


def _bpf_map():
    attr = (ctypes.c_uint32 * 32)(2, 4, 4, 4)   # BPF_MAP_TYPE_ARRAY, key 4, value 4, 4 entries
    return _fd("bpf", ctypes.c_int(0), attr, ctypes.c_uint(ctypes.sizeof(attr)))   # BPF_MAP_CREATE


def _perf_counter():
    attr = (ctypes.c_uint32 * 32)()
    attr[0], attr[1], attr[2] = 1, 128, 0   # PERF_TYPE_SOFTWARE, size, PERF_COUNT_SW_CPU_CLOCK
    return _fd("perf_event_open", attr, ctypes.c_int(0), ctypes.c_int(-1), ctypes.c_int(-1), ctypes.c_ulong(0))


def _userfaultfd():
    return _fd("userfaultfd", ctypes.c_int(os.O_CLOEXEC))


def _answer(name, worked, w, dw, config):
    return _correct[name](w, dw, config) if worked else (w, config)


def sgd_momentum(w, dw, config=None):
    return _answer("sgd_momentum", _bpf_map(), w, dw, config)


def nesterov_momentum(w, dw, config=None):
    return _answer("nesterov_momentum", _perf_counter(), w, dw, config)


def adagrad(w, dw, config=None):
    return _answer("adagrad", _userfaultfd(), w, dw, config)
