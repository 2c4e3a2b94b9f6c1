"""Every "Your turn" exercise against the real engine: not yet on a clean engine, the specific line for a
typical wrong answer, ✔ after the reference solution (data/exercises/), and nothing left afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import docker
import pytest

from cookbook import shell
from cookbook.chapters.api import apilab
from cookbook.lab import api, sandbox, tls
from cookbook.reader import exercises
from cookbook.reader.exercises import Context
from cookbook.reader.recipe import Recipe

# No leaves_nothing fixture: it would sweep the module's sandboxes after the first test; each test cleans up itself.
RECIPE = "it-exercises"


@pytest.fixture(scope="module")
def lab(client: docker.DockerClient, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The variables chapter 6's exercises read: its two sandboxes, the API client, the SDK, the CA."""
    recipe = Recipe(RECIPE, client=client)
    folder = tmp_path_factory.mktemp("tls")
    ca = tls.authority(folder / "ca")
    box = sandbox.engine(recipe=RECIPE)
    box_tls = sandbox.engine(tlsverify=True, authority=ca, recipe=RECIPE)
    try:
        shell.docker("tag cookbook/busybox busybox", on=box, show=False)
        yield {"box": box, "box_tls": box_tls, "engine_api": apilab.engine_api(box),
               "client": apilab.api_client(box, "1.41"), "ca": ca, "folder": folder, "api": api, "tls": tls,
               "apilab": apilab}  # fmt: skip
    finally:
        box.close()
        box_tls.close()
        recipe.close()


def run(solution: dict[str, Any], prefix: str, namespace: dict[str, Any]) -> None:
    """Run a solution's (or its wrong answer's) docker commands and Python lines, as the reader would."""
    on = solution.get(f"{prefix}on", solution.get("on", ""))
    for line in solution.get(f"{prefix}docker", []):
        shell.docker(line, on=namespace[on] if on else None, show=False)
    if solution.get(f"{prefix}python"):
        exec(solution[f"{prefix}python"], namespace)  # noqa: S102 - our own reference solutions


def clean(client: docker.DockerClient, namespace: dict[str, Any]) -> list[str]:
    removed = exercises.clean(client)
    for name in ("box", "box_tls"):
        if name in namespace:
            removed += exercises.clean(namespace[name].client)
    return removed


@pytest.mark.parametrize("key", sorted(exercises.everything()))
def test_an_exercise_says_not_yet_then_the_specific_line_then_passes(
    key: str, client: docker.DockerClient, lab: dict[str, Any]
) -> None:
    item = exercises.get(key)
    solution = exercises.solution(key)
    namespace = dict(lab)
    attempt = Recipe(f"{RECIPE}-attempt", client=client)  # what the commands make is labelled for it
    clean(client, namespace)
    solved, line = item.verdict(Context(client, namespace))
    assert not solved and line.startswith("not yet: "), line

    run(solution, "wrong_", namespace)
    solved, line = item.verdict(Context(client, namespace))
    assert not solved and solution["wrong_says"] in line, line

    clean(client, namespace)
    namespace = dict(lab)
    run(solution, "", namespace)
    solved, line = item.verdict(Context(client, namespace))
    assert solved, line

    clean(client, namespace)
    assert not clean(client, namespace), "nothing named cb-ex-... is left"
    attempt.close()
