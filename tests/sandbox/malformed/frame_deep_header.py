# base: optimizers
"""sgd forges a result header nested 100,000 lists deep (RecursionError in a
recursive decoder) and adam one nested 60 deep (fine for Python, deeper than
any real header)."""
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
    _send_raw(b'{"type": "result", "case": 0, "arrays": [], "outputs": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    return w, {} if config is None else config


def adam(w, dw, config=None):
    _send_raw(b'{"type": "result", "case": 0, "arrays": [], "outputs": ' + b"[" * 60 + b"]" * 60 + b"}")
    return w, {} if config is None else config
