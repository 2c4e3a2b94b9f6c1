"""Networking facts for chapter 4: the bridge, veth pairs, NAT rules, published ports.

What the book reads on the host as root (``ip addr``, ``brctl``, ``iptables -t nat -L``)
is read here through short-lived containers on the host's network namespace: a reader
without root on the host sees the same facts, and nothing on the host is changed
(``iptables -S`` only lists rules). Ports are published on loopback addresses only.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass

from docker.models.containers import Container

from cookbook import labels, waits
from cookbook.errors import BadParameter
from cookbook.recipe import Recipe

TOOLBOX = "dind"  # a catalogue image with iptables and iproute2
WEB_ROOT = "/www"


def unique_name(base: str) -> str:
    """A container or network name for this session: ``ch4-<base>-<6 hex>``.

    Names must be unique on a shared engine; the suffix comes from the session id, so
    two notebooks running at once never clash.
    """
    return f"ch4-{base}-{labels.session_id().rsplit('-', 1)[-1][:6]}"


def host_command(recipe: Recipe, command: list[str], *, net_admin: bool = False) -> str:
    """Run ``command`` in a throwaway container on the host's network; return its output.

    Args:
        recipe: The recipe the container belongs to.
        command: The command, e.g. ``["ip", "-o", "link"]``.
        net_admin: Add the NET_ADMIN capability (needed to read iptables rules).
    """
    if net_admin:
        done = recipe.run_to_exit(
            TOOLBOX, command[1:], network="host", options={"cap_add": ["NET_ADMIN"], "entrypoint": command[:1]}
        )
    else:
        done = recipe.run_to_exit("busybox", command, network="host")
    return done.output


@dataclass(frozen=True)
class Bridge:
    """The default bridge as the engine and the host kernel see it.

    Attributes:
        name: The Linux bridge device (``docker0``).
        subnet: The network containers get addresses from.
        gateway: The bridge's own address (the containers' default route).
        host_line: ``ip -o -4 addr show docker0`` as read on the host.
    """

    name: str
    subnet: str
    gateway: str
    host_line: str


def default_bridge(recipe: Recipe) -> Bridge:
    """Read the default ``bridge`` network: engine view (inspect) and host view (``ip addr``)."""
    network = recipe.client.networks.get("bridge")
    config = network.attrs["IPAM"]["Config"][0]
    device = network.attrs.get("Options", {}).get("com.docker.network.bridge.name", "docker0")
    line = host_command(recipe, ["ip", "-o", "-4", "addr", "show", device]).strip()
    line = re.sub(r"\\?\s+valid_lft.*", "", line)
    found = re.search(r"inet (\S+)/", line)
    gateway = config.get("Gateway") or (found.group(1) if found else "")
    return Bridge(device, config.get("Subnet", ""), gateway, line)


def address(container: Container, network: str = "bridge") -> str:
    """The container's IPv4 address on ``network`` ("" when it has none)."""
    container.reload()
    networks = container.attrs["NetworkSettings"].get("Networks") or {}
    return str((networks.get(network) or {}).get("IPAddress", ""))


def interfaces(container: Container) -> str:
    """``ip -o -4 addr`` inside the container: one line per IPv4 address."""
    text = container.exec_run(["ip", "-o", "-4", "addr"]).output.decode(errors="replace")
    return re.sub(r"\\?\s+valid_lft.*", "", text.strip())


def interface_names(text: str) -> list[str]:
    """The interface names in ``ip -o addr`` / ``ip -o link`` output (``eth0@if12`` → ``eth0``)."""
    return [m.group(1) for m in re.finditer(r"^\d+:\s+([^:@\s]+)", text, re.M)]


def veth_peer(recipe: Recipe, container: Container) -> str:
    """The host-side veth of the container's ``eth0`` and its bridge (``veth1a2b3c4@if7 master docker0``).

    The container's ``/sys/class/net/eth0/iflink`` holds the interface index of the
    other end of the pair; that index is looked up among the host's links.
    """
    index = container.exec_run(["cat", "/sys/class/net/eth0/iflink"]).output.decode().strip()
    links = host_command(recipe, ["ip", "-o", "link"])
    for line in links.splitlines():
        if line.startswith(f"{index}:"):
            device = line.split()[1].rstrip(":")
            master = re.search(r"\smaster (\S+)", line)
            return f"{device} master {master.group(1)}" if master else device
    return ""


def nat_rules(recipe: Recipe, chain: str | None = None) -> list[str]:
    """The host's NAT table (``iptables -t nat -S [CHAIN]``), read from a NET_ADMIN container."""
    command = ["iptables", "-t", "nat", "-S"] + ([chain] if chain else [])
    lines = host_command(recipe, command, net_admin=True).splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def dnat_rules(rules: list[str], host_port: int) -> list[str]:
    """The DNAT rules among ``rules`` that forward ``host_port``."""
    return [r for r in rules if "DNAT" in r and f"--dport {host_port} " in f"{r} "]


def web_command(ports: list[int], page: str) -> list[str]:
    """A busybox shell command that serves ``page`` over HTTP on each of ``ports``."""
    servers = [f"httpd -p {p} -h {WEB_ROOT}" for p in ports[:-1]] + [f"exec httpd -f -p {ports[-1]} -h {WEB_ROOT}"]
    script = f"mkdir -p {WEB_ROOT} && echo '{page}' > {WEB_ROOT}/index.html && " + " && ".join(servers)
    return ["sh", "-c", script]


def published(container: Container) -> list[str]:
    """The container's port bindings as ``docker port`` prints them (``80/tcp -> 127.0.0.1:49153``)."""
    container.reload()
    lines = []
    for inner, bindings in sorted((container.attrs["NetworkSettings"].get("Ports") or {}).items()):
        for binding in bindings or []:
            lines.append(f"{inner} -> {binding['HostIp'] or '0.0.0.0'}:{binding['HostPort']}")
        if not bindings:
            lines.append(f"{inner} (exposed, not published)")
    return lines


def get(url: str, timeout: float = 5) -> tuple[int, str]:
    """GET ``url``; return (status, body). Only loopback addresses and our containers are asked."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def free_port(host_ip: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host_ip`` right now."""
    with socket.socket() as probe:
        probe.bind((host_ip, 0))
        return int(probe.getsockname()[1])


def port_is_free(host_ip: str, port: int) -> bool:
    """Whether ``port`` can be bound on ``host_ip`` (nobody, the engine included, holds it)."""
    with socket.socket() as probe:
        try:
            probe.bind((host_ip, port))
        except OSError:
            return False
    return True


def _as_port(value: object, what: str, allow_zero: bool) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except ValueError:
            raise BadParameter(f"{what} {value!r} is not a number.", "type a port number, e.g. 8080.") from None
    low = 0 if allow_zero else 1
    if not low <= value <= 65535:
        span = "0 (a random port) or 1-65535" if allow_zero else "1-65535"
        raise BadParameter(f"{what} {value} is out of range.", f"use {span}.")
    return value


def validate_publish(container_port: object, host_ip: object, host_port: object) -> tuple[int, str, int]:
    """Check a ``-p host_ip:host_port:container_port`` request before anything is created.

    Args:
        container_port: The port the server listens on inside the container (1-65535).
        host_ip: A loopback address (we never publish on a public interface).
        host_port: 0 for a random free port, else 1-65535 and free on ``host_ip``.

    Returns:
        The values as (container_port, host_ip, host_port).

    Raises:
        BadParameter: One value is wrong (the message names it and the fix).
    """
    inner = _as_port(container_port, "container port", allow_zero=False)
    text = str(host_ip).strip()
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        raise BadParameter(f"host IP {text!r} is not an IP address.", "use 127.0.0.1.") from None
    if ip.version != 4 or not ip.is_loopback:
        raise BadParameter(
            f"host IP {text} is not a loopback address.",
            "publish on 127.0.0.1 (any 127.x.y.z): never on a public interface.",
        )
    outer = _as_port(host_port, "host port", allow_zero=True)
    if outer and not port_is_free(text, outer):
        raise BadParameter(f"host port {outer} is busy on {text}.", "pick another port, or 0 for a random one.")
    return inner, text, outer


def publish_web(recipe: Recipe, container_port: int, host_ip: str, host_port: int, page: str) -> tuple[Container, str]:
    """Validate, then start a busybox web server published as ``-p host_ip:host_port:container_port``.

    Returns:
        The container and the URL where its page answers.

    Raises:
        BadParameter: A value is wrong; nothing was created.
        ContainerFailed: The engine refused (e.g. the port was taken meanwhile); nothing is left.
    """
    inner, ip, outer = validate_publish(container_port, host_ip, host_port)
    web = recipe.run(
        "busybox", web_command([inner], page), ports={inner: (ip, outer or None)}, wait=waits.HttpStatus(inner)
    )
    host, port = waits.host_port(web, inner)
    return web, f"http://{host}:{port}/"


def hosts_entry(container: Container, alias: str) -> str:
    """The line of the container's ``/etc/hosts`` that names ``alias`` ("" when none does)."""
    hosts = container.exec_run(["cat", "/etc/hosts"]).output.decode(errors="replace")
    return next((line for line in hosts.splitlines() if re.search(rf"\s{re.escape(alias)}(\s|$)", line)), "")


def link_variables(container: Container, alias: str) -> dict[str, str]:
    """The ``ALIAS_*`` variables a legacy ``--link`` gave the container's process; passwords masked.

    The engine adds link variables to the process's environment, not to the container's
    configuration (``docker inspect`` does not list them), so they are read from
    ``/proc/1/environ`` inside the container.

    Args:
        container: The linking container.
        alias: The link's alias (``mysql-server`` gives ``MYSQL_SERVER_*``).
    """
    prefix = re.sub(r"[^A-Za-z0-9]", "_", alias).upper() + "_"
    environ = container.exec_run(["cat", "/proc/1/environ"]).output.decode(errors="replace")
    found = {}
    for item in environ.split("\0"):
        key, _, value = item.partition("=")
        if key.startswith(prefix):
            found[key] = "*** (hidden)" if "PASSWORD" in key else value
    return dict(sorted(found.items()))


def nat_overview(rules: list[str]) -> list[str]:
    """The engine's fixed NAT rules for the default bridge (not the per-container ones)."""
    return [r for r in rules if r.endswith("-j DOCKER") or ("docker0" in r and "--dport" not in r)]


def eth0_address(container: Container) -> str:
    """The IPv4 address the container's own ``eth0`` carries, read inside it ("" without eth0)."""
    found = re.search(r"\beth0\s+inet (\S+)/", interfaces(container))
    return found.group(1) if found else ""


def ipv6_addresses(container: Container, device: str = "eth0") -> dict[str, str]:
    """The IPv6 addresses of ``device`` inside the container, by scope (``global``, ``link``)."""
    text = container.exec_run(["ip", "-o", "-6", "addr", "show", device]).output.decode(errors="replace")
    return {m.group(2): m.group(1) for m in re.finditer(r"inet6 (\S+) scope (global|link)", text)}
