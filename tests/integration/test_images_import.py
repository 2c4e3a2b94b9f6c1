"""A root file system that tar cannot read is never tagged: the import fails in one line and leaves no image."""

from __future__ import annotations

from pathlib import Path

import docker
import pytest

from cookbook import imagebuild, labels
from cookbook.errors import ImageBuildError


def test_a_failing_tar_tags_nothing(client: docker.DockerClient, tmp_path: Path) -> None:
    debian = {"label": f"{labels.CATALOGUE}=debian"}  # what an import of this entry carries
    before = {image.id for image in client.images.list(all=True, filters=debian)}
    with pytest.raises(ImageBuildError, match="(tar of the root file system|docker import)"):
        imagebuild._import(client, "debian", tmp_path / "no-such-rootfs", "cookbook/it-broken:x", {})
    with pytest.raises(docker.errors.ImageNotFound):
        client.images.get("cookbook/it-broken:x")
    assert {image.id for image in client.images.list(all=True, filters=debian)} <= before, "an import was left"
