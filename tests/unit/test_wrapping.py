"""A long command is shown broken between its words (an option kept with its value), and still pastes into a shell as the same command."""

from __future__ import annotations

import shlex

import pytest

from cookbook.wrapping import WIDTH, words, wrap_command

LONG = [
    "docker run --rm --network container:ch4-master --entrypoint curl cookbook/etcd -s -XPUT "
    "'http://172.27.0.2:2379/v2/keys/coreos.com/network/subnets/10.0.1.0-24?prevExist=false' -d ttl=86400 "
    """--data-urlencode 'value={"PublicIP":"172.27.0.3","BackendType":"vxlan"}'""",
    "docker run --rm --cpuset-cpus=1 --memory=64m --ulimit nofile=1024:2048 cookbook/bench sh -c "
    "'nproc; ulimit -n; cat /sys/fs/cgroup/memory/memory.limit_in_bytes'",
    "openssl x509 -req -days 365 -sha256 -in cert.csr -CA ../../ch6/tls-x/ca.pem -CAkey ../../ch6/tls-x/ca-key.pem "
    "-CAcreateserial -out cert.pem -extfile cert.cnf",
    'docker exec ch4-master sh -c "printf \'%s\\n\' A=1 B=2 > /run/flannel/subnet.env" --long-flag "a b c d e f g h i"',
]


@pytest.mark.parametrize("line", LONG)
def test_a_long_command_is_broken_between_words_and_means_the_same(line: str) -> None:
    shown = wrap_command(line)
    rows = shown.split("\n")
    assert len(rows) > 1
    assert all(row.endswith(" \\") for row in rows[:-1]) and all(row.startswith("    ") for row in rows[1:])
    assert shlex.split(shown.replace("\\\n", "")) == shlex.split(line), "pasted into a shell, it is the same command"
    assert all(len(row) + 2 <= WIDTH or len(words(row) or []) <= 3 for row in rows), shown


def test_a_short_or_written_out_command_is_left_as_it_is() -> None:
    assert wrap_command("docker ps -a") == "docker ps -a"
    written = (
        "docker run --name ch7-hog -m 64m cookbook/bench \\\n    python3 -c \"b = b'x' * (256 << 20)\" " + "x" * 100
    )
    assert wrap_command(written) == written


def test_a_quoted_word_is_never_split() -> None:
    line = "docker run --rm cookbook/busybox sh -c '" + "echo one two three; " * 8 + "'"
    assert "'echo one two three;" in wrap_command(line).split("\n")[-1]
    assert words("a 'b c' \"d 'e\" f\\ g") == ["a", "'b c'", '"d \'e"', "f\\ g"]
    assert words("an 'open quote") is None


def test_an_option_keeps_its_value_on_its_line() -> None:
    shown = wrap_command("docker build -t cookbook/ch5-s2i-blueprint $PWD/.cookbook/scratch/" + "x" * 70)
    assert shown.split("\n")[0] == "docker build -t cookbook/ch5-s2i-blueprint \\"
