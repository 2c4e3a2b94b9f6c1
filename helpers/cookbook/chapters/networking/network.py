"""Networking facts for chapter 4: addresses, links, published ports, and the publish form's checks.

The recipe cells run Docker's own commands (``ip``, ``iptables -S`` and ``docker port`` among
them, through the executor); these helpers read what a check needs from the engine or from
those commands' output. Ports are published on loopback addresses only.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.error
import urllib.request

from docker.models.containers import Container

from cookbook import shell, waits
from cookbook.errors import BadParameter
from cookbook.ports import free_port as free_port  # chapter 4 calls net.free_port()
from cookbook.ports import port_is_free
from cookbook.reader.recipe import Said


def address(container: Container, network: str = "bridge") -> str:
    """The container's IPv4 address on ``network`` ("" when it has none)."""
    container.reload()
    networks = container.attrs["NetworkSettings"].get("Networks") or {}
    return str((networks.get(network) or {}).get("IPAddress", ""))


def interface_names(text: str) -> list[str]:
    """The interface names in ``ip -o addr`` / ``ip -o link`` output (``eth0@if12`` → ``eth0``)."""
    return [m.group(1) for m in re.finditer(r"^\d+:\s+([^:@\s]+)", text, re.M)]


def link_line(text: str, index: int) -> str:
    """The line of ``ip -o link`` output for the interface numbered ``index`` ("" when none is)."""
    return next((line for line in text.splitlines() if line.startswith(f"{index}:")), "")


def ipv6_global(text: str) -> str:
    """The global (not ``fe80::``) address in ``ip -6 -o addr`` output, without its prefix length."""
    found = re.search(r"inet6 ((?!fe80:)[0-9a-f:]+)/\d+ scope global", text)
    return found.group(1) if found else ""


def url(container: Container, port: int) -> str:
    """``http://HOST:PORT/`` where the container's ``port`` is published, as reached from here."""
    host, published = waits.host_port(container, port)
    return f"http://{host}:{published}/"


def get(address_: str, timeout: float = 5) -> tuple[int, str]:
    """GET a URL; return (status, body). Only loopback addresses and our containers are asked."""
    try:
        with urllib.request.urlopen(address_, timeout=timeout) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def answer(result: shell.Result) -> Said:
    """After the publish form's ``docker run -d``: where the server answers, and what ``/hostname`` says."""
    container = result.container
    target = url(container, int(next(iter(container.ports)).split("/")[0])) + "hostname"
    status, body = waits.until(lambda: get(target), what=f"an answer from {target}")
    return Said(f"{target} answers HTTP {status}: {body.strip()} (it stays up until the recipe closes)")


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
    if outer and not port_is_free(outer, text):
        raise BadParameter(f"host port {outer} is busy on {text}.", "pick another port, or 0 for a random one.")
    return inner, text, outer
