"""Data in containers for chapter 4: volumes, bind mounts, and a registry's storage on the host.

Host folders for bind mounts are made under the state folder (``.cookbook/``, git-ignored)
and removed with :func:`remove_folder`, which also copes with files a container wrote as
another user. Registry pushes and pulls go through the engine (the SDK's ``images.push``
/ ``images.pull``) to a registry on 127.0.0.1, which the engine trusts without TLS.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import docker
import docker.errors
from docker.models.containers import Container

from cookbook import config, labels
from cookbook.errors import BadParameter, CookbookError
from cookbook.recipe import Recipe


def host_folder(purpose: str, recipe: str = "ch4-data") -> Path:
    """Make a fresh empty host folder for a bind mount; return its absolute path.

    It is a :func:`cookbook.labels.scratch` folder: swept with the session even if the
    recipe never reaches :func:`remove_folder` (a crash, an interrupted kernel).
    """
    return labels.scratch(recipe, purpose)


def remove_folder(folder: Path, recipe: Recipe) -> None:
    """Remove a bind-mount folder made by :func:`host_folder`.

    Files a container wrote as root cannot be removed by a non-root reader, so on a
    permission error a busybox container (root inside) empties the folder first.
    """
    try:
        shutil.rmtree(folder)
    except PermissionError:
        recipe.run_to_exit("busybox", ["sh", "-c", "rm -rf /f/* /f/.[!.]*"], volumes=[f"{folder}:/f"])
        shutil.rmtree(folder)
    except FileNotFoundError:
        pass


def validate_mount(container_path: object, mode: object) -> tuple[str, str]:
    """Check the container side of a ``-v HOST:PATH:MODE`` bind mount before anything runs.

    Returns:
        (path, mode).

    Raises:
        BadParameter: The path is not absolute, is ``/``, holds ``:`` or a ``..`` step, or the mode is not rw/ro.
    """
    path = str(container_path).strip()
    if not path.startswith("/"):
        raise BadParameter(f"container path {path!r} is not absolute.", "start it with /, e.g. /mnt/code.")
    if path.rstrip("/") == "":
        raise BadParameter(
            "container path / would hide the container's whole file system.", "use a folder such as /mnt/code."
        )
    if ":" in path or ".." in path.split("/"):
        raise BadParameter(
            f"container path {path!r} holds ':' or '..'.", "use a plain absolute path such as /mnt/code."
        )
    if str(mode) not in ("rw", "ro"):
        raise BadParameter(f"mode {mode!r} is not rw or ro.", "choose rw (read-write) or ro (read-only).")
    return path, str(mode)


def mounts(container: Container) -> list[dict[str, Any]]:
    """The container's mounts as ``docker inspect -f '{{ .Mounts }}'`` lists them, one row each."""
    container.reload()
    rows = []
    for mount in container.attrs.get("Mounts") or []:
        rows.append(
            {
                "type": mount.get("Type", ""),
                "name": (mount.get("Name") or "")[:12],
                "source": _short_source(mount.get("Source", "")),
                "destination": mount.get("Destination", ""),
                "rw": bool(mount.get("RW")),
            }
        )
    return sorted(rows, key=lambda row: row["destination"])


def _short_source(source: str) -> str:
    """Hide the engine's data root and our state folder behind short prefixes (stable outputs)."""
    state = str((config.settings().state_dir).resolve())
    if source.startswith(state):
        return ".cookbook" + source[len(state) :]
    if "/volumes/" in source:
        name, _, rest = source.split("/volumes/", 1)[1].partition("/")
        return f"<docker root>/volumes/{name[:12]}…/{rest}"
    return source


def volume_names(container: Container) -> list[str]:
    """Names of the (anonymous or named) volumes mounted in ``container``."""
    container.reload()
    return [m["Name"] for m in container.attrs.get("Mounts") or [] if m.get("Type") == "volume"]


def volume_exists(client: docker.DockerClient, name: str) -> bool:
    """Whether the engine still holds the volume ``name``."""
    try:
        client.volumes.get(name)
    except docker.errors.NotFound:
        return False
    return True


def tree(folder: Path, depth: int = 8, limit: int = 30) -> str:
    """A ``tree``-like listing of ``folder`` (folders first, at most ``limit`` lines)."""
    lines = [f"{folder.name}/"]

    def walk(path: Path, prefix: str, level: int) -> None:
        entries = sorted(path.iterdir(), key=lambda p: (not p.is_dir(), p.name))
        for i, entry in enumerate(entries):
            last = i == len(entries) - 1
            lines.append(f"{prefix}{'└── ' if last else '├── '}{entry.name}{'/' if entry.is_dir() else ''}")
            if entry.is_dir() and level < depth:
                walk(entry, prefix + ("    " if last else "│   "), level + 1)

    walk(folder, "", 1)
    if len(lines) > limit:
        return "\n".join(lines[:limit] + [f"... ({len(lines) - limit} more lines)"])
    return "\n".join(lines)


def push(client: docker.DockerClient, image: str, registry: str, repository: str, tag: str) -> str:
    """Tag ``image`` as ``registry/repository:tag`` and push it (``docker tag`` + ``docker push``).

    Returns:
        The pushed reference.

    Raises:
        CookbookError: The push failed (the message carries the registry's error).
    """
    reference = f"{registry}/{repository}:{tag}"
    client.images.get(image).tag(f"{registry}/{repository}", tag)
    for chunk in client.images.push(f"{registry}/{repository}", tag=tag, stream=True, decode=True):
        if "error" in chunk:
            raise CookbookError(f"pushing {reference} failed: {chunk['error']}.", "look at the registry's logs.")
    return reference


def pull(client: docker.DockerClient, registry: str, repository: str, tag: str) -> str:
    """Pull ``registry/repository:tag`` (``docker pull``); return the image id.

    Raises:
        CookbookError: The pull failed.
    """
    try:
        return str(client.images.pull(f"{registry}/{repository}", tag=tag).id)
    except docker.errors.APIError as exc:
        raise CookbookError(f"pulling {registry}/{repository}:{tag} failed: {exc.explanation or exc}.") from None


def untag(client: docker.DockerClient, reference: str) -> None:
    """Remove one tag we created (``docker rmi REF``); the image stays while other tags name it."""
    try:
        client.images.remove(reference, noprune=True)
    except docker.errors.ImageNotFound:
        pass
