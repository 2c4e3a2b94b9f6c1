"""Monitoring: the stats API's time series and cost, the rate ramp, the monitor panels, live plots."""

from __future__ import annotations

import time
from collections.abc import Callable

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes

from cookbook.chapters.performance.plots import style

TITLES = {
    "stats_cost": (
        "One stats call: time to the answer's first byte (ms, log scale, not normalised)",
        "the engine's collector samples once a second, then sleeps a second",
    ),
    "rate_ramp": (
        "The spinning container as the monitor sees it (% of a core, not normalised)",
        "numbers: samples in the 5 s window; the rate is low until the window is full",
    ),
}
"""Each figure's title and the line under it, by the function that draws it."""


def stats_timeseries(df: pd.DataFrame, ctx: style.Context, ax: Axes | None = None, column: str = "cpu_percent") -> Axes:
    """One line per load over time (``column`` of the stats stream's table); the book's frame as warm levels."""
    ax = style.axes(ax, (7.5, 3.6))
    for index, (load, rows) in enumerate(df.groupby("load", sort=False)):
        ax.plot(
            rows["t"],
            rows[column],
            label=f"ours: {load}",
            marker=".",
            ms=3,
            color=style.OURS_LINES[index % len(style.OURS_LINES)],
        )
    book = ctx.published[(ctx.published["benchmark"] == "docker stats") & (ctx.published["metric"] == column)]
    for index, (_, row) in enumerate(book.iterrows()):
        ax.axhline(
            row["value"],
            ls=":",
            color=style.PUBLISHED[index % len(style.PUBLISHED)],
            lw=1.2,
            label=f"published: the book's frame, {row['configuration']}",
        )
    ax.set_xlabel("seconds")
    ax.set_ylabel(column.replace("_", " "))
    ax.legend(fontsize=9, ncol=2)
    style.set_title(ax, f"docker stats stream: {column.replace('_', ' ')} by load (not normalised)")
    return ax


def stats_cost(cost: pd.DataFrame | None, ctx: style.Context, ax: Axes | None = None) -> Axes:
    """Milliseconds to the first byte of one stats call, by engine, call and spacing; moby#23188 beside it."""
    ax = style.axes(ax, (10, 4))
    short = {"stream=false": "sampled", "stream=false&one-shot=true": "one-shot"}

    def category(row):
        return f"{row['engine'].split()[0]}: {short.get(row['call'], row['call'])}\n{row['spacing']}"

    ms = lambda table: table.assign(ms=table["seconds"] * 1000) if table is not None else None  # noqa: E731
    series = style.our_series(ctx, ms(cost), ms(style.reference_table(ctx, "stats-cost")), category, "ms")
    categories = [
        f"{where}: {kind}\n{spacing}"
        for where in ("this", "sandbox")
        for kind in ("sampled", "one-shot")
        for spacing in ("after an idle second", "back to back")
    ]
    published = style.published_value(ctx.published, "stats stream=false", "per container")
    series.append(
        style.Series(
            "published: moby#23188, stream=false (Docker 1.11)",
            style.PUBLISHED[0],
            {c: (published,) * 3 for c in categories if "sampled" in c and "back" in c},
            True,
        )
    )
    style.bars(ax, categories, series, log=True)
    style.stack_words(ax)
    ax.set_ylabel("ms to the first byte (log)")
    style.set_title(ax, *TITLES["stats_cost"])
    style.legend(ax)
    return ax


def rate_ramp(windows: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Prometheus' CPU rate for the busy container against the samples in its 5 s window.

    Args:
        windows: :func:`cookbook.chapters.performance.monitor.cpu_windows`' table (t, container, load, rate_percent, samples,
            stats_percent).
    """
    ax = style.axes(ax, (7.5, 3.6))
    busy = windows[windows["load"] == "cpu"]
    ax.plot(
        busy["t"],
        busy["rate_percent"],
        marker="o",
        ms=4,
        color=style.OURS_LINES[0],
        label="ours: Prometheus rate(...[5s])",
    )
    ax.plot(
        busy["t"],
        busy["stats_percent"],
        marker=".",
        ms=3,
        ls="--",
        color=style.OURS_LINES[2],
        label="ours: the stats API's own CPU % (what docker stats prints)",
    )
    for _, row in busy.iterrows():
        ax.annotate(
            str(int(row["samples"])),
            (row["t"], row["rate_percent"]),
            fontsize=9,
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
        )
    ax.set_xlabel("seconds since the monitor started")
    ax.set_ylabel("CPU, % of one core")
    ax.set_ylim(0, 130)
    ax.legend(fontsize=9, loc="lower right")
    style.set_title(ax, *TITLES["rate_ramp"])
    return ax


def monitor_panels(df: pd.DataFrame, cost_percent: float, ctx: style.Context) -> list[Axes]:
    """cAdvisor's container page from Prometheus: one panel per metric, the monitor's own cost, and a key.

    The sixth slot of the 2 × 3 grid holds the legends (the loads' lines, the monitor's bars), so
    that none covers a small panel.

    Args:
        df: :func:`cookbook.chapters.performance.monitor.collect`'s table (t, container, panel, value), with a ``load`` column.
        cost_percent: The exporter's CPU use in % of a core.
        ctx: Published figures (cAdvisor's own CPU cost, google/cadvisor#2523).

    Returns:
        The five panels' Axes.
    """
    _, grid = plt.subplots(2, 3, figsize=(10, 6.2), layout="constrained")  # fits the notebook's width
    axes, key = list(grid.flat)[:5], grid[1, 2]
    for ax, (panel, rows) in zip(axes, df.groupby("panel", sort=False)):
        for index, (load, series) in enumerate(rows.groupby("load", sort=False)):
            ax.plot(series["t"], series["value"], label=load, color=style.OURS_LINES[index % len(style.OURS_LINES)])
        ax.set_title(f"{panel} (not normalised)", fontsize=9)
        ax.set_xlabel("seconds", fontsize=9)
    published = style.published_value(ctx.published, "cadvisor 29 containers", "housekeeping 1s")
    series = [
        style.Series("ours: exporter (1 s scrapes)", style.LIVE, {"monitor": (cost_percent,) * 3}),
        style.Series(
            "published: cAdvisor#2523 (1 s housekeeping)", style.PUBLISHED[0], {"monitor": (published,) * 3}, True
        ),
    ]
    style.bars(axes[4], ["monitor"], series)
    axes[4].set_title("the monitor's own CPU (% of a core)", fontsize=9)
    key.axis("off")
    loads = key.legend(*axes[0].get_legend_handles_labels(), title="load", loc="upper left", fontsize=9)
    key.add_artist(loads)
    key.legend(*axes[4].get_legend_handles_labels(), title="the monitor's own CPU", loc="lower left", fontsize=9)
    return axes


def live(
    draw: Callable[[Axes], None], seconds: float, every: float = 1.0, size: tuple[float, float] = (7.5, 3.6)
) -> Axes:
    """Redraw a figure in place every ``every`` seconds for ``seconds`` (a live plot under the cell).

    Args:
        draw: Draws the current state on a cleared Axes.
        seconds: How long to keep updating.
        every: Seconds between redraws (a display rate, not a readiness wait).
        size: The figure's size in inches.
    """
    from IPython.display import display

    figure, ax = plt.subplots(figsize=size, layout="constrained")
    handle = display(figure, display_id=True)
    begun = time.monotonic()
    while time.monotonic() - begun < seconds:
        time.sleep(every)
        ax.clear()
        draw(ax)
        if handle is not None:
            handle.update(figure)
    plt.close(figure)
    return ax
