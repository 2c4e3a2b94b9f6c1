"""What the executor adds to a docker command: ``docker run --rm busybox true`` bare vs through ``cb.docker``.

(a) the ``docker`` CLI in a subprocess, as a terminal runs it; (b) the same command through
:func:`cookbook.shell.docker` (catalogue image check, labels, name check, output capture), not
printed. Runs alternate (a, b, a, b, ...) so that the machine's other work falls on both alike.
Prints both medians and a last line ``executor/bare ratio: X.XX (goal <= 1.10)``.

    python benchmarks/executor.py [--runs 20]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time

from cookbook import dockercli, engine, images, labels, shell, signals, sweeper
from cookbook.reader.recipe import Recipe


def main() -> int:
    """Time both ways, alternating; print the medians and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    signals.install_exit_sweep()
    client = engine.connect()
    image = images.ensure("busybox", client=client)  # both name the same, already built image
    bare_argv = [dockercli.program(), "run", "--rm", "cookbook/busybox", "true"]
    recipe = Recipe("bench-executor", client=client)
    times: dict[str, list[float]] = {"bare CLI": [], "executor": []}
    try:
        shell.docker("run --rm cookbook/busybox true", show=False)  # warm both paths once
        subprocess.run(bare_argv, check=True, capture_output=True)
        for _ in range(args.runs):
            began = time.perf_counter()
            subprocess.run(bare_argv, check=True, capture_output=True)
            times["bare CLI"].append(time.perf_counter() - began)
            began = time.perf_counter()
            shell.docker("run --rm cookbook/busybox true", show=False)
            times["executor"].append(time.perf_counter() - began)
    finally:
        recipe.close()
        sweeper.sweep(client, session=labels.session_id())
    medians = {way: statistics.median(values) for way, values in times.items()}
    for way, value in medians.items():
        print(f"{way:<9} median of {args.runs}: {value * 1000:7.1f} ms ({image})")
    ratio = medians["executor"] / medians["bare CLI"]
    print(f"executor/bare ratio: {ratio:.2f} (goal <= 1.10): {'met' if ratio <= 1.10 else 'missed'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
