"""Diagrams from the real engine: add a container, then one with a published port, and the drawing follows."""

from __future__ import annotations

from collections.abc import Iterator

import docker
import pytest

from cookbook import shell
from cookbook.reader import diagrams
from cookbook.reader.recipe import Recipe

pytestmark = pytest.mark.usefixtures("leaves_nothing")


@pytest.fixture
def recipe(client: docker.DockerClient) -> Iterator[Recipe]:
    step = Recipe("it-diagrams", client=client)
    yield step
    step.close()


def test_the_drawing_follows_the_engine(recipe: Recipe, client: docker.DockerClient) -> None:
    one = shell.docker("run -d --name it-diagram-one cookbook/busybox sleep 60", show=False).container
    first = diagrams.containers_graph(client, [one]).source
    assert "it-diagram-one" in first and f"eth0 {one.attrs['NetworkSettings']['IPAddress']}" in first
    assert "it-diagram-two" not in first and "→" not in first
    two = shell.docker("run -d --name it-diagram-two -p 127.0.0.1::80 -v it-diagram-data:/data cookbook/web",
                       show=False).container  # fmt: skip
    port = two.attrs["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"]
    second = diagrams.containers_graph(client, [one, two]).source
    assert "it-diagram-two" in second and f"127.0.0.1:{port} → 80/tcp" in second and "it-diagram-data" in second
    assert diagrams.show(diagrams.containers_graph(client, [one, two])).data.startswith(b"\x89PNG")
