"""The README's commands, as written, from a plain shell: no virtualenv activated, a new shell's PATH.

Every line of every ``sh`` block in README.md runs from the checkout's top folder and must exit 0
without a Python traceback. ``make lab`` must serve chapter 4 over HTTP, and stops on Ctrl-C.
``make run`` and ``make test`` are what CI itself runs, so they are the only lines left out here.
A command added to the README later is tested here without a change to this file.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import urllib.request

import pytest

from cookbook import config

README = config.project_root() / "README.md"
RUN_BY_CI = {"make run", "make test"}
NEW_SHELL_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def readme_commands(text: str) -> list[str]:
    """Each command line of the ``sh`` blocks (comments and blank lines left out)."""
    commands = []
    for block in re.findall(r"^```sh\n(.*?)^```", text, re.S | re.M):
        for line in block.splitlines():
            command = line.split("#", 1)[0].strip()
            if command:
                commands.append(command)
    return commands


def plain_shell() -> dict[str, str]:
    """The environment of a new login shell: no virtualenv, no Python paths; the engine settings kept."""
    keep = {key: value for key, value in os.environ.items() if key.startswith("DOCKER_")}
    return {"PATH": NEW_SHELL_PATH, "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8", **keep}


COMMANDS = [command for command in readme_commands(README.read_text()) if command not in RUN_BY_CI]


def test_the_readme_has_commands_to_test() -> None:
    found = readme_commands(README.read_text())
    assert set(found) - set(COMMANDS) == RUN_BY_CI, "only make run and make test are left to CI"
    assert "make lab" in COMMANDS and any("cookbook doctor" in c for c in COMMANDS)


def test_readme_commands_parse_sh_blocks_only() -> None:
    text = "```sh\nmake a   # why\n\n# note\n```\n```text\nexport X=1\n```\n```sh\nb --c\n```\n"
    assert readme_commands(text) == ["make a", "b --c"]


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "make lab"])
def test_a_readme_command_runs_as_written(command: str) -> None:
    done = subprocess.run(["bash", "-c", command], cwd=config.project_root(), env=plain_shell(),
                          capture_output=True, text=True, timeout=1800)  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"`{command}` exited {done.returncode}:\n{output[-3000:]}"
    assert "Traceback (most recent call last)" not in output, output[-3000:]


def test_make_lab_serves_chapter_4_and_stops_on_ctrl_c() -> None:
    lab = subprocess.Popen(["make", "lab"], cwd=config.project_root(), env=plain_shell(), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, start_new_session=True)  # fmt: skip
    seen: list[str] = []
    try:
        assert lab.stdout is not None
        deadline = time.monotonic() + 1800  # the set-up runs first (idempotent, quick when done)
        found = None
        while found is None and time.monotonic() < deadline:
            line = lab.stdout.readline()
            if not line:
                break
            seen.append(line)
            found = re.search(r"open (http://127\.0\.0\.1:\d+)/lab\?token=(\w+)", line)
        assert found, "make lab printed no address:\n" + "".join(seen[-30:])
        base, token = found.groups()
        with urllib.request.urlopen(f"{base}/lab/tree/04-networking-and-data.ipynb?token={token}", timeout=30) as page:
            assert page.status == 200
        contents = f"{base}/api/contents/04-networking-and-data.ipynb?token={token}"
        with urllib.request.urlopen(contents, timeout=30) as notebook:
            assert notebook.status == 200 and b"networking and data" in notebook.read()
    finally:
        os.killpg(lab.pid, signal.SIGINT)  # Ctrl-C in the terminal reaches make and cookbook alike
        rest, _ = lab.communicate(timeout=90)
    assert "JupyterLab stopped." in rest and "Traceback" not in "".join(seen) + rest
