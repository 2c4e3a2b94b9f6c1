"""Source-to-image: build an app image from source with an S2I builder image.

OpenShift's STI (now S2I) builds run a builder image's ``assemble`` script over the source
and make its ``run`` script the new image's command. ``s2i build --as-dockerfile`` writes
that build as a Dockerfile plus an ``upload/src`` folder; :func:`write_context` does the
same (the ``s2i`` tool itself is not packaged in Debian), and the notebook builds the folder
with ``docker build``.

The contract a builder image follows:

* label ``io.openshift.s2i.scripts-url=image:///usr/libexec/s2i`` (where the scripts are);
* ``assemble`` installs ``/tmp/src`` as the app; ``run`` starts it; ``usage`` explains;
* a non-root user (1001) runs both.

A source may add ``.s2i/environment`` (``KEY=value`` lines, e.g. ``APP_FILE=app.py``), which
becomes ``ENV`` in the image, as with s2i.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import docker

from cookbook.errors import BadParameter

SCRIPTS_LABEL = "io.openshift.s2i.scripts-url"
ASSEMBLE_USER = "1001"


@dataclass(frozen=True)
class Plan:
    """An S2I build written out as ``s2i build --as-dockerfile`` would.

    Attributes:
        dockerfile: The Dockerfile's text.
        scripts: Where the builder's scripts are inside it (``/usr/libexec/s2i``).
        environment: The source's ``.s2i/environment``.
    """

    dockerfile: str
    scripts: str
    environment: dict[str, str]


def scripts_dir(client: docker.DockerClient, builder: str) -> str:
    """The builder image's scripts folder, from its ``io.openshift.s2i.scripts-url`` label.

    Raises:
        BadParameter: The image does not follow the S2I contract (no such label).
    """
    url = (client.images.get(builder).labels or {}).get(SCRIPTS_LABEL, "")
    if not url.startswith("image://"):
        raise BadParameter(
            f"{builder} is not an S2I builder: it has no {SCRIPTS_LABEL}=image:///... label.",
            "use a builder image such as the catalogue's s2i-python.",
        )
    return url.removeprefix("image://")


def read_environment(source: Path) -> dict[str, str]:
    """The ``KEY=value`` lines of ``SOURCE/.s2i/environment`` (comments and blanks skipped)."""
    path = source / ".s2i" / "environment"
    if not path.is_file():
        return {}
    pairs = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            pairs[key.strip()] = value.strip()
    return pairs


def as_dockerfile(client: docker.DockerClient, builder: str, source: Path) -> Plan:
    """Write the Dockerfile ``s2i build --as-dockerfile`` makes for ``source`` on ``builder``."""
    scripts = scripts_dir(client, builder)
    environment = read_environment(source)
    lines = [
        f"FROM {builder}",
        f'LABEL "io.openshift.s2i.build.image"="{builder}" "io.openshift.s2i.build.source-location"="{source.name}"',
    ]
    if environment:
        lines.append("ENV " + " ".join(f'{k}="{v}"' for k, v in environment.items()))
    lines += [
        "USER root",
        "# Copying in source code",
        "COPY upload/src /tmp/src",
        "# Change file ownership to the assemble user. Builder image must support chown command.",
        f"RUN chown -R {ASSEMBLE_USER}:0 /tmp/src",
        f"USER {ASSEMBLE_USER}",
        "# Assemble script sourced from builder image based on user input or image metadata.",
        f"RUN {scripts}/assemble",
        "# Run script sourced from builder image based on user input or image metadata.",
        f"CMD {scripts}/run",
    ]
    return Plan("\n".join(lines) + "\n", scripts, environment)


def write_context(client: docker.DockerClient, builder: str, source: Path, folder: Path) -> Plan:
    """``s2i build --as-dockerfile FOLDER/Dockerfile SOURCE BUILDER``: the Dockerfile and ``upload/src``.

    Args:
        client: The engine that has the builder image (its labels are read).
        builder: The builder image (``cookbook/s2i-python``).
        source: The app's source folder.
        folder: An empty folder to write the build context into.

    Returns:
        The plan; ``docker build FOLDER`` runs it.

    Raises:
        BadParameter: The builder does not follow the S2I contract.
    """
    plan = as_dockerfile(client, builder, source)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Dockerfile").write_text(plan.dockerfile)
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".git")
    shutil.copytree(source, folder / "upload" / "src", ignore=ignore, dirs_exist_ok=True)
    return plan
