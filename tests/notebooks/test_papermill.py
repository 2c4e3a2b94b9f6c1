"""Every notebook runs headless under papermill in quick mode, passes all its checks, and leaves nothing.

The same run proves that what a reader sees ran: a logging ``docker`` program is first on
``PATH``, and every ``$ docker ...`` line in the executed notebook's outputs must be one of the
invocations it logged (our labels, quoting and trailing comments aside). And the same run's
outputs must match the committed ones under nbval's comparison (``recorded.differences``): one
execution per notebook serves the checks, the leftovers, the shown commands and nbval.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import docker
import nbformat
import pytest

from cookbook import dockerargs, dockercli, engine, labels, runner
from tests.notebooks import recorded

# The least number of docker commands each chapter must show (and run).
MINIMUM_SHOWN = {"04-networking-and-data": 25}
DEFAULT_MINIMUM = 10

LOGGER = """#!/bin/sh
# Logs the folder and arguments of every docker call, then runs the real CLI.
"{python}" -c 'import json, os, sys
with open(os.environ["COOKBOOK_DOCKER_LOG"], "a") as log:
    log.write(json.dumps([os.getcwd(), *sys.argv[1:]]) + "\\n")' "$@"
exec "{real}" "$@"
"""


def engine_state(client: docker.DockerClient) -> set[str]:
    """Every container, network and volume on the engine (ours or not)."""
    return set(labelled_state(client))


def labelled_state(client: docker.DockerClient) -> dict[str, dict[str, str]]:
    """Every container, network and volume on the engine, with its labels."""
    state = {f"container:{c.id}": c.labels for c in client.containers.list(all=True)}
    state |= {f"network:{n.id}": n.attrs.get("Labels") or {} for n in client.networks.list()}
    state |= {f"volume:{v.name}": v.attrs.get("Labels") or {} for v in client.volumes.list()}
    return state


def left_by(session: str, before: set[str], after: dict[str, dict[str, str]]) -> list[str]:
    """What appeared on the engine and is not another live cookbook session's (a reader's open notebook)."""
    return sorted(
        key
        for key, owner in after.items()
        if key not in before and (owner.get(labels.MANAGED) != "true" or owner.get(labels.SESSION) == session)
    )


def logging_docker(folder: Path, log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Put a logging ``docker`` first on ``PATH`` (the notebook's kernel inherits it)."""
    program = folder / "docker"
    program.write_text(LOGGER.format(python=sys.executable, real=dockercli.program()))
    program.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}:{os.environ['PATH']}")
    monkeypatch.setenv("COOKBOOK_DOCKER_LOG", str(log))


def shown_commands(notebook: Path) -> list[str]:
    """Every ``$ docker ...`` command in a notebook's outputs (continuation lines joined)."""
    found: list[str] = []
    for cell in nbformat.read(str(notebook), as_version=4).cells:
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            lines = (text if isinstance(text, str) else "".join(text)).splitlines()
            index = 0
            while index < len(lines):
                line = lines[index]
                index += 1
                if not line.startswith("$ "):
                    continue
                command = line[2:]
                while command.endswith("\\") and index < len(lines):
                    command = command[:-1] + " " + lines[index]
                    index += 1
                if dockercli.is_command(command):
                    found.append(command)
    return found


def as_called(command: str, folder: str) -> list[str]:
    """The arguments a shown command gives ``docker`` when pasted into bash in ``folder`` (quotes, ``$PWD``, comments)."""
    script = "docker() { printf '%s\\0' \"$@\"; }\n" + command
    done = subprocess.run(["bash", "-c", script], cwd=folder, env={"PATH": os.environ["PATH"], "PWD": folder},
                          capture_output=True, text=True, check=True)  # fmt: skip
    return done.stdout.split("\0")[:-1]


def logged_calls(log: Path) -> list[list[str]]:
    """What the CLI was given, our label flags taken out."""
    calls = []
    for line in log.read_text().splitlines() if log.exists() else []:
        folder, *argv = json.loads(line)
        calls.append([folder, *dockerargs.without_labels(argv, labels.NAMESPACE)])
    return calls


@pytest.mark.parametrize("notebook", sorted(runner.chapters().values()), ids=lambda p: p.stem)
def test_notebook_runs_quick_passes_its_checks_shows_what_ran_and_matches_its_outputs(
    notebook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = engine.connect()
    before = engine_state(client)
    log = tmp_path / "docker-calls.jsonl"
    (tmp_path / "bin").mkdir()
    logging_docker(tmp_path / "bin", log, monkeypatch)
    report = tmp_path / "checks.jsonl"
    outcome = runner.execute(notebook, tmp_path, {}, True, report)
    assert outcome.ok, outcome.error
    rows, skipped = runner.read_report(report)
    assert rows, "the notebook made no check"
    assert all(row["passed"] for row in rows), [row for row in rows if not row["passed"]]
    assert not skipped, f"a local engine never skips a cell: {skipped}"
    assert (tmp_path / notebook.with_suffix(".html").name).is_file()
    left = left_by(rows[0]["session"], before, labelled_state(client))
    assert not left, f"{notebook.stem} left {left}"

    shown = shown_commands(tmp_path / notebook.name)
    calls = logged_calls(log)
    never_ran = [command for command in shown if not any(as_called(command, call[0]) == call[1:] for call in calls)]
    assert not never_ran, f"shown but never run: {never_ran}"
    assert len(shown) >= MINIMUM_SHOWN.get(notebook.stem, DEFAULT_MINIMUM), f"only {len(shown)} docker commands shown"

    differ = recorded.differences(notebook, tmp_path / notebook.name)
    assert not differ, "outputs differ from the committed ones (re-record it):\n" + "\n".join(differ)


def test_the_comparison_sees_a_line_that_did_not_run(tmp_path: Path) -> None:
    """The check above can fail: a shown line with no matching call is caught, labels and quoting aside."""
    log = tmp_path / "log.jsonl"
    log.write_text(
        json.dumps(
            [
                str(tmp_path),
                "run",
                "--label",
                "dev.cookbook.managed=true",
                "-v",
                f"{tmp_path}/x:/x",
                "busybox",
                "echo",
                "a b",
            ]
        )
        + "\n"
    )
    (call,) = logged_calls(log)
    assert as_called("docker run -v \"$PWD/x\":/x busybox echo 'a b'   # why", call[0]) == call[1:]
    assert as_called("docker run -v $PWD/x:/x busybox echo a b", call[0]) != call[1:]
    assert as_called("docker run -v '$PWD/x':/x busybox echo 'a b'", call[0]) != call[1:], "no $PWD in single quotes"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x")])
    nb.cells[0].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="$ docker run -d \\\n  busybox\nid\n$ ls\n")
    ]
    nbformat.write(nb, str(tmp_path / "n.ipynb"))
    assert shown_commands(tmp_path / "n.ipynb") == ["docker run -d    busybox"]
