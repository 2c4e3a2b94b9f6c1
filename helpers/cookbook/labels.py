"""Our label namespace, the session id, the open recipes, and the session's scratch folders.

Everything the cookbook creates (containers, networks, volumes, recipe-made images,
sandbox engines) carries :func:`for_recipe` labels; :mod:`cookbook.sweeper` removes resources
by those labels and never anything without them. Catalogue images carry :data:`CATALOGUE`
instead of a session and are only removed when asked for (``cookbook clean --images``).
Nothing here has a side effect: the exit sweep is armed explicitly (:mod:`cookbook.signals`).
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import uuid
from pathlib import Path

NAMESPACE = "dev.cookbook"
MANAGED = f"{NAMESPACE}.managed"
SESSION = f"{NAMESPACE}.session"
RECIPE = f"{NAMESPACE}.recipe"
HOST = f"{NAMESPACE}.host"
PID = f"{NAMESPACE}.pid"
CATALOGUE = f"{NAMESPACE}.catalogue"
IMAGE_REPO = "cookbook/"

_SESSION_ID = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
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


def scratch_root() -> Path:
    """Where every session's scratch folders live (``.cookbook/scratch``)."""
    from cookbook import config  # late import: config is only needed once a folder is asked for

    return config.settings().state_dir.resolve() / "scratch"


def scratch(recipe: str, purpose: str = "files") -> Path:
    """Make a fresh host folder for a recipe's files (bind mounts, certificates, job files).

    Host folders cannot carry labels, so they live under
    ``.cookbook/scratch/<host>_<session>/<recipe>/`` and the sweep removes them with the
    session's (or recipe's) containers (:func:`cookbook.sweeper.sweep`): at the end of the recipe, at exit, and after a crash.

    Args:
        recipe: The recipe the folder belongs to.
        purpose: A word for the folder's name (``registry``, ``certs``).
    """
    parent = scratch_root() / f"{socket.gethostname()}_{_SESSION_ID}" / recipe
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{purpose}-", dir=parent))
