"""Flannel's VXLAN backend by hand, for chapter 4's multi-host recipe.

In the book, ``flanneld`` runs on every host and does four things, which the notebook does
one visible command at a time (no flannel binary installs offline here: Debian ships none):

1. it reads the network's configuration from etcd (v2 API, key ``/coreos.com/network/config``);
2. it creates the VXLAN device ``flannel.1`` and leases a free /24 of the network for its
   host under ``/coreos.com/network/subnets/``: an atomic create (``PUT ...?prevExist=false``,
   so two hosts never hold one subnet) with a TTL, whose value records the host's public
   address and the device's MAC (its VTEP);
3. it writes ``/run/flannel/subnet.env``, from which the host's Docker daemon takes ``--bip``
   and ``--mtu``;
4. for every other host's lease it adds a forwarding-database entry (that host's VTEP MAC is
   reached at that host's address), a neighbour entry (the other /24's ``.0`` has that MAC)
   and a route (the other /24 via that ``.0``, on ``flannel.1``); when a lease goes, they go.

This module holds what those steps compute or read: the lease a host asks for, the file's
text, the iptables rules, and what etcd and ``ip`` answer.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cookbook.errors import BadParameter

# The book's flannel-config.json.
CONFIG: dict[str, Any] = {"Network": "10.0.0.0/16", "SubnetLen": 24, "Backend": {"Type": "vxlan", "VNI": 1}}
CONFIG_KEY = "/coreos.com/network/config"
SUBNETS_KEY = "/coreos.com/network/subnets"
SUBNET_ENV = "/run/flannel/subnet.env"
DEVICE = "flannel.1"
VXLAN_PORT = 8472  # flannel's VXLAN port (Linux's old default); the IANA port 4789 is Docker's overlay's
LEASE_TTL = 24 * 3600  # flanneld's lease lasts a day, renewed an hour before it runs out
# What the host's docker.service runs with once subnet.env exists. With FLANNEL_IPMASQ=true flannel
# masquerades itself, only what leaves the flannel network: containers keep their addresses across hosts.
DOCKER_FLAGS = ("--bip=${FLANNEL_SUBNET}", "--mtu=${FLANNEL_MTU}", "--ip-masq=false")


def etcd_url(address: str, key: str) -> str:
    """The v2 API URL of ``key`` on the etcd at ``address`` (port 2379)."""
    return f"http://{address}:2379/v2/keys{key}"


def etcd_answer(text: str) -> dict[str, Any]:
    """An etcd v2 answer (JSON) as a dict; an error answer has ``errorCode`` and ``message``.

    Raises:
        BadParameter: ``text`` is not an etcd answer.
    """
    try:
        answer = json.loads(text)
    except ValueError:
        raise BadParameter(f"etcd's answer is not JSON: {text.strip()[:80]!r}") from None
    if not isinstance(answer, dict):
        raise BadParameter(f"etcd's answer is not an object: {text.strip()[:80]!r}")
    return answer


def etcd_value(answer: str) -> Any:
    """The JSON value held in an etcd v2 GET answer (the book's config is itself JSON)."""
    return json.loads(etcd_answer(answer)["node"]["value"])


@dataclass(frozen=True)
class Lease:
    """One host's lease of a subnet, as flannel keeps it in etcd.

    Attributes:
        subnet: The host's /24 (its containers' addresses).
        public_ip: The host's own address, where the others send its VXLAN packets.
        vtep_mac: The MAC of the host's ``flannel.1``.
        ttl: Seconds left (None: the answer gave none); leases compare without it.
    """

    subnet: ipaddress.IPv4Network
    public_ip: str
    vtep_mac: str
    ttl: int | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        """The lease's etcd key: ``/coreos.com/network/subnets/10.0.1.0-24``."""
        return lease_key(self.subnet)

    @property
    def gateway(self) -> str:
        """The subnet's ``.0`` address: the address of that host's ``flannel.1``, the routes' next hop."""
        return str(self.subnet.network_address)

    @property
    def bridge_ip(self) -> str:
        """What ``--bip`` gives the host's ``docker0``: the subnet's ``.1`` with its prefix length."""
        return f"{self.subnet.network_address + 1}/{self.subnet.prefixlen}"


def lease_key(subnet: ipaddress.IPv4Network | str) -> str:
    """The etcd key of the lease of ``subnet`` (flannel writes ``10.0.1.0/24`` as ``10.0.1.0-24``)."""
    return f"{SUBNETS_KEY}/{str(subnet).replace('/', '-')}"


def lease_value(public_ip: str, vtep_mac: str) -> str:
    """The JSON a lease holds: the host's address and its VTEP's MAC, as flanneld writes it."""
    value = {"PublicIP": public_ip, "BackendType": "vxlan", "BackendData": {"VtepMAC": vtep_mac}}
    return json.dumps(value, separators=(",", ":"))


def leases(answer: str) -> list[Lease]:
    """The leases in etcd's answer to ``GET .../subnets``, by subnet (none when the key is missing).

    Raises:
        BadParameter: The answer is another error, or a lease is not flannel's JSON.
    """
    found = etcd_answer(answer)
    if found.get("errorCode") == 100:  # Key not found: nobody holds a lease yet
        return []
    if "errorCode" in found:
        raise BadParameter(f"etcd answered error {found['errorCode']}: {found.get('message')}")
    result = []
    for node in found.get("node", {}).get("nodes", []):
        subnet = ipaddress.IPv4Network(node["key"].rsplit("/", 1)[-1].replace("-", "/"))
        try:
            value = json.loads(node["value"])
            result.append(Lease(subnet, value["PublicIP"], value["BackendData"]["VtepMAC"], node.get("ttl")))
        except (ValueError, KeyError, TypeError):
            raise BadParameter(f"the lease {node['key']} is not flannel's: {node.get('value')!r}") from None
    return sorted(result, key=lambda lease: lease.subnet)


def free_subnet(config: dict[str, Any], taken: Iterable[Lease]) -> ipaddress.IPv4Network:
    """The subnet a host asks for: the first /SubnetLen of the network that no lease holds.

    flanneld picks one at random among the free ones; the first keeps the notebook's output the
    same from run to run. Like flannel, the network's first subnet (its ``.0.0``) is never leased.

    Raises:
        BadParameter: Every subnet is leased.
    """
    network = ipaddress.IPv4Network(config["Network"])
    held = {lease.subnet for lease in taken}
    candidates = list(network.subnets(new_prefix=int(config.get("SubnetLen", 24))))[1:]
    for subnet in candidates:
        if subnet not in held:
            return subnet
    raise BadParameter(f"every /{config.get('SubnetLen', 24)} of {network} is leased.", "let a lease expire first.")


def subnet_env(config: dict[str, Any], lease: Lease, mtu: int, ipmasq: bool = True) -> list[str]:
    """The lines of ``/run/flannel/subnet.env`` for ``lease`` (``FLANNEL_SUBNET=10.0.1.1/24``, ...)."""
    return [
        f"FLANNEL_NETWORK={config['Network']}",
        f"FLANNEL_SUBNET={lease.bridge_ip}",
        f"FLANNEL_MTU={mtu}",
        f"FLANNEL_IPMASQ={'true' if ipmasq else 'false'}",
    ]


def iptables_rules(config: dict[str, Any]) -> list[str]:
    """flanneld's rules (``iptables`` arguments): forward the network's traffic; masquerade what leaves it."""
    network = config["Network"]
    return [
        f"-A FORWARD -s {network} -j ACCEPT",
        f"-A FORWARD -d {network} -j ACCEPT",
        f"-t nat -A POSTROUTING -s {network} -d {network} -j RETURN",
        f"-t nat -A POSTROUTING -s {network} ! -d 224.0.0.0/4 -j MASQUERADE",
    ]


def link_counters(text: str) -> dict[str, int]:
    """Packets received and sent, from ``ip -s link show DEVICE``: ``{"rx": N, "tx": N}``.

    Raises:
        ValueError: The output has no statistics.
    """
    found = re.search(r"RX:.*\n\s*\d+\s+(\d+).*\n\s*TX:.*\n\s*\d+\s+(\d+)", text)
    if not found:
        raise ValueError("no RX/TX statistics in the output of ip -s link")
    return {"rx": int(found.group(1)), "tx": int(found.group(2))}


def round_trip_ms(ping_output: str) -> float:
    """The average round-trip time from ``ping``'s summary line, in milliseconds.

    Raises:
        ValueError: The output has no summary line (no reply came back).
    """
    found = re.search(r"(?:round-trip|rtt) min/avg/max(?:/mdev)? = [\d.]+/([\d.]+)/", ping_output)
    if not found:
        raise ValueError("ping printed no round-trip summary")
    return float(found.group(1))


def bridge_subnet(client: Any) -> str:
    """The subnet of an engine's default bridge, ``docker0`` (what ``--bip`` set)."""
    return str(client.networks.get("bridge").attrs["IPAM"]["Config"][0].get("Subnet", ""))


def lease_event(text: str) -> tuple[str, Lease]:
    """What a watch on the subnets key answered: the action (``create``, ``delete``, ``expire``) and the lease.

    For a lease that went, etcd sends its last value as ``prevNode``: that is what the others
    need to remove their entries for it.

    Raises:
        BadParameter: The answer is no event about a lease.
    """
    answer = etcd_answer(text)
    action = str(answer.get("action", ""))
    node = answer.get("prevNode") if action in ("delete", "expire") else answer.get("node")
    if not node or "value" not in node:
        raise BadParameter(f"etcd's answer is no lease event: {text.strip()[:120]!r}")
    found = leases(json.dumps({"node": {"nodes": [node]}}))
    return action, found[0]
