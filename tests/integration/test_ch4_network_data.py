"""Chapter 4's commands on the real engine: a published port and its DNAT rule, a busy port, bind mounts, the registry,
Flannel's VXLAN backend by hand across two sandbox hosts."""

from __future__ import annotations

from collections.abc import Iterator

import docker
import pytest

from cookbook import shell
from cookbook.chapters.networking import data, flannel, network
from cookbook.errors import CommandFailed
from cookbook.lab import sandbox
from cookbook.reader.recipe import Recipe

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


def test_flannel_by_hand_two_hosts_lease_their_subnets_and_ping_through_flannel_1(recipe: Recipe) -> None:
    """The notebook's multi-host recipe, condensed: etcd, two hosts, leases, subnet.env, routes, a ping."""
    shell.docker("network create it-ch4-hosts", show=False)
    shell.docker("run -d --name it-ch4-etcd --network it-ch4-hosts cookbook/etcd", show=False)
    etcd = network.address(recipe.client.containers.get("it-ch4-etcd"), "it-ch4-hosts")
    boxes = [sandbox.engine(name=f"it-ch4-host{n}", network="it-ch4-hosts", flags=flannel.DOCKER_FLAGS,
                            environment_file=flannel.SUBNET_ENV, recipe=recipe.name) for n in (1, 2)]  # fmt: skip
    try:
        leased = {}
        for box in boxes:
            curl = f"run --rm --network container:{box.name} --entrypoint curl cookbook/etcd -s"
            shell.docker(f"exec {box.name} ip link add flannel.1 type vxlan id 1 dev eth0 dstport 8472 nolearning",
                         show=False)  # fmt: skip
            mac, mtu = shell.docker(f"exec {box.name} cat /sys/class/net/flannel.1/address "
                                    "/sys/class/net/flannel.1/mtu", show=False).lines  # fmt: skip
            listed = shell.docker(f"{curl} {flannel.etcd_url(etcd, flannel.SUBNETS_KEY)}", show=False)
            held = flannel.leases(listed.text)
            subnet = flannel.free_subnet(flannel.CONFIG, held)
            url = flannel.etcd_url(etcd, flannel.lease_key(subnet))
            value = flannel.lease_value(box.address, mac)
            create = f"{curl} -XPUT '{url}?prevExist=false' -d ttl=60 --data-urlencode 'value={value}'"
            leased[box.name] = flannel.lease_event(shell.docker(create, show=False).text)[1]
            again = flannel.etcd_answer(shell.docker(create, show=False).text)
            assert again["errorCode"] == 105, "a second create of a held lease is refused"
            env = " ".join(flannel.subnet_env(flannel.CONFIG, leased[box.name], int(mtu)))
            shell.docker(f"exec {box.name} ip addr add {leased[box.name].gateway}/32 dev flannel.1", show=False)
            shell.docker(f"exec {box.name} ip link set flannel.1 up", show=False)
            shell.docker(f"exec {box.name} sh -c \"mkdir -p /run/flannel && printf '%s\\n' {env} > "
                         f"{flannel.SUBNET_ENV}\"", show=False)  # fmt: skip
            box.wait()
        for box, other in (boxes, boxes[::-1]):
            lease = leased[other.name]
            shell.docker(f"exec {box.name} bridge fdb append {lease.vtep_mac} dev flannel.1 dst {lease.public_ip}",
                         show=False)  # fmt: skip
            shell.docker(f"exec {box.name} ip neigh add {lease.gateway} lladdr {lease.vtep_mac} dev flannel.1",
                         show=False)  # fmt: skip
            shell.docker(f"exec {box.name} ip route add {lease.subnet} via {lease.gateway} dev flannel.1 onlink",
                         show=False)  # fmt: skip
        first, second = boxes
        assert flannel.bridge_subnet(first.client) == str(leased[first.name].subnet) == "10.0.1.0/24"
        target = shell.docker("run -d --name it-ch4-web cookbook/busybox sleep 120", on=first, show=False)
        address = network.address(target.container)
        assert address.startswith("10.0.1.")
        before = flannel.link_counters(shell.docker(f"exec {second.name} ip -s link show flannel.1", show=False).text)
        ping = shell.docker(f"run --rm cookbook/busybox ping -c 2 -W 5 {address}", on=second, show=False)
        after = flannel.link_counters(shell.docker(f"exec {second.name} ip -s link show flannel.1", show=False).text)
        assert ping.ok and f"from {address}:" in ping.text
        assert after["tx"] - before["tx"] >= 2 and after["rx"] - before["rx"] >= 2
    finally:
        for box in boxes:
            box.close()
