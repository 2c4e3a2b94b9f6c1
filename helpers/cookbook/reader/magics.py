"""The notebooks' cell magics: ``%%docker`` (real commands) and ``%%on_this_host`` (steps about the engine's host).

``%%docker`` runs every command of its cell through the executor (:mod:`cookbook.shell`), one
after the other, and stops at the first that fails::

    %%docker
    docker run -d --name ch4-one cookbook/busybox sleep 600
    docker exec ch4-one ip -o -4 addr    # the container's addresses

``{name}`` puts a Python value of the notebook into a command (``--name {server}``); Go templates
(``{{.Name}}``) and shell-style ``${NAME}`` are left as they are. Options on the magic's line:

- ``--on EXPR``: send the commands to a sandbox engine (``--on box``);
- ``--out NAME``: keep the :class:`cookbook.shell.Result` list in a variable for the check cell;
- ``--allow-error``: a non-zero exit status is shown, not raised (a step that is meant to fail);
- ``--lines N`` / ``--tail N``: show the first N and the last N output lines of each command
  (30 and 5 by default; what lies between is folded into one "… N more lines" line).

``%%on_this_host`` runs its cell when the engine sees this machine's files
(:func:`cookbook.hostfiles.engine_sees`), and otherwise says in one line that it skipped the cell,
and why; the reason follows ``#`` on the magic's line::

    %%on_this_host  # the kernel reads back the file the container wrote
    print((folder / "back.txt").read_text())
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cookbook import dockercli, engine, hostfiles, shell
from cookbook.errors import BadParameter, CookbookError
from cookbook.reader import recipe

_PLACEHOLDER = re.compile(r"(?<![{$])\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*|\[[^\[\]{}]+\])*)\}(?!\})")


@dataclass
class DockerOptions:
    """The options on a ``%%docker`` line."""

    on: str = ""
    out: str = ""
    allow_error: bool = False
    lines: int = shell.HEAD_LINES
    tail: int = shell.TAIL_LINES


def docker_options(line: str) -> DockerOptions:
    """Read the options on a ``%%docker`` line.

    Raises:
        BadParameter: An unknown option, or one without its value.
    """
    words = shlex.split(line, comments=True)
    options = DockerOptions()
    while words:
        word = words.pop(0)
        if word == "--allow-error":
            options.allow_error = True
        elif word in ("--on", "--out", "--lines", "--tail") and words:
            value = words.pop(0)
            if word in ("--lines", "--tail"):
                if not value.isdigit() or (word == "--lines" and int(value) < 1):
                    raise BadParameter(f"{word} {value!r} is not a positive number.", f"write e.g. {word} 10.")
                setattr(options, word[2:], int(value))
            elif word == "--out" and not value.isidentifier():
                raise BadParameter(f"--out {value!r} is not a variable name.", "write e.g. --out made.")
            else:
                setattr(options, word[2:], value)
        else:
            raise BadParameter(
                f"%%docker does not take {word!r}{' without a value' if word in ('--on', '--out', '--lines', '--tail') else ''}.",
                "use --on SANDBOX, --out NAME, --allow-error, --lines N or --tail N.",
            )
    return options


def commands(cell: str) -> list[str]:
    """The commands of a cell: one per line, ``\\`` continues a line, blank and ``#`` lines skipped."""
    found: list[str] = []
    current = ""
    for raw in cell.splitlines():
        if not current and (not raw.strip() or raw.lstrip().startswith("#")):
            continue
        current = f"{current}\n{raw}" if current else raw
        if raw.rstrip().endswith("\\"):
            continue
        found.append(current)
        current = ""
    if current:
        found.append(current)
    return found


def expand(text: str, namespace: Mapping[str, Any]) -> str:
    """Put notebook values into ``{name}`` placeholders (``{{...}}`` Go templates are left alone).

    Raises:
        BadParameter: A placeholder names nothing defined in the notebook.
    """

    def value(found: re.Match[str]) -> str:
        try:
            return str(eval(found.group(1), {}, dict(namespace)))  # noqa: S307 - the reader's own notebook names
        except Exception as exc:  # NameError, KeyError, AttributeError: one line for any of them
            raise BadParameter(
                f"{{{found.group(1)}}} in the command cannot be filled in ({type(exc).__name__}: {exc}).",
                "run the cells above first, or define it.",
            ) from None

    return _PLACEHOLDER.sub(value, text)


def docker_cell(line: str, cell: str) -> None:
    """``%%docker``: run each docker command of the cell for real, showing it and its output."""
    from IPython import get_ipython

    options = docker_options(line)
    namespace = get_ipython().user_ns
    on = eval(options.on, {}, namespace) if options.on else None  # noqa: S307 - a name of the notebook
    results: list[shell.Result] = []
    if options.out:
        namespace[options.out] = results
    found = commands(cell)
    wrong = next((text for text in found if not dockercli.is_command(text)), None)
    if wrong is not None:
        raise BadParameter(
            f"`{wrong.strip()}` is not a docker command.", "start every line of a %%docker cell with `docker`."
        )
    for text in found:
        results.append(
            shell.docker(
                expand(text, namespace), on=on, check=not options.allow_error, lines=(options.lines, options.tail)
            )
        )


def on_this_host(line: str, cell: str) -> None:
    """Run ``cell`` if the engine is on this machine; else print why it is skipped."""
    from IPython import get_ipython

    if not hostfiles.engine_sees(engine.connect()):
        why = line.strip().lstrip("#").strip() or "this step needs the engine on the kernel's machine"
        recipe.report_skip(why)
        print(
            f"⏭ skipped: {why}; the engine at {engine.endpoint().url} runs elsewhere (it does not see this machine's files)."
        )
        return
    result = get_ipython().run_cell(cell, store_history=False)
    if not result.success:
        raise CookbookError("the cell above failed (its error is shown above).")


def register(shell_: Any) -> None:
    """Make ``%%docker`` and ``%%on_this_host`` available in ``shell_`` (an IPython shell; None outside IPython)."""
    if shell_ is not None:
        shell_.register_magic_function(docker_cell, magic_kind="cell", magic_name="docker")
        shell_.register_magic_function(on_this_host, magic_kind="cell")
