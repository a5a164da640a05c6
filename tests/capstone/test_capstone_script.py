"""The capstone chapter plots logs precomputed by book/tools/capstone/train.py; these tests
keep the script, its data generator and the committed logs in step with one another."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

CAPSTONE = Path(__file__).resolve().parents[2] / "book" / "tools" / "capstone"
sys.path.insert(0, str(CAPSTONE))

import shapes  # noqa: E402
import train as capstone  # noqa: E402

LOGS = capstone.LOG_DIR


def test_shapes_are_a_pure_function_of_n_and_seed():
    x1, y1 = shapes.make_shapes(40, seed=3)
    x2, y2 = shapes.make_shapes(40, seed=3)
    x3, _ = shapes.make_shapes(40, seed=4)
    assert x1.shape == (40, 1, shapes.SIZE, shapes.SIZE) and x1.dtype == np.float32
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    assert not np.allclose(x1, x3)
    assert np.bincount(y1, minlength=shapes.NUM_CLASSES).tolist() == [5] * shapes.NUM_CLASSES
    assert abs(float(x1.mean())) < 1e-4 and abs(float(x1.std()) - 1) < 1e-4


def test_shape_masks_differ_between_classes():
    """Without texture, clutter and noise each class must still draw a distinct region."""
    yy, xx = np.mgrid[0:shapes.SIZE, 0:shapes.SIZE].astype(float)
    centre, radius = (shapes.SIZE - 1) / 2, 9.0 * shapes.SIZE / 32  # within the radii drawn
    u, v, r = (xx - centre)[None], (yy - centre)[None], np.full((1, 1, 1), radius)
    masks = [(shapes._signed_distance(k, u, v, r) < 0)[0] for k in range(shapes.NUM_CLASSES)]
    for k, mask in enumerate(masks):
        assert 20 < mask.sum() < shapes.SIZE ** 2 / 2, shapes.CLASS_NAMES[k]
        for j in range(k):
            assert (mask != masks[j]).sum() > 10, (shapes.CLASS_NAMES[j], shapes.CLASS_NAMES[k])


def test_our_adamw_is_torchs_and_the_switch_changes_it():
    torch.manual_seed(0)
    params = [torch.randn(5, 3, requires_grad=True) for _ in range(3)]
    ours, theirs, uncorrected = ([p.detach().clone().requires_grad_(True) for p in params]
                                 for _ in range(3))
    opts = [capstone.AdamW(ours, lr=0.01, weight_decay=0.1),
            torch.optim.AdamW(theirs, lr=0.01, weight_decay=0.1),
            capstone.AdamW(uncorrected, lr=0.01, weight_decay=0.1, bias_correction=False)]
    for step in range(4):
        for group, opt in zip((ours, theirs, uncorrected), opts, strict=True):
            opt.zero_grad()
            sum(((p - step) ** 2).sum() for p in group).backward()
            opt.step()
    for a, b, c in zip(ours, theirs, uncorrected, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)
        assert (a - c).abs().max() > 1e-3


def test_models_take_images_of_the_configured_size():
    for name in ("adamw", "adamw_nobn", "mlp"):
        cfg = capstone.config_for(name)
        x = torch.zeros(2, 1, cfg["image_size"], cfg["image_size"])
        assert capstone.make_model(cfg)(x).shape == (2, shapes.NUM_CLASSES), name
    x, _ = shapes.make_shapes(8, seed=0, size=capstone.BASE["image_size"])
    assert x.shape[-2:] == (capstone.BASE["image_size"],) * 2


def test_weights_start_from_he_initialization():
    """std sqrt(2 / fan_in) before a ReLU, sqrt(1 / fan_in) for the output layer; PyTorch's
    default (uniform, std sqrt(1 / (3 fan_in))) would fail both."""
    model = capstone.make_model(capstone.config_for("adamw"))
    weights = [p for p in model.parameters() if p.ndim > 1]
    widest, last = max(weights[:-1], key=lambda w: w.numel()), weights[-1]
    for w, gain in ((widest, 2.0), (last, 1.0)):
        fan_in = w[0].numel()
        assert float(w.detach().std()) == pytest.approx((gain / fan_in) ** 0.5, rel=0.1), w.shape
    without_bn = capstone.make_model(capstone.config_for("adamw_nobn"))
    biases = [m.bias for m in without_bn.modules() if isinstance(m, (torch.nn.Conv2d,
                                                                      torch.nn.Linear))]
    assert len(biases) == 6 and all(float(b.detach().abs().max()) == 0 for b in biases)


def test_schedule_warms_up_then_decays_to_zero():
    cfg = capstone.config_for("adamw")
    per_epoch, total = 10, 10 * cfg["epochs"]
    rates = [capstone.learning_rate(cfg, s, total, per_epoch) for s in range(total)]
    warm = int(cfg["warmup_epochs"] * per_epoch)
    assert rates[0] == pytest.approx(cfg["lr"] / warm)
    assert rates[warm - 1] == pytest.approx(cfg["lr"])
    assert all(a < b for a, b in zip(rates[:warm - 1], rates[1:warm], strict=True))
    assert all(a >= b for a, b in zip(rates[warm:], rates[warm + 1:], strict=False))
    assert rates[-1] < 0.01 * cfg["lr"]


def test_augmentation_only_moves_pixels():
    x = torch.arange(1, 2 * 32 * 32 + 1, dtype=torch.float32).reshape(2, 1, 32, 32)
    out = capstone.augment(x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    for i in range(2):
        kept = out[i][out[i] != 0]
        assert set(kept.tolist()) <= set(x[i].flatten().tolist())
        assert len(kept) >= (32 - 3) ** 2


def test_committed_logs_were_made_with_the_scripts_settings():
    for name in capstone.RUNS:
        log = json.loads((LOGS / f"{name}.json").read_text())
        assert log["config"] == capstone.config_for(name), name
        assert len(log["val_acc"]) == log["config"]["epochs"] + 1, name
        assert set(log["ratio"]) == set(log["weight_names"]), name
        assert 0 < log["cpu_seconds"], name


@pytest.mark.slow
def test_quick_run_reproduces_the_committed_quick_log():
    """What the chapter also asserts at build time (there it is bounded to ~3 s)."""
    log = capstone.train(capstone.config_for("adamw", quick=True), verbose=False)
    saved = json.loads((LOGS / "quick.json").read_text())
    assert log["config"] == saved["config"]
    for key in ("loss", "lr", "val_loss", "val_acc", "train_loss", "train_acc"):
        np.testing.assert_allclose(log[key], saved[key], rtol=0, atol=1e-3, err_msg=key)
    for name in log["weight_names"]:
        np.testing.assert_allclose(log["ratio"][name], saved["ratio"][name], rtol=1e-2,
                                   err_msg=name)
