"""One figure style for every chapter, and a guard that checks each figure as it is shown.

A chapter's first (hidden) cell does

    sys.path.insert(0, os.path.abspath("../tools")); import figstyle; figstyle.use()

after which every matplotlib figure a cell displays is

* drawn with fonts of at least MIN_FONT_PT points at DPI dots per inch, and saved as a PNG that
  carries its smallest font size and its dpi as text chunks (``figure-min-font-pt``,
  ``figure-dpi``). tests/book/ reads them back from the built site and compares them with the
  width at which the browser shows the image: a figure wider than the column is scaled down,
  and its fonts with it.
* checked for the two layout faults readers notice first: text that overlaps other text (tick
  labels, titles, axis labels, legend entries) and a legend drawn on top of plotted data. Either
  is reported on stderr, and the book build treats anything on stderr as an error, so a figure
  with such a fault cannot be published.

The checks only look at what a reader sees: visible, non-empty text, and lines and markers
inside the axes.
"""
from __future__ import annotations

import io
import sys

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.text import Text

# Fonts are drawn at least this large (points at DPI); the browser tests demand at least
# 9 points *as displayed* after the page has scaled the image to the column.
MIN_FONT_PT = 9.0
# Pixels per inch of the saved PNG. The text column of the book theme is about 740 CSS px wide
# on a desktop, so a figure up to COLUMN_INCHES wide is shown at its natural size.
DPI = 100
COLUMN_INCHES = 7.2
PNG_KEY_FONT = "figure-min-font-pt"
PNG_KEY_DPI = "figure-dpi"

STYLE = {
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "figure.figsize": (6.4, 4.0),
    "font.size": 11,
    "axes.titlesize": 11,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.title_fontsize": 10,
    "figure.titlesize": 12,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "figure.constrained_layout.use": True,
}


def _visible_texts(fig: Figure) -> list[Text]:
    """Every piece of text the reader sees: titles, labels, tick labels in view, legends, notes."""
    candidates = list(fig.texts)
    for name in ("_suptitle", "_supxlabel", "_supylabel"):
        candidates.append(getattr(fig, name, None))
    for legend in fig.legends:
        candidates += legend.get_texts() + [legend.get_title()]
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        candidates += [ax.title, getattr(ax, "_left_title", None), getattr(ax, "_right_title", None)]
        candidates += list(ax.texts)
        for axis in (ax.xaxis, ax.yaxis):
            if not axis.get_visible():
                continue
            candidates += [axis.label, axis.get_offset_text()]
            # compare positions on the axis's own scale (log axes: in decades)
            scale = axis.get_transform()
            lo, hi = sorted(scale.transform(np.asarray(axis.get_view_interval(), dtype=float)))
            span = (hi - lo) or 1.0
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not tick.get_visible() or tick.get_loc() is None:
                    continue
                with np.errstate(divide="ignore", invalid="ignore"):
                    loc = float(scale.transform(np.array([tick.get_loc()], dtype=float))[0])
                if not (np.isfinite(loc) and lo - 1e-9 * span <= loc <= hi + 1e-9 * span):
                    continue  # created but not drawn
                candidates += [tick.label1, tick.label2]
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            candidates += legend.get_texts() + [legend.get_title()]
    seen, texts = set(), []
    for text in candidates:
        if text is None or id(text) in seen:
            continue
        seen.add(id(text))
        if text.get_visible() and text.get_text().strip():
            texts.append(text)
    return texts


def min_font_pt(fig: Figure) -> float:
    """Smallest font size (points) of any visible text in the figure."""
    sizes = [t.get_fontsize() for t in _visible_texts(fig)]
    return float(min(sizes)) if sizes else float("inf")


def _overlapping_texts(fig: Figure, renderer) -> list[tuple[str, str]]:
    boxes = []
    for text in _visible_texts(fig):
        try:
            box = text.get_window_extent(renderer)
        except RuntimeError:
            continue
        if box.width > 0 and box.height > 0:
            boxes.append((text.get_text(), box))
    clashes = []
    for i, (name_a, a) in enumerate(boxes):
        for name_b, b in boxes[i + 1:]:
            # a 1-pixel tolerance: glyph boxes of neighbouring tick labels may touch
            if (min(a.x1, b.x1) - max(a.x0, b.x0) > 1.0) and (min(a.y1, b.y1) - max(a.y0, b.y0) > 1.0):
                clashes.append((name_a, name_b))
    return clashes


def _data_points_display(ax) -> np.ndarray:
    """Display coordinates of the vertices (and segment midpoints) of lines and scatter points."""
    points = []
    for line in ax.get_lines():
        if not line.get_visible():
            continue
        xy = np.column_stack(line.get_data(orig=False)).astype(float)
        if len(xy) == 0 or line.get_transform() != ax.transData:
            continue  # axhline/axvline and friends live in mixed coordinates
        xy = xy[np.all(np.isfinite(xy), axis=1)]
        if len(xy) > 1:
            xy = np.vstack([xy, (xy[1:] + xy[:-1]) / 2])
        points.append(line.get_transform().transform(xy))
    for coll in ax.collections:
        offsets = getattr(coll, "get_offsets", lambda: np.empty((0, 2)))()
        if coll.get_visible() and len(offsets) and coll.get_offset_transform() == ax.transData:
            offsets = np.asarray(offsets, dtype=float)
            points.append(ax.transData.transform(offsets[np.all(np.isfinite(offsets), axis=1)]))
    if not points:
        return np.empty((0, 2))
    shown = np.vstack(points)
    box = ax.get_window_extent()
    inside = ((shown[:, 0] >= box.x0) & (shown[:, 0] <= box.x1)
              & (shown[:, 1] >= box.y0) & (shown[:, 1] <= box.y1))
    return shown[inside]


def _legends_over_data(fig: Figure, renderer) -> list[str]:
    faults = []
    legends = [(leg, leg.axes) for leg in fig.findobj(Legend) if leg.get_visible()]
    for legend, _ in legends:
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            pts = _data_points_display(ax)
            inside = ((pts[:, 0] > box.x0) & (pts[:, 0] < box.x1)
                      & (pts[:, 1] > box.y0) & (pts[:, 1] < box.y1))
            if inside.any():
                title = ax.get_title() or "an axes"
                faults.append(f"legend covers {int(inside.sum())} plotted point(s) in '{title}'")
    return faults


def check(fig: Figure) -> list[str]:
    """Layout faults of a figure, as sentences (empty when there are none)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    faults = [f"overlapping text: {a!r} and {b!r}" for a, b in _overlapping_texts(fig, renderer)]
    faults += _legends_over_data(fig, renderer)
    size = min_font_pt(fig)
    if size < MIN_FONT_PT:
        faults.append(f"smallest font is {size:g} pt, below {MIN_FONT_PT:g} pt")
    return faults


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG with its smallest font and dpi recorded; layout faults go to stderr."""
    title = fig._suptitle.get_text() if fig._suptitle is not None else ""
    if not title:
        title = next((ax.get_title() for ax in fig.axes if ax.get_title()), "untitled figure")
    for fault in check(fig):
        print(f"figure {title!r}: {fault}", file=sys.stderr)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", facecolor="white",
                metadata={PNG_KEY_FONT: f"{min_font_pt(fig):g}", PNG_KEY_DPI: f"{DPI}"})
    return buf.getvalue()


def use() -> None:
    """Apply the style and route every displayed figure through png_bytes."""
    mpl.rcParams.update(STYLE)
    import matplotlib.pyplot as plt  # noqa: F401  (activates the inline backend first)
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return
    try:
        from matplotlib_inline.backend_inline import configure_inline_support
        configure_inline_support(shell, "module://matplotlib_inline.backend_inline")
    except ImportError:
        pass
    formatters = shell.display_formatter.formatters
    formatters["image/png"].for_type(Figure, png_bytes)
    # Only the PNG: no second copy of each figure as text or SVG.
    for mime in ("image/svg+xml", "application/pdf", "image/jpeg", "text/html"):
        formatters[mime].type_printers.pop(Figure, None)
    mpl.rcParams.update(STYLE)
