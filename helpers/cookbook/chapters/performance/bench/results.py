"""Whole runs: measure a benchmark headless, write and read a run's folder, the published figures.

A run's folder holds one tidy CSV per table (one row per sample), ``environment.json`` (where,
when, how loaded, with which parameters) and, from ``cookbook bench``, a PNG per figure and
``index.html``. ``data/results/`` holds the committed full-size reference run, read with
:func:`reference_run`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import pandas as pd

from cookbook import config, engine, labels, sweeper, waits
from cookbook.chapters.performance.bench.cpudisk import cpu, disk
from cookbook.chapters.performance.bench.netpaths import network, proxy_paths
from cookbook.chapters.performance.bench.params import Params
from cookbook.chapters.performance.bench.scale import start_stop_sandboxed
from cookbook.chapters.performance.bench.sides import Progress, load_average, run_environment, say
from cookbook.chapters.performance.bench.statsapi import StatsStream, start_loads, stats_cost_with_sandbox
from cookbook.errors import BadParameter

BENCHMARKS = ("cpu", "disk", "net", "startstop", "stats")
TABLES = {
    "cpu": ("cpu",),
    "disk": ("disk", "disk-filesystems"),
    "net": ("net", "proxy"),
    "startstop": ("startstop",),
    "stats": ("stats", "stats-cost"),
}
"""Benchmark → the tables it writes."""


def published(path: Path | None = None) -> pd.DataFrame:
    """The published figures with their sources (data/reference/published-benchmarks.csv)."""
    return pd.read_csv(path or config.project_root() / "data" / "reference" / "published-benchmarks.csv")


def measure(
    name: str, params: Params, client: docker.DockerClient | None = None, progress: Progress | None = None
) -> dict[str, pd.DataFrame]:
    """Run one benchmark headless (what ``cookbook bench NAME`` does); return its tables by name.

    Raises:
        BadParameter: ``name`` is not one of :data:`BENCHMARKS`.
    """
    if name not in BENCHMARKS:
        raise BadParameter(f"{name!r} is not a benchmark.", f"use one of: {', '.join(BENCHMARKS)}, all.")
    client = client or engine.connect()
    recipe = f"bench-{name}"
    try:
        if name == "cpu":
            return {"cpu": cpu(params, client, recipe, progress)}
        if name == "disk":
            samples, systems = disk(params, client, recipe, progress)
            return {"disk": samples, "disk-filesystems": systems}
        if name == "net":
            table, via = network(params, client, recipe, progress)
            table["published_port_path"] = via
            proxied, _ = proxy_paths(params, recipe=recipe, progress=progress)
            return {"net": table, "proxy": proxied}
        if name == "startstop":
            return {
                "startstop": start_stop_sandboxed(params.scale(), recipe=recipe, progress=progress, seed=params.seed)
            }
        net = client.networks.create(f"cb-bench-stats-{labels.session_id()}", labels=labels.for_recipe(recipe))
        loads = start_loads(client, recipe, net.name)
        say(progress, f"stats: streaming {len(loads)} containers for {params.stats_seconds:g} s")
        with StatsStream(loads, client) as stream:
            waits.until(
                lambda: stream.elapsed >= params.stats_seconds,
                timeout=params.stats_seconds + 60,
                what="the recording window",
                longest=1.0,
            )
        say(progress, "stats: timing stats calls, here and on a sandbox engine")
        cost = stats_cost_with_sandbox(client, loads["idle"].id, params.pairs, params.seed, recipe)
        return {"stats": stream.frame(), "stats-cost": cost}
    finally:
        sweeper.sweep(client, session=labels.session_id(), recipe=recipe)


@dataclass
class Run:
    """A run's tables and its record.

    Attributes:
        tables: Table name → samples.
        environment: Where, when and how it was measured (``environment.json``).
    """

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """A short name for legends: its name, mode and date (the figures add the rounds)."""
        env = self.environment
        return f"{env.get('name', 'run')}: {env.get('mode', '?')}, {str(env.get('date', ''))[:10]}"


def start_record(
    client: docker.DockerClient | None, params: Params, quick: bool, name: str, folders: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The record of a run about to start: environment, load average before, parameters, mode."""
    record = run_environment(client, folders or {})
    record.update(
        {"name": name, "mode": "quick" if quick else "full", "params": params.as_dict(), "started": time.time()}
    )
    return record


def finish_record(record: dict[str, Any], benchmarks: list[str]) -> dict[str, Any]:
    """Add the load average after the run, its duration and what it measured."""
    record = dict(record)
    record["load_average_after"] = list(load_average())
    record["seconds"] = round(time.time() - record.pop("started", time.time()), 1)
    record["benchmarks"] = benchmarks
    return record


def write_run(out: Path, run: Run) -> list[Path]:
    """Write each table as ``NAME.csv`` and the record as ``environment.json`` into ``out``; return the files."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in run.tables.items():
        path = out / f"{name}.csv"
        table.to_csv(path, index=False)
        written.append(path)
    path = out / "environment.json"
    path.write_text(json.dumps(run.environment, indent=2, sort_keys=True) + "\n")
    return written + [path]


def read_run(folder: Path) -> Run:
    """Read a run's folder (every known table that is there, and ``environment.json``)."""
    tables = {}
    for names in TABLES.values():
        for name in names:
            path = folder / f"{name}.csv"
            if path.exists():
                tables[name] = pd.read_csv(path)
    record = folder / "environment.json"
    return Run(tables, json.loads(record.read_text()) if record.exists() else {})


def results_dir() -> Path:
    """Where the committed reference run lives: ``data/results/``."""
    return config.project_root() / "data" / "results"


def reference_run() -> Run:
    """The committed full-size reference run (``data/results/``)."""
    return read_run(results_dir())
