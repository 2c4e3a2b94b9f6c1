"""The hand-made Engine API client against the real local engine (unix socket)."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator

import docker
import pytest

from cookbook import engine, images, labels, sweeper
from cookbook.chapters.api import apilab
from cookbook.errors import NoEngine
from cookbook.lab import api

RECIPE = "test-api"


@pytest.fixture()
def client() -> Iterator[docker.DockerClient]:
    try:
        sdk = engine.connect()
    except NoEngine as exc:  # only a missing engine skips; any other failure fails
        pytest.skip(str(exc))
    yield sdk
    sweeper.sweep(sdk, session=labels.session_id(), recipe=RECIPE)


@pytest.fixture()
def busybox(client: docker.DockerClient) -> str:
    return images.ensure("busybox", client=client)


def test_ping_and_version() -> None:
    local = api.EngineAPI()
    ping = local.get("/_ping")
    assert ping.status == 200 and ping.body == "OK"
    assert ping.headers.get("Api-Version")
    version = api.EngineAPI(version=ping.headers["Api-Version"]).get("/version")
    assert version.request.path.startswith("/v1.") and version.body["ApiVersion"] == ping.headers["Api-Version"]


def test_container_lifecycle(client: docker.DockerClient, busybox: str) -> None:
    local = api.EngineAPI()
    body = {
        "Image": busybox,
        "Cmd": ["sh", "-c", "echo out; echo err >&2; exit 3"],
        "Labels": labels.for_recipe(RECIPE),
    }
    created = local.post("/containers/create", json_body=body)
    assert created.status == 201, created.error
    ident = created.body["Id"]
    assert local.post(f"/containers/{ident}/start").status == 204
    assert local.post(f"/containers/{ident}/wait").body["StatusCode"] == 3
    # The engine copies the two streams separately: their order in a combined read is not defined.
    stdout = local.get(f"/containers/{ident}/logs", params={"stdout": True})
    stderr = local.get(f"/containers/{ident}/logs", params={"stderr": True})
    assert (stdout.body, stderr.body) == ("out\n", "err\n")
    listed = local.get("/containers/json", params={"all": True, "filters": {"label": [f"{labels.RECIPE}={RECIPE}"]}})
    assert [c["Id"] for c in listed.body] == [ident]
    assert local.delete(f"/containers/{ident}").status == 204
    gone = local.get(f"/containers/{ident}/json")
    assert gone.status == 404 and "No such container" in gone.error


def test_build_from_a_tar_context_then_delete(client: docker.DockerClient, busybox: str) -> None:
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        dockerfile = f"FROM {busybox}\nRUN echo built > /built\n".encode()
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile)
        tar.addfile(info, io.BytesIO(dockerfile))
    tag = f"cookbook-test-api:{labels.session_id()}"
    local = api.EngineAPI()
    built = local.post(
        "/build", params={"t": tag, "labels": labels.for_recipe(RECIPE), "rm": True}, data=context.getvalue()
    )
    assert built.succeeded, built.error
    assert any("Successfully tagged" in str(m.get("stream", "")) for m in built.body)
    assert client.images.get(tag).labels[labels.RECIPE] == RECIPE
    deleted = local.delete(f"/images/{api.path_of(tag)}")
    assert deleted.ok and any("Untagged" in m for m in deleted.body)


def test_sdk_request_matches_the_hand_made_one(client: docker.DockerClient, busybox: str) -> None:
    name = f"test-api-{labels.session_id()}"
    with api.recording(client) as seen:
        client.api.create_container(busybox, command="ls", name=name, labels=labels.for_recipe(RECIPE))
    hand = api.EngineAPI().prepare(
        "POST", "/containers/create", params={"name": name}, json_body={"Image": busybox, "Cmd": ["ls"]}
    )
    assert len(seen) == 1 and hand.same_call(seen[0])
    assert not api.EngineAPI().prepare("POST", "/containers/create", json_body={"Image": busybox}).same_call(seen[0])
    assert client.api.hooks["response"] == []


def test_nothing_listening() -> None:
    with pytest.raises(api.ApiUnreachable, match="no answer from tcp://127.0.0.1:1"):
        api.EngineAPI("tcp://127.0.0.1:1").get("/_ping")


def test_explorer_form_sends_a_good_request() -> None:
    form = apilab.explorer(api.EngineAPI())
    form.inputs["method"].value = "get"
    form.inputs["path"].value = "/_ping"
    answer = form.submit()
    assert isinstance(answer, api.Response) and answer.body == "OK"
