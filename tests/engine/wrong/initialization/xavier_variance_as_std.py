# Wrong on purpose: Xavier normal with the variance as standard deviation
# base: initialization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/initialization/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: xavier_normal
# mistake: xavier-var-as-std


def xavier_normal(fan_in, fan_out, rng):
    std = 2.0 / (fan_in + fan_out)
    return std * rng.standard_normal((fan_in, fan_out))
