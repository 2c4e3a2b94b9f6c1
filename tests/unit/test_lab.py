"""``cookbook lab`` without starting JupyterLab: the port it picks, the command it runs, bad input."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cookbook import cli, labserver
from cookbook.errors import BadParameter, MissingProgram


@pytest.fixture
def taken() -> Iterator[int]:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen(1)
        yield held.getsockname()[1]


def test_the_command_uses_this_interpreter_loopback_a_token_and_our_folders(tmp_path: Path) -> None:
    argv = labserver.command(8899, "t0ken", tmp_path / "notebooks", tmp_path / "lab")
    assert argv[:3] == [sys.executable, "-m", "jupyterlab"]
    assert {"--ip=127.0.0.1", "--port=8899", "--IdentityProvider.token=t0ken", "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={tmp_path / 'notebooks'}"} <= set(argv)  # fmt: skip


def test_an_explicit_port_that_is_taken_is_one_line(taken: int) -> None:
    with pytest.raises(BadParameter, match=f"port {taken} on 127.0.0.1 is taken"):
        labserver.choose_port(taken)
    with pytest.raises(BadParameter, match="out of range"):
        labserver.choose_port(70000)


def test_the_default_port_moves_on_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(labserver, "port_is_free", lambda port: port > labserver.DEFAULT_PORT + 1)
    assert labserver.choose_port(None) == (
        labserver.DEFAULT_PORT + 2,
        f" (port {labserver.DEFAULT_PORT} is taken, so {labserver.DEFAULT_PORT + 2})",
    )


def test_settings_are_written_once_and_a_readers_change_stays(tmp_path: Path) -> None:
    labserver.write_settings(tmp_path)
    tracker = tmp_path / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    assert "windowingMode" in tracker.read_text()
    tracker.write_text('{"windowingMode": "full"}')
    labserver.write_settings(tmp_path)
    assert tracker.read_text() == '{"windowingMode": "full"}'


def test_without_jupyterlab_the_cli_says_which_package_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(labserver.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(MissingProgram, match="jupyterlab"):
        labserver.serve()
    assert cli.main(["lab"]) == 1
    assert "MissingProgram: the `jupyter lab` program is not installed" in capsys.readouterr().err
