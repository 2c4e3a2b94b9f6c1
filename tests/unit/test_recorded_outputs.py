"""nbval's comparison applied to a papermill run (tests/notebooks/recorded.py), without an engine."""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest

from cookbook import runner
from tests.notebooks import recorded


def stream(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("stream", name="stdout", text=text)


@pytest.fixture
def pair(tmp_path: Path) -> tuple[nbformat.NotebookNode, nbformat.NotebookNode, Path, Path]:
    """A recorded notebook and its executed copy (with papermill's injected parameters cell)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# a recipe"),
        nbformat.v4.new_code_cell("quick = True", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("run()", execution_count=2),
        nbformat.v4.new_code_cell("time()", execution_count=3, metadata={"tags": ["nbval-ignore-output"]}),
    ]
    nb.cells[1].execution_count = 1
    nb.cells[2].outputs = [stream("$ docker run -p 127.0.0.1:8080:80 web\n"), stream("✔ it answers\n")]
    nb.cells[3].outputs = [stream("took 3.2 s\n")]
    ran = copy.deepcopy(nb)
    injected = nbformat.v4.new_code_cell("quick = True", metadata={"tags": ["injected-parameters"]})
    injected.execution_count = 2
    ran.cells.insert(2, injected)
    return nb, ran, tmp_path / "recorded.ipynb", tmp_path / "ran.ipynb"


def differences(pair: tuple[nbformat.NotebookNode, nbformat.NotebookNode, Path, Path]) -> list[str]:
    nb, ran, recorded_path, ran_path = pair
    nbformat.write(nb, str(recorded_path))
    nbformat.write(ran, str(ran_path))
    return recorded.differences(recorded_path, ran_path)


def test_the_same_outputs_split_otherwise_and_a_new_port_match(pair) -> None:
    pair[1].cells[3].outputs = [stream("$ docker run -p 127.0.0.1:32768:80 web\n✔ it answers\n")]
    assert differences(pair) == []


def test_a_wrapped_command_that_breaks_at_another_word_matches(pair) -> None:
    pair[0].cells[2].outputs = [stream("$ docker run -d \\\n    -v /a/session-1:/data web sleep 1\n")]
    pair[1].cells[3].outputs = [stream("$ docker run -d -v /a/session-12345:/data \\\n    web sleep 1\n")]
    found = differences(pair)
    assert len(found) == 1 and "session-1:" in found[0], "the paths differ, the break points do not count"
    pair[1].cells[3].outputs = [stream("$ docker run -d -v /a/session-1:/data \\\n    web sleep 1\n")]
    assert differences(pair) == []


def test_a_changed_line_is_a_difference_that_names_the_cell_and_shows_a_diff(pair) -> None:
    pair[1].cells[3].outputs[1] = stream("✘ it does not answer\n")
    (found,) = differences(pair)
    assert "code cell 1 (run())" in found and "stdout differs" in found
    assert "-✔ it answers" in found and "+✘ it does not answer" in found


def test_an_ignored_cell_may_differ_and_a_missing_or_unrun_cell_may_not(pair) -> None:
    pair[1].cells[4].outputs = [stream("took 9.9 s\n")]
    assert differences(pair) == []
    pair[1].cells[3].execution_count = None
    assert differences(pair) == ["recorded.ipynb code cell 1 (run()): did not run"]


def test_another_kind_of_output_is_a_difference(pair) -> None:
    pair[1].cells[3].outputs.append(nbformat.v4.new_output("display_data", data={"text/html": "<b>x</b>"}))
    (found,) = differences(pair)
    assert "output kinds" in found


@pytest.mark.parametrize("notebook", sorted(runner.chapters().values()), ids=lambda p: p.stem)
def test_each_committed_notebook_matches_itself(notebook: Path) -> None:
    assert recorded.differences(notebook, notebook) == []


@pytest.mark.parametrize("notebook", sorted(runner.chapters().values()), ids=lambda p: p.stem)
def test_each_committed_notebooks_code_fits_100_columns(notebook: Path) -> None:
    cells = nbformat.read(str(notebook), as_version=4).cells
    wide = [line for cell in cells if cell.cell_type == "code" for line in cell.source.splitlines() if len(line) > 100]
    assert not wide, wide


@pytest.mark.parametrize("notebook", sorted(runner.chapters().values()), ids=lambda p: p.stem)
def test_each_committed_notebook_names_the_kernel_as_jupyterlab_does(notebook: Path) -> None:
    """Another kernelspec display name would be rewritten on opening, and JupyterLab marks the notebook modified."""
    from jupyter_client.kernelspec import get_kernel_spec

    installed = get_kernel_spec("python3")
    spec = nbformat.read(str(notebook), as_version=4).metadata.kernelspec
    assert (spec.name, spec.display_name, spec.language) == ("python3", installed.display_name, installed.language)
