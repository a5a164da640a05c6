"""The catalogue of named mistakes, as data.

Each entry names a graded function, a variant of it (the knobs passed to the
function of the same name in ``variants``), a short title and an explanation
addressed to the student. When a test fails and the student's output matches
the variant's output on the same input (or, for random functions, the
variant's statistics), the test's ``diagnosis`` is the title and explanation.

To add a mistake: add one ``Mistake(...)`` line here; add a knob to
``variants`` only if no existing knob expresses it.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Mistake:
    function: str
    id: str
    title: str
    explanation: str
    knobs: dict = dataclasses.field(default_factory=dict)

    def text(self) -> str:
        return f"{self.title}: {self.explanation}"


CATALOGUE: tuple[Mistake, ...] = (
    # ----------------------------------------------------------- gradient_check
    Mistake("rel_error", "rel-error-no-floor", "relative error without the 1e-8 floor",
            "divide by max(1e-8, |x| + |y|) so that two zeros give 0, not NaN", {"no_floor": True}),
    Mistake("rel_error", "rel-error-mean", "mean instead of max",
            "the relative error of two arrays is the largest elementwise error, not the average", {"mean_not_max": True}),
    Mistake("rel_error", "rel-error-one-sided", "one-sided denominator",
            "the denominator is |x| + |y|, symmetric in both arguments, not |y| alone", {"denominator_one_side": True}),
    Mistake("rel_error", "rel-error-absolute", "absolute instead of relative error",
            "max |x - y| depends on the scale of the values; divide by max(1e-8, |x| + |y|) elementwise",
            {"absolute": True}),
    Mistake("eval_numerical_gradient", "forward-difference", "forward instead of centred differences",
            "(f(x+h) - f(x)) / h has error O(h); (f(x+h) - f(x-h)) / 2h has error O(h²)", {"forward": True}),
    Mistake("eval_numerical_gradient", "no-halving", "centred difference divided by h instead of 2h",
            "the two evaluations are 2h apart, so divide by 2h", {"no_halving": True}),
    Mistake("eval_numerical_gradient", "x-not-restored", "x not restored",
            "after evaluating f at x ± h, put the original value back; the caller's x must be unchanged",
            {"not_restored": True}),
    Mistake("eval_numerical_gradient", "ignores-given-h", "the given h is not the step used",
            "f was evaluated at x ± (another step) e_i. cs231n's helper has the signature (f, x, verbose=True, h=...): "
            "called as eval_numerical_gradient(f, x, 1e-4), the 1e-4 lands in verbose and h keeps its default; keep "
            "the signature (f, x, h=1e-5) and step by h", {"verbose_first": True}),
    Mistake("eval_numerical_gradient", "too-many-evaluations", "f called far too often",
            "a centred difference needs f(x + h e_i) and f(x - h e_i), two calls per coordinate; repeating the same "
            "evaluations changes nothing, and the grader stops a check after a few times the calls it needs",
            {"repeats": 60}),
    Mistake("eval_numerical_gradient_array", "array-output-not-copied",
            "f(x + h) was not copied before the next call of f",
            "a layer may return a view of its input (a reshape or a transpose) or reuse one output array, so the call "
            "f(x - h) overwrites the array you kept and the difference is zero; keep a copy: "
            "np.array(f(x), copy=True) or f(x).copy()", {"no_copy": True}),
    Mistake("eval_numerical_gradient", "x-perturbed-through-a-copy", "x perturbed through a reshaped copy",
            "x.reshape(-1) (like x.ravel()) is a view of a contiguous x but a copy of a non-contiguous one, so your "
            "writes never reach the x that f reads and every difference is 0; write to x itself, e.g. "
            "for i in np.ndindex(x.shape): x[i] = ...", {"through_reshape": True}),
    Mistake("eval_numerical_gradient_array", "forward-difference-array", "forward instead of centred differences",
            "(f(x+h) - f(x)) / h has error O(h); use (f(x+h) - f(x-h)) / 2h", {"forward": True}),
    Mistake("eval_numerical_gradient_array", "ignores-df", "upstream gradient df ignored",
            "the gradient is of sum(f(x) * df): weight the difference by df before summing", {"ignores_df": True}),
    Mistake("eval_numerical_gradient_array", "x-not-restored-array", "x not restored",
            "after evaluating f at x ± h, put the original value back", {"not_restored": True}),
    Mistake("eval_numerical_gradient_array", "no-halving-array", "centred difference divided by h instead of 2h",
            "the two evaluations are 2h apart, so divide by 2h", {"no_halving": True}),
    Mistake("grad_check_sparse", "sparse-absolute-error", "absolute instead of relative error",
            "return |numeric - analytic| / max(1e-8, |numeric| + |analytic|)", {"absolute_error": True}),
    Mistake("grad_check_sparse", "sparse-forward-difference", "forward instead of centred differences",
            "use (f(x+h) - f(x-h)) / 2h for the numerical derivative", {"forward": True}),
    Mistake("grad_check_sparse", "sparse-repeated-coordinate", "one coordinate checked again and again",
            "draw a new coordinate for every check, inside the loop, from the seeded generator: checking one "
            "coordinate num_checks times tests one entry of the gradient", {"repeat_coordinate": True}),
    Mistake("grad_check_sparse", "sparse-x-not-restored", "x not restored",
            "after evaluating f at x ± h, put the original value back", {"not_restored": True}),
    Mistake("grad_check_sparse", "sparse-ignores-seed", "seed ignored",
            "draw the coordinates from np.random.default_rng(seed), not from Python's random or NumPy's global "
            "generator, so the same seed checks the same coordinates", {"ignore_seed": True}),
    # --------------------------------------------------------------- optimizers
    Mistake("sgd", "sgd-ascent", "gradient ascent",
            "the step goes against the gradient: w - learning_rate * dw", {"ascent": True}),
    Mistake("sgd_momentum", "momentum-dampened", "velocity as a moving average",
            "v = momentum * v + dw (or v = momentum * v - lr * dw), not momentum * v + (1 - momentum) * dw",
            {"dampened": True}),
    Mistake("sgd_momentum", "momentum-ascent", "step along the velocity with the wrong sign",
            "with v = momentum * v + dw the update is w - learning_rate * v", {"ascent": True}),
    Mistake("nesterov_momentum", "nesterov-as-momentum", "Nesterov done as plain momentum",
            "in the look-ahead variables the update is w - mu * v_old + (1 + mu) * v_new, not w + v_new",
            {"plain_momentum": True}),
    Mistake("nesterov_momentum", "nesterov-sign", "sign error in the look-ahead correction",
            "the update is w - mu * v_old + (1 + mu) * v_new", {"sign_error": True}),
    Mistake("adagrad", "adagrad-eps-inside-sqrt", "epsilon inside the square root",
            "divide by sqrt(cache) + epsilon, not sqrt(cache + epsilon): with small gradients the two differ hugely",
            {"eps_inside_sqrt": True}),
    Mistake("adagrad", "adagrad-no-sqrt", "square root missing",
            "scale by 1 / (sqrt(cache) + epsilon), not 1 / cache", {"no_sqrt": True}),
    Mistake("rmsprop", "rmsprop-like-adagrad", "RMSProp accumulating like AdaGrad",
            "RMSProp keeps a leaky average, cache = decay_rate * cache + (1 - decay_rate) * dw**2, not a running sum",
            {"like_adagrad": True}),
    Mistake("rmsprop", "rmsprop-eps-inside-sqrt", "epsilon inside the square root",
            "divide by sqrt(cache) + epsilon, not sqrt(cache + epsilon)", {"eps_inside_sqrt": True}),
    Mistake("rmsprop", "rmsprop-decay-swapped", "decay rate on the wrong term",
            "cache = decay_rate * cache + (1 - decay_rate) * dw**2", {"decay_swapped": True}),
    Mistake("adam", "adam-no-bias-correction", "Adam without bias correction",
            "m and v start at zero, so divide them by (1 - beta1**t) and (1 - beta2**t); "
            "without it the first steps are far too LARGE, about 3x with the default betas (step 1 moves "
            "by lr * (1 - beta1) / sqrt(1 - beta2) = 3.16 lr instead of about lr) until the averages warm up",
            {"bias_correction": False}),
    Mistake("adam", "adam-eps-inside-sqrt", "epsilon inside the square root",
            "divide by sqrt(v_hat) + epsilon, not sqrt(v_hat + epsilon)", {"eps_inside_sqrt": True}),
    Mistake("adam", "adam-t-after-use", "t incremented after it is used",
            "increment t before the bias correction, so the first step uses t = 1 (t = 0 divides by zero)",
            {"increment_after_use": True}),
    Mistake("adam", "adam-betas-swapped", "beta1 and beta2 swapped",
            "beta1 (0.9) averages the gradient, beta2 (0.999) averages its square", {"betas_swapped": True}),
    Mistake("adam", "adam-t-starts-at-one", "t starting at 1 (an older course template)",
            "some older templates set config['t'] = 1 and increment before use, so the first step uses t = 2; "
            "this course starts from t = 0 and increments before use, so the first step uses t = 1",
            {"t_starts_at_one": True}),
    Mistake("adam", "adam-efficient-form", "the paper's \"efficient\" Adam form",
            "Kingma & Ba fold the corrections into the step, lr * sqrt(1 - beta2**t) / (1 - beta1**t) * "
            "m / (sqrt(v) + epsilon); that equals this course's m_hat / (sqrt(v_hat) + epsilon) only with epsilon "
            "replaced by epsilon / sqrt(1 - beta2**t), which the case's epsilon makes visible; use the "
            "bias-corrected form", {"efficient_form": True}),
    Mistake("adamw", "adamw-l2-coupled", "weight decay through the gradient (Adam + L2)",
            "AdamW decays the weights directly, w * (1 - learning_rate * weight_decay), before the Adam step; "
            "adding weight_decay * w to dw sends the decay through m and v, so it is divided by sqrt(v_hat)",
            {"coupled": True}),
    Mistake("adamw", "adamw-decay-not-scaled", "weight decay not scaled by the learning rate",
            "the decoupled decay is w * (1 - learning_rate * weight_decay), not w * (1 - weight_decay)",
            {"decay_not_scaled": True}),
    Mistake("adamw", "adamw-decay-after-step", "weight decay applied after the Adam step",
            "decay the current weights first, then take the Adam step from the decayed weights (as torch.optim.AdamW)",
            {"decay_after_step": True}),
    Mistake("adamw", "adamw-no-decay", "weight decay ignored",
            "read weight_decay from config (default 1e-2) and shrink w by (1 - learning_rate * weight_decay) "
            "at every step", {"no_decay": True}),
    Mistake("step_decay", "step-decay-no-floor", "continuous instead of step decay",
            "use integer division epoch // every: the rate drops in steps", {"no_floor": True}),
    Mistake("step_decay", "step-decay-off-by-one", "drop one epoch early",
            "the first drop happens at epoch == every, so use epoch // every", {"off_by_one": True}),
    Mistake("cosine_decay", "cosine-no-half", "missing factor 1/2",
            "lr0 * (1 + cos(pi t / T)) / 2 starts at lr0, not 2 * lr0", {"no_half": True}),
    Mistake("cosine_decay", "cosine-sine", "sine instead of cosine", "use cos(pi t / T)", {"sine": True}),
    Mistake("linear_decay", "linear-reversed", "ramp up instead of decay", "lr0 * (1 - t / T)", {"reversed_ramp": True}),
    Mistake("inverse_sqrt_decay", "inverse-t", "1/t instead of 1/sqrt(t)", "divide by sqrt(t)", {"inverse_t": True}),
    Mistake("inverse_sqrt_decay", "inverse-sqrt-shifted", "sqrt(t + 1) instead of sqrt(t)",
            "the schedule is lr0 / sqrt(t) for t >= 1", {"no_sqrt_shift": True}),
    Mistake("linear_warmup", "warmup-off-by-one", "warm-up off by one",
            "step t uses lr * min(1, (t + 1) / warmup_steps), so the very first step is not wasted at lr = 0",
            {"off_by_one": True}),
    Mistake("linear_warmup", "warmup-no-cap", "warm-up never stops",
            "cap the ramp at 1: lr * min(1, (t + 1) / warmup_steps)", {"no_cap": True}),
    # ----------------------------------------------------------- regularization
    Mistake("dropout_forward", "dropout-not-inverted", "non-inverted dropout",
            "with inverted dropout the kept units are divided by p at train time so test time is the identity",
            {"not_inverted": True}),
    Mistake("dropout_forward", "dropout-keep-drop-swapped", "p read as the drop probability",
            "that is torch.nn.Dropout's convention and some older course templates'; here, as in cs231n, p is the "
            "probability of KEEPING a unit: mask = rand < p, and kept units are divided by p",
            {"keep_drop_swapped": True}),
    Mistake("dropout_forward", "dropout-scaled-at-test", "scaling at test time",
            "inverted dropout already scaled at train time; test mode returns x unchanged", {"scale_in_test": True}),
    Mistake("dropout_forward", "dropout-ignores-seed", "seed ignored",
            "when dropout_param has a seed, draw the mask from np.random.default_rng(seed)", {"ignore_seed": True}),
    Mistake("dropout_forward", "dropout-mask-not-independent", "dropout mask not independent across units",
            "the kept units come in blocks or a pattern (too few changes between kept and dropped neighbours); keep "
            "each unit independently with probability p: mask = rng.random(x.shape) < p", {"contiguous_block": True}),
    Mistake("dropout_forward", "dropout-masks-at-test", "test-mode dropout still masks",
            "in test mode (dropout_param['mode'] == 'test') return x unchanged: no mask, no scaling",
            {"mask_in_test": True}),
    Mistake("dropout_backward", "dropout-backward-unscaled", "backward without the 1/p scale",
            "the forward pass multiplied by mask / p, so the backward pass must too", {"no_scaling": True}),
    Mistake("dropout_backward", "dropout-backward-no-mask", "backward ignores the mask",
            "only the kept units pass gradient back: dx = dout * mask / p", {"ignores_mask": True}),
    Mistake("dropout_backward", "dropout-backward-passes-dout", "backward ignores the mask in train mode",
            "returning dout is the test-mode backward; in train mode dx = dout * mask / p, the same mask and "
            "scale as the forward pass", {"passes_dout": True}),
    Mistake("l2_regularization", "l2-no-factor-two", "gradient missing the factor 2",
            "d/dW of reg * sum(W**2) is 2 * reg * W", {"no_factor_two": True}),
    Mistake("l2_regularization", "l2-half-loss", "0.5 * reg * sum(W**2)",
            "this course defines the L2 loss as reg * sum(W**2), without the 1/2", {"half_loss": True}),
    Mistake("l1_regularization", "l1-gradient-w", "L1 gradient taken as W",
            "the derivative of |w| is sign(w), so dW = reg * sign(W)", {"gradient_is_w": True}),
    Mistake("l1_regularization", "l1-gradient-abs", "L1 gradient taken as |W|",
            "the derivative of |w| is sign(w), so dW = reg * sign(W)", {"gradient_is_abs": True}),
    Mistake("l1_regularization", "l1-gradient-nan-at-zero", "L1 gradient as W / |W|",
            "W / |W| is sign(W) except where W == 0, where it is 0 / 0 = NaN; np.sign(W) is 0 there, a valid "
            "subgradient", {"w_over_abs": True}),
    Mistake("elastic_net", "elastic-beta-on-l1", "beta on the wrong term",
            "loss = reg * sum(beta * W**2 + |W|): beta weighs the squared term", {"beta_on_l1": True}),
    Mistake("elastic_net", "elastic-no-factor-two", "gradient missing the factor 2",
            "d/dW of beta * W**2 is 2 * beta * W", {"no_factor_two": True}),
    # ----------------------------------------------------------- initialization
    Mistake("xavier_normal", "xavier-var-as-std", "variance used as standard deviation",
            "the variance is 2 / (fan_in + fan_out); pass its square root as the scale", {"var_as_std": True}),
    Mistake("xavier_normal", "xavier-fan-in-only", "Kaiming's variance in Xavier",
            "Xavier averages both fans: 2 / (fan_in + fan_out)", {"fan_in_only": True}),
    Mistake("xavier_normal", "xavier-global-rng", "global NumPy RNG instead of rng",
            "draw from the rng argument (rng.normal), so results are reproducible", {"global_rng": True}),
    Mistake("xavier_normal", "xavier-normal-discrete", "draws from a discrete distribution",
            "W takes only a few values (a normal draw almost never repeats one); matching the mean, variance "
            "and range is not enough: draw from rng.normal(0, std, size)", {"four_point": True}),
    Mistake("xavier_uniform", "xavier-uniform-bound-is-variance", "variance used as the bound",
            "for U(-a, a) the variance is a²/3, so a = sqrt(6 / (fan_in + fan_out))", {"bound_is_variance": True}),
    Mistake("xavier_uniform", "xavier-uniform-bound-is-std", "standard deviation used as the bound",
            "for U(-a, a) the variance is a²/3, so a = sqrt(3) * std", {"bound_sqrt_3": True}),
    Mistake("xavier_uniform", "xavier-uniform-normal", "normal instead of uniform",
            "draw from rng.uniform(-a, a)", {"normal_instead": True}),
    Mistake("xavier_uniform", "xavier-uniform-discrete", "draws from a discrete distribution",
            "W takes only a few values (a uniform draw almost never repeats one); matching the mean, variance "
            "and range is not enough: draw from rng.uniform(-a, a, size)", {"three_point": True}),
    Mistake("xavier_uniform", "xavier-uniform-bound-sqrt-2", "uniform bound off by √2",
            "a = sqrt(3 / (fan_in + fan_out)) is the bound for variance 1 / (fan_in + fan_out); Xavier's variance "
            "is 2 / (fan_in + fan_out), so a = sqrt(6 / (fan_in + fan_out))", {"variance_without_two": True}),
    Mistake("kaiming_normal", "kaiming-fan-out", "Kaiming with fan_out",
            "for the forward pass the variance is 2 / fan_in", {"use_fan_out": True}),
    Mistake("kaiming_normal", "kaiming-var-as-std", "variance used as standard deviation",
            "the variance is 2 / fan_in; the scale is its square root", {"var_as_std": True}),
    Mistake("kaiming_normal", "kaiming-no-factor-two", "missing the factor 2 for ReLU",
            "ReLU zeroes half the units, which the factor 2 in 2 / fan_in compensates", {"no_factor_two": True}),
    Mistake("kaiming_normal", "kaiming-global-rng", "global NumPy RNG instead of rng",
            "draw from the rng argument (rng.normal)", {"global_rng": True}),
    Mistake("kaiming_normal", "kaiming-normal-discrete", "draws from a discrete distribution",
            "W takes only a few values (a normal draw almost never repeats one); matching the mean, variance "
            "and range is not enough: draw from rng.normal(0, std, size)", {"four_point": True}),
    Mistake("kaiming_normal", "kaiming-transposed", "transposed shape",
            "W has shape (fan_in, fan_out): fan_in inputs, fan_out outputs, as in x @ W", {"transposed": True}),
    Mistake("kaiming_uniform", "kaiming-uniform-fan-out", "Kaiming with fan_out",
            "a = sqrt(6 / fan_in)", {"use_fan_out": True}),
    Mistake("kaiming_uniform", "kaiming-uniform-bound-is-std", "standard deviation used as the bound",
            "for U(-a, a) the variance is a²/3, so a = sqrt(6 / fan_in)", {"bound_is_std": True}),
    Mistake("kaiming_uniform", "kaiming-uniform-normal", "normal instead of uniform",
            "draw from rng.uniform(-a, a)", {"normal_instead": True}),
    Mistake("kaiming_uniform", "kaiming-uniform-discrete", "draws from a discrete distribution",
            "W takes only a few values (a uniform draw almost never repeats one); matching the mean, variance "
            "and range is not enough: draw from rng.uniform(-a, a, size)", {"three_point": True}),
    Mistake("kaiming_uniform", "kaiming-uniform-global-rng", "global NumPy RNG instead of rng",
            "draw from the rng argument (rng.uniform), so results are reproducible", {"global_rng": True}),
    Mistake("orthogonal", "orthogonal-gaussian", "Gaussian instead of orthogonal",
            "orthonormalise a Gaussian matrix with np.linalg.qr", {"gaussian_only": True}),
    Mistake("orthogonal", "orthogonal-transposed", "transposed",
            "W must have shape (fan_in, fan_out): for a wide W take the transpose of the tall Q", {"transposed": True}),
    Mistake("orthogonal", "orthogonal-signed-permutation", "orthogonal but not random: a signed permutation",
            "a Haar-random orthogonal W spreads every column over all rows (entries about ±1/sqrt(n)); orthonormalise "
            "a Gaussian matrix with np.linalg.qr and fix the signs with sign(diag(R))", {"signed_permutation": True}),
)


def _first_config(function: str) -> dict:
    """The config the reference returns from one call with an empty config: its defaults
    (the one place they are written) and the state it keeps for the next call."""
    import numpy as np

    from autograder.references import optimizers

    _, config = getattr(optimizers, function)(np.zeros(2), np.zeros(2), {})
    return config


def _hyperparameters(function: str) -> dict:
    """The numeric defaults the reference fills into an empty config."""
    return {k: float(v) for k, v in _first_config(function).items() if isinstance(v, float)}


def state_keys(function: str) -> tuple[str, ...]:
    """What an update rule carries from one call to the next in config (arrays such as the
    velocity or the moments, and counters such as Adam's t), in the reference's order."""
    return tuple(k for k, v in _first_config(function).items() if not isinstance(v, float))


# What losing each piece of state does to the steps, for the explanation.
_WITHOUT_STATE = {
    "velocity": "momentum never builds up: every step is a plain gradient step",
    "cache": "dw is divided by a multiple of |dw| itself, so every step has about the same size whatever the history",
    "m": "m holds only the current gradient, not an average over the steps",
    "v": "v holds only the current squared gradient, not an average over the steps",
    "t": "the bias correction stays at its first-step value",
}


def _initial(function: str, keys) -> str:
    """The initial values of ``keys`` in words: arrays start at zeros, counters at 0."""
    counters = [k for k in keys if not hasattr(_first_config(function)[k], "shape")]
    return ", ".join((["zeros"] if len(counters) < len(keys) else []) + [f"0 for {k}" if len(keys) > 1 else "0"
                                                                         for k in counters])


def _quoted(keys) -> str:
    names = [f"config['{k}']" for k in keys]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _update_rules() -> tuple[str, ...]:
    from autograder.references.optimizers import UPDATE_RULES

    return UPDATE_RULES


def _state_not_carried() -> tuple[Mistake, ...]:
    """'does not carry config[key] between calls' for every piece of state of every update rule
    (and for all of a rule's state at once, when it has more than one): the rule run with that
    state dropped from config before every call, as a rule that keeps it in a local variable,
    or resets it on entry, behaves."""
    found = []
    for function in _update_rules():
        keys = state_keys(function)
        for forgotten in [(k,) for k in keys] + ([keys] if len(keys) > 1 else []):
            name = forgotten[0] if len(forgotten) == 1 else "state"
            effects = "; ".join(_WITHOUT_STATE[k] for k in forgotten if k in _WITHOUT_STATE)
            found.append(Mistake(
                function, f"{function.replace('_', '-')}-forgets-{name}",
                f"does not carry {_quoted(forgotten)} between calls",
                f"the steps behave as if {_quoted(forgotten)} started from "
                f"{'its initial value' if len(forgotten) == 1 else 'their initial values'} "
                f"({_initial(function, forgotten)}) at every call"
                f"{' (' + effects + ')' if effects else ''}; store the updated value in config before returning "
                f"and start the next call from it (kept in a local variable, or reset on entry, it is lost)",
                {"forget": forgotten}))
    return tuple(found)


# Epsilons hard-coded in the wild: none at all, and Keras's default. (The course's default is added per rule.)
_FIXED_EPSILONS = (0.0, 1e-7)


def _ignored_hyperparameters() -> tuple[Mistake, ...]:
    """'ignores config[key]' for every hyperparameter of every update rule: the rule run with
    the key pinned to its default, whatever the case sets. Named where the case's value
    matters and another constant would not (a hard-coded epsilon = 1e-7 looks like 1e-8
    next to epsilon = 0.3)."""
    found = []
    for function in _update_rules():
        for key, default in _hyperparameters(function).items():
            if key == "epsilon":
                # Left out, or fixed at a tiny constant such as the default or Keras's 1e-7: one mistake,
                # one text; the three differ only where the case's epsilon is itself tiny.
                for fixed in _FIXED_EPSILONS + (default,):
                    found.append(Mistake(
                        function, f"{function.replace('_', '-')}-ignores-epsilon"
                                  + (f"-fixed-at-{fixed:g}" if fixed else ""), "epsilon left out or ignored",
                        "this case sets config['epsilon'] large enough to change the steps, but the step behaves as "
                        "without epsilon (or with a fixed tiny one such as 1e-8 or 1e-7); divide by "
                        "sqrt(...) + config['epsilon']", {"pin": {key: fixed}}))
                continue
            found.append(Mistake(
                function, f"{function.replace('_', '-')}-ignores-{key.replace('_', '-')}",
                f"ignores config['{key}']",
                f"this case sets {key} to another value, but the step behaves as with a fixed constant (here as "
                f"with the default {default:g}); read config['{key}'] (after config.setdefault('{key}', "
                f"{default:g})) instead of writing the number in the formula",
                {"pin": {key: default}}))
    return tuple(found)


CATALOGUE = CATALOGUE + _ignored_hyperparameters() + _state_not_carried()


def by_id(mistake_id: str) -> Mistake:
    return next(m for m in CATALOGUE if m.id == mistake_id)


def mistakes_for(function: str) -> list[Mistake]:
    return [m for m in CATALOGUE if m.function == function]
