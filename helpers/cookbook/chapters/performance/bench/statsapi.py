"""Recipe 7.4 and the knobs of the introduction: the stats API, what one stats call costs, cgroups, run latency.

:class:`StatsStream` records ``docker stats``' stream in the background. :func:`stats_cost`
times the first byte of one ``GET /containers/{id}/stats?stream=false`` answer, with and
without ``one-shot=true``, after the engine's stats collector has been idle and back to back:
the daemon samples every container it is asked about once a second (its collector sleeps one
interval after each round), so when a call arrives decides what it waits for.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import docker
import docker.errors
import pandas as pd
from docker.models.containers import Container

from cookbook import containers, engine, images, labels
from cookbook.chapters.performance.bench.params import Params, schedule
from cookbook.chapters.performance.bench.parsers import BenchError, stats_row
from cookbook.chapters.performance.bench.sides import IMAGE, environment
from cookbook.errors import CookbookError

LOADS = {
    "idle": ["sleep", "infinity"],
    "cpu": ["sh", "-c", "while :; do :; done"],
    "memory": ["python3", "-c", "import time; held = b'x' * (96 << 20); time.sleep(86400)"],
    "disk": [
        "sh",
        "-c",
        "while :; do dd if=/dev/zero of=/tmp/f bs=1M count=16 oflag=direct 2>/dev/null; rm -f /tmp/f; done",
    ],
    "network": ["ping", "-q", "-i", "0.2", "-s", "1400", "{idle}"],
}
"""Load name → the command of a ``bench`` container that makes that load."""


def start_loads(
    client: docker.DockerClient, recipe: str, network: str, names: Sequence[str] = tuple(LOADS)
) -> dict[str, Container]:
    """Start one labelled ``bench`` container per load on ``network``; return them by load.

    The ``network`` load pings the ``idle`` one, which is started first.
    """
    boxes: dict[str, Container] = {}
    try:
        for load in sorted(names, key=lambda n: n != "idle"):
            command = [part.format(idle=boxes["idle"].name) if "{idle}" in part else part for part in LOADS[load]]
            boxes[load] = containers.run(
                IMAGE,
                command,
                recipe=recipe,
                network=network,
                client=client,
                name=f"cb-load-{load}-{labels.session_id()}",
            )
    except BaseException:
        for box in boxes.values():
            containers.remove(box)
        raise
    return {load: boxes[load] for load in names}


def still_there(client: docker.DockerClient, ident: str) -> bool:
    """Whether the container still exists and runs (a stream that ends with its container is no failure)."""
    try:
        return client.containers.get(ident).status == "running"
    except (docker.errors.DockerException, OSError):
        return False


class StatsStream:
    """Record the stats stream (``docker stats``) of several containers in the background.

    Use as a context manager; :meth:`frame` returns what arrived so far, one row per
    sample: t (seconds since start), container, load, the numbers of
    :func:`cookbook.chapters.performance.bench.parsers.stats_row`, and the environment.

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
            stream = self.client.api.stats(box.id, stream=True, decode=True)
            for sample in stream:
                if self._stop.is_set():
                    break
                row = {"t": time.monotonic() - self.started, "container": box.name, "load": load, **stats_row(sample)}
                with self._lock:
                    self.rows.append(row)
            stream.close()  # ends the subscription: the engine's collector may go idle again
        except Exception as exc:  # noqa: BLE001 - any failure of a stream is reported in the cell
            if not self._stop.is_set() and still_there(self.client, box.id):
                with self._lock:
                    self.errors.append(f"the stats stream of {box.name} failed: {type(exc).__name__}: {exc}")

    def __enter__(self) -> StatsStream:
        self.started = time.monotonic()
        for load, box in self.boxes.items():
            thread = threading.Thread(target=self._follow, args=(load, box), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        if self.errors and kind is None:
            raise CookbookError(
                "; ".join(self.errors), "look at the engine (`cookbook doctor`), then run the cell again."
            )

    @property
    def elapsed(self) -> float:
        """Seconds since the stream started."""
        return time.monotonic() - self.started

    def frame(self) -> pd.DataFrame:
        """The samples so far."""
        with self._lock:
            rows = list(self.rows)
        columns = [
            "t",
            "container",
            "load",
            "cpu_percent",
            "memory_mib",
            "net_rx_bytes",
            "net_tx_bytes",
            "blk_read_bytes",
            "blk_write_bytes",
        ]
        if not rows:
            return pd.DataFrame(columns=columns + list(self.env))
        return pd.DataFrame([{**row, **self.env} for row in rows])


# ---------------------------------------------------------------- the cost of one stats call


def stats_path(ident: str, one_shot: bool) -> str:
    """The API path of one non-streamed stats call (API 1.41: ``one-shot`` is new in 20.10)."""
    return f"/v1.41/containers/{ident}/stats?stream=false" + ("&one-shot=true" if one_shot else "")


def first_byte(point: engine.Endpoint, path: str, timeout: float = 30) -> tuple[float, float]:
    """Send ``GET path`` to an engine; return seconds to the answer's first byte, and to its end.

    The request is written by hand (as ``curl`` would send it) over the engine's unix socket or
    TCP, with TLS when ``point`` has a certificate folder, so that nothing of a client library
    sits between the clock and the socket.

    Raises:
        BenchError: The engine does not answer with 200.
    """
    parsed = urlparse(point.url)
    if parsed.scheme == "unix":
        sock: socket.socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(parsed.path)
    else:
        sock = socket.create_connection((parsed.hostname, parsed.port), timeout=timeout)
        if point.cert_path:
            from cookbook.lab.api import TlsFiles

            sock = TlsFiles.folder(point.cert_path).context().wrap_socket(sock, server_hostname=parsed.hostname)
    try:
        request = f"GET {path} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n".encode()
        begun = time.perf_counter()
        sock.sendall(request)
        first = sock.recv(1)
        to_first = time.perf_counter() - begun
        answer = first + _drain(sock)
        to_end = time.perf_counter() - begun
    except (OSError, ssl.SSLError) as exc:
        raise BenchError(f"GET {path} failed: {exc}.") from None
    finally:
        sock.close()
    if not answer.startswith(b"HTTP/1.1 200"):
        raise BenchError(f"GET {path} answered {answer[:40]!r}.")
    return to_first, to_end


def _drain(sock: socket.socket) -> bytes:
    parts = []
    while chunk := sock.recv(65536):
        parts.append(chunk)
    return b"".join(parts)


CALLS = {"stream=false": False, "stream=false&one-shot=true": True}
SPACINGS = ("after an idle second", "back to back")
IDLE_GAP = 1.5
"""Seconds without any stats call before an "after an idle second" call: more than the collector's
one-second interval, so that it has gone back to waiting for a subscriber."""


def stats_cost(engines: Mapping[str, tuple[engine.Endpoint, str]], pairs: int, seed: int = 0) -> pd.DataFrame:
    """Time one stats call per (engine, call, spacing), ``pairs`` rounds in a random order per round.

    "After an idle second": no stats call reaches the engine for :data:`IDLE_GAP` seconds before
    it (a deliberate gap, the experiment's condition, not a wait for readiness). "Back to back":
    one call, then the timed one as soon as it returned.

    Args:
        engines: Label → (the engine's endpoint, a running container's id on it).
        pairs: Rounds.
        seed: Seed of the order.

    Returns:
        Columns: engine, call, spacing, pair, position, seconds (to the first byte), total_seconds.
    """
    combos = [f"{where}|{call}|{spacing}" for where in engines for call in CALLS for spacing in SPACINGS]
    rows = []
    for pair, order in enumerate(schedule(combos, pairs, seed, "stats-cost")):
        for position, combo in enumerate(order):
            where, call, spacing = combo.split("|")
            point, ident = engines[where]
            path = stats_path(ident, CALLS[call])
            if spacing == "back to back":
                first_byte(point, path)
            else:
                time.sleep(IDLE_GAP)
            to_first, to_end = first_byte(point, path)
            rows.append(
                {
                    "engine": where,
                    "call": call,
                    "spacing": spacing,
                    "pair": pair,
                    "position": position,
                    "seconds": to_first,
                    "total_seconds": to_end,
                }
            )
    return pd.DataFrame(rows)


def stats_cost_with_sandbox(
    client: docker.DockerClient, ident: str, pairs: int, seed: int = 0, recipe: str = "bench-stats"
) -> pd.DataFrame:
    """:func:`stats_cost` on the reader's engine (container ``ident``) and on a fresh sandbox engine.

    A fresh engine is one whose stats collector nobody else wakes: what it does for one caller shows.
    """
    from cookbook.lab import sandbox  # late import: only this needs Docker-in-Docker

    with sandbox.engine(recipe=recipe) as box:
        image = box.load("busybox")
        idle = containers.run(image, ["sleep", "infinity"], recipe=recipe, client=box.client)
        engines = {"this engine": (engine.endpoint(), ident), "sandbox engine": (box.endpoint, idle.id)}
        return stats_cost(engines, pairs, seed)


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
    "1": CgroupFiles(
        "/sys/fs/cgroup/cpu/cpu.shares",
        "/sys/fs/cgroup/cpuset/cpuset.cpus",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    ),
    "2": CgroupFiles("/sys/fs/cgroup/cpu.weight", "/sys/fs/cgroup/cpuset.cpus.effective", "/sys/fs/cgroup/memory.max"),
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
        seconds: How long to measure (the measured interval itself, not a readiness wait).

    Returns:
        One row per container: cpu_shares, cpu_seconds, share (of the containers' total).
    """
    before = {shares: cpu_seconds_used(box) for shares, box in boxes.items()}
    time.sleep(seconds)
    used = {shares: cpu_seconds_used(box) - before[shares] for shares, box in boxes.items()}
    total = sum(used.values()) or 1.0
    return pd.DataFrame([{"cpu_shares": s, "cpu_seconds": u, "share": u / total} for s, u in used.items()])


def run_latency(
    client: docker.DockerClient,
    modes: Sequence[str],
    params: Params,
    image: str = "busybox",
    recipe: str = "bench-runlat",
) -> pd.DataFrame:
    """Time ``docker run --rm IMAGE true`` per network mode, ``params.pairs`` rounds in a random order each.

    Columns: pair, position, network (the mode), seconds, and the environment.
    """
    env = environment(client)
    reference = images.ensure(image, client=client) if images.is_catalogued(image) else image
    rows = []
    for pair, order in enumerate(schedule(tuple(modes), params.pairs, params.seed, "run-latency")):
        for position, mode in enumerate(order):
            begun = time.perf_counter()
            client.containers.run(reference, ["true"], network_mode=mode, remove=True, labels=labels.for_recipe(recipe))
            rows.append({"pair": pair, "position": position, "network": mode, "seconds": time.perf_counter() - begun})
    return pd.DataFrame([{**row, **env} for row in rows])
