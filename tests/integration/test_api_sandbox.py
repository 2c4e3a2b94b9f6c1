"""Chapter 6 against sandbox engines: TLS refusals, and a tarball served inside a sandbox for fromSrc."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cookbook import engine, labels, shell, sweeper
from cookbook.chapters.api import apilab
from cookbook.errors import NoEngine
from cookbook.lab import api, sandbox, tls

RECIPE = "test-api-sandbox"


@pytest.fixture()
def host() -> Iterator[None]:
    try:
        client = engine.connect()
    except NoEngine as exc:  # only a missing engine skips; any other failure fails
        pytest.skip(str(exc))
    yield
    sweeper.sweep(client, session=labels.session_id(), recipe=RECIPE)


def test_tls_sandbox_serves_only_our_clients(host: None, tmp_path: Path) -> None:
    ca = tls.authority(tmp_path / "ca")
    mine = tls.client(ca, tmp_path / "client")
    other = tls.client(tls.authority(tmp_path / "other-ca"), tmp_path / "other-client")
    with sandbox.engine(tlsverify=True, authority=ca, recipe=RECIPE) as box:
        assert api.EngineAPI(box.url, tls=api.TlsFiles.folder(mine.folder)).get("/_ping").body == "OK"
        for refused in (api.TlsFiles(ca=mine.ca), api.TlsFiles(ca=mine.ca, cert=other.cert, key=other.key)):
            with pytest.raises(api.ApiUnreachable, match="TLS refused"):
                api.EngineAPI(box.url, tls=refused).get("/_ping")
        with pytest.raises(api.ApiUnreachable, match="TLS refused.*certificate verify failed"):
            api.EngineAPI(box.url, tls=api.TlsFiles(ca=other.ca, cert=mine.cert, key=mine.key)).get("/_ping")
        # the CLI as the notebook runs it: the variables on the line, the certificates named from the top folder
        certs = apilab.from_top(mine.folder)
        variables = f"DOCKER_HOST={box.url} DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH={certs}"
        assert shell.docker(f"{variables} docker info --format '{{{{.Name}}}}'", show=False).text == box.name
        flags = f"--tlsverify --tlscacert={certs}/ca.pem --tlscert={certs}/cert.pem --tlskey={certs}/key.pem"
        assert shell.docker(f"docker {flags} -H={box.url} version", show=False).ok
        plain = shell.docker(f"DOCKER_TLS_VERIFY= DOCKER_HOST={box.url} docker info", check=False, show=False)
        assert not plain.ok


def test_fromsrc_imports_a_tarball_served_in_the_sandbox(host: None) -> None:
    with sandbox.engine(recipe=RECIPE) as box:
        shell.docker("run -d --name ch6-test-tarball -p 127.0.0.1:8123:80 cookbook/busybox httpd -f -h /tmp",
                     on=box, recipe=RECIPE, show=False)  # fmt: skip
        shell.docker("exec ch6-test-tarball tar -cf /tmp/image.tar -C / bin", on=box, show=False)
        engine_api = api.EngineAPI(box.url)
        answer = engine_api.post(
            "/images/create", params={"fromSrc": "http://127.0.0.1:8123/image.tar", "repo": "imported"}
        )
        assert answer.succeeded, answer.error
        assert engine_api.get("/images/imported:latest/json").ok
        missing = engine_api.post(
            "/images/create", params={"fromSrc": "http://127.0.0.1:8123/nothing.tar", "repo": "x"}
        )
        assert not missing.succeeded
