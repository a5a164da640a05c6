"""The figure guard of book/tools/figstyle.py and the legibility rule of the browser tests,
each shown to accept a good figure and to reject the faults it exists for."""
from __future__ import annotations

import io
import sys

import pytest

from book_site import (BOOK, MIN_DISPLAYED_FONT_PX, displayed_font_px, png_font_metadata,
                       png_phone_behaviour)

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
    assert png_phone_behaviour(path) == "fits"


def test_a_figure_is_shown_at_its_true_size():
    fig, _ = plt.subplots(figsize=figstyle.column(2.0))
    data, metadata = figstyle.png_with_width(fig)
    width_px = int.from_bytes(data[16:20], "big")
    assert metadata["width"] == round(width_px * 96 / figstyle.DPI)
    # the tight box stays within a few hundredths of an inch of the drawn width
    assert abs(metadata["width"] / 96 - figstyle.FIGURE_INCHES) < 0.15


def test_a_column_figure_passes_the_phone_rule(capsys):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    ax.set_title("a title of ordinary length")
    figstyle.png_bytes(fig)
    assert capsys.readouterr().err == ""


def test_a_figure_too_wide_for_a_phone_is_reported(capsys):
    fig, ax = plt.subplots(figsize=(6.4, 4.0))  # the old default: fine on a desktop, 8.5 pt on a phone
    ax.plot([0, 1], [1, 0])
    figstyle.png_bytes(fig)
    err = capsys.readouterr().err
    assert "on a 390 px phone" in err and "below 9 pt" in err, err


def test_a_scrolling_figure_keeps_its_size_and_says_so(tmp_path, capsys):
    fig = figstyle.scrolls(plt.figure(figsize=(13, 4)))
    fig.subplots().plot([0, 1], [1, 0])
    path = tmp_path / "wide.png"
    path.write_bytes(figstyle.png_bytes(fig))
    assert capsys.readouterr().err == ""
    assert png_phone_behaviour(path) == "scrolls"


@pytest.mark.parametrize("font_pt, width_in, legible", [(11, 4.5, True), (11, 4.7, False),
                                                         (9, 3.7, True), (9, 3.8, False)])
def test_phone_rule_at_its_edges(font_pt, width_in, legible):
    width_px = round(width_in * figstyle.DPI)
    assert (figstyle.phone_faults(font_pt, width_px, fig_scrolls=False) == []) is legible
    assert figstyle.phone_faults(font_pt, width_px, fig_scrolls=True) == []


def test_legend_below_clears_the_data():
    x = np.linspace(0, 1, 50)
    fig, ax = plt.subplots()
    for k in range(4):
        ax.plot(x, x ** k, label=f"power {k}")
    ax.legend(loc="upper left")
    assert any("legend covers" in f for f in figstyle.check(fig))
    ax.get_legend().remove()
    figstyle.legend_below(ax, ncol=2)
    assert figstyle.check(fig) == []
    legend_top = ax.get_legend().get_window_extent().y1
    labels_bottom = ax.xaxis.get_tightbbox(fig.canvas.get_renderer()).y0
    assert legend_top <= labels_bottom + 1


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


def test_sizes_are_consistent():
    """The default figure keeps FONT_PT text at MIN_FONT_PT or more in the phone column."""
    width_in = figstyle.STYLE["figure.figsize"][0]
    assert width_in == figstyle.FIGURE_INCHES < figstyle.COLUMN_INCHES
    shown = figstyle.shown_font_pt(figstyle.FONT_PT, width_in * figstyle.CSS_PX_PER_INCH, figstyle.PHONE_COLUMN_PX)
    assert shown >= figstyle.MIN_FONT_PT
    assert figstyle.shown_font_pt(figstyle.FONT_PT, 300, figstyle.PHONE_COLUMN_PX) == figstyle.FONT_PT  # never enlarged
    assert figstyle.MIN_FONT_CSS_PX == MIN_DISPLAYED_FONT_PX == 12
