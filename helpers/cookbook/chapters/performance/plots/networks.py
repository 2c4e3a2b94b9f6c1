"""Networking: latency and bandwidth ratios per path, and the proxies' latency."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
from matplotlib.axes import Axes

from cookbook.chapters.performance.bench.statistics import paired_ratios
from cookbook.chapters.performance.plots import style

TITLES = {
    "net_latency": (
        "Request/response round trip by path, normalised to the host's loopback (= 1)",
        "higher is slower; published ratios are native / docker transaction rates",
    ),
    "net_bandwidth": (
        "Bandwidth by path and tool, on one machine (Gbit/s, not normalised)",
        "nuttcp -t: client to server; nuttcp -r: server to client",
    ),
    "proxy_latency": (
        "Published port with and without the userland proxy: round trip normalised to the sandbox's loopback (= 1)",
        "sandbox engines: default flags (docker-proxy) and --userland-proxy=false (DNAT)",
    ),
}
"""Each figure's title and the line under it, by the function that draws it."""


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


def _latency_series(
    ctx: style.Context,
    live: pd.DataFrame | None,
    name: str,
    baseline: str,
    keys: Sequence[str],
    category: Callable[[pd.Series], str],
) -> list[style.Series]:
    """Our two series of round-trip ratios over ``baseline``: this run's ``live`` and the reference run's ``name`` table.

    Args:
        ctx: The plots' context.
        live: This run's table (None: not measured).
        name: The reference run's table of the same benchmark.
        baseline: The path the ratios are over.
        keys: The columns that pair a round's rows.
        category: A row's bar group.

    Returns:
        The series, labelled with their rounds.
    """
    reference = style.reference_table(ctx, name)
    return style.our_series(
        ctx,
        _latency_ratios(live, baseline, keys),
        _latency_ratios(reference, baseline, keys),
        category,
        live_rounds=live,
        reference_rounds=reference,
    )


def _moby_ratio(ctx: style.Context, config: str) -> tuple[float, float, float]:
    """moby#7857's netperf 1-byte RR: native's transaction rate over ``config``'s, as a bare published value."""
    native = style.published_value(ctx.published, "netperf 1-byte RR", "no docker")
    return (native / style.published_value(ctx.published, "netperf 1-byte RR", config),) * 3


def net_latency(net: pd.DataFrame | None, ctx: style.Context, ax: Axes | None = None) -> Axes:
    """Round trip of each path over host loopback (TCP and UDP), beside moby#7857 and IBM's netperf RR."""
    ax = style.axes(ax, (10, 4))
    keys = ("benchmark", "metric", "pair")
    category = lambda row: f"{NET_SHORT.get(row['path'], row['path'])}\n{_protocol(row)}"  # noqa: E731
    series = _latency_series(ctx, net, "net", "host loopback", keys, category)
    moby = {f"{short}\nTCP": _moby_ratio(ctx, config) for short, config in MOBY_7857.items()}
    series.append(style.Series("published: moby#7857, netperf 1-byte RR (native = 1)", style.PUBLISHED[0], moby, True))
    ibm = {
        f"published\n{p}": (
            style.published_value(ctx.published, f"netperf {p}_RR", "docker NAT")
            / style.published_value(ctx.published, f"netperf {p}_RR", "native"),
        )
        * 3
        for p in ("TCP", "UDP")
    }
    series.append(
        style.Series("published: IBM netperf RR, docker NAT / native (10 GbE)", style.PUBLISHED[1], ibm, True)
    )
    categories = [f"{short}\n{p}" for p in ("TCP", "UDP") for short in ("host net", "bridge", "published")]
    return style.ratio_bars(ax, categories, series, "round-trip time ratio", *TITLES["net_latency"])


def net_bandwidth(net: pd.DataFrame | None, ctx: style.Context, ax: Axes | None = None) -> Axes:
    """Gbit/s per path and tool (iperf3, nuttcp -t, nuttcp -r), not normalised; IBM's 10 GbE as a marked ceiling."""
    ax = style.axes(ax, (11, 4))
    tools = {"iperf3 tcp": "iperf3", "nuttcp -t": "nuttcp -t", "nuttcp -r": "nuttcp -r"}
    category = lambda row: f"{NET_SHORT.get(row['path'], row['path'])}\n{tools.get(row['benchmark'], '?')}"  # noqa: E731
    pick = lambda table: table[table["metric"] == "bandwidth_gbps"] if table is not None else None  # noqa: E731
    series = style.our_series(ctx, pick(net), pick(style.reference_table(ctx, "net")), category, "value")
    categories = [
        f"{short}\n{tool}" for short in ("host loopback", "host net", "bridge", "published") for tool in tools.values()
    ]
    style.bars(ax, categories, series)
    style.stack_words(ax)
    link = style.published_value(ctx.published, "nuttcp", "all", "bandwidth")
    ax.axhline(
        link,
        color=style.PUBLISHED[0],
        lw=1.2,
        ls=":",
        label=f"published: IBM nuttcp, {link:g} Gbit/s on every path = their 10 GbE link's limit "
        "(a ceiling there, not comparable)",
    )
    ax.set_ylabel("Gbit/s")
    style.set_title(ax, *TITLES["net_bandwidth"])
    style.legend(ax)
    return ax


def proxy_latency(proxy: pd.DataFrame | None, ctx: style.Context, ax: Axes | None = None) -> Axes:
    """The published port with docker-proxy and with --userland-proxy=false, over each sandbox's loopback."""
    ax = style.axes(ax, (10, 4))
    keys = ("engine", "benchmark", "metric", "pair")
    short = {"docker-proxy": "proxy", "userland-proxy=false": "no proxy"}

    def category(row):
        return f"{short.get(row['engine'], row['engine'])}:\n{NET_SHORT.get(row['path'], row['path'])} {_protocol(row)}"

    series = _latency_series(ctx, proxy, "proxy", "sandbox loopback", keys, category)
    moby = {
        f"{s}:\n{path} TCP": _moby_ratio(ctx, config)
        for s in short.values()
        for path, config in (("bridge", "bridge"), ("published", "bridge+NAT"))
    }
    series.append(
        style.Series("published: moby#7857 (2014), bridge and bridge+NAT / native", style.PUBLISHED[0], moby, True)
    )
    categories = [
        f"{s}:\n{path} {p}" for p in ("TCP", "UDP") for s in short.values() for path in ("bridge", "published")
    ]
    return style.ratio_bars(ax, categories, series, "round-trip time ratio", *TITLES["proxy_latency"], wrap_ticks=True)


# ---------------------------------------------------------------- start / stop
