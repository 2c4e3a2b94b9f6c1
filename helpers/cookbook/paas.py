"""A small PaaS on a Swarm cluster: what the check cells read of a service, and where its route answers.

The book's OpenShift Origin recipes deploy an app as pods managed by a DeploymentConfig and
exposed by an HAProxy router (a Route). The notebook runs the same ideas on Docker Swarm with
Docker's own commands (``docker service create``, ``scale``, ``update``, ``rollback``) and a
route of its own: nginx on node 1 (``data/paas/route.conf``) resolving the service's tasks
through Docker's DNS. This VM kernel has no IPVS, so Swarm's ingress routing mesh and
virtual-IP endpoints do not work here: the service uses ``--endpoint-mode dnsrr``.

This module reads the service's state for the checks (:func:`tasks`, :func:`wait_converged`)
and finds the route's address from here (:func:`route_url`).
"""

from __future__ import annotations

import urllib.request
from typing import Any

from docker.models.services import Service

from cookbook import waits
from cookbook.errors import BadParameter
from cookbook.sandbox import Node

ROUTER_PORT = 8080
MAX_REPLICAS = 6


def validate_replicas(replicas: int) -> int:
    """Check a replica count.

    Raises:
        BadParameter: It is not between 1 and :data:`MAX_REPLICAS`.
    """
    if not isinstance(replicas, int) or isinstance(replicas, bool) or not 1 <= replicas <= MAX_REPLICAS:
        raise BadParameter(f"replicas={replicas!r} is out of range.", f"use 1 to {MAX_REPLICAS} (two shared cores).")
    return replicas


def tasks(service: Service) -> list[dict[str, Any]]:
    """One row per task meant to run: its slot, node, image, state (``docker service ps``)."""
    service.reload()
    nodes = {n.id: n.attrs["Description"]["Hostname"] for n in service.client.nodes.list()}
    rows = []
    for task in service.tasks(filters={"desired-state": "running"}):
        rows.append(
            {
                "task": f"{service.name}.{task.get('Slot', '?')}",
                "node": nodes.get(task.get("NodeID", ""), "?"),
                "image": task["Spec"]["ContainerSpec"]["Image"].split("@")[0],
                "state": task["Status"]["State"],
            }
        )
    return sorted(rows, key=lambda row: row["task"])


def same_image(wanted: str, running: str) -> bool:
    """Whether two image references name the same tag (one without a tag means ``:latest``)."""

    def tagged(reference: str) -> str:
        return reference if ":" in reference.rsplit("/", 1)[-1] else f"{reference}:latest"

    return tagged(wanted) == tagged(running)


def converged(service: Service, replicas: int, image: str) -> bool:
    """Whether ``replicas`` tasks of ``image`` run and no update or rollback is in progress."""
    service.reload()
    state = (service.attrs.get("UpdateStatus") or {}).get("State", "completed")
    if state in ("updating", "rollback_started"):
        return False
    running = [t for t in tasks(service) if t["state"] == "running"]
    return len(running) == replicas and all(same_image(image, t["image"]) for t in running)


def wait_converged(service: Service, replicas: int, image: str, timeout: float = 180) -> list[dict[str, Any]]:
    """Wait until the service runs ``replicas`` healthy tasks of ``image``; return its tasks."""
    waits.until(lambda: converged(service, replicas, image), timeout=timeout,
                what=f"{service.name} to run {replicas} x {image}", longest=1.0)  # fmt: skip
    return tasks(service)


def route_url(node: Node, contains: str, port: int = ROUTER_PORT, timeout: float = 120) -> str:
    """Where this kernel reaches ``port`` of a cluster node; returns once the page there has ``contains``.

    A sandbox node publishes the port on this machine (``sandbox.cluster(..., ports=[port])``);
    one of the reader's engines is reached at its own address.
    """
    if node.sandbox is not None:
        address, published = node.sandbox.reach(port)
    else:
        address, published = (node.advertise or "127.0.0.1"), port
    url = f"http://{address}:{published}/"
    def page() -> str:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.read().decode(errors="replace")

    waits.until(lambda: contains in page(), timeout=timeout, what=f"the route at {url} to serve {contains!r}")
    return url
