"""Diagrams from state without an engine: what the graph's source says follows what it is given."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from cookbook.reader import diagrams


class _Container:
    def __init__(self, name: str, networks: dict[str, str], ports: dict[str, list[dict[str, str]]] | None = None,
                 mounts: list[dict[str, Any]] | None = None, mode: str = "default") -> None:  # fmt: skip
        self.name = name
        self.attrs: dict[str, Any] = {
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


def test_ci_graph_follows_the_builds_and_the_deploy() -> None:
    rows = [
        {"builder": "ci", "build": 3, "result": "success", "steps": "pipeline=success, deploy=success"},
        {"builder": "python-3.11", "build": 2, "result": "success", "steps": "pytest=success"},
    ]
    passed = diagrams.ci_graph("0123456789ab", rows).source
    assert "python-3.11 #2: success" in passed and "router: 01234567 deployed" in passed
    rows[0] = {**rows[0], "result": "failure", "steps": "pipeline=success, test matrix=failure"}
    rows.append({"builder": "python-3.13", "build": 2, "result": "failure", "steps": "pytest=failure"})
    failed = diagrams.ci_graph("0123456789ab", rows).source
    assert "python-3.13 #2: failure" in failed and "not deployed" in failed and "#f8cbad" in failed


def test_service_graph_has_one_node_per_task() -> None:
    tasks = [{"task": "app.1", "node": "n1", "image": "app:v1", "state": "running"}]
    one = diagrams.service_graph("10.0.0.2:8080", tasks).source
    two = diagrams.service_graph("10.0.0.2:8080", [*tasks, {**tasks[0], "task": "app.2", "node": "n2"}]).source
    assert one.count("DNS round robin") == 1 and two.count("DNS round robin") == 2 and "on n2" in two


def _drawn_nodes(graph: Any) -> set[str]:
    """The nodes graphviz lays out (``plain`` format): an id with a colon would add a phantom node."""
    plain = graph.pipe(format="plain").decode()
    return {line.split()[1].strip('"') for line in plain.splitlines() if line.startswith("node ")}


def test_every_edge_joins_the_nodes_drawn_and_no_phantom_node_appears() -> None:
    one = _Container(
        "ch4-one",
        {"bridge": "172.17.0.2"},
        mounts=[{"Type": "volume", "Name": "notes", "Destination": "/data", "RW": True}],
    )
    drawn = _drawn_nodes(diagrams.containers_graph(CLIENT, [one]))  # type: ignore[arg-type]
    assert drawn == {"host", "ch4-one", "net_bridge", "vol_notes"}
    rows = [
        {"builder": "ci", "build": 1, "result": "success", "steps": "deploy=success"},
        {"builder": "python-3.11", "build": 1, "result": "success", "steps": ""},
    ]
    assert _drawn_nodes(diagrams.ci_graph("0123456789ab", rows)) == {"push", "build_ci", "build_python-3.11", "deploy"}
