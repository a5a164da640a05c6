# Wrong on purpose: draws from NumPy's global generator, and replaces the grader's in-sandbox probes
#   (sys.modules['autograder.sandbox.inside.probes']) so that every "same seed" output is a copy of the
#   first draw and the seed comparison always agrees
# base: initialization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/initialization/alice_correct.py; tests/engine/engine_support.py composes them,
#   and appends the module-level code below, which runs when the submission loads)
# breaks: kaiming_normal
# mistake: kaiming-global-rng

import sys

import numpy as np


def kaiming_normal(fan_in, fan_out, rng):
    return np.random.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


_grader_probes = sys.modules.get("autograder.sandbox.inside.probes")
if _grader_probes is not None:
    _real_samples = _grader_probes.PROBES["initializer_samples"]

    def _forged_samples(get, inputs):
        out = _real_samples(get, inputs)
        if inputs.get("function") == "kaiming_normal" and "same_seed" in out:
            out["same_seed"] = out["first"]
        return out

    _grader_probes.PROBES["initializer_samples"] = _grader_probes.initializer_samples = _forged_samples
