"""Disposable Docker engines (Docker-in-Docker) with chosen daemon flags, and Swarm clusters of them.

A recipe that needs a daemon started its own way (a TCP or TLS API, IPv6, another storage
driver) or several hosts gets them here, and the reader's own engine is never reconfigured::

    with sandbox.engine(storage_driver="vfs") as box:
        box.client.info()["Driver"]              # 'vfs'

    with sandbox.cluster(3) as swarm:
        swarm.overlay("backend")
        swarm.run_on(3, "busybox", "sleep 600", name="db", network="backend")
        swarm.run_on(2, "busybox", "ping -c 3 db", network="backend").wait()

A sandbox is a ``dockerd`` in a container of the catalogue's ``dind`` image. It listens on a TCP
port published on a free port of the engine's publish address (127.0.0.1 for a local engine),
its ``/var/lib/docker`` is a volume, and its certificates live in a scratch folder of its own
(:func:`cookbook.labels.scratch`), mounted or, on a remote engine, copied in
(:mod:`cookbook.hostfiles`). On a remote engine the API is published beyond loopback, so a
sandbox there always speaks TLS. Everything carries our labels, so :func:`cookbook.sweeper.sweep`
removes what a crashed kernel left behind; :meth:`Sandbox.close` (or the end of a ``with``
block) removes it at once.

A daemon can also wait for a file before it starts, as a host's ``docker.service`` waits for
``flanneld`` (systemd's ``EnvironmentFile=``): ``engine(environment_file=...)`` returns while
the sandbox's container runs and its daemon waits; write the file, then :meth:`Sandbox.wait`.

A cluster is a Swarm: node 1 is the manager, the others join it. Its nodes are sandboxes on a
private network of ours, or the reader's own engines (``COOKBOOK_ENGINES``, TCP+TLS URLs, with
the client certificates in ``COOKBOOK_ENGINES_CERT_PATH``). This VM kernel has no IPVS: Swarm's
routing mesh and virtual-IP service endpoints do not work here, overlay networks do. Services
need ``endpoint_spec=EndpointSpec(mode="dnsrr")`` and ports published in ``host`` mode.
"""

from __future__ import annotations

import ipaddress
import re
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import docker
import docker.errors
import requests.exceptions
from docker.models.containers import Container
from docker.models.networks import Network
from docker.models.volumes import Volume
from docker.types import IPAMConfig, IPAMPool

from cookbook import config, containers, images, labels, sweeper, waits
from cookbook import engine as engines
from cookbook.engine import Endpoint, client_for, connect
from cookbook.errors import BadParameter, CookbookError, NoEngine, SandboxFailed, WaitTimeout
from cookbook.lab import tls

IMAGE = "dind"
PLAIN_PORT = 2375
TLS_PORT = 2376
CERTS_DIR = "/certs"
SWARM_PORT = 2377
MAX_SANDBOX_NODES = 5

# What a nested dockerd needs from the outer engine. `--privileged` fails on these VMs (they
# withhold CAP_SYS_RESOURCE), so: every capability but that one, no seccomp/AppArmor filter, and
# the cgroup tree to create its containers' cgroups in. The CLI's `systempaths=unconfined` (a
# writable /proc/sys) is no engine option the SDK can send: the dind entrypoint remounts /proc/sys.
DIND_OPTIONS: dict[str, Any] = {
    "cap_add": ["ALL"],
    "cap_drop": ["SYS_RESOURCE"],
    "security_opt": ["seccomp=unconfined", "apparmor=unconfined"],
}
CGROUP_MOUNT = {"/sys/fs/cgroup": {"bind": "/sys/fs/cgroup", "mode": "rw"}}


def daemon_flags(
    *,
    tlsverify: bool = False,
    ipv6: str | None = None,
    storage_driver: str | None = None,
    extra: Sequence[str] = (),
) -> list[str]:
    """Return the ``dockerd`` flags of a sandbox: what follows ``dockerd`` on its command line.

    Args:
        tlsverify: Serve the API on 2376 with TLS and client certificates (files in ``/certs``);
            otherwise plain HTTP on 2375.
        ipv6: The ``--fixed-cidr-v6`` subnet containers get global addresses from
            (``2001:db8:1::/64``); None leaves IPv6 off.
        storage_driver: ``overlay2``, ``vfs``, ... (None: the daemon's choice).
        extra: Any other flags, as dockerd takes them (``--debug``, ``--mtu=1400``).
    """
    flags = ["--host=unix:///var/run/docker.sock"]
    if tlsverify:
        flags += [
            f"--host=tcp://0.0.0.0:{TLS_PORT}",
            "--tlsverify",
            f"--tlscacert={CERTS_DIR}/ca.pem",
            f"--tlscert={CERTS_DIR}/server-cert.pem",
            f"--tlskey={CERTS_DIR}/server-key.pem",
        ]
    else:
        # Saying --tls=false out loud spares us the 15 s dockerd 20.10 waits on a plain TCP socket.
        flags += [f"--host=tcp://0.0.0.0:{PLAIN_PORT}", "--tls=false"]
    if ipv6:
        flags += ["--ipv6", f"--fixed-cidr-v6={ipv6}"]
    if storage_driver:
        flags.append(f"--storage-driver={storage_driver}")
    return flags + list(extra)


@dataclass(frozen=True)
class DaemonAnswers:
    """Readiness strategy: the daemon's published API answers a version query.

    Attributes:
        port: The API port inside the container (2375 or 2376).
        cert_path: The client certificate folder, for a TLS API.
    """

    port: int
    cert_path: Path | None = None

    def ready(self, container: Container) -> bool:
        host, port = waits.host_port(container, self.port)
        point = Endpoint(f"tcp://{host}:{port}", str(self.cert_path) if self.cert_path else None)
        try:
            client_for(point, timeout=5).close()
        except (docker.errors.DockerException, requests.exceptions.RequestException):
            return False
        return True

    def describe(self) -> str:
        return f"the Docker API on port {self.port} to answer"


def copy_image(image: str, source: docker.DockerClient, target: docker.DockerClient) -> str:
    """Copy an image between engines, ``docker save | docker load`` streamed (no registry needed).

    Args:
        image: A catalogue name (built on ``source`` if missing) or an image reference.
        source: The engine that has the image.
        target: The engine that needs it; nothing is copied if it has it already.

    Returns:
        The image reference, the same on both engines.

    Raises:
        CookbookError: ``source`` does not have the image, or ``target`` refused it.
    """
    catalogued = images.is_catalogued(image)
    reference = images.ensure(image, client=source) if catalogued else image
    try:
        target.images.get(reference)
    except docker.errors.ImageNotFound:
        _load(reference, source, target)
    if catalogued:
        images.point_latest(target, image, reference)  # `cookbook/NAME` names it there too
    return reference


def _load(reference: str, source: docker.DockerClient, target: docker.DockerClient) -> None:
    try:
        source.images.get(reference)
    except docker.errors.ImageNotFound:
        raise CookbookError(f"image {reference!r} is not on the source engine.", "build it there first.") from None
    try:
        for message in target.api.load_image(source.api.get_image(reference)):
            if "error" in message:
                raise CookbookError(f"loading {reference!r} failed: {message['error']}")
    except docker.errors.APIError as exc:
        said = " ".join(str(exc.explanation or exc).split())
        raise CookbookError(
            f"loading {reference!r} failed: {said}", "free space on that engine, or use a smaller image."
        ) from None


@dataclass
class Sandbox:
    """A running sandbox engine; use it in a ``with`` block, or call :meth:`close`.

    Attributes:
        name: The container's name, also the daemon's host name.
        url: Where its API answers from here (``tcp://127.0.0.1:PORT``).
        client: A docker SDK client connected to it.
        container: The container the daemon runs in (on the reader's engine).
        flags: The daemon's command line flags.
        cert_path: For a TLS sandbox, the client folder (``ca.pem``, ``cert.pem``, ``key.pem``).
        server_cert: For a TLS sandbox, the daemon's certificate files.
        state_dir: The sandbox's own folder (certificates), removed on close.
        volume: The volume holding its ``/var/lib/docker``.
        host: The reader's engine, which runs the sandbox and from which images are loaded.
        own_network: The network made for this sandbox alone (None when it joined a given one).
    """

    name: str
    url: str
    client: docker.DockerClient
    container: Container
    flags: list[str]
    cert_path: Path | None
    server_cert: tls.ServerCert | None
    state_dir: Path
    volume: Volume
    host: docker.DockerClient = field(repr=False)
    own_network: Network | None = None

    @property
    def endpoint(self) -> Endpoint:
        """The sandbox's endpoint, as :func:`cookbook.engine.connect` takes it."""
        return Endpoint(self.url, str(self.cert_path) if self.cert_path else None)

    @property
    def api_port(self) -> int:
        """The API's port inside the container: 2376 with TLS, 2375 without."""
        return TLS_PORT if self.cert_path else PLAIN_PORT

    @property
    def address(self) -> str:
        """The sandbox's address on its Docker network (what other containers reach it on)."""
        networks = self.container.attrs["NetworkSettings"]["Networks"]
        return str(next(iter(networks.values()))["IPAddress"])

    @property
    def environment(self) -> dict[str, str]:
        """The variables that point the docker CLI at this sandbox (``DOCKER_HOST``, ...)."""
        variables = {"DOCKER_HOST": self.url}
        if self.cert_path:
            variables.update(DOCKER_TLS_VERIFY="1", DOCKER_CERT_PATH=str(self.cert_path))
        return variables

    def reach(self, port: int) -> tuple[str, int]:
        """Where this kernel reaches the sandbox's ``port`` (one of the ``ports`` it was started with)."""
        return waits.host_port(self.container, port)

    def logs(self, tail: int = 50) -> str:
        """The daemon's last ``tail`` log lines."""
        return self.container.logs(tail=tail).decode(errors="replace")

    def failure(self) -> SandboxFailed | None:
        """Why the sandbox's daemon is not running any more (with the tail of its log), or None while it runs."""
        try:
            self.container.reload()
        except docker.errors.NotFound:
            return SandboxFailed(f"the sandbox {self.name} is gone (its container was removed).")
        state = self.container.attrs["State"]
        if state.get("Running"):
            return None
        return SandboxFailed(
            f"the sandbox daemon {self.name} stopped (exit code {state.get('ExitCode')}). Its last log lines:",
            self.logs(15).strip(),
            "start a new sandbox: run the recipe's first cell again.",
        )

    def restart(self, timeout: float | None = None) -> None:
        """Restart the sandbox's daemon (its containers stop, its images and volumes stay); wait until it answers.

        Its API may come back on another host port: :attr:`url` and :attr:`client` follow it.
        """
        self.client.close()
        self.container.restart(timeout=10)
        self.wait(timeout)

    def wait(self, timeout: float | None = None) -> Sandbox:
        """Wait until the daemon's API answers; connect :attr:`url` and :attr:`client` to it.

        A sandbox started with an ``environment_file`` needs this once the file is written.

        Raises:
            SandboxFailed: The daemon exited or did not answer in time (with its last log lines).
        """
        try:
            waits.wait_for(self.container, DaemonAnswers(self.api_port, self.cert_path), timeout)
        except WaitTimeout:
            raise _did_not_start(self.container, self.flags) from None
        ip, published = waits.host_port(self.container, self.api_port)
        self.client.close()
        self.url = f"tcp://{ip}:{published}"
        self.client = client_for(self.endpoint)
        return self

    def load(self, image: str) -> str:
        """Copy an image from the reader's engine into the sandbox (it has no registry either).

        Args:
            image: A catalogue name (``busybox``) or an image reference on the reader's engine.

        Returns:
            The reference to run in the sandbox.
        """
        return copy_image(image, self.host, self.client)

    def close(self) -> None:
        """Remove the sandbox: its container, its volume, its network and its folder; say so in one line."""
        self.client.close()
        _discard(self.container, self.volume, self.state_dir, self.own_network)
        print(f"removed the sandbox engine {self.name} and everything in it (its container, volume and folder)")

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _discard(container: Container | None, volume: Volume | None, folder: Path, network: Network | None = None) -> None:
    if container is not None:
        containers.remove(container)
    if volume is not None:
        try:
            volume.remove(force=True)
        except docker.errors.NotFound:
            pass
    if network is not None:
        try:
            network.remove()
        except docker.errors.NotFound:
            pass
    shutil.rmtree(folder, ignore_errors=True)


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def _fresh_folder(host: docker.DockerClient, name: str, recipe: str) -> Path:
    """The sandbox's state folder (a scratch folder of ``recipe``); refuse a name whose container or volume exists."""
    for kind, collection, item in (("container", host.containers, name), ("volume", host.volumes, f"{name}-docker")):
        try:
            collection.get(item)
        except docker.errors.NotFound:
            continue
        raise BadParameter(
            f"a {kind} named {item!r} already exists.",
            "pick another name, close that sandbox, or run `cookbook clean` after a crashed session.",
        )
    return labels.scratch(recipe, name)


def _certificates(folder: Path, name: str, authority: tls.Authority | None) -> tuple[tls.ServerCert, tls.ClientCert]:
    ca = authority or tls.authority(folder, common_name=f"{name} CA")
    hosts = dict.fromkeys(["127.0.0.1", "localhost", name, engines.publish_ip(), engines.published_host()])
    server = tls.server(ca, folder, hosts=list(hosts), common_name=name)
    return server, tls.client(ca, folder)


def _cert_mounts(server: tls.ServerCert) -> dict[str, dict[str, str]]:
    """Only the daemon's files go into the container, never the CA key or the client key."""
    files = {server.ca: "ca.pem", server.cert: "server-cert.pem", server.key: "server-key.pem"}
    return {str(path): {"bind": f"{CERTS_DIR}/{inside}", "mode": "ro"} for path, inside in files.items()}


def _did_not_start(container: Container, command: list[str]) -> SandboxFailed:
    """The error for a daemon that exited or never answered, with its last log lines."""
    container.reload()
    state = container.attrs["State"]
    how = f"exited with code {state['ExitCode']}" if not state["Running"] else "did not answer in time"
    return SandboxFailed(
        f"the sandbox daemon {container.name} {how}. Its last log lines:",
        container.logs(tail=20).decode(errors="replace").strip(),
        f"check the daemon flags: dockerd {' '.join(command)}",
    )


def _choose_tls(tlsverify: bool | None) -> bool:
    """TLS as asked; by default only when the API would be reachable beyond loopback."""
    beyond = engines.beyond_loopback()
    if tlsverify is False and beyond:
        raise BadParameter(
            f"a sandbox without TLS would publish a root-equivalent API on {engines.publish_ip()}, beyond loopback.",
            "leave tlsverify at its default (TLS on a remote engine), or pass tlsverify=True.",
        )
    return beyond if tlsverify is None else tlsverify


def engine(
    *,
    tlsverify: bool | None = None,
    ipv6: str | None = None,
    storage_driver: str | None = None,
    flags: Sequence[str] = (),
    name: str | None = None,
    network: str | None = None,
    ports: Sequence[int] = (),
    authority: tls.Authority | None = None,
    root_size: str | None = None,
    environment_file: str | None = None,
    recipe: str = "sandbox",
    timeout: float | None = None,
    client: docker.DockerClient | None = None,
) -> Sandbox:
    """Start a disposable Docker daemon in a container and wait until its API answers.

    Args:
        tlsverify: Serve the API with TLS and require client certificates; the certificates
            are made with :mod:`cookbook.lab.tls` (SANs: 127.0.0.1, localhost, ``name``, the
            engine's address). Default: TLS only on a remote engine, where the API is published
            beyond loopback (plain TCP there is refused).
        ipv6: The ``--fixed-cidr-v6`` subnet (``2001:db8:1::/64``); None: no IPv6.
        storage_driver: ``overlay2``, ``vfs``, ... (None: the daemon's choice).
        flags: Any other dockerd flags.
        name: The container's and the daemon's name (default: ``cookbook-sandbox-XXXXXX``).
        network: A Docker network of ours to attach the sandbox to. Default: a network made for
            this sandbox alone, so that no other container reaches its API (root on its engine).
        ports: More of the sandbox's ports to publish (where its own containers publish
            theirs), so that they are reachable from here on a remote engine too.
        authority: Sign the certificates with this CA (sandboxes that share one accept the
            same client certificate); default: a new CA of the sandbox's own.
        root_size: Give the daemon's ``/var/lib/docker`` a file system of this size (``64m``, in
            memory) instead of a plain volume: a small one shows what a full disk does.
        environment_file: A file inside the sandbox that the daemon waits for, then reads as
            systemd's ``EnvironmentFile=`` does: ``${NAME}`` in ``flags`` takes the values it
            sets (``/run/flannel/subnet.env`` with ``--bip=${FLANNEL_SUBNET}``). engine() then
            returns as soon as the container runs, its daemon still waiting: write the file
            (``docker exec NAME ...``), then call :meth:`Sandbox.wait`.
        recipe: The recipe the sandbox belongs to (its label).
        timeout: Seconds the daemon may take to answer (default: ``COOKBOOK_WAIT_TIMEOUT``).
        client: The engine to run the sandbox on (default: the reader's).

    Returns:
        The running sandbox (with an ``environment_file``: its daemon waiting for the file).

    Raises:
        SandboxFailed: The daemon exited or did not answer in time; the message carries its
            last log lines, and nothing of the sandbox is left.
        ContainerFailed: The engine refused the container.
        BadParameter: ``name`` is taken.
    """
    host = client or connect()
    tlsverify = _choose_tls(tlsverify)
    name = name or _unique("cookbook-sandbox")
    port = TLS_PORT if tlsverify else PLAIN_PORT
    dockerd = daemon_flags(tlsverify=tlsverify, ipv6=ipv6, storage_driver=storage_driver, extra=flags)
    command = after_environment(environment_file, dockerd) if environment_file else dockerd
    image = images.ensure(IMAGE, client=host)  # before the folder: a first build takes a while
    folder = _fresh_folder(host, name, recipe)
    container: Container | None = None
    volume: Volume | None = None
    own: Network | None = None
    try:
        if network is None:
            own = host.networks.create(f"{name}-net", labels=labels.for_recipe(recipe))
            network = own.name
        server_cert, client_cert = _certificates(folder, name, authority) if tlsverify else (None, None)
        sized = {"driver_opts": {"type": "tmpfs", "device": "tmpfs", "o": f"size={root_size}"}} if root_size else {}
        volume = host.volumes.create(f"{name}-docker", labels=labels.for_recipe(recipe), **sized)
        mounts = {**CGROUP_MOUNT, volume.name: {"bind": "/var/lib/docker", "mode": "rw"}}
        if server_cert:
            mounts.update(_cert_mounts(server_cert))
        container = containers.run(
            image,
            command,
            recipe=recipe,
            name=name,
            ports={port: None, **{extra: None for extra in ports}},
            volumes=mounts,
            network=network,
            options={**DIND_OPTIONS, "hostname": name},
            client=host,
        )
        cert_path = client_cert.folder if client_cert else None
        ip, published = waits.host_port(container, port)
        url = f"tcp://{ip}:{published}"
        # Until the daemon answers, a client that asks nothing at creation (a fixed API version).
        waiting = docker.DockerClient(
            base_url=url,
            version=engines.MINIMUM_DOCKER_API_VERSION,
            tls=engines.tls_config(Endpoint(url, str(cert_path) if cert_path else None)),
        )
        box = Sandbox(name, url, waiting, container, dockerd, cert_path, server_cert, folder, volume, host, own)
        if not environment_file:
            box.wait(timeout)
    except BaseException:
        _discard(container, volume, folder, own)
        raise
    return box


def after_environment(path: str, flags: Sequence[str]) -> list[str]:
    """A sandbox's command that waits for ``path``, sets its variables, then starts ``dockerd FLAGS``.

    ``${NAME}`` in the flags is left for the shell to fill from the file; nothing else in them
    is read by it.
    """

    def word(flag: str) -> str:
        return '"' + re.sub(r'(["\\`])', r"\\\1", flag) + '"'

    script = (
        'until [ -s "$1" ]; do sleep 0.2; done; set -a; . "$1"; set +a; '
        f"exec dockerd-entrypoint.sh {' '.join(word(flag) for flag in flags)}"
    )
    return ["sh", "-c", script, "dockerd-waits-for", path]


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
