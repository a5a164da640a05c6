"""Train the capstone's convolutional network on the textured-shapes set and log the run.

    python book/tools/capstone/train.py --run adamw            # one named run (minutes)
    python book/tools/capstone/train.py --all                  # every run in RUNS
    python book/tools/capstone/train.py --quick --out DIR      # the seconds-long check run

Each run writes ``<out>/<name>.json``: the configuration, a per-step log every
``log_every`` steps (training loss, learning rate, update-to-weight ratio of every weight
tensor) and a per-epoch log (validation loss and accuracy; training accuracy on a fixed
un-augmented subset), and the run's wall and CPU seconds. The book plots these files; it
does not train the long runs itself.
The ``quick`` run is small enough for the book to re-run at build time and compare with
the committed ``quick.json``, so this script cannot change without the book noticing.

Everything is seeded and runs on one CPU thread, so a run is reproducible on one machine;
across machines the floating-point results can differ in the last digits.
"""
from __future__ import annotations

import argparse
import functools
import json
import math
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shapes import NUM_CLASSES, SIZE, make_shapes  # noqa: E402

LOG_DIR = Path(__file__).resolve().parents[2] / "data" / "capstone"

# Settings shared by every run; a run in RUNS overrides some of them.
BASE = dict(
    model="cnn",          # "cnn" or "mlp"
    batch_norm=True,
    image_size=SIZE,      # pixels per side
    width=16,             # channels of the first conv block (doubled per block)
    optimizer="adamw",    # "adamw" (ours, below) or "sgd" (torch.optim.SGD, heavy ball)
    lr=1e-3,              # peak learning rate (after warm-up)
    momentum=0.9,         # SGD's momentum / Adam's beta1
    beta2=0.999,
    bias_correction=True,
    weight_decay=0.05,    # decoupled (AdamW) or L2 added to the gradient (SGD)
    warmup_epochs=1.0,
    schedule="cosine",    # "cosine" (to zero after warm-up) or "constant"
    augment=True,         # random flips, quarter turns and shifts of up to 3 pixels
    epochs=20,
    batch_size=64,
    n_train=8000,
    n_val=2000,
    n_train_eval=2000,    # fixed subset of the training set scored without augmentation
    data_seed=1,
    val_seed=2,
    init_seed=0,
    log_every=10,
)

RUNS = {
    # The reference recipe: AdamW at PyTorch's default rate, warm-up + cosine, batch norm,
    # augmentation.
    "adamw": {},
    # SGD + momentum with the same schedule; L2 of 5e-4 is the usual SGD setting.
    "sgd": dict(optimizer="sgd", lr=0.1, weight_decay=5e-4),
    # Neither regulariser: no augmentation, no weight decay.
    "adamw_noreg": dict(augment=False, weight_decay=0.0),
    # Bias correction off / on without warm-up (the first epochs are what matter).
    "adam_nowarmup": dict(warmup_epochs=0.0, epochs=2),
    "adam_nowarmup_nobc": dict(warmup_epochs=0.0, epochs=2, bias_correction=False),
    # The same pair at ten times the rate, where the early steps are already large.
    "adam_nowarmup_high": dict(warmup_epochs=0.0, epochs=2, lr=1e-2),
    "adam_nowarmup_high_nobc": dict(warmup_epochs=0.0, epochs=2, lr=1e-2, bias_correction=False),
    # Learning rates a factor 10 either side of the reference, for the update/weight ratio:
    # the same warm-up, then two epochs at the constant peak rate.
    "adamw_lr_low": dict(lr=1e-4, epochs=3, schedule="constant"),
    "adamw_lr_high": dict(lr=1e-2, epochs=3, schedule="constant"),
    # The reference's first three epochs without batch normalization (the convolutions get
    # their biases back), at a constant rate after the warm-up like the two runs above.
    "adamw_nobn": dict(batch_norm=False, epochs=3, schedule="constant"),
    # AdamW at three times its default rate over the full schedule: the reference underfits
    # (training accuracy = validation accuracy), which asks for a higher rate.
    "adamw_lr_3x": dict(lr=3e-3),
    # A multilayer perceptron on the same pixels, to show the set needs convolutions.
    "mlp": dict(model="mlp"),
}

QUICK = dict(n_train=256, n_val=128, n_train_eval=128, epochs=2, batch_size=32, log_every=2,
             warmup_epochs=0.5)


class AdamW(torch.optim.Optimizer):
    """Adam with decoupled weight decay, with a switch for the bias correction.

    m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g^2;  w <- w - lr wd w - lr mhat / (sqrt(vhat) + eps)
    where mhat, vhat are m, v divided by (1 - b^t) if bias_correction, else m, v themselves.
    With bias_correction=True this is torch.optim.AdamW.
    """

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 bias_correction=True):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      bias_correction=bias_correction))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["t"] = 0
                    state["m"] = torch.zeros_like(p)
                    state["v"] = torch.zeros_like(p)
                state["t"] += 1
                t, m, v = state["t"], state["m"], state["v"]
                p.mul_(1 - group["lr"] * group["weight_decay"])
                m.mul_(beta1).add_(p.grad, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
                if group["bias_correction"]:
                    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
                else:
                    m_hat, v_hat = m, v
                p.addcdiv_(m_hat, v_hat.sqrt().add_(group["eps"]), value=-group["lr"])


def kaiming_init(model: nn.Module) -> nn.Module:
    """He-normal weights (chapter 7): std sqrt(2 / fan_in) before a ReLU, sqrt(1 / fan_in) for
    the last linear layer, whose output is not rectified. Biases start at zero."""
    layers = [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    for layer in layers:
        gain = "linear" if layer is layers[-1] else "relu"
        nn.init.kaiming_normal_(layer.weight, nonlinearity=gain)
        if layer.bias is not None:
            nn.init.zeros_(layer.bias)
    return model


def make_model(cfg: dict) -> nn.Module:
    """CNN: three conv blocks (w, 2w, 4w channels; s -> s/2 -> s/4 px), global average pool,
    linear. MLP: s*s -> 256 -> 256 -> classes with ReLU (and batch norm if cfg["batch_norm"]).
    Input (B, 1, s, s) with s = cfg["image_size"]; output (B, NUM_CLASSES) logits.
    """
    torch.manual_seed(cfg["init_seed"])
    norm2d = (lambda c: nn.BatchNorm2d(c)) if cfg["batch_norm"] else (lambda c: nn.Identity())
    norm1d = (lambda c: nn.BatchNorm1d(c)) if cfg["batch_norm"] else (lambda c: nn.Identity())
    if cfg["model"] == "mlp":
        return kaiming_init(nn.Sequential(
            nn.Flatten(),
            nn.Linear(cfg["image_size"] ** 2, 256), norm1d(256), nn.ReLU(),
            nn.Linear(256, 256), norm1d(256), nn.ReLU(),
            nn.Linear(256, NUM_CLASSES)))
    w = cfg["width"]

    def conv(c_in, c_out):
        # No conv bias before batch norm: BN's shift beta would cancel it anyway.
        return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=not cfg["batch_norm"]),
                norm2d(c_out), nn.ReLU()]

    return kaiming_init(nn.Sequential(
        *conv(1, w), nn.MaxPool2d(2),
        *conv(w, 2 * w), *conv(2 * w, 2 * w), nn.MaxPool2d(2),
        *conv(2 * w, 4 * w), *conv(4 * w, 4 * w),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4 * w, NUM_CLASSES)))


def augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random horizontal/vertical flips, transposition and shifts of up to 3 px (zero fill)."""
    b = x.shape[0]
    flips = torch.rand(b, 3, generator=gen) < 0.5
    x = torch.where(flips[:, 0, None, None, None], x.flip(3), x)
    x = torch.where(flips[:, 1, None, None, None], x.flip(2), x)
    x = torch.where(flips[:, 2, None, None, None], x.transpose(2, 3), x)
    shifts = torch.randint(-3, 4, (b, 2), generator=gen)
    padded = F.pad(x, (3, 3, 3, 3))
    size = x.shape[-1]
    out = torch.empty_like(x)
    for i in range(b):
        dy, dx = 3 + int(shifts[i, 0]), 3 + int(shifts[i, 1])
        out[i] = padded[i, :, dy:dy + size, dx:dx + size]
    return out


def learning_rate(cfg: dict, step: int, total_steps: int, steps_per_epoch: int) -> float:
    """Linear warm-up from ~0 to cfg["lr"], then cosine decay to 0 (or constant)."""
    warmup = int(round(cfg["warmup_epochs"] * steps_per_epoch))
    if step < warmup:
        return cfg["lr"] * (step + 1) / warmup
    if cfg["schedule"] == "constant":
        return cfg["lr"]
    progress = (step - warmup) / max(1, total_steps - warmup)
    return 0.5 * cfg["lr"] * (1 + math.cos(math.pi * progress))


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 500):
    """(mean cross-entropy, accuracy) in eval mode (batch norm uses its running statistics)."""
    model.eval()
    loss_sum, correct = 0.0, 0
    for i in range(0, len(y), batch):
        logits = model(x[i:i + batch])
        loss_sum += F.cross_entropy(logits, y[i:i + batch], reduction="sum").item()
        correct += (logits.argmax(1) == y[i:i + batch]).sum().item()
    model.train()
    return loss_sum / len(y), correct / len(y)


def rounded(values, digits: int = 6):
    return [float(f"{v:.{digits}g}") for v in values]


@functools.lru_cache(maxsize=4)
def cached_shapes(n: int, seed: int, size: int):
    """make_shapes, generated once per process (several runs share the same data)."""
    return make_shapes(n, seed, size=size)


def train(cfg: dict, verbose: bool = True) -> dict:
    """Train one configuration; returns the log (see the module docstring)."""
    torch.set_num_threads(1)
    x_np, y_np = cached_shapes(cfg["n_train"], cfg["data_seed"], cfg["image_size"])
    xv_np, yv_np = cached_shapes(cfg["n_val"], cfg["val_seed"], cfg["image_size"])
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    xv, yv = torch.from_numpy(xv_np), torch.from_numpy(yv_np)
    x_eval, y_eval = x[:cfg["n_train_eval"]], y[:cfg["n_train_eval"]]

    model = make_model(cfg)
    decay, no_decay = [], []
    for p in model.parameters():
        # Weight decay on conv/linear weights only; not on biases or batch-norm scales.
        (decay if p.ndim > 1 else no_decay).append(p)
    groups = [dict(params=decay, weight_decay=cfg["weight_decay"]),
              dict(params=no_decay, weight_decay=0.0)]
    if cfg["optimizer"] == "adamw":
        opt = AdamW(groups, lr=cfg["lr"], betas=(cfg["momentum"], cfg["beta2"]),
                    bias_correction=cfg["bias_correction"])
    elif cfg["optimizer"] == "sgd":
        opt = torch.optim.SGD(groups, lr=cfg["lr"], momentum=cfg["momentum"])
    else:
        raise ValueError(cfg["optimizer"])
    weight_names = [n for n, p in model.named_parameters() if p.ndim > 1]
    weights = [p for p in model.parameters() if p.ndim > 1]

    steps_per_epoch = cfg["n_train"] // cfg["batch_size"]
    total_steps = steps_per_epoch * cfg["epochs"]
    gen = torch.Generator().manual_seed(cfg["init_seed"] + 1000)
    log = dict(config=cfg, weight_names=weight_names, steps_per_epoch=steps_per_epoch,
               step=[], loss=[], lr=[], ratio={n: [] for n in weight_names},
               epoch=[], val_loss=[], val_acc=[], train_loss=[], train_acc=[])
    loss0, acc0 = evaluate(model, xv, yv)
    log["epoch"].append(0)
    log["val_loss"].append(loss0)
    log["val_acc"].append(acc0)
    log["train_loss"].append(evaluate(model, x_eval, y_eval)[0])
    log["train_acc"].append(evaluate(model, x_eval, y_eval)[1])

    started, cpu_started = time.time(), time.process_time()
    step, running = 0, []
    for epoch in range(1, cfg["epochs"] + 1):
        order = torch.randperm(cfg["n_train"], generator=gen)
        for b in range(steps_per_epoch):
            idx = order[b * cfg["batch_size"]:(b + 1) * cfg["batch_size"]]
            xb = augment(x[idx], gen) if cfg["augment"] else x[idx]
            lr = learning_rate(cfg, step, total_steps, steps_per_epoch)
            for group in opt.param_groups:
                group["lr"] = lr
            loss = F.cross_entropy(model(xb), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            logging = step % cfg["log_every"] == 0
            if logging:
                before = [w.detach().clone() for w in weights]
            opt.step()
            running.append(loss.item())
            if logging:
                for n, w, w0 in zip(weight_names, weights, before, strict=True):
                    log["ratio"][n].append(((w.detach() - w0).norm() / w0.norm()).item())
                log["step"].append(step)
                log["loss"].append(float(np.mean(running)))
                log["lr"].append(lr)
                running = []
            if not math.isfinite(loss.item()):
                break
            step += 1
        val_loss, val_acc = evaluate(model, xv, yv)
        tr_loss, tr_acc = evaluate(model, x_eval, y_eval)
        for key, value in (("epoch", epoch), ("val_loss", val_loss), ("val_acc", val_acc),
                           ("train_loss", tr_loss), ("train_acc", tr_acc)):
            log[key].append(value)
        if verbose:
            print(f"epoch {epoch:3d}  train {tr_loss:.3f} {tr_acc:.3f}  val {val_loss:.3f} "
                  f"{val_acc:.3f}  {time.time() - started:.0f}s", flush=True)
        if not math.isfinite(loss.item()):
            break
    for key in ("loss", "lr", "val_loss", "val_acc", "train_loss", "train_acc"):
        log[key] = rounded(log[key])
    log["ratio"] = {n: rounded(r, 4) for n, r in log["ratio"].items()}
    log["seconds"] = round(time.time() - started, 1)
    # CPU time is what a run costs; wall time on a shared machine mostly measures the others.
    log["cpu_seconds"] = round(time.process_time() - cpu_started, 1)
    return log


def config_for(name: str, quick: bool = False) -> dict:
    cfg = dict(BASE, **RUNS[name], name=name)
    if quick:
        cfg.update(QUICK, name="quick")
    return cfg


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", choices=sorted(RUNS), action="append", default=[])
    parser.add_argument("--all", action="store_true", help="every run in RUNS")
    parser.add_argument("--quick", action="store_true",
                        help="the small check run (reference settings, tiny data, 2 epochs)")
    parser.add_argument("--out", type=Path, default=LOG_DIR)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.quick:
        jobs = [config_for("adamw", quick=True)]
    else:
        jobs = [config_for(n) for n in (sorted(RUNS) if args.all else args.run)]
    if not jobs:
        parser.error("name a --run, or pass --all or --quick")
    for cfg in jobs:
        print(f"== {cfg['name']}", flush=True)
        log = train(cfg)
        path = args.out / f"{cfg['name']}.json"
        path.write_text(json.dumps(log, separators=(",", ":")) + "\n")
        print(f"wrote {path} ({log['seconds']} s)", flush=True)


if __name__ == "__main__":
    main()
