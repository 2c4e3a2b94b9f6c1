"""Readiness strategies and the one poll loop that waits for them.

A strategy answers "is it ready yet?" for a container; :func:`until` polls any such
question with a growing interval until it holds or the time is up. No fixed sleeps.
"""

from __future__ import annotations

import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from docker.models.containers import Container

from cookbook import config
from cookbook.errors import WaitTimeout

T = TypeVar("T")


def until(
    probe: Callable[[], T | None],
    *,
    timeout: float | None = None,
    what: str = "the condition",
    first: float = 0.02,
    longest: float = 0.5,
) -> T:
    """Poll ``probe`` until it returns something truthy, and return that.

    Args:
        probe: Returns a truthy value when ready; may raise ``OSError`` while not ready.
        timeout: Seconds to wait (default: ``COOKBOOK_WAIT_TIMEOUT``).
        what: Words for the error message ("the registry to answer on :5000").
        first: First poll interval, doubled after each miss up to ``longest``.
        longest: Longest poll interval.

    Raises:
        WaitTimeout: ``probe`` did not succeed in time.
    """
    limit = timeout if timeout is not None else config.settings().wait_timeout
    deadline = time.monotonic() + limit
    interval = first
    last_error = ""
    while True:
        try:
            result = probe()
            if result:
                return result
        except OSError as exc:
            last_error = f" (last error: {exc})"
        if time.monotonic() >= deadline:
            raise WaitTimeout(
                f"gave up waiting for {what} after {limit:g} s{last_error}.",
                "look at the logs shown above; raise COOKBOOK_WAIT_TIMEOUT on a slow machine.",
            )
        time.sleep(interval)
        interval = min(interval * 2, longest)


class Strategy(Protocol):
    """Answers whether a container is ready."""

    def ready(self, container: Container) -> bool:
        """Return True once the container is ready (may raise OSError meanwhile)."""

    def describe(self) -> str:
        """Say what is waited for, for messages."""


def host_port(container: Container, port: int | str, protocol: str = "tcp") -> tuple[str, int]:
    """Return (host, port) where the container's ``port`` is published, reachable from here.

    Args:
        container: A running container (its attributes are reloaded).
        port: The container-side port.
        protocol: ``tcp`` or ``udp``.

    Raises:
        OSError: The port is not published (yet).
    """
    from cookbook import engine

    container.reload()
    bindings = (container.attrs["NetworkSettings"].get("Ports") or {}).get(f"{port}/{protocol}") or []
    if not bindings:
        raise OSError(f"port {port}/{protocol} of {container.name} is not published")
    binding = bindings[0]
    ip = binding.get("HostIp") or ""
    host = engine.published_host() if ip in ("", "0.0.0.0", "::") else ip
    return host, int(binding["HostPort"])


def _container_running(container: Container) -> None:
    container.reload()
    if container.status in ("exited", "dead"):
        code = container.attrs["State"].get("ExitCode")
        tail = container.logs(tail=15).decode(errors="replace").strip()
        logs = f" Last log lines:\n{tail}" if tail else " It logged nothing."
        raise WaitTimeout(
            f"container {container.name} exited (code {code}) before it was ready.{logs}",
            "fix the command or image shown in the logs.",
        )


@dataclass(frozen=True)
class LogLine:
    """Ready when a log line matches ``pattern`` (a regular expression)."""

    pattern: str

    def ready(self, container: Container) -> bool:
        return re.search(self.pattern, container.logs().decode(errors="replace"), re.M) is not None

    def describe(self) -> str:
        return f"a log line matching {self.pattern!r}"


@dataclass(frozen=True)
class TcpPort:
    """Ready when the container's published ``port`` accepts a TCP connection."""

    port: int

    def ready(self, container: Container) -> bool:
        with socket.create_connection(host_port(container, self.port), timeout=2):
            return True

    def describe(self) -> str:
        return f"TCP port {self.port} to accept connections"


@dataclass(frozen=True)
class HttpStatus:
    """Ready when ``GET path`` on the published ``port`` answers with ``status``."""

    port: int
    path: str = "/"
    status: int = 200

    def ready(self, container: Container) -> bool:
        host, port = host_port(container, self.port)
        try:
            with urllib.request.urlopen(f"http://{host}:{port}{self.path}", timeout=3) as response:
                return response.status == self.status
        except urllib.error.HTTPError as exc:
            return exc.code == self.status

    def describe(self) -> str:
        return f"HTTP {self.status} from port {self.port}{self.path}"


@dataclass(frozen=True)
class ExecOk:
    """Ready when ``command`` run inside the container exits 0."""

    command: str | list[str]

    def ready(self, container: Container) -> bool:
        return container.exec_run(self.command).exit_code == 0

    def describe(self) -> str:
        return f"`{self.command if isinstance(self.command, str) else ' '.join(self.command)}` to exit 0"


def wait_for(container: Container, strategy: Strategy, timeout: float | None = None) -> Container:
    """Wait until ``strategy`` says ``container`` is ready; fail early if it exits.

    Raises:
        WaitTimeout: Not ready in time, or the container stopped (with its last log lines).
    """

    def probe() -> bool:
        _container_running(container)
        return strategy.ready(container)

    until(probe, timeout=timeout, what=f"{container.name}: {strategy.describe()}")
    return container
