"""Multi-host networking for chapter 4: Flannel's etcd configuration and an overlay across hosts.

The book's Flannel recipe keeps its network configuration in etcd (v2 API, key
``/coreos.com/network/config``) and lets ``flanneld`` on each host lease a /24 from it.
Here etcd runs from our ``etcd`` image on the cluster's network; when no ``flanneld`` binary
is at hand (Debian ships none), the hosts talk over Docker's own VXLAN overlay instead.
"""

from __future__ import annotations

import json
import re
import shutil
from typing import Any

from docker.models.containers import Container

FLANNEL_CONFIG: dict[str, Any] = {"Network": "10.0.0.0/16", "SubnetLen": 24, "Backend": {"Type": "vxlan", "VNI": 1}}
CONFIG_KEY = "/coreos.com/network/config"


def flanneld() -> str | None:
    """The path of a ``flanneld`` binary on this machine, or None."""
    return shutil.which("flanneld")


def etcd_url(address: str, key: str) -> str:
    """The v2 API URL of ``key`` on the etcd at ``address`` (port 2379)."""
    return f"http://{address}:2379/v2/keys{key}"


def etcd_put(etcd: Container, key: str, value: str) -> dict[str, Any]:
    """``curl -XPUT .../v2/keys/KEY -d value=...`` inside the etcd container; return etcd's answer."""
    command = ["curl", "-s", "-XPUT", etcd_url("127.0.0.1", key), "--data-urlencode", f"value={value}"]
    result = etcd.exec_run(command)
    return dict(json.loads(result.output.decode()))


def etcd_value(answer: str) -> Any:
    """The JSON value held in an etcd v2 GET answer (the book's config is itself JSON)."""
    return json.loads(json.loads(answer)["node"]["value"])


def bridge_subnet(client: Any) -> str:
    """The subnet of an engine's default bridge (each host's local container network)."""
    return str(client.networks.get("bridge").attrs["IPAM"]["Config"][0].get("Subnet", ""))


def overlay_address(container: Container, network: str) -> str:
    """The container's address on ``network`` (e.g. an overlay)."""
    container.reload()
    return str(container.attrs["NetworkSettings"]["Networks"][network]["IPAddress"])


def round_trip_ms(ping_output: str) -> float:
    """The average round-trip time from ``ping``'s summary line, in milliseconds.

    Raises:
        ValueError: The output has no summary line (no reply came back).
    """
    found = re.search(r"(?:round-trip|rtt) min/avg/max(?:/mdev)? = [\d.]+/([\d.]+)/", ping_output)
    if not found:
        raise ValueError("ping printed no round-trip summary")
    return float(found.group(1))
