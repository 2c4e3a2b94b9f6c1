"""Recipe 7.5's monitoring server without cAdvisor: a stats exporter that Prometheus scrapes.

cAdvisor (the book's tool) is neither a Debian package nor pullable without a registry.
What it gives a reader, per-container CPU, memory, network and block I/O over time kept by
a server, comes here from two parts:

* :class:`Exporter`: a small HTTP server in this process that, on each scrape, reads the
  Docker stats API (one-shot) for the containers carrying a given label and answers in
  Prometheus' text format, with cAdvisor's metric names (so the same queries work on a
  real cAdvisor). It binds to the gateway address of one of our Docker networks, so only
  containers on that network (and this host) can reach it.
* Prometheus (the catalogue's ``prometheus`` image, Debian's package) on that network,
  scraping the exporter every second; :func:`query_range` reads its HTTP API into pandas.

With a real cAdvisor (the book's :data:`CADVISOR_COMMAND`), Prometheus scrapes cAdvisor
instead and the same queries work.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pandas as pd

from cookbook import engine, labels
from cookbook.chapters.performance.bench.parsers import stats_row
from cookbook.chapters.performance.bench.statsapi import still_there
from cookbook.errors import CookbookError

METRICS = {
    "container_cpu_usage_seconds_total": ("counter", "Cumulative CPU time consumed, seconds."),
    "container_memory_usage_bytes": ("gauge", "Current memory usage, bytes."),
    "container_network_receive_bytes_total": ("counter", "Bytes received."),
    "container_network_transmit_bytes_total": ("counter", "Bytes transmitted."),
    "container_fs_reads_bytes_total": ("counter", "Bytes read from block devices."),
    "container_fs_writes_bytes_total": ("counter", "Bytes written to block devices."),
}


def values(sample: Mapping[str, Any]) -> dict[str, float]:
    """cAdvisor-named values from one Docker stats API sample."""
    nets = (sample.get("networks") or {}).values()
    blkio = sample.get("blkio_stats", {}).get("io_service_bytes_recursive") or []

    def io(op: str) -> float:
        return float(sum(e.get("value", 0) for e in blkio if e.get("op", "").lower() == op))

    return {
        "container_cpu_usage_seconds_total": sample.get("cpu_stats", {}).get("cpu_usage", {}).get("total_usage", 0)
        / 1e9,
        "container_memory_usage_bytes": float(sample.get("memory_stats", {}).get("usage", 0)),
        "container_network_receive_bytes_total": float(sum(n.get("rx_bytes", 0) for n in nets)),
        "container_network_transmit_bytes_total": float(sum(n.get("tx_bytes", 0) for n in nets)),
        "container_fs_reads_bytes_total": io("read"),
        "container_fs_writes_bytes_total": io("write"),
    }


def render(samples: Mapping[str, Mapping[str, Any]]) -> str:
    """Prometheus text format for ``{container name: stats sample}``."""
    lines = []
    numbers = {name: values(sample) for name, sample in samples.items()}
    for metric, (kind, text) in METRICS.items():
        lines += [f"# HELP {metric} {text}", f"# TYPE {metric} {kind}"]
        for name, found in sorted(numbers.items()):
            lines.append(f'{metric}{{name="{name}"}} {found[metric]:.6f}')
    return "\n".join(lines) + "\n"


class Exporter:
    """Serve the stats of labelled containers in Prometheus format on ``address``.

    A scrape must answer fast (Prometheus gives it one scrape interval), while the stats
    API takes about a second per container. So one thread per container follows its stats
    stream (``docker stats``) and keeps the latest sample; a scrape lists the labelled
    containers, starts following new ones, and renders the latest samples at once.

    Args:
        address: The address to bind (our network's gateway); port 0 picks a free one.
        label: Only containers carrying this label (``key=value``) are exported.
        endpoint: The engine to read stats from (default: the reader's); the exporter
            has a client of its own, since its threads must not share one with the notebook.

    Attributes:
        scrapes: How many scrapes were answered.
        history: Every stats sample's CPU % as the stats API gives it (what ``docker stats`` prints):
            (epoch seconds, container name, CPU %), to set beside what Prometheus makes of the counter.
    """

    def __init__(self, address: str, label: str, endpoint: engine.Endpoint | None = None) -> None:
        self.client = engine.client_for(endpoint or engine.endpoint())
        self.label = label
        self.scrapes = 0
        self.latest: dict[str, Mapping[str, Any]] = {}
        self.history: list[tuple[float, str, float]] = []
        self._followed: set[str] = set()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._cpu = 0.0
        self.started = time.monotonic()
        self.errors: list[str] = []
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                if self.path != "/metrics":
                    self.send_error(404)
                    return
                body = exporter.scrape().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass  # no access log under the notebook cell

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                exporter.fail(f"answering a scrape failed: {sys.exc_info()[0].__name__}: {sys.exc_info()[1]}")  # type: ignore[union-attr]

        self.server = Server((address, 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def target(self) -> str:
        """``host:port`` for Prometheus' scrape config."""
        host, port = self.server.server_address[:2]
        return f"{host!s}:{port}"

    def _follow(self, container_id: str, name: str) -> None:
        begun = time.thread_time()
        try:
            for sample in self.client.api.stats(container_id, stream=True, decode=True):
                percent = stats_row(sample)["cpu_percent"]
                with self._lock:
                    self.latest[name] = sample
                    self.history.append((time.time(), name, percent))
                    self._cpu += time.thread_time() - begun
                begun = time.thread_time()
                if self._stop.is_set():
                    break
        except Exception as exc:  # noqa: BLE001 - any failure of a stream is reported in the cell
            if not self._stop.is_set() and still_there(self.client, container_id):
                self.fail(f"the stats stream of {name} failed: {type(exc).__name__}: {exc}")
        with self._lock:
            self.latest.pop(name, None)
            self._followed.discard(container_id)

    def scrape(self) -> str:
        """Follow any new labelled container, and render the latest samples."""
        begun = time.thread_time()
        for box in self.client.containers.list(filters={"label": self.label}):
            with self._lock:
                new = box.id not in self._followed
                self._followed.add(box.id)
            if new:
                threading.Thread(target=self._follow, args=(box.id, box.name), daemon=True).start()
        with self._lock:
            text = render(dict(self.latest))
            self.scrapes += 1
            self._cpu += time.thread_time() - begun
        return text

    def fail(self, what: str) -> None:
        """Record a failure of a background thread; :meth:`stop` reports it in the cell."""
        with self._lock:
            self.errors.append(what)

    def cost_percent(self) -> float:
        """The exporter's CPU use (its threads in this process) since it started, in % of one core."""
        with self._lock:
            return 100.0 * self._cpu / max(time.monotonic() - self.started, 1e-9)

    def start(self) -> Exporter:
        """Start answering scrapes (in a background thread); return the exporter."""
        self.started = time.monotonic()
        self.thread.start()
        return self

    def stop(self, report: bool = True) -> None:
        """Stop answering, stop following the stats streams, and close the port.

        Raises:
            CookbookError: A background thread failed meanwhile (with ``report``).
        """
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()
        self.client.close()
        if report and self.errors:
            raise CookbookError(
                "the stats exporter: " + "; ".join(self.errors), "look at the engine, then run the cell again."
            )

    def __enter__(self) -> Exporter:
        return self.start()

    def __exit__(self, kind: object, *exc: object) -> None:
        self.stop(report=kind is None)


def prometheus_config(target: str, interval: str = "1s") -> str:
    """A Prometheus config that scrapes the exporter at ``target`` every ``interval``."""
    return (
        "global:\n"
        f"  scrape_interval: {interval}\n"
        f"  evaluation_interval: {interval}\n"
        "scrape_configs:\n"
        "  - job_name: docker-containers\n"
        "    static_configs:\n"
        f'      - targets: ["{target}"]\n'
    )


def write_config(text: str, name: str = "prometheus.yml", recipe: str = "ch7-monitor") -> str:
    """Write a config into a scratch folder of ``recipe`` (readable by the container's user); return its path."""
    folder = labels.scratch(recipe, "prometheus")
    folder.chmod(0o755)
    path = folder / name
    path.write_text(text)
    path.chmod(0o644)
    return str(path)


def query_range(base_url: str, promql: str, start: float, end: float, step: float = 1.0) -> pd.DataFrame:
    """Run a PromQL range query; return rows t (seconds since ``start``), container, value.

    Raises:
        CookbookError: Prometheus answered with an error.
    """
    query = urllib.parse.urlencode({"query": promql, "start": start, "end": end, "step": step})
    with urllib.request.urlopen(f"{base_url}/api/v1/query_range?{query}", timeout=30) as response:
        answer = json.load(response)
    if answer.get("status") != "success":
        raise CookbookError(f"Prometheus refused {promql!r}: {answer.get('error', answer)}.")
    rows = []
    for series in answer["data"]["result"]:
        name = series["metric"].get("name", "?")
        rows += [{"t": float(t) - start, "container": name, "value": float(v)} for t, v in series["values"]]
    return pd.DataFrame(rows, columns=["t", "container", "value"])


QUERIES = {
    "CPU (% of a core)": "100 * rate(container_cpu_usage_seconds_total[5s])",
    "memory (MiB)": "container_memory_usage_bytes / 1048576",
    "network received (KiB/s)": "rate(container_network_receive_bytes_total[5s]) / 1024",
    "block writes (KiB/s)": "rate(container_fs_writes_bytes_total[5s]) / 1024",
}
"""What cAdvisor's container page shows, as PromQL over cAdvisor's metric names."""


def collect(base_url: str, start: float, end: float, step: float = 1.0) -> pd.DataFrame:
    """All of :data:`QUERIES` as one table: t, container, panel, value."""
    frames = []
    for panel, promql in QUERIES.items():
        frame = query_range(base_url, promql, start, end, step)
        frame["panel"] = panel
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


WINDOW = 5.0
"""Seconds of the rate window of the CPU query (``rate(...[5s])``)."""


def cpu_windows(
    base_url: str,
    start: float,
    end: float,
    history: list[tuple[float, str, float]],
    window: float = WINDOW,
    step: float = 1.0,
) -> pd.DataFrame:
    """The CPU rate Prometheus computes, how many samples each window held, and the stats API's own CPU %.

    Prometheus' ``rate()`` needs two samples in its window and extrapolates from those it has:
    while a series is younger than the window, it covers only part of it, and the rate reads low.

    Args:
        base_url: Prometheus' address.
        start: Epoch seconds (t = 0).
        end: Epoch seconds.
        history: :attr:`Exporter.history`.
        window: The rate window in seconds.
        step: Seconds between evaluations.

    Returns:
        Columns: t, container, rate_percent, samples (in the window), stats_percent (median of the
        stats API's CPU % over the same window, what ``docker stats`` showed meanwhile).
    """
    metric = "container_cpu_usage_seconds_total"
    rates = query_range(base_url, f"100 * rate({metric}[{window:g}s])", start, end, step)
    counts = query_range(base_url, f"count_over_time({metric}[{window:g}s])", start, end, step)
    table = rates.rename(columns={"value": "rate_percent"}).merge(
        counts.rename(columns={"value": "samples"}), on=["t", "container"]
    )
    seen = pd.DataFrame(history, columns=["epoch", "container", "cpu_percent"])
    seen["t"] = seen["epoch"] - start

    def stats_percent(row: pd.Series) -> float:
        mine = seen[(seen["container"] == row["container"]) & (seen["t"] > row["t"] - window) & (seen["t"] <= row["t"])]
        return float(mine["cpu_percent"].median()) if len(mine) else float("nan")

    table["stats_percent"] = table.apply(stats_percent, axis=1) if len(table) else []
    return table


def scrapes_held(base_url: str, metric: str = "container_cpu_usage_seconds_total") -> int:
    """How many scrapes of ``metric`` Prometheus holds for its least-sampled container (0 at first)."""
    query = urllib.parse.urlencode({"query": f"min(count_over_time({metric}[10m]))"})
    with urllib.request.urlopen(f"{base_url}/api/v1/query?{query}", timeout=30) as response:
        result = json.load(response).get("data", {}).get("result", [])
    return int(float(result[0]["value"][1])) if result else 0


CADVISOR_COMMAND = (
    "docker run --volume=/:/rootfs:ro --volume=/var/run:/var/run:rw --volume=/sys:/sys:ro "
    "--volume=/var/lib/docker/:/var/lib/docker:ro --publish=8080:8080 --detach=true --name=cadvisor "
    "google/cadvisor:latest"
)
"""The book's cAdvisor command (not run here: the image cannot be pulled without a registry)."""
