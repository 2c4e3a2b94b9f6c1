"""Chapter 7's figures: our runs beside the published figures for the same question.

Two colour families, everywhere: ours in blues (this run dark, the committed reference run
light), published figures in oranges and browns, hatched, and without error bars (a single
published number has no interval we know of). Our bars carry the bootstrap 95 % interval of
their median as the error bar. Where machines differ, both sides are normalised, and every
title says to what. Each function takes our table (from :mod:`cookbook.chapters.performance.bench`), a
:class:`Context` (published figures, the reference run, the legends' words), draws on ``ax``
(a new figure when None) and returns the Axes. Style is set per call, never through rcParams.

Modules: :mod:`.style` (colours, Context, bars), :mod:`.resources` (CPU, disk), :mod:`.networks`,
:mod:`.lifecycle` (start/stop), :mod:`.stats` (monitoring); :data:`FIGURES` is what ``cookbook bench`` saves.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from cookbook.chapters.performance.plots.lifecycle import RED_HAT, run_latency, running_curve, scale
from cookbook.chapters.performance.plots.networks import NET_SHORT, net_bandwidth, net_latency, proxy_latency
from cookbook.chapters.performance.plots.resources import cpu_ratio, disk_direct, disk_ratio
from cookbook.chapters.performance.plots.stats import live, monitor_panels, rate_ramp, stats_cost, stats_timeseries
from cookbook.chapters.performance.plots.style import (
    DRIVERS,
    HATCH,
    LIVE,
    OURS_LINES,
    PUBLISHED,
    REFERENCE,
    Context,
    Series,
)

__all__ = [
    "Context",
    "DRIVERS",
    "FIGURES",
    "HATCH",
    "LIVE",
    "NET_SHORT",
    "OURS_LINES",
    "PUBLISHED",
    "RED_HAT",
    "REFERENCE",
    "Series",
    "cpu_ratio",
    "disk_direct",
    "disk_ratio",
    "figure",
    "live",
    "monitor_panels",
    "net_bandwidth",
    "net_latency",
    "proxy_latency",
    "rate_ramp",
    "run_latency",
    "running_curve",
    "scale",
    "stats_cost",
    "stats_timeseries",
]

FIGURES = {
    "cpu": (cpu_ratio,),
    "disk": (disk_ratio, disk_direct),
    "net": (net_latency, net_bandwidth),
    "proxy": (proxy_latency,),
    "startstop": (scale, running_curve),
    "stats": (stats_timeseries,),
    "stats-cost": (stats_cost,),
}
"""Table name → the figures drawn from it (``cookbook bench`` saves one PNG per table)."""


def figure(name: str, table: pd.DataFrame, ctx: Context) -> Figure | None:
    """The figure ``cookbook bench`` saves for one table (its panels side by side), or None for a table without one."""
    drawers = FIGURES.get(name)
    if not drawers:
        return None
    widths = {"cpu": 6.5, "disk": 8, "net": 10, "proxy": 10, "startstop": 8, "stats": 7.5, "stats-cost": 10}
    fig, axes = plt.subplots(
        len(drawers), 1, figsize=(widths[name], 4.2 * len(drawers)), layout="constrained", squeeze=False
    )
    for ax, draw in zip(axes[:, 0], drawers):
        draw(table, ctx, ax)
    return fig
