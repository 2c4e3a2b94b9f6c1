"""A small PaaS on a Swarm cluster: what the check cells read of a service, and where its route answers.

The book's OpenShift Origin recipes deploy an app as pods managed by a DeploymentConfig and
exposed by an HAProxy router (a Route). The notebook runs the same ideas on Docker Swarm with
Docker's own commands (``docker service create``, ``scale``, ``update``, ``rollback``) and a
route of its own: nginx on node 1 (``data/paas/route.conf``) resolving the service's tasks
through Docker's DNS. This VM kernel has no IPVS, so Swarm's ingress routing mesh and
virtual-IP endpoints do not work here: the service uses ``--endpoint-mode dnsrr``.

This module reads the service's state for the checks (:func:`tasks`, :func:`wait_converged`),
finds the route's address from here (:func:`route_url`), and writes out the OpenShift objects
the same app would have (:func:`openshift_objects`), each with what ran in its place.
"""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass
from typing import Any

from docker.models.services import Service

from cookbook import waits
from cookbook.errors import BadParameter
from cookbook.lab.sandbox import Node

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


@dataclass(frozen=True)
class OpenShiftObject:
    """One object OpenShift v3 would hold for the app, and what ran in its place here.

    Attributes:
        manifest: The object as ``oc create -f`` takes it (apiVersion, kind, metadata, spec).
        here: What did its job in this notebook, in one line.
    """

    manifest: dict[str, Any]
    here: str

    @property
    def kind(self) -> str:
        """``BuildConfig``, ``ImageStream``, ..."""
        return str(self.manifest["kind"])


def openshift_objects(
    *, app: str, builder: str, source: str, image: str, replicas: int, port: int = 8000, host: str = "www.example.com"
) -> list[OpenShiftObject]:
    """The objects of an S2I app on OpenShift v3 (the book's sample-app template), each with its stand-in here.

    Args:
        app: The app's name (the service's, ``ch5-blueprint``).
        builder: The S2I builder image (``cookbook/s2i-python``).
        source: The source folder (``data/apps/blueprint``), uploaded as a binary build's input.
        image: The image the build makes (``cookbook/ch5-s2i-blueprint``): the ImageStream's name is its last part.
        replicas: How many pods the DeploymentConfig keeps.
        port: The port the app listens on.
        host: The route's host name (the book's is ``www.example.com``).
    """
    stream = image.rsplit("/", 1)[-1]
    selector = {"app": app}
    build = {
        "apiVersion": "build.openshift.io/v1", "kind": "BuildConfig", "metadata": {"name": app},
        "spec": {
            "source": {"type": "Binary", "binary": {}},
            "strategy": {"type": "Source", "sourceStrategy": {"from": {"kind": "DockerImage", "name": builder}}},
            "output": {"to": {"kind": "ImageStreamTag", "name": f"{stream}:latest"}},
            "triggers": [{"type": "ConfigChange"}],
        },
    }  # fmt: skip
    images = {"apiVersion": "image.openshift.io/v1", "kind": "ImageStream", "metadata": {"name": stream},
              "spec": {"lookupPolicy": {"local": True}}}  # fmt: skip
    deployment = {
        "apiVersion": "apps.openshift.io/v1", "kind": "DeploymentConfig", "metadata": {"name": app},
        "spec": {
            "replicas": replicas, "selector": dict(selector),
            "strategy": {"type": "Rolling", "rollingParams": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {"metadata": {"labels": dict(selector)}, "spec": {"containers": [
                {"name": app, "image": f"{stream}:latest", "ports": [{"containerPort": port}]}]}},
            "triggers": [{"type": "ConfigChange"}, {"type": "ImageChange", "imageChangeParams": {
                "automatic": True, "containerNames": [app],
                "from": {"kind": "ImageStreamTag", "name": f"{stream}:latest"}}}],
        },
    }  # fmt: skip
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": app},
               "spec": {"selector": selector, "ports": [{"port": port, "targetPort": port}]}}  # fmt: skip
    route = {"apiVersion": "route.openshift.io/v1", "kind": "Route", "metadata": {"name": app},
             "spec": {"host": host, "to": {"kind": "Service", "name": app}, "port": {"targetPort": port}}}  # fmt: skip
    return [
        OpenShiftObject(
            build,
            f"s2i.write_context of {source} (what s2i build --as-dockerfile writes), then "
            f"`docker build -t {image}`; OpenShift: oc start-build {app} --from-dir={source}",
        ),
        OpenShiftObject(images, f"the tag {image}:latest, copied to every node with docker save and docker load"),
        OpenShiftObject(
            deployment,
            f"the Swarm service {app}: --replicas {replicas}, --update-order start-first, "
            f"`docker service update --image {image}`",
        ),  # fmt: skip
        OpenShiftObject(service, f"Docker's DNS name {app} on the overlay network (--endpoint-mode dnsrr)"),
        OpenShiftObject(route, f"nginx on node 1, port {ROUTER_PORT}, resolving {app} (data/paas/route.conf)"),
    ]


def as_yaml(objects: list[OpenShiftObject]) -> str:
    """The objects as one YAML stream (``oc create -f`` reads it), each after a comment saying what ran instead."""
    import yaml  # PyYAML: a dependency of the project

    documents = [f"# here: {item.here}\n" + yaml.safe_dump(item.manifest, sort_keys=False) for item in objects]
    return "---\n".join(documents).rstrip("\n")
