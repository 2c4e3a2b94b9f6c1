"""CPU and disk: container/host ratios, and the disk paths side by side."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes

from cookbook.chapters.performance.bench.statistics import paired_ratios
from cookbook.chapters.performance.plots import style

TITLES = {
    "cpu_ratio": ("CPU throughput: container normalised to the host (= 1)", "bars: median, whiskers: 95 % interval"),
    "disk_ratio": (
        "Disk IOPS (fio mixed.fio): each path normalised to the host folder (= 1)",
        "randrw 70/30, 4 KiB, O_DIRECT, iodepth 32 × 8 jobs",
    ),
    "disk_direct": (
        "Where direct I/O ends: block-device operations per fio I/O (not normalised)",
        "about 1: O_DIRECT bypassed the page cache; far below 1: a cache answered",
    ),
}
"""Each figure's title and the line under it, by the function that draws it."""


def cpu_ratio(cpu: pd.DataFrame | None, ctx: style.Context, ax: Axes | None = None) -> Axes:
    """sysbench events/s, container over host within each round, beside IBM's Linpack docker/native."""
    ax = style.axes(ax, (6.5, 3.8))
    category = "sysbench cpu,\ncontainer / host"
    ratio = lambda table: paired_ratios(table, "host") if table is not None else None  # noqa: E731
    series = style.our_series(ctx, ratio(cpu), ratio(style.reference_table(ctx, "cpu")), lambda row: category)
    linpack = style.published_value(ctx.published, "linpack", "docker") / style.published_value(
        ctx.published, "linpack", "native"
    )
    series.append(
        style.Series("published: IBM Linpack, docker / native", style.PUBLISHED[0], {category: (linpack,) * 3}, True)
    )
    style.bars(ax, [category], series)
    ax.set_ylim(0.8, 1.15)
    style.reference_line(ax)
    ax.set_ylabel("throughput ratio")
    style.set_title(ax, *TITLES["cpu_ratio"])
    style.legend(ax)
    return ax


def _disk_category(row: pd.Series) -> str:
    return f"{row['side']}\n{row['metric'].split('_')[0]}"


def disk_ratio(disk: pd.DataFrame | None, ctx: style.Context, ax: Axes | None = None) -> Axes:
    """fio IOPS of the bind volume and the container's layer over the host folder, beside IBM's volume/native."""
    ax = style.axes(ax, (8, 3.8))
    ratio = lambda table: paired_ratios(table, "host folder") if table is not None else None  # noqa: E731
    live, reference = ratio(disk), ratio(style.reference_table(ctx, "disk"))
    series = style.our_series(
        ctx, live, reference, _disk_category, live_rounds=disk, reference_rounds=style.reference_table(ctx, "disk")
    )
    ibm = {}
    for metric in ("read_iops", "write_iops"):
        value = style.published_value(ctx.published, "fio mixed.fio", "docker volume", metric) / style.published_value(
            ctx.published, "fio mixed.fio", "native", metric
        )
        ibm[f"bind volume\n{metric.split('_')[0]}"] = (value,) * 3
    series.append(style.Series("published: IBM, docker volume / native", style.PUBLISHED[0], ibm, True))
    categories = [f"{side}\n{kind}" for side in ("bind volume", "container layer") for kind in ("read", "write")]
    return style.ratio_bars(ax, categories, series, "IOPS ratio", *TITLES["disk_ratio"])


def disk_direct(disk: pd.DataFrame | None, ctx: style.Context, ax: Axes | None = None) -> Axes:
    """Reads and writes that reached the block device per I/O fio issued, per path (1: O_DIRECT held)."""
    ax = style.axes(ax, (8, 3.6))
    reference = style.reference_table(ctx, "disk")
    series = style.our_series(
        ctx, disk, reference, lambda row: f"{row['side']}\n{row['metric'].split('_')[0]}", "device_per_io"
    )
    categories = [
        f"{side}\n{kind}" for side in ("host folder", "bind volume", "container layer") for kind in ("read", "write")
    ]
    style.bars(ax, categories, series)
    style.reference_line(ax, 1.0, "every I/O reached the disk")
    ax.set_ylim(0, 1.3)
    ax.set_ylabel("device operations per fio I/O")
    style.set_title(ax, *TITLES["disk_direct"])
    style.legend(ax)
    return ax


# ---------------------------------------------------------------- network
