"""The Docker-as-Nova-driver recipe's runnable part: the image tarball Glance stores.

With nova-docker, ``docker save IMAGE | glance image-create --container-format=docker
--disk-format=raw`` put an image's ``docker save`` archive into Glance; the driver later
streamed it back into ``docker load`` on the compute node. The notebook writes that archive
with ``docker save -o``; :func:`inspect` reads what is inside it: the manifest, the image
config and the layers, and :func:`glance_fields` what Glance would record.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Archive:
    """What a ``docker save`` archive holds.

    Attributes:
        path: The tarball.
        size: Its size in bytes.
        md5: Its MD5 (Glance's ``checksum`` field).
        sha256: Its SHA-256.
        repo_tags: The tags in ``manifest.json``.
        config: The image config (``Cmd``, ``Env``, labels, history, rootfs diff ids).
        layers: One row per layer: its path in the archive, size and diff id.
    """

    path: Path
    size: int
    md5: str
    sha256: str
    repo_tags: list[str]
    config: dict[str, Any]
    layers: list[dict[str, Any]]


def inspect(path: Path) -> Archive:
    """Read ``manifest.json``, the image config and the layer sizes from a ``docker save`` tarball."""
    digest, md5 = hashlib.sha256(), hashlib.md5()
    with path.open("rb") as raw:
        for block in iter(lambda: raw.read(1 << 20), b""):
            digest.update(block)
            md5.update(block)
    with tarfile.open(path) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))[0]  # type: ignore[arg-type]
        config = json.load(tar.extractfile(manifest["Config"]))  # type: ignore[arg-type]
        members = {m.name: m for m in tar.getmembers()}
        diff_ids = config.get("rootfs", {}).get("diff_ids", [])
        layers = [
            {"layer": name, "bytes": members[name].size, "diff_id": diff_ids[i] if i < len(diff_ids) else "?"}
            for i, name in enumerate(manifest["Layers"])
        ]
    return Archive(
        path,
        path.stat().st_size,
        md5.hexdigest(),
        digest.hexdigest(),
        list(manifest.get("RepoTags") or []),
        config,
        layers,
    )


def glance_fields(archive: Archive, name: str) -> dict[str, Any]:
    """The fields ``glance image-create`` would record for the archive (as the book's screenshot shows)."""
    return {
        "name": name,
        "container_format": "docker",
        "disk_format": "raw",
        "size": archive.size,
        "checksum": archive.md5,
        "is_public": True,
    }
