"""The sweep removes what carries our labels, and nothing else."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from cookbook import labels, sweeper
from tests.unit.fakes import FakeClient


def dead_session_labels() -> dict[str, str]:
    stale = labels.for_recipe("old")
    stale[labels.SESSION] = "99999999-deadbeef"
    stale[labels.PID] = "99999999"  # above the kernel's pid limit: never alive
    return stale


def test_for_recipe_carries_session_and_recipe() -> None:
    made = labels.for_recipe("publish-ports", mine="x")
    assert made[labels.MANAGED] == "true"
    assert made[labels.SESSION] == labels.session_id()
    assert made[labels.RECIPE] == "publish-ports"
    assert made[labels.PID] == str(os.getpid())
    assert made["mine"] == "x"


def test_sweep_spares_unlabelled_resources() -> None:
    client = FakeClient()
    mine = labels.for_recipe("r")
    ours = [
        client.containers.add("ours", mine),
        client.networks.add("ournet", mine),
        client.volumes.add("ourvol", mine),
    ]
    theirs = [client.containers.add("user"), client.networks.add("usernet"), client.volumes.add("uservol")]
    swept = sweeper.sweep(client)
    assert all(r.removed for r in ours)
    assert not any(r.removed for r in theirs)
    assert swept.total == 3


def test_sweep_by_recipe_only_touches_that_recipe() -> None:
    client = FakeClient()
    a = client.containers.add("a", labels.for_recipe("a"))
    b = client.containers.add("b", labels.for_recipe("b"))
    sweeper.sweep(client, session=labels.session_id(), recipe="a")
    assert a.removed and not b.removed


def test_stale_sweep_removes_dead_sessions_only() -> None:
    client = FakeClient()
    dead = client.containers.add("dead", dead_session_labels())
    alive = client.containers.add("alive", labels.for_recipe("now"))
    other_host = dead_session_labels()
    other_host[labels.HOST] = socket.gethostname() + "-elsewhere"
    remote = client.containers.add("remote", other_host)
    sweeper.sweep(client, stale_only=True)
    assert dead.removed
    assert not alive.removed
    assert not remote.removed


def test_catalogue_images_stay_unless_asked() -> None:
    client = FakeClient()
    catalogue = client.images.add("cat", labels.catalogue_labels("busybox", "abc"), tags=["cookbook/busybox:abc"])
    inherited = client.images.add("user-image", labels.catalogue_labels("busybox", "abc"), tags=["me/app:1"])
    recipe_made = client.images.add("made", labels.for_recipe("commit"), tags=["committed:1"])
    sweeper.sweep(client)
    assert recipe_made.removed
    assert not catalogue.removed
    sweeper.sweep(client, images=True)
    assert catalogue.removed
    assert not inherited.removed


def test_swept_reads_well() -> None:
    swept = sweeper.Swept(containers=["a"], volumes=["v1", "v2"])
    assert str(swept) == "removed 1 container, 2 volumes"
    assert str(sweeper.Swept()) == "nothing to remove"


def test_scratch_folders_go_with_their_session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COOKBOOK_STATE_DIR", str(tmp_path))
    mine = labels.scratch("registry", "storage")
    (mine / "blob").write_text("x")
    other = labels.scratch("other")
    dead = tmp_path / "scratch" / f"{socket.gethostname()}_99999999-deadbeef" / "old"
    dead.mkdir(parents=True)
    alive_elsewhere = tmp_path / "scratch" / "otherhost_99999999-deadbeef" / "old"
    alive_elsewhere.mkdir(parents=True)
    assert mine.is_dir() and mine.parent.name == "registry"
    swept = sweeper.sweep(FakeClient(), stale_only=True)  # type: ignore[arg-type]
    assert not dead.exists() and alive_elsewhere.exists() and mine.exists()
    assert swept.folders
    sweeper.sweep(FakeClient(), session=labels.session_id(), recipe="registry")  # type: ignore[arg-type]
    assert not mine.exists() and other.exists()
    sweeper.sweep(FakeClient(), session=labels.session_id())  # type: ignore[arg-type]
    assert not other.exists()


def test_live_sessions_are_named_and_a_dead_one_is_not() -> None:
    client = FakeClient()
    client.containers.add("mine", labels.for_recipe("r"))
    client.volumes.add("old", dead_session_labels())
    elsewhere = {**labels.for_recipe("r"), labels.SESSION: "7-abc", labels.HOST: "another-host"}
    client.networks.add("theirs", elsewhere)
    assert sorted(sweeper.live_sessions(client)) == sorted(
        [
            f"session 7-abc (process {os.getpid()} on another-host)",
            f"session {labels.session_id()} (process {os.getpid()} on {socket.gethostname()})",
        ]
    )


def test_a_refused_removal_is_reported_not_dropped() -> None:
    import docker.errors

    client = FakeClient()
    stuck = client.networks.add("busy-net", labels.for_recipe("r"))

    def refuse(**_: object) -> None:
        raise docker.errors.APIError("refused", explanation="network busy-net has active endpoints")

    stuck.remove = refuse  # type: ignore[method-assign]
    client.containers.add("gone", labels.for_recipe("r"))
    swept = sweeper.sweep(client)
    assert swept.containers == ["gone"] and swept.networks == []
    assert swept.failed == ["network busy-net (network busy-net has active endpoints)"]
    assert (
        str(swept)
        == "removed 1 container; could not remove 1: network busy-net (network busy-net has active endpoints)"
    )
    assert swept.total == 1


def test_a_recipes_clean_up_line_names_what_it_removed() -> None:
    swept = sweeper.Swept(containers=["ch4-etcd"], networks=["ch4-hosts"], folders=["/x/multi-host"])
    assert swept.named() == "removed 1 container (ch4-etcd), 1 network (ch4-hosts), 1 folder"
    assert str(swept) == "removed 1 container, 1 network, 1 folder"
    assert sweeper.Swept().named() == "nothing to remove"


def test_labels_and_scratch_folders_arm_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Asking for labels or a scratch folder installs no handler: the session's start arms the exit sweep."""
    from cookbook import signals

    armed: list[object] = []
    monkeypatch.setattr(signals.atexit, "register", armed.append)
    monkeypatch.setattr(signals.signal, "signal", lambda *args: armed.append(args))
    monkeypatch.setattr(signals, "_installed", False)
    monkeypatch.setattr(labels, "scratch_root", lambda: tmp_path)
    labels.for_recipe("quiet")
    labels.scratch("quiet")
    assert armed == []
    signals.install_exit_sweep()
    signals.install_exit_sweep()
    assert armed[0] is signals._exit_sweep and len(armed) <= 2  # once; SIGTERM too when it was the default


def test_importing_the_session_loads_no_notebook_magics() -> None:
    """The magics register in :func:`cookbook.reader.session.start`, not when the module is imported."""
    import subprocess
    import sys

    code = "import sys, cookbook.reader.session; print('cookbook.reader.magics' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, check=True)
    assert done.stdout.strip() == "False"
