"""CPU and disk: container/host ratios, and the disk paths side by side."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes

from cookbook.chapters.performance.bench.statistics import paired_ratios
from cookbook.chapters.performance.plots.style import (
    PUBLISHED,
    Context,
    Series,
    _axes,
    _bars,
    _one_line,
    _ours,
    _ratio_bars,
    _ref_table,
    _title,
    _value,
)


def cpu_ratio(cpu: pd.DataFrame | None, ctx: Context, ax: Axes | None = None) -> Axes:
    """sysbench events/s, container over host within each round, beside IBM's Linpack docker/native."""
    ax = _axes(ax, (6.5, 3.8))
    category = "sysbench cpu,\ncontainer / host"
    ratio = lambda table: paired_ratios(table, "host") if table is not None else None  # noqa: E731
    series = _ours(ctx, ratio(cpu), ratio(_ref_table(ctx, "cpu")), lambda row: category)
    linpack = _value(ctx.published, "linpack", "docker") / _value(ctx.published, "linpack", "native")
    series.append(Series("published: IBM Linpack, docker / native", PUBLISHED[0], {category: (linpack,) * 3}, True))
    _bars(ax, [category], series)
    ax.set_ylim(0.8, 1.15)
    _one_line(ax)
    ax.set_ylabel("throughput ratio")
    _title(ax, "CPU throughput: container normalised to the host (= 1)", "bars: median, whiskers: 95 % interval")
    return ax


def _disk_category(row: pd.Series) -> str:
    return f"{row['side']}\n{row['metric'].split('_')[0]}"


def disk_ratio(disk: pd.DataFrame | None, ctx: Context, ax: Axes | None = None) -> Axes:
    """fio IOPS of the bind volume and the container's layer over the host folder, beside IBM's volume/native."""
    ax = _axes(ax, (8, 3.8))
    ratio = lambda table: paired_ratios(table, "host folder") if table is not None else None  # noqa: E731
    live, reference = ratio(disk), ratio(_ref_table(ctx, "disk"))
    series = _ours(ctx, live, reference, _disk_category, live_rounds=disk, reference_rounds=_ref_table(ctx, "disk"))
    ibm = {}
    for metric in ("read_iops", "write_iops"):
        value = _value(ctx.published, "fio mixed.fio", "docker volume", metric) / _value(
            ctx.published, "fio mixed.fio", "native", metric
        )
        ibm[f"bind volume\n{metric.split('_')[0]}"] = (value,) * 3
    series.append(Series("published: IBM, docker volume / native", PUBLISHED[0], ibm, True))
    categories = [f"{side}\n{kind}" for side in ("bind volume", "container layer") for kind in ("read", "write")]
    return _ratio_bars(
        ax,
        categories,
        series,
        "IOPS ratio",
        "Disk IOPS (fio mixed.fio): each path normalised to the host folder (= 1)",
        "randrw 70/30, 4 KiB, O_DIRECT, iodepth 32 × 8 jobs",
    )


def disk_direct(disk: pd.DataFrame | None, ctx: Context, ax: Axes | None = None) -> Axes:
    """Reads and writes that reached the block device per I/O fio issued, per path (1: O_DIRECT held)."""
    ax = _axes(ax, (8, 3.6))
    reference = _ref_table(ctx, "disk")
    series = _ours(ctx, disk, reference, lambda row: f"{row['side']}\n{row['metric'].split('_')[0]}", "device_per_io")
    categories = [
        f"{side}\n{kind}" for side in ("host folder", "bind volume", "container layer") for kind in ("read", "write")
    ]
    _bars(ax, categories, series)
    _one_line(ax, 1.0, "every I/O reached the disk")
    ax.set_ylim(0, 1.3)
    ax.set_ylabel("device operations per fio I/O")
    _title(
        ax,
        "Where direct I/O ends: block-device operations per fio I/O (not normalised)",
        "about 1: O_DIRECT bypassed the page cache; far below 1: a cache answered",
    )
    return ax


# ---------------------------------------------------------------- network
