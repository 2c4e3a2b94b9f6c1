"""Chapter 6 against sandbox engines: TLS refusals, and a file served inside a sandbox's namespace."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from cookbook import api, apilab, engine, labels, sandbox, tls

RECIPE = "test-api-sandbox"


@pytest.fixture()
def host() -> Iterator[None]:
    try:
        client = engine.connect()
    except Exception as exc:
        pytest.skip(str(exc))
    yield
    labels.sweep(client, session=labels.session_id(), recipe=RECIPE)


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
        variables = {"DOCKER_HOST": box.url, "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(mine.folder)}
        assert apilab.docker_cli(["info", "--format", "{{.Name}}"], variables).output == box.name
        assert not apilab.docker_cli(["info"], {"DOCKER_HOST": box.url}).ok


def test_fromsrc_imports_a_tarball_served_in_the_sandbox(host: None) -> None:
    with sandbox.engine(recipe=RECIPE) as box:
        apilab.stock(box)
        apilab.file_server_for(box, RECIPE, {"image.tar": apilab.rootfs_tarball(box)}, port=8123)
        engine_api = api.EngineAPI(box.url)
        answer = engine_api.post("/images/create", params={"fromSrc": "http://127.0.0.1:8123/image.tar", "repo": "imported"})
        assert answer.succeeded, answer.error
        assert engine_api.get("/images/imported:latest/json").ok
        missing = engine_api.post("/images/create", params={"fromSrc": "http://127.0.0.1:8123/nothing.tar", "repo": "x"})
        assert not missing.succeeded
