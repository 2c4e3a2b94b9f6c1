"""Data in containers for chapter 4: host folders for bind mounts, volumes, and the bind-mount form.

Host folders for bind mounts are made under the state folder (``.cookbook/``, git-ignored)
and removed with :func:`remove_folder`, which also copes with files a container wrote as
another user. The recipe cells run the ``docker`` commands themselves (through the executor).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from docker.models.containers import Container

from cookbook import labels, shell
from cookbook.errors import BadParameter
from cookbook.reader.recipe import Recipe


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


def volume_names(container: Container) -> list[str]:
    """Names of the (anonymous or named) volumes mounted in ``container``."""
    container.reload()
    return [m["Name"] for m in container.attrs.get("Mounts") or [] if m.get("Type") == "volume"]


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


def mount_form(recipe: Recipe) -> Any:
    """A form: bind-mount a fresh host folder at a path and mode of the reader's choice.

    Run lists the folder in a container, then tries to write a file into it (which fails on a
    read-only mount); each value reaches the CLI as one argument, never through a shell. The
    folder is removed afterwards.
    """
    from cookbook.reader.widgets import Form, field

    def mount(container_path: str, mode: str) -> None:
        path, mode = validate_mount(container_path, mode)
        folder = host_folder("form", recipe.name)
        (folder / "hello.txt").write_text("written on the host\n")
        spec = f"{folder}:{path}:{mode}"
        try:
            shell.docker(["run", "--rm", "-v", spec, "cookbook/busybox", "ls", "-l", path])
            shell.docker(
                ["run", "--rm", "-v", spec, "cookbook/busybox", "touch", f"{path}/from-container"], check=False
            )
        finally:
            remove_folder(folder, recipe)

    inputs = {"container_path": field("container_path", "/mnt/code"), "mode": field("mode", ("ro", "rw"))}
    return Form("Bind-mount a fresh host folder", inputs, mount, validate_mount)
