"""The executor without an engine: a fake ``docker`` program on PATH records what it is given.

What the reader sees (``$ docker ...`` as written, then the output) and what the CLI gets (the
same arguments plus our labels) are compared, as are the errors for bad lines.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import docker.errors
import pytest
from IPython.core.interactiveshell import InteractiveShell

from cookbook import config, dockercli, engine, hostfiles, images, labels, shell
from cookbook.errors import BadParameter, CommandFailed, MissingProgram
from cookbook.reader import magics, show

FAKE = """#!/bin/sh
# Records its arguments (one JSON list per line) and its folder, then acts on a few of them.
python3 -c 'import json, os, sys; print(json.dumps({"cwd": os.getcwd(), "argv": sys.argv[1:]}))' "$@" >> "$FAKE_DOCKER_LOG"
case "$*" in
  *fail*) echo "Error response from daemon: it failed" >&2; exit 125 ;;
  *many*) for i in $(seq 1 50); do echo "line $i"; done ;;
  *" create "*|create*) echo 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef ;;
  *) echo "ran: $*" ;;
esac
"""


class _Collection:
    def __init__(self, items: dict[str, Any] | None = None) -> None:
        self.items = items or {}

    def get(self, name: str) -> Any:
        if name not in self.items:
            raise docker.errors.NotFound("no such thing")
        return self.items[name]


class _Owned:
    def __init__(self, owner: dict[str, str]) -> None:
        self.labels = owner
        self.attrs = {"Labels": owner}


class _Client:
    def __init__(self) -> None:
        self.containers, self.networks, self.volumes = _Collection(), _Collection(), _Collection()


@pytest.fixture()
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, _Client]:
    """A fake docker CLI first on PATH, a fake engine, and the log of what the CLI got."""
    program = tmp_path / "bin" / "docker"
    program.parent.mkdir()
    program.write_text(FAKE)
    program.chmod(program.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("PATH", f"{program.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_DOCKER_LOG", str(log))
    client = _Client()
    monkeypatch.setattr(engine, "connect", lambda *a, **k: client)
    monkeypatch.setattr(images, "ensure", lambda name, **k: f"cookbook/{name}:hash")
    monkeypatch.setattr(hostfiles, "engine_sees", lambda client: True)
    return log, client


def calls(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_prints_the_line_as_written_and_runs_it_with_labels_from_the_checkout(
    fake: tuple[Path, _Client], capsys: pytest.CaptureFixture[str]
) -> None:
    result = shell.docker("docker run --rm -v \"$PWD/data\":/d cookbook/busybox echo 'a b'  # why", recipe="demo")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "$ docker run --rm -v \"$PWD/data\":/d cookbook/busybox echo 'a b'  # why"
    (call,) = calls(fake[0])
    root = str(config.project_root())
    assert call["cwd"] == root
    assert (
        call["argv"][0] == "run"
        and call["argv"][-4:] == ["-v", f"{root}/data:/d", "cookbook/busybox", "echo", "a b"][-4:]
    )
    assert f"{labels.RECIPE}=demo" in call["argv"] and f"{labels.SESSION}={labels.session_id()}" in call["argv"]
    assert result.ok and result.stdout.startswith("ran: run --label")


def test_without_the_word_docker_it_is_added(fake: tuple[Path, _Client], capsys: pytest.CaptureFixture[str]) -> None:
    shell.docker("ps -a")
    assert capsys.readouterr().out.startswith("$ docker ps -a\n")
    assert calls(fake[0])[0]["argv"] == ["ps", "-a"]


def test_a_sandbox_target_adds_and_shows_its_flags(
    fake: tuple[Path, _Client], capsys: pytest.CaptureFixture[str]
) -> None:
    class Box:
        url = "tcp://127.0.0.1:32000"
        cert_path: Path | None = Path("/certs")
        client = _Client()

        def load(self, image: str) -> str:
            return image

    shell.docker("docker info", on=Box())
    shown = capsys.readouterr().out.replace(" \\\n    ", " ").splitlines()[0]  # continuation lines joined
    flags = [
        "-H",
        "tcp://127.0.0.1:32000",
        "--tlsverify",
        "--tlscacert=/certs/ca.pem",
        "--tlscert=/certs/cert.pem",
        "--tlskey=/certs/key.pem",
    ]
    assert shown == "$ docker " + " ".join(flags) + " info"
    assert calls(fake[0])[0]["argv"] == [*flags, "info"]


def test_a_failing_command_shows_its_message_and_raises_one_line(
    fake: tuple[Path, _Client], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(CommandFailed) as failed:
        shell.docker("docker run --rm busybox fail")
    assert failed.value.exit_code == 125
    assert (
        "`docker run --rm busybox fail` failed with exit status 125: Error response from daemon: it failed"
        in failed.value.line()
    )
    assert "[exit status 125]" in capsys.readouterr().out


def test_check_false_returns_the_failure(fake: tuple[Path, _Client]) -> None:
    result = shell.docker("docker exec x fail", check=False)
    assert not result.ok and result.exit_code == 125 and "it failed" in result.stderr


def test_long_output_is_folded_but_kept(fake: tuple[Path, _Client], capsys: pytest.CaptureFixture[str]) -> None:
    result = shell.docker("docker logs many", lines=(3, 2))
    shown = capsys.readouterr().out.splitlines()
    assert shown[1:] == ["line 1", "line 2", "line 3", "… 45 more lines", "line 49", "line 50"]
    assert len(result.lines) == 50


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("docker save busybox > busybox.tar", "shell's `>`"),
        ("docker ps | grep web", "shell's `|`"),
        ("FOO=1", "not a docker command"),
        ("docker run 'unclosed", "cannot read"),
    ],
)
def test_lines_the_executor_cannot_run_are_refused_before_anything_runs(
    fake: tuple[Path, _Client], line: str, words: str
) -> None:
    with pytest.raises(BadParameter, match=words):
        shell.docker(line)
    assert not fake[0].exists()


def test_no_cli_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MissingProgram, match="docker.io"):
        dockercli.program()
    assert dockercli.cli_version() == "not installed"


def test_a_name_this_session_used_is_freed_first_by_a_shown_command(
    fake: tuple[Path, _Client], capsys: pytest.CaptureFixture[str]
) -> None:
    fake[1].containers.items["web"] = _Owned(labels.for_recipe("demo"))
    shell.docker("docker run -d --name web busybox")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "$ docker rm -fv web" and out[2] == "$ docker run -d --name web busybox"
    assert [c["argv"][0] for c in calls(fake[0])] == ["rm", "run"]


@pytest.mark.parametrize(
    ("owner", "whose"),
    [
        ({}, "you, not the cookbook"),
        ({labels.MANAGED: "true", labels.SESSION: "1-other", labels.HOST: "elsewhere"}, "another live session"),
    ],
)
def test_a_name_that_is_not_ours_is_never_touched(
    fake: tuple[Path, _Client], owner: dict[str, str], whose: str
) -> None:
    fake[1].networks.items["app"] = _Owned(owner)
    with pytest.raises(BadParameter, match=whose):
        shell.docker("docker network create app")
    assert not fake[0].exists()


def test_our_folders_are_copied_in_when_the_engine_cannot_see_them(
    fake: tuple[Path, _Client], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(hostfiles, "engine_sees", lambda client: False)
    source = config.project_root() / "data" / "fio"
    result = shell.docker(f"docker run --rm -v {source}:/fio:ro -v /sys:/sys cookbook/bench ls /fio")
    out = capsys.readouterr().out.replace(" \\\n    ", " ")  # continuation lines joined
    shown = [line[2:] for line in out.splitlines() if line.startswith("$ ")]
    ident = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    assert shown == [
        "docker create --rm -v /sys:/sys cookbook/bench ls /fio",
        f"docker cp {source}/. {ident}:/fio",
        f"docker start -a {ident}",
    ]
    assert result.created == ident


@pytest.fixture()
def ipython(fake: tuple[Path, _Client]) -> InteractiveShell:
    ip = InteractiveShell.instance()
    magics.register(ip)
    return ip


def test_the_cell_magic_runs_each_line_fills_in_values_and_keeps_go_templates(
    ipython: InteractiveShell, fake: tuple[Path, _Client], capsys: pytest.CaptureFixture[str]
) -> None:
    ipython.user_ns.update(server="web-1", sizes={"a": 3})
    ipython.run_cell(
        "%%docker --out made\n# a comment line\ndocker run -d --name {server} \\\n  busybox sleep {sizes['a']}\n\n"
        "docker inspect -f '{{json .State}}' {server}\n"
    )
    argvs = [c["argv"] for c in calls(fake[0])]
    assert argvs[0][-5:] == ["--name", "web-1", "busybox", "sleep", "3"]
    assert argvs[1] == ["inspect", "-f", "{{json .State}}", "web-1"]
    shown = [line for line in capsys.readouterr().out.splitlines() if line.startswith("$ ")]
    assert shown == ["$ docker run -d --name web-1 \\", "$ docker inspect -f '{{json .State}}' web-1"]
    assert "  busybox sleep 3" in capsys.readouterr().out or True
    assert [r.exit_code for r in ipython.user_ns["made"]] == [0, 0]


def test_the_cell_magic_stops_at_the_first_failure_unless_told(
    ipython: InteractiveShell, fake: tuple[Path, _Client]
) -> None:
    ipython.run_cell("%%docker\ndocker exec x fail\ndocker ps")
    assert len(calls(fake[0])) == 1
    ipython.run_cell("%%docker --allow-error --out done\ndocker exec x fail\ndocker ps")
    assert [r.exit_code for r in ipython.user_ns["done"]] == [125, 0]


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("--lines 0", "not a positive number"),
        ("--out 1x", "not a variable name"),
        ("--verbose", "does not take"),
        ("--on", "without a value"),
    ],
)
def test_bad_magic_options_are_one_line(line: str, words: str) -> None:
    with pytest.raises(BadParameter, match=words):
        magics.docker_options(line)


def test_an_unknown_placeholder_is_one_line() -> None:
    with pytest.raises(BadParameter, match=r"\{missing\} in the command cannot be filled in"):
        magics.expand("docker run --name {missing} busybox", {})
    assert magics.expand("x {{.Name}} {a.b}", {"a": type("A", (), {"b": 2})()}) == "x {{.Name}} 2"


def test_the_cell_magic_wants_docker_at_the_start_of_each_line(
    ipython: InteractiveShell, fake: tuple[Path, _Client]
) -> None:
    with pytest.raises(BadParameter, match="not a docker command"):
        magics.docker_cell("", "ls -l")
    assert not fake[0].exists()


def test_commands_joins_continuations_and_skips_comments() -> None:
    assert magics.commands("# c\n\ndocker a \\\n  b\ndocker c # x\n") == ["docker a \\\n  b", "docker c # x"]


def test_pwd_is_filled_in_as_a_shell_would_and_not_inside_single_quotes(fake: tuple[Path, _Client]) -> None:
    root = str(config.project_root())
    shell.docker("""docker run --rm -v "$PWD/a":/a -v ${PWD}/b:/b cookbook/busybox sh -c 'echo $PWD' "it's $PWD" """)
    argv = calls(fake[0])[0]["argv"]
    assert argv[-9:] == ["-v", f"{root}/a:/a", "-v", f"{root}/b:/b", "cookbook/busybox", "sh", "-c", "echo $PWD",
                         f"it's {root}"]  # fmt: skip


def test_tls_flags_of_a_sandbox_in_the_checkout_are_written_so_a_shell_fills_in_pwd(
    fake: tuple[Path, _Client], capsys: pytest.CaptureFixture[str]
) -> None:
    class Box:
        url = "tcp://127.0.0.1:32001"
        cert_path: Path | None = config.project_root() / ".cookbook" / "certs"
        client = _Client()

        def load(self, image: str) -> str:
            return image

    shell.docker("docker version", on=Box())
    shown = capsys.readouterr().out.splitlines()[0]
    assert '--tlscacert="$PWD/.cookbook/certs/ca.pem"' in shown and "'" not in shown
    assert f"--tlscacert={config.project_root()}/.cookbook/certs/ca.pem" in calls(fake[0])[0]["argv"]


def test_shell_style_braces_are_not_placeholders_and_tail_is_an_option() -> None:
    assert magics.expand("dpkg-query -W -f='${Package} ${Version}\\n' {name}", {"name": "x"}) == (
        "dpkg-query -W -f='${Package} ${Version}\\n' x"
    )
    options = magics.docker_options("--lines 3 --tail 0 --out seen")
    assert (options.lines, options.tail, options.out) == (3, 0, "seen")


def test_a_form_fills_values_into_single_arguments_and_only_its_own_pwd() -> None:
    from cookbook.reader import widgets

    root = str(config.project_root())
    argv = widgets.fill("docker run -v $PWD/data:/d cookbook/busybox echo {message}", {"message": "$PWD; rm -rf / #"})
    assert argv == ["docker", "run", "-v", f"{root}/data:/d", "cookbook/busybox", "echo", "$PWD; rm -rf / #"]
    with pytest.raises(BadParameter, match="is empty"):
        widgets.fill("docker run cookbook/busybox echo {message}", {"message": "  "})


def test_progress_prints_each_step_and_the_end_outside_a_notebook(capsys: pytest.CaptureFixture[str]) -> None:
    from cookbook.reader.show import Progress

    with Progress("CPU") as step:
        step("round 1/3")
        step("round 2/3")
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["CPU: round 1/3", "CPU: round 2/3"]
    assert lines[2].startswith("CPU: done: 2 steps in ")


def test_factored_says_a_constant_environment_once_and_keeps_a_varying_one(capsys: pytest.CaptureFixture[str]) -> None:
    import pandas as pd

    frame = pd.DataFrame(
        {"side": ["host", "container"], "kernel": ["6.1", "6.1"], "storage_driver": ["vfs", "overlay2"]}
    )
    shown = show.factored(frame, ["kernel", "storage_driver", "cores"])
    assert list(shown.columns) == ["side", "storage_driver"]
    assert capsys.readouterr().out == "kernel: 6.1\n"


def test_a_table_shows_long_cells_whole_gaps_blank_and_counts_whole() -> None:
    rows: list[dict[str, Any]] = [{"steps": "checkout=success, " * 5 + "deploy=success", "tests": None}]
    rows.append({"steps": "x", "tests": 5})
    shown = show.table(rows, ["steps", "tests"])
    assert "deploy=success" in shown._repr_html_() and "deploy=success" in repr(shown)
    assert "NaN" not in repr(shown) and "5.0" not in repr(shown) and " 5" in repr(shown)
    assert list(shown.frame.columns) == ["steps", "tests"]
