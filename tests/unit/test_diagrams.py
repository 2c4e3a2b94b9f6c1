"""Diagrams from state without an engine: what the graph's source says follows what it is given."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from cookbook import diagrams


class _Container:
    def __init__(self, name: str, networks: dict[str, str], ports: dict[str, list[dict[str, str]]] | None = None,
                 mounts: list[dict[str, Any]] | None = None, mode: str = "default") -> None:  # fmt: skip
        self.name = name
        self.attrs = {
            "NetworkSettings": {"Networks": {n: {"IPAddress": a} for n, a in networks.items()}, "Ports": ports or {}},
            "HostConfig": {"NetworkMode": mode},
            "Mounts": mounts or [],
        }

    def reload(self) -> None:
        pass


class _Networks:
    def get(self, name: str) -> Any:
        return SimpleNamespace(attrs={"Driver": "bridge", "IPAM": {"Config": [{"Subnet": "172.17.0.0/16"}]},
                                      "Options": {"com.docker.network.bridge.name": "docker0"}})  # fmt: skip


CLIENT = SimpleNamespace(networks=_Networks())


def test_a_container_its_network_and_address_are_drawn_and_a_published_port_adds_an_edge() -> None:
    one = _Container("ch4-one", {"bridge": "172.17.0.2"})
    before = diagrams.containers_graph(CLIENT, [one]).source  # type: ignore[arg-type]
    assert "ch4-one" in before and "eth0 172.17.0.2" in before and "docker0" in before and "172.17.0.0/16" in before
    assert "→" not in before
    one.attrs["NetworkSettings"]["Ports"] = {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "32768"}]}
    after = diagrams.containers_graph(CLIENT, [one]).source  # type: ignore[arg-type]
    assert "127.0.0.1:32768 → 80/tcp" in after


def test_a_second_container_and_a_volume_change_the_drawing() -> None:
    one = _Container("ch4-one", {"bridge": "172.17.0.2"})
    two = _Container("ch4-two", {"bridge": "172.17.0.3"},
                     mounts=[{"Type": "volume", "Name": "ch4-notes", "Destination": "/data", "RW": False}])  # fmt: skip
    source = diagrams.containers_graph(CLIENT, [one, two]).source  # type: ignore[arg-type]
    assert "ch4-two" in source and "ch4-notes" in source and "/data (ro)" in source


def test_hosts_flows_and_tls_clients() -> None:
    hosts = diagrams.hosts_graph({"node1": {"subnet": "10.0.4.0/24"}, "node2": {"subnet": "10.0.5.0/24"}},
                                 [("node1", "node2", "flannel.1 (VXLAN 1)")]).source  # fmt: skip
    assert "subnet: 10.0.4.0/24" in hosts and "flannel.1 (VXLAN 1)" in hosts
    flow = diagrams.flow_graph([("push", "git push"), ("ci", "ci: failure")], [("push", "ci", "hook")]).source
    assert "#f8cbad" in flow and "hook" in flow
    tls = diagrams.tls_graph({"ours": "GET /version -> 200 OK", "no cert": "ApiUnreachable: TLS refused"}, "box").source
    assert "served (200 OK)" in tls and "refused: ApiUnreachable" in tls


def test_show_renders_a_png() -> None:
    image = diagrams.show(diagrams.flow_graph([("a", "a")], []))
    assert image.data.startswith(b"\x89PNG")
