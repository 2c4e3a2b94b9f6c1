"""Containers are labelled, waited for and always removed; clean spares what is not ours."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import uuid

import docker
import pytest

from cookbook import containers, images, labels, waits
from cookbook.errors import ContainerFailed, WaitTimeout

pytestmark = pytest.mark.usefixtures("leaves_nothing")


def test_run_labels_and_context_manager_removes(client: docker.DockerClient) -> None:
    with containers.run("busybox", "sleep 60", recipe="it-lifecycle") as box:
        assert box.status == "running"
        assert box.labels[labels.SESSION] == labels.session_id()
        assert box.labels[labels.RECIPE] == "it-lifecycle"
    with pytest.raises(docker.errors.NotFound):
        client.containers.get(box.id)


def test_run_to_exit_collects_output_and_status() -> None:
    done = containers.run_to_exit("busybox", ["sh", "-c", "echo out; echo err >&2; exit 3"], recipe="it-exit")
    assert done.exit_code == 3 and not done.ok
    assert "out" in done.output and "err" in done.output


@pytest.mark.parametrize(
    "strategy",
    [
        waits.LogLine("listening"),
        waits.TcpPort(80),
        waits.HttpStatus(80, "/index.html"),
        waits.ExecOk(["test", "-f", "/www/index.html"]),
    ],
)
def test_strategies_wait_until_ready(strategy: waits.Strategy) -> None:
    script = "sleep 1; mkdir /www; echo hi > /www/index.html; echo listening; httpd -f -p 80 -h /www"
    with containers.run("busybox", ["sh", "-c", script], ports={80: None}, wait=strategy, recipe="it-wait") as web:
        host, port = waits.host_port(web, 80)
        assert host == "127.0.0.1"
        with socket.create_connection((host, port), timeout=5):
            pass


def test_failed_wait_removes_the_container(client: docker.DockerClient) -> None:
    with pytest.raises(WaitTimeout, match="exited"):
        containers.run("busybox", ["sh", "-c", "echo boom; exit 1"], wait=waits.LogLine("never"), recipe="it-fail")
    assert not client.containers.list(all=True, filters={"label": f"{labels.RECIPE}=it-fail"})


def test_busy_port_is_one_clear_error_and_nothing_is_left(client: docker.DockerClient) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ContainerFailed, match="already in use|already allocated"):
            containers.run("busybox", "sleep 60", ports={80: port}, recipe="it-busy")
    assert not client.containers.list(all=True, filters={"label": f"{labels.RECIPE}=it-busy"})


def test_clean_removes_dead_sessions_spares_live_ones_and_decoys(client: docker.DockerClient, tmp_path: object) -> None:
    tag = uuid.uuid4().hex[:6]
    busybox = images.ensure("busybox")
    decoys = [
        client.containers.create(busybox, "sleep 60", name=f"decoy-{tag}"),
        client.networks.create(f"decoy-{tag}"),
        client.volumes.create(f"decoy-{tag}"),
    ]
    dead = {**labels.for_recipe("it-clean"), labels.SESSION: "99999999-deadbeef", labels.PID: "99999999"}
    alive = client.containers.create(busybox, "sleep 60", labels=labels.for_recipe("it-clean-alive"))
    try:
        client.containers.create(busybox, "sleep 60", labels=dead)
        client.networks.create(f"dead-{tag}", labels=dead)
        client.volumes.create(f"dead-{tag}", labels=dead)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        done = subprocess.run([sys.executable, "-m", "cookbook.cli", "clean"], capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
        assert "removed" in done.stdout and "container" in done.stdout
        assert f"left alone: session {labels.session_id()}" in done.stdout, "a live session is named, not touched"
        for kept in (*decoys, alive):
            kept.reload()  # raises NotFound if clean removed it
        assert not client.containers.list(all=True, filters={"label": f"{labels.SESSION}=99999999-deadbeef"})
        assert not client.networks.list(names=[f"dead-{tag}"])
    finally:
        alive.remove(force=True)
        for decoy in decoys:
            try:
                decoy.remove(force=True) if decoy is decoys[0] else decoy.remove()
            except docker.errors.NotFound:
                pass


def test_crashed_session_is_swept_at_next_start(client: docker.DockerClient) -> None:
    # No cb.start() here: without the reaper (tested in test_reaper.py) the next start's sweep is what cleans up.
    code = "import cookbook as cb, os; c = cb.run('busybox', 'sleep 300', recipe='it-crash'); print(c.id, flush=True); os._exit(9)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    crashed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert crashed.returncode == 9, crashed.stderr
    left = client.containers.get(crashed.stdout.split()[0])
    assert left.labels[labels.RECIPE] == "it-crash"
    restart = subprocess.run(
        [sys.executable, "-c", "import cookbook as cb; print(cb.start().swept)"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert restart.returncode == 0, restart.stderr
    with pytest.raises(docker.errors.NotFound):
        client.containers.get(left.id)


def test_ensure_does_not_rebuild(client: docker.DockerClient) -> None:
    first = images.ensure("busybox")
    identity = client.images.get(first).id
    assert images.ensure("busybox") == first
    assert client.images.get(first).id == identity
    assert first == images.local_reference("busybox")


def test_a_rebuild_drops_the_untagged_copy_it_replaced(client: docker.DockerClient) -> None:
    current = images.ensure("busybox")
    stale_labels = labels.catalogue_labels("busybox", "0" * 12)
    stale, _ = client.images.build(
        fileobj=io.BytesIO(f"FROM {current}\nRUN echo stale > /stale\n".encode()), labels=stale_labels, rm=True
    )
    assert not stale.tags
    images._drop_older_builds(client, images.entry("busybox"), current)
    with pytest.raises(docker.errors.ImageNotFound):
        client.images.get(stale.id)
    assert client.images.get(current).tags
