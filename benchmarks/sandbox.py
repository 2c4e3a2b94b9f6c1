"""Time to a ready sandbox engine and to a ready Swarm cluster with an overlay network, median of N.

"Ready" means the call returned: the daemon's API answers (sandbox), or every node is in the
swarm and ready and the overlay network exists (cluster). Images are built beforehand and not
timed; closing is timed separately. Goals on 2 cores: sandbox <= 5 s, 3-node cluster <= 20 s.

    python benchmarks/sandbox.py [--runs 3] [--nodes 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

from cookbook import engine, images, signals
from cookbook.lab import sandbox

GOALS = {"sandbox": 5.0, "cluster": 20.0}
RECIPE = "bench-sandbox"


def timed(start: Callable[[], object]) -> tuple[float, float]:
    """Seconds until ``start()`` returns a ready thing, and seconds to close it."""
    started = time.perf_counter()
    thing = start()
    ready = time.perf_counter() - started
    started = time.perf_counter()
    thing.close()  # type: ignore[attr-defined]
    return ready, time.perf_counter() - started


def cluster_with_overlay(nodes: int) -> sandbox.Cluster:
    """A sandbox cluster with one attachable overlay network on it."""
    swarm = sandbox.cluster(nodes, engines=(), recipe=RECIPE)
    swarm.overlay("bench")
    return swarm


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each case (default 3)")
    parser.add_argument("--nodes", type=int, default=3, help="cluster size (default 3)")
    args = parser.parse_args()
    signals.install_exit_sweep()
    client = engine.connect()
    images.ensure(sandbox.IMAGE, client=client)
    cases: dict[str, tuple[str, Callable[[], object]]] = {
        "sandbox, plain TCP API": ("sandbox", lambda: sandbox.engine(recipe=RECIPE)),
        "sandbox, TLS (certificates made)": ("sandbox", lambda: sandbox.engine(tlsverify=True, recipe=RECIPE)),
        "sandbox, vfs storage driver": ("sandbox", lambda: sandbox.engine(storage_driver="vfs", recipe=RECIPE)),
        f"cluster of {args.nodes} + overlay network": ("cluster", lambda: cluster_with_overlay(args.nodes)),
    }
    versions = engine.versions(client)
    print(f"sandbox start-up, median of {args.runs} runs (engine {versions['engine']}, {os.cpu_count()} CPUs)")
    print(f"{'case':<40}{'ready s':>9}{'min':>7}{'max':>7}{'close s':>9}{'goal s':>8}  met")
    for name, (kind, start) in cases.items():
        samples = [timed(start) for _ in range(args.runs)]
        ready = [sample[0] for sample in samples]
        median = statistics.median(ready)
        close = statistics.median(sample[1] for sample in samples)
        goal = GOALS[kind]
        print(
            f"{name:<40}{median:>9.2f}{min(ready):>7.2f}{max(ready):>7.2f}{close:>9.2f}{goal:>8.0f}"
            f"  {'yes' if median <= goal else 'NO'}"
        )


if __name__ == "__main__":
    main()
