# base: optimizers
"""sgd forges an error result whose fields have the wrong types: the type is an
object, the message a list, "where" a list, "kind" a number. The grader must
describe it from cleaned fields, not crash."""
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
           "error": {"type": {"x": 1}, "message": ["not", "text"], "where": [1, 2, 3], "kind": 7}})
    return w, {} if config is None else config
