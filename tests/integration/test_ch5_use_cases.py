"""Chapter 5 on the real engine: the test matrix, an S2I build, the Glance tarball, a blue/green deploy."""

from __future__ import annotations

from pathlib import Path

import docker
import pytest

from cookbook import apptest, deploy, glance, images, poll, s2i, waits
from cookbook.recipe import Recipe

pytestmark = pytest.mark.integration


def test_matrix_passes_and_catches_an_injected_failure(client: docker.DockerClient, leaves_nothing: None) -> None:
    recipe = Recipe("t-ch5-matrix", client=client)
    try:
        passing = apptest.test_matrix(recipe, ["python311"])
        failing = apptest.test_matrix(recipe, ["python311"], inject_failure=True)
    finally:
        recipe.close()
    assert passing[0].exit_code == 0 and passing[0].passed >= 5
    assert failing[0].exit_code != 0 and failing[0].failures == ("test_injected_failure",)


def test_s2i_build_runs_the_source(client: docker.DockerClient, leaves_nothing: None) -> None:
    recipe = Recipe("t-ch5-s2i", client=client)
    try:
        plan, log = s2i.build(recipe, images.ensure("s2i-python", client=client), apptest.app_dir(), "cookbook/t-ch5-s2i:latest")
        app = recipe.run("cookbook/t-ch5-s2i:latest", ports={8000: None}, wait=waits.HttpStatus(8000, "/healthz"))
        host, port = waits.host_port(app, 8000)
        page = deploy.fetch(f"http://{host}:{port}/hello")
    finally:
        recipe.close()
    assert "Installing application source" in log
    assert "Hello" in page and "version dev" in page


def test_glance_tarball_has_every_layer(client: docker.DockerClient, tmp_path: Path) -> None:
    reference = images.ensure("busybox", client=client)
    archive = glance.inspect(glance.save(client, reference, tmp_path / "busybox.tar"))
    assert archive.repo_tags == [reference]
    assert len(archive.layers) == len(client.images.get(reference).attrs["RootFS"]["Layers"])


def test_blue_green_deploy_drops_no_request(client: docker.DockerClient, leaves_nothing: None, tmp_path: Path) -> None:
    recipe = Recipe("t-ch5-deploy", client=client)
    try:
        network = recipe.network("t-ch5-deploy")
        target = deploy.Target(network.name, "t-ch5-router", str(tmp_path / "conf"), images.ensure("python311", client=client),
                               "cookbook/t-ch5-app", "t-ch5-app", recipe.labels)
        router = deploy.start_router(target, client)
        host, port = waits.host_port(router, 80)
        deploy.deploy(target, apptest.app_dir(), "aaaaaaaaaaaa", client)
        with poll.Poller(f"http://{host}:{port}/") as polling:
            deploy.deploy(target, apptest.app_dir(), "bbbbbbbbbbbb", client)
        apps = client.containers.list(filters={"label": [f"{deploy.ROLE}=app", f"dev.cookbook.recipe={recipe.name}"]})
    finally:
        recipe.close()
    assert polling.failed == 0 and set(polling.versions) == {"aaaaaaaaaaaa", "bbbbbbbbbbbb"}
    assert [c.name for c in apps] == ["t-ch5-app-bbbbbbbbbbbb"]
