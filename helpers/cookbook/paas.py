"""A small PaaS on a Swarm cluster: a replicated service behind a router, updates and rollbacks.

The book's OpenShift Origin recipes deploy an app as pods managed by a DeploymentConfig and
exposed by an HAProxy router (a Route). Here the same ideas run on Docker Swarm:

* the app is a replicated service (``docker service create --replicas N``), updated one
  task at a time with start-first ordering and health checks, and rolled back on demand;
* the router is nginx on node 1, publishing port 8080 there and resolving the service's
  name through Docker's DNS (``tasks`` of a ``dnsrr`` service), retrying another replica
  when one refuses a connection.

This VM kernel has no IPVS, so Swarm's ingress routing mesh and virtual-IP endpoints do not
work here: services use ``--endpoint-mode dnsrr`` and the router is a container of ours.
"""

from __future__ import annotations

import urllib.request
from pathlib import Path
from typing import Any

import docker
import docker.errors
from docker.models.services import Service
from docker.types import EndpointSpec, Healthcheck, RestartPolicy, RollbackConfig, ServiceMode, UpdateConfig

from cookbook import waits
from cookbook.deploy import APP_PORT, HEALTH_PROBE
from cookbook.errors import BadParameter, CookbookError, ImageBuildError
from cookbook.recipe import Recipe
from cookbook.sandbox import Cluster, copy_image

ROUTER_PORT = 8080
MAX_REPLICAS = 6

ROUTER_CONF = r"""
# The Route: every request for this host goes to one of the service's tasks.
resolver 127.0.0.11 valid=1s ipv6=off;
server {
    listen 80 default_server;
    location / {
        set $backend SERVICE;
        proxy_pass http://$backend:PORT;
        proxy_next_upstream error timeout http_502 http_503;
        proxy_connect_timeout 2s;
    }
}
"""


class PaasError(CookbookError):
    """The service or its router did not reach the state asked for."""


def validate_replicas(replicas: int) -> int:
    """Check a replica count.

    Raises:
        BadParameter: It is not between 1 and :data:`MAX_REPLICAS`.
    """
    if not isinstance(replicas, int) or isinstance(replicas, bool) or not 1 <= replicas <= MAX_REPLICAS:
        raise BadParameter(f"replicas={replicas!r} is out of range.", f"use 1 to {MAX_REPLICAS} (two shared cores).")
    return replicas


def build_app(recipe: Recipe, source: Path, base: str, tag: str, version: str) -> str:
    """``docker build --build-arg APP_VERSION=VERSION -t TAG SOURCE`` on the reader's engine."""
    try:
        recipe.client.images.build(
            path=str(source), tag=tag, buildargs={"BASE": base, "APP_VERSION": version}, labels=recipe.labels, rm=True, forcerm=True
        )
    except (docker.errors.BuildError, docker.errors.APIError) as exc:
        raise ImageBuildError(tag, "docker build", str(exc)) from None
    return tag


def load_everywhere(cluster: Cluster, image: str) -> str:
    """Copy an image from the reader's engine into every node (there is no registry)."""
    for node in cluster.nodes:
        copy_image(image, cluster.source, node.client)
    return image


def create_service(cluster: Cluster, recipe: Recipe, name: str, image: str, network: str, replicas: int = 1) -> Service:
    """``docker service create --name NAME --replicas N --network NET --endpoint-mode dnsrr
    --update-order start-first --update-parallelism 1 --rollback-order start-first IMAGE``, health-checked."""
    validate_replicas(replicas)
    return cluster.manager.client.services.create(
        image,
        name=name,
        networks=[network],
        mode=ServiceMode("replicated", replicas=replicas),
        endpoint_spec=EndpointSpec(mode="dnsrr"),
        update_config=UpdateConfig(parallelism=1, delay=1_000_000_000, order="start-first", failure_action="rollback", monitor=3_000_000_000),
        healthcheck=Healthcheck(test=["CMD", "python3", "-c", HEALTH_PROBE], interval=1_000_000_000, timeout=2_000_000_000, retries=3, start_period=1_000_000_000),
        rollback_config=RollbackConfig(parallelism=1, delay=1_000_000_000, order="start-first", monitor=3_000_000_000),
        restart_policy=RestartPolicy(condition="any"),
        stop_grace_period=5_000_000_000,
        labels=recipe.labels,
        container_labels=recipe.labels,
    )


def tasks(service: Service) -> list[dict[str, Any]]:
    """One row per current task: its slot, node, image tag, state (``docker service ps``)."""
    service.reload()
    nodes = {n.id: n.attrs["Description"]["Hostname"] for n in service.client.nodes.list()}
    rows = []
    for task in service.tasks(filters={"desired-state": "running"}):
        image = task["Spec"]["ContainerSpec"]["Image"].split("@")[0]
        rows.append(
            {
                "task": f"{service.name}.{task.get('Slot', '?')}",
                "node": nodes.get(task.get("NodeID", ""), "?").rsplit("-", 1)[-1],
                "image": image.rsplit("/", 1)[-1],
                "state": task["Status"]["State"],
            }
        )
    return sorted(rows, key=lambda row: row["task"])


def converged(service: Service, replicas: int, image: str) -> bool:
    """Whether ``replicas`` tasks of ``image`` run and no update is in progress."""
    service.reload()
    state = (service.attrs.get("UpdateStatus") or {}).get("State", "completed")
    if state in ("updating", "rollback_started"):
        return False
    running = [t for t in tasks(service) if t["state"] == "running"]
    return len(running) == replicas and all(image.rsplit("/", 1)[-1] == t["image"] for t in running)


def wait_converged(service: Service, replicas: int, image: str, timeout: float = 180) -> list[dict[str, Any]]:
    """Wait until the service runs ``replicas`` healthy tasks of ``image``; return its tasks."""
    waits.until(lambda: converged(service, replicas, image), timeout=timeout, what=f"{service.name} to run {replicas} x {image}", longest=1.0)
    return tasks(service)


def scale(service: Service, replicas: int) -> None:
    """``docker service scale NAME=N``."""
    validate_replicas(replicas)
    service.scale(replicas)


def update_image(service: Service, image: str) -> None:
    """``docker service update --image IMAGE NAME``: a rolling update, one task at a time."""
    service.reload()
    service.update(image=image)


def rollback(service: Service) -> None:
    """``docker service rollback NAME``: back to the previous spec.

    docker-py has no rollback call; this sends the Engine API's ``rollback=previous`` update,
    which is what the CLI does.
    """
    service.reload()
    api = service.client.api
    url = api._url("/services/{0}/update", service.id)
    response = api._post_json(url, data=service.attrs["Spec"], params={"version": service.version, "rollback": "previous"})
    api._raise_for_status(response)


def start_router(cluster: Cluster, service: str, network: str, node: int = 1) -> tuple[Any, str]:
    """Start nginx on node ``node`` routing to ``service``; return (container, URL from here).

    A sandbox node must publish :data:`ROUTER_PORT` (``sandbox.cluster(..., ports=[ROUTER_PORT])``).
    """
    conf = ROUTER_CONF.replace("SERVICE", service).replace("PORT", str(APP_PORT))
    command = ["sh", "-c", "printf '%s' \"$ROUTER_CONF\" > /etc/nginx/conf.d/default.conf && exec nginx -g 'daemon off;'"]
    router = cluster.run_on(
        node,
        "web",
        command,
        name=f"{service}-router",
        network=network,
        options={"ports": {"80/tcp": ROUTER_PORT}, "entrypoint": [], "environment": {"ROUTER_CONF": conf}},
    )
    box = cluster.node(node).sandbox
    address, port = box.reach(ROUTER_PORT) if box else ("127.0.0.1", ROUTER_PORT)
    url = f"http://{address}:{port}/"
    waits.until(lambda: urllib.request.urlopen(url, timeout=3).status == 200, timeout=120, what="the router to serve the app")
    return router, url
