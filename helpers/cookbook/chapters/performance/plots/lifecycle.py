"""Starting and stopping containers: scale, the running curve, ``docker run`` latency."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from cookbook.chapters.performance.bench.scale import per_container
from cookbook.chapters.performance.plots import style

TITLES = {
    "scale": (
        "Start and remove: seconds per container as N grows (log–log, not normalised)",
        "busybox here; Red Hat 2014: httpd, read off their chart ÷ 1000",
    ),
    "running_curve": ("Create then destroy, one container at a time: time normalised per container", ""),
    "run_latency": ("docker run --rm busybox true by network mode (seconds, not normalised)", ""),
}
"""Each figure's title and the line under it, by the function that draws it."""


RED_HAT = ("overlayfs", "loop-lvm")


def scale(startstop: pd.DataFrame | None, ctx: style.Context, ax: Axes | None = None) -> Axes:
    """Seconds per container against N, per driver and phase; Red Hat's 1000-container runs as points."""
    ax = style.axes(ax, (9.5, 6.4))
    runs = [(startstop, ctx.live_label, "-", "o")]
    if style.reference_table(ctx, "startstop") is not None:
        runs.append((style.reference_table(ctx, "startstop"), ctx.reference_label, "--", "s"))
    colours = {
        ("overlay2", "start"): style.DRIVERS["overlay2"],
        ("vfs", "start"): style.DRIVERS["vfs"],
        ("overlay2", "remove"): style.OURS_LINES[1],
        ("vfs", "remove"): style.OURS_LINES[3],
    }
    for table, label, dashes, marker in runs:
        if table is None or not len(table):
            continue
        summary = per_container(table)
        for (driver, phase), part in summary.groupby(["engine", "phase"], sort=False):
            part = part.sort_values("n")
            err = [(part["median"] - part["ci_low"]).clip(lower=0), (part["ci_high"] - part["median"]).clip(lower=0)]
            ax.errorbar(
                part["n"],
                part["median"],
                yerr=err,
                ls=dashes,
                marker=marker,
                ms=4,
                capsize=3,
                color=colours.get((driver, phase), style.OURS_LINES[4]),
                label=f"ours {driver} {phase}: {label}",
            )
    created = {d: style.published_value(ctx.published, "create 1000 httpd containers", d) for d in RED_HAT}
    destroyed = {d: style.published_value(ctx.published, "destroy 1000 httpd containers", d) for d in RED_HAT}
    for index, driver in enumerate(RED_HAT):
        ax.plot(
            [1000],
            [created[driver] / 1000],
            marker="D",
            ls="none",
            color=style.PUBLISHED[index],
            ms=7,
            label=f"published: Red Hat {driver} start (1000 httpd)",
        )
        ax.plot(
            [1000],
            [(destroyed[driver] - created[driver]) / 1000],
            marker="v",
            ls="none",
            color=style.PUBLISHED[index],
            ms=7,
            label=f"published: Red Hat {driver} remove",
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("N: containers started one after another, then removed")
    ax.set_ylabel("seconds per container (log)")
    ax.legend(fontsize=9, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.14))  # below the axes, not over them
    style.set_title(ax, *TITLES["scale"])
    return ax


def running_curve(startstop: pd.DataFrame | None, ctx: style.Context, ax: Axes | None = None) -> Axes:
    """Running containers over time at the largest N, the shape of Red Hat's chart, normalised per container."""
    ax = style.axes(ax, (7.5, 3.8))
    if startstop is not None and len(startstop):
        largest = startstop[startstop["n"] == startstop["n"].max()]
        for driver, rows in largest.groupby("engine", sort=False):
            n = int(rows["n"].iloc[0])
            up, down = rows[rows["phase"] == "start"], rows[rows["phase"] == "remove"]
            t_up = float(up["elapsed"].max())
            x = np.concatenate([[0], up["elapsed"], t_up + down["elapsed"]]) / n
            y = np.concatenate([[0], up["running"], down["running"]]) / n
            ax.plot(
                x,
                y,
                label=f"ours {driver} (N={n}): {ctx.live_label}",
                lw=2,
                color=style.DRIVERS.get(driver, style.OURS_LINES[4]),
            )
    for index, (driver, dashes) in enumerate((("overlayfs", "--"), ("loop-lvm", ":"))):
        up = style.published_value(ctx.published, "create 1000 httpd containers", driver)
        down = style.published_value(ctx.published, "destroy 1000 httpd containers", driver)
        ax.plot(
            [0, up / 1000, down / 1000],
            [0, 1, 0],
            ls=dashes,
            color=style.PUBLISHED[index],
            label=f"published: Red Hat {driver} (N=1000, end points)",
        )
    ax.set_xlabel("elapsed seconds / N")
    ax.set_ylabel("fraction of N running")
    ax.legend(fontsize=9)
    style.set_title(ax, *TITLES["running_curve"])
    return ax


# ---------------------------------------------------------------- docker run, stats, monitoring


def run_latency(df: pd.DataFrame, ctx: style.Context, ax: Axes | None = None) -> Axes:
    """``docker run --rm busybox true`` per network mode, beside moby#38077 (Docker 18.09, 2 vCPU)."""
    ax = style.axes(ax, (6.5, 3.6))
    category = lambda row: f"--net={row['network']}"  # noqa: E731
    series = style.our_series(ctx, df, None, category, "seconds")
    moby = {
        "--net=bridge": (style.published_value(ctx.published, "docker run --rm busybox true", "default bridge"),) * 3,
        "--net=host": (style.published_value(ctx.published, "docker run --rm busybox true", "net=host"),) * 3,
    }
    series.append(style.Series("published: moby#38077 (Docker 18.09, 2 vCPU)", style.PUBLISHED[0], moby, True))
    style.bars(ax, ["--net=bridge", "--net=host"], series)
    ax.set_ylabel("seconds per docker run")
    style.set_title(ax, *TITLES["run_latency"])
    style.legend(ax)
    return ax
