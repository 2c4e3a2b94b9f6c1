"""The reaper's protocol without an engine: a session that drops is swept once, one that stays is not."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from cookbook import engine, reaper


def test_a_dropped_session_is_swept_a_connected_one_is_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    swept: list[str] = []
    monkeypatch.setattr(reaper, "_sweep", lambda session, point: swept.append(session))
    monkeypatch.setattr(reaper, "GRACE", 0.1)
    monkeypatch.setattr(reaper, "IDLE", 0.5)
    path = reaper.socket_path()  # the state folder of this test (conftest)
    assert len(str(path)) < 100, "a unix socket path must stay short"
    server = threading.Thread(target=reaper.serve, args=(path,), daemon=True)
    server.start()
    deadline = time.monotonic() + 5
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    point = engine.Endpoint("tcp://127.0.0.1:1")
    dropped = reaper.register("1-dropped", point)
    kept = reaper.register("2-kept", point)
    dropped.close()
    time.sleep(0.5)
    assert swept == ["1-dropped"]
    kept.close()
    server.join(timeout=5)
    assert swept == ["1-dropped", "2-kept"] and not server.is_alive() and not path.exists()
