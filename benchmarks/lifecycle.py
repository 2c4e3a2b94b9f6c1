"""Run-to-exit of a busybox container three ways, interleaved, median of N each.

(a) the ``docker run --rm`` CLI, (b) the raw docker SDK, (c) ``cookbook.containers.run_to_exit``.
Prints a table and a last line ``helpers/sdk ratio: X.XX`` (goal: <= 1.05, and (c) faster than (a)).

    python benchmarks/lifecycle.py [--runs 20]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable

from cookbook import containers, engine, images, signals


def timed(action: Callable[[], object]) -> float:
    """Seconds one call of ``action`` takes."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs of each way (default 20)")
    args = parser.parse_args()
    signals.install_exit_sweep()
    client = engine.connect()
    image = images.ensure("busybox")
    docker_cli = shutil.which("docker")
    ways: dict[str, Callable[[], object]] = {
        "(b) docker SDK containers.run(remove=True)": lambda: client.containers.run(image, "true", remove=True),
        "(c) cookbook.containers.run_to_exit": lambda: containers.run_to_exit(image, "true", recipe="bench-lifecycle"),
    }
    if docker_cli:
        ways = {
            "(a) docker run --rm (CLI)": lambda: subprocess.run([docker_cli, "run", "--rm", image, "true"], check=True),
            **ways,
        }
    for action in ways.values():  # warm-up: page cache, connection pools
        action()
    samples: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(args.runs):
        for name, action in ways.items():
            samples[name].append(timed(action))
    print(f"busybox run-to-exit, {args.runs} runs each, interleaved ({engine.versions(client)['engine']})")
    print(f"{'way':<46}{'median ms':>10}{'min ms':>9}{'max ms':>9}")
    medians = {}
    for name, values in samples.items():
        medians[name] = statistics.median(values)
        print(f"{name:<46}{medians[name] * 1000:>10.1f}{min(values) * 1000:>9.1f}{max(values) * 1000:>9.1f}")
    sdk, ours = list(medians.values())[-2:]
    print(f"helpers/sdk ratio: {ours / sdk:.2f}")


if __name__ == "__main__":
    main()
