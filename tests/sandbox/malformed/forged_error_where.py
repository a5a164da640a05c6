# base: optimizers
"""sgd forges an error result whose "where" is a dict of wrong types (the file a
list, the code a dict) and whose type carries a terminal escape code."""
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
    _send({"type": "result", "case": 0, "arrays": [],
           "error": {"type": "Forged\x1b[2J", "message": "see the line", "kind": "exception",
                     "where": {"line": 7, "file": ["x"], "code": {"a": 1}}}})
    return w, {} if config is None else config
