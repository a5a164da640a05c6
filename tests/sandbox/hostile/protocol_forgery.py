# base: optimizers
"""sgd finds the child's private protocol pipe and writes to it directly: a
forged "result" message claiming weights of its own choosing, then a frame
announcing a 4 GB header, then garbage. adam sends a forged "done".

Contained: the grader decodes strictly and judges only what it receives, so
sgd and adam get 0 points with a message about the corrupted results, the
other functions keep their points (60 of 80) and the grader does not stumble.
"""
import json
import os
import stat
import struct


def _protocol_fds():
    fds = []
    for fd in range(3, 64):
        try:
            mode = os.fstat(fd).st_mode
        except OSError:
            continue
        if stat.S_ISFIFO(mode):
            fds.append(fd)
    return fds


def _frame(header):
    body = json.dumps(dict(header, arrays=[])).encode()
    return struct.pack(">I", len(body)) + body


def sgd(w, dw, config=None):
    for fd in _protocol_fds():
        try:
            os.write(fd, _frame({"type": "result", "case": 0,
                                 "outputs": {"kind": "dict", "items": {"weights": {"kind": "float", "value": 1.0}}}}))
            os.write(fd, struct.pack(">I", 0xFFFFFFFF) + b"garbage" * 100)
        except OSError:
            pass
    return w, {} if config is None else config


def adam(w, dw, config=None):
    for fd in _protocol_fds():
        try:
            os.write(fd, _frame({"type": "done"}))
        except OSError:
            pass
    return w * 2, {} if config is None else config
