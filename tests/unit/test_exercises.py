"""The exercise framework without an engine: the panel's verdicts and hint, solution files, the prefix."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import docker.errors
import pytest

from cookbook import exercises
from cookbook.exercises import Context


class _NoContainers:
    def get(self, name: str) -> Any:
        raise docker.errors.NotFound(f"no {name}")


def test_the_panel_says_what_is_wrong_and_adds_the_hint_from_the_second_miss() -> None:
    item = exercises.get("ch6-sdk-memory")
    context = Context(SimpleNamespace(containers=_NoContainers()), {})  # type: ignore[arg-type]
    panel = exercises.Panel(item, lambda: context)
    assert panel.check() == (False, "not yet: there is no container named cb-ex-sdk yet.")
    solved, line = panel.check()
    assert not solved and line.endswith(f"Hint: {item.hint}") and "not yet" in panel.verdict.value
    assert repr(panel) == "Your turn (ch6-sdk-memory): press Check in JupyterLab"


def test_every_exercise_has_its_solution_and_a_wrong_answer_with_its_line() -> None:
    found = exercises.everything()
    assert found, "no exercise is registered"
    for key, item in found.items():
        solution = exercises.solution(key)
        assert solution.get("docker") or solution.get("python"), key
        assert solution.get("wrong_docker") or solution.get("wrong_python"), key
        assert solution["wrong_says"], key
        assert item.task and item.hint and key.startswith(("ch4-", "ch5-", "ch6-", "ch7-"))


def test_a_missing_variable_is_one_line() -> None:
    item = exercises.get("ch6-top-ps-args")
    box = SimpleNamespace(client=SimpleNamespace(containers=SimpleNamespace(get=lambda name: object())))
    solved, line = item.verdict(Context(None, {"box": box}))  # type: ignore[arg-type]
    assert (solved, line) == (False, "not yet: there is no variable top_answer in the notebook yet.")


@pytest.mark.parametrize("key", ["ch9-none", ""])
def test_an_unknown_exercise_is_refused(key: str) -> None:
    with pytest.raises(KeyError):
        exercises.get(key)
