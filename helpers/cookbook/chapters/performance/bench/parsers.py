"""What the benchmark tools print, turned into numbers. No I/O here."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from cookbook.errors import CookbookError


class BenchError(CookbookError):
    """A benchmark tool failed or printed something we cannot read."""


def parse_sysbench(text: str) -> float:
    """Events per second from sysbench cpu output.

    Raises:
        BenchError: No ``events per second`` line.
    """
    found = re.search(r"events per second:\s*([\d.]+)", text)
    if not found:
        raise BenchError("sysbench printed no 'events per second' line.", "run it by hand to see why.")
    return float(found.group(1))


def parse_fio(text: str) -> dict[str, float]:
    """Read and write IOPS, and the I/Os fio issued, from ``fio --output-format=json`` output.

    Returns:
        read_iops, write_iops, read_ios, write_ios.

    Raises:
        BenchError: The output holds no JSON report.
    """
    try:
        report = json.loads(text[text.index("{") :])
        job = report["jobs"][0]
        return {
            "read_iops": float(job["read"]["iops"]),
            "write_iops": float(job["write"]["iops"]),
            "read_ios": float(job["read"].get("total_ios", 0)),
            "write_ios": float(job["write"].get("total_ios", 0)),
        }
    except (ValueError, KeyError, IndexError):
        raise BenchError("fio printed no JSON report.", "run the job by hand to see fio's message.") from None


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


def parse_nuttcp(text: str) -> float:
    """Bits per second from ``nuttcp -fparse`` output (``... rate_Mbps=23456.7 ...``).

    Raises:
        BenchError: No ``rate_Mbps`` field.
    """
    found = re.search(r"rate_Mbps=([\d.]+)", text)
    if not found:
        raise BenchError("nuttcp printed no rate_Mbps field.", "run nuttcp -t by hand to see why.")
    return float(found.group(1)) * 1e6


def package_versions(text: str) -> dict[str, str]:
    """Package → version from ``dpkg-query -W PACKAGE...`` output (``name[:arch]<TAB>version`` lines)."""
    found = (line.split(None, 1) for line in text.splitlines() if line.strip())
    return {parts[0].split(":")[0]: parts[1].strip() if len(parts) > 1 else "" for parts in found}


def parse_findmnt(text: str) -> dict[str, str]:
    """The mount a path is on, from ``findmnt --json -o TARGET,SOURCE,FSTYPE,OPTIONS -T PATH``.

    Raises:
        BenchError: The output is not findmnt's JSON.
    """
    try:
        found = json.loads(text)["filesystems"][0]
    except (ValueError, KeyError, IndexError):
        raise BenchError("findmnt printed no file system.", "run findmnt -T PATH by hand.") from None
    return {key: str(found.get(key) or "") for key in ("target", "source", "fstype", "options")}


def parse_stat_f(text: str) -> dict[str, str]:
    """``stat -f -c '%T %s %S'`` output: the file system type as the kernel names it, block sizes."""
    parts = text.split()
    if len(parts) < 3:
        raise BenchError(f"stat -f printed {text.strip()!r}.", "run stat -f PATH by hand.")
    return {"statfs_type": parts[0], "block_size": parts[1], "fundamental_block_size": parts[2]}


def parse_block_stat(text: str) -> tuple[int, int]:
    """Reads and writes completed, from a block device's ``/sys/class/block/DEV/stat`` line."""
    fields = text.split()
    return int(fields[0]), int(fields[4])


def stats_row(sample: Mapping[str, Any]) -> dict[str, float]:
    """Turn one stats API sample into numbers (CPU %, memory, network and block I/O totals).

    CPU % is what ``docker stats`` prints: the container's CPU time over the host's between
    this sample and the one before (``precpu_stats``), times the number of CPUs.
    """
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
