"""Swarm clusters: of sandbox engines, or of the reader's own engines (``COOKBOOK_ENGINES``)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import docker
import docker.errors
import requests.exceptions
from docker.models.networks import Network
from docker.types import IPAMConfig, IPAMPool

from cookbook import config, containers, labels, sweeper, waits
from cookbook.engine import (
    Endpoint,
    client_for,
    connect,
)
from cookbook.errors import BadParameter, NoEngine, SandboxFailed
from cookbook.lab.sandbox.boxes import Sandbox, _unique, engine
from cookbook.lab.sandbox.copying import copy_image
from cookbook.lab.sandbox.daemon import (
    MAX_SANDBOX_NODES,
    SWARM_PORT,
)


@dataclass
class Node:
    """One engine of a cluster.

    Attributes:
        name: The node's name (its host name).
        client: A docker SDK client connected to it.
        advertise: The address the other nodes reach it on (None: the engine picks its own).
        sandbox: The sandbox it runs in, or None for one of the reader's engines.
        url: Where its API answers from here (what ``docker -H`` takes).
        cert_path: The client certificate folder for a TLS API, else None.
        source: The reader's engine, from which images are copied to the node.
    """

    name: str
    client: docker.DockerClient
    advertise: str | None
    sandbox: Sandbox | None = None
    url: str = ""
    cert_path: Path | None = None
    source: docker.DockerClient | None = field(default=None, repr=False)

    def load(self, image: str) -> str:
        """Copy an image from the reader's engine to this node (what ``--on node`` commands need)."""
        return copy_image(image, self.source or connect(), self.client)


@dataclass
class Cluster:
    """A Swarm of engines; node 1 is the manager. Use it in a ``with`` block, or call :meth:`close`.

    Attributes:
        nodes: The engines, node 1 first.
        recipe: The recipe the cluster belongs to (the label of what is made on it).
        network: The private network joining sandbox nodes (None for the reader's engines).
        source: The reader's engine, from which images are copied to the nodes.
    """

    nodes: list[Node]
    recipe: str
    network: Network | None
    source: docker.DockerClient = field(repr=False)

    @property
    def manager(self) -> Node:
        """Node 1, the Swarm manager (networks and services are created there)."""
        return self.nodes[0]

    def node(self, number: int) -> Node:
        """Return node ``number``, counting from 1 as ``docker node ls`` readers do.

        Raises:
            BadParameter: There is no such node.
        """
        if not 1 <= number <= len(self.nodes):
            raise BadParameter(f"there is no node {number}.", f"use 1 to {len(self.nodes)}.")
        return self.nodes[number - 1]

    def overlay(self, name: str, *, subnet: str | None = None) -> Network:
        """Create an attachable overlay network (plain containers on any node can join it).

        Args:
            name: The network's name.
            subnet: Its subnet (``10.10.0.0/24``); default: Swarm's choice.
        """
        ipam = IPAMConfig(pool_configs=[IPAMPool(subnet=subnet)]) if subnet else None
        return self.manager.client.networks.create(
            name, driver="overlay", attachable=True, ipam=ipam, labels=labels.for_recipe(self.recipe)
        )

    def run_on(
        self,
        number: int,
        image: str,
        command: str | Sequence[str] | None = None,
        *,
        name: str | None = None,
        network: str | None = None,
        wait: waits.Strategy | None = None,
        options: dict[str, Any] | None = None,
    ) -> containers.ManagedContainer:
        """Start a labelled container on node ``number`` (copying the image there first if needed).

        Args:
            number: The node, counting from 1.
            image: A catalogue name or an image reference on the reader's engine.
            command: The container's command.
            name: The container's name (other containers on an overlay network resolve it).
            network: A network to attach it to, e.g. one made with :meth:`overlay`.
            wait: A readiness strategy from :mod:`cookbook.waits`.
            options: Any other ``containers.create`` keyword.

        Returns:
            The running container (on the node's engine).
        """
        node = self.node(number)
        reference = copy_image(image, self.source, node.client)
        return containers.run(
            reference, command, recipe=self.recipe, name=name, network=network, wait=wait, options=options,
            client=node.client,
        )  # fmt: skip

    def close(self) -> None:
        """Take the cluster down: remove sandbox nodes, or undo what we did on the reader's engines."""
        for node in reversed(self.nodes):
            if node.sandbox is not None:
                node.sandbox.close()
            else:
                _leave(node, self.recipe)
        if self.network is not None:
            try:
                self.network.remove()
            except docker.errors.NotFound:
                pass

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _leave(node: Node, recipe: str) -> None:
    """On one of the reader's engines: remove what this session made there, then leave the swarm."""
    sweeper.sweep(node.client, session=labels.session_id(), recipe=recipe, folders=False)
    try:
        node.client.swarm.leave(force=True)
    except docker.errors.APIError:
        pass  # not in a swarm (any more)
    node.client.close()


def _advertise_address(url: str) -> str | None:
    """The engine's own address, if its URL gives one the other nodes can use."""
    try:
        address = ipaddress.ip_address(urlparse(url).hostname or "")
    except ValueError:
        return None
    return None if address.is_loopback or address.is_unspecified else str(address)


def _host_node(url: str, cert_path: Path) -> Node:
    """Connect to one of the reader's engines; refuse one that is already in a swarm."""
    try:
        node_client = client_for(Endpoint(url, str(cert_path)))
        info = node_client.info()
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        raise NoEngine(
            f"no Docker Engine answers at {url} ({type(exc).__name__}).",
            f"check COOKBOOK_ENGINES, and that {cert_path} holds ca.pem, cert.pem and key.pem for it.",
        ) from None
    if info["Swarm"]["LocalNodeState"] != "inactive":
        node_client.close()
        raise BadParameter(
            f"the engine at {url} is already part of a swarm.",
            "run `docker swarm leave` there first, or use other engines.",
        )
    return Node(str(info["Name"]), node_client, _advertise_address(url), None, url, cert_path)


def _host_nodes(urls: Sequence[str], cert_path: Path) -> list[Node]:
    nodes: list[Node] = []
    try:
        for url in urls:
            nodes.append(_host_node(url, cert_path))
    except BaseException:
        for node in nodes:
            node.client.close()
        raise
    return nodes


def _sandbox_nodes(
    n: int, network: Network, recipe: str, timeout: float | None, host: docker.DockerClient, ports: Sequence[int]
) -> list[Node]:
    boxes: list[Sandbox] = []
    try:
        for number in range(1, n + 1):
            name = f"{network.name}-node{number}"
            boxes.append(
                engine(name=name, network=network.name, ports=ports, recipe=recipe, timeout=timeout, client=host)
            )
    except BaseException:
        for box in boxes:
            box.close()
        raise
    return [Node(box.name, box.client, box.address, box, box.url, box.cert_path, host) for box in boxes]


def _form_swarm(nodes: list[Node], timeout: float | None) -> None:
    """``docker swarm init`` on node 1, ``docker swarm join`` on the others; wait until all are ready."""
    manager = nodes[0].client
    # A sandbox listens on its own private network; one of the reader's engines only on the address given.
    listen = f"{nodes[0].advertise}:{SWARM_PORT}" if nodes[0].sandbox is None and nodes[0].advertise else None
    manager.swarm.init(advertise_addr=nodes[0].advertise, listen_addr=listen or f"0.0.0.0:{SWARM_PORT}")
    manager.swarm.reload()
    token = manager.swarm.attrs["JoinTokens"]["Worker"]
    manager_address = manager.info()["Swarm"]["NodeAddr"]
    for node in nodes[1:]:
        own = f"{node.advertise}:{SWARM_PORT}" if node.sandbox is None and node.advertise else f"0.0.0.0:{SWARM_PORT}"
        node.client.swarm.join(
            remote_addrs=[f"{manager_address}:{SWARM_PORT}"],
            join_token=token,
            advertise_addr=node.advertise,
            listen_addr=own,
        )

    def all_ready() -> bool:
        states = [item.attrs["Status"]["State"] for item in manager.nodes.list()]
        return len(states) == len(nodes) and all(state == "ready" for state in states)

    waits.until(all_ready, timeout=timeout, what=f"{len(nodes)} swarm nodes to be ready")


def cluster(
    n: int = 3,
    *,
    engines: Sequence[str] | None = None,
    cert_path: str | Path | None = None,
    name: str | None = None,
    ports: Sequence[int] = (),
    recipe: str = "cluster",
    timeout: float | None = None,
    client: docker.DockerClient | None = None,
) -> Cluster:
    """Form an ``n``-node Swarm: of sandboxes, or of the reader's own engines.

    Args:
        n: How many nodes (sandboxes: 1 to 5, which 2 cores carry).
        engines: TCP+TLS URLs of the reader's engines to use instead of sandboxes (the first
            ``n``); default: ``COOKBOOK_ENGINES``. Pass ``()`` to force sandboxes.
        cert_path: The client certificate folder for ``engines`` (default:
            ``COOKBOOK_ENGINES_CERT_PATH``).
        name: The private network's name, and the prefix of the sandboxes' names
            (default: ``cookbook-cluster-XXXXXX``).
        ports: Ports each sandbox node publishes (see :func:`engine`).
        recipe: The recipe the cluster belongs to (its label).
        timeout: Seconds each step may take (default: ``COOKBOOK_WAIT_TIMEOUT``).
        client: The reader's engine (default: :func:`cookbook.engine.connect`).

    Returns:
        The cluster, its swarm formed and every node ready.

    Raises:
        BadParameter: ``n`` is out of range, or too few engines are given.
        NoEngine: One of the reader's engines does not answer.
        SandboxFailed: A sandbox or the swarm did not come up (nothing is left).
    """
    settings = config.settings()
    urls = list(settings.engines if engines is None else engines)
    folder = Path(cert_path) if cert_path else settings.engines_cert_path
    if n < 1 or (not urls and n > MAX_SANDBOX_NODES):
        raise BadParameter(f"a cluster of {n} sandboxes is not offered.", f"use 1 to {MAX_SANDBOX_NODES} nodes.")
    if urls and (len(urls) < n or folder is None):
        raise BadParameter(
            f"a cluster of {n} needs {n} engine URLs and a certificate folder; got {len(urls)} URL(s).",
            "set COOKBOOK_ENGINES (tcp://HOST:2376 ...) and COOKBOOK_ENGINES_CERT_PATH.",
        )
    host = client or connect()
    if urls and folder:
        formed = Cluster(_host_nodes(urls[:n], folder), recipe, None, host)
        for node in formed.nodes:
            node.source = host
    else:
        network = host.networks.create(name or _unique("cookbook-cluster"), labels=labels.for_recipe(recipe))
        try:
            formed = Cluster(_sandbox_nodes(n, network, recipe, timeout, host, ports), recipe, network, host)
        except BaseException:
            network.remove()
            raise
    try:
        _form_swarm(formed.nodes, timeout)
    except docker.errors.APIError as exc:
        formed.close()
        raise SandboxFailed(f"the swarm did not form: {exc.explanation or exc}") from None
    except BaseException:
        formed.close()
        raise
    return formed


def swarm(boxes: Sequence[Sandbox], *, recipe: str = "cluster", timeout: float | None = None) -> Cluster:
    """Form a Swarm of sandboxes that run already (started with flags of their own); the first is the manager.

    The cluster takes them over: :meth:`Cluster.close` removes them. They must share a network
    (``engine(network=...)``), whose removal stays with whoever made it.

    Args:
        boxes: The sandboxes, node 1 first (1 to 5 of them).
        recipe: The recipe the cluster belongs to (the label of what is made on it).
        timeout: Seconds the nodes may take to be ready (default: ``COOKBOOK_WAIT_TIMEOUT``).

    Returns:
        The cluster, every node ready.

    Raises:
        BadParameter: No sandbox, or more than 5.
        SandboxFailed: The swarm did not form (the sandboxes are left as they were, out of any swarm).
    """
    if not 1 <= len(boxes) <= MAX_SANDBOX_NODES:
        raise BadParameter(f"a swarm of {len(boxes)} sandboxes is not offered.", f"use 1 to {MAX_SANDBOX_NODES} nodes.")
    host = boxes[0].host
    nodes = [Node(box.name, box.client, box.address, box, box.url, box.cert_path, host) for box in boxes]
    try:
        _form_swarm(nodes, timeout)
    except BaseException as exc:
        for node in nodes:
            try:
                node.client.swarm.leave(force=True)
            except docker.errors.APIError:
                pass  # it had not joined
        if isinstance(exc, docker.errors.APIError):
            raise SandboxFailed(f"the swarm did not form: {exc.explanation or exc}") from None
        raise
    return Cluster(nodes, recipe, None, host)
