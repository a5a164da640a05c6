"""One figure style for every chapter, and a guard that checks each figure as it is shown.

A chapter's first (hidden) cell does

    sys.path.insert(0, os.path.abspath("../tools")); import figstyle; figstyle.use()

after which every matplotlib figure a cell displays is

* drawn with FONT_PT fonts at DPI dots per inch and shown at its true size (one inch of figure is
  CSS_PX_PER_INCH CSS pixels, so an 11 pt label reads as 11 pt text), never wider than the text
  column: on a narrower screen the browser scales it down, and its fonts with it;
* saved as a PNG that carries its smallest font size, its dpi and how it meets a phone screen
  as text chunks (``figure-min-font-pt``, ``figure-dpi``, ``figure-phone``); tests/book/ reads
  them back from the built site and measures the width at which the browser shows each image;
* checked for the faults readers notice first: text that overlaps other text (tick labels,
  titles, axis labels, legend entries), a legend drawn on top of plotted data, and a font that
  would be shown smaller than MIN_FONT_PT once the figure is shrunk into a phone's column. Each
  is reported on stderr, and the book build treats anything on stderr as an error, so a figure
  with such a fault cannot be published.

The legibility rule, on every screen: shown font = drawn font x shown width / drawn width
>= MIN_FONT_PT. With FONT_PT text a figure may therefore be at most COLUMN_INCHES wide; draw
multi-panel figures stacked at that width. A figure that truly needs more room (small multiples)
is marked with ``scrolls(fig)`` and its cell with the image class ``natural-size``: it keeps its
size and scrolls sideways inside its own box on a narrow screen (book-layout.css).

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
from matplotlib.transforms import ScaledTranslation

# ---- Sizes: every number about how large figures are drawn and shown is written here once. ----
# CSS fixes 1 in = 96 px and 1 pt = 1/72 in, whatever the screen.
CSS_PX_PER_INCH = 96.0
# No reader is shown a figure font smaller than this, on any screen (9 pt = 12 CSS px).
MIN_FONT_PT = 9.0
MIN_FONT_CSS_PX = MIN_FONT_PT * CSS_PX_PER_INCH / 72.0
# Width of the text column in which the book theme shows a cell's output on a 390 px wide phone
# (measured in Chromium; the narrowest screen the book is tested on), and on a 1280 px desktop.
PHONE_VIEWPORT_PX = 390
PHONE_COLUMN_PX = 358
DESKTOP_VIEWPORT_PX = 1280
DESKTOP_COLUMN_PX = 752
# Every text in a figure is drawn at this size unless a figure asks for more.
FONT_PT = 11.0
# The widest figure whose FONT_PT text is still MIN_FONT_PT when shrunk into the phone column
# (4.56 in); figures are drawn FIGURE_INCHES wide by default, a little less, because a tight
# bounding box can add a few hundredths of an inch of overhanging text.
COLUMN_INCHES = PHONE_COLUMN_PX / CSS_PX_PER_INCH * FONT_PT / MIN_FONT_PT
FIGURE_INCHES = 4.4
# Image pixels per inch: two per CSS pixel, so text stays sharp on high-density (phone) screens.
DPI = 192
PNG_KEY_FONT = "figure-min-font-pt"
PNG_KEY_DPI = "figure-dpi"
# "fits": shrinks with the column; "scrolls": keeps its size and scrolls sideways when too wide.
PNG_KEY_PHONE = "figure-phone"

STYLE = {
    # Layout and the checks run on a 100 dpi canvas (cheaper; the overlap tolerance is one pixel
    # of it); only the saved PNG is rendered at DPI.
    "figure.dpi": 100,
    "savefig.dpi": DPI,
    "figure.figsize": (FIGURE_INCHES, 3.0),
    "font.size": FONT_PT,
    "axes.titlesize": FONT_PT,
    "axes.labelsize": FONT_PT,
    "xtick.labelsize": FONT_PT,
    "ytick.labelsize": FONT_PT,
    "legend.fontsize": FONT_PT,
    "legend.title_fontsize": FONT_PT,
    "figure.titlesize": FONT_PT + 1,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "figure.constrained_layout.use": True,
    # the tight bounding box's margin (matplotlib's default 0.1 in would eat into the width)
    "savefig.pad_inches": 0.04,
}


def column(height_in: float) -> tuple[float, float]:
    """figsize of a figure as wide as the column (FIGURE_INCHES) and height_in inches tall."""
    return (FIGURE_INCHES, height_in)


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


def legend_below(ax, ncol: int = 1, **kwargs) -> Legend:
    """A legend centred under the axes' x label, where at column width it cannot cover data;
    constrained layout makes room for it. Up to ncol columns, fewer when the legend would stick
    out far beyond the axes: constrained layout then narrows the axes by the overhang, and a
    legend much wider than the room beside the y labels would squeeze them to a sliver.
    kwargs go to ax.legend."""
    fig = ax.figure
    # No draw needed: the axis places its tick labels and label when asked for their box, and
    # their size in inches does not depend on where the layout puts the axes.
    renderer = fig.canvas.get_renderer()
    axes_box = ax.get_window_extent(renderer)
    below_axis = ax.xaxis.get_tightbbox(renderer)
    left_of_axis = ax.yaxis.get_tightbbox(renderer)
    drop = (axes_box.y0 - below_axis.y0) / fig.dpi if below_axis else 0.0
    # width the axes will get: its share of the figure minus its y labels and a margin
    spec = ax.get_subplotspec()
    share = len(spec.colspan) / spec.get_gridspec().ncols if spec is not None else 1.0
    room = share * fig.bbox.width - (axes_box.x0 - left_of_axis.x0 if left_of_axis else 0.0) - 0.1 * fig.dpi
    # anchored in axes coordinates, then moved down by the labels' height in inches
    below = ax.transAxes + ScaledTranslation(0, -(drop + 0.04), fig.dpi_scale_trans)
    options = {"loc": "upper center", "bbox_to_anchor": (0.5, 0.0), "bbox_transform": below,
               "borderaxespad": 0.2, **kwargs}
    for columns in range(max(ncol, 1), 0, -1):
        legend = ax.legend(ncol=columns, **options)
        # centred, it may overhang both sides; the axes keep 2 * room - width, at least 90 % of room
        if legend.get_window_extent(renderer).width <= 1.1 * room:
            break
    return legend


def scrolls(fig: Figure) -> Figure:
    """Mark a figure too detailed to shrink (small multiples): on a screen narrower than the
    figure it keeps its size and scrolls sideways inside its own box. Its cell needs the image
    class that lets it (cell metadata ``mystnb: image: classes: natural-size``); the browser
    tests fail if a figure is shown shrunk below MIN_FONT_PT anyway."""
    fig._figstyle_scrolls = True
    return fig


def shown_width_css_px(image_width_px: int, dpi: float = DPI) -> float:
    """CSS width at which a PNG image_width_px wide, drawn at dpi, is shown at its true size."""
    return image_width_px * CSS_PX_PER_INCH / dpi


def shown_font_pt(font_pt: float, drawn_width_css_px: float, column_px: float) -> float:
    """Size at which a font drawn font_pt large is read once the figure (true size
    drawn_width_css_px) is fitted into a column column_px wide: scaled down, never up."""
    return font_pt * min(1.0, column_px / drawn_width_css_px)


def check(fig: Figure) -> list[str]:
    """Layout faults of a figure as drawn, as sentences (empty when there are none)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    faults = [f"overlapping text: {a!r} and {b!r}" for a, b in _overlapping_texts(fig, renderer)]
    faults += _legends_over_data(fig, renderer)
    size = min_font_pt(fig)
    if size < MIN_FONT_PT:
        faults.append(f"smallest font is {size:g} pt, below {MIN_FONT_PT:g} pt")
    return faults


def phone_faults(font_pt: float, image_width_px: int, fig_scrolls: bool) -> list[str]:
    """The legibility rule on the narrowest screen, for a saved figure (empty when it holds)."""
    if fig_scrolls:
        return []
    width_css = shown_width_css_px(image_width_px)
    shown = shown_font_pt(font_pt, width_css, PHONE_COLUMN_PX)
    if shown >= MIN_FONT_PT - 1e-9:
        return []
    widest_in = PHONE_COLUMN_PX / CSS_PX_PER_INCH * font_pt / MIN_FONT_PT
    return [f"on a {PHONE_VIEWPORT_PX} px phone this {width_css / CSS_PX_PER_INCH:.2f} in wide figure is "
            f"shrunk to {PHONE_COLUMN_PX / width_css:.0%} and its smallest font ({font_pt:g} pt) to "
            f"{shown:.1f} pt, below {MIN_FONT_PT:g} pt: draw it at most {widest_in:.2f} in wide "
            f"(stack panels), use larger fonts, or mark it figstyle.scrolls(fig)"]


def _describe(fig: Figure) -> str:
    title = fig._suptitle.get_text() if fig._suptitle is not None else ""
    if not title:
        title = next((ax.get_title() for ax in fig.axes if ax.get_title()), "untitled figure")
    return title


def png_with_width(fig: Figure) -> tuple[bytes, dict]:
    """The figure as PNG (smallest font, dpi and phone behaviour recorded in it) and the
    display metadata that shows it at its true size; every fault goes to stderr."""
    faults = check(fig)
    font = min_font_pt(fig)
    fig_scrolls = bool(getattr(fig, "_figstyle_scrolls", False))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", pad_inches=STYLE["savefig.pad_inches"],
                facecolor="white",
                metadata={PNG_KEY_FONT: f"{font:g}", PNG_KEY_DPI: f"{DPI}",
                          PNG_KEY_PHONE: "scrolls" if fig_scrolls else "fits"})
    data = buf.getvalue()
    width_px = int.from_bytes(data[16:20], "big")  # the PNG header's IHDR width field
    faults += phone_faults(font, width_px, fig_scrolls)
    for fault in faults:
        print(f"figure {_describe(fig)!r}: {fault}", file=sys.stderr)
    return data, {"width": round(shown_width_css_px(width_px))}


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG (see png_with_width); faults go to stderr."""
    return png_with_width(fig)[0]


def use() -> None:
    """Apply the style and route every displayed figure through png_with_width."""
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
    # (bytes, metadata): myst-nb turns the metadata's "width" into the image's width, so the
    # figure is shown at its true size (and CSS max-width keeps it inside the column).
    formatters["image/png"].for_type(Figure, png_with_width)
    # Only the PNG: no second copy of each figure as text or SVG.
    for mime in ("image/svg+xml", "application/pdf", "image/jpeg", "text/html"):
        formatters[mime].type_printers.pop(Figure, None)
    mpl.rcParams.update(STYLE)
