"""Copy an image from one engine to another, ``docker save | docker load`` streamed (no registry)."""

from __future__ import annotations

import docker
import docker.errors

from cookbook import images
from cookbook.errors import CookbookError


def copy_image(image: str, source: docker.DockerClient, target: docker.DockerClient) -> str:
    """Copy an image between engines, ``docker save | docker load`` streamed (no registry needed).

    Args:
        image: A catalogue name (built on ``source`` if missing) or an image reference.
        source: The engine that has the image.
        target: The engine that needs it; nothing is copied if it has it already.

    Returns:
        The image reference, the same on both engines.

    Raises:
        CookbookError: ``source`` does not have the image, or ``target`` refused it.
    """
    catalogued = images.is_catalogued(image)
    reference = images.ensure(image, client=source) if catalogued else image
    try:
        target.images.get(reference)
    except docker.errors.ImageNotFound:
        _load(reference, source, target)
    if catalogued:
        images.point_latest(target, image, reference)  # `cookbook/NAME` names it there too
    return reference


def _load(reference: str, source: docker.DockerClient, target: docker.DockerClient) -> None:
    try:
        source.images.get(reference)
    except docker.errors.ImageNotFound:
        raise CookbookError(f"image {reference!r} is not on the source engine.", "build it there first.") from None
    try:
        for message in target.api.load_image(source.api.get_image(reference)):
            if "error" in message:
                raise CookbookError(f"loading {reference!r} failed: {message['error']}")
    except docker.errors.APIError as exc:
        said = " ".join(str(exc.explanation or exc).split())
        raise CookbookError(
            f"loading {reference!r} failed: {said}", "free space on that engine, or use a smaller image."
        ) from None
