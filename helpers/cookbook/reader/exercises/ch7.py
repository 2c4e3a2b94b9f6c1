"""Chapter 7's exercises: a CPU cap measured, a pinned CPU, a tmpfs, a UDP port, a memory limit in stats, Prometheus."""

from __future__ import annotations

import time
import urllib.request
from typing import Any

from cookbook.reader.exercises import Context, NotYet, exercise, host_port


def cpu_percent(container: Any, seconds: float = 2.0) -> float:
    """The container's CPU use over ``seconds``, in % of one CPU (two reads of its cgroup counters)."""
    first = container.stats(stream=False)["cpu_stats"]["cpu_usage"]["total_usage"]
    began = time.monotonic()
    time.sleep(seconds)
    last = container.stats(stream=False)["cpu_stats"]["cpu_usage"]["total_usage"]
    return 100.0 * (last - first) / 1e9 / (time.monotonic() - began)


@exercise("ch7-half-cpu")
def half_cpu(context: Context) -> str:
    made = context.running("cb-ex-half")
    nano = made.attrs["HostConfig"].get("NanoCpus") or 0
    if nano != 500_000_000:
        raise NotYet(f"cb-ex-half may use {nano / 1e9:g} CPUs" if nano else "cb-ex-half has no CPU cap: --cpus 0.5.")
    used = cpu_percent(made)
    if used < 10:
        raise NotYet(f"cb-ex-half uses {used:.0f} % of a CPU: give it a busy loop to run.")
    if used > 65:
        raise NotYet(f"cb-ex-half uses {used:.0f} % of a CPU, more than its cap allows.")
    return f"cb-ex-half is held to half a CPU: it used {used:.0f} % of one over 2 s"


@exercise("ch7-pinned")
def pinned(context: Context) -> str:
    made = context.running("cb-ex-pinned")
    cpus = made.attrs["HostConfig"].get("CpusetCpus") or ""
    if cpus != "0":
        raise NotYet(f"cb-ex-pinned may run on CPUs {cpus or 'all'}: --cpuset-cpus 0.")
    seen = made.exec_run(["nproc"]).output.decode().strip()
    return f"cb-ex-pinned runs on CPU 0 only (nproc says {seen})"


@exercise("ch7-tmpfs")
def tmpfs(context: Context) -> str:
    made = context.running("cb-ex-scratch")
    options = (made.attrs["HostConfig"].get("Tmpfs") or {}).get("/scratch")
    if options is None:
        raise NotYet("cb-ex-scratch has no tmpfs at /scratch: --tmpfs /scratch:size=64m.")
    if "size=64m" not in options.replace("size=67108864", "size=64m"):
        raise NotYet(f"cb-ex-scratch's tmpfs has the options {options or 'of the default'}: size=64m.")
    return "cb-ex-scratch writes /scratch into 64 MB of memory"


@exercise("ch7-udp-port")
def udp_port(context: Context) -> str:
    ports = context.running("cb-ex-udp").attrs["NetworkSettings"].get("Ports") or {}
    tcp = "5353/tcp" in ports
    missing = "cb-ex-udp publishes 5353/tcp, not 5353/udp." if tcp else "cb-ex-udp does not publish 5353/udp."
    port = host_port(ports, "5353/udp", "127.0.0.1", missing)
    return f"cb-ex-udp's 5353/udp is on 127.0.0.1:{port}"


@exercise("ch7-memory-stats")
def memory_stats(context: Context) -> str:
    made = context.running("cb-ex-small")
    memory = made.attrs["HostConfig"].get("Memory") or 0
    if memory != 32 << 20:
        raise NotYet(f"cb-ex-small has {memory >> 20} MiB" if memory else "cb-ex-small has no memory limit: -m 32m.")
    shown = str(context.namespace.get("small_limit", ""))
    if "32MiB" not in shown.replace(" ", ""):
        raise NotYet("small_limit does not hold the 32MiB docker stats shows." if shown else
                     "there is no variable small_limit in the notebook yet.")  # fmt: skip
    return "docker stats shows cb-ex-small's limit, 32MiB, as its cgroup sets it"


@exercise("ch7-prometheus")
def prometheus(context: Context) -> str:
    ports = context.running("cb-ex-prom").attrs["NetworkSettings"].get("Ports") or {}
    bindings = ports.get("9090/tcp") or []
    if not bindings or bindings[0].get("HostIp") != "127.0.0.1":
        raise NotYet("cb-ex-prom does not publish 9090 on 127.0.0.1.")
    url = f"http://127.0.0.1:{bindings[0]['HostPort']}/-/ready"
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            status = answer.status
    except OSError as exc:
        raise NotYet(f"{url} does not answer yet ({type(exc).__name__}).") from None
    return f"Prometheus answers {status} on {url}"
