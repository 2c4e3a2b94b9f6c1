"""Where the engine is, read from the environment without talking to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cookbook import engine
from cookbook.errors import NoEngine


def test_docker_host_with_tls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DOCKER_HOST", "tcp://10.1.2.3:2376")
    monkeypatch.setenv("DOCKER_TLS_VERIFY", "1")
    monkeypatch.setenv("DOCKER_CERT_PATH", str(tmp_path))
    point = engine.endpoint()
    assert point.url == "tcp://10.1.2.3:2376"
    assert point.cert_path == str(tmp_path) and point.verify
    assert point.published_host == "10.1.2.3"


def test_local_socket_publishes_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", "/nonexistent")
    assert engine.Endpoint(engine.LOCAL_SOCKET).published_host == "127.0.0.1"


def test_missing_certificates_are_named(tmp_path: Path) -> None:
    with pytest.raises(NoEngine, match="ca.pem"):
        engine.client_for(engine.Endpoint("tcp://127.0.0.1:1", str(tmp_path)))


def test_nothing_answers_is_one_clear_line() -> None:
    with pytest.raises(NoEngine, match="no Docker Engine answers at unix:///nonexistent.sock") as caught:
        engine.connect(engine.Endpoint("unix:///nonexistent.sock"))
    assert "DOCKER_HOST" in caught.value.line()
