"""The two sides of a comparison: commands on the host and in a ``bench`` container, and where they ran.

The same binaries run on both sides: the ``bench`` catalogue image installs the Debian
bookworm packages, and :func:`host_tools` installs the same packages on the host (when it is
a Debian host and we are root) and records both versions. :func:`environment` is what every
result row records; :func:`run_environment` the fuller record of a whole run (with the load
average and the file systems), and :func:`filesystem` what lies under a folder.
"""

from __future__ import annotations

import datetime
import os
import platform
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import docker
import pandas as pd
from docker.models.containers import Container

from cookbook import containers, engine
from cookbook.chapters.performance.bench.parsers import BenchError, parse_block_stat, parse_findmnt, parse_stat_f

IMAGE = "bench"
TOOLS = {"sysbench": "sysbench", "fio": "fio", "iperf3": "iperf3", "sockperf": "sockperf", "nuttcp": "nuttcp"}
"""Binary → Debian package of each benchmark tool."""

Progress = Callable[[str], None]


def say(progress: Progress | None, text: str) -> None:
    """Pass one line of progress on, if anybody listens."""
    if progress is not None:
        progress(text)


def cpu_model() -> str:
    """The host CPU's model name, as /proc/cpuinfo gives it."""
    try:
        found = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
    except OSError:
        found = None
    return found.group(1).strip() if found else platform.processor() or "unknown"


# The columns :func:`environment` adds to every result row.
ENVIRONMENT = ("cpu_model", "cores", "kernel", "engine_version", "storage_driver")


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


def load_average() -> tuple[float, float, float]:
    """The host's 1, 5 and 15 minute load averages."""
    return os.getloadavg()


def run_environment(
    client: docker.DockerClient | None = None, folders: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The record of a whole run: :func:`environment`, the engine's facts, the date, the load, file systems.

    Args:
        client: The engine.
        folders: Label → folder whose file system to record (the engine's root is always recorded
            when this machine sees it).
    """
    client = client or engine.connect()
    facts = engine.versions(client)
    record: dict[str, Any] = {
        **environment(client),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "engine_api": facts["api"],
        "cgroup_version": facts["cgroup_version"],
        "os": facts["os"],
        "memory_gib": facts["memory_gib"],
        "docker_root": facts["docker_root"],
        "load_average_before": list(load_average()),
    }
    wanted = {"docker root": facts["docker_root"], **dict(folders or {})}
    record["filesystems"] = {label: filesystem(path) for label, path in wanted.items() if Path(path).exists()}
    return record


def filesystem(path: str | Path) -> dict[str, str]:
    """What lies under ``path`` on this machine: mount point, source, type, options (findmnt), statfs type.

    Returns:
        target, source, fstype, options, statfs_type, block_size, fundamental_block_size, device
        (the block device's name in /sys/class/block, or "" when the source is none).
    """
    mount = parse_findmnt(_text(["findmnt", "--json", "-o", "TARGET,SOURCE,FSTYPE,OPTIONS", "-T", str(path)]))
    statfs = parse_stat_f(_text(["stat", "-f", "-c", "%T %s %S", str(path)]))
    return {"path": str(path), **mount, **statfs, "device": block_device(mount["source"])}


def block_device(source: str) -> str:
    """The /sys/class/block name of a mount's source (``/dev/vda[/var/lib/docker]`` → ``vda``), or ""."""
    name = Path(source.split("[", 1)[0]).name if source.startswith("/dev/") else ""
    return name if name and Path("/sys/class/block", name, "stat").exists() else ""


def device_ops(device: str) -> tuple[int, int]:
    """Reads and writes the block device has completed since boot (0, 0 when there is none)."""
    if not device:
        return 0, 0
    return parse_block_stat(Path("/sys/class/block", device, "stat").read_text())


def _text(argv: Sequence[str]) -> str:
    done = subprocess.run(list(argv), capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise BenchError(f"`{' '.join(argv)}` exited {done.returncode}: {done.stderr.strip()[:200]}")
    return done.stdout


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


def host_tools(inside: Mapping[str, str]) -> pd.DataFrame:
    """Install missing tools on the host; return each tool's package version outside and inside.

    Args:
        inside: Package → version in the ``bench`` image (:func:`cookbook.chapters.performance.bench.parsers.package_versions`
            of the image's ``dpkg-query`` output).

    Returns:
        Columns: tool, package, host, container, same (whether the versions match).
    """
    install_host_tools()
    rows = []
    for tool, package in TOOLS.items():
        outside = _package_version(package) if shutil.which(tool) else ""
        version = inside.get(package, "")
        rows.append(
            {
                "tool": tool,
                "package": package,
                "host": outside or "missing",
                "container": version or "missing",
                "same": bool(outside) and outside == version,
            }
        )
    return pd.DataFrame(rows)


def on_host(argv: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 900) -> str:
    """Run ``argv`` on the host; return its standard output.

    Raises:
        BenchError: The tool is missing or exits non-zero.
    """
    if shutil.which(argv[0]) is None:
        raise BenchError(f"{argv[0]} is not installed on the host.", f"apt-get install {TOOLS.get(argv[0], argv[0])}.")
    done = subprocess.run(
        list(argv), capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=timeout
    )
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
    client: docker.DockerClient | None, recipe: str, image: str = IMAGE, **settings: Any
) -> Iterator[containers.ManagedContainer]:
    """A labelled ``bench`` container that sleeps until removed; commands run in it with exec."""
    client = client or engine.connect()
    box = containers.run(image, ["sleep", "infinity"], recipe=recipe, client=client, **settings)
    try:
        yield box
    finally:
        containers.remove(box)


@contextmanager
def given_or_new(box: Container | None, client: docker.DockerClient | None, recipe: str) -> Iterator[Container]:
    """``box`` when the caller started one (the notebook's ``ch7-bench``), else a new bench container."""
    if box is not None:
        yield box
        return
    with bench_container(client, recipe) as made:
        yield made
