"""The executor: Docker's own commands, run for real, shown as they ran, with their real output.

A recipe cell says what a reader would type in a terminal::

    %%docker
    docker run -d --name ch4-web -p 127.0.0.1::80 cookbook/web
    docker port ch4-web

or, from Python, ``cb.docker("run -d --name ch4-web -p 127.0.0.1::80 cookbook/web")``. Each command
runs the ``docker`` CLI found on ``PATH`` against the reader's engine (``DOCKER_HOST``, the TLS
variables, the current context) or, with ``on=``, a sandbox engine's (``-H URL``, shown). It runs
from the checkout's top folder, where ``$PWD`` points. The cell prints ``$`` and the command as
written, then the command's output as it arrives, and :func:`docker` returns a :class:`Result`.

Out of sight, the executor keeps the cookbook's promises:

- commands that create something (``run``, ``create``, ``build``, ``network create``, ``volume
  create``, ``service create``, ``commit``, ...) get our labels, so the recipe's clean-up, the exit
  sweep and ``cookbook clean`` remove what they made. Printed lines leave the labels out;
- catalogue images named ``cookbook/NAME`` are built (or copied into a sandbox) before use;
- ``run -d`` of a catalogue image returns once its service is ready (``data/images/readiness.toml``),
  or once a ``wait=`` strategy holds;
- a name this session used before (a cell run twice) is freed first, by a command that is shown;
- on an engine that cannot see this machine's files, ``run -v OUR_FOLDER:...`` becomes ``docker
  create``, ``docker cp`` and ``docker start``, each shown as it runs.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from docker import DockerClient
from docker.errors import NotFound
from docker.models.containers import Container

from cookbook import config, dockerargs, engine, hostfiles, images, labels, waits
from cookbook.dockerargs import Command
from cookbook.dockercli import (
    ASSIGNMENT,
    Echo,
    Line,
    execute,
    expand_pwd,
    in_checkout,
    is_command,
    parse_line,
    quiet_env,
)
from cookbook.errors import BadParameter, CommandFailed, CookbookError
from cookbook.wrapping import wrap_command

HEAD_LINES = 30
TAIL_LINES = 5
_ENGINE_VARIABLES = ("DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_CONTEXT", "DOCKER_TLS")


class Engine(Protocol):
    """An engine other than the reader's that commands can go to (a sandbox from :mod:`cookbook.lab.sandbox`)."""

    url: str
    cert_path: Path | None
    client: DockerClient

    def load(self, image: str) -> str:
        """Copy a catalogue image into the engine; return its reference there."""


@dataclass
class Result:
    """What one docker command did.

    Attributes:
        line: The command as shown to the reader (``docker run -d ...``).
        argv: The arguments the CLI got after ``docker`` (our labels included).
        exit_code: Its exit status.
        stdout: Its standard output.
        stderr: Its standard error.
        created: The id or name a creating command printed (``run -d``, ``create``,
            ``network create``, ``volume create``), else the ``--name`` it gave, else "".
        client: The engine the command went to.
    """

    line: str
    argv: list[str]
    exit_code: int
    stdout: str
    stderr: str
    created: str = ""
    client: DockerClient | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """Whether the command exited 0."""
        return self.exit_code == 0

    @property
    def text(self) -> str:
        """Standard output without surrounding white space."""
        return self.stdout.strip()

    @property
    def lines(self) -> list[str]:
        """Standard output's non-empty lines."""
        return [line for line in self.stdout.splitlines() if line.strip()]

    @property
    def json(self) -> Any:
        """Standard output as JSON: one document (``inspect``), or one per line (``--format '{{json .}}'``).

        Raises:
            ValueError: The output is not JSON.
        """
        try:
            return json.loads(self.stdout)
        except ValueError:
            return [json.loads(line) for line in self.lines]

    @property
    def container(self) -> Container:
        """The container the command created (``run``/``create``), as the SDK sees it now."""
        if not self.created or self.client is None:
            raise CookbookError(f"`{self.line}` created no container.")
        return self.client.containers.get(self.created)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class _Target:
    """Where commands go: the flags that say so (as the CLI gets them, and as written), the SDK client, the sandbox."""

    flags: tuple[str, ...]
    client: DockerClient
    sandbox: Engine | None = None
    written: str = ""

    def line(self, argv: Sequence[str]) -> str:
        """How a command the executor adds itself is shown: ``docker``, these flags as written, ``argv`` quoted."""
        return " ".join(part for part in ("docker", self.written, shlex.join(argv)) if part)

    @property
    def env_drop(self) -> tuple[str, ...]:
        """Variables of the reader's engine that must not reach a command for a sandbox."""
        return _ENGINE_VARIABLES if self.sandbox is not None else ()

    def ensure(self, name: str) -> None:
        """Make catalogue image ``name`` available as ``cookbook/NAME`` on this engine."""
        if self.sandbox is not None:
            self.sandbox.load(name)
        else:
            images.ensure(name, client=self.client)


def _target(on: Engine | None) -> _Target:
    if on is None:
        return _Target((), engine.connect())
    flags, written = ["-H", on.url], ["-H", shlex.quote(on.url)]
    if on.cert_path:
        folder = in_checkout(on.cert_path)  # "$PWD/...": shorter, and the same on every machine
        for option, name in (("--tlscacert", "ca.pem"), ("--tlscert", "cert.pem"), ("--tlskey", "key.pem")):
            flags.append(f"{option}={expand_pwd(f'{folder}/{name}')}")
            written.append(f'{option}="{folder}/{name}"' if folder.startswith("$PWD") else shlex.quote(flags[-1]))
        flags.insert(2, "--tlsverify")
        written.insert(2, "--tlsverify")
    return _Target(tuple(flags), on.client, on, " ".join(written))


def _run(line: str, argv: Sequence[str], env: Mapping[str, str], target: _Target, show: bool,
         lines: tuple[int, int], timeout: float) -> Result:  # fmt: skip
    """Print ``$ line``, run the CLI with ``argv`` (labels included), echo its output."""
    if show:
        print(f"$ {wrap_command(line)}", flush=True)
    status, out, err = execute(argv, env, Echo(lines[0], lines[1], show), timeout)
    if show and status != 0:
        print(f"[exit status {status}]", flush=True)
    return Result(line, list(argv), status, out, err, client=target.client)


def _shown(target: _Target, argv: Sequence[str]) -> str:
    """How a command the executor adds itself is shown: its arguments after the target's flags, no labels."""
    return target.line(dockerargs.without_labels(argv[len(target.flags) :], labels.NAMESPACE))


def _free_name(command: Command, target: _Target, env: Mapping[str, str], show: bool) -> None:
    """Remove what this session (or a dead one) left under the name ``command`` is about to use.

    Raises:
        BadParameter: The name belongs to the reader, or to another live session.
    """
    found = dockerargs.created_name(command)
    if found is None:
        return
    kind, name = found
    collection = {"container": target.client.containers, "network": target.client.networks,
                  "volume": target.client.volumes}[kind]  # fmt: skip
    try:
        existing = collection.get(name)
    except NotFound:
        return
    owner = (existing.labels if kind == "container" else existing.attrs.get("Labels")) or {}
    ours = owner.get(labels.MANAGED) == "true"
    if not ours or (owner.get(labels.SESSION) != labels.session_id() and not labels.is_stale(owner)):
        whose = "another live session of the cookbook" if ours else "you, not the cookbook"
        raise BadParameter(
            f"a {kind} named {name!r} exists already and belongs to {whose}.",
            f"remove it (`docker {'' if kind == 'container' else kind + ' '}rm {name}`) or close that notebook; "
            "`cookbook clean` removes what crashed sessions left.",
        )
    removal = {
        "container": ["rm", "-fv", name],
        "network": ["network", "rm", name],
        "volume": ["volume", "rm", "-f", name],
    }
    argv = [*target.flags, *removal[kind]]
    done = _run(_shown(target, argv), argv, env, target, show, (HEAD_LINES, TAIL_LINES), 120)
    if not done.ok:
        raise CommandFailed(done.line, done.exit_code, done.stderr)


def _label_named_volumes(command: Command, target: _Target, owner: Mapping[str, str]) -> None:
    """Create the named volumes a ``run``/``create`` would create on the fly, with our labels.

    ``docker run -v notes:/data`` makes the volume ``notes`` when it does not exist, without labels:
    nothing would ever remove it. Made first (the same name, the local driver), it is swept like the rest.
    """
    if not command.is_run:
        return
    for name in dockerargs.named_volumes(dockerargs.parse_run(command.args)):
        try:
            target.client.volumes.get(name)
        except NotFound:
            target.client.volumes.create(name, labels=dict(owner))


def _ensure_images(argv: Sequence[str], target: _Target) -> None:
    for arg in argv:
        name = images.catalogue_name(arg.rsplit("=", 1)[-1])
        if name:
            target.ensure(name)


def _carried_binds(command: Command, target: _Target) -> list[dockerargs.Bind]:
    """Bind mounts of our own folders that the engine cannot see (so they must be copied in)."""
    if not command.is_run:
        return []
    ours = [bind for bind in dockerargs.binds(dockerargs.parse_run(command.args)) if hostfiles.is_ours(bind.source)]
    return ours if ours and not hostfiles.engine_sees(target.client) else []


def _run_with_copies(command: Command, carried: list[dockerargs.Bind], env: Mapping[str, str], target: _Target,
                     show: bool, lines: tuple[int, int], timeout: float) -> Result:  # fmt: skip
    """``docker run -v OURS:...`` on an engine that cannot see our files: create, copy in, start."""
    run = dockerargs.without_binds(dockerargs.parse_run(command.args), carried)
    detached = run.detached
    run.options = [(flag, value) for flag, value in run.options if flag not in ("-d", "--detach")]
    create = Command(command.flags, ("create",), tuple(run.argv()))
    made = _run(_shown(target, create.argv), create.argv, env, target, show, lines, timeout)
    if not made.ok:
        return made
    ident = made.text.splitlines()[-1]
    for bind in carried:
        source = f"{bind.source.rstrip('/')}/." if Path(bind.source).is_dir() else bind.source
        copy = [*command.flags, "cp", source, f"{ident}:{bind.target}"]
        copied = _run(_shown(target, copy), copy, env, target, show, lines, timeout)
        if not copied.ok:
            return copied
    start = [*command.flags, "start", *([] if detached else ["-a"]), ident]
    started = _run(_shown(target, start), start, env, target, show, lines, timeout)
    started.created = ident
    return started


def docker(
    command: str | Sequence[str],
    *,
    on: Engine | None = None,
    recipe: str | None = None,
    wait: waits.Strategy | None = None,
    check: bool = True,
    show: bool = True,
    lines: tuple[int, int] = (HEAD_LINES, TAIL_LINES),
    timeout: float | None = None,
) -> Result:
    """Run one docker command for real, print it and its output, and return what it did.

    Args:
        command: The command as a reader types it (``docker run ...``; the leading ``docker``
            may be left out). Quotes and ``# comments`` work as in a shell; pipes and
            redirections do not (there is no shell). ``$PWD`` is the checkout's top folder.
            A list is taken as the arguments after ``docker``, each one as it is.
        on: A sandbox engine to send it to (``-H`` and its TLS flags are added and shown);
            default: the reader's engine.
        recipe: The recipe whose labels created things carry (default: the current recipe).
        wait: For ``run -d``: a readiness strategy (:mod:`cookbook.waits`) to wait for; by
            default a catalogue image's own.
        check: Raise :class:`CommandFailed` on a non-zero exit status (else it is printed).
        show: Print the command and its output (off: run quietly, e.g. in a benchmark).
        lines: How many output lines to show at the start and at the end; the rest is folded.
        timeout: Seconds the command may take (default: ``COOKBOOK_COMMAND_TIMEOUT``).

    Returns:
        The command's :class:`Result`.

    Raises:
        CommandFailed: It exited non-zero (and ``check`` is on); what it created is still
            labelled, so the recipe's clean-up removes it.
        BadParameter: The line is not one docker command, or a name it gives is not ours.
        MissingProgram: No ``docker`` CLI is installed.
        WaitTimeout: ``run -d`` started a container that did not become ready.
    """
    target = _target(on)
    if isinstance(command, str):
        text = command.strip()
        line = parse_line(
            text if is_command(text) or ASSIGNMENT.match(text) else f"docker {text}", target.flags, target.written
        )
    else:  # an argument list (a form's fields): each one reaches the CLI as it is, no shell syntax
        words = [str(arg) for arg in command]
        words = words[1:] if words[:1] == ["docker"] else words
        line = Line({}, [*target.flags, *words], target.line(words))
    parsed = dockerargs.split(line.argv)
    limit = timeout or config.settings().command_timeout
    env = quiet_env(target.env_drop, line.env)
    _ensure_images(parsed.args, target)
    if parsed.creates:
        _free_name(parsed, target, env, show)
        owner = labels.for_recipe(recipe or labels.current_recipe())
        _label_named_volumes(parsed, target, owner)
        parsed = dockerargs.with_labels(parsed, owner)
    carried = _carried_binds(parsed, target)
    if carried:
        result = _run_with_copies(parsed, carried, env, target, show, lines, limit)
    else:
        result = _run(line.shown, parsed.argv, env, target, show, lines, limit)
    if not result.ok:
        died = getattr(on, "failure", lambda: None)()  # a sandbox whose daemon died says so, with its log
        if died is not None:
            raise died
        if check:
            raise CommandFailed(result.line, result.exit_code, result.stderr)
        return result
    _record_creation(result, parsed)
    if parsed.is_run:
        _wait_ready(result, dockerargs.parse_run(parsed.args), wait)
    return result


def _record_creation(result: Result, command: Command) -> None:
    if result.created:
        return
    named = dockerargs.created_name(command)
    printed = result.lines[-1].strip() if result.lines else ""
    if command.words in (("network", "create"), ("volume", "create")) or (
        command.is_run and re.fullmatch(r"[0-9a-f]{64}", printed)
    ):
        result.created = printed
    elif named:
        result.created = named[1]


def _wait_ready(result: Result, run: dockerargs.RunArgs, wait: waits.Strategy | None) -> None:
    """After ``run -d``: wait until the container is ready, by ``wait`` or its catalogue image's strategy."""
    if not run.detached or not result.created:
        return
    name = images.catalogue_name(run.image)
    strategy = wait or (images.readiness(name) if name else None)
    if strategy is not None:
        waits.wait_for(result.container, strategy)
