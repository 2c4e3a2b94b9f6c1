"""What every figure shares: the two colour families, the Context, bars with intervals, titles."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from cookbook.chapters.performance.bench.statistics import bootstrap_median

LIVE = "#08519c"
REFERENCE = "#6baed6"
OURS_LINES = ("#08519c", "#4292c6", "#1b7e8a", "#6a51a3", "#9ecae1", "#084594")
"""Cool colours for several lines of ours (loads, drivers)."""
DRIVERS = {"overlay2": OURS_LINES[0], "vfs": OURS_LINES[2]}
"""One colour per storage driver of ours, the same in every figure."""
PUBLISHED = ("#d95f02", "#a6611a", "#e6ab02", "#8c2d04")
"""Warm colours for published figures."""
HATCH = "//"


@dataclass
class Context:
    """What every figure needs besides our table.

    Attributes:
        published: The published figures (:func:`cookbook.chapters.performance.bench.published`).
        reference: The committed reference run's tables by name ({} to leave it out).
        live_label: Legend words for this run ("this run, quick").
        reference_label: Legend words for the reference run ("reference, full, 2025-11-30").
    """

    published: pd.DataFrame
    reference: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    live_label: str = "this run"
    reference_label: str = "reference run"


def axes(ax: Axes | None, size: tuple[float, float] = (7.5, 3.8)) -> Axes:
    """``ax``, or the Axes of a new figure of ``size`` inches where it is None."""
    if ax is not None:
        return ax
    _, made = plt.subplots(figsize=size, layout="constrained")
    return made


def published_value(published: pd.DataFrame, benchmark: str, configuration: str, metric: str | None = None) -> float:
    """The published figure for ``benchmark`` under ``configuration`` (and ``metric``); NaN if there is none."""
    rows = published[(published["benchmark"] == benchmark) & (published["configuration"] == configuration)]
    if metric is not None:
        rows = rows[rows["metric"] == metric]
    return float(rows["value"].iloc[0]) if len(rows) else float("nan")


@dataclass
class Series:
    """One series of bars: ours (median with a 95 % interval) or a published figure (a bare value).

    Attributes:
        label: Legend text.
        color: Bar colour.
        values: Category → (median, low, high); a published figure has low = high = value.
        published: Draw hatched and without an error bar.
    """

    label: str
    color: str
    values: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    published: bool = False


def _intervals(df: pd.DataFrame | None, category: Callable[[pd.Series], str], value: str) -> dict[str, tuple]:
    """Category → (median, low, high) of ``value`` per category (rows grouped by ``category(row)``)."""
    if df is None or df.empty:
        return {}
    keys = df.apply(category, axis=1)
    return {key: bootstrap_median(part[value]) for key, part in df.groupby(keys, sort=False)}


def _rounds(df: pd.DataFrame | None) -> str:
    return f", {df['pair'].nunique()} rounds" if df is not None and "pair" in df and len(df) else ""


def our_series(
    ctx: Context,
    live: pd.DataFrame | None,
    reference: pd.DataFrame | None,
    category: Callable[[pd.Series], str],
    value: str = "ratio",
    live_rounds: pd.DataFrame | None = None,
    reference_rounds: pd.DataFrame | None = None,
) -> list[Series]:
    """Our two series: this run and the reference run, each labelled with its rounds."""
    made = [
        Series(
            f"ours: {ctx.live_label}{_rounds(live_rounds if live_rounds is not None else live)}",
            LIVE,
            _intervals(live, category, value),
        )
    ]
    if reference is not None:
        rounds = _rounds(reference_rounds if reference_rounds is not None else reference)
        made.append(Series(f"ours: {ctx.reference_label}{rounds}", REFERENCE, _intervals(reference, category, value)))
    return [s for s in made if s.values]


def bars(ax: Axes, categories: Sequence[str], series: Sequence[Series], log: bool = False) -> None:
    """Grouped bars: one group per category, one slot per series that has a value there (:func:`legend` names them)."""
    width = 0.8 / max(1, len(series))
    for slot, one in enumerate(series):
        xs, ys, low, high = [], [], [], []
        for index, category in enumerate(categories):
            if category in one.values and not np.isnan(one.values[category][0]):
                median, lo, hi = one.values[category]
                xs.append(index - 0.4 + width * (slot + 0.5))
                ys.append(median)
                low.append(max(median - lo, 0))
                high.append(max(hi - median, 0))
        if not xs:
            continue
        if one.published:
            ax.bar(xs, ys, width, color=one.color, hatch=HATCH, edgecolor="white", label=one.label)
        else:
            ax.bar(
                xs,
                ys,
                width,
                color=one.color,
                label=one.label,
                yerr=[low, high],
                capsize=3,
                error_kw={"elinewidth": 1, "ecolor": "#222222"},
            )
    ax.set_xticks(range(len(categories)), categories, fontsize=9)
    if log:
        ax.set_yscale("log")


def stack_words(ax: Axes) -> None:
    """One word per line in the x tick labels, so that long neighbours at 9 pt do not overlap."""
    ax.set_xticks(ax.get_xticks(), [label.get_text().replace(" ", "\n") for label in ax.get_xticklabels()], fontsize=9)


def reference_line(ax: Axes, y: float = 1.0, text: str = "= 1: no difference") -> None:
    """A dashed grey line across ``ax`` at ``y``, named ``text`` in the legend."""
    ax.axhline(y, color="grey", lw=0.8, ls="--", label=text)


def legend(ax: Axes, pad: float = 0.04) -> None:
    """The legend at the top of ``ax``, with the y axis raised until no bar, whisker or point is under it.

    Two columns where they fit the axes' width, else one. Call it last: it reads the drawn layout.

    Args:
        ax: A chart whose bars, lines and y limits are final.
        pad: Room left between the highest mark and the legend, as a fraction of the axes' height.
    """
    figure = ax.get_figure(root=True)
    if figure is None:
        return
    handles, _ = ax.get_legend_handles_labels()
    made = ax.legend(fontsize=9, loc="upper center", ncol=2 if len(handles) > 3 else 1, framealpha=0.85)
    figure.draw_without_rendering()
    if made.get_window_extent().width > ax.get_window_extent().width:
        made = ax.legend(fontsize=9, loc="upper center", framealpha=0.85)
        figure.draw_without_rendering()
    box, frame = made.get_window_extent(), ax.get_window_extent()
    under = (box.y0 - frame.y0) / frame.height - pad  # the part of the axes' height below the legend
    bottom, top = ax.get_ylim()
    if under <= 0:
        return  # a legend taller than the axes: raising the axis cannot help
    if ax.get_yscale() == "log":
        low, peak = np.log10([bottom, ax.dataLim.y1])
        needed = 10 ** (low + (peak - low) / under)
    else:
        needed = bottom + (ax.dataLim.y1 - bottom) / under
    if needed > top:
        ax.set_ylim(bottom, needed)


def set_title(ax: Axes, title: str, note: str = "") -> None:
    """The chart's title, with ``note`` on a second line."""
    ax.set_title(title + (f"\n{note}" if note else ""), fontsize=10)


def ratio_bars(
    ax: Axes,
    categories: Sequence[str],
    series: Sequence[Series],
    ylabel: str,
    title: str,
    note: str,
    wrap_ticks: bool = False,
) -> Axes:
    """A ratio chart: grouped bars (see :func:`bars`), the dashed line at 1, the y label, the title and the legend.

    Args:
        ax: Where to draw.
        categories: One group of bars each, in order.
        series: The bars' series.
        ylabel: The y axis's label.
        title: The chart's title.
        note: The line under the title.
        wrap_ticks: Put the tick labels' words one a line (see :func:`stack_words`) before the line at 1.

    Returns:
        ``ax``.
    """
    bars(ax, categories, series)
    if wrap_ticks:
        stack_words(ax)
    reference_line(ax)
    ax.set_ylabel(ylabel)
    set_title(ax, title, note)
    legend(ax)
    return ax


def reference_table(ctx: Context, name: str) -> pd.DataFrame | None:
    table = ctx.reference.get(name)
    return table if table is not None and len(table) else None


# ---------------------------------------------------------------- CPU and disk
