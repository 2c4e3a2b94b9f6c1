"""Where the engine is, read from the environment without talking to it."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from cookbook import engine
from cookbook.errors import BadParameter, NoEngine


def test_docker_host_with_tls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DOCKER_HOST", "tcp://10.1.2.3:2376")
    monkeypatch.setenv("DOCKER_TLS_VERIFY", "1")
    monkeypatch.setenv("DOCKER_CERT_PATH", str(tmp_path))
    point = engine.endpoint()
    assert point.url == "tcp://10.1.2.3:2376"
    assert point.cert_path == str(tmp_path) and point.verify
    assert point.published_host == "10.1.2.3"


def test_without_variables_or_context_it_is_the_local_socket_on_loopback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_CONTEXT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))  # no contexts there
    point = engine.endpoint()
    assert point == engine.Endpoint(engine.LOCAL_SOCKET) and point.published_host == "127.0.0.1"


def test_tls_verify_without_a_cert_path_looks_in_home_and_a_cert_path_alone_does_not_verify(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("DOCKER_HOST", "tcp://10.1.2.3:2376")
    monkeypatch.setenv("DOCKER_TLS_VERIFY", "1")
    monkeypatch.delenv("DOCKER_CERT_PATH", raising=False)
    assert engine.endpoint() == engine.Endpoint("tcp://10.1.2.3:2376", str(tmp_path / ".docker"), True)
    monkeypatch.setenv("DOCKER_TLS_VERIFY", "")
    monkeypatch.setenv("DOCKER_CERT_PATH", str(tmp_path / "certs"))
    assert engine.endpoint() == engine.Endpoint("tcp://10.1.2.3:2376", str(tmp_path / "certs"), False)


def test_missing_certificates_are_named(tmp_path: Path) -> None:
    with pytest.raises(NoEngine, match="ca.pem"):
        engine.client_for(engine.Endpoint("tcp://127.0.0.1:1", str(tmp_path)))


def test_nothing_answers_is_one_clear_line() -> None:
    with pytest.raises(NoEngine, match="no Docker Engine answers at unix:///nonexistent.sock") as caught:
        engine.connect(engine.Endpoint("unix:///nonexistent.sock"))
    assert "DOCKER_HOST" in caught.value.line()


@pytest.mark.parametrize(
    ("docker_host", "published", "expected"),
    [
        ("", "", ("127.0.0.1", "127.0.0.1", False)),
        ("tcp://127.0.0.1:2376", "", ("127.0.0.1", "127.0.0.1", False)),
        ("tcp://10.1.2.3:2376", "", ("10.1.2.3", "10.1.2.3", True)),
        ("tcp://127.0.0.1:40000", "172.18.0.2", ("172.18.0.2", "172.18.0.2", True)),
    ],
    ids=["local socket", "loopback tcp", "remote", "tunnel"],
)
def test_where_ports_are_published_and_reached(
    monkeypatch: pytest.MonkeyPatch, docker_host: str, published: str, expected: tuple[str, str, bool]
) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", "/nonexistent")
    monkeypatch.setenv("DOCKER_HOST", docker_host)
    monkeypatch.setenv("COOKBOOK_PUBLISHED_HOST", published)
    monkeypatch.delenv("COOKBOOK_PUBLISH_IP", raising=False)
    assert (engine.published_host(), engine.publish_ip(), engine.beyond_loopback()) == expected


def test_publish_ip_setting_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "tcp://10.1.2.3:2376")
    monkeypatch.setenv("COOKBOOK_PUBLISH_IP", "10.9.9.9")
    assert engine.publish_ip() == "10.9.9.9"


def test_unresolvable_remote_host_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "tcp://no-such-host.invalid:2376")
    monkeypatch.delenv("COOKBOOK_PUBLISH_IP", raising=False)
    monkeypatch.delenv("COOKBOOK_PUBLISHED_HOST", raising=False)

    def no_answer(*args: object, **kwargs: object) -> None:  # no DNS query leaves this machine
        raise socket.gaierror("no such host")

    monkeypatch.setattr(socket, "getaddrinfo", no_answer)
    with pytest.raises(BadParameter, match="COOKBOOK_PUBLISH_IP"):
        engine.publish_ip()


def test_an_endpoint_read_from_given_variables_leaves_the_environment_alone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///var/run/docker.sock")
    variables = {"DOCKER_HOST": "tcp://127.0.0.1:2376", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(tmp_path)}
    point = engine.endpoint(variables)
    assert (point.url, point.cert_path, point.verify) == ("tcp://127.0.0.1:2376", str(tmp_path), True)
    assert engine.endpoint().url == "unix:///var/run/docker.sock"
