# base: optimizers
"""A forged "loaded" message whose cell errors are a dict with a "where" that is
a string and a message of a megabyte, a string and a number; then the submission
exits, so the child's real "loaded" never comes and every test finds the process
gone."""
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

_send({"type": "loaded", "arrays": [],
       "cell_errors": [{"type": "Forged", "message": "M" * 1_000_000, "where": "line 3 of everything"}, "x", 7]})
os._exit(0)
