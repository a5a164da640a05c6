# base: optimizers
"""Floods every output it has.

- sgd prints 1 GB to stdout and stderr (and to fds 1 and 2 directly) on its
  first call, then returns the right answer: output costs nothing, so it keeps
  its points.
- adam tries to write 2 GB of files in its scratch folder (many files, to get
  round a per-file limit) and in /dev/shm; it returns the right answer only if
  that worked.
- nesterov_momentum raises an exception with a 100 MB message.

Contained: sgd 10, adam 0, nesterov_momentum 0 with a short message: 60 of 80;
the grader's result file stays small.
"""
import os
import sys

_correct_sgd, _correct_adam = sgd, adam
_state = {}
CHUNK = b"x" * (1 << 20)


def sgd(w, dw, config=None):
    if "printed" not in _state:
        _state["printed"] = True
        text = "y" * (1 << 20)
        for _ in range(256):
            print(text)
            print(text, file=sys.stderr)
            os.write(1, CHUNK)
            os.write(2, CHUNK)
    return _correct_sgd(w, dw, config)


def _fill(folder, total):
    written = 0
    for i in range(total // (50 << 20)):
        try:
            with open(os.path.join(folder, f"fill-{i}"), "wb") as handle:
                for _ in range(50):
                    handle.write(CHUNK)
                    written += len(CHUNK)
        except OSError:
            break
    return written


def adam(w, dw, config=None):
    if "filled" not in _state:
        _state["filled"] = _fill(".", 1 << 30) + _fill("/dev/shm", 1 << 30) >= (2 << 30)
    return _correct_adam(w, dw, config) if _state["filled"] else (w, {} if config is None else config)


def nesterov_momentum(w, dw, config=None):
    raise ValueError("z" * (100 << 20))
