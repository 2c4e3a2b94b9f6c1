"""Set-up for the chapter-6 recipes: what the book's API calls need around a sandbox engine.

The book talks to a remote daemon that has Docker Hub at hand. Our sandboxes
(:mod:`cookbook.sandbox`) have no registry and no images, so this module brings them:

* :func:`stock` copies busybox into a sandbox and tags it ``busybox:latest``;
* :func:`registry_for` runs the catalogue's registry in the sandbox's network namespace, so
  the sandbox daemon reaches it at ``127.0.0.1:5000`` (an insecure registry by default) and
  ``fromImage=127.0.0.1:5000/busybox`` pulls from it;
* :func:`file_server_for` serves files on ``127.0.0.1:PORT`` of the sandbox the same way
  (the tarball of ``fromSrc``);
* :func:`tar_archive` packs a build context; :func:`docker_cli` runs the real ``docker`` CLI
  with chosen ``DOCKER_*`` variables; :func:`sdk_from_environment` builds an SDK client the
  way ``docker.from_env()`` does, through :mod:`cookbook.engine`.

Helper containers run on the reader's engine with ``network_mode=container:SANDBOX`` and carry
the recipe's labels; they are removed with the recipe (or the sandbox).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Mapping, Sequence

import docker
import docker.errors

from cookbook import api, containers, engine, labels, waits
from cookbook.errors import BadParameter, CookbookError
from cookbook.sandbox import Sandbox

REGISTRY_PORT = 5000
TLS_FLAG_FILES = (("cacert", "ca.pem"), ("cert", "cert.pem"), ("key", "key.pem"))


def stock(box: Sandbox, name: str = "busybox") -> str:
    """Copy a catalogue image into ``box`` and tag it ``NAME:latest`` there (the book's short name).

    Returns:
        ``NAME:latest``.
    """
    reference = box.load(name)
    box.client.images.get(reference).tag(name, "latest")
    return f"{name}:latest"


def registry_for(box: Sandbox, recipe: str, *, push: str = "busybox:latest") -> containers.ManagedContainer:
    """Run a registry that ``box`` reaches at ``127.0.0.1:5000`` and push ``push`` to it.

    The registry runs on the reader's engine but in the sandbox's network namespace, so
    nothing is published anywhere. After the push, the sandbox's own tag of the pushed
    image is removed, so that pulling it really pulls.

    Args:
        box: The sandbox engine.
        recipe: The recipe the registry belongs to (its label).
        push: An image in the sandbox to push (as ``127.0.0.1:5000/NAME:TAG``).

    Returns:
        The registry container.

    Raises:
        CookbookError: The push failed.
    """
    registry = containers.run(
        "registry", recipe=recipe, network=f"container:{box.container.name}", wait=waits.LogLine("listening on")
    )
    name, _, tag = push.partition(":")
    repository, tag = f"127.0.0.1:{REGISTRY_PORT}/{name}", tag or "latest"
    try:
        box.client.images.get(push).tag(repository, tag)
        for message in box.client.api.push(repository, tag=tag, stream=True, decode=True):
            if "error" in message:
                raise CookbookError(f"pushing {repository}:{tag} failed: {message['error']}")
        box.client.images.remove(f"{repository}:{tag}")
    except BaseException:
        containers.remove(registry)
        raise
    return registry


def file_server_for(box: Sandbox, recipe: str, files: Mapping[str, bytes], port: int = 8000) -> containers.ManagedContainer:
    """Serve ``files`` over HTTP at ``http://127.0.0.1:PORT/NAME`` inside ``box``'s network namespace.

    A busybox ``httpd`` on the reader's engine, sharing the sandbox's network namespace.

    Args:
        box: The sandbox engine.
        recipe: The recipe the server belongs to (its label).
        files: File names and contents.
        port: The port in the sandbox's namespace.

    Raises:
        BadParameter: The port is out of range, or a name is not a plain file name.
    """
    if not 1024 <= port <= 65535:
        raise BadParameter(f"port {port} is not an unprivileged port.", "use 1024-65535.")
    for name in files:
        if not name or "/" in name or name.startswith("."):
            raise BadParameter(f"{name!r} is not a plain file name.", "use names like rootfs.tar.")
    server = containers.run(
        "busybox", ["httpd", "-f", "-p", str(port), "-h", "/tmp"], recipe=recipe,
        network=f"container:{box.container.name}",
    )  # fmt: skip
    try:
        server.put_archive("/tmp", tar_archive(files))
        first = next(iter(files))
        waits.wait_for(server, waits.ExecOk(["wget", "-q", "-O", "/dev/null", f"http://127.0.0.1:{port}/{first}"]))
    except BaseException:
        containers.remove(server)
        raise
    return server


def rootfs_tarball(box: Sandbox, image: str = "busybox:latest") -> bytes:
    """The file system of ``image`` in ``box`` as one tar archive (what ``docker export`` writes)."""
    made = box.client.containers.create(image, labels=labels.for_recipe("rootfs-export"))
    try:
        return b"".join(made.export())
    finally:
        made.remove(force=True)


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


@dataclass(frozen=True)
class CliRun:
    """What one ``docker`` CLI command did.

    Attributes:
        command: The command line as a reader would type it (variables first).
        returncode: Its exit status.
        output: Its standard output and error.
    """

    command: str
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        """Whether it exited 0."""
        return self.returncode == 0

    def lines(self, *starts: str) -> str:
        """The output lines that begin (after spaces) with one of ``starts``; all lines if none given."""
        kept = [ln for ln in self.output.splitlines() if not starts or ln.strip().startswith(starts)]
        return "\n".join(kept)


def docker_cli(
    args: Sequence[str],
    environment: Mapping[str, str] | None = None,
    *,
    cwd: str | Path | None = None,
    timeout: float = 120,
) -> CliRun:
    """Run the real ``docker`` CLI with only the ``DOCKER_*`` variables given.

    The reader's own ``DOCKER_*`` variables and CLI configuration (contexts) are left out,
    so the command goes exactly where ``args`` and ``environment`` say.

    Args:
        args: The arguments after ``docker`` (``["-H", "tcp://127.0.0.1:PORT", "info"]``).
        environment: ``DOCKER_HOST``, ``DOCKER_TLS_VERIFY``, ``DOCKER_CERT_PATH``, ...
        cwd: The folder to run in (so that ``--tlscert=cert.pem`` finds the book's files).
        timeout: Seconds the command may take.

    Raises:
        CookbookError: The docker CLI is not installed.
    """
    program = shutil.which("docker")
    if program is None:
        raise CookbookError("the docker CLI is not installed.", "install it (apt-get install docker.io) or skip this step.")
    variables = dict(environment or {})
    with tempfile.TemporaryDirectory(prefix="cookbook-docker-config-") as config_dir:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
        env.update(variables, DOCKER_CONFIG=config_dir)
        done = subprocess.run(
            [program, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
        )
    shown = " ".join([*(f"{k}={v}" for k, v in variables.items()), "docker", *args])
    return CliRun(shown, done.returncode, (done.stdout + done.stderr).strip())


def engine_api(box: Sandbox) -> api.EngineAPI:
    """Our hand-made client for ``box``; over TLS with the sandbox's client certificate if it has one."""
    return api.EngineAPI(box.url, tls=api.TlsFiles.folder(box.cert_path) if box.cert_path else None)


def host_flags(box: Sandbox) -> list[str]:
    """The ``docker`` CLI flags that reach ``box``: ``-H URL``, and the TLS files if it has them."""
    flags = ["-H", box.url]
    if box.cert_path:
        flags += ["--tlsverify", *(f"--tls{kind}={box.cert_path / name}" for kind, name in TLS_FLAG_FILES)]
    return flags


def api_client(box: Sandbox, version: str) -> docker.APIClient:
    """``docker.APIClient(base_url=box.url, version=version)``, over TLS when the sandbox has it.

    A TLS client ignores ``REQUESTS_CA_BUNDLE`` (requests would check the sandbox against the
    system's CAs instead of ``ca.pem``), as :func:`cookbook.engine.client_for` does.
    """
    client = docker.APIClient(base_url=box.url, version=version, tls=engine.tls_config(box.endpoint), timeout=10)
    client.trust_env = False
    return client


@contextmanager
def _environment(variables: Mapping[str, str]) -> Iterator[None]:
    saved = {k: v for k, v in os.environ.items() if k.startswith("DOCKER_")}
    for key in saved:
        del os.environ[key]
    os.environ.update(variables)
    try:
        yield
    finally:
        for key in [k for k in os.environ if k.startswith("DOCKER_")]:
            del os.environ[key]
        os.environ.update(saved)


def sdk_from_environment(variables: Mapping[str, str]) -> docker.DockerClient:
    """An SDK client configured from ``DOCKER_HOST``/``DOCKER_TLS_VERIFY``/``DOCKER_CERT_PATH``.

    The same reading of the variables that ``docker.from_env()`` does (via
    :func:`cookbook.engine.endpoint`), with ``variables`` in place of the process's own.

    Raises:
        NoEngine: Nothing answers there (a refused TLS handshake included).
    """
    with _environment(variables):
        point = engine.endpoint()
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
    labels.sweep_scratch(session=labels.session_id(), recipe="ch6")
