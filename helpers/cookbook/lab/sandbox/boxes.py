"""A sandbox engine's lifecycle: :func:`engine` starts one, :class:`Sandbox` waits for, reaches and closes it."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import docker
import docker.errors
from docker.models.containers import Container
from docker.models.networks import Network
from docker.models.volumes import Volume

from cookbook import containers, images, labels, waits
from cookbook.engine import (
    MINIMUM_DOCKER_API_VERSION,
    Endpoint,
    client_for,
    connect,
    tls_config,
)
from cookbook.errors import BadParameter, SandboxFailed, WaitTimeout
from cookbook.lab import tls
from cookbook.lab.sandbox.copying import copy_image
from cookbook.lab.sandbox.daemon import (
    CGROUP_MOUNT,
    DIND_OPTIONS,
    IMAGE,
    PLAIN_PORT,
    TLS_PORT,
    DaemonAnswers,
    _cert_mounts,
    _certificates,
    _choose_tls,
    _did_not_start,
    after_environment,
    daemon_flags,
)


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
            version=MINIMUM_DOCKER_API_VERSION,
            tls=tls_config(Endpoint(url, str(cert_path) if cert_path else None)),
        )
        box = Sandbox(name, url, waiting, container, dockerd, cert_path, server_cert, folder, volume, host, own)
        if not environment_file:
            box.wait(timeout)
    except BaseException:
        _discard(container, volume, folder, own)
        raise
    return box
