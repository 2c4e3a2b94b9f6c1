"""Recipe "testing with Docker": run an app's pytest suite in images with different Pythons.

The book builds ``python2.7test`` and ``python3.3test`` (``WORKDIR /test``, ``CMD py.test``) and
bind-mounts the source at ``/test``. We do the same with the catalogue's Python images; the
source is mounted read-only so a test run leaves nothing in the checkout.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from cookbook import config, images, labels
from cookbook.errors import BadParameter
from cookbook.recipe import Recipe

PYTEST = ["python3", "-B", "-m", "pytest", "-p", "no:cacheprovider", "-rf", "--color=no"]

FAILING_TEST = '''
def test_injected_failure():
    """Added on purpose by the notebook: the run must report it as failed."""
    assert 1 + 1 == 3, "an injected failing test"
'''


@dataclass(frozen=True)
class TestRun:
    """One image's test run.

    Attributes:
        image: Catalogue name of the image the tests ran in.
        python: The Python version inside it.
        exit_code: pytest's exit status (0 = every test passed).
        passed: Number of passed tests.
        failed: Number of failed tests.
        failures: Node ids of the failed tests.
        output: pytest's output.
    """

    image: str
    python: str
    exit_code: int
    passed: int
    failed: int
    failures: tuple[str, ...]
    output: str

    def row(self) -> dict[str, object]:
        """The run as a table row."""
        return {
            "image": self.image,
            "python": self.python,
            "passed": self.passed,
            "failed": self.failed,
            "result": "PASS" if self.exit_code == 0 else f"FAIL (exit {self.exit_code})",
            "failed tests": ", ".join(self.failures) or "-",
        }


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


def count(summary: str, word: str) -> int:
    """Read ``N passed`` / ``N failed`` from pytest's closing line (0 when absent)."""
    found = re.search(rf"(\d+) {word}\b", summary)
    return int(found.group(1)) if found else 0


def parse(image: str, exit_code: int, output: str) -> TestRun:
    """Turn pytest's output into a :class:`TestRun`."""
    lines = [line for line in output.strip().splitlines() if line.strip()]
    closing = next((line for line in reversed(lines) if re.search(r"\d+ (passed|failed|error)", line)), "")
    python = re.search(r"platform \S+ -- Python (\d[\d.]*\d)", output)
    failures = tuple(dict.fromkeys(re.findall(r"^FAILED (\S+)", output, re.M)))
    return TestRun(
        image=image,
        python=python.group(1) if python else "?",
        exit_code=exit_code,
        passed=count(closing, "passed"),
        failed=count(closing, "failed") + count(closing, "error"),
        failures=tuple(f.split("::")[-1] for f in failures),
        output=output,
    )


def validate(images_: Sequence[str]) -> None:
    """Check the images are catalogue names with Python in them.

    Raises:
        BadParameter: The list is empty or names an unknown image.
    """
    if not images_:
        raise BadParameter("no image to test in.", "name at least one Python image, e.g. python311.")
    for name in images_:
        images.entry(name)


def run_tests(recipe: Recipe, source: Path, image: str) -> TestRun:
    """``docker run --rm -v SOURCE:/test:ro -w /test IMAGE py.test`` and parse the result."""
    done = recipe.run_to_exit(
        image,
        PYTEST,
        volumes=[f"{source}:/test:ro"],
        options={"working_dir": "/test"},
        timeout=300,
    )
    return parse(image, done.exit_code, done.output)


def test_matrix(recipe: Recipe, images_: Sequence[str], *, app: str = "blueprint", inject_failure: bool = False) -> list[TestRun]:
    """Run the app's tests once per image.

    Args:
        recipe: The recipe the containers belong to.
        images_: Catalogue names of the Python images (``python311``, ``python313``).
        app: The sample app in ``data/apps``.
        inject_failure: Test a copy of the app with one extra, failing test.

    Returns:
        One :class:`TestRun` per image, in order.
    """
    validate(images_)
    source = app_dir(app)
    if not inject_failure:
        return [run_tests(recipe, source, image) for image in images_]
    scratch = labels.scratch(recipe.name, "app")  # ours: carried into a remote engine's containers
    try:
        copy = scratch / app
        shutil.copytree(source, copy)
        (copy / "test_injected.py").write_text(FAILING_TEST)
        return [run_tests(recipe, copy, image) for image in images_]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
