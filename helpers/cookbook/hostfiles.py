"""This machine's files in containers, on an engine that may not see them.

A bind mount names a folder on the *engine's* host. With a local engine that is our folder;
with a remote one (or one in a container of its own) the same path names nothing there.
:func:`engine_sees` asks each engine once: a tiny container reads a marker file of ours
through a bind mount. :func:`carry` then turns bind mounts of our own folders (the checkout
and ``.cookbook/``) into files copied into the container before it starts, so recipes that
hand a container a config file or a job file run on any engine. Mounts of the engine host's
own paths (``/sys/fs/cgroup``, ``/var/run``) are left as they are.
"""

from __future__ import annotations

import io
import shutil
import tarfile
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

import docker
import docker.errors
from docker.models.containers import Container
from docker.types import Mount

from cookbook import config, images, labels
from cookbook.errors import CookbookError

PROBE_RECIPE = "hostfiles"
Volumes = Mapping[str, Mapping[str, str]] | Sequence[str]

# Per engine address, for the life of the process: whether that engine sees our files (a fact about
# the engine, asked once with a probe container; a failed probe is not cached).
_seen: dict[str, bool] = {}


LOCAL_SOCKET_URL = "http+docker://localhost"  # how the SDK names an engine behind a unix socket of this machine
MISSING_SOURCE = ("bind source path does not exist", "no such file or directory", "not a directory")


def engine_sees(client: docker.DockerClient) -> bool:
    """Whether ``client``'s engine sees this machine's files at their paths (asked once per engine).

    An engine behind a unix socket of this machine does, without asking. Another one is asked
    with a probe container; a probe that errs raises instead of answering (and nothing is cached),
    so a passing fault never turns a local engine into a remote one.

    Raises:
        CookbookError: The probe failed for another reason than a missing folder.
    """
    key = client.api.base_url
    if key == LOCAL_SOCKET_URL:
        return True
    if key not in _seen:
        _seen[key] = _probe(client)
    return _seen[key]


def _probe(client: docker.DockerClient) -> bool:
    folder = labels.scratch(PROBE_RECIPE, "probe")
    token = uuid.uuid4().hex
    (folder / "marker").write_text(token)
    box = None
    try:
        # type=bind (unlike -v) refuses a missing source instead of creating it on the engine's host.
        box = client.containers.create(
            images.ensure("busybox", client=client),
            ["cat", "/probe/marker"],
            mounts=[Mount("/probe", str(folder), type="bind", read_only=True)],
            labels=labels.for_recipe(PROBE_RECIPE),
        )
        box.start()
        box.wait(timeout=config.settings().wait_timeout)
        return box.logs().decode(errors="replace").strip() == token
    except docker.errors.APIError as exc:
        said = str(exc.explanation or exc)
        if any(words in said.lower() for words in MISSING_SOURCE):
            return False  # the engine's host has no such folder: it is another machine
        raise CookbookError(
            f"cannot tell whether the engine at {key_of(client)} sees this machine's files: {said}.",
            "check that the engine answers (`cookbook doctor`), then run the cell again.",
        ) from None
    finally:
        if box is not None:
            box.remove(force=True)
        shutil.rmtree(folder, ignore_errors=True)


def key_of(client: docker.DockerClient) -> str:
    """The engine's address as the SDK holds it."""
    return str(client.api.base_url)


def is_ours(source: str) -> bool:
    """Whether ``source`` is a path we made or ship (the checkout, the state folder)."""
    path = Path(source)
    if not path.is_absolute() or not path.exists():
        return False
    roots = (config.project_root().resolve(), config.settings().state_dir.resolve())
    return any(path.resolve().is_relative_to(root) for root in roots)


def _as_dict(volumes: Volumes) -> dict[str, dict[str, str]]:
    if isinstance(volumes, Mapping):
        return {source: dict(spec) for source, spec in volumes.items()}
    result: dict[str, dict[str, str]] = {}
    for item in volumes:
        source, _, rest = item.partition(":")
        target, _, mode = rest.partition(":")
        result[source] = {"bind": target, "mode": mode or "rw"} if target else {"bind": source, "mode": "rw"}
    return result


def carry(volumes: Volumes | None, client: docker.DockerClient) -> tuple[Volumes | None, dict[str, Path]]:
    """Split ``volumes`` into what the engine can mount and our files to copy in instead.

    Returns:
        (volumes to pass to the engine, ``{container path: our path}`` to copy before start).
        With an engine that sees our files both are unchanged / empty.
    """
    if not volumes:
        return volumes, {}
    wanted = _as_dict(volumes)
    ours = {source: spec for source, spec in wanted.items() if is_ours(source)}
    if not ours or engine_sees(client):
        return volumes, {}
    kept = {source: spec for source, spec in wanted.items() if source not in ours}
    return kept or None, {spec["bind"]: Path(source) for source, spec in ours.items()}


def copy_in(container: Container, files: Mapping[str, Path]) -> None:
    """Copy our files and folders into a created container at the given paths (as a bind mount would show them)."""
    if not files:
        return
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for target, source in files.items():
            tar.add(str(source), arcname=target.strip("/"))
    container.put_archive("/", buffer.getvalue())
