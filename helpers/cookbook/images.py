"""The image catalogue: a logical name, the upstream image, and an offline recipe.

Each folder ``data/images/<name>/`` holds an ``image.toml`` (upstream reference, the
name the book uses, the catalogue image it builds on) and, for most images, a
``Dockerfile`` built ``FROM`` the resolved base given as the ``BASE`` build argument.
The ``debian*`` images are made with ``debootstrap`` + ``docker import``.

Local images are tagged ``cookbook/<name>:<hash>`` where the hash covers the recipe's
files and its base's hash, so an unchanged recipe is never built twice.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import docker
import docker.errors

from cookbook import config, engine, imagebuild, labels, waits
from cookbook.errors import BadParameter, CookbookError

BUILDER_VERSION = "2"
REPOSITORY = labels.IMAGE_REPO


@dataclass(frozen=True)
class Entry:
    """One catalogue image.

    Attributes:
        name: Logical name (``mariadb``).
        upstream: The official image an online reader would use (``mariadb:10.11``).
        book: What the book calls it (``mysql``), for the notebooks' prose.
        base: The catalogue image the Dockerfile builds on ("" for debootstrap images).
        suite: The Debian suite for debootstrap images.
        description: One line for ``cookbook images list``.
        folder: The recipe folder.
    """

    name: str
    upstream: str
    book: str
    base: str
    suite: str
    description: str
    folder: Path

    @property
    def repository(self) -> str:
        """The local repository name (``cookbook/mariadb``)."""
        return f"{REPOSITORY}{self.name}"


def images_dir() -> Path:
    """The folder holding the image recipes."""
    return config.project_root() / "data" / "images"


@cache
def _load(folder: str) -> dict[str, Entry]:
    entries = {}
    for spec in sorted(Path(folder).glob("*/image.toml")):
        data = tomllib.loads(spec.read_text())
        name = spec.parent.name
        entries[name] = Entry(
            name=name,
            upstream=str(data.get("upstream", "")),
            book=str(data.get("book", "")),
            base=str(data.get("base", "")),
            suite=str(data.get("suite", "")),
            description=str(data.get("description", "")),
            folder=spec.parent,
        )
    return entries


def catalogue() -> dict[str, Entry]:
    """Return every catalogue entry by name."""
    return _load(str(images_dir()))


def is_catalogued(name: str) -> bool:
    """Whether ``name`` is a catalogue name (not an image reference)."""
    return name in catalogue()


def entry(name: str) -> Entry:
    """Return the entry for ``name``.

    Raises:
        BadParameter: ``name`` is not in the catalogue (the message lists the known names).
    """
    known = catalogue()
    if name not in known:
        raise BadParameter(
            f"{name!r} is not an image of the catalogue.",
            f"use one of: {', '.join(sorted(known))}.",
        )
    return known[name]


def recipe_hash(name: str) -> str:
    """Hash of the recipe's files, its base's hash and the builder version (12 hex digits)."""
    item = entry(name)
    digest = hashlib.sha256(f"{BUILDER_VERSION}\0{item.suite}\0".encode())
    if item.base:
        digest.update(recipe_hash(item.base).encode())
    for path in sorted(p for p in item.folder.rglob("*") if p.is_file() and not _scratch(p)):
        digest.update(str(path.relative_to(item.folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def _scratch(path: Path) -> bool:
    """Editor backups and caches: not part of a recipe, so they never trigger a rebuild."""
    return "__pycache__" in path.parts or path.name.endswith(("~", ".swp", ".pyc")) or path.name == ".DS_Store"


@cache
def _readiness(path: str) -> dict[str, dict[str, object]]:
    return tomllib.loads(Path(path).read_text()) if Path(path).is_file() else {}


def readiness(name: str) -> waits.Strategy | None:
    """How to tell that a container of catalogue image ``name`` is ready (``data/images/readiness.toml``).

    Returns:
        An exec or log-line strategy, or None for an image that is ready once it runs.
    """
    spec = _readiness(str(images_dir() / "readiness.toml")).get(name, {})
    if "exec" in spec:
        command = spec["exec"]
        return waits.ExecOk([str(part) for part in command] if isinstance(command, list) else [str(command)])
    if "log" in spec:
        return waits.LogLine(str(spec["log"]))
    return None


def catalogue_name(reference: str) -> str | None:
    """The catalogue name behind ``cookbook/NAME`` or ``cookbook/NAME:latest`` (None for anything else)."""
    found = re.fullmatch(rf"{re.escape(REPOSITORY)}([a-z0-9][a-z0-9-]*)(?::latest)?", reference)
    return found.group(1) if found and is_catalogued(found.group(1)) else None


def local_reference(name: str) -> str:
    """The local tag of ``name``'s current recipe (``cookbook/mariadb:0123abcd4567``)."""
    return f"{entry(name).repository}:{recipe_hash(name)}"


def _exists(client: docker.DockerClient, reference: str) -> bool:
    try:
        client.images.get(reference)
    except docker.errors.ImageNotFound:
        return False
    return True


def ensure(name: str, *, policy: str | None = None, client: docker.DockerClient | None = None) -> str:
    """Make sure the image ``name`` is on the engine and return the reference to run.

    Args:
        name: A catalogue name.
        policy: ``local`` (build the Debian recipe), ``upstream`` (pull the official
            image) or ``auto`` (pull, and build when the pull fails). Default: the
            ``COOKBOOK_IMAGE_POLICY`` setting.
        client: The engine (default: :func:`cookbook.engine.connect`).

    Raises:
        BadParameter: Unknown name or policy.
        ImageBuildError: The local recipe failed.
        CookbookError: The upstream image cannot be pulled.
    """
    item = entry(name)
    policy = policy or config.settings().image_policy
    if policy not in config.POLICIES:
        raise BadParameter(f"image policy {policy!r} is unknown.", f"use one of {', '.join(config.POLICIES)}.")
    client = client or engine.connect()
    if policy in ("upstream", "auto") and item.upstream:
        try:
            client.images.pull(item.upstream)
            point_latest(client, name, item.upstream)
            return item.upstream
        except docker.errors.APIError as exc:
            if policy == "upstream":
                raise CookbookError(
                    f"cannot pull {item.upstream}: {exc.explanation or exc}.",
                    "use the local recipes: --policy local (COOKBOOK_IMAGE_POLICY=local).",
                ) from None
    reference = local_reference(name)
    if not _exists(client, reference):
        build(name, client=client)
    point_latest(client, name, reference)
    from cookbook import packages  # late: packages builds on this module

    packages.record(client, name, reference)  # once per image: the versions its packages have
    return reference


def point_latest(client: docker.DockerClient, name: str, reference: str) -> None:
    """Make ``cookbook/NAME`` (its ``latest`` tag) the image ``reference`` on ``client``'s engine.

    Commands in the notebooks name catalogue images that way (``docker run cookbook/busybox``):
    the tag must be this recipe's build, not an older one.
    """
    latest = f"{entry(name).repository}:latest"
    image = client.images.get(reference)
    if latest not in image.tags:
        image.tag(entry(name).repository, "latest")


def build(name: str, *, client: docker.DockerClient | None = None, force: bool = False) -> str:
    """Build ``name`` (and its bases, if missing) from its local recipe; return its tag.

    Raises:
        ImageBuildError: A step failed; the image is not tagged.
    """
    item = entry(name)
    client = client or engine.connect()
    reference = local_reference(name)
    if _exists(client, reference) and not force:
        return reference
    if item.base:
        base = ensure(item.base, policy="local", client=client)
        _docker_build(client, item, reference, base)
    else:
        _debootstrap_import(client, item, reference)
    point_latest(client, name, reference)
    _drop_older_builds(client, item, reference)
    return reference


def _drop_older_builds(client: docker.DockerClient, item: Entry, keep: str) -> None:
    """Remove builds of earlier versions of this recipe, and untagged ones a rebuild left.

    An image a container still uses stays: it goes with ``cookbook clean --images``.
    """
    older = [
        tag
        for image in client.images.list(name=item.repository)
        for tag in image.tags
        if tag.startswith(f"{item.repository}:") and tag not in (keep, f"{item.repository}:latest")
    ]
    untagged = client.images.list(filters={"dangling": True, "label": f"{labels.CATALOGUE}={item.name}"})
    for reference in [*older, *(image.id for image in untagged)]:
        try:
            client.images.remove(reference)
        except docker.errors.APIError:
            pass  # still in use (a container, or a newer build on top of it)


def _docker_build(client: docker.DockerClient, item: Entry, reference: str, base: str) -> None:
    imagebuild.build(
        client,
        reference,
        what=item.name,
        path=str(item.folder),
        buildargs={"BASE": base},
        labels=labels.catalogue_labels(item.name, recipe_hash(item.name)),
        timeout=int(config.settings().build_timeout),
        show_progress=True,
    )


def _debootstrap_import(client: docker.DockerClient, item: Entry, reference: str) -> None:
    labelled = labels.catalogue_labels(item.name, recipe_hash(item.name))
    imagebuild.debootstrap(client, item.name, item.suite, reference, labelled)


def build_many(names: Iterable[str] | None = None, *, client: docker.DockerClient | None = None) -> list[str]:
    """Build the named images (default: all), bases first; return their references."""
    wanted = list(names) if names else sorted(catalogue())
    for name in wanted:
        entry(name)  # fail on an unknown name before building anything
    client = client or engine.connect()
    return [build(name, client=client) for name in wanted]


def status(client: docker.DockerClient | None = None) -> list[dict[str, str]]:
    """One row per catalogue image: name, upstream, book name, local tag, whether it is built."""
    client = client or engine.connect()
    rows = []
    for name, item in sorted(catalogue().items()):
        reference = local_reference(name)
        rows.append(
            {
                "name": name,
                "upstream": item.upstream or "-",
                "book": item.book or "-",
                "local": reference,
                "built": "yes" if _exists(client, reference) else "no",
                "description": item.description,
            }
        )
    return rows
