"""Recipes 7.1 and 7.2 measured: sysbench cpu and IBM's fio job, host against container, in random order."""

from __future__ import annotations

import shutil
from pathlib import Path

import docker
import pandas as pd
from docker.models.containers import Container

from cookbook import config, engine, labels
from cookbook.chapters.performance.bench.params import Params, schedule
from cookbook.chapters.performance.bench.parsers import parse_fio, parse_sysbench
from cookbook.chapters.performance.bench.sides import (
    Progress,
    bench_container,
    device_ops,
    environment,
    filesystem,
    given_or_new,
    in_container,
    on_host,
    say,
)


def _frame(rows: list[dict], env: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{**row, **env} for row in rows])


def sysbench_argv(seconds: float, max_prime: int) -> list[str]:
    """The sysbench cpu command line (one thread, time-bound)."""
    return ["sysbench", "cpu", f"--cpu-max-prime={max_prime}", "--threads=1", f"--time={max(1, round(seconds))}", "run"]


def cpu(
    params: Params,
    client: docker.DockerClient | None = None,
    recipe: str = "bench-cpu",
    progress: Progress | None = None,
    box: Container | None = None,
) -> pd.DataFrame:
    """sysbench cpu on the host and in a container, ``params.pairs`` rounds, each in a random order.

    Args:
        params: The benchmark's knobs (pairs, seconds per run, the prime bound, the seed).
        client: The engine (default: the reader's).
        recipe: The recipe whose label a bench container started here carries.
        progress: Called with one line per run.
        box: A running ``bench`` container to ``docker exec`` the runs in (default: one
            started and removed here).

    Returns:
        Columns: benchmark, pair, position (0: ran first in its round), side (host/container),
        metric, value, unit, tool_version, and the environment.
    """
    client = client or engine.connect()
    env = environment(client)
    argv = sysbench_argv(params.cpu_seconds, params.cpu_max_prime)
    rows = []
    with given_or_new(box, client, recipe) as inside:
        version = in_container(inside, ["sysbench", "--version"]).strip()
        for pair, order in enumerate(schedule(("host", "container"), params.pairs, params.seed, "cpu")):
            for position, side in enumerate(order):
                say(progress, f"cpu: round {pair + 1}/{params.pairs}, {side}")
                text = on_host(argv) if side == "host" else in_container(inside, argv)
                rows.append(
                    {
                        "benchmark": "sysbench cpu",
                        "pair": pair,
                        "position": position,
                        "side": side,
                        "metric": "events_per_s",
                        "value": parse_sysbench(text),
                        "unit": "events/s",
                        "tool_version": version,
                    }
                )
    return _frame(rows, env)


def fio_job() -> Path:
    """The IBM/book mixed.fio job file (size, runtime and folder from environment variables)."""
    return config.project_root() / "data" / "fio" / "mixed.fio"


DISK_CONFIGS = ("host folder", "bind volume", "container layer")
"""Where fio's file lies: a host folder, the same folder bind-mounted (the book's ``-v /ferrari:/ferrari``),
and a folder in a container's own writable layer (the storage driver's upper directory)."""


def disk(
    params: Params,
    client: docker.DockerClient | None = None,
    recipe: str = "bench-disk",
    progress: Progress | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """fio's mixed job on a host folder, the same folder bind-mounted, and a container's own layer.

    Each file is laid out first (``--create_only=1``, not timed); then every round runs the
    three in a random order. Around each run the block device's counters are read, so each row
    also says how many reads or writes reached the disk per I/O fio issued: about 1 when
    ``direct=1`` (O_DIRECT) bypasses the page cache on that path, far below 1 when a cache answers.

    Returns:
        The samples (columns: benchmark, pair, position, side, metric read_iops/write_iops, value,
        unit, fio_ios, device_ops, device_per_io, tool_version, environment) and the file systems
        under the three paths (side, path, target, source, fstype, options, statfs_type, ...).
    """
    client = client or engine.connect()
    env = environment(client)
    folder = labels.scratch(recipe, "fio")
    job_dir = str(fio_job().parent)
    fio_env = {"FIO_SIZE": f"{params.fio_size_mb}m", "FIO_RUNTIME": str(params.fio_runtime)}
    argv = ["fio", "--output-format=json", "/fio/mixed.fio"]
    rows = []
    try:
        with (
            bench_container(client, recipe, volumes=[f"{folder}:/ferrari", f"{job_dir}:/fio:ro"]) as bound,
            bench_container(client, recipe, volumes=[f"{job_dir}:/fio:ro"]) as layered,
        ):
            in_container(layered, ["mkdir", "-p", "/data"])
            layered.reload()
            upper = layered.attrs["GraphDriver"]["Data"].get("UpperDir", "")
            places = {"host folder": str(folder), "bind volume": str(folder), "container layer": f"{upper}/data"}
            systems = pd.DataFrame([{"side": side, **filesystem(path)} for side, path in places.items()])
            device = str(systems.set_index("side").loc["host folder", "device"])
            version = in_container(bound, ["fio", "--version"]).strip()

            def run(side: str, *extra: str) -> str:
                if side == "host folder":
                    return on_host(
                        ["fio", "--output-format=json", *extra, str(fio_job())], {**fio_env, "FIO_DIR": str(folder)}
                    )
                box, inside = (bound, "/ferrari") if side == "bind volume" else (layered, "/data")
                return in_container(box, [*argv[:2], *extra, argv[2]], {**fio_env, "FIO_DIR": inside})

            for side in DISK_CONFIGS:
                say(progress, f"disk: laying out the {params.fio_size_mb} MiB file, {side}")
                run(side, "--create_only=1")
            for pair, order in enumerate(schedule(DISK_CONFIGS, params.pairs, params.seed, "disk")):
                for position, side in enumerate(order):
                    say(progress, f"disk: round {pair + 1}/{params.pairs}, {side}")
                    reads_before, writes_before = device_ops(device)
                    found = parse_fio(run(side))
                    reads_after, writes_after = device_ops(device)
                    for metric, ios, ops in (
                        ("read_iops", found["read_ios"], reads_after - reads_before),
                        ("write_iops", found["write_ios"], writes_after - writes_before),
                    ):
                        rows.append(
                            {
                                "benchmark": "fio mixed.fio",
                                "pair": pair,
                                "position": position,
                                "side": side,
                                "metric": metric,
                                "value": found[metric],
                                "unit": "IOPS",
                                "fio_ios": ios,
                                "device_ops": ops if device else float("nan"),
                                "device_per_io": ops / ios if device and ios else float("nan"),
                                "tool_version": version,
                            }
                        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return _frame(rows, env), systems
