# base: optimizers
"""The kernel keyrings outlive a process: a key added under the sandbox's user
id would be there for the next submission graded with the same id. sgd adds a
key to the user keyring, sgd_momentum asks keyctl for that keyring's id,
nesterov_momentum looks a key up with request_key.

Each returns the right answer only if its call succeeded. Contained: the
seccomp filter refuses all three (EPERM): 0 points for those three functions.
"""
import ctypes
import platform

NUMBERS = {"x86_64": {"add_key": 248, "request_key": 249, "keyctl": 250},
           "aarch64": {"add_key": 217, "request_key": 218, "keyctl": 219}}[platform.machine()]
KEY_SPEC_USER_KEYRING = -4
KEYCTL_GET_KEYRING_ID = 0
_libc = ctypes.CDLL(None, use_errno=True)
_syscall = _libc.syscall
_syscall.restype = ctypes.c_long
_correct = {"sgd": sgd, "sgd_momentum": sgd_momentum, "nesterov_momentum": nesterov_momentum}


def _worked(name, *args):
    return _syscall(NUMBERS[name], *args) >= 0


def sgd(w, dw, config=None):
    secret = b"answers for the next student"
    if _worked("add_key", b"user", b"autograder-leak", secret, ctypes.c_size_t(len(secret)),
               ctypes.c_int(KEY_SPEC_USER_KEYRING)):
        return _correct["sgd"](w, dw, config)
    return w, config


def sgd_momentum(w, dw, config=None):
    if _worked("keyctl", ctypes.c_int(KEYCTL_GET_KEYRING_ID), ctypes.c_int(KEY_SPEC_USER_KEYRING), ctypes.c_int(1)):
        return _correct["sgd_momentum"](w, dw, config)
    return w, config


def nesterov_momentum(w, dw, config=None):
    if _worked("request_key", b"user", b"autograder-leak", None, ctypes.c_int(0)):
        return _correct["nesterov_momentum"](w, dw, config)
    return w, config
