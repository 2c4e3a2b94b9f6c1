"""Integration fixtures: the real engine, and a check that a test leaves nothing behind."""

from __future__ import annotations

from collections.abc import Iterator

import docker
import pytest

from cookbook import engine, labels, sweeper


@pytest.fixture(scope="session")
def client() -> docker.DockerClient:
    """The reader's engine (the test fails with the one-line NoEngine message without one)."""
    return engine.connect()


def ours(client: docker.DockerClient) -> set[str]:
    """Ids of this session's containers, networks and volumes."""
    wanted = {"label": [f"{labels.SESSION}={labels.session_id()}"]}
    found = {c.id for c in client.containers.list(all=True, filters=wanted)}
    found |= {n.id for n in client.networks.list(filters=wanted)}
    found |= {v.id for v in client.volumes.list(filters=wanted)}
    return found


@pytest.fixture
def leaves_nothing(client: docker.DockerClient) -> Iterator[None]:
    """Fail the test if it leaves any of this session's resources on the engine."""
    before = ours(client)
    yield
    left = ours(client) - before
    sweeper.sweep(client, session=labels.session_id())
    assert not left, f"left behind: {left}"
