"""The network benchmarks' tools and targets: sockperf, iperf3 and nuttcp command lines, their servers, one run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cookbook import waits
from cookbook.chapters.performance.bench.parsers import BenchError, parse_iperf3, parse_nuttcp, parse_sockperf

if TYPE_CHECKING:
    pass

NET_PATHS = ("host loopback", "host networking", "bridge (container to container)", "published port")
PROXY_PATHS = ("sandbox loopback", "bridge (container to container)", "published port")
SOCKPERF_PORT = 11111
IPERF_PORT = 5201
NUTTCP_PORT = 5000
RR_CPU = "0"
"""The CPU both ends of every request/response run on (see the module's note)."""
PIN = ["taskset", "-c", RR_CPU]


@dataclass(frozen=True)
class Tool:
    """One client measurement: its benchmark name, metric, unit and command line."""

    benchmark: str
    metric: str
    unit: str
    argv: Callable[[Target, float], list[str]]
    parse: Callable[[str], float]


@dataclass(frozen=True)
class Target:
    """Where a path's servers answer, and how to run a client there.

    Attributes:
        address: The server's address as the client dials it.
        sockperf_tcp: sockperf's TCP port; ``sockperf_udp`` its UDP port (the same inside a container).
        iperf: iperf3's port.
        nuttcp: nuttcp's control port (its data port is the next one).
        run: Runs a client command line where this path's client runs; returns its output.
    """

    address: str
    sockperf_tcp: int
    sockperf_udp: int
    iperf: int
    nuttcp: int
    run: Callable[[Sequence[str]], str]


def _seconds(value: float) -> str:
    return str(max(1, round(value)))


def _nuttcp(target: Target, seconds: float, *direction: str) -> list[str]:
    """nuttcp's client command: ``direction`` (``-t``, or ``-r -F``), parsable output, control and data ports."""
    port = target.nuttcp
    return [
        "nuttcp",
        *direction,
        "-fparse",
        "-T",
        _seconds(seconds),
        "-P",
        str(port),
        "-p",
        str(port + 1),
        target.address,
    ]


TOOLS: dict[str, Tool] = {
    "sockperf tcp": Tool(
        "sockperf ping-pong tcp",
        "rtt_us",
        "us",
        lambda t, s: [
            *PIN,
            "sockperf",
            "ping-pong",
            "--tcp",
            "--full-rtt",
            "-i",
            t.address,
            "-p",
            str(t.sockperf_tcp),
            "-t",
            _seconds(s),
        ],
        parse_sockperf,
    ),
    "sockperf udp": Tool(
        "sockperf ping-pong udp",
        "rtt_us",
        "us",
        lambda t, s: [
            *PIN,
            "sockperf",
            "ping-pong",
            "--full-rtt",
            "-i",
            t.address,
            "-p",
            str(t.sockperf_udp),
            "-t",
            _seconds(s),
        ],
        parse_sockperf,
    ),
    "iperf3": Tool(
        "iperf3 tcp",
        "bandwidth_gbps",
        "Gbit/s",
        lambda t, s: ["iperf3", "-c", t.address, "-p", str(t.iperf), "-t", _seconds(s), "-J"],
        lambda text: parse_iperf3(text) / 1e9,
    ),
    "nuttcp -t": Tool(
        "nuttcp -t",
        "bandwidth_gbps",
        "Gbit/s",
        lambda t, s: _nuttcp(t, s, "-t"),
        lambda text: parse_nuttcp(text) / 1e9,
    ),
    "nuttcp -r": Tool(
        "nuttcp -r",
        "bandwidth_gbps",
        "Gbit/s",
        lambda t, s: _nuttcp(t, s, "-r", "-F"),
        lambda text: parse_nuttcp(text) / 1e9,
    ),
}
"""The book's two tools and the stand-ins: request/response (netperf's TCP_RR/UDP_RR → sockperf
ping-pong with ``--full-rtt``), bandwidth (nuttcp ``-t`` client to server, ``-r`` server to client;
iperf3 beside it). ``-r`` alone makes nuttcp's server open the data connection back to the client,
which no published port lets through: ``-F`` has the client open it, as for ``-t``."""


def servers(address: str, sockperf_port: int, iperf_port: int, nuttcp_port: int) -> list[str]:
    """One shell command that starts every server: sockperf TCP and UDP (on :data:`RR_CPU`), nuttcp, iperf3.

    nuttcp's server cannot bind one address (it listens on all of the namespace's addresses);
    ``--no3rdparty`` keeps it from relaying to third parties.
    """
    pin = " ".join(PIN)
    script = (
        f"{pin} sockperf server --tcp -i {address} -p {sockperf_port} >/dev/null 2>&1 & "
        f"{pin} sockperf server -i {address} -p {sockperf_port} >/dev/null 2>&1 & "
        f"nuttcp -S --nofork --no3rdparty -P {nuttcp_port} -p {nuttcp_port + 1} >/dev/null 2>&1 & "
        f"exec iperf3 -s -B {address} -p {iperf_port} >/dev/null 2>&1"
    )
    return ["sh", "-c", script]


def listening(target: Target) -> bool:
    """Whether the TCP servers of ``target`` accept connections (probed from where its client runs)."""
    probe = "; ".join(
        f"exec 3<>/dev/tcp/{target.address}/{port} && exec 3>&-" for port in (target.sockperf_tcp, target.iperf)
    )
    try:
        target.run(["bash", "-c", probe])
    except BenchError:
        return False
    return True


def run_once(tool: Tool, target: Target, seconds: float, retry: bool) -> float:
    """One measurement; with ``retry``, a first run that finds its server not up yet is tried again.

    Only the TCP servers are probed before the first round (a UDP server cannot be probed
    without running a measurement), so the first run of each kind may retry for a while.
    """
    if not retry:
        return tool.parse(target.run(tool.argv(target, seconds)))

    def attempt() -> list[float] | None:
        try:
            return [tool.parse(target.run(tool.argv(target, seconds)))]
        except BenchError:
            return None

    return waits.until(attempt, timeout=60, what=f"a first {tool.benchmark} run to succeed")[0]
