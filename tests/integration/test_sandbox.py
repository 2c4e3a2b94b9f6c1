"""Sandbox engines with their own daemon flags, TLS that refuses strangers, and Swarm clusters."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import docker
import pytest

from cookbook import containers, engine, labels
from cookbook.errors import SandboxFailed
from cookbook.lab import sandbox, tls

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("leaves_nothing")]

IPV6_SUBNET = "2001:db8:1::/64"
HOSTS = "it-hosts"
RECIPE = "it-sandbox"


def ping_over_tls(url: str, ca: Path, cert: Path | None = None, key: Path | None = None) -> bytes:
    """Send ``GET /_ping`` over TLS, trusting ``ca``, with the client certificate if given."""
    context = ssl.create_default_context(cafile=str(ca))
    if cert and key:
        context.load_cert_chain(str(cert), str(key))
    address = urlparse(url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=address.hostname) as conn:
            conn.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
            return conn.recv(1024)


def test_vfs_sandbox_reports_vfs() -> None:
    with sandbox.engine(storage_driver="vfs", recipe="it-sandbox") as box:
        assert box.client.info()["Driver"] == "vfs"
        assert urlparse(box.url).hostname == "127.0.0.1"
        assert box.container.labels[labels.RECIPE] == "it-sandbox"
        assert box.volume.attrs["Labels"][labels.SESSION] == labels.session_id()
    assert not box.state_dir.exists()


def test_ipv6_sandbox_gives_global_addresses_from_the_fixed_cidr() -> None:
    with sandbox.engine(ipv6=IPV6_SUBNET, recipe="it-sandbox") as box:
        image = box.load("busybox")
        inner = box.client.containers.run(image, "sleep 60", detach=True)
        inner.reload()
        address = inner.attrs["NetworkSettings"]["GlobalIPv6Address"]
        assert ipaddress.ip_address(address) in ipaddress.ip_network(IPV6_SUBNET)
        shown = inner.exec_run("ip -6 addr show eth0").output.decode()
        assert f"inet6 {address}/64 scope global" in shown


def test_tls_sandbox_accepts_our_client_and_refuses_others(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with sandbox.engine(tlsverify=True, recipe="it-sandbox") as box:
        assert box.cert_path is not None and box.server_cert is not None
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", ssl.get_default_verify_paths().openssl_cafile)  # must not win
        assert engine.client_for(box.endpoint).version()["ApiVersion"]
        ca = box.cert_path / "ca.pem"
        answer = ping_over_tls(box.url, ca, box.cert_path / "cert.pem", box.cert_path / "key.pem")
        assert answer.startswith(b"HTTP/1.0 200")
        with pytest.raises((ssl.SSLError, ConnectionError)):
            ping_over_tls(box.url, ca)  # no client certificate
        stranger = tls.client(tls.authority(tmp_path / "other-ca"), tmp_path / "stranger")
        with pytest.raises((ssl.SSLError, ConnectionError)):
            ping_over_tls(box.url, ca, stranger.cert, stranger.key)
        assert "DNS:" + box.name in tls.alt_names(box.server_cert.cert)


def test_daemon_that_fails_to_start_reports_its_log_and_leaves_nothing(client: docker.DockerClient) -> None:
    with pytest.raises(SandboxFailed, match="unknown flag: --no-such-flag") as failed:
        sandbox.engine(name="cookbook-it-bad-flag", flags=["--no-such-flag"], recipe="it-sandbox")
    assert "--no-such-flag" in str(failed.value.fix)
    with pytest.raises(docker.errors.NotFound):
        client.containers.get("cookbook-it-bad-flag")
    with pytest.raises(docker.errors.NotFound):
        client.volumes.get("cookbook-it-bad-flag-docker")


def test_three_node_cluster_pings_across_an_overlay_network() -> None:
    with sandbox.cluster(3, engines=(), recipe="it-cluster") as swarm:
        nodes = swarm.manager.client.nodes.list()
        assert len(nodes) == 3 and all(node.attrs["Status"]["State"] == "ready" for node in nodes)
        swarm.overlay("backend", subnet="10.10.0.0/24")
        swarm.run_on(3, "busybox", "sleep 300", name="target", network="backend")
        pinger = swarm.run_on(2, "busybox", ["ping", "-c", "2", "-W", "5", "target"], network="backend")
        assert pinger.wait(timeout=60)["StatusCode"] == 0, pinger.logs().decode()
        assert "10.10.0." in pinger.logs().decode()


@pytest.fixture
def tls_hosts(client: docker.DockerClient, tmp_path: Path) -> Iterator[tuple[list[sandbox.Sandbox], tls.ClientCert]]:
    """Three TLS engines that trust one CA, on a network of ours: stand-ins for the reader's hosts."""
    authority = tls.authority(tmp_path / "ca")
    client_cert = tls.client(authority, tmp_path / "client")
    with contextlib.ExitStack() as stack:
        network = client.networks.create("cookbook-it-hosts", labels=labels.for_recipe(HOSTS))
        stack.callback(network.remove)
        hosts = []
        for number in (1, 2, 3):
            name = f"cookbook-it-host{number}"
            host = sandbox.engine(tlsverify=True, authority=authority, name=name, network=network.name, recipe=HOSTS)
            hosts.append(stack.enter_context(host))
        yield hosts, client_cert


def test_cluster_of_the_readers_engines_from_the_environment(
    tls_hosts: tuple[list[sandbox.Sandbox], tls.ClientCert], monkeypatch: pytest.MonkeyPatch
) -> None:
    hosts, client_cert = tls_hosts
    monkeypatch.setenv("COOKBOOK_ENGINES", ",".join(host.url for host in hosts))
    monkeypatch.setenv("COOKBOOK_ENGINES_CERT_PATH", str(client_cert.folder))
    with sandbox.cluster(3, recipe=HOSTS) as swarm:
        assert [node.sandbox for node in swarm.nodes] == [None, None, None]
        assert [node.name for node in swarm.nodes] == [host.name for host in hosts]
        swarm.overlay("backend")
        swarm.run_on(3, "busybox", "sleep 300", name="target", network="backend")
        pinger = swarm.run_on(2, "busybox", ["ping", "-c", "2", "-W", "5", "target"], network="backend")
        assert pinger.wait(timeout=60)["StatusCode"] == 0, pinger.logs().decode()
    for host in hosts:  # closing undid what the cluster did on each engine
        assert host.client.info()["Swarm"]["LocalNodeState"] == "inactive"
        assert host.client.containers.list(all=True) == []
    assert hosts[0].client.images.list(name="cookbook/busybox") == []  # copied only where it ran
    assert hosts[2].client.images.list(name="cookbook/busybox")  # and the copy stays: it cost a transfer


def test_a_container_on_the_default_bridge_cannot_reach_a_sandboxs_api(client: docker.DockerClient) -> None:
    with sandbox.engine(recipe=RECIPE) as box:
        address = box.address
        assert box.own_network is not None and list(box.container.attrs["NetworkSettings"]["Networks"]) == [
            box.own_network.name
        ]
        ask = f"printf 'GET /_ping HTTP/1.0\\r\\n\\r\\n' | nc -w 3 {address} {sandbox.PLAIN_PORT} 2>/dev/null"
        # busybox's wget crashes when refused; nc's own "timed out" (stderr) could land after the verdict
        probe = f"{ask} | grep -q OK && echo REACHED || echo REFUSED"
        outsider = containers.run_to_exit("busybox", ["sh", "-c", probe], recipe=RECIPE, client=client)
        assert outsider.output.strip().splitlines()[-1] == "REFUSED", outsider.output
        insider = containers.run_to_exit("busybox", ["sh", "-c", probe], recipe=RECIPE, client=client,
                                         network=box.own_network.name)  # fmt: skip
        assert insider.output.strip().splitlines()[-1] == "REACHED", "the probe itself works"
        assert box.client.ping(), "the API still answers where it is published (127.0.0.1)"
        network = box.own_network.name
    assert not client.networks.list(names=[network]), "the sandbox's network went with it"


def test_a_daemon_waits_for_its_environment_file_then_two_such_sandboxes_form_a_swarm(
    client: docker.DockerClient,
) -> None:
    network = client.networks.create("cookbook-it-waiting", labels=labels.for_recipe(RECIPE))
    boxes: list[sandbox.Sandbox] = []
    try:
        for number in (1, 2):
            boxes.append(sandbox.engine(name=f"cookbook-it-waiting{number}", network=network.name, recipe=RECIPE,
                                        flags=["--bip=${BRIDGE}"], environment_file="/run/it.env"))  # fmt: skip
        first, second = boxes
        assert first.failure() is None, "the container runs while its daemon waits"
        assert not sandbox.DaemonAnswers(first.api_port).ready(first.container), "the daemon started early"
        for number, box in enumerate(boxes, 1):
            box.container.exec_run(["sh", "-c", f"echo BRIDGE=10.77.{number}.1/24 > /run/it.env"])
            box.wait()
        assert first.client.networks.get("bridge").attrs["IPAM"]["Config"][0]["Subnet"] == "10.77.1.0/24"
        assert "--bip=${BRIDGE}" in first.flags
        swarm = sandbox.swarm(boxes, recipe=RECIPE)
        boxes = []  # the cluster owns them now
        with swarm:
            nodes = swarm.manager.client.nodes.list()
            assert sorted(node.attrs["Description"]["Hostname"] for node in nodes) == [first.name, second.name]
        assert first.failure() is not None, "closing the swarm removed its sandboxes"
    finally:
        for box in boxes:
            box.close()
        network.remove()
