"""Run containers that carry our labels, wait until they are ready, and always clean up.

:func:`run` returns the docker SDK's own ``Container`` (so a reader can use every SDK
attribute on it) that also works as a context manager: leaving the ``with`` block
removes it. If creating, starting or waiting fails, the container is removed before
the error reaches the reader, so nothing half-started survives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import docker
import docker.errors
from docker.models.containers import Container

from cookbook import config, engine, hostfiles, images, labels, waits
from cookbook.errors import BadParameter, ContainerFailed

PortSpec = Mapping[int | str, int | None | tuple[str, int | None] | list[Any]]


class ManagedContainer(Container):
    """A docker SDK ``Container`` that removes itself at the end of a ``with`` block."""

    def __enter__(self) -> ManagedContainer:
        return self

    def __exit__(self, *exc: object) -> None:
        remove(self)


EVERY_INTERFACE = ("0.0.0.0", "::", "")


def publish(
    ports: PortSpec | None, host_ip: str | None = None, *, every_interface: bool = False
) -> dict[str, Any] | None:
    """Turn ``{container_port: host_port_or_None}`` into SDK bindings on ``host_ip``.

    A bare host port (or None for a random one) is bound to the engine's publish address
    (loopback for a local engine; see :func:`cookbook.engine.publish_ip`); a tuple
    ``(ip, port)`` is kept as the reader wrote it.

    Raises:
        BadParameter: A binding would listen on every interface of the engine's host, and
            ``every_interface`` does not ask for that by name.
    """
    if ports is None:
        return None
    ip = host_ip or engine.publish_ip()
    bound: dict[str, Any] = {}
    for inner, outer in ports.items():
        key = str(inner) if "/" in str(inner) else f"{inner}/tcp"
        bound[key] = outer if isinstance(outer, (tuple, list)) else (ip, outer)
        address = str(bound[key][0]) if isinstance(bound[key], (tuple, list)) and bound[key] else ""
        if address in EVERY_INTERFACE and not every_interface:
            raise BadParameter(
                f"port {key} would be published on every interface of the engine's host ({address or 'no address'}).",
                "publish on 127.0.0.1 (the default), or pass every_interface=True if that is really meant.",
            )
    return bound


def _explain(exc: docker.errors.APIError) -> str:
    text = str(exc.explanation or exc)
    if "address already in use" in text or "port is already allocated" in text:
        return f"a host port is already in use ({text})"
    return text


def run(
    image: str,
    command: str | Sequence[str] | None = None,
    *,
    recipe: str = "adhoc",
    name: str | None = None,
    ports: PortSpec | None = None,
    volumes: Mapping[str, Mapping[str, str]] | Sequence[str] | None = None,
    environment: Mapping[str, str] | Sequence[str] | None = None,
    network: str | None = None,
    wait: waits.Strategy | None = None,
    timeout: float | None = None,
    options: Mapping[str, Any] | None = None,
    client: docker.DockerClient | None = None,
) -> ManagedContainer:
    """Start a labelled container in the background and wait until it is ready.

    Args:
        image: An image reference, or a catalogue name (``busybox``, ``mariadb``) that
            is resolved with :func:`cookbook.images.ensure`.
        command: The command, as ``docker run IMAGE COMMAND`` takes it.
        recipe: The recipe this container belongs to (its ``recipe`` label).
        name: The container's name (default: the engine picks one).
        ports: ``{container_port: host_port}``; None as host port picks a free one.
            Published on :func:`cookbook.engine.publish_ip` (127.0.0.1 for a local engine)
            unless an ``(ip, port)`` tuple says otherwise.
        volumes: As the SDK takes them (``["/host:/ctr:ro"]`` or a dict). Our own folders
            are copied in instead when the engine does not see them (:mod:`cookbook.hostfiles`).
        environment: Environment variables.
        network: A network name (``bridge``, ``host``, ``none``, ``container:NAME``, ours).
        wait: A readiness strategy from :mod:`cookbook.waits` (default: none).
        timeout: Seconds the wait may take.
        options: Any other ``containers.create`` keyword (``cap_add``, ``links``, ...).
        client: The engine (default: :func:`cookbook.engine.connect`).

    Returns:
        The running container (attributes fresh); use it in a ``with`` block to remove it afterwards.

    Raises:
        ContainerFailed: The engine refused to create or start it (nothing is left).
        WaitTimeout: It did not become ready in time (it is removed).
    """
    create_args: dict[str, Any] = {
        "command": command,
        "name": name,
        "ports": publish(ports),
        "volumes": volumes,
        "environment": environment,
        **_network_args(network),
        **dict(options or {}),
    }
    container = _start(image, recipe, create_args, client or engine.connect())
    try:
        if wait is not None:
            waits.wait_for(container, wait, timeout)
        container.reload()
    except BaseException:
        remove(container)
        raise
    return container


def _network_args(network: str | None) -> dict[str, str]:
    if not network:
        return {}
    if network in ("host", "none", "bridge") or network.startswith("container:"):
        return {"network_mode": network}
    return {"network": network}


def _start(image: str, recipe: str, create_args: dict[str, Any], client: docker.DockerClient) -> ManagedContainer:
    """Create and start a labelled container; remove it if the start fails."""
    create_args["labels"] = labels.for_recipe(recipe, **dict(create_args.get("labels") or {}))
    reference = images.ensure(image, client=client) if images.is_catalogued(image) else image
    create_args["volumes"], files = hostfiles.carry(create_args.get("volumes"), client)
    try:
        created = client.containers.create(reference, **{k: v for k, v in create_args.items() if v is not None})
    except docker.errors.ImageNotFound:
        raise ContainerFailed(
            f"image {reference!r} is not on the engine.",
            "build it with `cookbook images build NAME`, or use a catalogue name.",
        ) from None
    except docker.errors.APIError as exc:
        raise ContainerFailed(f"the engine refused to create the container: {_explain(exc)}.") from None
    container = ManagedContainer(attrs=created.attrs, client=client, collection=client.containers)
    try:
        hostfiles.copy_in(container, files)  # our files, for an engine that cannot mount them
        container.start()
    except docker.errors.APIError as exc:
        remove(container)
        raise ContainerFailed(f"the engine could not start {container.name}: {_explain(exc)}.") from None
    except BaseException:
        remove(container)
        raise
    return container


@dataclass(frozen=True)
class Finished:
    """A container that ran to its end.

    Attributes:
        exit_code: The command's exit status.
        output: Its standard output and error, decoded.
    """

    exit_code: int
    output: str

    @property
    def ok(self) -> bool:
        """Whether the command exited 0."""
        return self.exit_code == 0


def run_to_exit(
    image: str,
    command: str | Sequence[str] | None = None,
    *,
    recipe: str = "adhoc",
    volumes: Mapping[str, Mapping[str, str]] | Sequence[str] | None = None,
    environment: Mapping[str, str] | Sequence[str] | None = None,
    network: str | None = None,
    timeout: float | None = None,
    options: Mapping[str, Any] | None = None,
    client: docker.DockerClient | None = None,
) -> Finished:
    """Run a labelled container until its command ends, collect its output, remove it.

    The ``docker run --rm IMAGE COMMAND`` of the book; arguments as for :func:`run`.

    Raises:
        ContainerFailed: The engine refused to create or start it.
    """
    create_args = {"command": command, "volumes": volumes, "environment": environment, **_network_args(network)}
    container = _start(image, recipe, {**create_args, **dict(options or {})}, client or engine.connect())
    try:
        status = container.wait(timeout=timeout or config.settings().wait_timeout)
        output = container.logs().decode(errors="replace")
    finally:
        remove(container)
    return Finished(int(status.get("StatusCode", -1)), output)


def remove(container: Container) -> None:
    """Remove ``container`` and its anonymous volumes; a container already gone is fine."""
    try:
        container.remove(force=True, v=True)
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError as exc:
        if "already in progress" not in str(exc):
            raise
