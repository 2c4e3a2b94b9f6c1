"""Without an engine (Binder), a notebook stops at its first engine cell with one clear line."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from cookbook import runner


@pytest.mark.parametrize("notebook", sorted(runner.chapters().values()), ids=lambda p: p.stem)
def test_no_engine_is_one_line(notebook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent.sock")
    nb = nbformat.read(str(notebook), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(notebook.parent)}}
    )
    with pytest.raises(CellExecutionError):
        client.execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [(i, o) for i, c in enumerate(code) for o in c.outputs if o.output_type == "error"]
    assert len(errors) == 1
    index, error = errors[0]
    assert "cb.start()" in code[index].source, "the first engine cell should be the one that stops"
    assert error.ename == "NoEngine"
    assert len(error.traceback) == 1, error.traceback
    assert "unix:///nonexistent.sock" in error.traceback[0] and "DOCKER_HOST" in error.traceback[0]
    assert all(not c.outputs for c in code[index + 1 :]), "nothing after the failed cell ran"
