# base: optimizers
"""In its first call, sgd forges the results of the first 20 tests of the
assignment, each carrying a 40 MB array (under the per-message limit; 800 MB in
all, under the per-process limit), then exits. A grader that kept every
decoded outcome until judging would hold 800 MB; this one judges each as it
arrives. The 20 tests fail (wrong shape), the 21st finds the process gone."""
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

FORGED = 20


def sgd(w, dw, config=None):
    import numpy as np

    payload = np.zeros(5_000_000).tobytes()
    for case in range(FORGED):
        if case:
            _send({"type": "start", "case": case, "arrays": []})
        header = {"type": "result", "case": case,
                  "arrays": [{"dtype": "float64", "shape": [5_000_000], "nbytes": len(payload)}],
                  "outputs": {"kind": "dict", "items": {"weights": {"kind": "array", "index": 0},
                                                        "values": {"kind": "array", "index": 0}}}}
        body = json.dumps(header).encode()
        for fd in _protocol_fds():
            try:
                os.write(fd, struct.pack(">I", len(body)) + body)
                view = memoryview(payload)
                while view:
                    view = view[os.write(fd, view):]
            except OSError:
                pass
    os._exit(0)
