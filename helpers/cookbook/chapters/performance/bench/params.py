"""The benchmarks' knobs, their limits, and the protocol's randomised order of runs."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from cookbook.errors import BadParameter


@dataclass(frozen=True)
class Params:
    """The knobs of the benchmarks.

    Attributes:
        pairs: Rounds per comparison; each round runs every configuration once, in a random order.
        cpu_seconds: Seconds of one sysbench cpu run.
        cpu_max_prime: sysbench's ``--cpu-max-prime`` (the work per event).
        fio_size_mb: Size of fio's test file (IBM: 16 GiB).
        fio_runtime: Seconds of one fio run (IBM: 60).
        net_seconds: Seconds of one latency or bandwidth run.
        containers: The largest number of containers started and stopped per storage driver
            (Red Hat: 1000); :meth:`scale` gives the smaller ones.
        stats_seconds: Seconds the stats stream is recorded.
        seed: Seed of the random order of the runs within each round (recorded with the results).
    """

    pairs: int = 8
    cpu_seconds: float = 5.0
    cpu_max_prime: int = 20000
    fio_size_mb: int = 1024
    fio_runtime: int = 10
    net_seconds: float = 3.0
    containers: int = 200
    stats_seconds: float = 10.0
    seed: int = 2015

    @classmethod
    def defaults(cls, quick: bool = False) -> Params:
        """The full-run defaults, or the quick-mode ones (CI: short, but enough pairs for an interval)."""
        if not quick:
            return cls()
        return cls(
            pairs=3, cpu_seconds=2.0, fio_size_mb=64, fio_runtime=2, net_seconds=1.0, containers=20, stats_seconds=5.0
        )

    def with_values(self, **values: Any) -> Params:
        """Return a copy with ``values`` changed, after :func:`validate`."""
        validate(**values)
        return replace(self, **values)

    def scale(self) -> list[int]:
        """The numbers of containers the start/stop benchmark runs: about 1/20, 1/4 and all of ``containers``.

        200 gives 10, 50 and 200; 20 gives 2, 5 and 20.
        """
        largest = self.containers
        return sorted({max(2, round(largest / 20)), max(2, round(largest / 4)), largest})

    def as_dict(self) -> dict[str, Any]:
        """The parameters as a plain dict (for a table or a results file)."""
        return asdict(self)


def params_for(quick: bool, **values: Any) -> Params:
    """The mode's defaults with the given values (None keeps the default), validated.

    Raises:
        BadParameter: A value is unknown, not a number, or out of range.
    """
    return Params.defaults(quick).with_values(**{k: v for k, v in values.items() if v is not None})


def params_dict(params: Params) -> dict[str, Any]:
    """The parameters as a plain dict (for a table or a report)."""
    return params.as_dict()


_LIMITS: dict[str, tuple[float, float, str]] = {
    "pairs": (2, 50, "pairs"),
    "cpu_seconds": (0.5, 300, "seconds"),
    "cpu_max_prime": (100, 10_000_000, ""),
    "fio_size_mb": (8, 65536, "MiB"),
    "fio_runtime": (1, 600, "seconds"),
    "net_seconds": (0.5, 120, "seconds"),
    "containers": (2, 1000, "containers"),
    "stats_seconds": (2, 600, "seconds"),
    "seed": (0, 2**31 - 1, ""),
}


def validate(**values: Any) -> None:
    """Check benchmark parameters (any subset of :class:`Params`' fields).

    Raises:
        BadParameter: An unknown name, a value that is not a number, or one out of range.
    """
    for name, value in values.items():
        if name not in _LIMITS:
            raise BadParameter(f"{name!r} is not a benchmark parameter.", f"use one of: {', '.join(_LIMITS)}.")
        low, high, unit = _LIMITS[name]
        integral = isinstance(Params.__dataclass_fields__[name].default, int)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (integral and value != int(value)):
            kind = "a whole number" if integral else "a number"
            raise BadParameter(f"{name}={value!r} is not {kind}.", f"give {name} {kind} from {low:g} to {high:g}.")
        if not low <= value <= high:
            raise BadParameter(
                f"{name}={value!r} is out of range.",
                f"give {name} a value from {low:g} to {high:g} {unit}".rstrip() + ".",
            )


def schedule(configurations: Sequence[str], pairs: int, seed: int, salt: str = "") -> list[list[str]]:
    """The order of the runs: every configuration once per round, in orders that are random and balanced.

    Alternating in a fixed order (host, container, host, ...) lets a drift of the machine (a cache
    warming, a neighbour starting) always favour the same side. A fresh shuffle per round spreads
    it, but with few rounds one side can still land in the same place every time. So the rounds
    come in blocks of as many rounds as there are configurations: a block is a Latin square (the
    rotations of a random order, themselves in a random order), in which every configuration runs
    once in every position. The order is reproducible from ``seed`` and ``salt`` (the benchmark's
    name, so that two benchmarks of one run do not share an order).

    Args:
        configurations: What is compared (``host``/``container``, the disk paths, ...).
        pairs: Rounds.
        seed: The run's seed.
        salt: The benchmark's name.

    Returns:
        One list per round: the configurations in the order they run.
    """
    rng = random.Random(f"{seed}:{salt}")
    items = list(configurations)
    rounds: list[list[str]] = []
    while len(rounds) < pairs:
        base = items[:]
        rng.shuffle(base)
        block = [base[shift:] + base[:shift] for shift in range(len(base))]
        rng.shuffle(block)
        rounds.extend(block)
    return rounds[:pairs]
