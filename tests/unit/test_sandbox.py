"""Sandbox daemon flags, the command that waits for an environment file, and cluster parameters, without an engine."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from cookbook.errors import BadParameter
from cookbook.lab import sandbox
from cookbook.lab.sandbox import swarms


def test_plain_sandbox_serves_plain_tcp_on_purpose() -> None:
    flags = sandbox.daemon_flags()
    assert "--host=tcp://0.0.0.0:2375" in flags and "--tls=false" in flags
    assert not any(flag.startswith("--tlsverify") for flag in flags)


def test_tls_ipv6_driver_and_extra_flags() -> None:
    flags = sandbox.daemon_flags(tlsverify=True, ipv6="2001:db8:1::/64", storage_driver="vfs", extra=["--debug"])
    assert "--host=tcp://0.0.0.0:2376" in flags and "--tlsverify" in flags
    assert "--tlscacert=/certs/ca.pem" in flags and "--tlskey=/certs/server-key.pem" in flags
    assert flags[-4:] == ["--ipv6", "--fixed-cidr-v6=2001:db8:1::/64", "--storage-driver=vfs", "--debug"]


@pytest.mark.parametrize(
    ("url", "address"),
    [("tcp://10.0.0.5:2376", "10.0.0.5"), ("tcp://127.0.0.1:32768", None), ("tcp://node1.example:2376", None)],
)
def test_advertise_address_only_from_a_usable_ip(url: str, address: str | None) -> None:
    assert swarms._advertise_address(url) == address


@pytest.mark.parametrize("n", [0, sandbox.MAX_SANDBOX_NODES + 1])
def test_cluster_size_is_checked_before_anything_starts(n: int) -> None:
    with pytest.raises(BadParameter, match="nodes"):
        sandbox.cluster(n, engines=())


def test_readers_engines_need_enough_urls_and_certificates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COOKBOOK_ENGINES", "tcp://10.0.0.5:2376, tcp://10.0.0.6:2376")
    monkeypatch.delenv("COOKBOOK_ENGINES_CERT_PATH", raising=False)
    with pytest.raises(BadParameter, match="COOKBOOK_ENGINES_CERT_PATH"):
        sandbox.cluster(2)
    with pytest.raises(BadParameter, match="got 2 URL"):
        sandbox.cluster(3, cert_path="/certs")


def test_a_daemon_waits_for_its_environment_file_and_takes_its_flags_from_it(tmp_path: Path) -> None:
    """The sandbox's command, run by sh with a stand-in entrypoint that prints what it was given."""
    entrypoint = tmp_path / "dockerd-entrypoint.sh"
    entrypoint.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    entrypoint.chmod(0o755)
    env_file = tmp_path / "subnet.env"
    command = sandbox.after_environment(str(env_file), ["--bip=${FLANNEL_SUBNET}", '--label=a "quoted" `word`'])
    assert command[:2] == ["sh", "-c"] and command[-1] == str(env_file)
    waiting = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env={"PATH": f"{tmp_path}:/usr/bin:/bin"})
    time.sleep(0.5)
    assert waiting.poll() is None, "the daemon started before its file existed"
    env_file.write_text("FLANNEL_SUBNET=10.0.1.1/24\n")
    out, _ = waiting.communicate(timeout=10)
    assert out.splitlines() == ["--bip=10.0.1.1/24", '--label=a "quoted" `word`']


def test_a_swarm_of_no_sandbox_or_too_many_is_refused() -> None:
    with pytest.raises(BadParameter, match="nodes"):
        sandbox.swarm([])
