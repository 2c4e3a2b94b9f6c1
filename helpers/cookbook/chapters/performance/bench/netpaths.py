"""Recipe 7.3 measured: request/response (TCP and UDP) and bandwidth (iperf3, nuttcp -t/-r) by path.

Two comparisons:

* :func:`network`, on the reader's engine: host loopback (the native baseline), a server in a
  ``--net=host`` container, container to container on a bridge network of ours, and the host to
  a port published on 127.0.0.1.
* :func:`proxy_paths`, moby/moby#7857's question: the same request/response over a published
  port on two sandbox engines, one with the default userland proxy (``docker-proxy`` relays
  each connection) and one started with ``--userland-proxy=false`` (the kernel's DNAT does it),
  each beside its own loopback and bridge.

Every round runs every (path, tool) once, in a random, balanced order.

Both ends of a request/response run on one CPU (``taskset -c 0``): on this two-vCPU VM a round trip
between the two CPUs pays two inter-processor wake-ups, about 40 µs (a sockperf loopback round trip
measured 12-13 µs with client and server on one CPU, 49-53 µs across the two), and where the
scheduler puts them would otherwise decide the result more than the path does.
"""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import docker
import docker.errors
import pandas as pd
from docker.models.containers import Container

from cookbook import engine, labels, waits
from cookbook.chapters.performance.bench.params import Params, schedule
from cookbook.chapters.performance.bench.sides import Progress, bench_container, environment, in_container, on_host, say
from cookbook.ports import free_port

if TYPE_CHECKING:
    from cookbook.lab.sandbox import Sandbox
from cookbook.chapters.performance.bench.nettools import (
    IPERF_PORT,
    NUTTCP_PORT,
    SOCKPERF_PORT,
    TOOLS,
    Target,
    listening,
    run_once,
    servers,
)


def measure_paths(
    targets: Mapping[str, Target],
    tools: Sequence[str],
    params: Params,
    salt: str,
    progress: Progress | None = None,
    label: str = "net",
) -> list[dict]:
    """Run every (path, tool) once per round, in a random order per round.

    Returns:
        One row per run: benchmark, pair, position, path, metric, value, unit.
    """
    combos = [f"{path}|{tool}" for path in targets for tool in tools]
    rows = []
    for pair, order in enumerate(schedule(combos, params.pairs, params.seed, salt)):
        say(progress, f"{label}: round {pair + 1}/{params.pairs} ({len(order)} runs)")
        for position, combo in enumerate(order):
            path, name = combo.rsplit("|", 1)
            tool, target = TOOLS[name], targets[path]
            value = run_once(tool, target, params.net_seconds, retry=pair == 0)
            rows.append(
                {
                    "benchmark": tool.benchmark,
                    "pair": pair,
                    "position": position,
                    "path": path,
                    "metric": tool.metric,
                    "value": value,
                    "unit": tool.unit,
                }
            )
    return rows


def published_port_path(host_port: int) -> str:
    """Which path host → 127.0.0.1:``host_port`` takes here: docker-proxy, or the kernel's DNAT."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if args and args[0].endswith(b"docker-proxy") and str(host_port).encode() in args:
            return "docker-proxy"
    return "DNAT"


def network(
    params: Params,
    client: docker.DockerClient | None = None,
    recipe: str = "bench-net",
    progress: Progress | None = None,
    tools: Sequence[str] = tuple(TOOLS),
) -> tuple[pd.DataFrame, str]:
    """Round trips (TCP, UDP) and bandwidth (iperf3, nuttcp -t/-r) over the four paths of :data:`NET_PATHS`.

    Returns:
        The samples (metric rtt_us / bandwidth_gbps, per path, tool and round) and what relays
        the published port here (``docker-proxy`` or ``DNAT``).
    """
    client = client or engine.connect()
    env = environment(client)
    net = client.networks.create(f"cb-bench-net-{labels.session_id()}", labels=labels.for_recipe(recipe))
    host_ports = (free_port(), free_port(), free_port(pair=True))
    host_server = subprocess.Popen(servers("127.0.0.1", *host_ports), start_new_session=True)
    hostnet_ports = (free_port(), free_port(), free_port(pair=True))
    nut = free_port(pair=True)  # the same number inside and outside: nuttcp's client names the data port
    ports = {f"{SOCKPERF_PORT}/tcp": None, f"{SOCKPERF_PORT}/udp": None, IPERF_PORT: None, nut: nut, nut + 1: nut + 1}
    try:
        with (
            bench_container(client, recipe, network=net.name, ports=ports) as server,
            bench_container(client, recipe, network="host") as hostnet,
            bench_container(client, recipe, network=net.name) as peer,
        ):
            hostnet.exec_run(servers("127.0.0.1", *hostnet_ports), detach=True)
            server.exec_run(servers("0.0.0.0", SOCKPERF_PORT, IPERF_PORT, nut), detach=True)
            server.reload()
            server_ip = server.attrs["NetworkSettings"]["Networks"][net.name]["IPAddress"]
            tcp = waits.host_port(server, SOCKPERF_PORT)[1]
            udp = waits.host_port(server, SOCKPERF_PORT, "udp")[1]
            iperf = waits.host_port(server, IPERF_PORT)[1]
            targets = {
                "host loopback": Target("127.0.0.1", host_ports[0], host_ports[0], *host_ports[1:], on_host),
                "host networking": Target("127.0.0.1", hostnet_ports[0], hostnet_ports[0], *hostnet_ports[1:], on_host),
                "bridge (container to container)": Target(
                    server_ip, SOCKPERF_PORT, SOCKPERF_PORT, IPERF_PORT, nut, lambda argv: in_container(peer, argv)
                ),
                "published port": Target("127.0.0.1", tcp, udp, iperf, nut, on_host),
            }
            for path, target in targets.items():
                waits.until(functools.partial(listening, target), what=f"the {path} servers to listen", timeout=120)
            via = published_port_path(tcp)
            version = in_container(peer, ["sockperf", "--version"]).splitlines()[0].strip()
            rows = measure_paths(targets, tools, params, "net", progress)
    finally:
        os.killpg(host_server.pid, 15)
        host_server.wait(timeout=30)
        try:
            net.remove()
        except docker.errors.APIError:
            pass  # the recipe's close() sweeps it by label
    return pd.DataFrame([{**row, "tool_version": version, **env} for row in rows]), via


def proxies_running(box: Container) -> int:
    """How many ``docker-proxy`` processes run in a sandbox engine's container."""
    text = in_container(box, ["sh", "-c", "ps -eo args | grep -c '^/usr/sbin/docker-proxy' || true"])
    return int(text.strip() or 0)


SANDBOX_LOOPBACK = (12111, 6201, 7000)
"""Ports of the servers on a sandbox's own loopback (its ``--net=host`` containers)."""


def proxy_paths(
    params: Params,
    engines: Mapping[str, Sandbox] | None = None,
    recipe: str = "bench-proxy",
    progress: Progress | None = None,
    tools: Sequence[str] = ("sockperf tcp", "sockperf udp", "iperf3"),
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The published-port path with and without the userland proxy (moby/moby#7857), on sandbox engines.

    In each engine: a server container on its default bridge publishing on 127.0.0.1, a server in a
    ``--net=host`` container on the engine's own loopback, a client in a ``--net=host`` container
    (so "the host" is the sandbox's network namespace) and a client container on the bridge. Both
    engines' servers run at once, and every round runs every (engine, path, tool) once, in a random,
    balanced order: the two engines are compared within rounds, like every other comparison.

    Args:
        params: pairs, net_seconds, seed.
        engines: Label → sandbox (default: two started here, ``docker-proxy`` with the default
            flags and ``userland-proxy=false`` with ``--userland-proxy=false``, removed at the end).
        recipe: The recipe label of what is started.
        progress: Called with progress lines.
        tools: Which measurements.

    Returns:
        The samples (engine, path, benchmark, metric, pair, position, value, unit, proxies) and how
        many docker-proxy processes each engine ran while its server was published.
    """
    from cookbook.lab import sandbox  # late import: only this benchmark needs Docker-in-Docker

    made = []
    with ExitStack() as stack:
        if engines is None:
            engines = {}
            for name, flags in (("docker-proxy", []), ("userland-proxy=false", ["--userland-proxy=false"])):
                say(progress, f"proxy: starting a sandbox engine ({name})")
                made.append(stack.enter_context(sandbox.engine(flags=flags, recipe=recipe)))
                engines[name] = made[-1]
        targets: dict[str, Target] = {}
        envs: dict[str, dict[str, str]] = {}
        counted: dict[str, int] = {}
        for name, box in engines.items():
            envs[name] = environment(box.client)
            for path, target in _engine_targets(name, box, recipe, stack).items():
                targets[f"{name}|{path}"] = target
            counted[name] = proxies_running(box.container)
        found = measure_paths(targets, tools, params, "proxy", progress, "proxy")
    rows = []
    for row in found:
        name, path = row.pop("path").split("|")
        rows.append({"engine": name, "path": path, **row, "proxies": counted[name], **envs[name]})
    return pd.DataFrame(rows), counted


def _engine_targets(name: str, box: Sandbox, recipe: str, stack: ExitStack) -> dict[str, Target]:
    """Start one sandbox engine's servers and clients (kept until ``stack`` closes); return its three paths."""
    image = box.load("bench")
    loop = "127.0.0.1"
    local = ("127.0.0.1", None)
    published = {f"{SOCKPERF_PORT}/tcp": local, f"{SOCKPERF_PORT}/udp": local, f"{IPERF_PORT}/tcp": local}
    start = lambda **settings: stack.enter_context(  # noqa: E731
        bench_container(box.client, recipe, image=image, **settings)
    )
    server = start(ports=published)
    hostnet = start(network="host")
    client_box = start(network="host")
    peer = start()
    server.exec_run(servers("0.0.0.0", SOCKPERF_PORT, IPERF_PORT, NUTTCP_PORT), detach=True)
    hostnet.exec_run(servers(loop, *SANDBOX_LOOPBACK), detach=True)
    server.reload()
    ports = server.attrs["NetworkSettings"]["Ports"]
    host_port = {key: int(ports[key][0]["HostPort"]) for key in published}
    server_ip = server.attrs["NetworkSettings"]["IPAddress"]

    def from_host(argv: Sequence[str]) -> str:
        return in_container(client_box, argv)

    targets = {
        "sandbox loopback": Target(
            loop, SANDBOX_LOOPBACK[0], SANDBOX_LOOPBACK[0], SANDBOX_LOOPBACK[1], SANDBOX_LOOPBACK[2], from_host
        ),
        "bridge (container to container)": Target(
            server_ip, SOCKPERF_PORT, SOCKPERF_PORT, IPERF_PORT, NUTTCP_PORT, lambda argv: in_container(peer, argv)
        ),
        "published port": Target(
            loop,
            host_port[f"{SOCKPERF_PORT}/tcp"],
            host_port[f"{SOCKPERF_PORT}/udp"],
            host_port[f"{IPERF_PORT}/tcp"],
            NUTTCP_PORT,
            from_host,
        ),
    }
    for path, target in targets.items():
        waits.until(functools.partial(listening, target), what=f"the {path} servers of the {name} sandbox", timeout=120)
    return targets
