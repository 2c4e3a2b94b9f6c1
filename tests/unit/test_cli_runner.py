"""The CLI and the runner reject bad input with exit code 2 before anything runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cookbook import cli, runner
from cookbook.errors import BadParameter


def test_chapter_names_resolve() -> None:
    start = runner.resolve(["0"])[0]
    assert start.name == "00-start-here.ipynb"
    assert runner.resolve(["start-here"]) == [start]
    assert runner.resolve(["00-start-here.ipynb"]) == [start]


@pytest.mark.parametrize("name", ["9", "chapter-nine", ""])
def test_unknown_chapter(name: str) -> None:
    with pytest.raises(BadParameter, match="chapter"):
        runner.resolve([name])


def test_parameters_are_literals_or_strings() -> None:
    assert runner.parse_parameters(["pairs=5", "quick=True", "name=web", "ratio=0.5"]) == {
        "pairs": 5,
        "quick": True,
        "name": "web",
        "ratio": 0.5,
    }
    for bad in ("pairs", "=5", "two words=1"):
        with pytest.raises(BadParameter):
            runner.parse_parameters([bad])


def test_parameters_are_checked_against_the_notebook() -> None:
    start = runner.resolve(["0"])[0]
    runner.check_parameters(start, {"quick": False, "greeting": "hi"})
    with pytest.raises(BadParameter, match="no parameter 'speed'"):
        runner.check_parameters(start, {"speed": 3})
    with pytest.raises(BadParameter, match="should be a bool"):
        runner.check_parameters(start, {"quick": "yes please"})


def test_cli_bad_input_exits_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    ran: list[object] = []
    monkeypatch.setattr(runner, "execute", lambda *a, **k: ran.append(a))
    assert cli.main(["run", "42"]) == 2
    assert cli.main(["run", "0", "-p", "nope=1"]) == 2
    assert cli.main(["run", "0", "--all"]) == 2
    assert cli.main(["images", "build", "no-such-image"]) == 2
    assert ran == []
    err = capsys.readouterr().err
    assert err.count("\n") == 4 and "BadParameter" in err


def test_summary_from_report(tmp_path: Path) -> None:
    report = tmp_path / "checks.jsonl"
    report.write_text('{"notebook": "n", "recipe": "r", "title": "t", "check": "c", "passed": true, "seconds": 1.0}\n')
    rows = runner.write_summary(report, tmp_path / "summary.csv")
    assert rows[0]["passed"] is True
    assert (tmp_path / "summary.csv").read_text().splitlines()[0] == "notebook,recipe,title,check,passed,seconds"


def test_every_parameter_cell_line_is_a_papermill_parameter() -> None:
    import papermill

    for path in runner.chapters().values():
        declared = papermill.inspect_notebook(str(path))
        cells = [c for c in json.loads(path.read_text())["cells"] if "parameters" in c["metadata"].get("tags", [])]
        assigned = [
            line.split("=")[0].strip() for line in "".join(cells[0]["source"]).splitlines() if "=" in line.split("#")[0]
        ]
        assert sorted(assigned) == sorted(declared), f"{path.name}: papermill cannot read some parameters"


def test_doctor_names_the_missing_docker_cli_and_its_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no docker program anywhere
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent.sock")
    assert cli.main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "docker CLI     : not installed" in out
    assert "problem: the docker CLI is missing: apt-get install docker.io" in out
    assert "Traceback" not in out


@pytest.mark.parametrize(
    ("spec", "good", "bad", "words"),
    [
        ({"default": "None", "help": "int 1..50 or None: pairs"}, [None, 1, 50], [0, 51, 2.5, "5", True], "pairs"),
        ({"default": "2.0", "help": "float 0.5..60: seconds"}, [0.5, 2, 60.0], [0.1, 61, None, "2"], "seconds"),
        ({"default": "3", "help": "pings"}, [1, 99], ["3", 1.5, None], "pings"),
        ({"default": '"x"', "help": ""}, ["y", ""], [1, None, ["x"]], "name"),
        ({"default": "None", "help": "anything"}, [1, "a", None], [], "free"),
    ],
)
def test_declared_types_and_ranges_are_checked_before_a_kernel_starts(
    spec: dict[str, str], good: list[object], bad: list[object], words: str
) -> None:
    declared = runner.Declared.read(words, spec)
    for value in good:
        declared.check(value, "nb")
    for value in bad:
        with pytest.raises(BadParameter, match=f"nb: parameter {words}=.*(should be|out of range)"):
            declared.check(value, "nb")


def test_the_report_lists_each_chapters_exercises_and_diagrams(tmp_path: Path) -> None:
    from cookbook import report

    notebook = runner.chapters()["06-api-and-bindings"]
    (tmp_path / notebook.name).write_text(notebook.read_text())
    outcome = runner.Outcome("06-api-and-bindings", True, 1.0)
    index = report.write_index(tmp_path, [], [outcome], {"engine": "x"}).read_text()
    assert "ch6-remote-container" in index and "1 diagram drawn from the engine's state" in index


def test_the_report_links_each_bench_page(tmp_path: Path) -> None:
    from cookbook import report

    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "index.html").write_text("<html></html>")
    index = report.write_index(tmp_path, [], [], {"engine": "x"}).read_text()
    assert "<a href='bench/index.html'>bench</a>" in index


def test_the_follower_prints_each_check_as_the_report_gains_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "checks.jsonl"
    report.write_text(json.dumps({"recipe": "old", "check": "from an earlier notebook", "passed": True}) + "\n")
    follower = runner.CheckFollower(report, "04")
    follower.start()
    with report.open("a") as out:
        out.write(json.dumps({"recipe": "publish-ports", "check": "all ports answer", "passed": True}) + "\n")
        out.write(json.dumps({"recipe": "ipv6", "skipped": "remote engine"}) + "\n")
        out.write('{"recipe": "half a line')
    follower.stop()
    assert capsys.readouterr().out.splitlines() == [
        "  04 · publish-ports: ✔ all ports answer",
        "  04 · ipv6: ⏭ skipped: remote engine",
    ]
