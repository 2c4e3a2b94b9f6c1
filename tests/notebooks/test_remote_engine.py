"""Every chapter runs against a remote TLS engine: a TLS sandbox stands in for the remote host.

The kernel reaches the sandbox's API as a reader reaches a remote engine through a tunnel:
``DOCKER_HOST=tcp://127.0.0.1:PORT`` with ``DOCKER_TLS_VERIFY``/``DOCKER_CERT_PATH``, and its
published ports at its own address (``COOKBOOK_PUBLISHED_HOST``). That engine does not see
this machine's files, and its loopback is not ours: the helpers must cope with both.

The stand-in sits on a network of ours in 10.201.0.0/24, outside Docker's default address pools:
on the default bridge (172.17.0.1) the kernel's address would collide with the bridge the
engines inside it create, and their replies would never come back.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docker
import nbformat
import pytest
from docker.types import IPAMConfig, IPAMPool

from cookbook import engine, images, labels, runner
from cookbook.errors import NoEngine
from cookbook.lab import sandbox
from tests.notebooks.test_papermill import engine_state, labelled_state, left_by

RECIPE = "test-remote-engine"
SUBNET = "10.201.0.0/24"


@pytest.fixture(scope="module")
def remote() -> Iterator[sandbox.Sandbox]:
    """A TLS sandbox on the local engine, given every catalogue image (it has no registry)."""
    try:
        local = engine.connect()
    except NoEngine as exc:  # only a missing engine skips; any other failure fails
        pytest.skip(str(exc))
    before = engine_state(local)
    network = local.networks.create(
        f"cookbook-remote-{labels.session_id()}",
        ipam=IPAMConfig(pool_configs=[IPAMPool(subnet=SUBNET)]),
        labels=labels.for_recipe(RECIPE),
    )
    try:
        with sandbox.engine(tlsverify=True, network=network.name, recipe=RECIPE) as box:
            for name in images.catalogue():
                box.load(name)
            yield box
    finally:
        network.remove()
    left = left_by(labels.session_id(), before, labelled_state(local))
    assert not left, f"the remote run left {left} on the local engine"


def ours(client: docker.DockerClient) -> set[str]:
    """What the cookbook's helpers made on an engine and did not remove (catalogue images aside)."""
    return engine_state(client) - {f"network:{n.id}" for n in client.networks.list(names=["bridge", "host", "none"])}


def host_only_cells(notebook: Path) -> list[str]:
    """The cells that say they need the engine on this machine (each one is skipped on a remote engine)."""
    cells = nbformat.read(str(notebook), as_version=4).cells
    return [cell.source for cell in cells if cell.cell_type == "code" and cell.source.startswith("%%on_this_host")]


@pytest.mark.parametrize("notebook", sorted(runner.chapters().values()), ids=lambda p: p.stem)
def test_chapter_runs_against_a_remote_tls_engine(
    notebook: Path, remote: sandbox.Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in remote.environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("COOKBOOK_PUBLISHED_HOST", remote.address)
    report = tmp_path / "checks.jsonl"
    outcome = runner.execute(notebook, tmp_path, {}, True, report)
    assert outcome.ok, outcome.error
    rows, skipped = runner.read_report(report)
    assert rows and all(row["passed"] for row in rows), [row for row in rows if not row["passed"]]
    assert len(skipped) == len(host_only_cells(notebook)), f"skipped {skipped}"
    assert not ours(remote.client), f"{notebook.stem} left {sorted(ours(remote.client))} on the remote engine"
