"""How an image is made: the one ``docker build`` wrapper, and the debootstrap import.

:func:`build` is the only place the cookbook builds an image through the engine (the catalogue,
chapter 5's deploy target, the package-version label); every failure is an
:class:`~cookbook.errors.ImageBuildError` naming the step. :func:`debootstrap` makes the
``debian*`` base images without a registry.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO

import docker
import docker.errors
from tqdm.auto import tqdm

from cookbook import config
from cookbook.errors import ImageBuildError


def progress(total: int, name: str) -> tqdm:
    """A progress bar on stderr for building ``name`` in ``total`` steps (gone when done)."""
    return tqdm(total=total, desc=f"building {name}", unit="step", file=sys.stderr, leave=False)


def build(
    client: docker.DockerClient,
    tag: str,
    *,
    what: str,
    path: str | None = None,
    fileobj: IO[bytes] | None = None,
    buildargs: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    timeout: int | None = None,
    show_progress: bool = False,
) -> None:
    """``docker build -t TAG`` of a folder (``path``) or a Dockerfile (``fileobj``); tagged only on success.

    Args:
        client: The engine.
        tag: The reference to tag the image with.
        what: The name errors give the image (a catalogue name, or the tag).
        path: The build context folder.
        fileobj: A Dockerfile, instead of a folder.
        buildargs: ``--build-arg`` values.
        labels: Labels for the image.
        timeout: Seconds the engine may take (default: docker-py's).
        show_progress: Show a progress bar of the Dockerfile's steps on stderr.

    Raises:
        ImageBuildError: A step failed, or the engine refused the build (with the step and the output's end).
    """
    tail: list[str] = []
    step = "starting the build"
    bar: tqdm | None = None
    extra = {"timeout": timeout} if timeout is not None else {}
    try:
        stream = client.api.build(
            path=path,
            fileobj=fileobj,
            tag=tag,
            buildargs=buildargs,
            labels=labels,
            rm=True,
            forcerm=True,
            decode=True,
            **extra,
        )
        for chunk in stream:
            if "error" in chunk:
                detail = chunk.get("errorDetail", {}).get("message") or chunk["error"]
                tail.append(str(detail))
                raise ImageBuildError(what, step, "\n".join(tail[-20:]))
            text = str(chunk.get("stream", ""))
            found = re.match(r"Step (\d+)/(\d+) : (.*)", text)
            if found:
                step = found.group(3).strip()
                if show_progress:
                    if bar is None:
                        bar = progress(int(found.group(2)), what)
                    bar.n = int(found.group(1)) - 1
                    bar.set_postfix_str(step[:40], refresh=True)
            for line in text.splitlines():
                if line.strip():
                    tail = (tail + [line])[-40:]
    except docker.errors.APIError as exc:
        raise ImageBuildError(what, step, str(exc.explanation or exc)) from None
    finally:
        if bar is not None:
            bar.close()


def host_mirror(apt: Path = Path("/etc/apt")) -> str:
    """The Debian mirror this host's apt uses ("" when none is found).

    Args:
        apt: apt's configuration folder (``sources.list`` and ``sources.list.d/``, one-line or deb822).
    """
    setting = config.settings().debian_mirror
    if setting:
        return setting
    candidates = [apt / "sources.list", *sorted((apt / "sources.list.d").glob("*"))]
    for path in candidates:
        try:
            text = path.read_text()
        except OSError:
            continue
        found = re.search(r"^URIs:\s*(\S+/debian)\s*$", text, re.M) or re.search(
            r"^deb\s+(?:\[[^\]]*\]\s+)?(\S+/debian)\s", text, re.M
        )
        if found:
            return found.group(1)
    return ""


def debootstrap(client: docker.DockerClient, name: str, suite: str, reference: str, labels: dict[str, str]) -> None:
    """Make image ``name`` from ``debootstrap --variant=minbase SUITE`` and ``docker import``, tagged ``reference``."""
    if shutil.which("debootstrap") is None:
        raise ImageBuildError(name, "debootstrap", "debootstrap is not installed (apt-get install debootstrap).")
    if os.geteuid() != 0:
        raise ImageBuildError(
            name,
            "debootstrap",
            "debootstrap needs root. Run `sudo cookbook images build debian`, or use --policy upstream online.",
        )
    suite = suite or "bookworm"
    with tempfile.TemporaryDirectory(prefix="cookbook-rootfs-") as folder:
        root = Path(folder) / "rootfs"
        command = ["debootstrap", "--variant=minbase", suite, str(root)]
        if host_mirror():
            command.append(host_mirror())
        with progress(2, name) as bar:
            bar.set_postfix_str(f"debootstrap {suite}", refresh=True)
            done = subprocess.run(command, capture_output=True, text=True, timeout=config.settings().build_timeout)
            if done.returncode != 0:
                tail = "\n".join((done.stdout + done.stderr).splitlines()[-20:])
                raise ImageBuildError(name, " ".join(command), tail)
            _prepare_rootfs(root, suite)
            bar.update(1)
            bar.set_postfix_str("docker import", refresh=True)
            _import(client, name, root, reference, labels)
            bar.update(1)


APT_CLEAN = """\
# Drop downloaded packages after every install, as the official Debian images do:
# without this each apt layer of a Dockerfile keeps its .deb files.
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
"""


def _prepare_rootfs(root: Path, suite: str) -> None:
    """Make the debootstrapped tree a good base image.

    Adds the suite's updates and security sources (the same mirror host), apt settings that
    keep layers small, and a ``policy-rc.d`` so that packages never try to start services
    during a build; drops apt's downloaded lists and archives.
    """
    sources = root / "etc/apt/sources.list"
    first = next((line.split() for line in sources.read_text().splitlines() if line.startswith("deb ")), None)
    if first and len(first) >= 3:
        mirror = first[1].rstrip("/")
        extra = [f"deb {mirror} {suite}-updates main"]
        if mirror.endswith("/debian"):
            extra.append(f"deb {mirror}-security {suite}-security main")
        sources.write_text(sources.read_text().rstrip("\n") + "\n" + "\n".join(extra) + "\n")
    (root / "etc/apt/apt.conf.d/docker-clean").write_text(APT_CLEAN)
    policy = root / "usr/sbin/policy-rc.d"
    policy.write_text("#!/bin/sh\n# No service starts while an image is built.\nexit 101\n")
    policy.chmod(0o755)
    for folder in (root / "var/cache/apt/archives", root / "var/lib/apt/lists"):
        for path in folder.glob("*"):
            if path.is_file():
                path.unlink()


def _import(client: docker.DockerClient, name: str, root: Path, reference: str, labels: dict[str, str]) -> None:
    """``tar -c ROOT | docker import``: tagged only once tar and the import both succeeded."""
    repository, tag = reference.rsplit(":", 1)
    changes = ['CMD ["bash"]', "ENV DEBIAN_FRONTEND=noninteractive"]
    changes += [f'LABEL "{k}"="{v}"' for k, v in labels.items()]
    with tempfile.TemporaryFile() as errors:
        with subprocess.Popen(["tar", "-C", str(root), "--numeric-owner", "-c", "."], stdout=subprocess.PIPE,
                              stderr=errors) as tar:  # fmt: skip
            try:
                answer = client.api.import_image_from_stream(tar.stdout, changes=changes)
            except docker.errors.APIError as exc:
                tar.kill()
                raise ImageBuildError(name, "docker import", str(exc.explanation or exc)) from None
        image_id = imported_id(str(answer))
        if tar.returncode != 0:
            if image_id:
                client.images.remove(image_id, force=True)
            errors.seek(0)
            tail = "\n".join(errors.read().decode(errors="replace").splitlines()[-10:])
            raise ImageBuildError(name, "tar of the root file system", f"tar exited with {tar.returncode}\n{tail}")
    if not image_id:
        raise ImageBuildError(name, "docker import", f"the engine named no image: {answer!r}")
    client.images.get(image_id).tag(repository, tag)


def imported_id(answer: str) -> str:
    """The image id in the engine's answer to an import (JSON lines with ``{"status": "sha256:..."}``)."""
    found = re.findall(r"sha256:[0-9a-f]{64}", answer)
    return found[-1] if found else ""
