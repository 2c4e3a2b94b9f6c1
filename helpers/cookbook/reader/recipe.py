"""A recipe's scope in a notebook: its label, its checks, and its cleanup.

A notebook recipe makes a :class:`Recipe`, starts what it needs through it (so every
resource carries the recipe's label), asserts its outcome with :meth:`Recipe.check`,
and ends with :meth:`Recipe.close`, which removes everything the recipe made.
Checks are also appended to the run report when ``COOKBOOK_REPORT`` is set.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker

from cookbook import config, containers, engine, labels, sweeper
from cookbook.errors import BadParameter, CheckFailed, CookbookError


def report(row: dict[str, Any]) -> None:
    """Append ``row`` (a check, or a skipped cell) to the run report, when ``COOKBOOK_REPORT`` names one.

    Every row also says which notebook and which session (kernel) it comes from.
    """
    settings = config.settings()
    if settings.report is None:
        return
    settings.report.parent.mkdir(parents=True, exist_ok=True)
    with settings.report.open("a") as out:
        out.write(json.dumps({"notebook": settings.notebook, **row, "session": labels.session_id()}) + "\n")


def report_skip(reason: str) -> None:
    """Record in the run report that a cell of the current recipe did not run here, and why."""
    report({"recipe": labels.current_recipe(), "skipped": reason})


class Said(str):
    """A line of text that a notebook shows without quotes (a cell's last expression)."""

    def __repr__(self) -> str:
        return str(self)


@dataclass
class Recipe:
    """One recipe of a chapter.

    Attributes:
        name: Short name used in labels and in the report (``publish-ports``).
        title: The recipe's title as the chapter shows it.
        client: The engine the recipe runs on.
    """

    name: str
    title: str = ""
    client: docker.DockerClient = field(default_factory=engine.connect)
    started: float = field(default_factory=time.monotonic)
    checks: list[tuple[str, bool]] = field(default_factory=list)
    folders: dict[str, Path] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.name or not all(ch.isalnum() or ch in "-_." for ch in self.name):
            raise BadParameter(f"recipe name {self.name!r} is not a label value.", "use letters, digits and '-'.")
        labels.open_recipe(self.name)  # what `%%docker` commands are labelled with from now on

    @property
    def labels(self) -> dict[str, str]:
        """The labels of everything this recipe creates."""
        return labels.for_recipe(self.name)

    def run(
        self, image: str, command: str | Sequence[str] | None = None, **settings: Any
    ) -> containers.ManagedContainer:
        """Start a container for this recipe (see :func:`cookbook.containers.run`)."""
        return containers.run(image, command, recipe=self.name, client=self.client, **settings)

    def run_to_exit(
        self, image: str, command: str | Sequence[str] | None = None, **settings: Any
    ) -> containers.Finished:
        """Run a container of this recipe to its end (see :func:`cookbook.containers.run_to_exit`)."""
        return containers.run_to_exit(image, command, recipe=self.name, client=self.client, **settings)

    def network(self, name: str, **options: Any) -> Any:
        """Create a labelled user-defined network for this recipe."""
        return self.client.networks.create(name, labels=self.labels, **options)

    def volume(self, name: str | None = None, **options: Any) -> Any:
        """Create a labelled named volume for this recipe."""
        return self.client.volumes.create(name=name, labels=self.labels, **options)

    def folder(self, purpose: str) -> Path:
        """This recipe's scratch folder for ``purpose`` (made once, while the recipe is open).

        It is a :func:`cookbook.labels.scratch` folder: :meth:`close` removes it, and so does the
        sweep after a crashed kernel; asked for again after that, a new one is made.
        """
        made = self.folders.get(purpose)
        if made is None or not made.exists():
            made = self.folders[purpose] = labels.scratch(self.name, purpose)
        return made

    def check(self, passed: bool, claim: str) -> None:
        """Assert the recipe's outcome and show it: one line per check, in the order they run.

        Raises:
            CheckFailed: ``passed`` is false. The failure is reported first.
        """
        passed = bool(passed)
        self.checks.append((claim, passed))
        self._report(claim, passed)
        if not passed:
            raise CheckFailed(f"[{self.name}] expected: {claim}.", "read the output of the cells above.")
        print(f"✔ check passed: {claim}", flush=True)

    def _report(self, claim: str, passed: bool) -> None:
        seconds = round(time.monotonic() - self.started, 2)
        report({"recipe": self.name, "title": self.title, "check": claim, "passed": passed, "seconds": seconds})

    def close(self) -> Said:
        """Remove everything this recipe created in this session; say what was removed."""
        swept = sweeper.sweep(self.client, session=labels.session_id(), recipe=self.name)
        labels.close_recipe(self.name)
        if swept.failed:
            raise CookbookError(f"cleaning up {self.name}: {swept}.", "remove those by hand, or run `cookbook clean`.")
        return Said(f"cleaned up {self.name}: {swept.named()}")

    def __enter__(self) -> Recipe:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
