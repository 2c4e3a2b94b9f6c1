"""The main job from the command line: executed notebooks, HTML, summary.csv and index.html in build/."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cookbook import cli


def test_cookbook_run_writes_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a relative --out, as `make run` gives it
    assert cli.main(["run", "0", "--quick", "--out", "build"]) == 0
    build = tmp_path / "build"
    rows = list(csv.DictReader((build / "summary.csv").open()))
    assert rows and all(row["passed"] == "True" for row in rows)
    assert {row["notebook"] for row in rows} == {"00-start-here"}
    assert (build / "00-start-here.ipynb").is_file() and (build / "00-start-here.html").is_file()
    index = (build / "index.html").read_text()
    assert "00-start-here.html" in index and "passed" in index and "Engine" in index
    assert "cookbook/busybox" in index and "busybox-static 1:" in index, "the report names the images' package versions"
