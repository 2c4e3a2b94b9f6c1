"""Our label namespace, the session id, and the sweep that removes what we made.

Everything the cookbook creates (containers, networks, volumes, recipe-made images,
sandbox engines) carries :func:`for_recipe` labels. :func:`sweep` removes resources
by those labels and never anything without them: a reader's own containers, volumes
and networks are safe. Catalogue images carry :data:`CATALOGUE` instead of a session
and are only removed when asked for (``cookbook clean --images``).
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import signal
import socket
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors

NAMESPACE = "dev.cookbook"
MANAGED = f"{NAMESPACE}.managed"
SESSION = f"{NAMESPACE}.session"
RECIPE = f"{NAMESPACE}.recipe"
HOST = f"{NAMESPACE}.host"
PID = f"{NAMESPACE}.pid"
CATALOGUE = f"{NAMESPACE}.catalogue"
IMAGE_REPO = "cookbook/"

_SESSION_ID = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
_exit_sweep_installed = False
_lock = threading.Lock()
_open_recipes: list[str] = []


def session_id() -> str:
    """Return this process's (this kernel's) session id."""
    return _SESSION_ID


def open_recipe(recipe: str) -> None:
    """Make ``recipe`` the current one: what the executor's commands are labelled with by default."""
    with _lock:
        if recipe in _open_recipes:
            _open_recipes.remove(recipe)
        _open_recipes.append(recipe)


def close_recipe(recipe: str) -> None:
    """``recipe`` is closed: the one opened before it is current again."""
    with _lock:
        if recipe in _open_recipes:
            _open_recipes.remove(recipe)


def current_recipe() -> str:
    """The recipe opened last and not closed yet (``adhoc`` when there is none)."""
    with _lock:
        return _open_recipes[-1] if _open_recipes else "adhoc"


def for_recipe(recipe: str = "adhoc", **extra: str) -> dict[str, str]:
    """Return the labels a resource made for ``recipe`` in this session carries.

    Args:
        recipe: The recipe's short name (``publish-ports``).
        **extra: More labels to merge in (ours win on clashes).
    """
    install_exit_sweep()
    return {
        **extra,
        MANAGED: "true",
        SESSION: _SESSION_ID,
        RECIPE: recipe,
        HOST: socket.gethostname(),
        PID: str(os.getpid()),
    }


def catalogue_labels(name: str, digest: str) -> dict[str, str]:
    """Labels of a catalogue image: kept across sessions, removed by ``clean --images``.

    They carry no :data:`MANAGED` label on purpose: containers inherit their image's
    labels, and a reader's own container made from one of our images is not ours.
    """
    return {CATALOGUE: name, f"{NAMESPACE}.recipe-hash": digest}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_stale(labels: dict[str, str]) -> bool:
    """Whether a resource's session is dead: made on this host by a process that is gone."""
    if labels.get(HOST) != socket.gethostname():
        return False
    try:
        pid = int(labels.get(PID, ""))
    except ValueError:
        return True
    return pid != os.getpid() and not _pid_alive(pid)


def _scratch_root() -> Path:
    from cookbook import config  # late import: config is only needed once a folder is asked for

    return config.settings().state_dir.resolve() / "scratch"


def scratch(recipe: str, purpose: str = "files") -> Path:
    """Make a fresh host folder for a recipe's files (bind mounts, certificates, job files).

    Host folders cannot carry labels, so they live under
    ``.cookbook/scratch/<host>_<session>/<recipe>/`` and :func:`sweep` removes them with the
    session's (or recipe's) containers: at the end of the recipe, at exit, and after a crash.

    Args:
        recipe: The recipe the folder belongs to.
        purpose: A word for the folder's name (``registry``, ``certs``).
    """
    install_exit_sweep()
    parent = _scratch_root() / f"{socket.gethostname()}_{_SESSION_ID}" / recipe
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{purpose}-", dir=parent))


def sweep_scratch(session: str | None = None, recipe: str | None = None, stale_only: bool = False) -> list[str]:
    """Remove scratch folders (see :func:`scratch`) of a session, a recipe, or dead sessions."""
    root = _scratch_root()
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
        What was removed (host folders from :func:`scratch` included).
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


def _exit_sweep() -> None:
    from cookbook import engine  # late import: labels must not need an engine to be imported

    try:
        sweep(engine.connect(), session=_SESSION_ID)
    except Exception:  # at exit nothing can be reported; the next start's stale sweep catches it
        pass


def install_exit_sweep() -> None:
    """Make sure this session's resources are removed when the process exits.

    Registers an atexit hook once, and turns SIGTERM (how Jupyter stops a kernel when
    a polite shutdown fails) into a normal exit so that the hook runs.
    """
    global _exit_sweep_installed
    with _lock:
        if _exit_sweep_installed:
            return
        _exit_sweep_installed = True
    atexit.register(_exit_sweep)
    if threading.current_thread() is threading.main_thread():
        if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
            signal.signal(signal.SIGTERM, _exit_on_sigterm)


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)
