"""``%%on_this_host`` runs its cell with a local engine and says why it skips it with a remote one."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell

from cookbook import engine, hostfiles
from cookbook.errors import CookbookError
from cookbook.reader import magics


@pytest.fixture()
def shell(monkeypatch: pytest.MonkeyPatch) -> InteractiveShell:
    monkeypatch.setattr(engine, "connect", lambda: object())
    ipython = InteractiveShell.instance()
    magics.register(ipython)
    return ipython


def test_runs_the_cell_when_the_engine_is_here(shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hostfiles, "engine_sees", lambda client: True)
    shell.run_cell("%%on_this_host reads a host folder\nran = 6 * 7")
    assert shell.user_ns["ran"] == 42


def test_skips_with_the_reason_when_the_engine_is_elsewhere(
    shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(hostfiles, "engine_sees", lambda client: False)
    monkeypatch.setenv("DOCKER_HOST", "tcp://10.1.2.3:2376")
    shell.user_ns.pop("skipped", None)
    shell.run_cell("%%on_this_host reads a host folder\nskipped = False")
    assert "skipped" not in shell.user_ns
    out = capsys.readouterr().out
    assert "skipped: reads a host folder" in out and "tcp://10.1.2.3:2376" in out


def test_an_error_in_the_cell_fails_the_cell(shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hostfiles, "engine_sees", lambda client: True)
    with pytest.raises(CookbookError, match="failed"):
        magics.on_this_host("why", "1 / 0")
