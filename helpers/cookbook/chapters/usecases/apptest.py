"""Recipe "testing with Docker": the sample app, its test images, and what a test run reported.

The book builds ``python2.7test`` and ``python3.3test`` (``WORKDIR /test``, ``CMD py.test``)
and bind-mounts the source at ``/test``. The notebook does the same with Docker's own commands:
the test images' Dockerfiles are ``data/testing/Dockerfile_3.11`` and ``Dockerfile_3.13``,
built with ``docker build`` and run with ``docker run -v "$PWD/data/apps/blueprint":/test``.
This module finds the files and reads pytest's output for the check cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cookbook import config
from cookbook.errors import BadParameter


@dataclass(frozen=True)
class TestRun:
    """What one pytest run reported.

    Attributes:
        python: The Python version it ran in.
        exit_code: pytest's exit status (0 = every test passed).
        passed: Number of passed tests.
        failed: Number of failed tests (errors included).
        failures: Names of the failed tests.
    """

    __test__ = False  # not a test class, whatever pytest thinks of its name

    python: str
    exit_code: int
    passed: int
    failed: int
    failures: tuple[str, ...]


def app_dir(name: str = "blueprint") -> Path:
    """The folder of a sample app in ``data/apps``.

    Raises:
        BadParameter: There is no such app.
    """
    folder = config.project_root() / "data" / "apps" / name
    if not folder.is_dir():
        known = sorted(p.name for p in folder.parent.iterdir() if p.is_dir())
        raise BadParameter(f"there is no sample app {name!r}.", f"use one of: {', '.join(known)}.")
    return folder


def read_file(path: str | Path) -> str:
    """The text of a file, absolute or relative to the checkout's top folder."""
    return (config.project_root() / path).read_text()


def show_file(path: str | Path, name: str | None = None) -> None:
    """Print a file under a ``==> NAME <==`` header, as ``head`` shows several files.

    Args:
        path: The file, absolute or relative to the checkout's top folder
            (``data/testing/Dockerfile_3.11``).
        name: The header (default: the path as given).
    """
    print(f"==> {name or path} <==")
    print(read_file(path).rstrip("\n"))


def count(summary: str, word: str) -> int:
    """Read ``N passed`` / ``N failed`` from pytest's closing line (0 when absent)."""
    found = re.search(rf"(\d+) {word}\b", summary)
    return int(found.group(1)) if found else 0


def parse(exit_code: int, output: str) -> TestRun:
    """Turn pytest's output (run with ``-rf``, so failures are listed) into a :class:`TestRun`."""
    lines = [line for line in output.strip().splitlines() if line.strip()]
    closing = next((line for line in reversed(lines) if re.search(r"\d+ (passed|failed|error)", line)), "")
    python = re.search(r"platform \S+ -- Python (\d[\d.]*\d)", output)
    failures = tuple(dict.fromkeys(re.findall(r"^FAILED (\S+)", output, re.M)))
    return TestRun(
        python=python.group(1) if python else "?",
        exit_code=exit_code,
        passed=count(closing, "passed"),
        failed=count(closing, "failed") + count(closing, "error"),
        failures=tuple(f.split("::")[-1] for f in failures),
    )
