""" "Your turn": an exercise at the end of each recipe, checked against the engine's live state.

A recipe's last cells show a task (:func:`show`) with a **Check** button, and an empty ``%%docker``
cell below it for the reader's commands. Check asks a checker, which reads the engine's state (and
probes a service, or a variable of the notebook, where the task needs it): it answers ✔, or one line
saying what is still wrong; a second press after a miss also shows a hint. A headless run leaves
the tasks unsolved and never waits for them.

What an exercise asks the reader to make carries a name starting with :data:`PREFIX` (``cb-ex-``):
the checker looks for those names, and :func:`clean` removes what carries them, whether it was made
in the notebook (which labels it anyway) or in a terminal. Nothing else of the reader's is touched.
A checker is Python (``ch4.py`` ... ``ch7.py``, registered by :func:`exercise`); the words live in
``data/exercises/<key>.toml``: the recipe it closes, the task and the hint the notebook shows, and a
reference solution with a typical wrong answer, which the notebooks never show and the tests run.
"""

from __future__ import annotations

import html
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors

from cookbook import config
from cookbook.errors import CookbookError

PREFIX = "cb-ex-"


class NotYet(Exception):
    """What is still wrong with the reader's answer, in one line (raised by a checker)."""


@dataclass(frozen=True)
class Context:
    """What a checker may look at.

    Attributes:
        client: The reader's engine.
        namespace: The notebook's variables (a sandbox ``box``, an answer the task asks to keep).
    """

    client: docker.DockerClient
    namespace: Mapping[str, Any] = field(default_factory=dict)

    def engine(self, name: str = "box") -> docker.DockerClient:
        """The SDK client of the sandbox the notebook calls ``name`` (or the reader's engine without one)."""
        box = self.namespace.get(name)
        return box.client if box is not None else self.client

    def container(self, name: str, on: str | None = None) -> Any:
        """The container ``name`` (on the notebook's sandbox ``on``, if given).

        Raises:
            NotYet: There is no such container.
        """
        client = self.engine(on) if on else self.client
        try:
            return client.containers.get(name)
        except docker.errors.NotFound:
            raise NotYet(f"there is no container named {name} yet.") from None

    def running(self, name: str, command: str = "") -> Any:
        """The container ``name``, which must be running.

        Args:
            name: The container's name.
            command: A command that keeps running, named in the message (``sleep 600``), if any.

        Raises:
            NotYet: There is no such container, or it is not running.
        """
        made = self.container(name)
        if made.status != "running":
            example = f" ({command})" if command else ""
            raise NotYet(f"{name} is {made.status}: give it a command that keeps running{example}.")
        return made


def host_port(ports: Mapping[str, Any], inner: str, host_ip: str, missing: str) -> str:
    """The host port that publishes the container's port ``inner`` on ``host_ip``.

    Args:
        ports: The container's ``NetworkSettings.Ports``.
        inner: The container's port and protocol (``8080/tcp``).
        host_ip: The host address it must be published on.
        missing: What :class:`NotYet` says where ``inner`` is not published at all.

    Raises:
        NotYet: ``inner`` is not published, or is published on another address.
    """
    bindings = ports.get(inner) or []
    if not bindings:
        raise NotYet(missing)
    if bindings[0].get("HostIp") != host_ip:
        raise NotYet(f"{inner} is published on {bindings[0].get('HostIp') or 'every interface'}, not {host_ip}.")
    return str(bindings[0]["HostPort"])


Checker = Callable[[Context], str]


@dataclass(frozen=True)
class Exercise:
    """One "Your turn" task.

    Attributes:
        key: Its name (``ch6-top-ps-args``), also the name of its file in ``data/exercises/``.
        recipe: The recipe it closes (its name in the notebook).
        task: What to do, in Markdown.
        hint: What a second miss shows.
        check: Returns what the reader achieved (a line for the ✔) or raises :class:`NotYet`.
    """

    key: str
    recipe: str
    task: str
    hint: str
    check: Checker

    def verdict(self, context: Context) -> tuple[bool, str]:
        """(solved, the line to show)."""
        try:
            return True, f"✔ {self.check(context)}"
        except NotYet as exc:
            return False, f"not yet: {exc}"


TEXTS = ("recipe", "task", "hint")
_CHECKERS: dict[str, Checker] = {}


class ExerciseFileError(CookbookError):
    """An exercise's file (``data/exercises/<key>.toml``) is missing, or lacks a text the notebook shows."""


def exercise(key: str) -> Callable[[Checker], Checker]:
    """Register the decorated checker as exercise ``key`` (its texts are read later, from its file)."""

    def register(check: Checker) -> Checker:
        _CHECKERS[key] = check
        return check

    return register


def _checkers() -> dict[str, Checker]:
    from cookbook.reader.exercises import ch4, ch5, ch6, ch7  # noqa: F401 - importing a chapter registers its checkers

    return _CHECKERS


def everything() -> dict[str, Exercise]:
    """Every exercise of every chapter, by key.

    Raises:
        ExerciseFileError: An exercise's file is missing or incomplete.
    """
    return {key: _build(key, check) for key, check in _checkers().items()}


def get(key: str) -> Exercise:
    """The exercise ``key``.

    Raises:
        KeyError: There is none.
        ExerciseFileError: Its file is missing or incomplete.
    """
    return _build(key, _checkers()[key])


def solution(key: str) -> dict[str, Any]:
    """The whole file of exercise ``key``: the texts the notebook shows (``recipe``, ``task``, ``hint``),
    the reference solution's ``docker`` commands and Python lines, and a typical wrong answer with what
    the checker says to it.

    Raises:
        ExerciseFileError: There is no such file.
    """
    path = _path(key)
    try:
        return tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ExerciseFileError(f"there is no {path}.", "write its recipe, task and hint there.") from None


def _path(key: str) -> Path:
    """``data/exercises/<key>.toml``."""
    return config.project_root() / "data" / "exercises" / f"{key}.toml"


def _build(key: str, check: Checker) -> Exercise:
    """The exercise ``key``: ``check`` and the texts of its file.

    Raises:
        ExerciseFileError: The file is missing, or one of the texts is missing or empty.
    """
    table = solution(key)
    for name in TEXTS:
        if not isinstance(table.get(name), str) or not table[name].strip():
            raise ExerciseFileError(f"{_path(key)} has no {name}.", f'add {name} = "..." at its top.')
    return Exercise(key, table["recipe"], table["task"], table["hint"], check)


def clean(client: docker.DockerClient) -> list[str]:
    """Remove every container, network, volume, image tag and ``.cookbook/`` file whose name starts with
    ``cb-ex-``; say which."""
    removed: list[str] = []
    for container in client.containers.list(all=True, filters={"name": PREFIX}):
        if container.name.startswith(PREFIX):
            container.remove(force=True, v=True)
            removed.append(f"container {container.name}")
    for network in client.networks.list(names=[PREFIX]):
        if network.name.startswith(PREFIX):
            network.remove()
            removed.append(f"network {network.name}")
    for volume in client.volumes.list(filters={"name": PREFIX}):
        if volume.name.startswith(PREFIX):
            volume.remove(force=True)
            removed.append(f"volume {volume.name}")
    for image in client.images.list():
        for tag in image.tags:
            if tag.startswith(PREFIX):
                client.images.remove(tag)
                removed.append(f"image {tag}")
    for path in sorted(config.settings().state_dir.glob(f"{PREFIX}*")):
        if path.is_file():
            path.unlink()
            removed.append(f"file .cookbook/{path.name}")
    return removed


def show(key: str) -> Any:
    """The task of exercise ``key`` with its Check button (in a notebook: the cell's last expression)."""
    from IPython import get_ipython

    from cookbook import engine

    item = get(key)
    shell = get_ipython()
    namespace = shell.user_ns if shell is not None else {}
    return Panel(item, lambda: Context(engine.connect(), namespace))


class Panel:
    """The task, a Check button, and the verdict under it (a hint after a second miss)."""

    def __init__(self, item: Exercise, context: Callable[[], Context]) -> None:
        import ipywidgets as w

        self.item = item
        self.context = context
        self.misses = 0
        self.button = w.Button(description="Check", icon="check", tooltip=f"Check: {item.key}")
        self.verdict = w.HTML("")
        self.button.on_click(lambda _: self.check())
        from IPython.display import Markdown

        self.task = Markdown(f"**Your turn** ({item.key}). {item.task}")
        self.widget = w.VBox([self.button, self.verdict])

    def check(self) -> tuple[bool, str]:
        """Ask the checker; show ✔ or what is still wrong (and the hint, from the second miss on)."""
        solved, line = self.item.verdict(self.context())
        if not solved:
            self.misses += 1
            if self.misses >= 2:
                line += f" Hint: {self.item.hint}"
        colour = "var(--jp-success-color1, #176f2c)" if solved else "var(--jp-warn-color1, #b35900)"
        self.verdict.value = f"<span style='color:{colour}'>{html.escape(line)}</span>"
        return solved, line

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.task, self.widget)

    def __repr__(self) -> str:
        return f"Your turn ({self.item.key}): press Check in JupyterLab"
