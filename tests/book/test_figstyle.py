"""The figure guard of book/tools/figstyle.py and the legibility rule of the browser tests,
each shown to accept a good figure and to reject the faults it exists for."""
from __future__ import annotations

import io
import sys

import pytest

from book_site import BOOK, MIN_DISPLAYED_FONT_PX, displayed_font_px, png_font_metadata

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("agg")
sys.path.insert(0, str(BOOK / "tools"))
import figstyle  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


@pytest.fixture(autouse=True)
def style():
    with matplotlib.rc_context(figstyle.STYLE):
        yield
    plt.close("all")


def test_a_clean_figure_has_no_faults():
    fig, ax = plt.subplots()
    x = np.linspace(0, 1, 50)
    ax.plot(x, 1 - x, label="falling")
    ax.legend(loc="upper right")
    ax.set_title("clean")
    assert figstyle.check(fig) == []


def test_a_legend_over_a_line_is_reported():
    fig, ax = plt.subplots()
    x = np.linspace(0, 1, 50)
    ax.plot(x, 1 - x, label="falling")
    ax.legend(loc="upper left")
    faults = figstyle.check(fig)
    assert any("legend covers" in f for f in faults), faults


def test_a_legend_over_scatter_points_is_reported():
    fig, ax = plt.subplots()
    ax.scatter([0.05, 0.5, 0.95], [0.95, 0.5, 0.05], label="points")
    ax.legend(loc="upper left")
    assert any("legend covers" in f for f in figstyle.check(fig))


def test_overlapping_tick_labels_are_reported():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.set_xticks(np.arange(40))
    faults = figstyle.check(fig)
    assert any("overlapping text" in f for f in faults), faults


def test_overlapping_titles_are_reported():
    fig, axes = plt.subplots(1, 2, figsize=(4, 3), layout="none")
    fig.subplots_adjust(wspace=0.0)
    for ax in axes:
        ax.set_title("a rather long title that runs on")
    assert any("overlapping text" in f for f in figstyle.check(fig))


def test_small_fonts_are_reported():
    fig, ax = plt.subplots()
    ax.set_xlabel("tiny", fontsize=6)
    assert figstyle.min_font_pt(fig) == 6
    assert any("smallest font" in f for f in figstyle.check(fig))


def test_png_records_font_and_dpi(tmp_path):
    fig, ax = plt.subplots()
    ax.set_xlabel("label", fontsize=12)
    path = tmp_path / "figure.png"
    path.write_bytes(figstyle.png_bytes(fig))
    font_pt, dpi = png_font_metadata(path)
    assert dpi == figstyle.DPI
    assert font_pt == pytest.approx(figstyle.min_font_pt(fig))


def test_png_without_metadata_is_recognised(tmp_path):
    fig, _ = plt.subplots()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    path = tmp_path / "plain.png"
    path.write_bytes(buf.getvalue())
    assert png_font_metadata(path) is None


def test_legibility_rule():
    # 10 pt at 100 dpi is 13.9 px at natural size: legible ...
    assert displayed_font_px(10, 100, 640, 640) >= MIN_DISPLAYED_FONT_PX
    # ... but not once a 1100 px figure is squeezed into a 740 px column,
    assert displayed_font_px(10, 100, 740, 1100) < MIN_DISPLAYED_FONT_PX
    # and 8 pt is too small even at natural size.
    assert displayed_font_px(8, 100, 500, 500) < MIN_DISPLAYED_FONT_PX
    with pytest.raises(ValueError):
        displayed_font_px(10, 100, 10, 0)


def test_figure_default_width_fits_the_column():
    width_in = figstyle.STYLE["figure.figsize"][0]
    assert width_in <= figstyle.COLUMN_INCHES
