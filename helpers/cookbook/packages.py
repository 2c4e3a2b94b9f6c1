"""The Debian package versions inside each catalogue image, recorded in the image itself.

Two machines can build the same recipe (the same ``cookbook/NAME:HASH`` tag) on different days
and get different package versions from the Debian mirror. So every local catalogue image carries
a label, ``dev.cookbook.packages``, listing ``package=version`` for every package it holds (read
with ``dpkg-query`` right after the build). ``cookbook images list --versions`` and the run report
show the packages each recipe installs itself (its ``apt-get install`` line) with their versions.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping

import docker
import docker.errors

from cookbook import imagebuild, images, labels

LABEL = f"{labels.NAMESPACE}.packages"
QUERY = r"dpkg-query -W -f '${Package}=${Version}\n' 2>/dev/null || busybox 2>&1 | head -1"
BASE_SYSTEM = ("base-files", "libc6", "dpkg", "apt", "bash")  # what a debootstrap image is about


def recipe_packages(name: str) -> list[str]:
    """The packages a catalogue recipe installs itself (its Dockerfile's ``apt-get install``)."""
    item = images.entry(name)
    dockerfile = item.folder / "Dockerfile"
    if not dockerfile.is_file():
        return list(BASE_SYSTEM)
    text = dockerfile.read_text().replace("\\\n", " ")
    found: list[str] = []
    for command in re.findall(r"apt-get install ([^&\n]*)", text):
        found += [word for word in command.split() if not word.startswith("-")]
    return found


def parse(text: str) -> dict[str, str]:
    """``package=version`` lines (or BusyBox's banner, for an image without dpkg) as a mapping."""
    banner = re.search(r"BusyBox v\S+ \(Debian ([^)]+)\)", text)
    if banner:
        return {"busybox-static": banner.group(1)}
    pairs = (line.split("=", 1) for line in text.split() if "=" in line)
    return {package: version for package, version in pairs}


def _query(client: docker.DockerClient, reference: str) -> dict[str, str]:
    output = client.containers.run(
        reference, ["sh", "-c", QUERY], entrypoint=[], remove=True, labels=labels.for_recipe("images")
    )
    return parse(output.decode(errors="replace"))


def record(client: docker.DockerClient, name: str, reference: str) -> dict[str, str]:
    """Label the image ``reference`` with the versions of all its packages (once); return them."""
    image = client.images.get(reference)
    held = (image.labels or {}).get(LABEL)
    if held is not None:
        return parse(held)
    versions = _query(client, reference)
    value = " ".join(f"{package}={version}" for package, version in sorted(versions.items()))
    dockerfile = io.BytesIO(f"FROM {reference}\n".encode())
    imagebuild.build(client, reference, what=name, fileobj=dockerfile, labels={LABEL: value})
    images.point_latest(client, name, reference)
    return versions


def of(client: docker.DockerClient, name: str) -> dict[str, str]:
    """The versions of the packages catalogue image ``name`` installs itself ("" for one not installed)."""
    reference = images.local_reference(name)
    try:
        held = record(client, name, reference)  # an image built before versions were recorded gets them now
    except docker.errors.ImageNotFound:
        return {}
    return {package: held.get(package, "") for package in recipe_packages(name)}


def summary(client: docker.DockerClient) -> Mapping[str, dict[str, str]]:
    """Every built catalogue image's own packages and their versions."""
    return {name: versions for name in sorted(images.catalogue()) if (versions := of(client, name))}
