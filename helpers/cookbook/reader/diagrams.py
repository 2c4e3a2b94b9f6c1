"""Diagrams drawn from the engine's live state, never by hand (graphviz's ``dot``, rendered as PNG).

Each function reads what it draws (containers, networks, addresses, published ports, volumes,
a cluster's nodes, a CI run, a service's tasks, TLS clients) and returns a ``graphviz.Digraph``;
:func:`show` renders one inline. The graph's source is plain text, which the tests read: change
the engine's state and the source changes with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import docker
import graphviz

from cookbook.errors import MissingProgram

_STYLE = {"fontname": "DejaVu Sans", "fontsize": "10"}
_NETWORK = {"shape": "box", "style": "rounded,filled", "fillcolor": "#dbe9f6"}
_CONTAINER = {"shape": "box", "style": "filled", "fillcolor": "#f3f3f3"}
_HOST = {"shape": "box", "style": "filled", "fillcolor": "#fff2cc"}
_VOLUME = {"shape": "cylinder", "style": "filled", "fillcolor": "#e2f0d9"}


def _graph(title: str) -> graphviz.Digraph:
    graph = graphviz.Digraph(graph_attr={"rankdir": "LR", "label": title, "labelloc": "t", **_STYLE},
                             node_attr=_STYLE, edge_attr={**_STYLE, "fontsize": "9"})  # fmt: skip
    return graph


def _node(kind: str, name: str) -> str:
    """A node id: graphviz reads ``a:b`` in an edge as node ``a``, port ``b``, so no colon may remain."""
    return f"{kind}_{name}".replace(":", "_")


def _networks_of(container: Any) -> dict[str, dict[str, Any]]:
    return dict(container.attrs["NetworkSettings"].get("Networks") or {})


def containers_graph(client: docker.DockerClient, containers: Sequence[Any], title: str = "") -> graphviz.Digraph:
    """The containers, the networks they are on (bridge device, subnet), their addresses, published ports, volumes.

    Args:
        client: Their engine.
        containers: SDK containers (reloaded here).
        title: The diagram's caption.
    """
    graph = _graph(title or f"{len(containers)} containers on the engine")
    host = "host"
    graph.node(host, "this machine (the engine's host)", **_HOST)
    seen_networks: set[str] = set()
    for container in containers:
        container.reload()
        mode = container.attrs["HostConfig"].get("NetworkMode", "")
        graph.node(container.name, container.name, **_CONTAINER)
        for name, settings in _networks_of(container).items():
            if name not in seen_networks:
                seen_networks.add(name)
                graph.node(_node("net", name), _network_label(client, name), **_NETWORK)
                graph.edge(host, _node("net", name), style="dashed", arrowhead="none")
            address = settings.get("IPAddress") or ""
            via = "veth pair" if name == "bridge" else "veth"
            graph.edge(_node("net", name), container.name, label=f"{via}: eth0 {address}".strip(), arrowhead="none")
        if mode.startswith("container:") or mode in ("host", "none"):
            graph.edge(
                host if mode == "host" else container.name, container.name, label=f"--net={mode}", style="dotted"
            )
        for inner, bindings in sorted((container.attrs["NetworkSettings"].get("Ports") or {}).items()):
            for binding in bindings or []:
                outer = f"{binding.get('HostIp') or '0.0.0.0'}:{binding['HostPort']}"
                graph.edge(host, container.name, label=f"{outer} → {inner}", color="#c55a11", fontcolor="#c55a11")
        for mount in container.attrs.get("Mounts") or []:
            source = mount.get("Name") or mount.get("Source", "")
            short = source if len(source) < 24 else f"{source[:12]}…"
            node = _node("vol", source)
            graph.node(node, f"{mount.get('Type', 'volume')}\n{short}", **_VOLUME)
            graph.edge(node, container.name, label=f"{mount.get('Destination')}{'' if mount.get('RW') else ' (ro)'}")
    return graph


def _network_label(client: docker.DockerClient, name: str) -> str:
    try:
        network = client.networks.get(name)
    except docker.errors.NotFound:
        return name
    subnets = [config.get("Subnet", "") for config in network.attrs.get("IPAM", {}).get("Config") or []]
    device = (network.attrs.get("Options") or {}).get("com.docker.network.bridge.name", "")
    driver = network.attrs.get("Driver", "")
    return "\n".join(part for part in (f"{name} ({driver})", device, ", ".join(s for s in subnets if s)) if part)


def hosts_graph(hosts: Mapping[str, Mapping[str, str]], links: Iterable[tuple[str, str, str]] = (),
                title: str = "") -> graphviz.Digraph:  # fmt: skip
    """Several hosts (sandbox engines), what each holds (address, subnets, devices), and what links them.

    Args:
        hosts: Host name -> ``{"address": ..., "docker0": ..., ...}`` (any facts, one line each).
        links: ``(from host, to host, label)`` edges (a VXLAN tunnel, an overlay network).
        title: The diagram's caption.
    """
    graph = _graph(title or f"{len(hosts)} hosts")
    for name, facts in hosts.items():
        graph.node(name, "\n".join([name, *(f"{key}: {value}" for key, value in facts.items())]), **_HOST)
    for source, target, label in links:
        graph.edge(source, target, label=label, dir="both")
    return graph


def flow_graph(
    steps: Sequence[tuple[str, str]], edges: Iterable[tuple[str, str, str]], title: str = ""
) -> graphviz.Digraph:
    """A flow (a CI run: push → builds → deploy; a route → tasks): ``(node, label)`` steps, ``(from, to, label)`` edges."""
    graph = _graph(title)
    for node, label in steps:
        failed = "failure" in label or "refused" in label
        graph.node(node, label, **{**_CONTAINER, "fillcolor": "#f8cbad" if failed else _CONTAINER["fillcolor"]})
    for source, target, label in edges:
        graph.edge(source, target, label=label)
    return graph


def ci_graph(revision: str, builds: Sequence[Mapping[str, Any]], title: str = "") -> graphviz.Digraph:
    """One push through the CI server: the pipeline build, one build per matrix entry, and the deploy.

    Args:
        revision: The pushed revision (shown short).
        builds: The CI server's rows for it (``builder``, ``build``, ``result``, ``steps``), as
            :meth:`cookbook.chapters.usecases.ci.Server.wait_for_build` returns them.
        title: The diagram's caption.
    """
    steps = [("push", f"git push\n{revision[:8]}")]
    edges = []
    pipeline = next((row for row in builds if row["builder"] == "ci"), None)
    for row in builds:
        node = _node("build", row["builder"])
        steps.append((node, f"{row['builder']} #{row['build']}: {row['result']}"))
        if row is pipeline:
            edges.append(("push", node, "hook"))
        else:
            edges.append((_node("build", "ci") if pipeline else "push", node, "matrix entry"))
    if pipeline is not None:
        deployed = "deploy=success" in str(pipeline.get("steps", ""))
        steps.append(("deploy", f"router: {revision[:8]} deployed" if deployed else "router: not deployed (refused)"))
        edges.append((_node("build", "ci"), "deploy", "deploy" if deployed else "stopped before deploy"))
    return flow_graph(steps, edges, title or f"the CI run of {revision[:8]}")


def service_graph(route: str, tasks: Sequence[Mapping[str, Any]], title: str = "") -> graphviz.Digraph:
    """A router and the tasks of the service behind it, each on its node with its image.

    Args:
        route: What the router is (its address).
        tasks: Rows with ``task``, ``node``, ``image`` and ``state`` (:func:`cookbook.chapters.usecases.paas.tasks`).
        title: The diagram's caption.
    """
    graph = _graph(title or f"{len(tasks)} tasks behind the route")
    graph.node("route", f"route (nginx)\n{route}", **_HOST)
    for row in tasks:
        node = _node("task", row["task"])
        graph.node(node, f"{row['task']}\non {row['node']}\n{row['image']}\n{row['state']}", **_CONTAINER)
        graph.edge("route", node, label="DNS round robin")
    return graph


def tls_graph(answers: Mapping[str, str], daemon: str) -> graphviz.Digraph:
    """Clients knocking at a TLS daemon: who was served and who was refused, from their real answers.

    Args:
        answers: Client -> what the daemon answered (``GET /version -> 200 OK``, ``ApiUnreachable: ...``).
        daemon: The daemon's name (its address).
    """
    graph = _graph(f"who gets in: the TLS daemon {daemon}")
    graph.node("daemon", f"dockerd --tlsverify\n{daemon}", **_HOST)
    for number, (who, answer) in enumerate(answers.items()):
        served = answer.rstrip().endswith(("200 OK", "OK"))
        said = answer.split(": ", 1)[0] if not served else "served (200 OK)"
        graph.node(f"client{number}", who, **{**_CONTAINER, "fillcolor": "#e2f0d9" if served else "#f8cbad"})
        graph.edge(f"client{number}", "daemon", label=said if served else f"refused: {said}",
                   color="#176f2c" if served else "#b00020")  # fmt: skip
    return graph


def show(graph: graphviz.Digraph) -> Any:
    """The diagram as an inline PNG (kept in the notebook's outputs and in its HTML).

    Raises:
        MissingProgram: graphviz's ``dot`` is not installed.
    """
    from IPython.display import Image

    try:
        return Image(graph.pipe(format="png"))
    except graphviz.ExecutableNotFound:
        raise MissingProgram("dot", "graphviz") from None
