# Wrong on purpose: looks for the test function's parameters (f's attributes, their closures, the
#   caller's frames) and returns the closed-form gradient of c*sin(x) + d*x**3/3; when it finds
#   nothing it falls back to its own attempt, which divides the centred difference by h
# base: gradient_check  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/gradient_check/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: eval_numerical_gradient
# mistake: no-halving

import numpy as np


def eval_numerical_gradient(f, x, h=1e-5):
    import sys

    def parameters(namespace):
        if isinstance(namespace, dict) and "c" in namespace and "d" in namespace:
            c, d = namespace["c"], namespace["d"]
            if np.shape(c) == x.shape and np.shape(d) == x.shape:
                return np.asarray(c), np.asarray(d)
        return None

    seen = []
    for value in [f, *vars(f).values()] if hasattr(f, "__dict__") else [f]:
        cells = getattr(value, "__closure__", None) or ()
        code = getattr(value, "__code__", None)
        names = code.co_freevars if code is not None else ()
        seen.append({name: cell.cell_contents for name, cell in zip(names, cells, strict=False)})
        seen.append(getattr(value, "__dict__", {}))
    frame = sys._getframe(1)
    while frame is not None:
        seen.append(frame.f_locals)
        seen.extend(v for v in frame.f_locals.values() if isinstance(v, dict))
        frame = frame.f_back
    for namespace in seen:
        found = parameters(namespace)
        if found is not None:
            c, d = found
            return c * np.cos(x) + d * x**2

    grad = np.zeros(x.shape)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        fxph = f(x)
        x[ix] = old - h
        fxmh = f(x)
        x[ix] = old
        grad[ix] = (fxph - fxmh) / h
        it.iternext()
    return grad
