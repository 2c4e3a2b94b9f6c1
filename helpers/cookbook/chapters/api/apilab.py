"""Python's side of the chapter-6 recipes around a sandbox engine (:mod:`cookbook.lab.sandbox`).

What the book does with the ``docker`` CLI, the notebook does with the real CLI (``%%docker``);
this module holds what Python does:

* :func:`engine_api` and :func:`api_client`: our hand-made HTTP client and the SDK's
  low-level ``docker.APIClient`` for a sandbox, over TLS when it has it;
* :func:`tar_archive` packs a build context for ``POST /build``;
* :func:`sdk_from_environment` builds an SDK client from ``DOCKER_HOST``/``DOCKER_TLS_VERIFY``/
  ``DOCKER_CERT_PATH`` the way ``docker.from_env()`` does, through :mod:`cookbook.engine`;
* :func:`outcome` says in one line how a call went; :func:`scratch` and
  :func:`discard_scratch` hold the chapter's files (certificates).
"""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import docker
import docker.errors

from cookbook import config, engine, labels, sweeper
from cookbook.errors import CookbookError
from cookbook.lab import api
from cookbook.lab.sandbox import Sandbox


def tar_archive(files: Mapping[str, bytes | str]) -> bytes:
    """Pack ``files`` (name → content) into an uncompressed tar archive: a build context, say."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, content in files.items():
            data = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def engine_api(box: Sandbox) -> api.EngineAPI:
    """Our hand-made client for ``box``; over TLS with the sandbox's client certificate if it has one."""
    return api.EngineAPI(box.url, tls=api.TlsFiles.folder(box.cert_path) if box.cert_path else None)


def api_client(box: Sandbox, version: str) -> docker.APIClient:
    """``docker.APIClient(base_url=box.url, version=version)``, over TLS when the sandbox has it.

    A TLS client ignores ``REQUESTS_CA_BUNDLE`` (requests would check the sandbox against the
    system's CAs instead of ``ca.pem``), as :func:`cookbook.engine.client_for` does.
    """
    client = docker.APIClient(base_url=box.url, version=version, tls=engine.tls_config(box.endpoint), timeout=10)
    client.trust_env = False
    return client


def sdk_from_environment(variables: Mapping[str, str]) -> docker.DockerClient:
    """An SDK client configured from ``DOCKER_HOST``/``DOCKER_TLS_VERIFY``/``DOCKER_CERT_PATH``.

    The same reading of the variables that ``docker.from_env()`` does (via
    :func:`cookbook.engine.endpoint`), with ``variables`` in place of the process's own.

    Raises:
        NoEngine: Nothing answers there (a refused TLS handshake included).
    """
    point = engine.endpoint(variables)  # read from ``variables``; the kernel's environment is left alone
    return engine.connect(point, fresh=True)


def outcome(call: Callable[[], object]) -> str:
    """Run ``call`` and say how it went in one line: its result, or the error it raised."""
    try:
        return str(call())
    except (CookbookError, docker.errors.DockerException) as exc:
        return exc.line() if isinstance(exc, CookbookError) else f"{type(exc).__name__}: {exc}"


def scratch(name: str) -> Path:
    """A fresh folder of this session for the chapter's files (certificates); see :func:`cookbook.labels.scratch`."""
    return labels.scratch("ch6", name)


def discard_scratch() -> None:
    """Remove this session's chapter folders and everything in them (keys included)."""
    sweeper.sweep_scratch(session=labels.session_id(), recipe="ch6")


def from_top(path: str | Path) -> str:
    """``path`` as the notebook's docker commands name it: relative to the checkout's top folder, where they run."""
    return os.path.relpath(Path(path).resolve(), config.project_root())


def explorer(engine_api: api.EngineAPI) -> Any:
    """A form to send any request to ``engine_api`` and read the answer.

    Method, path and JSON body are checked first (:func:`cookbook.lab.api.check_call`): a bad value prints
    one line and sends nothing.

    Returns:
        A :class:`cookbook.reader.widgets.Form`.
    """
    import ipywidgets as w

    from cookbook.reader.widgets import Form

    whole = {"description_width": "initial"}  # labels shown whole, never cut
    inputs = {
        "method": w.Text(value="GET", description="method", style=whole),
        "path": w.Text(value="/containers/json?all=1", description="path", style=whole),
        "body": w.Textarea(
            value="", description="JSON body", placeholder='{"Image": "busybox", "Cmd": ["ls"]}', style=whole
        ),
    }

    def validate(method: str, path: str, body: str) -> None:
        api.check_call(method.strip().upper(), path.strip(), body)

    return Form(f"Engine API explorer ({engine_api.url})", inputs, engine_api.explore, validate)
