"""A sandbox daemon's settings: its flags, its readiness, its certificates, when TLS is on."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.errors
import requests.exceptions
from docker.models.containers import Container

from cookbook import waits
from cookbook.engine import (
    Endpoint,
    beyond_loopback,
    client_for,
    publish_ip,
    published_host,
)
from cookbook.errors import BadParameter, SandboxFailed
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


def _certificates(folder: Path, name: str, authority: tls.Authority | None) -> tuple[tls.ServerCert, tls.ClientCert]:
    ca = authority or tls.authority(folder, common_name=f"{name} CA")
    hosts = dict.fromkeys(["127.0.0.1", "localhost", name, publish_ip(), published_host()])
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
    beyond = beyond_loopback()
    if tlsverify is False and beyond:
        raise BadParameter(
            f"a sandbox without TLS would publish a root-equivalent API on {publish_ip()}, beyond loopback.",
            "leave tlsverify at its default (TLS on a remote engine), or pass tlsverify=True.",
        )
    return beyond if tlsverify is None else tlsverify


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
