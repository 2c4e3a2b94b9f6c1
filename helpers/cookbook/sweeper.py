"""The sweep: remove what we made, by our labels, and never anything without them.

A reader's own containers, volumes and networks are safe: only resources with the
:data:`~cookbook.labels.MANAGED` and :data:`~cookbook.labels.SESSION` labels (or, when asked for,
catalogue images) are removed, with the session's scratch folders (:func:`cookbook.labels.scratch`).
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import docker
import docker.errors

from cookbook.labels import CATALOGUE, HOST, IMAGE_REPO, MANAGED, PID, RECIPE, SESSION, is_stale, scratch_root


def sweep_scratch(session: str | None = None, recipe: str | None = None, stale_only: bool = False) -> list[str]:
    """Remove scratch folders (see :func:`cookbook.labels.scratch`) of a session, a recipe, or dead sessions."""
    root = scratch_root()
    removed: list[str] = []
    if not root.is_dir():
        return removed
    for folder in sorted(root.iterdir()):
        host, _, owner = folder.name.partition("_")
        if session and owner != session:
            continue
        if stale_only and not is_stale({HOST: host, PID: owner.split("-")[0]}):
            continue
        targets = [folder / recipe] if recipe else [folder]
        for target in targets:
            if target.exists():
                shutil.rmtree(target, ignore_errors=True)
                removed.append(str(target.relative_to(root)))
        if folder.exists() and not any(folder.iterdir()):
            folder.rmdir()
    return removed


@dataclass
class Swept:
    """What a sweep removed, by kind (names or short ids)."""

    containers: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def removed(self) -> dict[str, list[str]]:
        """What was removed, by kind."""
        return {kind: names for kind, names in vars(self).items() if kind != "failed"}

    @property
    def total(self) -> int:
        """How many resources were removed."""
        return sum(len(v) for v in self.removed.values())

    def named(self) -> str:
        """Like ``str()``, with the names of what was removed (folders only counted)."""
        return self._said(names=True)

    def _said(self, names: bool) -> str:
        parts = []
        for kind, removed in self.removed.items():
            if removed:
                listed = f" ({', '.join(sorted(removed))})" if names and kind != "folders" else ""
                parts.append(f"{len(removed)} {kind[:-1] if len(removed) == 1 else kind}{listed}")
        said = "removed " + ", ".join(parts) if parts else "nothing to remove"
        return f"{said}; could not remove {len(self.failed)}: {'; '.join(self.failed)}" if self.failed else said

    def __str__(self) -> str:
        return self._said(names=False)


def _filters(session: str | None, recipe: str | None) -> dict[str, Any]:
    wanted = [f"{MANAGED}=true", SESSION]
    if session:
        wanted.append(f"{SESSION}={session}")
    if recipe:
        wanted.append(f"{RECIPE}={recipe}")
    return {"label": wanted}


def _ours_image(image: Any, stale_only: bool, session: str | None, catalogue: bool) -> bool:
    labels = image.labels or {}
    if labels.get(SESSION) and labels.get(MANAGED) == "true":
        if session and labels.get(SESSION) != session:
            return False
        return is_stale(labels) if stale_only else True
    # Catalogue images: only with their own repository tag, so an image a reader built
    # FROM one of ours (and so inherited its labels) is never removed.
    return catalogue and any(tag.startswith(IMAGE_REPO) for tag in image.tags)


def _remove(action: Callable[[], Any], what: str, failed: list[str]) -> bool:
    """Run a removal; True if it removed something. A refusal is recorded in ``failed``, never dropped."""
    try:
        action()
    except docker.errors.NotFound:
        return False  # gone already (a --rm container, another sweep)
    except docker.errors.APIError as exc:
        said = str(exc.explanation or exc)
        if "already in progress" in said:
            return False
        failed.append(f"{what} ({said})")
        return False
    return True


def sweep(
    client: docker.DockerClient,
    *,
    session: str | None = None,
    recipe: str | None = None,
    stale_only: bool = False,
    images: bool = False,
    folders: bool = True,
) -> Swept:
    """Remove our labelled resources.

    Args:
        client: The engine to sweep.
        session: Only this session's resources (default: every session's).
        recipe: Only this recipe's resources.
        stale_only: Only resources whose session's process is gone (a crashed kernel).
        images: Also remove catalogue images (recipe-made images are always swept).
        folders: Also remove the matching scratch folders on this machine (off when
            sweeping another machine's engine, whose recipe may still use its folders here).

    Returns:
        What was removed (host folders from :func:`cookbook.labels.scratch` included).
    """
    swept = Swept()
    filters = _filters(session, recipe)

    def wanted(labels: dict[str, str] | None) -> bool:
        return not stale_only or is_stale(labels or {})

    for container in client.containers.list(all=True, filters=filters, ignore_removed=True):
        remove = lambda c=container: c.remove(force=True, v=True)  # noqa: E731
        if wanted(container.labels) and _remove(remove, f"container {container.name}", swept.failed):
            swept.containers.append(container.name)
    for network in client.networks.list(filters=filters):
        if wanted(network.attrs.get("Labels")) and _remove(network.remove, f"network {network.name}", swept.failed):
            swept.networks.append(network.name)
    for volume in client.volumes.list(filters=filters):
        remove = lambda v=volume: v.remove(force=True)  # noqa: E731
        if wanted(volume.attrs.get("Labels")) and _remove(remove, f"volume {volume.name}", swept.failed):
            swept.volumes.append(volume.name)
    candidates = {i.id: i for i in client.images.list(filters=_filters(session, recipe))}
    if images and not recipe and not session:
        candidates.update({i.id: i for i in client.images.list(filters={"label": [CATALOGUE]})})
    for image in candidates.values():
        if _ours_image(image, stale_only, session, images and not recipe and not session):
            name = (image.tags or [image.short_id])[0]
            if _remove(functools.partial(client.images.remove, image.id, force=True), f"image {name}", swept.failed):
                swept.images.append(name)
    if folders:
        swept.folders = sweep_scratch(session, recipe, stale_only)
    return swept


def live_sessions(client: docker.DockerClient) -> list[str]:
    """The sessions whose resources are on the engine and whose process still runs (or runs elsewhere)."""
    found: dict[str, dict[str, str]] = {}
    filters = _filters(None, None)
    resources = [c.labels for c in client.containers.list(all=True, filters=filters, ignore_removed=True)]
    resources += [n.attrs.get("Labels") or {} for n in client.networks.list(filters=filters)]
    resources += [v.attrs.get("Labels") or {} for v in client.volumes.list(filters=filters)]
    for owner in resources:
        if owner.get(SESSION) and not is_stale(owner):
            found.setdefault(owner[SESSION], owner)
    return [f"session {session} (process {owner.get(PID, '?')} on {owner.get(HOST, '?')})"
            for session, owner in sorted(found.items())]  # fmt: skip
