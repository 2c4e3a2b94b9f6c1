"""The SDK's side: the HTTP requests docker-py sends, recorded as the same :class:`Request` objects."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import docker

from cookbook.lab.api.messages import (
    Request,
)


def _from_prepared(prepared: Any) -> Request:
    """A :class:`Request` from a ``requests.PreparedRequest``."""
    body = prepared.body
    if isinstance(body, str):
        body = body.encode()
    elif body is not None and not isinstance(body, bytes):
        body = b"<streamed>"
    skip = {"host", "content-length", "user-agent", "accept", "accept-encoding", "connection"}
    headers = {k: v for k, v in prepared.headers.items() if k.lower() not in skip}
    return Request(prepared.method, prepared.path_url, body, headers)


@contextmanager
def recording(client: docker.APIClient | docker.DockerClient) -> Iterator[list[Request]]:
    """Record the HTTP requests the docker SDK sends inside the ``with`` block.

    Uses a ``requests`` response hook on the SDK's session, so every call (also streaming
    ones) is recorded as it is answered; the hook is removed on exit.

    Args:
        client: The SDK client (high-level ``DockerClient`` or low-level ``APIClient``).

    Yields:
        The list the requests are appended to.
    """
    session = client.api if isinstance(client, docker.DockerClient) else client
    seen: list[Request] = []

    def hook(response: Any, *args: Any, **kwargs: Any) -> None:
        seen.append(_from_prepared(response.request))

    hooks = session.hooks.setdefault("response", [])
    hooks.append(hook)
    try:
        yield seen
    finally:
        hooks.remove(hook)
