"""The start of a notebook (or CLI) session: connect, sweep a crashed run's leftovers."""

from __future__ import annotations

from dataclasses import dataclass

import docker

from cookbook import config, engine, reaper, signals, sweeper
from cookbook.errors import CookbookError


@dataclass(frozen=True)
class Session:
    """What :func:`start` found.

    Attributes:
        client: The connected engine.
        endpoint: Where it listens.
        versions: Engine facts (see :func:`cookbook.engine.versions`).
        swept: What the start-up sweep removed (leftovers of dead sessions).
        quick: Whether quick mode is on.
    """

    client: docker.DockerClient
    endpoint: engine.Endpoint
    versions: dict[str, str]
    swept: sweeper.Swept
    quick: bool

    def __str__(self) -> str:
        v = self.versions
        return (
            f"Docker Engine {v['engine']} (API {v['api']}, {v['storage_driver']}, cgroup v{v['cgroup_version']}) "
            f"at {self.endpoint.url}; leftovers of crashed runs: {self.swept}"
        )

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:
        printer.text(str(self))  # type: ignore[attr-defined]


def start() -> Session:
    """Connect to the engine, remove what crashed sessions left, arm the exit sweep and the reaper.

    In a notebook it also makes the ``%%on_this_host`` cell magic available (:mod:`cookbook.reader.magics`).

    Raises:
        NoEngine: No engine answers; the one-line message says how to point at one.
    """
    point = engine.endpoint()
    client = engine.connect(point)
    swept = sweeper.sweep(client, stale_only=True)
    signals.install_exit_sweep()
    _hold_reaper(point)
    from cookbook.reader import magics  # the notebook magics load when a session starts, not on import

    magics.register(_shell())
    return Session(client, point, engine.versions(client), swept, config.settings().quick)


def _hold_reaper(point: engine.Endpoint) -> None:
    """Register with the reaper once per process, so that even a SIGKILL leaves nothing behind."""
    if reaper.registered():
        return
    try:
        reaper.register(point=point)
    except CookbookError as exc:  # the exit sweep and the next start's sweep still clean up
        print(f"{exc.line()} (what this kernel makes is removed at its exit, or at the next start after a crash)")


def _shell() -> object | None:
    """The IPython shell we run in, if any."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()
