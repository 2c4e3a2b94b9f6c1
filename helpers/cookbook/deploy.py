"""Blue/green deploys of the sample app behind an nginx router on one engine.

The book's CI recipe ends with ``git push openshift``: the PaaS builds the new version and
swaps it in. Here the same happens on the local engine, behind a router the notebook starts
itself (``docker run -d --name ch5-router --network ch5-ci -p 127.0.0.1::80 cookbook/web``):
:func:`deploy` builds the app image, starts the new container, waits until it is healthy,
copies a configuration pointing at it into the router and reloads nginx gracefully (requests
in flight finish on the old worker processes), and only then removes the old container.
Run as ``python -m cookbook.deploy --settings FILE --source DIR --version REV``, which is
what the CI server's deploy step does.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.errors

from cookbook import containers, engine, imagebuild, waits
from cookbook.errors import CookbookError

ROLE = "dev.cookbook.ch5.role"
APP_PORT = 8000
HEALTH_PROBE = f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{APP_PORT}/healthz', timeout=2)"

ROUTER_CONF_PATH = "/etc/nginx/conf.d/default.conf"
ROUTER_CONF = """\
# Written by cookbook.deploy: every request goes to the current app container.
server {{
    listen 80 default_server;
    location / {{
        proxy_pass http://{backend}:{port};
        proxy_next_upstream error timeout http_502 http_503;
    }}
}}
"""


@dataclass(frozen=True)
class Target:
    """Where deploys go.

    Attributes:
        network: The network the router and the app containers share.
        router: The router container's name (nginx, the catalogue's ``web`` image).
        base: The image reference the app image builds on (Python + Flask).
        repository: The app image's repository (``cookbook/ch5-blueprint``).
        name_prefix: Prefix of app container names.
        labels: Labels of everything deployed (the notebook recipe's labels).
    """

    network: str
    router: str
    base: str
    repository: str
    name_prefix: str
    labels: dict[str, str]

    @classmethod
    def load(cls, settings_file: str | Path) -> Target:
        """Read the ``deploy`` section of the CI settings file."""
        return cls(**json.loads(Path(settings_file).read_text())["deploy"])

    def to_json(self) -> dict[str, Any]:
        """The settings as the CI settings file stores them."""
        return dict(vars(self))


class DeployFailed(CookbookError):
    """A new version could not be deployed (the old one keeps serving)."""


def router_conf(backend: str) -> str:
    """The router's nginx configuration sending every request to ``backend`` (a container name)."""
    return ROUTER_CONF.format(backend=backend, port=APP_PORT)


def configure_router(router: Any, backend: str) -> None:
    """Copy a configuration pointing at ``backend`` into the router (what ``docker cp`` does)."""
    data = router_conf(backend).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo(Path(ROUTER_CONF_PATH).name)
        info.size, info.mode = len(data), 0o644
        tar.addfile(info, io.BytesIO(data))
    if not router.put_archive(str(Path(ROUTER_CONF_PATH).parent), buffer.getvalue()):
        raise DeployFailed(f"could not copy the configuration into {router.name}.")


def build_image(target: Target, source: Path, version: str, client: docker.DockerClient) -> str:
    """``docker build --build-arg BASE=... -t REPO:VERSION SOURCE``; return the tag."""
    tag = f"{target.repository}:{version[:12]}"
    imagebuild.build(
        client,
        tag,
        what=tag,
        path=str(source),
        buildargs={"BASE": target.base, "APP_VERSION": version[:12]},
        labels=target.labels,
    )
    return tag


def deploy(target: Target, source: Path, version: str, client: docker.DockerClient | None = None) -> str:
    """Build ``source`` as ``version`` and swap it in behind the router; return the new container's name.

    Raises:
        DeployFailed: The new container did not become healthy (it is removed; the old one stays).
    """
    client = client or engine.connect()
    print(f"deploy: building {target.repository}:{version[:12]}", flush=True)
    tag = build_image(target, source, version, client)
    name = f"{target.name_prefix}-{version[:12]}"
    print(f"deploy: starting {name}", flush=True)
    # A raw SDK call: this runs in the CI server's process, and the labels must stay the
    # notebook's (containers.run would stamp this short-lived process's session on them).
    new = client.containers.run(
        tag, name=name, detach=True, network=target.network, labels={**target.labels, ROLE: "app"}
    )
    try:
        waits.wait_for(new, waits.ExecOk(["python3", "-c", HEALTH_PROBE]), timeout=60)
    except CookbookError as exc:
        containers.remove(new)
        raise DeployFailed(f"{name} did not become healthy: {exc}", "the old version keeps serving.") from None
    print(f"deploy: {name} is healthy; pointing the router at it (new default.conf, nginx -s reload)", flush=True)
    router = client.containers.get(target.router)
    configure_router(router, name)
    before = worker_pids(router)
    reload = router.exec_run(["nginx", "-s", "reload"])
    if reload.exit_code != 0:
        raise DeployFailed(f"nginx reload failed: {reload.output.decode(errors='replace')}")
    # Old worker processes keep serving (the old config) until their connections end; the old
    # container may only go once they are gone, or a late request would find no backend.
    waits.until(lambda: not before & worker_pids(router), timeout=60, what="nginx's old worker processes to finish")
    host, port = waits.host_port(router, 80)
    waits.until(
        lambda: f"version {version[:12]}" in fetch(f"http://{host}:{port}/"),
        timeout=30,
        what="the router to serve the new version",
    )
    for old in client.containers.list(
        all=True, filters={"label": [f"{ROLE}=app", f"dev.cookbook.session={target.labels['dev.cookbook.session']}"]}
    ):
        if old.name != name:
            print(f"deploy: removing {old.name}", flush=True)
            containers.remove(old)
    print(f"deploy: {name} serves at the router", flush=True)
    return name


def worker_pids(router: Any) -> set[str]:
    """The process ids of nginx's worker processes in the router (``docker top``)."""
    top = router.top()
    pid = top["Titles"].index("PID")
    return {row[pid] for row in top.get("Processes") or [] if "worker process" in " ".join(row)}


def fetch(url: str) -> str:
    """GET ``url`` and return the body ("" on any error)."""
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.read().decode(errors="replace")
    except OSError:
        return ""


def main(argv: list[str] | None = None) -> int:
    """Command line of the CI server's deploy step."""
    parser = argparse.ArgumentParser(prog="python -m cookbook.deploy", description=__doc__.splitlines()[0])
    parser.add_argument("--settings", required=True, help="the CI settings file (its deploy section)")
    parser.add_argument("--source", required=True, help="the checked-out source to build")
    parser.add_argument("--version", required=True, help="the revision being deployed")
    args = parser.parse_args(argv)
    try:
        deploy(Target.load(args.settings), Path(args.source).resolve(), args.version)
    except CookbookError as exc:
        print(exc.line(), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
