"""The docker command line taken apart: command words, label injection on every creating subcommand, run options."""

from __future__ import annotations

import pytest

from cookbook import dockerargs
from cookbook.dockerargs import Command, split

LABELS = {"dev.cookbook.managed": "true", "dev.cookbook.recipe": "demo"}


@pytest.mark.parametrize(
    ("argv", "flags", "words", "args"),
    [
        (["ps", "-a"], (), ("ps",), ("-a",)),
        (["-H", "tcp://127.0.0.1:2375", "info"], ("-H", "tcp://127.0.0.1:2375"), ("info",), ()),
        (
            ["--tlsverify", "--tlscacert=ca.pem", "-H=h:1", "version"],
            ("--tlsverify", "--tlscacert=ca.pem", "-H=h:1"),
            ("version",),
            (),
        ),
        (["network", "create", "--driver", "bridge", "app"], (), ("network", "create"), ("--driver", "bridge", "app")),
        (["network", "--help"], (), ("network",), ("--help",)),
        (["--context", "remote", "service", "create", "web"], ("--context", "remote"), ("service", "create"), ("web",)),
    ],
)
def test_split(argv: list[str], flags: tuple[str, ...], words: tuple[str, ...], args: tuple[str, ...]) -> None:
    command = split(argv)
    assert (command.flags, command.words, command.args) == (flags, words, args)
    assert command.argv == argv


CREATING = [
    (["run", "-d", "busybox"], ["--label"]),
    (["create", "busybox"], ["--label"]),
    (["container", "run", "busybox"], ["--label"]),
    (["container", "create", "busybox"], ["--label"]),
    (["build", "-t", "x", "."], ["--label"]),
    (["image", "build", "."], ["--label"]),
    (["buildx", "build", "."], ["--label"]),
    (["network", "create", "app"], ["--label"]),
    (["volume", "create", "notes"], ["--label"]),
    (["secret", "create", "pw", "-"], ["--label"]),
    (["config", "create", "conf", "file"], ["--label"]),
    (["service", "create", "--name", "web", "busybox"], ["--label", "--container-label"]),
    (["commit", "ctr", "img"], ["--change"]),
    (["container", "commit", "ctr", "img"], ["--change"]),
    (["import", "file.tar", "img"], ["--change"]),
    (["image", "import", "file.tar"], ["--change"]),
]


@pytest.mark.parametrize(("argv", "flags"), CREATING, ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_every_creating_subcommand_gets_the_labels_right_after_its_words(argv: list[str], flags: list[str]) -> None:
    command = split(["-H", "tcp://h:1", *argv])
    assert command.creates
    labelled = dockerargs.with_labels(command, LABELS)
    words = len(command.words)
    injected = labelled.args[: len(labelled.args) - len(command.args)]
    assert labelled.args[len(injected) :] == command.args, "the reader's arguments follow, unchanged"
    assert sorted(set(injected[::2])) == sorted(flags)
    if flags == ["--change"]:
        assert injected[1] == 'LABEL "dev.cookbook.managed"="true" "dev.cookbook.recipe"="demo"'
    else:
        assert set(injected[1::2]) == {"dev.cookbook.managed=true", "dev.cookbook.recipe=demo"}
    assert labelled.argv[2 : 2 + words] == list(command.words)
    assert dockerargs.without_labels(labelled.argv, "dev.cookbook") == command.argv


@pytest.mark.parametrize("argv", [["ps"], ["exec", "x", "ls"], ["network", "ls"], ["start", "x"], ["tag", "a", "b"]])
def test_other_commands_get_no_labels(argv: list[str]) -> None:
    command = split(argv)
    assert not command.creates and dockerargs.with_labels(command, LABELS) == command


def test_parse_run_finds_the_image_after_flags_with_and_without_values() -> None:
    run = dockerargs.parse_run(
        ["-dit", "--rm", "-p", "127.0.0.1::80", "--name=web", "-eA=1", "-v", "/srv:/data:ro", "--init",
         "cookbook/web", "nginx", "-g", "daemon off;"]
    )  # fmt: skip
    assert run.image == "cookbook/web" and run.command == ["nginx", "-g", "daemon off;"]
    assert run.detached and run.name == "web" and run.values("-p") == ["127.0.0.1::80"]
    assert run.values("-e") == ["A=1"] and run.has("--init")
    assert dockerargs.binds(run) == [dockerargs.Bind("/srv", "/data", "ro", "/srv:/data:ro")]
    assert dockerargs.parse_run(run.argv()).argv() == run.argv()


def test_named_volumes_are_not_binds_and_without_binds_drops_only_the_given() -> None:
    run = dockerargs.parse_run(["-v", "notes:/data", "-v", "/a:/b", "--volume=/c:/d", "busybox"])
    found = dockerargs.binds(run)
    assert [b.source for b in found] == ["/a", "/c"]
    assert dockerargs.without_binds(run, found[:1]).argv() == ["-v", "notes:/data", "--volume", "/c:/d", "busybox"]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "--name", "web", "busybox"], ("container", "web")),
        (["create", "--name=db", "busybox"], ("container", "db")),
        (["run", "busybox"], None),
        (["network", "create", "--ipv6", "--subnet", "2001:db8::/64", "v6net"], ("network", "v6net")),
        (["network", "create", "-d", "overlay", "--attachable", "flannel"], ("network", "flannel")),
        (["volume", "create", "notes"], ("volume", "notes")),
        (["volume", "create", "--name", "notes"], ("volume", "notes")),
        (["volume", "create"], None),
        (["build", "-t", "x", "."], None),
    ],
)
def test_created_name(argv: list[str], expected: tuple[str, str] | None) -> None:
    assert dockerargs.created_name(split(argv)) == expected


@pytest.mark.parametrize(
    ("argv", "operator"), [(["save", "x", ">", "x.tar"], ">"), (["ps", "|", "grep"], "|"), (["ps"], None)]
)
def test_shell_operators_are_found(argv: list[str], operator: str | None) -> None:
    assert dockerargs.shell_operator(argv) == operator


def test_a_command_rebuilt_with_other_args_keeps_flags_and_words() -> None:
    command = Command(("-H", "x"), ("run",), ("busybox",))
    assert command.with_args(["-d", "busybox"]).argv == ["-H", "x", "run", "-d", "busybox"]


def test_named_volumes_are_told_from_paths() -> None:
    run = dockerargs.parse_run(
        ["-v", "notes:/data", "-v", "/srv:/srv", "-v", "/anon", "-v", "$PWD/x:/x", "--mount", "type=volume,source=logs,target=/l",
         "--mount", "type=bind,source=/a,target=/b", "busybox"]
    )  # fmt: skip
    assert dockerargs.named_volumes(run) == ["notes", "logs"]
