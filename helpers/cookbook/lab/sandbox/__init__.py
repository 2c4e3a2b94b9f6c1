"""Disposable Docker engines (Docker-in-Docker) with chosen daemon flags, and Swarm clusters of them.

A recipe that needs a daemon started its own way (a TCP or TLS API, IPv6, another storage
driver) or several hosts gets them here, and the reader's own engine is never reconfigured::

    with sandbox.engine(storage_driver="vfs") as box:
        box.client.info()["Driver"]              # 'vfs'

    with sandbox.cluster(3) as swarm:
        swarm.overlay("backend")
        swarm.run_on(3, "busybox", "sleep 600", name="db", network="backend")
        swarm.run_on(2, "busybox", "ping -c 3 db", network="backend").wait()

A sandbox is a ``dockerd`` in a container of the catalogue's ``dind`` image. It listens on a TCP
port published on a free port of the engine's publish address (127.0.0.1 for a local engine),
its ``/var/lib/docker`` is a volume, and its certificates live in a scratch folder of its own
(:func:`cookbook.labels.scratch`), mounted or, on a remote engine, copied in
(:mod:`cookbook.hostfiles`). On a remote engine the API is published beyond loopback, so a
sandbox there always speaks TLS. Everything carries our labels, so :func:`cookbook.sweeper.sweep`
removes what a crashed kernel left behind; :meth:`Sandbox.close` (or the end of a ``with``
block) removes it at once.

A daemon can also wait for a file before it starts, as a host's ``docker.service`` waits for
``flanneld`` (systemd's ``EnvironmentFile=``): ``engine(environment_file=...)`` returns while
the sandbox's container runs and its daemon waits; write the file, then :meth:`Sandbox.wait`.

A cluster is a Swarm: node 1 is the manager, the others join it. Its nodes are sandboxes on a
private network of ours, or the reader's own engines (``COOKBOOK_ENGINES``, TCP+TLS URLs, with
the client certificates in ``COOKBOOK_ENGINES_CERT_PATH``). This VM kernel has no IPVS: Swarm's
routing mesh and virtual-IP service endpoints do not work here, overlay networks do. Services
need ``endpoint_spec=EndpointSpec(mode="dnsrr")`` and ports published in ``host`` mode.

Modules: :mod:`.daemon` (flags, readiness, certificates), :mod:`.copying` (images between
engines), :mod:`.boxes` (one sandbox's lifecycle), :mod:`.swarms` (clusters).
"""

from cookbook.lab.sandbox.boxes import Sandbox, engine
from cookbook.lab.sandbox.copying import copy_image
from cookbook.lab.sandbox.daemon import (
    CERTS_DIR,
    IMAGE,
    MAX_SANDBOX_NODES,
    PLAIN_PORT,
    SWARM_PORT,
    TLS_PORT,
    DaemonAnswers,
    after_environment,
    daemon_flags,
)
from cookbook.lab.sandbox.swarms import Cluster, Node, cluster, swarm

__all__ = [
    "CERTS_DIR",
    "IMAGE",
    "MAX_SANDBOX_NODES",
    "PLAIN_PORT",
    "SWARM_PORT",
    "TLS_PORT",
    "Cluster",
    "DaemonAnswers",
    "Node",
    "Sandbox",
    "after_environment",
    "cluster",
    "copy_image",
    "daemon_flags",
    "engine",
    "swarm",
]
