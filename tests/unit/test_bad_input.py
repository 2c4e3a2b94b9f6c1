"""Bad input on every entry point of the command line: one line naming the problem and the fix, the
right exit code (2 for usage errors), no traceback, nothing created. No engine is needed: each case
fails before one would be asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from cookbook import cli

CASES = [
    (["images", "list", "--policy", "bogus"], {}, "invalid choice: 'bogus'"),
    (["images", "build", "nosuch"], {}, "'nosuch' is not an image of the catalogue"),
    (["images", "frobnicate"], {}, "invalid choice: 'frobnicate'"),
    (["run", "9"], {}, "chapter '9' is not one of ours"),
    (["run", "a"], {}, "chapter 'a' is ambiguous"),
    (["run", "0", "--all"], {}, "give chapters or --all, not both"),
    (["run", "0", "-p", "nosuch=1"], {}, "00-start-here has no parameter 'nosuch'"),
    (["run", "0", "-p", "greeting=5"], {}, "should be a str"),
    (["run", "0", "-p", "quick"], {}, "is not NAME=VALUE"),
    (["run", "7", "-p", "pairs=0"], {}, "parameter pairs=0 is out of range"),
    (["run", "7", "-p", "pairs=2.5"], {}, "parameter pairs=2.5 should be an int in 2..50 or None"),
    (["run", "7", "-p", "cpu_seconds=1000"], {}, "parameter cpu_seconds=1000 is out of range"),
    (["run", "4", "-p", "ping_count=0"], {}, "parameter ping_count=0 is out of range"),
    (["run", "5", "-p", "replicas=10"], {}, "parameter replicas=10 is out of range"),
    (["run", "6", "-p", "tarball_port=80"], {}, "parameter tarball_port=80 is out of range"),
    (["run", "0", "-p", "two words=1"], {}, "is not NAME=VALUE"),
    (["run", "0", "--out", "/proc/cookbook-build"], {}, "cannot write to /proc/cookbook-build"),
    (["bench", "gpu"], {}, "invalid choice: 'gpu'"),
    (["bench", "cpu", "--out", "/proc/cookbook-bench"], {}, "cannot write to /proc/cookbook-bench"),
    (["lab", "--port", "70000"], {}, "port 70000 is out of range"),
    (["lab", "--port", "eighty"], {}, "invalid int value: 'eighty'"),
    (["clean", "--everything"], {}, "unrecognized arguments: --everything"),
    ([], {}, "the following arguments are required: command"),
    (
        ["doctor"],
        {"DOCKER_HOST": "tcp://engine-without-port"},
        "DOCKER_HOST='tcp://engine-without-port' is not an engine address",
    ),
    (["doctor"], {"DOCKER_HOST": "docker.example:2376"}, "is not an engine address"),
    (["doctor"], {"COOKBOOK_PUBLISH_IP": "not-an-ip"}, "COOKBOOK_PUBLISH_IP='not-an-ip' is not an IP address"),
    (["doctor"], {"COOKBOOK_WAIT_TIMEOUT": "-1"}, "COOKBOOK_WAIT_TIMEOUT='-1' must be positive"),
    (["doctor"], {"COOKBOOK_BUILD_TIMEOUT": "soon"}, "COOKBOOK_BUILD_TIMEOUT='soon' is not a number"),
    (["doctor"], {"COOKBOOK_IMAGE_POLICY": "bogus"}, "COOKBOOK_IMAGE_POLICY='bogus' is not a known policy"),
    (["clean"], {"DOCKER_HOST": "ftp://engine:21"}, "is not an engine address"),
]


@pytest.mark.parametrize(("argv", "env", "words"), CASES, ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str], env: dict[str, str], words: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        code = cli.main(argv)
    except SystemExit as exit_:  # argparse's usage errors
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert code == 2, captured
    assert len(lines) == 1 and words in lines[0] and "Fix:" in lines[0], lines
    assert "Traceback" not in captured.err + captured.out
    assert not list(tmp_path.iterdir()), "nothing is created for a bad input"


def test_no_engine_is_one_line_and_exit_1(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent.sock")
    assert cli.main(["clean"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("NoEngine: no Docker Engine answers at unix:///nonexistent.sock") and "\n" not in err
