"""Every notebook runs headless under papermill in quick mode, passes all its checks, and leaves nothing.

nbval (``pytest --nbval notebooks``, part of ``make test``) runs the committed notebooks a
second time and compares their outputs with the recorded ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import docker
import pytest

from cookbook import engine, runner


def engine_state(client: docker.DockerClient) -> set[str]:
    """Every container, network and volume on the engine (ours or not)."""
    state = {f"container:{c.id}" for c in client.containers.list(all=True)}
    state |= {f"network:{n.id}" for n in client.networks.list()}
    state |= {f"volume:{v.name}" for v in client.volumes.list()}
    return state


@pytest.mark.parametrize("notebook", sorted(runner.chapters().values()), ids=lambda p: p.stem)
def test_notebook_runs_quick_with_every_check_passed(notebook: Path, tmp_path: Path) -> None:
    client = engine.connect()
    before = engine_state(client)
    report = tmp_path / "checks.jsonl"
    outcome = runner.execute(notebook, tmp_path, {}, True, report)
    assert outcome.ok, outcome.error
    rows = [json.loads(line) for line in report.read_text().splitlines()]
    assert rows, "the notebook made no check"
    assert all(row["passed"] for row in rows), [row for row in rows if not row["passed"]]
    assert (tmp_path / notebook.with_suffix(".html").name).is_file()
    left = engine_state(client) - before
    assert not left, f"{notebook.stem} left {sorted(left)}"
