"""The exercise framework without an engine: the panel's verdicts and hint, the exercises' files, the prefix."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import docker.errors
import pytest

from cookbook import config
from cookbook.reader import exercises
from cookbook.reader.exercises import Context


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


def test_every_checker_has_a_file_with_its_texts_and_every_file_has_a_checker() -> None:
    files = sorted(path.stem for path in (config.project_root() / "data" / "exercises").glob("*.toml"))
    found = exercises.everything()
    assert files == sorted(found)
    for key, item in found.items():
        table = exercises.solution(key)
        for name in exercises.TEXTS:
            assert isinstance(table.get(name), str) and table[name].strip(), f"{key}: no {name}"
        assert (item.recipe, item.task, item.hint) == (table["recipe"], table["task"], table["hint"]), key


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('recipe = "networking-basics"\nhint = "--net=none"\n', "ch4-no-network.toml has no task."),
        ('recipe = "networking-basics"\ntask = "Start it."\nhint = ""\n', "ch4-no-network.toml has no hint."),
        (None, "there is no "),
    ],
)
def test_a_missing_file_or_text_is_named(
    text: str | None, says: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "data" / "exercises"
    folder.mkdir(parents=True)
    if text is not None:
        (folder / "ch4-no-network.toml").write_text(text)
    monkeypatch.setattr(config, "project_root", lambda: tmp_path)
    with pytest.raises(exercises.ExerciseFileError) as raised:
        exercises.get("ch4-no-network")
    assert says in str(raised.value) and str(folder) in str(raised.value)


def test_a_missing_variable_is_one_line() -> None:
    item = exercises.get("ch6-top-ps-args")
    box = SimpleNamespace(client=SimpleNamespace(containers=SimpleNamespace(get=lambda name: object())))
    solved, line = item.verdict(Context(None, {"box": box}))  # type: ignore[arg-type]
    assert (solved, line) == (False, "not yet: there is no variable top_answer in the notebook yet.")


@pytest.mark.parametrize("key", ["ch9-none", ""])
def test_an_unknown_exercise_is_refused(key: str) -> None:
    with pytest.raises(KeyError):
        exercises.get(key)


CHAPTERS = {
    "ch4": "04-networking-and-data",
    "ch5": "05-use-cases",
    "ch6": "06-api-and-bindings",
    "ch7": "07-performance",
}


@pytest.mark.parametrize("prefix", sorted(CHAPTERS))
def test_every_exercise_is_in_its_chapter_after_a_see_also_and_the_chapter_has_a_book_map(prefix: str) -> None:
    import nbformat

    from cookbook import config

    notebook = nbformat.read(config.project_root() / "notebooks" / f"{CHAPTERS[prefix]}.ipynb", as_version=4)
    sources = [cell.source for cell in notebook.cells]
    assert "today's way, in Docker's documentation" in sources[0], "the chapter opens with its book map"
    keys = sorted(key for key in exercises.everything() if key.startswith(f"{prefix}-"))
    shown = sorted(s.split('"')[1] for s in sources if s.startswith("cb.exercises.show("))
    assert shown == keys
    for key in keys:
        at = sources.index(f'cb.exercises.show("{key}")')
        recipe = sources[max(0, at - 25) : at + 6]
        assert any(s.startswith("**See also.**") or "\n**See also.**" in s for s in recipe), f"{key}: no See also"
    assert any("cb.exercises.clean(" in s for s in sources), "the chapter removes what the tasks made"
