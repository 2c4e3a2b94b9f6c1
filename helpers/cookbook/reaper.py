"""The reaper: a kernel killed with SIGKILL leaves nothing behind, within seconds.

testcontainers' Ryuk is the model: each session holds a connection to a small process of ours for
its whole life. When that connection drops (the kernel exited, or was killed and could not run
its exit sweep), the reaper waits a moment and removes that session's containers, networks,
volumes, sandboxes and scratch folders, by its labels: never anything of another session. When no
session is connected any more, the reaper goes away.

One reaper serves every session that shares a state folder (``.cookbook/``): it listens on a unix
socket named after that folder. A session registers with one JSON line (its id and its engine's
address); the reaper answers ``ACK``. :func:`register` starts the reaper when none answers.
"""

from __future__ import annotations

import hashlib
import json
import os
import selectors
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cookbook import config, engine, labels, sweeper

_MAIN = "import sys, pathlib; from cookbook.reaper import serve; sys.exit(serve(pathlib.Path(sys.argv[1])))"
GRACE = 1.0  # seconds between a dropped connection and the sweep
IDLE = 10.0  # seconds the reaper waits for a new session before it goes away
_connection: socket.socket | None = None  # this session's registration, held open for the process's life


def socket_path(state_dir: Path | None = None) -> Path:
    """The reaper's socket for a state folder (short: unix socket paths are limited to ~100 bytes)."""
    folder = str((state_dir or config.settings().state_dir).resolve())
    return Path(tempfile.gettempdir()) / f"cookbook-reaper-{hashlib.sha1(folder.encode()).hexdigest()[:12]}.sock"


def _connect(path: Path) -> socket.socket | None:
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        client.connect(str(path))
    except OSError:
        client.close()
        return None
    return client


def register(session: str | None = None, point: engine.Endpoint | None = None, timeout: float = 10) -> socket.socket:
    """Register this session with the reaper (starting one if none runs) and keep the connection open.

    Args:
        session: The session id (default: this process's).
        point: The engine the session uses (default: the reader's, from the environment).
        timeout: Seconds to wait for a new reaper to listen.

    Returns:
        The open connection; it closes when this process ends, whatever way it ends.

    Raises:
        CookbookError: No reaper could be started (its log says why).
    """
    from cookbook.errors import CookbookError

    global _connection
    path = socket_path()
    point = point or engine.endpoint()
    connection = _connect(path)
    if connection is None:
        _spawn(path)
        deadline = time.monotonic() + timeout
        while connection is None and time.monotonic() < deadline:
            time.sleep(0.05)
            connection = _connect(path)
    if connection is None:
        raise CookbookError("the reaper did not start.", f"read {reaper_log()}.")
    hello = {"session": session or labels.session_id(), "url": point.url, "cert_path": point.cert_path,
             "verify": point.verify}  # fmt: skip
    connection.sendall((json.dumps(hello) + "\n").encode())
    connection.settimeout(timeout)
    if connection.recv(16) != b"ACK\n":
        connection.close()
        raise CookbookError("the reaper did not acknowledge this session.", f"read {reaper_log()}.")
    connection.settimeout(None)
    os.set_inheritable(connection.fileno(), False)  # a child process must not keep the session alive
    if session is None:
        _connection = connection
    return connection


def registered() -> bool:
    """Whether this process holds its connection to the reaper."""
    return _connection is not None


def reaper_log() -> Path:
    """Where the reaper writes what it did."""
    return config.settings().state_dir.resolve() / "reaper.log"


def _spawn(path: Path) -> None:
    log = reaper_log()
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "COOKBOOK_STATE_DIR": str(config.settings().state_dir.resolve())}
    with log.open("ab") as out:
        subprocess.Popen([sys.executable, "-c", _MAIN, str(path)], stdin=subprocess.DEVNULL,
                         stdout=out, stderr=out, env=env, start_new_session=True, close_fds=True)  # fmt: skip


@dataclass
class _Peer:
    """One connected session."""

    buffer: bytes = b""
    session: str = ""
    point: engine.Endpoint | None = None


def _sweep(session: str, point: engine.Endpoint | None) -> None:
    try:
        client = engine.client_for(point) if point else engine.connect()
        swept = sweeper.sweep(client, session=session)
        client.close()
    except Exception as exc:  # noqa: BLE001 - the reaper reports and goes on with the other sessions
        print(f"reaper: sweeping session {session} failed: {exc}", flush=True)
        return
    print(f"reaper: session {session} is gone; {swept}", flush=True)


def serve(path: Path) -> int:
    """Accept sessions on ``path``; sweep each one whose connection drops; exit when none is left."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if _connect(path) is not None:
        return 0  # another reaper answers already
    path.unlink(missing_ok=True)
    server.bind(str(path))
    server.listen(16)
    selector = selectors.DefaultSelector()
    selector.register(server, selectors.EVENT_READ, None)
    peers: dict[socket.socket, _Peer] = {}
    pending: list[tuple[float, _Peer]] = []
    idle_since = time.monotonic()
    print(f"reaper: listening on {path} (pid {os.getpid()})", flush=True)
    try:
        while True:
            for key, _ in selector.select(timeout=0.2):
                if key.data is None:
                    connection, _ = server.accept()
                    peers[connection] = _Peer()
                    selector.register(connection, selectors.EVENT_READ, connection)
                    continue
                connection = key.data
                peer = peers[connection]
                data = connection.recv(4096)
                if data:
                    peer.buffer += data
                    if not peer.session and b"\n" in peer.buffer:
                        hello = json.loads(peer.buffer.split(b"\n", 1)[0])
                        peer.session = str(hello["session"])
                        peer.point = engine.Endpoint(
                            hello["url"], hello.get("cert_path"), bool(hello.get("verify", True))
                        )
                        connection.sendall(b"ACK\n")
                    continue
                selector.unregister(connection)
                connection.close()
                del peers[connection]
                if peer.session:
                    pending.append((time.monotonic() + GRACE, peer))
            now = time.monotonic()
            due = [peer for when, peer in pending if when <= now]
            pending = [(when, peer) for when, peer in pending if when > now]
            for peer in due:
                if not any(other.session == peer.session for other in peers.values()):  # it did not come back
                    _sweep(peer.session, peer.point)
            if peers or pending:
                idle_since = now
            elif now - idle_since > IDLE:
                print("reaper: no session left; going away", flush=True)
                return 0
    finally:
        selector.close()
        server.close()
        path.unlink(missing_ok=True)
