"""Chapter 5 on the real engine: the test images, an S2I build, the Glance tarball, a blue/green deploy.

The docker commands go through the executor (:func:`cookbook.shell.docker`), as in the notebook.
"""

from __future__ import annotations

from pathlib import Path

import docker
import pytest

from cookbook import apptest, deploy, glance, images, labels, poll, s2i, shell, waits
from cookbook.recipe import Recipe

pytestmark = pytest.mark.integration


def test_test_image_passes_and_catches_an_injected_failure(client: docker.DockerClient, leaves_nothing: None) -> None:
    recipe = Recipe("t-ch5-testing", client=client)
    app, failing = "$PWD/data/apps/blueprint:/test:ro", "$PWD/data/testing/failing:/failing:ro"
    try:
        shell.docker("build -t t-ch5-py311test -f data/testing/Dockerfile_3.11 data/testing", show=False)
        passed = shell.docker(f"run --rm -v {app} t-ch5-py311test", check=False, show=False)
        failed = shell.docker(f"run --rm -v {app} -v {failing} t-ch5-py311test py.test /test /failing",
                              check=False, show=False)  # fmt: skip
    finally:
        recipe.close()
    assert client.images.list(name="t-ch5-py311test") == []  # the recipe's clean-up removed the image
    good, bad = apptest.parse(passed.exit_code, passed.stdout), apptest.parse(failed.exit_code, failed.stdout)
    assert good.exit_code == 0 and good.passed >= 5 and good.python.startswith("3.11")
    assert bad.exit_code == 1 and bad.failures == ("test_injected_failure",)


def test_s2i_build_runs_the_source(client: docker.DockerClient, leaves_nothing: None) -> None:
    recipe = Recipe("t-ch5-s2i", client=client)
    try:
        context = labels.scratch(recipe.name, "s2i")  # the recipe's clean-up removes it
        s2i.write_context(client, images.ensure("s2i-python", client=client), apptest.app_dir(), context)
        built = shell.docker(["build", "-t", "cookbook/t-ch5-s2i", str(context)], show=False)
        app = recipe.run("cookbook/t-ch5-s2i", ports={8000: None}, wait=waits.HttpStatus(8000, "/healthz"))
        host, port = waits.host_port(app, 8000)
        page = deploy.fetch(f"http://{host}:{port}/hello")
    finally:
        recipe.close()
    assert "Installing application source" in built.stdout
    assert "Hello" in page and "version dev" in page


def test_glance_tarball_has_every_layer(client: docker.DockerClient, tmp_path: Path) -> None:
    reference = images.ensure("busybox", client=client)
    tarball = tmp_path / "busybox.tar"
    shell.docker(["save", "-o", str(tarball), reference], show=False)
    archive = glance.inspect(tarball)
    assert archive.repo_tags == [reference]
    layers = client.images.get(reference).attrs["RootFS"]["Layers"]
    assert [layer["diff_id"] for layer in archive.layers] == layers


def test_blue_green_deploy_drops_no_request(client: docker.DockerClient, leaves_nothing: None) -> None:
    recipe = Recipe("t-ch5-deploy", client=client)
    try:
        shell.docker("network create t-ch5-deploy", show=False)
        router = shell.docker("run -d --name t-ch5-router --network t-ch5-deploy -p 127.0.0.1::80 cookbook/web",
                              show=False).container  # fmt: skip
        target = deploy.Target("t-ch5-deploy", "t-ch5-router", images.ensure("python311", client=client),
                               "cookbook/t-ch5-app", "t-ch5-app", recipe.labels)  # fmt: skip
        host, port = waits.host_port(router, 80)
        deploy.deploy(target, apptest.app_dir(), "aaaaaaaaaaaa", client)
        with poll.Poller(f"http://{host}:{port}/") as polling:
            deploy.deploy(target, apptest.app_dir(), "bbbbbbbbbbbb", client)
        apps = client.containers.list(filters={"label": [f"{deploy.ROLE}=app", f"dev.cookbook.recipe={recipe.name}"]})
    finally:
        recipe.close()
    assert polling.failed == 0 and set(polling.versions) == {"aaaaaaaaaaaa", "bbbbbbbbbbbb"}
    assert [c.name for c in apps] == ["t-ch5-app-bbbbbbbbbbbb"]
