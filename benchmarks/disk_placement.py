"""Does the container layer's disk result follow the container or the file? fio on three paths.

Chapter 7's reference run found a container's writable layer at about 1.13x the host folder's
IOPS, while the bind volume (the host folder's own file, seen from a container) matched the
host. All three paths are the same ext4 file system on the same disk, and direct I/O reached the
disk once per I/O on each. This script separates the two things the layer path changes: *who*
runs fio (the host or the container) and *which file* it reads and writes (the host folder's, or
the one in the layer's upper directory). It runs IBM's mixed.fio job on

* ``host folder, from the host``: a file in a scratch folder;
* ``layer file, from the host``: the container layer's file, through the storage driver's upper
  directory on the host (no container involved);
* ``layer file, from the container``: the same file, through the container's overlay mount.

Every round runs the three in a random order (:func:`cookbook.chapters.performance.bench.schedule`). Prints the median
IOPS of each and the median ratios over the host folder; if the layer file is as fast from the
host as from the container, the difference follows the file's place on the disk, not the container.

    python benchmarks/disk_placement.py [--rounds 5] [--size-mb 1024] [--runtime 10]
"""

from __future__ import annotations

import argparse
import shutil
import statistics

from cookbook import engine, labels, signals, sweeper
from cookbook.chapters.performance import bench
from cookbook.chapters.performance.bench.sides import bench_container, in_container, on_host

CONFIGS = ("host folder, from the host", "layer file, from the host", "layer file, from the container")


def main() -> int:
    """Lay out both files, run the rounds, print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--runtime", type=int, default=10)
    args = parser.parse_args()
    signals.install_exit_sweep()
    client = engine.connect()
    recipe = "bench-disk-placement"
    folder = labels.scratch(recipe, "fio")
    job = bench.fio_job()
    fio_env = {"FIO_SIZE": f"{args.size_mb}m", "FIO_RUNTIME": str(args.runtime)}
    iops: dict[str, list[float]] = {config: [] for config in CONFIGS}
    try:
        with bench_container(client, recipe, volumes=[f"{job.parent}:/fio:ro"]) as layered:
            in_container(layered, ["mkdir", "-p", "/data"])
            layered.reload()
            upper = f"{layered.attrs['GraphDriver']['Data']['UpperDir']}/data"

            def run(config: str, *extra: str) -> str:
                if config.endswith("from the container"):
                    argv = ["fio", "--output-format=json", *extra, "/fio/mixed.fio"]
                    return in_container(layered, argv, {**fio_env, "FIO_DIR": "/data"})
                where = str(folder) if config.startswith("host folder") else upper
                return on_host(["fio", "--output-format=json", *extra, str(job)], {**fio_env, "FIO_DIR": where})

            run(CONFIGS[0], "--create_only=1")
            run(CONFIGS[2], "--create_only=1")
            for number, order in enumerate(bench.schedule(CONFIGS, args.rounds, 2015, "disk-placement")):
                for config in order:
                    found = bench.parse_fio(run(config))
                    iops[config].append(found["read_iops"] + found["write_iops"])
                    print(f"round {number + 1}/{args.rounds}: {config}: {iops[config][-1]:.0f} IOPS", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        sweeper.sweep(client, session=labels.session_id(), recipe=recipe)
    base = iops[CONFIGS[0]]
    for config in CONFIGS:
        ratios = [value / host for value, host in zip(iops[config], base)]
        median, low, high = bench.bootstrap_median(ratios)
        print(
            f"{config}: median {statistics.median(iops[config]):.0f} IOPS (read + write), "
            f"over the host folder {median:.3f} [{low:.3f}, {high:.3f}]"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
