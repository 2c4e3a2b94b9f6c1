"""The docker CLI's command line, taken apart: global flags, the subcommand, ``run`` options.

The executor (:mod:`cookbook.shell`) needs to know a little of what a command says: which
subcommand it is (does it create something that must carry our labels?), where the labels go,
and for ``run``/``create`` which image it starts, under which name, with which bind mounts.
Only the CLI's own grammar is used here; nothing talks to an engine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# `docker [GLOBAL FLAGS] COMMAND`: the global flags that take a value (`-H URL`, `--context NAME`).
GLOBAL_WITH_VALUE = frozenset(
    {"-H", "--host", "-c", "--context", "--config", "-l", "--log-level", "--tlscacert", "--tlscert", "--tlskey"}
)
# Management commands: their first argument is a subcommand (`docker network create`).
MANAGEMENT = frozenset(
    {"builder", "buildx", "checkpoint", "compose", "config", "container", "context", "image", "manifest",
     "network", "node", "plugin", "secret", "service", "stack", "swarm", "system", "trust", "volume"}
)  # fmt: skip
# Subcommands that create something: (command words) -> how our labels are added.
LABELLED = {
    ("run",): "label",
    ("create",): "label",
    ("container", "run"): "label",
    ("container", "create"): "label",
    ("build",): "label",
    ("image", "build"): "label",
    ("buildx", "build"): "label",
    ("network", "create"): "label",
    ("volume", "create"): "label",
    ("secret", "create"): "label",
    ("config", "create"): "label",
    ("service", "create"): "service",
    ("commit",): "change",
    ("container", "commit"): "change",
    ("import",): "change",
    ("image", "import"): "change",
}
RUN_COMMANDS = frozenset({("run",), ("create",), ("container", "run"), ("container", "create")})
# `docker run`/`create` flags that take no value; every other flag takes one.
RUN_BOOLEAN = frozenset(
    {"-d", "--detach", "-i", "--interactive", "-t", "--tty", "--rm", "-P", "--publish-all", "--privileged",
     "--init", "--read-only", "--no-healthcheck", "--oom-kill-disable", "--disable-content-trust", "-q",
     "--quiet", "--sig-proxy", "--help", "--use-api-socket"}
)  # fmt: skip
NETWORK_BOOLEAN = frozenset({"--attachable", "--internal", "--ingress", "--ipv6", "--config-only"})
_SHORT_BOOLEAN = frozenset("diltPq") - {"l"}
SHELL_OPERATORS = frozenset({"|", "||", "&&", ";", ">", ">>", "<", "2>", "2>&1", "&"})


@dataclass(frozen=True)
class Command:
    """A docker command line split into its parts (the leading ``docker`` left out).

    Attributes:
        flags: The global flags before the command (``-H tcp://...``).
        words: The command words: ``("run",)`` or ``("network", "create")``.
        args: Everything after the command words.
    """

    flags: tuple[str, ...]
    words: tuple[str, ...]
    args: tuple[str, ...]

    @property
    def argv(self) -> list[str]:
        """The arguments after ``docker``, joined again."""
        return [*self.flags, *self.words, *self.args]

    @property
    def creates(self) -> bool:
        """Whether the command makes something that must carry our labels."""
        return self.words in LABELLED

    @property
    def is_run(self) -> bool:
        """Whether it is ``run`` or ``create`` (a container from an image)."""
        return self.words in RUN_COMMANDS

    def with_args(self, args: Sequence[str]) -> Command:
        """The same command with other arguments."""
        return Command(self.flags, self.words, tuple(args))


def split(argv: Sequence[str]) -> Command:
    """Split the arguments after ``docker`` into global flags, command words and arguments."""
    flags: list[str] = []
    index = 0
    while index < len(argv) and argv[index].startswith("-"):
        flag = argv[index]
        flags.append(flag)
        index += 1
        if flag in GLOBAL_WITH_VALUE and index < len(argv):
            flags.append(argv[index])
            index += 1
    words = list(argv[index : index + 1])
    index += len(words)
    if words and words[0] in MANAGEMENT and index < len(argv) and not argv[index].startswith("-"):
        words.append(argv[index])
        index += 1
    return Command(tuple(flags), tuple(words), tuple(argv[index:]))


def label_args(command: Command, labels: Mapping[str, str]) -> list[str]:
    """The arguments that give ``command``'s creation ``labels`` (none for other commands)."""
    how = LABELLED.get(command.words)
    pairs = [f"{key}={value}" for key, value in labels.items()]
    if how == "label":
        return [arg for pair in pairs for arg in ("--label", pair)]
    if how == "service":
        return [arg for pair in pairs for flag in ("--label", "--container-label") for arg in (flag, pair)]
    if how == "change":
        return ["--change", "LABEL " + " ".join(f'"{key}"="{value}"' for key, value in labels.items())]
    return []


def with_labels(command: Command, labels: Mapping[str, str]) -> Command:
    """``command`` with our labels right after its command words (before any image or name)."""
    return command.with_args([*label_args(command, labels), *command.args])


def without_labels(argv: Sequence[str], namespace: str) -> list[str]:
    """``argv`` with every label flag of ``namespace`` taken out (what the reader typed)."""
    kept: list[str] = []
    skip = False
    for index, arg in enumerate(argv):
        if skip:
            skip = False
            continue
        following = argv[index + 1] if index + 1 < len(argv) else ""
        if arg in ("--label", "--container-label") and following.startswith(namespace):
            skip = True
            continue
        if arg == "--change" and following.startswith(f'LABEL "{namespace}'):
            skip = True
            continue
        kept.append(arg)
    return kept


@dataclass
class RunArgs:
    """The arguments of ``docker run``/``create``: options, the image, and the container's command.

    Attributes:
        options: ``(flag, value)`` pairs in order; value None for a flag without one.
        image: The image reference.
        command: What follows the image.
    """

    options: list[tuple[str, str | None]] = field(default_factory=list)
    image: str = ""
    command: list[str] = field(default_factory=list)

    def values(self, *names: str) -> list[str]:
        """The values given to any of the flags ``names`` (``values("-v", "--volume")``)."""
        return [value for flag, value in self.options if flag in names and value is not None]

    def has(self, *names: str) -> bool:
        """Whether any of the flags ``names`` is given."""
        return any(flag in names for flag, _ in self.options)

    @property
    def name(self) -> str | None:
        """The ``--name`` given, if any."""
        names = self.values("--name")
        return names[-1] if names else None

    @property
    def detached(self) -> bool:
        """Whether ``-d`` is given."""
        return self.has("-d", "--detach")

    def argv(self) -> list[str]:
        """The arguments again: options, image, command."""
        out: list[str] = []
        for flag, value in self.options:
            out += [flag] if value is None else [flag, value]
        return [*out, self.image, *self.command]


def _short_booleans(arg: str) -> list[str] | None:
    """``-dit`` as ``["-d", "-i", "-t"]``, if every letter is a flag without a value."""
    if re.fullmatch(r"-[A-Za-z]{2,}", arg) and all(letter in _SHORT_BOOLEAN for letter in arg[1:]):
        return [f"-{letter}" for letter in arg[1:]]
    return None


def parse_run(args: Sequence[str]) -> RunArgs:
    """Take apart the arguments of ``docker run``/``create`` (after the command word)."""
    parsed = RunArgs()
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            index += 1
            break
        if not arg.startswith("-") or arg == "-":
            break
        index += 1
        combined = _short_booleans(arg)
        if combined:
            parsed.options += [(flag, None) for flag in combined]
        elif arg.startswith("--") and "=" in arg:
            flag, value = arg.split("=", 1)
            parsed.options.append((flag, value))
        elif arg in RUN_BOOLEAN:
            parsed.options.append((arg, None))
        elif not arg.startswith("--") and len(arg) > 2:
            parsed.options.append((arg[:2], arg[2:]))  # -p80:80, -eNAME=value
        else:
            parsed.options.append((arg, args[index] if index < len(args) else ""))
            index += 1
    if index < len(args):
        parsed.image = args[index]
        parsed.command = list(args[index + 1 :])
    return parsed


@dataclass(frozen=True)
class Bind:
    """A ``-v SOURCE:TARGET[:MODE]`` bind mount of a host path.

    Attributes:
        source: The host path.
        target: The path in the container.
        mode: ``ro``, ``rw`` or "" (the default).
        spec: The flag's value as given.
    """

    source: str
    target: str
    mode: str
    spec: str


def binds(run: RunArgs) -> list[Bind]:
    """The host-path bind mounts among ``run``'s ``-v``/``--volume`` values (named volumes left out)."""
    found = []
    for spec in run.values("-v", "--volume"):
        parts = spec.split(":")
        if len(parts) >= 2 and parts[0].startswith("/"):
            found.append(Bind(parts[0], parts[1], parts[2] if len(parts) > 2 else "", spec))
    return found


def named_volumes(run: RunArgs) -> list[str]:
    """The named volumes ``run`` mounts (``-v notes:/data``, ``--mount source=notes,target=/data``)."""
    names = []
    for spec in run.values("-v", "--volume"):
        source = spec.split(":", 1)[0]
        if ":" in spec and source and not source.startswith(("/", ".", "~", "$")):
            names.append(source)
    for spec in run.values("--mount"):
        fields = dict(part.split("=", 1) for part in spec.split(",") if "=" in part)
        mounted = fields.get("source") or fields.get("src")
        if fields.get("type", "volume") == "volume" and mounted:
            names.append(mounted)
    return names


def without_binds(run: RunArgs, dropped: Sequence[Bind]) -> RunArgs:
    """``run`` without the ``-v`` flags of ``dropped``."""
    specs = {bind.spec for bind in dropped}
    options = [(flag, value) for flag, value in run.options if not (flag in ("-v", "--volume") and value in specs)]
    return RunArgs(options, run.image, list(run.command))


def created_name(command: Command) -> tuple[str, str] | None:
    """``(kind, name)`` of what a creating command names: ``("container", "web")``, ``("network", "app")``."""
    if command.is_run:
        name = parse_run(command.args).name
        return ("container", name) if name else None
    if command.words in (("network", "create"), ("volume", "create")):
        names: list[str] = []
        args = command.args
        index = 0
        while index < len(args):
            arg = args[index]
            index += 1
            if arg == "--name" and index < len(args):
                names.append(args[index])
                index += 1
            elif arg.startswith("-"):
                if "=" not in arg and arg not in NETWORK_BOOLEAN:
                    index += 1  # the flag's value
            else:
                names.append(arg)
        return (command.words[0], names[-1]) if names else None
    return None


def shell_operator(argv: Sequence[str]) -> str | None:
    """The first shell operator (``|``, ``>``, ``&&``, ...) among ``argv``, if any."""
    return next((arg for arg in argv if arg in SHELL_OPERATORS), None)
