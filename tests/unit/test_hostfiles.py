"""Bind mounts of our own folders become copies for an engine that does not see our files."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from cookbook import config, hostfiles


def engine(base_url: str, sees: bool, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A stand-in client whose answer to the probe is already known."""
    monkeypatch.setitem(hostfiles._seen, base_url, sees)
    return SimpleNamespace(api=SimpleNamespace(base_url=base_url))


def test_a_local_engine_mounts_our_folders(monkeypatch: pytest.MonkeyPatch) -> None:
    ours = str(config.project_root() / "data")
    volumes = [f"{ours}:/data:ro"]
    assert hostfiles.carry(volumes, engine("local", True, monkeypatch)) == (volumes, {})


def test_a_remote_engine_gets_copies_of_ours_and_keeps_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    ours = config.project_root() / "data" / "fio"
    volumes = {str(ours): {"bind": "/fio", "mode": "ro"}, "/sys/fs/cgroup": {"bind": "/sys/fs/cgroup", "mode": "rw"}}
    kept, files = hostfiles.carry(volumes, engine("remote", False, monkeypatch))
    assert kept == {"/sys/fs/cgroup": {"bind": "/sys/fs/cgroup", "mode": "rw"}}
    assert files == {"/fio": ours}


def test_state_folder_counts_as_ours(monkeypatch: pytest.MonkeyPatch, own_state_dir: Path) -> None:
    own_state_dir.mkdir(parents=True)
    kept, files = hostfiles.carry([f"{own_state_dir}:/state"], engine("remote", False, monkeypatch))
    assert kept is None and files == {"/state": own_state_dir}


def test_copy_in_puts_files_where_the_mount_would_show_them(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "a.conf").write_text("a")
    (tmp_path / "job.fio").write_text("j")
    sent: list[tuple[str, bytes]] = []
    box = SimpleNamespace(put_archive=lambda path, data: sent.append((path, data)))
    hostfiles.copy_in(box, {"/etc/app": tmp_path / "conf", "/fio/job.fio": tmp_path / "job.fio"})
    ((path, data),) = sent
    names = tarfile.open(fileobj=io.BytesIO(data)).getnames()
    assert path == "/" and set(names) == {"etc/app", "etc/app/a.conf", "fio/job.fio"}


class _RefusingContainers:
    def __init__(self, explanation: str) -> None:
        self.explanation = explanation

    def create(self, *args: Any, **kwargs: Any) -> Any:
        import docker.errors

        raise docker.errors.APIError("refused", explanation=self.explanation)


def probing(explanation: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(hostfiles.images, "ensure", lambda name, client: "cookbook/busybox")
    return SimpleNamespace(
        api=SimpleNamespace(base_url="https://10.9.8.7:2376"), containers=_RefusingContainers(explanation)
    )


def test_the_local_socket_is_seen_without_a_probe() -> None:
    assert hostfiles.engine_sees(SimpleNamespace(api=SimpleNamespace(base_url=hostfiles.LOCAL_SOCKET_URL)))


def test_a_missing_bind_source_means_the_engine_runs_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hostfiles, "_seen", {})
    client = probing('invalid mount config for type "bind": bind source path does not exist: /x', monkeypatch)
    assert hostfiles.engine_sees(client) is False


def test_a_probe_that_errs_raises_and_is_not_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hostfiles, "_seen", {})
    client = probing("the daemon is restarting", monkeypatch)
    with pytest.raises(hostfiles.CookbookError, match="cannot tell whether the engine .* sees this machine's files"):
        hostfiles.engine_sees(client)
    assert hostfiles._seen == {}
