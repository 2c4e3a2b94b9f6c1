"""Chapter 7's figures: our measurements beside the published ones for the same question.

Each function takes our table (from :mod:`cookbook.bench`) and the published figures
(:func:`cookbook.bench.reference`), draws on ``ax`` (a new figure when None) and returns
the Axes. Where the machines differ, both sides are normalised (a ratio to the native /
host run) and the axis says so. Style is set per call, never through global rcParams.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Iterator, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

OURS = "#1f77b4"
PUBLISHED = "#ff7f0e"


def _axes(ax: Axes | None, size: tuple[float, float] = (7, 3.6)) -> Axes:
    if ax is not None:
        return ax
    _, made = plt.subplots(figsize=size, layout="constrained")
    return made


def _ref(reference: pd.DataFrame, benchmark: str, metric: str | None = None) -> pd.DataFrame:
    rows = reference[reference["benchmark"] == benchmark]
    return rows[rows["metric"] == metric] if metric else rows


def _ref_value(reference: pd.DataFrame, benchmark: str, configuration: str, metric: str | None = None) -> float:
    rows = _ref(reference, benchmark, metric)
    return float(rows[rows["configuration"] == configuration]["value"].iloc[0])


def _short_source(reference: pd.DataFrame, benchmark: str) -> str:
    source = str(_ref(reference, benchmark)["source"].iloc[0])
    return source.split(" / ")[0].split(" (")[0] if "IBM" not in source else "IBM (Felter et al. 2014)"


def _spread(values: pd.Series) -> tuple[float, float, float]:
    return float(values.median()), float(values.quantile(0.25)), float(values.quantile(0.75))


@dataclass
class _Bars:
    """Bars collected left to right: ours (median, whiskers at the quartiles) and published figures."""

    labels: list[str] = field(default_factory=list)
    medians: list[float] = field(default_factory=list)
    lows: list[float] = field(default_factory=list)
    highs: list[float] = field(default_factory=list)
    colors: list[str] = field(default_factory=list)

    def _add(self, label: str, median: float, low: float, high: float, color: str) -> None:
        self.labels.append(label), self.medians.append(median), self.lows.append(low)
        self.highs.append(high), self.colors.append(color)

    def ours(self, label: str, values: pd.Series) -> None:
        """A bar of our samples: their median, with the quartiles as whiskers."""
        self._add(label, *_spread(values), OURS)

    def published(self, label: str, value: float) -> None:
        """A bar of one published figure."""
        self._add(label, value, value, value, PUBLISHED)

    def draw(self, ax: Axes) -> None:
        """Draw the bars on ``ax``."""
        x = np.arange(len(self.labels))
        errors = np.array([np.subtract(self.medians, self.lows), np.subtract(self.highs, self.medians)]).clip(min=0)
        ax.bar(x, self.medians, color=self.colors, yerr=errors, capsize=4)
        ax.set_xticks(x, self.labels, fontsize=8)


def _legend(ax: Axes) -> None:
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=OURS, label="ours: median, bar = quartiles"), Patch(color=PUBLISHED, label="published")],
              fontsize=8, loc="best")


def cpu_ratio(ratios: pd.DataFrame, reference: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Container/host sysbench ratio (median, quartiles) beside IBM's Linpack docker/native ratio."""
    ax = _axes(ax, (6, 3.4))
    ibm = _ref_value(reference, "linpack", "docker") / _ref_value(reference, "linpack", "native")
    bars = _Bars()
    bars.ours("ours: sysbench cpu\ncontainer / host", ratios["ratio"])
    bars.published("IBM: Linpack\ndocker / native", ibm)
    bars.draw(ax)
    ax.axhline(1.0, color="grey", lw=0.8, ls="--")
    ax.set_ylabel("throughput ratio (normalised: native = 1)")
    ax.set_title(f"CPU: container vs host ({len(ratios)} pairs)")
    for x, value in enumerate(bars.medians):
        ax.annotate(f"{value:.3f}", (x, value), ha="center", va="bottom", fontsize=8, xytext=(12, 2),
                    textcoords="offset points")
    _legend(ax)
    return ax


def disk_ratio(ratios: pd.DataFrame, reference: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """IOPS of each container configuration / host folder, beside IBM's docker volume / native."""
    ax = _axes(ax, (7.5, 3.6))
    bars = _Bars()
    for metric in ("read_iops", "write_iops"):
        for side, rows in ratios[ratios["metric"] == metric].groupby("side", sort=False):
            bars.ours(f"ours {metric[:-5]}\n{side}", rows["ratio"])
        ibm = _ref_value(reference, "fio mixed.fio", "docker volume", metric) / _ref_value(
            reference, "fio mixed.fio", "native", metric)
        bars.published(f"IBM {metric[:-5]}\ndocker volume", ibm)
    bars.draw(ax)
    ax.axhline(1.0, color="grey", lw=0.8, ls="--")
    ax.set_ylabel("IOPS ratio (normalised: host = 1)")
    ax.set_title("Disk: fio mixed.fio (randrw 70/30, 4K, iodepth 32 × 8 jobs)")
    _legend(ax)
    return ax


NET_PUBLISHED = {
    "host networking": [("moby#7857 net=host", "moby", "docker net=host")],
    "bridge (container to container)": [("moby#7857 bridge", "moby", "bridge")],
    "published port": [("moby#7857 bridge+NAT", "moby", "bridge+NAT"), ("IBM TCP_RR docker NAT", "ibm", "docker NAT")],
}


def _published_latency_ratio(reference: pd.DataFrame, source: str, configuration: str) -> float:
    if source == "ibm":
        return _ref_value(reference, "netperf TCP_RR", configuration) / _ref_value(reference, "netperf TCP_RR", "native")
    # moby#7857 gives transactions/s: the round-trip time is its inverse.
    rate = _ref_value(reference, "netperf 1-byte RR", configuration)
    return _ref_value(reference, "netperf 1-byte RR", "no docker") / rate


def _net_paths(ratios: pd.DataFrame, metric: str) -> Iterator[tuple[str, str, pd.Series]]:
    """Per network path: its name, our bar's label, and its ratios."""
    for path, rows in ratios[ratios["metric"] == metric].groupby("path", sort=False):
        yield path, f"ours\n{path.replace(' (container to container)', '')}", rows["ratio"]


def net_latency(ratios: pd.DataFrame, reference: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Round-trip time of each path / host loopback, beside moby#7857's and IBM's netperf RR."""
    ax = _axes(ax, (8.5, 3.8))
    bars = _Bars()
    for path, ours, values in _net_paths(ratios, "rtt_us"):
        bars.ours(ours, values)
        for label, source, configuration in NET_PUBLISHED.get(path, []):
            bars.published(label.replace(" ", "\n", 1), _published_latency_ratio(reference, source, configuration))
    bars.draw(ax)
    ax.axhline(1.0, color="grey", lw=0.8, ls="--")
    ax.set_ylabel("round-trip time ratio\n(normalised: host / native = 1)")
    ax.set_title("Network request/response latency by path")
    _legend(ax)
    return ax


def net_bandwidth(ratios: pd.DataFrame, reference: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Bandwidth of each path / host loopback, beside IBM's nuttcp (every configuration saturated 10GbE)."""
    ax = _axes(ax, (7, 3.4))
    bars = _Bars()
    for _, ours, values in _net_paths(ratios, "bandwidth_gbps"):
        bars.ours(ours, values)
    bars.published("IBM nuttcp\nall (10GbE)", 1.0)
    bars.draw(ax)
    ax.axhline(1.0, color="grey", lw=0.8, ls="--")
    ax.set_ylabel("bandwidth ratio (normalised: host = 1)")
    ax.set_title("Network bandwidth by path (iperf3 on loopback vs nuttcp on 10GbE)")
    _legend(ax)
    return ax


RED_HAT = ("overlayfs", "direct-lvm", "btrfs", "loop-lvm")


def start_stop(df: pd.DataFrame, reference: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Seconds per container to start and to remove, per engine, beside Red Hat's 1000-container run.

    Red Hat's figures are whole-run times read off their chart divided by 1000 (removal:
    the time from all running back to zero).
    """
    ax = _axes(ax, (8.5, 3.6))
    bars = _Bars()
    for phase in ("start", "remove"):
        for engine_name, rows in df[df["phase"] == phase].groupby("engine", sort=False):
            bars.ours(f"ours {phase}\n{engine_name}", rows["seconds"])
    created = _ref(reference, "create 1000 httpd containers")
    destroyed = _ref(reference, "destroy 1000 httpd containers")
    for driver in RED_HAT:
        up = created[created["configuration"] == driver]["value"]
        if len(up):
            bars.published(f"Red Hat start\n{driver}", float(up.iloc[0]) / 1000)
    for driver in RED_HAT:
        down = destroyed[destroyed["configuration"] == driver]["value"]
        up = created[created["configuration"] == driver]["value"]
        if len(down) and len(up):
            bars.published(f"Red Hat remove\n{driver}", (float(down.iloc[0]) - float(up.iloc[0])) / 1000)
    bars.draw(ax)
    ax.tick_params(axis="x", labelsize=7, labelrotation=25)
    ax.set_ylabel("seconds per container")
    ax.set_title("Start and remove, one container after another (Red Hat: 1000 httpd, 2014)", fontsize=10)
    _legend(ax)
    return ax


def running_curve(df: pd.DataFrame, reference: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Running containers over time, the shape of Red Hat's chart, normalised per container.

    x: elapsed seconds / number of containers; y: fraction of them running. Red Hat's
    overlayfs and loop-lvm runs are drawn as straight lines between the points read off
    their chart (the real curves bend).
    """
    ax = _axes(ax, (7, 3.6))
    for engine_name, rows in df.groupby("engine", sort=False):
        n = int(rows["running"].max())
        up = rows[rows["phase"] == "start"]
        down = rows[rows["phase"] == "remove"]
        t_up = float(up["elapsed"].max())
        x = np.concatenate([[0], up["elapsed"], t_up + down["elapsed"]]) / n
        y = np.concatenate([[0], up["running"], down["running"]]) / n
        ax.plot(x, y, label=f"ours {engine_name} ({n} containers)", lw=2)
    created = _ref(reference, "create 1000 httpd containers").set_index("configuration")["value"]
    destroyed = _ref(reference, "destroy 1000 httpd containers").set_index("configuration")["value"]
    for driver, style in (("overlayfs", "--"), ("loop-lvm", ":")):
        if driver in created and driver in destroyed:
            ax.plot([0, created[driver] / 1000, destroyed[driver] / 1000], [0, 1, 0], ls=style, color=PUBLISHED,
                    label=f"Red Hat {driver} (1000, endpoints)")
    ax.set_xlabel("elapsed seconds / containers (normalised)")
    ax.set_ylabel("fraction running")
    ax.set_title("Create then destroy, one container at a time")
    ax.legend(fontsize=8)
    return ax


def run_latency(df: pd.DataFrame, reference: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """``docker run --rm busybox true`` per network mode, beside moby#38077 (Docker 18.09, 2 vCPU)."""
    ax = _axes(ax, (6.5, 3.4))
    bars = _Bars()
    for mode, rows in df.groupby("network", sort=False):
        bars.ours(f"ours\n--net={mode}", rows["seconds"])
    for configuration, label in (("default bridge", "bridge"), ("net=host", "host")):
        bars.published(f"moby#38077\n--net={label}", _ref_value(reference, "docker run --rm busybox true", configuration))
    bars.draw(ax)
    ax.set_ylabel("seconds per docker run")
    ax.set_title("docker run --rm busybox true: host vs bridge networking")
    _legend(ax)
    return ax


def stats_timeseries(df: pd.DataFrame, reference: pd.DataFrame | None = None, ax: Axes | None = None,
                     column: str = "cpu_percent") -> Axes:
    """One line per load over time (``column`` of :class:`cookbook.bench.StatsStream`'s table).

    The book's screenshot (image00376) shows one still frame of ``docker stats``; where
    ``reference`` has rows for ``docker stats``, they are drawn as dotted levels.
    """
    ax = _axes(ax, (7, 3.4))
    for load, rows in df.groupby("load", sort=False):
        ax.plot(rows["t"], rows[column], label=load, marker=".", ms=3)
    if reference is not None:
        for _, row in _ref(reference, "docker stats", column).iterrows():
            ax.axhline(row["value"], ls=":", color=PUBLISHED, lw=1)
            ax.annotate(f"book: {row['configuration']}", (0, row["value"]), fontsize=7, color=PUBLISHED)
    ax.set_xlabel("seconds")
    ax.set_ylabel(column.replace("_", " "))
    ax.set_title(f"docker stats stream: {column.replace('_', ' ')} by load")
    ax.legend(fontsize=8, ncol=3)
    return ax


def stats_cost(df: pd.DataFrame, reference: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Milliseconds per stats call, sampled vs one-shot, beside moby#23188's stream=false figure."""
    ax = _axes(ax, (6.5, 3.4))
    bars = _Bars()
    for call, rows in df.groupby("call", sort=False):
        bars.ours(f"ours\n{call}", rows["seconds"] * 1000)
    bars.published("moby#23188\nstream=false", _ref_value(reference, "stats stream=false", "per container"))
    bars.draw(ax)
    ax.set_ylabel("ms per stats call")
    ax.set_title("Cost of one stats API call per container")
    _legend(ax)
    return ax


def monitor_panels(df: pd.DataFrame, cost_percent: float, reference: pd.DataFrame,
                   axes: Sequence[Axes] | None = None) -> list[Axes]:
    """cAdvisor's container page from Prometheus: one panel per metric, and the monitor's own cost.

    Args:
        df: :func:`cookbook.monitor.collect`'s table (t, container, panel, value), with a ``load`` column.
        cost_percent: The exporter's CPU use in % of a core.
        reference: Published figures (cAdvisor's own CPU cost, google/cadvisor#2523).
        axes: Five Axes to draw on (default: a new figure).
    """
    if axes is None:
        figure, grid = plt.subplots(1, 5, figsize=(17, 3.3), layout="constrained")
        axes = list(grid)
    for ax, (panel, rows) in zip(axes, df.groupby("panel", sort=False)):
        for load, series in rows.groupby("load", sort=False):
            ax.plot(series["t"], series["value"], label=load)
        ax.set_title(panel, fontsize=9)
        ax.set_xlabel("seconds", fontsize=8)
    axes[0].legend(fontsize=7)
    published = _ref_value(reference, "cadvisor 29 containers", "housekeeping 1s")
    bars = _Bars()
    bars.ours("ours: exporter\n(1 s scrapes)", pd.Series([cost_percent]))
    bars.published("cAdvisor#2523\n(1 s housekeeping)", published)
    bars.draw(axes[4])
    axes[4].set_title("monitor's CPU cost (% of a core)", fontsize=9)
    return list(axes)


def live(draw: Callable[[Axes], None], seconds: float, every: float = 1.0, size: tuple[float, float] = (7, 3.4)) -> Axes:
    """Redraw a figure in place every ``every`` seconds for ``seconds`` (a live plot under the cell).

    Args:
        draw: Draws the current state on a cleared Axes.
        seconds: How long to keep updating.
        every: Seconds between redraws (a display rate, not a readiness wait).
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


def figure(name: str, table: pd.DataFrame, reference: pd.DataFrame) -> plt.Figure:
    """The figure ``cookbook bench`` saves for one of :func:`cookbook.bench.measure`'s tables."""
    from cookbook import bench

    if name in ("cpu", "disk"):
        baseline = "host" if name == "cpu" else "host folder"
        ax = (cpu_ratio if name == "cpu" else disk_ratio)(bench.paired_ratios(table, baseline), reference)
        return ax.figure
    if name == "net":
        fig, (left, right) = plt.subplots(1, 2, figsize=(15, 3.8), layout="constrained")
        ratios = bench.paired_ratios(table, "host loopback", column="path")
        net_latency(ratios, reference, left)
        net_bandwidth(ratios, reference, right)
        return fig
    if name == "startstop":
        fig, (left, right) = plt.subplots(1, 2, figsize=(15, 3.8), layout="constrained")
        running_curve(table, reference, left)
        start_stop(table, reference, right)
        return fig
    if name == "stats":
        return stats_timeseries(table, reference).figure
    if name == "stats-cost":
        return stats_cost(table, reference).figure
    raise ValueError(f"no figure for {name!r}")
