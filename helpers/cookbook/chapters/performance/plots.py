"""Chapter 7's figures: our runs beside the published figures for the same question.

Two colour families, everywhere: ours in blues (this run dark, the committed reference run
light), published figures in oranges and browns, hatched, and without error bars (a single
published number has no interval we know of). Our bars carry the bootstrap 95 % interval of
their median as the error bar. Where machines differ, both sides are normalised, and every
title says to what. Each function takes our table (from :mod:`cookbook.chapters.performance.bench`), a
:class:`Context` (published figures, the reference run, the legends' words), draws on ``ax``
(a new figure when None) and returns the Axes. Style is set per call, never through rcParams.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from cookbook.chapters.performance.bench.scale import per_container
from cookbook.chapters.performance.bench.statistics import bootstrap_median, paired_ratios

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


def _axes(ax: Axes | None, size: tuple[float, float] = (7.5, 3.8)) -> Axes:
    if ax is not None:
        return ax
    _, made = plt.subplots(figsize=size, layout="constrained")
    return made


def _value(published: pd.DataFrame, benchmark: str, configuration: str, metric: str | None = None) -> float:
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


def _ours(
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


def _bars(ax: Axes, categories: Sequence[str], series: Sequence[Series], log: bool = False) -> None:
    """Grouped bars: one group per category, one slot per series that has a value there."""
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
    ax.legend(fontsize=9, loc="best", framealpha=0.85)


def _stack_words(ax: Axes) -> None:
    """One word per line in the x tick labels, so that long neighbours at 9 pt do not overlap."""
    ax.set_xticks(ax.get_xticks(), [label.get_text().replace(" ", "\n") for label in ax.get_xticklabels()], fontsize=9)


def _one_line(ax: Axes, y: float = 1.0, text: str = "= 1: no difference") -> None:
    ax.axhline(y, color="grey", lw=0.8, ls="--")
    ax.annotate(
        text,
        (ax.get_xlim()[0], y),
        ha="left",
        va="bottom",
        fontsize=9,
        color="grey",
        xytext=(3, 1),
        textcoords="offset points",
    )


def _title(ax: Axes, title: str, note: str = "") -> None:
    ax.set_title(title + (f"\n{note}" if note else ""), fontsize=10)


def _ref_table(ctx: Context, name: str) -> pd.DataFrame | None:
    table = ctx.reference.get(name)
    return table if table is not None and len(table) else None


# ---------------------------------------------------------------- CPU and disk


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
    _bars(ax, categories, series)
    _one_line(ax)
    ax.set_ylabel("IOPS ratio")
    _title(
        ax,
        "Disk IOPS (fio mixed.fio): each path normalised to the host folder (= 1)",
        "randrw 70/30, 4 KiB, O_DIRECT, iodepth 32 × 8 jobs",
    )
    return ax


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


NET_SHORT = {
    "bridge (container to container)": "bridge",
    "host networking": "host net",
    "published port": "published",
    "sandbox loopback": "loopback",
}
MOBY_7857 = {"host net": "docker net=host", "bridge": "bridge", "published": "bridge+NAT"}


def _latency_ratios(net: pd.DataFrame | None, baseline: str, keys: Sequence[str]) -> pd.DataFrame | None:
    if net is None:
        return None
    rtt = net[net["metric"] == "rtt_us"]
    return paired_ratios(rtt, baseline, column="path", keys=keys)


def _protocol(row: pd.Series) -> str:
    return "UDP" if "udp" in str(row["benchmark"]) else "TCP"


def net_latency(net: pd.DataFrame | None, ctx: Context, ax: Axes | None = None) -> Axes:
    """Round trip of each path over host loopback (TCP and UDP), beside moby#7857 and IBM's netperf RR."""
    ax = _axes(ax, (10, 4))
    keys = ("benchmark", "metric", "pair")
    category = lambda row: f"{NET_SHORT.get(row['path'], row['path'])}\n{_protocol(row)}"  # noqa: E731
    series = _ours(
        ctx,
        _latency_ratios(net, "host loopback", keys),
        _latency_ratios(_ref_table(ctx, "net"), "host loopback", keys),
        category,
        live_rounds=net,
        reference_rounds=_ref_table(ctx, "net"),
    )
    native = _value(ctx.published, "netperf 1-byte RR", "no docker")
    moby = {
        f"{short}\nTCP": (native / _value(ctx.published, "netperf 1-byte RR", config),) * 3
        for short, config in MOBY_7857.items()
    }
    series.append(Series("published: moby#7857, netperf 1-byte RR (native = 1)", PUBLISHED[0], moby, True))
    ibm = {
        f"published\n{p}": (
            _value(ctx.published, f"netperf {p}_RR", "docker NAT") / _value(ctx.published, f"netperf {p}_RR", "native"),
        )
        * 3
        for p in ("TCP", "UDP")
    }
    series.append(Series("published: IBM netperf RR, docker NAT / native (10 GbE)", PUBLISHED[1], ibm, True))
    categories = [f"{short}\n{p}" for p in ("TCP", "UDP") for short in ("host net", "bridge", "published")]
    _bars(ax, categories, series)
    _one_line(ax)
    ax.set_ylabel("round-trip time ratio")
    _title(
        ax,
        "Request/response round trip by path, normalised to the host's loopback (= 1)",
        "higher is slower; published ratios are native / docker transaction rates",
    )
    return ax


def net_bandwidth(net: pd.DataFrame | None, ctx: Context, ax: Axes | None = None) -> Axes:
    """Gbit/s per path and tool (iperf3, nuttcp -t, nuttcp -r), not normalised; IBM's 10 GbE as a marked ceiling."""
    ax = _axes(ax, (11, 4))
    tools = {"iperf3 tcp": "iperf3", "nuttcp -t": "nuttcp -t", "nuttcp -r": "nuttcp -r"}
    category = lambda row: f"{NET_SHORT.get(row['path'], row['path'])}\n{tools.get(row['benchmark'], '?')}"  # noqa: E731
    pick = lambda table: table[table["metric"] == "bandwidth_gbps"] if table is not None else None  # noqa: E731
    series = _ours(ctx, pick(net), pick(_ref_table(ctx, "net")), category, "value")
    categories = [
        f"{short}\n{tool}" for short in ("host loopback", "host net", "bridge", "published") for tool in tools.values()
    ]
    _bars(ax, categories, series)
    _stack_words(ax)
    link = _value(ctx.published, "nuttcp", "all", "bandwidth")
    ax.axhline(
        link,
        color=PUBLISHED[0],
        lw=1.2,
        ls=":",
        label=f"published: IBM nuttcp, {link:g} Gbit/s on every path = their 10 GbE link's limit "
        "(a ceiling there, not comparable)",
    )
    ax.legend(fontsize=9, loc="upper right", framealpha=0.85)
    ax.set_ylabel("Gbit/s")
    _title(
        ax,
        "Bandwidth by path and tool, on one machine (Gbit/s, not normalised)",
        "nuttcp -t: client to server; nuttcp -r: server to client",
    )
    return ax


def proxy_latency(proxy: pd.DataFrame | None, ctx: Context, ax: Axes | None = None) -> Axes:
    """The published port with docker-proxy and with --userland-proxy=false, over each sandbox's loopback."""
    ax = _axes(ax, (10, 4))
    keys = ("engine", "benchmark", "metric", "pair")
    short = {"docker-proxy": "proxy", "userland-proxy=false": "no proxy"}

    def category(row):
        return f"{short.get(row['engine'], row['engine'])}:\n{NET_SHORT.get(row['path'], row['path'])} {_protocol(row)}"

    series = _ours(
        ctx,
        _latency_ratios(proxy, "sandbox loopback", keys),
        _latency_ratios(_ref_table(ctx, "proxy"), "sandbox loopback", keys),
        category,
        live_rounds=proxy,
        reference_rounds=_ref_table(ctx, "proxy"),
    )
    native = _value(ctx.published, "netperf 1-byte RR", "no docker")
    moby = {
        f"{s}:\n{path} TCP": (native / _value(ctx.published, "netperf 1-byte RR", config),) * 3
        for s in short.values()
        for path, config in (("bridge", "bridge"), ("published", "bridge+NAT"))
    }
    series.append(Series("published: moby#7857 (2014), bridge and bridge+NAT / native", PUBLISHED[0], moby, True))
    categories = [
        f"{s}:\n{path} {p}" for p in ("TCP", "UDP") for s in short.values() for path in ("bridge", "published")
    ]
    _bars(ax, categories, series)
    _stack_words(ax)
    _one_line(ax)
    ax.set_ylabel("round-trip time ratio")
    _title(
        ax,
        "Published port with and without the userland proxy: round trip normalised to the sandbox's loopback (= 1)",
        "sandbox engines: default flags (docker-proxy) and --userland-proxy=false (DNAT)",
    )
    return ax


# ---------------------------------------------------------------- start / stop


RED_HAT = ("overlayfs", "loop-lvm")


def scale(startstop: pd.DataFrame | None, ctx: Context, ax: Axes | None = None) -> Axes:
    """Seconds per container against N, per driver and phase; Red Hat's 1000-container runs as points."""
    ax = _axes(ax, (9.5, 6.4))
    runs = [(startstop, ctx.live_label, "-", "o")]
    if _ref_table(ctx, "startstop") is not None:
        runs.append((_ref_table(ctx, "startstop"), ctx.reference_label, "--", "s"))
    colours = {
        ("overlay2", "start"): DRIVERS["overlay2"],
        ("vfs", "start"): DRIVERS["vfs"],
        ("overlay2", "remove"): OURS_LINES[1],
        ("vfs", "remove"): OURS_LINES[3],
    }
    for table, label, style, marker in runs:
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
                ls=style,
                marker=marker,
                ms=4,
                capsize=3,
                color=colours.get((driver, phase), OURS_LINES[4]),
                label=f"ours {driver} {phase}: {label}",
            )
    created = {d: _value(ctx.published, "create 1000 httpd containers", d) for d in RED_HAT}
    destroyed = {d: _value(ctx.published, "destroy 1000 httpd containers", d) for d in RED_HAT}
    for index, driver in enumerate(RED_HAT):
        ax.plot(
            [1000],
            [created[driver] / 1000],
            marker="D",
            ls="none",
            color=PUBLISHED[index],
            ms=7,
            label=f"published: Red Hat {driver} start (1000 httpd)",
        )
        ax.plot(
            [1000],
            [(destroyed[driver] - created[driver]) / 1000],
            marker="v",
            ls="none",
            color=PUBLISHED[index],
            ms=7,
            label=f"published: Red Hat {driver} remove",
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("N: containers started one after another, then removed")
    ax.set_ylabel("seconds per container (log)")
    ax.legend(fontsize=9, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.14))  # below the axes, not over them
    _title(
        ax,
        "Start and remove: seconds per container as N grows (log–log, not normalised)",
        "busybox here; Red Hat 2014: httpd, read off their chart ÷ 1000",
    )
    return ax


def running_curve(startstop: pd.DataFrame | None, ctx: Context, ax: Axes | None = None) -> Axes:
    """Running containers over time at the largest N, the shape of Red Hat's chart, normalised per container."""
    ax = _axes(ax, (7.5, 3.8))
    if startstop is not None and len(startstop):
        largest = startstop[startstop["n"] == startstop["n"].max()]
        for driver, rows in largest.groupby("engine", sort=False):
            n = int(rows["n"].iloc[0])
            up, down = rows[rows["phase"] == "start"], rows[rows["phase"] == "remove"]
            t_up = float(up["elapsed"].max())
            x = np.concatenate([[0], up["elapsed"], t_up + down["elapsed"]]) / n
            y = np.concatenate([[0], up["running"], down["running"]]) / n
            ax.plot(
                x, y, label=f"ours {driver} (N={n}): {ctx.live_label}", lw=2, color=DRIVERS.get(driver, OURS_LINES[4])
            )
    for index, (driver, style) in enumerate((("overlayfs", "--"), ("loop-lvm", ":"))):
        up = _value(ctx.published, "create 1000 httpd containers", driver)
        down = _value(ctx.published, "destroy 1000 httpd containers", driver)
        ax.plot(
            [0, up / 1000, down / 1000],
            [0, 1, 0],
            ls=style,
            color=PUBLISHED[index],
            label=f"published: Red Hat {driver} (N=1000, end points)",
        )
    ax.set_xlabel("elapsed seconds / N")
    ax.set_ylabel("fraction of N running")
    ax.legend(fontsize=9)
    _title(ax, "Create then destroy, one container at a time: time normalised per container")
    return ax


# ---------------------------------------------------------------- docker run, stats, monitoring


def run_latency(df: pd.DataFrame, ctx: Context, ax: Axes | None = None) -> Axes:
    """``docker run --rm busybox true`` per network mode, beside moby#38077 (Docker 18.09, 2 vCPU)."""
    ax = _axes(ax, (6.5, 3.6))
    category = lambda row: f"--net={row['network']}"  # noqa: E731
    series = _ours(ctx, df, None, category, "seconds")
    moby = {
        "--net=bridge": (_value(ctx.published, "docker run --rm busybox true", "default bridge"),) * 3,
        "--net=host": (_value(ctx.published, "docker run --rm busybox true", "net=host"),) * 3,
    }
    series.append(Series("published: moby#38077 (Docker 18.09, 2 vCPU)", PUBLISHED[0], moby, True))
    _bars(ax, ["--net=bridge", "--net=host"], series)
    ax.set_ylabel("seconds per docker run")
    _title(ax, "docker run --rm busybox true by network mode (seconds, not normalised)")
    return ax


def stats_timeseries(df: pd.DataFrame, ctx: Context, ax: Axes | None = None, column: str = "cpu_percent") -> Axes:
    """One line per load over time (``column`` of the stats stream's table); the book's frame as warm levels."""
    ax = _axes(ax, (7.5, 3.6))
    for index, (load, rows) in enumerate(df.groupby("load", sort=False)):
        ax.plot(
            rows["t"], rows[column], label=f"ours: {load}", marker=".", ms=3, color=OURS_LINES[index % len(OURS_LINES)]
        )
    book = ctx.published[(ctx.published["benchmark"] == "docker stats") & (ctx.published["metric"] == column)]
    for index, (_, row) in enumerate(book.iterrows()):
        ax.axhline(
            row["value"],
            ls=":",
            color=PUBLISHED[index % len(PUBLISHED)],
            lw=1.2,
            label=f"published: the book's frame, {row['configuration']}",
        )
    ax.set_xlabel("seconds")
    ax.set_ylabel(column.replace("_", " "))
    ax.legend(fontsize=9, ncol=2)
    _title(ax, f"docker stats stream: {column.replace('_', ' ')} by load (not normalised)")
    return ax


def stats_cost(cost: pd.DataFrame | None, ctx: Context, ax: Axes | None = None) -> Axes:
    """Milliseconds to the first byte of one stats call, by engine, call and spacing; moby#23188 beside it."""
    ax = _axes(ax, (10, 4))
    short = {"stream=false": "sampled", "stream=false&one-shot=true": "one-shot"}

    def category(row):
        return f"{row['engine'].split()[0]}: {short.get(row['call'], row['call'])}\n{row['spacing']}"

    ms = lambda table: table.assign(ms=table["seconds"] * 1000) if table is not None else None  # noqa: E731
    series = _ours(ctx, ms(cost), ms(_ref_table(ctx, "stats-cost")), category, "ms")
    categories = [
        f"{where}: {kind}\n{spacing}"
        for where in ("this", "sandbox")
        for kind in ("sampled", "one-shot")
        for spacing in ("after an idle second", "back to back")
    ]
    published = _value(ctx.published, "stats stream=false", "per container")
    series.append(
        Series(
            "published: moby#23188, stream=false (Docker 1.11)",
            PUBLISHED[0],
            {c: (published,) * 3 for c in categories if "sampled" in c and "back" in c},
            True,
        )
    )
    _bars(ax, categories, series, log=True)
    _stack_words(ax)
    ax.set_ylabel("ms to the first byte (log)")
    _title(
        ax,
        "One stats call: time to the answer's first byte (ms, log scale, not normalised)",
        "the engine's collector samples once a second, then sleeps a second",
    )
    return ax


def rate_ramp(windows: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Prometheus' CPU rate for the busy container against the samples in its 5 s window.

    Args:
        windows: :func:`cookbook.chapters.performance.monitor.cpu_windows`' table (t, container, load, rate_percent, samples,
            stats_percent).
    """
    ax = _axes(ax, (7.5, 3.6))
    busy = windows[windows["load"] == "cpu"]
    ax.plot(
        busy["t"], busy["rate_percent"], marker="o", ms=4, color=OURS_LINES[0], label="ours: Prometheus rate(...[5s])"
    )
    ax.plot(
        busy["t"],
        busy["stats_percent"],
        marker=".",
        ms=3,
        ls="--",
        color=OURS_LINES[2],
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
    _title(
        ax,
        "The spinning container as the monitor sees it (% of a core, not normalised)",
        "numbers: samples in the 5 s window; the rate is low until the window is full",
    )
    return ax


def monitor_panels(
    df: pd.DataFrame, cost_percent: float, ctx: Context, axes: Sequence[Axes] | None = None
) -> list[Axes]:
    """cAdvisor's container page from Prometheus: one panel per metric, and the monitor's own cost.

    Args:
        df: :func:`cookbook.chapters.performance.monitor.collect`'s table (t, container, panel, value), with a ``load`` column.
        cost_percent: The exporter's CPU use in % of a core.
        ctx: Published figures (cAdvisor's own CPU cost, google/cadvisor#2523).
        axes: Five Axes to draw on (default: a new figure).
    """
    if axes is None:
        _, grid = plt.subplots(2, 3, figsize=(10, 6.2), layout="constrained")  # fits the notebook's width
        grid[1, 2].set_visible(False)
        axes = list(grid.flat)[:5]
    for ax, (panel, rows) in zip(axes, df.groupby("panel", sort=False)):
        for index, (load, series) in enumerate(rows.groupby("load", sort=False)):
            ax.plot(series["t"], series["value"], label=load, color=OURS_LINES[index % len(OURS_LINES)])
        ax.set_title(f"{panel} (not normalised)", fontsize=9)
        ax.set_xlabel("seconds", fontsize=9)
    axes[0].legend(fontsize=9)
    published = _value(ctx.published, "cadvisor 29 containers", "housekeeping 1s")
    series = [
        Series("ours: exporter (1 s scrapes)", LIVE, {"monitor": (cost_percent,) * 3}),
        Series("published: cAdvisor#2523 (1 s housekeeping)", PUBLISHED[0], {"monitor": (published,) * 3}, True),
    ]
    _bars(axes[4], ["monitor"], series)
    axes[4].set_title("the monitor's own CPU (% of a core)", fontsize=9)
    return list(axes)


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
