"""Textured shapes in clutter: a procedurally generated image-classification set.

Every image is SIZE x SIZE, one channel, float32 with zero mean and unit variance over the
set. Each holds one of eight shapes (``CLASS_NAMES``) at a random position, size and
rotation. The shape is filled with an oriented grating and sits on a background with a
different grating, a few random line segments and blobs (clutter) and Gaussian pixel
noise; the contrast between shape and background is random and can be of either sign.
So neither the mean brightness, nor any fixed pixel, nor the texture tells the class:
only the outline does, wherever it is. That is the job convolutions and pooling are
built for.

Every class is closed under flips and quarter turns (a flipped triangle is a triangle),
so those are label-preserving augmentations.

The set is a pure function of its arguments: ``make_shapes(n, seed)`` always returns the
same arrays, so nothing is downloaded and nothing needs to be stored.
"""
from __future__ import annotations

import numpy as np

SIZE = 24
# Difficulty. Chosen so that the capstone's CNN can learn the set well in a few minutes of one
# CPU core while a multilayer perceptron cannot (chapter 13 shows both); the first version, with
# twice the clutter, noise 0.35 and textures up to 0.6, left the CNN at about 55 %.
NOISE = 0.25          # std of the Gaussian pixel noise (the shape's contrast is 0.7 to 1.3)
TEXTURE_MAX = 0.25    # amplitude of the gratings, drawn from [TEXTURE_MAX / 3, TEXTURE_MAX]
CONTRAST_MIN = 0.7    # |contrast| between shape and background, drawn from [CONTRAST_MIN, 1.3]
N_SEGMENTS = 1        # clutter: random line segments per image
N_BLOBS = 1           # clutter: random blobs per image
CLASS_NAMES = ("disk", "ring", "square", "frame", "triangle", "cross", "crescent", "ellipse")
NUM_CLASSES = len(CLASS_NAMES)


def _signed_distance(kind: int, u: np.ndarray, v: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Approximate signed distance (pixels, negative inside) to shape ``kind``.

    u, v: (n, SIZE, SIZE) coordinates in the shape's own rotated frame; r: (n, 1, 1) radius.
    """
    radius = np.hypot(u, v)
    if kind == 0:  # disk
        return radius - r
    if kind == 1:  # ring: a disk minus a concentric disk of 55 % the radius
        return np.maximum(radius - r, 0.55 * r - radius)
    if kind == 2:  # square of half-side 0.85 r (same area as a disk of radius ~0.96 r)
        return np.maximum(np.abs(u), np.abs(v)) - 0.85 * r
    if kind == 3:  # frame: a square minus a concentric square
        box = np.maximum(np.abs(u), np.abs(v))
        return np.maximum(box - 0.9 * r, 0.5 * r - box)
    if kind == 4:  # equilateral triangle with circumradius 1.3 r
        sides = [u * np.cos(a) + v * np.sin(a) for a in (np.pi / 2, np.pi / 2 + 2 * np.pi / 3,
                                                          np.pi / 2 + 4 * np.pi / 3)]
        return np.maximum(np.maximum(sides[0], sides[1]), sides[2]) - 0.65 * r
    if kind == 5:  # plus sign: union of two bars of half-width 0.3 r
        bar_u = np.maximum(np.abs(u) - r, np.abs(v) - 0.3 * r)
        bar_v = np.maximum(np.abs(v) - r, np.abs(u) - 0.3 * r)
        return np.minimum(bar_u, bar_v)
    if kind == 6:  # crescent: a disk minus a shifted disk
        return np.maximum(radius - r, 0.8 * r - np.hypot(u - 0.45 * r, v))
    if kind == 7:  # ellipse with axes r and 0.45 r (distance rescaled to pixels roughly)
        return (np.hypot(u / r, v / (0.45 * r)) - 1.0) * 0.6 * r
    raise ValueError(f"unknown shape kind {kind}")


def _grating(rng: np.random.Generator, n: int, yy: np.ndarray, xx: np.ndarray) -> np.ndarray:
    """(n, SIZE, SIZE) sinusoidal gratings with random orientation, frequency and phase."""
    theta = rng.uniform(0, np.pi, (n, 1, 1))
    freq = rng.uniform(0.12, 0.35, (n, 1, 1))  # cycles per pixel
    phase = rng.uniform(0, 2 * np.pi, (n, 1, 1))
    return np.sin(2 * np.pi * freq * (xx * np.cos(theta) + yy * np.sin(theta)) + phase)


def _segment_distance(px, py, ax, ay, bx, by):
    """Distance from points (px, py) to segments a-b (all broadcastable arrays)."""
    dx, dy = bx - ax, by - ay
    t = np.clip(((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy + 1e-9), 0.0, 1.0)
    return np.hypot(px - ax - t * dx, py - ay - t * dy)


def make_shapes(n: int, seed: int, size: int = SIZE, noise: float = NOISE,
                texture_max: float = TEXTURE_MAX, contrast_min: float = CONTRAST_MIN,
                n_segments: int = N_SEGMENTS, n_blobs: int = N_BLOBS
                ) -> tuple[np.ndarray, np.ndarray]:
    """Return images (n, 1, size, size) float32 and labels (n,) int64 (balanced, shuffled).

    The keyword arguments set the difficulty (their defaults are the module's constants):
    pixel noise, the largest texture amplitude, the smallest shape contrast, and how many
    line segments and blobs of clutter each image gets. Shapes scale with ``size``.
    """
    SIZE = size  # noqa: N806  (the helpers above are written for the module's default)
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % NUM_CLASSES)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    yy, xx = yy[None], xx[None]

    # Radii of 6 to 10 pixels at 32 x 32, in proportion at other sizes.
    radius = rng.uniform(6.0, 10.0, (n, 1, 1)) * SIZE / 32
    margin = radius + 1.0
    cx = rng.uniform(margin, SIZE - 1 - margin)
    cy = rng.uniform(margin, SIZE - 1 - margin)
    angle = rng.uniform(0, 2 * np.pi, (n, 1, 1))
    du, dv = xx - cx, yy - cy
    u = du * np.cos(angle) + dv * np.sin(angle)
    v = -du * np.sin(angle) + dv * np.cos(angle)

    distance = np.empty((n, SIZE, SIZE))
    for kind in range(NUM_CLASSES):
        rows = labels == kind
        distance[rows] = _signed_distance(kind, u[rows], v[rows], radius[rows])
    shape_mask = np.clip(0.5 - distance, 0.0, 1.0)  # one-pixel anti-aliased edge

    contrast = rng.uniform(contrast_min, 1.3, (n, 1, 1)) * rng.choice([-1.0, 1.0], (n, 1, 1))
    texture_amplitude = rng.uniform(texture_max / 3, texture_max, (n, 1, 1))
    foreground = contrast + texture_amplitude * _grating(rng, n, yy, xx)
    background = texture_amplitude * _grating(rng, n, yy, xx)
    image = shape_mask * foreground + (1 - shape_mask) * background

    # Clutter: line segments and blobs, drawn over everything.
    ends = rng.uniform(-2, SIZE + 1, (n, n_segments, 4, 1, 1))
    seg_distance = _segment_distance(xx[:, None], yy[:, None], ends[:, :, 0], ends[:, :, 1],
                                     ends[:, :, 2], ends[:, :, 3])
    seg_value = rng.uniform(-1.0, 1.0, (n, n_segments, 1, 1))
    seg_alpha = np.clip(1.2 - seg_distance, 0.0, 1.0)
    for k in range(n_segments):
        image = (1 - seg_alpha[:, k]) * image + seg_alpha[:, k] * seg_value[:, k]
    blob_xy = rng.uniform(0, SIZE - 1, (n, n_blobs, 2, 1, 1))
    blob_r = rng.uniform(1.5, 3.0, (n, n_blobs, 1, 1))
    blob_value = rng.uniform(-1.0, 1.0, (n, n_blobs, 1, 1))
    blob_alpha = np.clip(blob_r + 0.5 - np.hypot(xx[:, None] - blob_xy[:, :, 0],
                                                 yy[:, None] - blob_xy[:, :, 1]), 0.0, 1.0)
    for k in range(n_blobs):
        image = (1 - blob_alpha[:, k]) * image + blob_alpha[:, k] * blob_value[:, k]

    image = image + noise * rng.standard_normal(image.shape)
    image = (image - image.mean()) / image.std()
    return image[:, None].astype(np.float32), labels.astype(np.int64)
