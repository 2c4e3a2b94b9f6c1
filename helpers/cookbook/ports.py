"""Host ports: one that is free right now, and whether a given one is.

The one place the cookbook probes the host's ports (a server of ours, a published port that
must not clash, the benchmarks' listeners, JupyterLab's port). A free port is free when asked:
another process may take it before it is used, so callers bind it soon after.
"""

from __future__ import annotations

import socket


def free_port(host: str = "127.0.0.1", pair: bool = False) -> int:
    """A TCP port that is free on ``host`` right now (with ``pair``, the next one is free too)."""
    while True:
        with socket.socket() as probe:
            probe.bind((host, 0))
            port = int(probe.getsockname()[1])
        if not pair:
            return port
        if port < 65535 and port_is_free(port + 1, host):
            return port


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether ``port`` can be bound on ``host`` right now (nobody, the engine included, holds it)."""
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True
