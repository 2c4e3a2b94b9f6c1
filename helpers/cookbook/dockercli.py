"""The ``docker`` program itself: where it is, its version, a command line read as a shell would, ``$PWD``, and one run of it with its output echoed.

The executor (:mod:`cookbook.shell`) decides what to run; this module reads and runs it: one
``docker`` process, no shell, from the checkout's top folder, its lines printed as they come
(the first :data:`cookbook.shell.HEAD_LINES`, a fold, the last ones), within a timeout.
"""

from __future__ import annotations

import os
import re
import selectors
import shlex
import shutil
import subprocess
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cookbook import config, dockerargs
from cookbook.errors import BadParameter, CommandFailed, MissingProgram

ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=.*", re.S)
LEADING_DOCKER = re.compile(r"^((?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*)docker(?=\s|$)")


def program() -> str:
    """The path of the ``docker`` CLI on ``PATH``.

    Raises:
        MissingProgram: There is none.
    """
    found = shutil.which("docker")
    if found is None:
        raise MissingProgram("docker", "docker.io")
    return found


def cli_version() -> str:
    """The docker CLI's version (``28.2.2``), or "not installed"."""
    try:
        done = subprocess.run([program(), "version", "--format", "{{.Client.Version}}"],
                              capture_output=True, text=True, timeout=30, env=quiet_env())  # fmt: skip
    except MissingProgram:
        return "not installed"
    return done.stdout.strip() or "unknown"


def in_checkout(path: Path | str) -> str:
    """How a command names ``path``: ``$PWD/...`` inside the checkout (commands run from its top folder).

    A line written that way reads the same on every machine, and pasted into a terminal at the
    checkout's top folder it names the same file.
    """
    resolved = Path(path).resolve()
    root = config.project_root().resolve()
    return f"$PWD/{resolved.relative_to(root)}" if resolved.is_relative_to(root) else str(path)


def in_pwd(text: str) -> str:
    """``text`` with ``$PWD`` (or ``${PWD}``) as the checkout's top folder, where commands run."""
    return expand_pwd(text)


def expand_pwd(text: str, *, shell_quotes: bool = False) -> str:
    """``text`` with ``$PWD``/``${PWD}`` as the checkout's top folder; with ``shell_quotes``, not inside '...'."""
    root = str(config.project_root())
    if not shell_quotes:
        return text.replace("${PWD}", root).replace("$PWD", root)
    out: list[str] = []
    quote = ""  # the quote we are inside: '', "'" or '"'
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and quote != "'":
            out.append(text[index : index + 2])
            index += 2
            continue
        if char in "'\"" and quote in ("", char):
            quote = "" if quote else char
        elif quote != "'" and text.startswith(("${PWD}", "$PWD"), index):
            skip = 6 if text.startswith("${PWD}", index) else 4
            out.append(root)
            index += skip
            continue
        out.append(char)
        index += 1
    return "".join(out)


class Echo:
    """Prints a command's output lines as they come: the first ones, then a fold, then the last ones."""

    def __init__(self, head: int, tail: int, show: bool) -> None:
        self.head, self.show, self.count = head, show, 0
        self.rest: deque[str] = deque(maxlen=tail)

    def line(self, text: str) -> None:
        self.count += 1
        if not self.show:
            return
        if self.count <= self.head:
            print(text, flush=True)
        else:
            self.rest.append(text)

    def close(self) -> None:
        folded = self.count - self.head - len(self.rest)
        if self.show and folded > 0:
            print(f"… {folded} more line{'s' if folded != 1 else ''}")
        if self.show:
            for text in self.rest:
                print(text)


def quiet_env(drop: Sequence[str] = (), extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in drop}
    env.setdefault("DOCKER_CLI_HINTS", "false")
    env.update(extra or {})
    return env


def execute(argv: Sequence[str], env: Mapping[str, str], echo: Echo, timeout: float) -> tuple[int, str, str]:
    """Run ``docker ARGV``; echo stdout and stderr lines as they arrive; return (status, stdout, stderr)."""
    process = subprocess.Popen(
        [program(), *argv], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        cwd=config.project_root(), env=dict(env),
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    chunks: dict[str, list[bytes]] = {"out": [], "err": []}
    pending = {"out": b"", "err": b""}
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ, "out")
        selector.register(process.stderr, selectors.EVENT_READ, "err")
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                process.kill()
                process.wait()
                raise CommandFailed(shlex.join(["docker", *argv]), -9, f"did not finish within {timeout:g} s")
            for key, _ in selector.select(timeout=min(left, 1.0)):
                data = os.read(key.fileobj.fileno(), 65536)  # type: ignore[union-attr]
                if not data:
                    selector.unregister(key.fileobj)
                    continue
                chunks[key.data].append(data)
                pending[key.data] += data
                *complete, pending[key.data] = pending[key.data].split(b"\n")
                for raw in complete:
                    echo.line(raw.decode(errors="replace").rstrip("\r"))
    for rest in pending.values():
        if rest:
            echo.line(rest.decode(errors="replace"))
    echo.close()
    status = process.wait()
    return status, b"".join(chunks["out"]).decode(errors="replace"), b"".join(chunks["err"]).decode(errors="replace")


@dataclass(frozen=True)
class Line:
    """One command line: its variable assignments, its arguments after ``docker``, the text shown."""

    env: dict[str, str]
    argv: list[str]
    shown: str


def is_command(text: str) -> bool:
    """Whether ``text`` starts with ``docker`` (after any ``NAME=value`` assignments)."""
    return LEADING_DOCKER.match(text.strip()) is not None


def parse_line(text: str, flags: Sequence[str] = (), written: str = "") -> Line:
    """Read a command line as a shell would (quotes, ``# comments``, ``$PWD``), without running a shell.

    ``flags`` (``-H URL``, TLS options) go before the command's own arguments; ``written`` is how they
    are shown after ``docker``.
    """
    try:
        # A shell drops backslash-newline, and fills in $PWD outside single quotes.
        words = shlex.split(expand_pwd(text.replace("\\\n", " "), shell_quotes=True), comments=True)
    except ValueError as exc:
        raise BadParameter(f"cannot read `{text.strip()}`: {exc}.", "close the quotes.") from None
    env: dict[str, str] = {}
    while words and ASSIGNMENT.fullmatch(words[0]):
        key, value = words.pop(0).split("=", 1)
        env[key] = value
    if not words or words[0] != "docker":
        raise BadParameter(f"`{text.strip()}` is not a docker command.", "start the command with `docker`.")
    operator = dockerargs.shell_operator(words)
    if operator:
        raise BadParameter(
            f"`{text.strip()}` uses the shell's `{operator}`: the executor runs one docker command, with no shell.",
            "use docker's own options (`docker save -o FILE`, `--format`, `--filter`), one command per line.",
        )
    shown = text.strip()
    if written:
        shown = LEADING_DOCKER.sub(lambda found: f"{found.group(1)}docker {written}", shown, count=1)
    return Line(env, [*flags, *words[1:]], shown)
