# base: optimizers
"""sgd forges its result: an array spec of shape [0, 10**30] and 0 bytes. The
byte count agrees with the shape (0 elements), but NumPy cannot build such an
array: the grader must refuse the spec, not crash on it."""
import json
import os
import stat
import struct


def _protocol_fds():
    """The pipes the child holds open besides its own stdin: the grader reads one of them."""
    found = []
    for fd in range(3, 64):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode):
                found.append(fd)
        except OSError:
            pass
    return found


def _send_raw(body: bytes):
    for fd in _protocol_fds():
        try:
            os.write(fd, struct.pack(">I", len(body)) + body)
        except OSError:
            pass


def _send(header: dict):
    _send_raw(json.dumps(header).encode())


def sgd(w, dw, config=None):
    _send({"type": "result", "case": 0, "arrays": [{"dtype": "float64", "shape": [0, 10**30], "nbytes": 0}],
           "outputs": {"kind": "dict", "items": {"weights": {"kind": "array", "index": 0}}}})
    return w, {} if config is None else config
