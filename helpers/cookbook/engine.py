"""Connect to a Docker Engine: the only place that builds a ``docker.DockerClient``.

Where the engine is comes from, in order: the arguments, ``DOCKER_HOST`` (with
``DOCKER_TLS_VERIFY`` / ``DOCKER_CERT_PATH`` for TCP+TLS), the current docker context,
and last the local socket.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import docker
import docker.errors
import requests.exceptions
from docker.constants import MINIMUM_DOCKER_API_VERSION
from docker.tls import TLSConfig

from cookbook import config
from cookbook.errors import BadParameter, NoEngine

LOCAL_SOCKET = "unix:///var/run/docker.sock"
# One client per endpoint for the life of the process (the kernel): connect() hands out the same
# one, connect(fresh=True) a new one. Kept here, the only cache of clients.
_clients: dict[tuple[str, str], docker.DockerClient] = {}


@dataclass(frozen=True)
class Endpoint:
    """Where an engine listens and how to talk to it.

    Attributes:
        url: ``unix://...`` or ``tcp://host:port``.
        cert_path: Folder with ``ca.pem``, ``cert.pem``, ``key.pem`` for TLS, or None.
        verify: Whether to verify the server against ``ca.pem``.
    """

    url: str
    cert_path: str | None = None
    verify: bool = True

    @property
    def published_host(self) -> str:
        """The address where ports this engine publishes are reachable from here."""
        host = urlparse(self.url).hostname if self.url.startswith(("tcp://", "https://", "http://")) else None
        return host if host and host not in ("0.0.0.0", "localhost") else "127.0.0.1"


def _context_endpoint() -> Endpoint | None:
    """The endpoint of the current docker context, if it is not the default one."""
    try:
        from docker.context import ContextAPI

        context = ContextAPI.get_current_context()
    except Exception:  # a broken ~/.docker/config.json must not stop us from using the socket
        return None
    if context is None or context.name == "default":
        return None
    host = context.Host or LOCAL_SOCKET
    tls = context.TLSConfig
    cert_path = os.path.dirname(tls.cert[0]) if tls and tls.cert else None
    return Endpoint(host, cert_path, bool(tls and tls.verify))


SCHEMES = ("unix", "tcp", "http", "https", "ssh")


def check_url(url: str, where: str) -> None:
    """Refuse an engine address the SDK cannot use, in one line.

    Raises:
        BadParameter: Not ``unix:///path`` or ``tcp://host:port`` (or ``ssh://``, ``http(s)://``).
    """
    parsed = urlparse(url)
    fine = parsed.scheme in SCHEMES and bool(parsed.path if parsed.scheme == "unix" else parsed.hostname)
    try:
        fine = fine and (parsed.scheme in ("unix", "ssh") or parsed.port is not None)
    except ValueError:  # a port that is not a number
        fine = False
    if not fine:
        raise BadParameter(
            f"{where}={url!r} is not an engine address.",
            "use unix:///var/run/docker.sock, or tcp://HOST:PORT (2376 with TLS).",
        )


def endpoint(variables: Mapping[str, str] | None = None) -> Endpoint:
    """Return where the engine should be, from the environment (no I/O to the engine).

    Args:
        variables: ``DOCKER_HOST``, ``DOCKER_TLS_VERIFY`` and ``DOCKER_CERT_PATH`` to read instead of
            the process's own (the process's environment is never changed).
    """
    env = os.environ if variables is None else variables
    host = env.get("DOCKER_HOST", "").strip()
    if host:
        check_url(host, "DOCKER_HOST")
        tls_verify = env.get("DOCKER_TLS_VERIFY", "").strip() not in ("", "0")
        cert_path = env.get("DOCKER_CERT_PATH", "").strip() or None
        if tls_verify and not cert_path:
            cert_path = str(Path.home() / ".docker")
        return Endpoint(host, cert_path if (tls_verify or cert_path) else None, tls_verify)
    return _context_endpoint() or Endpoint(LOCAL_SOCKET)


def tls_config(point: Endpoint) -> TLSConfig | bool:
    """The SDK's TLS settings for ``point``: its certificate folder's files, or False for plain HTTP.

    Raises:
        NoEngine: A file of the folder is missing.
    """
    if not point.cert_path:
        return False
    folder = Path(point.cert_path)
    missing = [n for n in ("ca.pem", "cert.pem", "key.pem") if not (folder / n).is_file()]
    if missing:
        raise NoEngine(
            f"TLS is asked for but {folder} lacks {', '.join(missing)}.",
            "point DOCKER_CERT_PATH at the folder with ca.pem, cert.pem and key.pem.",
        )
    return TLSConfig(
        client_cert=(str(folder / "cert.pem"), str(folder / "key.pem")),
        ca_cert=str(folder / "ca.pem"),
        verify=point.verify,
    )


def client_for(point: Endpoint, timeout: int = 120) -> docker.DockerClient:
    """Build a client for ``point`` (the API version is negotiated with the engine).

    Args:
        point: Where the engine listens.
        timeout: Seconds an API call may take.

    Raises:
        NoEngine: TLS is asked for but the certificate files are missing.
        docker.errors.DockerException: The engine does not answer the version query.
    """
    url = point.url.replace("https://", "tcp://")
    tls = tls_config(point)
    if not tls:
        return docker.DockerClient(base_url=url, version="auto", timeout=timeout)
    # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE replace a session's CA file
    # (psf/requests#3829): the engine would be checked against the system's CAs, not ca.pem.
    # So a TLS client ignores the environment, and asks for the API version itself.
    with docker.APIClient(base_url=url, tls=tls, version=MINIMUM_DOCKER_API_VERSION, timeout=timeout) as probe:
        probe.trust_env = False
        try:
            version = probe.version(api_version=False)["ApiVersion"]
        except requests.exceptions.RequestException as exc:
            raise docker.errors.DockerException(f"Error while fetching server API version: {exc}") from exc
    client = docker.DockerClient(base_url=url, tls=tls, version=version, timeout=timeout)
    client.api.trust_env = False
    return client


def connect(point: Endpoint | None = None, *, fresh: bool = False) -> docker.DockerClient:
    """Return a client for the reader's engine, cached per endpoint.

    Args:
        point: Where to connect; default: from the environment (see module docstring).
        fresh: Build a new client even if one is cached.

    Raises:
        NoEngine: No engine answers; the message says how to start or point at one.
    """
    point = point or endpoint()
    key = (point.url, point.cert_path or "")
    if not fresh and key in _clients:
        return _clients[key]
    try:
        client = client_for(point)
        client.ping()
    except NoEngine:
        raise
    except (docker.errors.DockerException, requests.exceptions.RequestException, OSError) as exc:
        raise NoEngine(
            f"no Docker Engine answers at {point.url} ({type(exc).__name__}).",
            "run `make setup` (as root on Debian/Ubuntu it installs and starts dockerd), "
            "or set DOCKER_HOST (and DOCKER_TLS_VERIFY/DOCKER_CERT_PATH) to a running engine.",
        ) from None
    _clients[key] = client
    return client


def published_host() -> str:
    """Where ports published by the current engine are reachable from this kernel.

    ``COOKBOOK_PUBLISHED_HOST`` when set (an engine reached through a tunnel), else the host in
    ``DOCKER_HOST``, else ``127.0.0.1`` (the local socket).
    """
    return config.settings().published_host or endpoint().published_host


def is_loopback(address: str) -> bool:
    """Whether ``address`` (an IP or ``localhost``) only answers on its own machine."""
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def publish_ip() -> str:
    """The address of the engine's host that containers publish their ports on.

    ``COOKBOOK_PUBLISH_IP`` when set; ``127.0.0.1`` for a local engine; for a remote one the
    address this kernel reaches it on (its ports are of no use on the remote loopback).

    Raises:
        BadParameter: The remote engine's host name does not resolve to an address.
    """
    chosen = config.settings().publish_ip
    if chosen:
        return chosen
    host = published_host()
    if is_loopback(host):
        return "127.0.0.1"
    try:
        return str(socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)[0][4][0])
    except socket.gaierror:
        raise BadParameter(
            f"the engine's host {host!r} does not resolve to an address.",
            "set COOKBOOK_PUBLISH_IP to the engine host's address.",
        ) from None


def beyond_loopback() -> bool:
    """Whether ports the engine publishes are reachable from other machines (a remote engine)."""
    return not is_loopback(publish_ip())


def versions(client: docker.DockerClient | None = None) -> dict[str, str]:
    """Return the engine's version facts: engine, API, storage driver, cgroup version, OS."""
    client = client or connect()
    version = client.version()
    info = client.info()
    return {
        "engine": str(version.get("Version", "?")),
        "api": str(version.get("ApiVersion", "?")),
        "min_api": str(version.get("MinAPIVersion", "?")),
        "storage_driver": str(info.get("Driver", "?")),
        "cgroup_version": str(info.get("CgroupVersion", "1")),
        "cgroup_driver": str(info.get("CgroupDriver", "?")),
        "os": str(info.get("OperatingSystem", "?")),
        "kernel": str(info.get("KernelVersion", "?")),
        "cpus": str(info.get("NCPU", "?")),
        "memory_gib": f"{int(info.get('MemTotal', 0)) / 2**30:.1f}",
        "docker_root": str(info.get("DockerRootDir", "?")),
    }
