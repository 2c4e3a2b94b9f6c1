"""Chapter 5 on the real engine: the test images, an S2I build, the Glance tarball, a blue/green deploy, the CI
server following its pipeline file.

The docker commands go through the executor (:func:`cookbook.shell.docker`), as in the notebook.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import docker
import pytest

from cookbook import deploy, images, labels, shell, waits
from cookbook.chapters.usecases import apptest, ci, glance, poll, s2i
from cookbook.reader.recipe import Recipe

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


FIRST_FILE = """
kind: pipeline
name: it
steps:
  - name: look
    image: cookbook/ci-worker
    commands:
      - test -f blueprintexample.py
"""

SECOND_FILE = """
kind: pipeline
name: it
matrix:
  include:
    - {PYTHON: "3.11", IMAGE: cookbook/ci-worker}
    - {PYTHON: "3.13", IMAGE: cookbook/ci-worker-trixie}
steps:
  - name: version
    image: ${IMAGE}
    commands:
      - python3 -c "import sys; assert sys.version.startswith('$PYTHON')"
"""


def test_the_ci_server_runs_what_each_pushed_pipeline_file_says(
    client: docker.DockerClient, tmp_path: Path, leaves_nothing: None
) -> None:
    """Two versions of the file give two sets of builds; a broken file fails the pipeline build in one line."""
    recipe = Recipe("t-ch5-ci", client=client)
    app = tmp_path / "app"
    shutil.copytree(apptest.app_dir(), app)
    (app / ci.PIPELINE_FILE).write_text(FIRST_FILE)
    server = None
    try:
        shell.docker("network create t-ch5-ci", show=False)
        repo = ci.make_repo(tmp_path / "git", app)
        target = deploy.Target("t-ch5-ci", "t-ch5-none", "unused", "cookbook/t-ch5-app", "t-ch5-app", recipe.labels)
        server = ci.CiServer(recipe, repo, target, tmp_path / "master", network="t-ch5-ci")
        server.start()

        def pushed(message: str, files: dict[str, str]) -> list[dict[str, Any]]:
            repo.commit(message, files)
            return server.wait_for_build(repo.push())

        first = pushed("a change", {"CHANGES.md": "x\n"})
        second = pushed("the second file", {ci.PIPELINE_FILE: SECOND_FILE})
        broken = pushed("a typo", {ci.PIPELINE_FILE: SECOND_FILE.replace("commands", "command")})
        described = server.describe()
    finally:
        if server is not None:
            server.stop()
        recipe.close()
    rows = {build["builder"]: build for build in first}
    assert sorted(rows) == ["ci", "ci-worker"] and all(row["result"] == "success" for row in first)
    assert rows["ci-worker"]["steps"] == "checkout=success, look=success"
    assert rows["ci"]["steps"].endswith("deploy=skipped") and rows["ci"]["pipeline file"] == "unchanged: ci-worker"
    rows = {build["builder"]: build for build in second}
    assert sorted(rows) == ["ci", "python-3.11", "python-3.13"], "the second file's matrix ran, not the first's"
    assert all(row["result"] == "success" for row in second), second
    assert rows["python-3.13"]["steps"] == "checkout=success, version=success"
    assert rows["ci"]["pipeline file"] == "reconfigured: python-3.11, python-3.13"
    assert [row["builder"] for row in broken] == ["ci"] and broken[0]["result"] == "failure"
    assert broken[0]["pipeline file"].startswith(".drone.yml: step 'version' has an unknown key 'command'")
    assert "\n" not in broken[0]["pipeline file"]
    assert "matrix        Triggerable -> python-3.11, python-3.13" in described, "the master kept the last good file"
