"""The storage drivers' question (Red Hat's chart): starting and removing N containers, as N grows."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import docker
import pandas as pd
from docker.models.containers import Container

from cookbook import containers, labels
from cookbook.chapters.performance.bench.params import schedule
from cookbook.chapters.performance.bench.sides import Progress, environment, say
from cookbook.chapters.performance.bench.statistics import bootstrap_ratio_of_medians, summary, verdict


def start_stop(
    engines: Mapping[str, docker.DockerClient],
    n: int,
    image: str = "busybox",
    recipe: str = "bench-startstop",
    progress: Progress | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Start ``n`` containers on each engine one after the other, then remove them one after the other.

    Like Red Hat's chart. Container i is started on every engine before container i+1, the
    engines in a fresh random order for each i, so that they see the same machine.

    Args:
        engines: Label → engine (e.g. ``{"overlay2": ..., "vfs": ...}``); the image must be on each.
        n: Containers per engine.
        image: Image reference present on every engine (it runs ``sleep``).
        recipe: The label of the containers.
        progress: Called with progress lines.
        seed: Seed of the order.

    Returns:
        One row per container and phase: engine, n, phase (start/remove), index, position, seconds,
        elapsed (since the phase began on that engine), running (after the step), listed (how many
        of ours the engine listed as running once all had started), and the environment.
    """
    rows: list[dict[str, Any]] = []
    envs = {name: environment(client) for name, client in engines.items()}
    made: dict[str, list[Container]] = {name: [] for name in engines}
    listed: dict[str, int] = {}

    def start(name: str, index: int) -> None:
        made[name].append(
            engines[name].containers.run(image, ["sleep", "3600"], detach=True, labels=labels.for_recipe(recipe))
        )

    def remove(name: str, index: int) -> None:
        made[name][index].remove(force=True)

    try:
        _timed_phase(tuple(engines), n, seed, "start", start, rows, progress)
        mine = {"label": f"{labels.RECIPE}={recipe}", "status": "running"}
        listed = {name: len(client.containers.list(filters=mine)) for name, client in engines.items()}
        _timed_phase(tuple(engines), n, seed, "remove", remove, rows, progress)
    finally:
        for boxes in made.values():
            for box in boxes:
                containers.remove(box)
    return pd.DataFrame([{**row, "listed": listed.get(row["engine"], 0), **envs[row["engine"]]} for row in rows])


_SCHEDULES = {"start": "startstop", "remove": "remove"}  # the phase → its schedule's key (the orders as they were)
_DONE = {"start": "running", "remove": "removed"}


def _timed_phase(
    names: tuple[str, ...],
    n: int,
    seed: int,
    phase: str,
    step: Callable[[str, int], object],
    rows: list[dict[str, Any]],
    progress: Progress | None,
) -> None:
    """Time ``step(name, index)`` for each of ``n`` containers on every engine, appending one row each to ``rows``.

    Args:
        names: The engines' labels.
        n: Containers per engine.
        seed: Seed of the order.
        phase: ``"start"`` or ``"remove"``.
        step: Starts (or removes) container ``index`` on engine ``name``.
        rows: Where the rows go (see :func:`start_stop`).
        progress: Called with a progress line every ten containers.
    """
    elapsed = {name: 0.0 for name in names}
    for index, order in enumerate(schedule(names, n, seed, f"{_SCHEDULES[phase]}:{n}")):
        for position, name in enumerate(order):
            begun = time.perf_counter()
            step(name, index)
            took = time.perf_counter() - begun
            elapsed[name] += took
            rows.append(
                {
                    "engine": name,
                    "n": n,
                    "phase": phase,
                    "index": index,
                    "position": position,
                    "seconds": took,
                    "elapsed": elapsed[name],
                    "running": index + 1 if phase == "start" else n - index - 1,
                }
            )
        if index % 10 == 9:
            say(progress, f"startstop N={n}: {index + 1} {_DONE[phase]} on each engine")


def start_stop_scale(
    engines: Mapping[str, docker.DockerClient],
    scale: Sequence[int],
    image: str = "busybox",
    recipe: str = "bench-startstop",
    progress: Progress | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """:func:`start_stop` for each N of ``scale`` (in a random order), everything removed between two."""
    (order,) = schedule(tuple(str(n) for n in scale), 1, seed, "scale")
    return pd.concat([start_stop(engines, int(n), image, recipe, progress, seed) for n in order], ignore_index=True)


def start_stop_sandboxed(
    scale: Sequence[int],
    drivers: Sequence[str] = ("overlay2", "vfs"),
    recipe: str = "bench-startstop",
    progress: Progress | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """:func:`start_stop_scale` on one fresh sandbox engine per storage driver (busybox loaded into each).

    Raises:
        SandboxFailed: A sandbox daemon did not start (its log lines say why).
    """
    from cookbook.lab import sandbox  # late import: only this benchmark needs Docker-in-Docker

    boxes: dict[str, Any] = {}
    try:
        for driver in drivers:
            say(progress, f"startstop: starting a {driver} sandbox engine")
            boxes[driver] = sandbox.engine(storage_driver=driver, recipe=recipe)
        image = ""
        for box in boxes.values():
            image = box.load("busybox")
        return start_stop_scale({d: b.client for d, b in boxes.items()}, scale, image, recipe, progress, seed)
    finally:
        for box in boxes.values():
            box.close()


def per_container(table: pd.DataFrame) -> pd.DataFrame:
    """Seconds per container by engine, phase and N: median with its 95 % interval, and the mean."""
    out = summary(table, ["engine", "phase", "n"], "seconds", baseline=None)
    means = table.groupby(["engine", "phase", "n"], sort=False)["seconds"].mean().rename("mean").reset_index()
    return out.merge(means, on=["engine", "phase", "n"]).sort_values(["phase", "engine", "n"]).reset_index(drop=True)


def growth(table: pd.DataFrame) -> pd.DataFrame:
    """Does the cost per container stay flat? Median at the largest N over the median at the smallest.

    Returns:
        Per engine and phase: smallest and largest N, the ratio with its 95 % interval, and the words
        ("no measurable difference" means flat within what we can measure).
    """
    rows = []
    for (name, phase), part in table.groupby(["engine", "phase"], sort=False):
        small, large = int(part["n"].min()), int(part["n"].max())
        ratio, low, high = bootstrap_ratio_of_medians(
            part[part["n"] == large]["seconds"], part[part["n"] == small]["seconds"]
        )
        rows.append(
            {
                "engine": name,
                "phase": phase,
                "from_n": small,
                "to_n": large,
                "ratio": ratio,
                "ci_low": low,
                "ci_high": high,
                "verdict": verdict(low, high, 1.0, "grows with N", "shrinks with N"),
            }
        )
    return pd.DataFrame(rows)
