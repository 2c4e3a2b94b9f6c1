"""The pipeline file (Drone's ``.drone.yml``): parsed, checked, its matrix resolved to local images."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import docker
import docker.errors

from cookbook import images
from cookbook.errors import BadParameter

PIPELINE_FILE = ".drone.yml"
DEPLOY_TARGETS = ("router",)


@dataclass(frozen=True)
class Step:
    """One step of a matrix build: its name and the shell commands it runs, in order.

    Attributes:
        name: The step's name (unique in the file).
        commands: What it runs in the build's container; the first that fails ends the build.
    """

    name: str
    commands: tuple[str, ...]


@dataclass(frozen=True)
class Pipeline:
    """The pipeline file (``.drone.yml``): what the CI server runs for each push.

    Its shape is Drone's: ``steps`` with a ``name``, an ``image`` and ``commands``, a step run
    ``when: {status: success}``, and Drone 0.8's ``matrix`` (``include:`` a list of variable
    sets, filled into ``${NAME}``). Two keys are this server's own: ``archive`` (Shippable's, a
    file each build leaves, kept on the server) and a step's ``deploy: router`` (the server
    builds the app image and swaps it in behind the router).

    Attributes:
        name: The pipeline's name.
        matrix: Build name → image: one build per matrix entry, in a fresh container of its image.
        variables: Build name → the matrix variables of that build (its steps' environment too).
        steps: The steps every matrix build runs, in order, in its one container.
        archive: A file each matrix build leaves, kept on the server ("" for none).
        deploy: Whether a deploy step runs once every matrix build passed.
    """

    name: str
    matrix: dict[str, str]
    variables: dict[str, dict[str, str]]
    steps: tuple[Step, ...]
    archive: str
    deploy: bool

    @classmethod
    def parse(cls, text: str) -> Pipeline:
        """Read and check a pipeline file's text.

        Raises:
            BadParameter: The file is not a pipeline this server runs; the message is one line
                that names the key at fault.
        """
        import yaml  # PyYAML comes with Buildbot

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise _bad(f"not valid YAML{where}: {problem}.") from None
        if not isinstance(data, dict):
            raise _bad("no keys: give steps (and a matrix).")
        unknown = sorted(set(data) - set(TOP_KEYS))
        if unknown:
            raise _bad(f"unknown key {unknown[0]!r}{_did_you_mean(unknown[0], TOP_KEYS)}.")
        if data.get("kind", "pipeline") != "pipeline":
            raise _bad(f"kind is {data.get('kind')!r}: this server runs kind: pipeline.")
        entries = _matrix_entries(data.get("matrix"))
        steps, deploy, images = _steps(data.get("steps"))
        if not steps:
            raise _bad("no step runs commands in the matrix builds.")
        matrix: dict[str, str] = {}
        variables: dict[str, dict[str, str]] = {}
        for entry in entries:
            wanted = {_fill(image, entry, name) for name, image in images}
            if len(wanted) > 1:
                raise _bad(f"the steps of one build name {len(wanted)} images ({', '.join(sorted(wanted))}):"
                           " this server runs a build's steps in one container.")  # fmt: skip
            image = wanted.pop()
            build = _build_name(entry, image)
            if build in matrix or build == "ci":
                raise _bad(f"two matrix builds would both be named {build!r}." if build in matrix
                           else "a matrix build may not be named 'ci' (the pipeline build is).")  # fmt: skip
            matrix[build], variables[build] = image, entry
        archive = data.get("archive") or ""
        if not isinstance(archive, str):
            raise _bad("archive is not a file name.")
        return cls(str(data.get("name") or "pipeline"), matrix, variables, steps, archive, deploy)

    def to_json(self) -> dict[str, Any]:
        """The pipeline as the master's settings file stores it."""
        return {
            "name": self.name,
            "matrix": self.matrix,
            "variables": self.variables,
            "steps": [{"name": step.name, "commands": list(step.commands)} for step in self.steps],
            "archive": self.archive,
            "deploy": self.deploy,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Pipeline:
        """The pipeline a settings file stores (see :meth:`to_json`)."""
        steps = tuple(Step(step["name"], tuple(step["commands"])) for step in data["steps"])
        return cls(data["name"], dict(data["matrix"]), dict(data["variables"]), steps, data["archive"], data["deploy"])


TOP_KEYS = ("kind", "name", "matrix", "steps", "archive")
STEP_KEYS = ("name", "image", "commands", "when", "deploy")


def _bad(what: str) -> BadParameter:
    return BadParameter(f"{PIPELINE_FILE}: {what}")


def _did_you_mean(word: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(known)})"


_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _fill(text: str, entry: dict[str, str], step: str) -> str:
    """``text`` with the matrix entry's ``${NAME}`` values put in."""

    def value(found: re.Match[str]) -> str:
        if found.group(1) not in entry:
            raise _bad(f"step {step!r}: ${{{found.group(1)}}} is not a matrix variable.")
        return entry[found.group(1)]

    return _VARIABLE.sub(value, text)


def _matrix_entries(matrix: Any) -> list[dict[str, str]]:
    """The matrix's variable sets: ``include:`` a list of them, or one variable with a list of values."""
    if matrix is None:
        return [{}]
    if not isinstance(matrix, dict) or not matrix:
        raise _bad("matrix is not a mapping: give include: with a list of variable sets.")
    if "include" in matrix:
        entries = matrix["include"]
        if len(matrix) > 1 or not isinstance(entries, list) or not entries:
            raise _bad("matrix: include: is not a list of variable sets.")
    elif len(matrix) == 1:
        ((key, values),) = matrix.items()
        if not isinstance(values, list) or not values:
            raise _bad(f"matrix: {key} has no list of values.")
        entries = [{key: value} for value in values]
    else:
        raise _bad("matrix: give include: with a list of variable sets (or one variable and its values).")
    found = []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not entry or isinstance(next(iter(entry.values())), (dict, list)):
            raise _bad(f"matrix entry {number} is not a set of NAME: value variables.")
        found.append({str(key): str(value) for key, value in entry.items()})
    return found


def _steps(steps: Any) -> tuple[tuple[Step, ...], bool, list[tuple[str, str]]]:
    """The matrix builds' steps, whether a deploy step follows them, and each step's image (unfilled)."""
    if not isinstance(steps, list) or not steps:
        raise _bad("no steps: give a list of steps, each with a name, an image and commands.")
    found: list[Step] = []
    images: list[tuple[str, str]] = []
    deploy = False
    for number, step in enumerate(steps, 1):
        if not isinstance(step, dict) or not isinstance(step.get("name"), str) or not step["name"].strip():
            raise _bad(f"step {number} has no name.")
        name = step["name"]
        if name in {s.name for s in found} or (deploy and name == "deploy"):
            raise _bad(f"two steps are named {name!r}.")
        unknown = sorted(set(step) - set(STEP_KEYS))
        if unknown:
            raise _bad(f"step {name!r} has an unknown key {unknown[0]!r}{_did_you_mean(unknown[0], STEP_KEYS)}.")
        when = step.get("when") or {}
        status = when.get("status", "success") if isinstance(when, dict) else None
        if status not in ("success", ["success"]) or set(when) - {"status"}:
            raise _bad(f"step {name!r}: this server knows only when: {{status: success}}.")
        if "deploy" in step:
            if step["deploy"] not in DEPLOY_TARGETS or "image" in step or "commands" in step:
                raise _bad(f"step {name!r}: deploy: takes {' or '.join(DEPLOY_TARGETS)}, with no image or commands.")
            if number != len(steps):
                raise _bad(f"step {name!r} deploys, so it comes last (after the matrix builds).")
            deploy = True
            continue
        image, commands = step.get("image"), step.get("commands")
        if not isinstance(image, str) or not image.strip():
            raise _bad(f"step {name!r} has no image.")
        if isinstance(commands, str):
            commands = [commands]
        if not isinstance(commands, list) or not commands or not all(isinstance(c, str) for c in commands):
            raise _bad(f"step {name!r} has no commands (a list of shell commands).")
        found.append(Step(name, tuple(commands)))
        images.append((name, image))
    return tuple(found), deploy, images


def _build_name(entry: dict[str, str], image: str) -> str:
    """A matrix build's name: its variables' values (``python-3.11``), else its image's name."""
    parts = [f"{key.lower()}-{value}" for key, value in entry.items() if "/" not in value and ":" not in value]
    return "-".join(parts) or image.rsplit("/", 1)[-1].split(":", 1)[0]


def resolve_images(pipeline: Pipeline, client: docker.DockerClient) -> dict[str, str]:
    """Build name → the image reference its worker runs: catalogue images are built if missing.

    Raises:
        BadParameter: An image that is not in the catalogue is not on the engine either (there is
            no registry to pull it from).
    """
    found = {}
    for build, image in pipeline.matrix.items():
        name = images.catalogue_name(image)
        if name:
            found[build] = images.ensure(name, client=client)
            continue
        try:
            client.images.get(image)
        except docker.errors.ImageNotFound:
            raise _bad(f"build {build!r}: image {image} is not on the engine (no registry to pull it from).") from None
        found[build] = image
    return found
