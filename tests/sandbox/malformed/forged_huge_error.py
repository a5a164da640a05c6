# base: optimizers
"""sgd forges an error whose message is 3 MB (under the header limit: it must
be cut before it reaches the result) and adam one of 30 MB (over the header
limit: refused unread)."""
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
    _send({"type": "result", "case": 0, "arrays": [], "error": {"type": "E", "message": "A" * 3_000_000}})
    return w, {} if config is None else config


def adam(w, dw, config=None):
    _send({"type": "result", "case": 0, "arrays": [], "error": {"type": "E", "message": "B" * 30_000_000}})
    return w, {} if config is None else config
