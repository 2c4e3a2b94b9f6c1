"""Chapter 4's commands on the real engine: a published port and its DNAT rule, a busy port, bind mounts, the registry."""

from __future__ import annotations

from typing import Iterator

import docker
import pytest

from cookbook import data, network, shell
from cookbook.errors import CommandFailed
from cookbook.recipe import Recipe

pytestmark = pytest.mark.usefixtures("leaves_nothing")

IPTABLES = "run --rm --net=host --cap-add NET_ADMIN --entrypoint iptables cookbook/dind -t nat -S DOCKER"


@pytest.fixture
def recipe(client: docker.DockerClient) -> Iterator[Recipe]:
    step = Recipe("it-ch4", client=client)
    yield step
    step.close()


def test_published_port_answers_and_has_a_dnat_rule(recipe: Recipe) -> None:
    port = network.free_port()
    made = shell.docker(f"run -d --name it-ch4-web -p 127.0.0.1:{port}:80 cookbook/web", show=False)
    assert network.url(made.container, 80) == f"http://127.0.0.1:{port}/"
    assert network.get(f"http://127.0.0.1:{port}/")[0] == 200
    assert shell.docker("port it-ch4-web 80", show=False).text == f"127.0.0.1:{port}"
    rule = f"--dport {port} -j DNAT --to-destination {network.address(made.container)}:80"
    assert any(line.endswith(rule) for line in shell.docker(IPTABLES, show=False).lines)


def test_a_port_taken_by_the_engine_fails_in_one_line_and_the_recipe_removes_the_rest(
    recipe: Recipe, client: docker.DockerClient
) -> None:
    first = shell.docker("run -d -p 127.0.0.1::80 cookbook/web", show=False)
    taken = network.url(first.container, 80).rsplit(":", 1)[1].strip("/")
    with pytest.raises(CommandFailed, match="exit status 125.*(already allocated|in use)"):
        shell.docker(f"run -d -p 127.0.0.1:{taken}:80 cookbook/web", show=False)
    made = client.containers.list(all=True, filters={"label": f"dev.cookbook.recipe={recipe.name}"})
    assert len(made) == 2, "the failed run left a created container, labelled for the clean-up"


def test_read_only_bind_mount_refuses_writes_and_folder_is_removed(recipe: Recipe) -> None:
    folder = data.host_folder("it", recipe.name)
    where = shell.in_checkout(folder)
    try:
        wrote = shell.docker(f"run --rm -v {where}:/m cookbook/busybox sh -c 'echo x > /m/f'", show=False)
        refused = shell.docker(f"run --rm -v {where}:/m:ro cookbook/busybox touch /m/g", show=False, check=False)
        assert wrote.ok and (folder / "f").read_text() == "x\n"
        assert not refused.ok and "Read-only file system" in refused.stderr
    finally:
        data.remove_folder(folder, recipe)
    assert not folder.exists()


def test_registry_data_survives_a_new_registry_container(recipe: Recipe, client: docker.DockerClient) -> None:
    storage = shell.in_checkout(data.host_folder("it-registry", recipe.name))
    registry = f"127.0.0.1:{network.free_port()}"
    pushed = f"{registry}/cookbook/it-ch4:t"
    start = f"run -d --name it-ch4-registry -v {storage}:/var/lib/docker-registry -p {registry}:5000 cookbook/registry"
    shell.docker(start, show=False)
    shell.docker(f"tag cookbook/busybox {pushed}", show=False)
    try:
        shell.docker(f"push {pushed}", show=False)
        shell.docker(f"rmi {pushed}", show=False)
        shell.docker(start, show=False)  # the name is ours: the first registry is removed first
        shell.docker(f"pull {pushed}", show=False)
        assert client.images.get(pushed).id == client.images.get("cookbook/busybox").id
    finally:
        shell.docker(f"rmi {pushed}", show=False, check=False)
