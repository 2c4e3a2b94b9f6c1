"""The hand-made Engine API client: validation, request rendering, body parsing. No engine needed."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from cookbook.chapters.api import apilab
from cookbook.errors import BadParameter
from cookbook.lab import api

# A socket path where nothing listens: if validation let a request through, sending it
# would raise ApiUnreachable instead of BadParameter, so each bad-input test also proves
# that nothing was sent (and so nothing was created).
NOWHERE = "unix:///nonexistent/cookbook-test.sock"


@pytest.mark.parametrize(
    ("method", "path", "body", "fragment"),
    [
        ("FETCH", "/images/json", "", "method 'FETCH'"),
        ("", "/images/json", "", "method ''"),
        ("GET", "images/json", "", "does not start with a single '/'"),
        ("GET", "//images/json", "", "does not start with a single '/'"),
        ("GET", "http://127.0.0.1:2375/images/json", "", "does not start"),
        ("GET", "/images/my image", "", "characters a URL path cannot hold"),
        ("GET", "/containers/../../etc/passwd", "", "characters a URL path cannot hold"),
        ("GET", "/containers/json", '{"all": true}', "a GET request takes no body"),
        ("DELETE", "/images/busybox", '{"force": true}', "a DELETE request takes no body"),
        ("POST", "/containers/create", '{"Image": "busybox", }', "not valid JSON"),
        ("POST", "/containers/create", "{'Image': 'busybox'}", "not valid JSON"),
        ("POST", "/containers/create", '{"Image": "busybox"', "not valid JSON"),
    ],
)
def test_bad_calls_give_one_line_and_send_nothing(method: str, path: str, body: str, fragment: str) -> None:
    engine_api = api.EngineAPI(NOWHERE)
    with pytest.raises(BadParameter) as caught:
        engine_api.explore(method, path, body)
    line = caught.value.line()
    assert fragment in line
    assert "\n" not in line and "Fix:" in line


@pytest.mark.parametrize(
    ("method", "path", "body", "words"),
    [
        ("GET", "/containers/json", "{not json", "a GET request takes no body"),
        ("POST", "/containers/create", "{not json", "the body is not valid JSON"),
        ("PATCH", "/containers/json", "", "method 'PATCH' is not one the Engine API uses"),
        ("GET", "containers/json", "", "does not start with a single '/'"),
        ("GET", "/containers/../json", "", "has characters a URL path cannot hold"),
    ],
)
def test_explorer_form_prints_one_line_for_bad_input_and_sends_nothing(
    method: str, path: str, body: str, words: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine_api = api.EngineAPI(NOWHERE)
    sent: list[object] = []
    monkeypatch.setattr(engine_api, "explore", lambda *args, **kwargs: sent.append(args))
    form = apilab.explorer(engine_api)
    assert all(field.style.description_width == "initial" for field in form.inputs.values())  # labels whole
    form.inputs["method"].value, form.inputs["path"].value, form.inputs["body"].value = method, path, body
    assert form.submit() is None
    assert words in form.error_line and "Fix:" in form.error_line and "\n" not in form.error_line
    assert sent == [], "a bad request was sent"
    form.inputs["method"].value = "HEAD"
    assert form.error_line == "", "the error goes away at the next change"


def test_a_good_call_reaches_the_transport() -> None:
    with pytest.raises(api.ApiUnreachable, match="no answer from unix:///nonexistent"):
        api.EngineAPI(NOWHERE).explore("get", " /_ping ", "")


@pytest.mark.parametrize("url", ["", "docker.sock", "tcp://127.0.0.1", "ftp://127.0.0.1:21", "unix://"])
def test_bad_engine_addresses(url: str) -> None:
    with pytest.raises(BadParameter, match="is not an engine address"):
        api.EngineAPI(url)


def test_bad_api_version() -> None:
    with pytest.raises(BadParameter, match="not of the form 1.41"):
        api.EngineAPI(version="v1.41")


def test_one_body_only() -> None:
    with pytest.raises(BadParameter, match="one body"):
        api.EngineAPI(NOWHERE).prepare("POST", "/build", json_body={}, data=b"tar")


def test_missing_tls_file(tmp_path: Path) -> None:
    with pytest.raises(BadParameter, match="does not exist"):
        api.TlsFiles.folder(tmp_path).context()


def test_prepare_query_version_and_body() -> None:
    engine_api = api.EngineAPI("tcp://127.0.0.1:2375", version="1.41")
    request = engine_api.prepare(
        "post", "/containers/create", params={"name": "f21", "all": True, "skip": None}, json_body={"Image": "fedora"}
    )
    assert request.method == "POST"
    assert request.path == "/v1.41/containers/create?name=f21&all=1"
    assert request.route == "/containers/create" and request.query == {"name": "f21", "all": "1"}
    assert request.headers == {"Content-Type": "application/json"}
    assert json.loads(request.body or b"") == {"Image": "fedora"}
    registry = engine_api.prepare("POST", "/images/create", params={"fromImage": "127.0.0.1:5000/busybox"})
    assert registry.path.endswith("fromImage=127.0.0.1:5000/busybox")


def test_curl_forms() -> None:
    request = api.Request(
        "POST", "/containers/create?name=f21", b'{"Image": "fedora"}', {"Content-Type": "application/json"}
    )
    assert request.curl() == (
        'curl -X POST -H Content-Type:application/json -d \'{"Image": "fedora"}\' '
        "'http://dockerhost.example.com:2375/containers/create?name=f21'"
    )
    assert api.Request("GET", "/images/json").curl("unix:///var/run/docker.sock") == (
        "curl --unix-socket /var/run/docker.sock http://localhost/images/json"
    )
    tls = api.TlsFiles.folder("/etc/docker")
    assert api.Request("GET", "/info").curl("tcp://127.0.0.1:2376", tls) == (
        "curl --cacert ca.pem --cert cert.pem --key key.pem https://127.0.0.1:2376/info"
    )
    assert api.EngineAPI("tcp://127.0.0.1:2376", tls=tls).curl(api.Request("GET", "/info")) == (
        "curl --cacert ca.pem --cert cert.pem --key key.pem https://127.0.0.1:2376/info"
    )
    assert api.EngineAPI("tcp://127.0.0.1:2375").curl(api.Request("GET", "/info")) == "curl http://127.0.0.1:2375/info"
    build = api.Request("POST", "/build?t=apache", b"\0tar", {"Content-Type": "application/x-tar"})
    assert "--data-binary @context.tar" in build.curl()
    assert "<4 bytes of binary>" in build.wire()


def test_same_call_ignores_version_headers_and_extra_fields() -> None:
    book = api.Request("POST", "/containers/create?name=f21", b'{"Image": "fedora", "Cmd": ["ls"]}')
    sdk = api.Request(
        "POST", "/v1.41/containers/create?name=f21", b'{"Tty": false, "Cmd": ["ls"], "Image": "fedora"}', {"X": "y"}
    )
    assert book.same_call(sdk)
    assert not book.same_call(api.Request("POST", "/v1.41/containers/create?name=f22", sdk.body))
    assert not book.same_call(api.Request("POST", "/v1.41/containers/create?name=f21", b'{"Image": "debian"}'))
    assert api.Request("POST", "/images/create?fromImage=a&tag=latest").same_call(
        api.Request("POST", "/v1.41/images/create?tag=latest&fromImage=a")
    )


def _frame(stream: int, text: str) -> bytes:
    data = text.encode()
    return bytes([stream, 0, 0, 0]) + struct.pack(">I", len(data)) + data


def test_parse_bodies() -> None:
    assert api.parse_body(b"", "application/json") is None
    assert api.parse_body(b'[{"Id": "a"}]\n', "application/json") == [{"Id": "a"}]
    progress = b'{"status": "Pulling"}\r\n{"status": "Done"}\r\n'
    assert api.parse_body(progress, "application/json") == [{"status": "Pulling"}, {"status": "Done"}]
    assert api.parse_body(b"OK", "text/plain") == "OK"
    logs = _frame(1, "hi\n") + _frame(2, "err\n")
    assert api.is_multiplexed(logs) and api.parse_body(logs, "") == "hi\nerr\n"
    assert not api.is_multiplexed(b"hi there, this is plain text")
    assert not api.is_multiplexed(logs[:-1])


def test_response_error_and_success() -> None:
    request = api.Request("GET", "/x")
    assert api.Response(request, 404, "Not Found", {}, {"message": "no such image"}).error == "no such image"
    failed_pull = api.Response(request, 200, "OK", {}, [{"status": "Pulling"}, {"error": "not found"}])
    assert failed_pull.ok and not failed_pull.succeeded and failed_pull.error == "not found"
    assert api.Response(request, 204, "No Content", {}, None).succeeded
    assert str(api.Response(request, 200, "OK", {}, None)) == "GET /x -> 200 OK"


def test_tar_archive_round_trip() -> None:
    import io
    import tarfile

    from cookbook.chapters.api import apilab

    data = apilab.tar_archive({"Dockerfile": "FROM busybox\n", "blob": b"\0\1"})
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        assert tar.getnames() == ["Dockerfile", "blob"]
        assert tar.extractfile("Dockerfile").read() == b"FROM busybox\n"  # type: ignore[union-attr]


def test_from_top_names_a_path_from_the_checkouts_top_folder() -> None:
    from cookbook import config
    from cookbook.chapters.api import apilab

    assert apilab.from_top(config.project_root() / ".cookbook" / "scratch" / "x") == ".cookbook/scratch/x"


def test_tls_without_a_ca_is_refused_unless_asked_for_and_then_warns() -> None:
    import warnings

    with pytest.raises(BadParameter, match="would not check the engine's certificate"):
        api.TlsFiles().context()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        context = api.TlsFiles(unverified=True).context()
    assert context.verify_mode.name == "CERT_NONE"
    assert [w.category for w in caught] == [api.UnverifiedTls]
