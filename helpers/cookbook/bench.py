"""Chapter 7's benchmarks: host and container runs of the same tool, as tidy tables.

Every benchmark returns a pandas DataFrame with one row per sample and the
environment on every row (CPU model, cores, kernel, engine version, storage driver),
so a table read on its own still says where it was measured. Host and container runs
alternate (A B A B ...), one pair per round, so that a change in the machine's load
hits both sides alike; ratios are taken within a pair. Nothing here prints or plots.

The same binaries run on both sides: the ``bench`` catalogue image installs the Debian
bookworm packages, and :func:`host_tools` installs the same packages on the host
(when it is a Debian host and we are root) and records both versions.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import socket
import subprocess
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

import docker
import docker.errors
import pandas as pd
from docker.models.containers import Container

from cookbook import config, containers, engine, images, labels, waits
from cookbook.errors import BadParameter, CookbookError

IMAGE = "bench"
TOOLS = {"sysbench": "sysbench", "fio": "fio", "iperf3": "iperf3", "sockperf": "sockperf", "nuttcp": "nuttcp"}
"""Binary → Debian package of each benchmark tool."""

Progress = Callable[[str], None]


class BenchError(CookbookError):
    """A benchmark tool failed or printed something we cannot read."""


@dataclass(frozen=True)
class Params:
    """The knobs of the benchmarks.

    Attributes:
        pairs: Host/container pairs (rounds) per benchmark.
        cpu_seconds: Seconds of one sysbench cpu run.
        cpu_max_prime: sysbench's ``--cpu-max-prime`` (the work per event).
        fio_size_mb: Size of fio's test file (IBM: 16 GiB).
        fio_runtime: Seconds of one fio run (IBM: 60).
        net_seconds: Seconds of one latency or bandwidth run.
        containers: Containers started and stopped per storage driver (Red Hat: 1000).
        stats_seconds: Seconds the stats stream is recorded.
    """

    pairs: int = 5
    cpu_seconds: float = 5.0
    cpu_max_prime: int = 20000
    fio_size_mb: int = 1024
    fio_runtime: int = 10
    net_seconds: float = 3.0
    containers: int = 100
    stats_seconds: float = 10.0

    @classmethod
    def defaults(cls, quick: bool = False) -> "Params":
        """The full-run defaults, or the quick-mode ones."""
        if not quick:
            return cls()
        return cls(pairs=2, cpu_seconds=2.0, fio_size_mb=64, fio_runtime=2, net_seconds=1.0, containers=20, stats_seconds=5.0)

    def with_values(self, **values: Any) -> "Params":
        """Return a copy with ``values`` changed, after :func:`validate`."""
        validate(**values)
        return replace(self, **values)


def params_for(quick: bool, **values: Any) -> Params:
    """The mode's defaults with the given values (None keeps the default), validated.

    Raises:
        BadParameter: A value is unknown, not a number, or out of range.
    """
    return Params.defaults(quick).with_values(**{k: v for k, v in values.items() if v is not None})


_LIMITS: dict[str, tuple[float, float, str]] = {
    "pairs": (1, 50, "pairs"),
    "cpu_seconds": (0.5, 300, "seconds"),
    "cpu_max_prime": (100, 10_000_000, ""),
    "fio_size_mb": (8, 65536, "MiB"),
    "fio_runtime": (1, 600, "seconds"),
    "net_seconds": (0.5, 120, "seconds"),
    "containers": (1, 1000, "containers"),
    "stats_seconds": (2, 600, "seconds"),
}


def validate(**values: Any) -> None:
    """Check benchmark parameters (any subset of :class:`Params`' fields).

    Raises:
        BadParameter: An unknown name, a value that is not a number, or one out of range.
    """
    for name, value in values.items():
        if name not in _LIMITS:
            raise BadParameter(f"{name!r} is not a benchmark parameter.", f"use one of: {', '.join(_LIMITS)}.")
        low, high, unit = _LIMITS[name]
        integral = isinstance(Params.__dataclass_fields__[name].default, int)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (integral and value != int(value)):
            kind = "a whole number" if integral else "a number"
            raise BadParameter(f"{name}={value!r} is not {kind}.", f"give {name} {kind} from {low:g} to {high:g}.")
        if not low <= value <= high:
            raise BadParameter(
                f"{name}={value!r} is out of range.", f"give {name} a value from {low:g} to {high:g} {unit}".rstrip() + "."
            )


# ---------------------------------------------------------------- environment and tools


def cpu_model() -> str:
    """The host CPU's model name, as /proc/cpuinfo gives it."""
    try:
        found = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
    except OSError:
        found = None
    return found.group(1).strip() if found else platform.processor() or "unknown"


def environment(client: docker.DockerClient | None = None) -> dict[str, str]:
    """What every result row records: CPU model, cores, kernel, engine version, storage driver."""
    client = client or engine.connect()
    facts = engine.versions(client)
    return {
        "cpu_model": cpu_model(),
        "cores": str(os.cpu_count() or "?"),
        "kernel": platform.release(),
        "engine_version": facts["engine"],
        "storage_driver": facts["storage_driver"],
    }


def _frame(rows: Sequence[Mapping[str, Any]], env: Mapping[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{**row, **env} for row in rows])


def _package_version(package: str) -> str:
    done = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


def install_host_tools(tools: Sequence[str] = tuple(TOOLS)) -> list[str]:
    """Install the missing benchmark tools on the host from Debian packages.

    Returns:
        The tools that are still missing (not root, not Debian, or apt-get failed).
    """
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing and os.geteuid() == 0 and shutil.which("apt-get"):
        packages = [TOOLS[tool] for tool in missing]
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-q", *packages], capture_output=True, env=env, timeout=900)
        if any(shutil.which(tool) is None for tool in missing):
            subprocess.run(["apt-get", "update", "-q"], capture_output=True, env=env, timeout=900)
            subprocess.run(["apt-get", "install", "-y", "-q", *packages], capture_output=True, env=env, timeout=900)
    return [tool for tool in tools if shutil.which(tool) is None]


def package_versions(text: str) -> dict[str, str]:
    """Package → version from ``dpkg-query -W PACKAGE...`` output (``name[:arch]<TAB>version`` lines)."""
    found = (line.split(None, 1) for line in text.splitlines() if line.strip())
    return {parts[0].split(":")[0]: parts[1].strip() if len(parts) > 1 else "" for parts in found}


def host_tools(inside: Mapping[str, str]) -> pd.DataFrame:
    """Install missing tools on the host; return each tool's package version outside and inside.

    Args:
        inside: Package → version in the ``bench`` image (:func:`package_versions` of the
            image's ``dpkg-query`` output).

    Returns:
        Columns: tool, package, host, container, same (whether the versions match).
    """
    install_host_tools()
    rows = []
    for tool, package in TOOLS.items():
        outside = _package_version(package) if shutil.which(tool) else ""
        version = inside.get(package, "")
        rows.append({"tool": tool, "package": package, "host": outside or "missing",
                     "container": version or "missing", "same": bool(outside) and outside == version})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- running a command on a side


def on_host(argv: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 900) -> str:
    """Run ``argv`` on the host; return its standard output.

    Raises:
        BenchError: The tool is missing or exits non-zero.
    """
    if shutil.which(argv[0]) is None:
        raise BenchError(f"{argv[0]} is not installed on the host.", f"apt-get install {TOOLS.get(argv[0], argv[0])}.")
    done = subprocess.run(list(argv), capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=timeout)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise BenchError(f"`{' '.join(argv)}` on the host exited {done.returncode}: {' / '.join(tail)}")
    return done.stdout


def in_container(box: Container, argv: Sequence[str], env: Mapping[str, str] | None = None) -> str:
    """Run ``argv`` inside the running container ``box``; return its standard output.

    Raises:
        BenchError: The command exits non-zero.
    """
    result = box.exec_run(list(argv), environment=dict(env or {}), demux=True)
    out, err = (part.decode(errors="replace") if part else "" for part in result.output)
    if result.exit_code != 0:
        tail = (err or out).strip().splitlines()[-3:]
        raise BenchError(f"`{' '.join(argv)}` in {box.name} exited {result.exit_code}: {' / '.join(tail)}")
    return out


@contextmanager
def bench_container(
    client: docker.DockerClient | None, recipe: str, **settings: Any
) -> Iterator[containers.ManagedContainer]:
    """A labelled ``bench`` container that sleeps until removed; commands run in it with exec."""
    client = client or engine.connect()
    box = containers.run(IMAGE, ["sleep", "infinity"], recipe=recipe, client=client, **settings)
    try:
        yield box
    finally:
        containers.remove(box)


@contextmanager
def _given_or_new(box: Container | None, client: docker.DockerClient | None, recipe: str) -> Iterator[Container]:
    """``box`` when the caller started one (the notebook's ``ch7-bench``), else a new bench container."""
    if box is not None:
        yield box
        return
    with bench_container(client, recipe) as made:
        yield made


def _say(progress: Progress | None, text: str) -> None:
    if progress is not None:
        progress(text)


# ---------------------------------------------------------------- CPU


def sysbench_argv(seconds: float, max_prime: int) -> list[str]:
    """The sysbench cpu command line (one thread, time-bound)."""
    return ["sysbench", "cpu", f"--cpu-max-prime={max_prime}", "--threads=1", f"--time={max(1, round(seconds))}", "run"]


def parse_sysbench(text: str) -> float:
    """Events per second from sysbench cpu output.

    Raises:
        BenchError: No ``events per second`` line.
    """
    found = re.search(r"events per second:\s*([\d.]+)", text)
    if not found:
        raise BenchError("sysbench printed no 'events per second' line.", "run it by hand to see why.")
    return float(found.group(1))


def cpu(params: Params, client: docker.DockerClient | None = None, recipe: str = "bench-cpu",
        progress: Progress | None = None, box: Container | None = None) -> pd.DataFrame:
    """sysbench cpu on the host and in a container, alternating, ``params.pairs`` pairs.

    Args:
        params: The benchmark's knobs (pairs, seconds per run, the prime bound).
        client: The engine (default: the reader's).
        recipe: The recipe whose label a bench container started here carries.
        progress: Called with one line per run.
        box: A running ``bench`` container to ``docker exec`` the runs in (default: one
            started and removed here).

    Returns:
        Columns: benchmark, pair, side (host/container), metric, value, unit, tool_version,
        and the environment.
    """
    client = client or engine.connect()
    env = environment(client)
    argv = sysbench_argv(params.cpu_seconds, params.cpu_max_prime)
    rows = []
    with _given_or_new(box, client, recipe) as inside:
        version = in_container(inside, ["sysbench", "--version"]).strip()
        for pair in range(params.pairs):
            for side in ("host", "container"):
                _say(progress, f"cpu: pair {pair + 1}/{params.pairs}, {side}")
                text = on_host(argv) if side == "host" else in_container(inside, argv)
                rows.append({"benchmark": "sysbench cpu", "pair": pair, "side": side, "metric": "events_per_s",
                             "value": parse_sysbench(text), "unit": "events/s", "tool_version": version})
    return _frame(rows, env)


# ---------------------------------------------------------------- disk


def fio_job() -> Path:
    """The IBM/book mixed.fio job file (size, runtime and folder from environment variables)."""
    return config.project_root() / "data" / "fio" / "mixed.fio"


def parse_fio(text: str) -> dict[str, float]:
    """Read and write IOPS from ``fio --output-format=json`` output.

    Raises:
        BenchError: The output holds no JSON report.
    """
    try:
        report = json.loads(text[text.index("{"):])
        job = report["jobs"][0]
        return {"read_iops": float(job["read"]["iops"]), "write_iops": float(job["write"]["iops"])}
    except (ValueError, KeyError, IndexError):
        raise BenchError("fio printed no JSON report.", "run the job by hand to see fio's message.") from None


DISK_CONFIGS = ("host folder", "bind volume", "overlay2 layer")


def disk(params: Params, client: docker.DockerClient | None = None, recipe: str = "bench-disk",
         progress: Progress | None = None) -> pd.DataFrame:
    """fio's mixed job on a host folder, on the same folder bind-mounted, and in a container's own layer.

    The three runs of a round follow each other (host, bind, layer), ``params.pairs`` rounds.
    Columns: benchmark, pair, side, metric (read_iops/write_iops), value, unit, tool_version, environment.
    """
    client = client or engine.connect()
    env = environment(client)
    folder = labels.scratch(recipe, "fio")
    job_dir = str(fio_job().parent)
    fio_env = {"FIO_SIZE": f"{params.fio_size_mb}m", "FIO_RUNTIME": str(params.fio_runtime)}
    argv = ["fio", "--output-format=json", "/fio/mixed.fio"]
    rows = []
    try:
        with bench_container(client, recipe, volumes=[f"{folder}:/ferrari", f"{job_dir}:/fio:ro"]) as bound, \
                bench_container(client, recipe, volumes=[f"{job_dir}:/fio:ro"]) as layered:
            in_container(layered, ["mkdir", "-p", "/data"])
            version = in_container(bound, ["fio", "--version"]).strip()
            for pair in range(params.pairs):
                for side in DISK_CONFIGS:
                    _say(progress, f"disk: round {pair + 1}/{params.pairs}, {side}")
                    if side == "host folder":
                        text = on_host(["fio", "--output-format=json", str(fio_job())], {**fio_env, "FIO_DIR": str(folder)})
                    elif side == "bind volume":
                        text = in_container(bound, argv, {**fio_env, "FIO_DIR": "/ferrari"})
                    else:
                        text = in_container(layered, argv, {**fio_env, "FIO_DIR": "/data"})
                    for metric, value in parse_fio(text).items():
                        rows.append({"benchmark": "fio mixed.fio", "pair": pair, "side": side, "metric": metric,
                                     "value": value, "unit": "IOPS", "tool_version": version})
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return _frame(rows, env)


# ---------------------------------------------------------------- network


NET_PATHS = ("host loopback", "host networking", "bridge (container to container)", "published port")
SOCKPERF_PORT = 11111
IPERF_PORT = 5201


def free_port() -> int:
    """A TCP port that is free on the host's loopback right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def parse_sockperf(text: str) -> float:
    """The median round-trip time in µs from ``sockperf ping-pong --full-rtt`` output.

    Raises:
        BenchError: No median line.
    """
    found = re.search(r"percentile 50\.000 =\s*([\d.]+)", text)
    if not found:
        raise BenchError("sockperf printed no median line.", "run sockperf ping-pong by hand to see why.")
    return float(found.group(1))


def parse_iperf3(text: str) -> float:
    """Received bits per second from ``iperf3 -J`` output.

    Raises:
        BenchError: The JSON report is missing or says error.
    """
    try:
        report = json.loads(text)
    except ValueError:
        raise BenchError("iperf3 printed no JSON report.", "run iperf3 by hand to see why.") from None
    if "error" in report:
        raise BenchError(f"iperf3 failed: {report['error']}.")
    return float(report["end"]["sum_received"]["bits_per_second"])


def _servers(sockperf_port: int, iperf_port: int, address: str = "0.0.0.0") -> list[str]:
    script = (f"sockperf server --tcp -i {address} -p {sockperf_port} >/dev/null 2>&1 & "
              f"exec iperf3 -s -B {address} -p {iperf_port} >/dev/null 2>&1")
    return ["sh", "-c", script]


def _listening(host: str, *ports: int) -> bool:
    for port in ports:
        with socket.create_connection((host, port), timeout=2):
            pass
    return True


def _client_argvs(host: str, sockperf_port: int, iperf_port: int, seconds: float) -> tuple[list[str], list[str]]:
    latency = ["sockperf", "ping-pong", "--tcp", "--full-rtt", "-i", host, "-p", str(sockperf_port),
               "-t", str(max(1, round(seconds)))]
    bandwidth = ["iperf3", "-c", host, "-p", str(iperf_port), "-t", str(max(1, round(seconds))), "-J"]
    return latency, bandwidth


def published_port_path(host_port: int) -> str:
    """Which path host → 127.0.0.1:``host_port`` takes: docker-proxy, or iptables DNAT."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if args and args[0].endswith(b"docker-proxy") and str(host_port).encode() in args:
            return "docker-proxy (the userland proxy relays each connection)"
    return "iptables DNAT (no docker-proxy listens on this port)"


@dataclass
class NetSetup:
    """Where each network path's servers listen, and what they run in."""

    targets: dict[str, tuple[str, int, int]]
    client_box: Container
    published_via: str


def network(params: Params, client: docker.DockerClient | None = None, recipe: str = "bench-net",
            progress: Progress | None = None) -> tuple[pd.DataFrame, str]:
    """Round-trip latency (sockperf) and bandwidth (iperf3) over four paths, in rounds.

    Paths: host loopback (both ends on the host), host networking (server in a
    ``--net=host`` container), bridge (container to container on our network), and a
    port published on 127.0.0.1 (client on the host). Each round runs every path once.

    Returns:
        The samples (metric rtt_us / bandwidth_gbps per path and round) and which path
        the published port takes (docker-proxy or DNAT).
    """
    client = client or engine.connect()
    env = environment(client)
    rows = []
    net = client.networks.create(f"cb-bench-net-{labels.session_id()}", labels=labels.for_recipe(recipe))
    host_ports = (free_port(), free_port())
    host_server = subprocess.Popen(_servers(*host_ports, address="127.0.0.1"), start_new_session=True)
    hostnet_ports = (free_port(), free_port())
    try:
        with bench_container(client, recipe, network=net.name,
                             ports={SOCKPERF_PORT: None, IPERF_PORT: None},
                             ) as server, \
                bench_container(client, recipe, network="host") as hostnet, \
                bench_container(client, recipe, network=net.name) as peer:
            hostnet.exec_run(_servers(*hostnet_ports, address="127.0.0.1"), detach=True)
            server.exec_run(_servers(SOCKPERF_PORT, IPERF_PORT), detach=True)
            server.reload()
            server_ip = server.attrs["NetworkSettings"]["Networks"][net.name]["IPAddress"]
            published = (waits.host_port(server, SOCKPERF_PORT)[1], waits.host_port(server, IPERF_PORT)[1])
            targets = {
                "host loopback": ("127.0.0.1", *host_ports),
                "host networking": ("127.0.0.1", *hostnet_ports),
                "bridge (container to container)": (server_ip, SOCKPERF_PORT, IPERF_PORT),
                "published port": ("127.0.0.1", *published),
            }
            for path in ("host loopback", "host networking", "published port"):
                address, first, second = targets[path]
                waits.until(lambda: _listening(address, first, second), what=f"the {path} servers to listen")
            waits.until(lambda: peer.exec_run(["sh", "-c", f"sockperf ping-pong --tcp -i {server_ip} -p "
                                                          f"{SOCKPERF_PORT} -t 1 >/dev/null"]).exit_code == 0,
                        what="the bridge server to answer")
            via = published_port_path(published[0])
            version = in_container(peer, ["sockperf", "--version"]).splitlines()[0].strip()
            for pair in range(params.pairs):
                for path in NET_PATHS:
                    _say(progress, f"net: round {pair + 1}/{params.pairs}, {path}")
                    address, sp_port, ip_port = targets[path]
                    latency, bandwidth = _client_argvs(address, sp_port, ip_port, params.net_seconds)
                    run = (lambda a: in_container(peer, a)) if path.startswith("bridge") else on_host
                    rtt = parse_sockperf(run(latency))
                    gbps = parse_iperf3(run(bandwidth)) / 1e9
                    side = "host" if path == "host loopback" else "container"
                    rows.append({"benchmark": "sockperf ping-pong tcp", "pair": pair, "side": side, "path": path,
                                 "metric": "rtt_us", "value": rtt, "unit": "us", "tool_version": version})
                    rows.append({"benchmark": "iperf3 tcp", "pair": pair, "side": side, "path": path,
                                 "metric": "bandwidth_gbps", "value": gbps, "unit": "Gbit/s", "tool_version": version})
    finally:
        os.killpg(host_server.pid, 15)
        host_server.wait(timeout=30)
        try:
            net.remove()
        except docker.errors.APIError:
            pass  # the recipe's close() sweeps it by label
    return _frame(rows, env), via


# ---------------------------------------------------------------- start / stop


def start_stop(engines: Mapping[str, docker.DockerClient], n: int, image: str = "busybox",
               recipe: str = "bench-startstop", progress: Progress | None = None) -> pd.DataFrame:
    """Start ``n`` containers on each engine, then remove them all, alternating engines.

    Like Red Hat's chart: containers are started one after the other until ``n`` run,
    then removed one after the other. Container i is started on every engine before
    container i+1 (A B A B ...), so the engines see the same machine load.

    Args:
        engines: Label → engine (e.g. ``{"overlay2": ..., "vfs": ...}``); the image must be on each.
        n: Containers per engine.
        image: Image reference present on every engine (busybox runs ``sleep``).

    Returns:
        One row per container and phase: engine, storage_driver, phase (start/remove),
        index, seconds, elapsed (since the phase began on that engine), running (after the step).
    """
    rows = []
    envs = {name: environment(engine_client) for name, engine_client in engines.items()}
    made: dict[str, list[Container]] = {name: [] for name in engines}
    elapsed = {name: 0.0 for name in engines}
    try:
        for index in range(n):
            for name, engine_client in engines.items():
                begun = time.perf_counter()
                made[name].append(engine_client.containers.run(
                    image, ["sleep", "3600"], detach=True, labels=labels.for_recipe(recipe)))
                took = time.perf_counter() - begun
                elapsed[name] += took
                rows.append({"engine": name, "phase": "start", "index": index, "seconds": took,
                             "elapsed": elapsed[name], "running": index + 1, **envs[name]})
            if index % 10 == 9:
                _say(progress, f"startstop: {index + 1}/{n} running on each engine")
        elapsed = {name: 0.0 for name in engines}
        for index in range(n):
            for name in engines:
                box = made[name][index]
                begun = time.perf_counter()
                box.remove(force=True)
                took = time.perf_counter() - begun
                elapsed[name] += took
                rows.append({"engine": name, "phase": "remove", "index": index, "seconds": took,
                             "elapsed": elapsed[name], "running": n - index - 1, **envs[name]})
            if index % 10 == 9:
                _say(progress, f"startstop: {index + 1}/{n} removed on each engine")
    finally:
        for boxes in made.values():
            for box in boxes:
                containers.remove(box)
    return pd.DataFrame(rows)


def start_stop_sandboxed(n: int, drivers: Sequence[str] = ("overlay2", "vfs"), recipe: str = "bench-startstop",
                         progress: Progress | None = None) -> pd.DataFrame:
    """:func:`start_stop` on one fresh sandbox engine per storage driver (busybox loaded into each).

    Raises:
        SandboxFailed: A sandbox daemon did not start (its log lines say why).
    """
    from cookbook import sandbox  # late import: only this benchmark needs Docker-in-Docker

    boxes: dict[str, Any] = {}
    try:
        for driver in drivers:
            _say(progress, f"startstop: starting a {driver} sandbox engine")
            boxes[driver] = sandbox.engine(storage_driver=driver, recipe=recipe)
        image = ""
        for box in boxes.values():
            image = box.load("busybox")
        return start_stop({d: b.client for d, b in boxes.items()}, n, image, recipe, progress)
    finally:
        for box in boxes.values():
            box.close()


# ---------------------------------------------------------------- cgroup knobs


@dataclass(frozen=True)
class CgroupFiles:
    """Where a container reads its own cgroup knobs (inside the container).

    Attributes:
        cpu_shares: The CPU weight (``--cpu-shares``; cgroup v2 stores it as ``cpu.weight``).
        cpuset: The CPUs it may run on (``--cpuset-cpus``).
        memory_limit: Its memory limit in bytes (``-m``).
    """

    cpu_shares: str
    cpuset: str
    memory_limit: str


CGROUP_FILES = {
    "1": CgroupFiles("/sys/fs/cgroup/cpu/cpu.shares", "/sys/fs/cgroup/cpuset/cpuset.cpus",
                     "/sys/fs/cgroup/memory/memory.limit_in_bytes"),
    "2": CgroupFiles("/sys/fs/cgroup/cpu.weight", "/sys/fs/cgroup/cpuset.cpus.effective",
                     "/sys/fs/cgroup/memory.max"),
}
"""cgroup version (``docker info``'s CgroupVersion) → the knob files."""


def cgroup_files(client: docker.DockerClient | None = None) -> CgroupFiles:
    """The knob files of the engine's cgroup version (v1 or v2)."""
    version = engine.versions(client or engine.connect())["cgroup_version"]
    return CGROUP_FILES.get(version, CGROUP_FILES["1"])


def cpu_seconds_used(box: Container) -> float:
    """CPU seconds the container has used so far (from a one-shot stats call)."""
    stats = box.client.api.stats(box.id, stream=False, one_shot=True)
    return float(stats["cpu_stats"]["cpu_usage"]["total_usage"]) / 1e9


def cpu_shares_split(boxes: Mapping[int, Container], seconds: float) -> pd.DataFrame:
    """How busy containers with the given CPU shares split the CPU over ``seconds``.

    Args:
        boxes: CPU shares → a running, CPU-bound container (all pinned to the same core).
        seconds: How long to measure.

    Returns:
        One row per container: cpu_shares, cpu_seconds, share (of the containers' total).
    """
    before = {shares: cpu_seconds_used(box) for shares, box in boxes.items()}
    begun = time.monotonic()
    waits.until(lambda: time.monotonic() - begun >= seconds, timeout=seconds + 60, what="the measuring interval")
    used = {shares: cpu_seconds_used(box) - before[shares] for shares, box in boxes.items()}
    total = sum(used.values()) or 1.0
    return pd.DataFrame([{"cpu_shares": s, "cpu_seconds": u, "share": u / total} for s, u in used.items()])


def run_latency(client: docker.DockerClient, modes: Sequence[str], pairs: int, image: str = "busybox",
                recipe: str = "bench-runlat") -> pd.DataFrame:
    """Time ``docker run --rm IMAGE true`` per network mode, alternating the modes, ``pairs`` rounds.

    Columns: pair, network (the mode), seconds, and the environment.
    """
    env = environment(client)
    reference = images.ensure(image, client=client) if images.is_catalogued(image) else image
    rows = []
    for pair in range(pairs):
        for mode in modes:
            begun = time.perf_counter()
            client.containers.run(reference, ["true"], network_mode=mode, remove=True, labels=labels.for_recipe(recipe))
            rows.append({"pair": pair, "network": mode, "seconds": time.perf_counter() - begun})
    return _frame(rows, env)


# ---------------------------------------------------------------- docker stats


def stats_row(sample: Mapping[str, Any]) -> dict[str, float]:
    """Turn one stats API sample into numbers (CPU %, memory, network and block I/O totals)."""
    cpu_stats, pre = sample.get("cpu_stats", {}), sample.get("precpu_stats", {})
    cpu_delta = cpu_stats.get("cpu_usage", {}).get("total_usage", 0) - pre.get("cpu_usage", {}).get("total_usage", 0)
    system_delta = cpu_stats.get("system_cpu_usage", 0) - pre.get("system_cpu_usage", 0)
    online = cpu_stats.get("online_cpus") or len(cpu_stats.get("cpu_usage", {}).get("percpu_usage") or []) or 1
    memory = sample.get("memory_stats", {})
    usage = memory.get("usage", 0) - memory.get("stats", {}).get("cache", 0)
    nets = (sample.get("networks") or {}).values()
    blkio = sample.get("blkio_stats", {}).get("io_service_bytes_recursive") or []
    return {
        "cpu_percent": 100.0 * cpu_delta / system_delta * online if system_delta > 0 and cpu_delta >= 0 else 0.0,
        "memory_mib": usage / 2**20,
        "net_rx_bytes": float(sum(n.get("rx_bytes", 0) for n in nets)),
        "net_tx_bytes": float(sum(n.get("tx_bytes", 0) for n in nets)),
        "blk_read_bytes": float(sum(e.get("value", 0) for e in blkio if e.get("op", "").lower() == "read")),
        "blk_write_bytes": float(sum(e.get("value", 0) for e in blkio if e.get("op", "").lower() == "write")),
    }


LOADS = {
    "idle": ["sleep", "infinity"],
    "cpu": ["sh", "-c", "while :; do :; done"],
    "memory": ["python3", "-c", "import time; held = b'x' * (96 << 20); time.sleep(86400)"],
    "disk": ["sh", "-c", "while :; do dd if=/dev/zero of=/tmp/f bs=1M count=16 oflag=direct 2>/dev/null; rm -f /tmp/f; done"],
    "network": ["ping", "-q", "-i", "0.2", "-s", "1400", "{idle}"],
}
"""Load name → the command of a ``bench`` container that makes that load."""


def start_loads(client: docker.DockerClient, recipe: str, network: str, names: Sequence[str] = tuple(LOADS)) -> dict[str, Container]:
    """Start one labelled ``bench`` container per load on ``network``; return them by load.

    The ``network`` load pings the ``idle`` one, which is started first.
    """
    boxes: dict[str, Container] = {}
    try:
        for load in sorted(names, key=lambda n: n != "idle"):
            command = [part.format(idle=boxes["idle"].name) if "{idle}" in part else part for part in LOADS[load]]
            boxes[load] = containers.run(IMAGE, command, recipe=recipe, network=network, client=client,
                                         name=f"cb-load-{load}-{labels.session_id()}")
    except BaseException:
        for box in boxes.values():
            containers.remove(box)
        raise
    return {load: boxes[load] for load in names}


class StatsStream:
    """Record the stats stream (``docker stats``) of several containers in the background.

    Use as a context manager; :meth:`frame` returns what arrived so far, one row per
    sample: t (seconds since start), container, load, the numbers of :func:`stats_row`,
    and the environment.

    Args:
        boxes: Load name → running container.
        client: Their engine.
    """

    def __init__(self, boxes: Mapping[str, Container], client: docker.DockerClient | None = None) -> None:
        self.boxes = dict(boxes)
        self.client = client or engine.connect()
        self.env = environment(self.client)
        self.rows: list[dict[str, Any]] = []
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.errors: list[str] = []

    def _follow(self, load: str, box: Container) -> None:
        try:
            for sample in self.client.api.stats(box.id, stream=True, decode=True):
                if self._stop.is_set():
                    break
                row = {"t": time.monotonic() - self.started, "container": box.name, "load": load, **stats_row(sample)}
                with self._lock:
                    self.rows.append(row)
        except Exception as exc:  # noqa: BLE001 - any failure of a stream is reported in the cell
            if not self._stop.is_set() and still_there(self.client, box.id):
                with self._lock:
                    self.errors.append(f"the stats stream of {box.name} failed: {type(exc).__name__}: {exc}")

    def __enter__(self) -> "StatsStream":
        self.started = time.monotonic()
        for load, box in self.boxes.items():
            thread = threading.Thread(target=self._follow, args=(load, box), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        self._stop.set()
        if self.errors and kind is None:
            raise CookbookError("; ".join(self.errors), "look at the engine (`cookbook doctor`), then run the cell again.")

    @property
    def elapsed(self) -> float:
        """Seconds since the stream started."""
        return time.monotonic() - self.started

    def frame(self) -> pd.DataFrame:
        """The samples so far."""
        with self._lock:
            rows = list(self.rows)
        columns = ["t", "container", "load", "cpu_percent", "memory_mib", "net_rx_bytes", "net_tx_bytes",
                   "blk_read_bytes", "blk_write_bytes"]
        return _frame(rows, self.env) if rows else pd.DataFrame(columns=columns + list(self.env))


def still_there(client: docker.DockerClient, ident: str) -> bool:
    """Whether the container still exists and runs (a stream that ends with its container is no failure)."""
    try:
        return client.containers.get(ident).status == "running"
    except (docker.errors.DockerException, OSError):
        return False


def stats_cost(box: Container, pairs: int) -> pd.DataFrame:
    """Time the default stats call (``stream=false``: the daemon samples twice) against ``one-shot``.

    The calls alternate, ``pairs`` rounds. Columns: pair, call, seconds, and the environment.
    """
    env = environment(box.client)
    rows = []
    for pair in range(pairs):
        for call, one_shot in (("stream=false (sampled)", False), ("one-shot=true (API 1.41)", True)):
            begun = time.perf_counter()
            box.client.api.stats(box.id, stream=False, one_shot=one_shot)
            rows.append({"pair": pair, "call": call, "seconds": time.perf_counter() - begun})
    return _frame(rows, env)


# ---------------------------------------------------------------- summaries


def paired_ratios(df: pd.DataFrame, baseline: str, column: str = "side") -> pd.DataFrame:
    """Each sample divided by the baseline's sample of the same pair, benchmark and metric.

    Args:
        df: A benchmark table with ``pair``, ``metric`` and ``value`` columns.
        baseline: The value of ``column`` to divide by (``host``, ``host folder``, ``host loopback``).
        column: The column that names the configuration.

    Returns:
        Rows of the non-baseline configurations: benchmark, metric, ``column``, pair, ratio.
    """
    keys = ["benchmark", "metric", "pair"]
    base = df[df[column] == baseline][keys + ["value"]].rename(columns={"value": "base"})
    merged = df[df[column] != baseline].merge(base, on=keys)
    merged["ratio"] = merged["value"] / merged["base"]
    return merged[["benchmark", "metric", column, "pair", "ratio"]].reset_index(drop=True)


def spread(df: pd.DataFrame, by: Sequence[str], value: str = "value") -> pd.DataFrame:
    """Median and spread (quartiles, min, max, samples) of ``value`` per group."""
    grouped = df.groupby(list(by), sort=False)[value]
    out = grouped.agg(median="median", q1=lambda s: s.quantile(0.25), q3=lambda s: s.quantile(0.75),
                      low="min", high="max", samples="count")
    return out.reset_index()


def _cell(values: pd.Series, digits: str = ".3g") -> str:
    return f"{values.median():{digits}} [{values.quantile(0.25):{digits}}–{values.quantile(0.75):{digits}}]"


def headlines(cpu_ratios: pd.DataFrame, disk_ratios: pd.DataFrame, net: pd.DataFrame, startstop: pd.DataFrame,
              cost: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """The chapter's results in one table: question, ours (median [quartiles]), published, source."""

    def ref(benchmark: str, configuration: str, metric: str | None = None) -> float:
        rows = published[(published["benchmark"] == benchmark) & (published["configuration"] == configuration)]
        return float((rows[rows["metric"] == metric] if metric else rows)["value"].iloc[0])

    ibm = "IBM RC25482 (2014)"
    rows = [("CPU: container / host throughput", _cell(cpu_ratios["ratio"]),
             f"{ref('linpack', 'docker') / ref('linpack', 'native'):.3f} (Linpack)", ibm)]
    for metric in ("read_iops", "write_iops"):
        for side, part in disk_ratios[disk_ratios["metric"] == metric].groupby("side", sort=False):
            ibm_ratio = ref("fio mixed.fio", "docker volume", metric) / ref("fio mixed.fio", "native", metric)
            rows.append((f"disk {metric[:-5]} IOPS: {side} / host folder", _cell(part["ratio"]),
                         f"{ibm_ratio:.3f} (docker volume)", ibm))
    for path, part in net[net["metric"] == "rtt_us"].groupby("path", sort=False):
        published_rtt = {"host loopback": f"{ref('netperf TCP_RR', 'native'):g} (native, 10GbE)",
                         "published port": f"{ref('netperf TCP_RR', 'docker NAT'):g} (docker NAT, 10GbE)"}
        rows.append((f"round-trip µs: {path}", _cell(part["value"]), published_rtt.get(path, "-"),
                     ibm if path in published_rtt else "-"))
    for (engine_name, phase), part in startstop.groupby(["engine", "phase"], sort=False):
        key = ("create 1000 httpd containers", "overlayfs")
        value = ref(*key) / 1000 if phase == "start" else (ref("destroy 1000 httpd containers", "overlayfs") - ref(*key)) / 1000
        rows.append((f"s per container, {phase}: {engine_name}", _cell(part["seconds"]),
                     f"{value:.2f} (overlayfs)" if engine_name == "overlay2" else "-",
                     "Red Hat blog 2014-09-30" if engine_name == "overlay2" else "-"))
    for call, part in cost.groupby("call", sort=False):
        sampled = call.startswith("stream")
        rows.append((f"ms per stats call: {call}", _cell(part["seconds"] * 1000, ".0f"),
                     f"{ref('stats stream=false', 'per container'):g}" if sampled else "-",
                     "moby/moby#23188" if sampled else "-"))
    return pd.DataFrame(rows, columns=["question", "ours: median [quartiles]", "published", "source"])


def reference(path: Path | None = None) -> pd.DataFrame:
    """The published figures with their sources (data/reference/published-benchmarks.csv)."""
    return pd.read_csv(path or config.project_root() / "data" / "reference" / "published-benchmarks.csv")


def params_dict(params: Params) -> dict[str, Any]:
    """The parameters as a plain dict (for a table or a report)."""
    return asdict(params)


BENCHMARKS = ("cpu", "disk", "net", "startstop", "stats")


def measure(name: str, params: Params, client: docker.DockerClient | None = None,
            progress: Progress | None = None) -> dict[str, pd.DataFrame]:
    """Run one benchmark headless (what ``cookbook bench NAME`` does); return its tables by name.

    Raises:
        BadParameter: ``name`` is not one of :data:`BENCHMARKS`.
    """
    if name not in BENCHMARKS:
        raise BadParameter(f"{name!r} is not a benchmark.", f"use one of: {', '.join(BENCHMARKS)}, all.")
    client = client or engine.connect()
    recipe = f"bench-{name}"
    try:
        if name == "cpu":
            return {"cpu": cpu(params, client, recipe, progress)}
        if name == "disk":
            return {"disk": disk(params, client, recipe, progress)}
        if name == "net":
            table, via = network(params, client, recipe, progress)
            table["published_port_path"] = via
            return {"net": table}
        if name == "startstop":
            return {"startstop": start_stop_sandboxed(params.containers, recipe=recipe, progress=progress)}
        net = client.networks.create(f"cb-bench-stats-{labels.session_id()}", labels=labels.for_recipe(recipe))
        loads = start_loads(client, recipe, net.name)
        _say(progress, f"stats: streaming {len(loads)} containers for {params.stats_seconds:g} s")
        with StatsStream(loads, client) as stream:
            waits.until(lambda: stream.elapsed >= params.stats_seconds, timeout=params.stats_seconds + 60,
                        what="the recording window", longest=1.0)
        _say(progress, "stats: timing sampled vs one-shot calls")
        return {"stats": stream.frame(), "stats-cost": stats_cost(loads["idle"], params.pairs)}
    finally:
        labels.sweep(client, session=labels.session_id(), recipe=recipe)
