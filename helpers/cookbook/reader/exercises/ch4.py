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


@exercise(
    "ch4-no-network",
    "networking-basics",
    task="Start `cb-ex-solo`, a busybox that keeps running (`sleep 600`), with no network at all but its loopback.",
    hint="docker run -d --name cb-ex-solo --net=none cookbook/busybox sleep 600",
)
def no_network(context: Context) -> str:
    mode = _running(context, "cb-ex-solo").attrs["HostConfig"]["NetworkMode"]
    if mode != "none":
        raise NotYet(f"cb-ex-solo is on the {mode} network: give it --net=none.")
    return "cb-ex-solo runs with only its loopback interface"


@exercise(
    "ch4-two-ports",
    "publish-ports",
    task="""Run `cb-ex-two`, a busybox `httpd` that serves on ports 80 and 8080 (as `ch4-web3` above does),
with both ports published on 127.0.0.2 (any free host port). 127.0.0.2 is another loopback address:
only this machine reaches it.""",
    hint="-p 127.0.0.2::80 -p 127.0.0.2::8080, and two httpd in the container (one in the foreground).",
)
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


@exercise(
    "ch4-read-only-volume",
    "manage-data",
    task="""Make a named volume `cb-ex-shared`; run `cb-ex-writer`, which mounts it read-write at `/data`
and writes `/data/hello`, and `cb-ex-reader`, which keeps running and mounts the same volume
read-only at `/data`.""",
    hint="-v cb-ex-shared:/data for the writer, -v cb-ex-shared:/data:ro for the reader.",
)
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


@exercise(
    "ch4-link-alias",
    "link-containers",
    task="Run `cb-ex-db` (busybox, `sleep 600`) and `cb-ex-app` (busybox, `sleep 600`) linked to it under the alias `store`.",
    hint="docker run -d --name cb-ex-app --link cb-ex-db:store cookbook/busybox sleep 600",
)
def link_alias(context: Context) -> str:
    _running(context, "cb-ex-db")
    links = _running(context, "cb-ex-app").attrs["HostConfig"].get("Links") or []
    aliases = [link.split(":")[1].rsplit("/", 1)[-1] for link in links if link.startswith("/cb-ex-db:")]
    if not aliases:
        raise NotYet("cb-ex-app is not linked to cb-ex-db.")
    if "store" not in aliases:
        raise NotYet(f"cb-ex-app reaches cb-ex-db as '{aliases[0]}', not 'store'.")
    return "cb-ex-app finds cb-ex-db under the alias store"


@exercise(
    "ch4-network-alias",
    "lamp-links",
    task="""On a user-defined network `cb-ex-lamp`, run `cb-ex-db` (busybox, `sleep 600`) so that the other
containers of that network also find it under the name `mysql`, as WordPress looks for its database.""",
    hint="docker network create cb-ex-lamp, then docker run ... --network cb-ex-lamp --network-alias mysql ...",
)
def network_alias(context: Context) -> str:
    _network(context, "cb-ex-lamp")
    settings = _on(_running(context, "cb-ex-db"), "cb-ex-lamp")
    if "mysql" not in (settings.get("Aliases") or []):
        raise NotYet("cb-ex-db has no alias mysql on cb-ex-lamp: --network-alias mysql.")
    return "on cb-ex-lamp, cb-ex-db answers to the name mysql too"


@exercise(
    "ch4-host-subnet",
    "multi-host",
    task="""Give one host's /24 of Flannel's network to a bridge, as `--bip` does: create a network
`cb-ex-flannel` with the subnet 10.0.9.0/24, and run `cb-ex-web` (busybox, `sleep 600`) on it at
the address 10.0.9.9.""",
    hint="docker network create --subnet 10.0.9.0/24 cb-ex-flannel; docker run ... --network cb-ex-flannel --ip 10.0.9.9 ...",
)
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


@exercise(
    "ch4-fixed-v6",
    "ipv6",
    task="""Create an IPv6 network `cb-ex-v6` with the subnet 2001:db8:9::/64 and run `cb-ex-six`
(busybox, `sleep 600`) on it at the address 2001:db8:9::9.""",
    hint="docker network create --ipv6 --subnet 2001:db8:9::/64 cb-ex-v6; docker run ... --ip6 2001:db8:9::9 ...",
)
def fixed_v6(context: Context) -> str:
    network = _network(context, "cb-ex-v6")
    if not network.attrs.get("EnableIPv6"):
        raise NotYet("cb-ex-v6 has IPv6 off: create it with --ipv6.")
    address = _on(_running(context, "cb-ex-six"), "cb-ex-v6").get("GlobalIPv6Address")
    if address != "2001:db8:9::9":
        raise NotYet(f"cb-ex-six has {address or 'no IPv6 address'}, not 2001:db8:9::9: --ip6 2001:db8:9::9.")
    return "cb-ex-six has the global address 2001:db8:9::9"
