"""Chapter 4 helpers on the real engine: published ports and their DNAT rule, bind mounts, a registry round trip."""

from __future__ import annotations

from typing import Iterator

import docker
import pytest

from cookbook import data, images, network, waits
from cookbook.errors import BadParameter, ContainerFailed
from cookbook.recipe import Recipe

pytestmark = pytest.mark.usefixtures("leaves_nothing")


@pytest.fixture
def recipe(client: docker.DockerClient) -> Iterator[Recipe]:
    step = Recipe("it-ch4", client=client)
    yield step
    step.close()


def test_published_port_answers_and_has_a_dnat_rule(recipe: Recipe) -> None:
    port = network.free_port()
    web, url = network.publish_web(recipe, 8080, "127.0.0.1", port, "<p>ch4</p>")
    assert url == f"http://127.0.0.1:{port}/"
    assert network.get(url) == (200, "<p>ch4</p>\n")
    assert network.published(web) == [f"8080/tcp -> 127.0.0.1:{port}"]
    rules = network.dnat_rules(network.nat_rules(recipe, "DOCKER"), port)
    assert rules and rules[0].endswith(f"--to-destination {network.address(web)}:8080")


def test_a_port_taken_by_the_engine_is_refused_and_nothing_is_left(recipe: Recipe, client: docker.DockerClient) -> None:
    _, url = network.publish_web(recipe, 80, "127.0.0.1", 0, "first")
    taken = int(url.rsplit(":", 1)[1].strip("/"))
    before = len(client.containers.list(all=True, filters={"label": f"dev.cookbook.recipe={recipe.name}"}))
    with pytest.raises((BadParameter, ContainerFailed)):
        network.publish_web(recipe, 80, "127.0.0.1", taken, "second")
    after = len(client.containers.list(all=True, filters={"label": f"dev.cookbook.recipe={recipe.name}"}))
    assert after == before


def test_veth_peer_is_on_docker0_and_container_mode_shares_the_ip(recipe: Recipe) -> None:
    one = recipe.run("busybox", ["sleep", "60"])
    two = recipe.run("busybox", ["sleep", "60"], network=f"container:{one.name}")
    assert network.veth_peer(recipe, one).endswith("master docker0")
    assert network.eth0_address(two) == network.address(one) != ""


def test_read_only_bind_mount_refuses_writes_and_folder_is_removed(recipe: Recipe) -> None:
    folder = data.host_folder("it")
    try:
        wrote = recipe.run_to_exit("busybox", ["sh", "-c", "echo x > /m/f"], volumes=[f"{folder}:/m"])
        refused = recipe.run_to_exit("busybox", ["touch", "/m/g"], volumes=[f"{folder}:/m:ro"])
        assert wrote.ok and (folder / "f").read_text() == "x\n"
        assert not refused.ok and "Read-only file system" in refused.output
    finally:
        data.remove_folder(folder, recipe)
    assert not folder.exists()


def test_registry_data_survives_a_new_registry_container(recipe: Recipe, client: docker.DockerClient) -> None:
    storage = data.host_folder("it-registry")
    busybox = client.images.get(images.ensure("busybox", client=client)).id
    try:
        for attempt in range(2):
            registry = recipe.run(
                "registry",
                volumes=[f"{storage}:/var/lib/docker-registry"],
                ports={5000: None},
                wait=waits.HttpStatus(5000, "/v2/"),
            )
            address = "{}:{}".format(*waits.host_port(registry, 5000))
            if attempt == 0:
                data.untag(client, data.push(client, busybox, address, "cookbook/it-ch4", "t"))
            else:
                assert data.pull(client, address, "cookbook/it-ch4", "t") == busybox
                data.untag(client, f"{address}/cookbook/it-ch4:t")
            registry.remove(force=True, v=True)
    finally:
        data.remove_folder(storage, recipe)
