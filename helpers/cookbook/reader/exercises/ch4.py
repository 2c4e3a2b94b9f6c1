"""Chapter 4's exercises: network modes, published ports, volumes, links, aliases, a host's /24, IPv6."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import docker.errors

from cookbook.reader.exercises import Context, NotYet, exercise, host_port


def _running(context: Context, name: str) -> Any:
    return context.running(name, "sleep 600")


def _network(context: Context, name: str) -> Any:
    try:
        return context.client.networks.get(name)
    except docker.errors.NotFound:
        raise NotYet(f"there is no network named {name} yet.") from None


def _on(made: Any, network: str) -> dict[str, Any]:
    settings = (made.attrs["NetworkSettings"].get("Networks") or {}).get(network)
    if settings is None:
        raise NotYet(f"{made.name} is not on {network}.")
    return dict(settings)


@exercise("ch4-no-network")
def no_network(context: Context) -> str:
    mode = _running(context, "cb-ex-solo").attrs["HostConfig"]["NetworkMode"]
    if mode != "none":
        raise NotYet(f"cb-ex-solo is on the {mode} network: give it --net=none.")
    return "cb-ex-solo runs with only its loopback interface"


@exercise("ch4-two-ports")
def two_ports(context: Context) -> str:
    ports = _running(context, "cb-ex-two").attrs["NetworkSettings"].get("Ports") or {}
    for inner in ("80/tcp", "8080/tcp"):
        port = host_port(ports, inner, "127.0.0.2", f"cb-ex-two does not publish {inner}.")
        url = f"http://127.0.0.2:{port}/"
        try:
            urllib.request.urlopen(url, timeout=5).close()
        except urllib.error.HTTPError:
            pass  # any HTTP answer means a server listens there
        except OSError:
            raise NotYet(f"nothing answers on {url}: start an httpd on {inner.split('/')[0]} too.") from None
    return "cb-ex-two answers on two ports of 127.0.0.2"


@exercise("ch4-read-only-volume")
def read_only_volume(context: Context) -> str:
    mounts: dict[str, dict[str, Any]] = {}
    for name in ("cb-ex-writer", "cb-ex-reader"):
        made = context.container(name)
        found = [m for m in made.attrs.get("Mounts") or [] if m.get("Name") == "cb-ex-shared"]
        if not found:
            raise NotYet(f"{name} does not mount the volume cb-ex-shared.")
        mounts[name] = found[0]
    if mounts["cb-ex-reader"].get("RW"):
        raise NotYet("cb-ex-reader mounts cb-ex-shared read-write: add :ro.")
    if not mounts["cb-ex-writer"].get("RW"):
        raise NotYet("cb-ex-writer mounts cb-ex-shared read-only: it cannot write.")
    read = _running(context, "cb-ex-reader").exec_run(["cat", "/data/hello"])
    if read.exit_code != 0:
        raise NotYet("cb-ex-reader finds no /data/hello: let cb-ex-writer write it.")
    return "cb-ex-reader reads what cb-ex-writer wrote, through a read-only mount"


@exercise("ch4-link-alias")
def link_alias(context: Context) -> str:
    _running(context, "cb-ex-db")
    links = _running(context, "cb-ex-app").attrs["HostConfig"].get("Links") or []
    aliases = [link.split(":")[1].rsplit("/", 1)[-1] for link in links if link.startswith("/cb-ex-db:")]
    if not aliases:
        raise NotYet("cb-ex-app is not linked to cb-ex-db.")
    if "store" not in aliases:
        raise NotYet(f"cb-ex-app reaches cb-ex-db as '{aliases[0]}', not 'store'.")
    return "cb-ex-app finds cb-ex-db under the alias store"


@exercise("ch4-network-alias")
def network_alias(context: Context) -> str:
    _network(context, "cb-ex-lamp")
    settings = _on(_running(context, "cb-ex-db"), "cb-ex-lamp")
    if "mysql" not in (settings.get("Aliases") or []):
        raise NotYet("cb-ex-db has no alias mysql on cb-ex-lamp: --network-alias mysql.")
    return "on cb-ex-lamp, cb-ex-db answers to the name mysql too"


@exercise("ch4-host-subnet")
def host_subnet(context: Context) -> str:
    subnets = [c.get("Subnet") for c in _network(context, "cb-ex-flannel").attrs["IPAM"].get("Config") or []]
    if "10.0.9.0/24" not in subnets:
        raise NotYet(
            f"cb-ex-flannel has the subnet {', '.join(map(str, subnets)) or 'the engine chose'}, not 10.0.9.0/24."
        )
    address = _on(_running(context, "cb-ex-web"), "cb-ex-flannel").get("IPAddress")
    if address != "10.0.9.9":
        raise NotYet(f"cb-ex-web has {address}, not 10.0.9.9: --ip 10.0.9.9.")
    return "cb-ex-web sits at 10.0.9.9 in its host's /24"


@exercise("ch4-fixed-v6")
def fixed_v6(context: Context) -> str:
    network = _network(context, "cb-ex-v6")
    if not network.attrs.get("EnableIPv6"):
        raise NotYet("cb-ex-v6 has IPv6 off: create it with --ipv6.")
    address = _on(_running(context, "cb-ex-six"), "cb-ex-v6").get("GlobalIPv6Address")
    if address != "2001:db8:9::9":
        raise NotYet(f"cb-ex-six has {address or 'no IPv6 address'}, not 2001:db8:9::9: --ip6 2001:db8:9::9.")
    return "cb-ex-six has the global address 2001:db8:9::9"
