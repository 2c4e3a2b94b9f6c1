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
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import docker
import docker.errors
from tqdm.auto import tqdm

from cookbook import config, engine, labels, waits
from cookbook.errors import BadParameter, CookbookError, ImageBuildError

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


def _progress(total: int, name: str) -> tqdm:
    return tqdm(total=total, desc=f"building {name}", unit="step", file=sys.stderr, leave=False)


def _docker_build(client: docker.DockerClient, item: Entry, reference: str, base: str) -> None:
    tail: list[str] = []
    step = "starting the build"
    bar: tqdm | None = None
    try:
        stream = client.api.build(
            path=str(item.folder),
            tag=reference,
            buildargs={"BASE": base},
            labels=labels.catalogue_labels(item.name, recipe_hash(item.name)),
            rm=True,
            forcerm=True,
            decode=True,
            timeout=int(config.settings().build_timeout),
        )
        for chunk in stream:
            if "error" in chunk:
                detail = chunk.get("errorDetail", {}).get("message") or chunk["error"]
                tail.append(str(detail))
                raise ImageBuildError(item.name, step, "\n".join(tail[-20:]))
            text = str(chunk.get("stream", ""))
            found = re.match(r"Step (\d+)/(\d+) : (.*)", text)
            if found:
                step = found.group(3).strip()
                if bar is None:
                    bar = _progress(int(found.group(2)), item.name)
                bar.n = int(found.group(1)) - 1
                bar.set_postfix_str(step[:40], refresh=True)
            for line in text.splitlines():
                if line.strip():
                    tail = (tail + [line])[-40:]
    except docker.errors.APIError as exc:
        raise ImageBuildError(item.name, step, str(exc.explanation or exc)) from None
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


def _debootstrap_import(client: docker.DockerClient, item: Entry, reference: str) -> None:
    if shutil.which("debootstrap") is None:
        raise ImageBuildError(item.name, "debootstrap", "debootstrap is not installed (apt-get install debootstrap).")
    if os.geteuid() != 0:
        raise ImageBuildError(
            item.name,
            "debootstrap",
            "debootstrap needs root. Run `sudo cookbook images build debian`, or use --policy upstream online.",
        )
    suite = item.suite or "bookworm"
    with tempfile.TemporaryDirectory(prefix="cookbook-rootfs-") as folder:
        root = Path(folder) / "rootfs"
        command = ["debootstrap", "--variant=minbase", suite, str(root)]
        if host_mirror():
            command.append(host_mirror())
        with _progress(2, item.name) as bar:
            bar.set_postfix_str(f"debootstrap {suite}", refresh=True)
            done = subprocess.run(command, capture_output=True, text=True, timeout=config.settings().build_timeout)
            if done.returncode != 0:
                tail = "\n".join((done.stdout + done.stderr).splitlines()[-20:])
                raise ImageBuildError(item.name, " ".join(command), tail)
            _prepare_rootfs(root, suite)
            bar.update(1)
            bar.set_postfix_str("docker import", refresh=True)
            _import(client, item, root, reference)
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


def _import(client: docker.DockerClient, item: Entry, root: Path, reference: str) -> None:
    """``tar -c ROOT | docker import``: tagged only once tar and the import both succeeded."""
    repository, tag = reference.rsplit(":", 1)
    changes = ['CMD ["bash"]', "ENV DEBIAN_FRONTEND=noninteractive"]
    changes += [f'LABEL "{k}"="{v}"' for k, v in labels.catalogue_labels(item.name, recipe_hash(item.name)).items()]
    with tempfile.TemporaryFile() as errors:
        with subprocess.Popen(["tar", "-C", str(root), "--numeric-owner", "-c", "."], stdout=subprocess.PIPE,
                              stderr=errors) as tar:  # fmt: skip
            try:
                answer = client.api.import_image_from_stream(tar.stdout, changes=changes)
            except docker.errors.APIError as exc:
                tar.kill()
                raise ImageBuildError(item.name, "docker import", str(exc.explanation or exc)) from None
        image_id = imported_id(str(answer))
        if tar.returncode != 0:
            if image_id:
                client.images.remove(image_id, force=True)
            errors.seek(0)
            tail = "\n".join(errors.read().decode(errors="replace").splitlines()[-10:])
            raise ImageBuildError(item.name, "tar of the root file system", f"tar exited with {tar.returncode}\n{tail}")
    if not image_id:
        raise ImageBuildError(item.name, "docker import", f"the engine named no image: {answer!r}")
    client.images.get(image_id).tag(repository, tag)


def imported_id(answer: str) -> str:
    """The image id in the engine's answer to an import (JSON lines with ``{"status": "sha256:..."}``)."""
    found = re.findall(r"sha256:[0-9a-f]{64}", answer)
    return found[-1] if found else ""


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
