"""A session killed with SIGKILL is reaped within 10 s; a live session is never touched; the reaper goes away."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import docker
import pytest

from cookbook import labels, reaper, waits

SESSION = """
import sys, time
from cookbook import engine, labels, reaper
reaper.register()
made = engine.connect().containers.run("cookbook/busybox", ["sleep", "600"], detach=True,
                                       labels=labels.for_recipe("reaped"))
folder = labels.scratch("reaped", "files")
print(labels.session_id(), made.id, folder, flush=True)
time.sleep(600)
"""


def gone(client: docker.DockerClient, ident: str) -> bool:
    try:
        client.containers.get(ident)
    except docker.errors.NotFound:
        return True
    return False


def test_a_killed_session_is_reaped_and_a_live_one_is_not(
    client: docker.DockerClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("COOKBOOK_STATE_DIR", str(tmp_path / "state"))  # a reaper of this test's own
    live = client.containers.run("cookbook/busybox", ["sleep", "600"], detach=True, labels=labels.for_recipe("alive"))
    killed = subprocess.Popen([sys.executable, "-c", SESSION], stdout=subprocess.PIPE, text=True)
    try:
        assert killed.stdout is not None
        session, ident, folder = killed.stdout.readline().split()
        assert session != labels.session_id() and Path(folder).is_dir()
        killed.kill()  # SIGKILL: no exit sweep can run
        began = time.monotonic()
        waits.until(lambda: gone(client, ident) and not Path(folder).exists(), timeout=30, what="the reaper")
        took = time.monotonic() - began
        print(f"reaped {took:.1f} s after SIGKILL")
        assert took < 10, f"reaped after {took:.1f} s"
        assert not gone(client, live.id), "the live session's container was touched"
        path = reaper.socket_path()
        waits.until(lambda: not path.exists(), timeout=reaper.IDLE + 20, what="the reaper to go away")
    finally:
        killed.kill()
        killed.wait()
        live.remove(force=True)
