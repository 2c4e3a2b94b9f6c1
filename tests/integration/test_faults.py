"""Engine faults: each one ends in one clear line, in bounded time, and leaves nothing half-made.

The faults are made on sandbox engines (and on a mirror that answers nothing), never on the
reader's own engine: restarting or filling that one would break whatever else runs on it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from cookbook import images, shell, waits
from cookbook.errors import CookbookError, ImageBuildError, SandboxFailed
from cookbook.lab import sandbox
from cookbook.reader.recipe import Recipe

pytestmark = pytest.mark.usefixtures("leaves_nothing")
RECIPE = "it-faults"


@pytest.fixture
def recipe(client: docker.DockerClient) -> Iterator[Recipe]:
    step = Recipe(RECIPE, client=client)
    yield step
    step.close()


def test_a_daemon_restarted_during_a_wait_fails_the_cell_in_time_and_the_next_run_passes(
    recipe: Recipe, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COOKBOOK_WAIT_TIMEOUT", "20")
    with sandbox.engine(recipe=RECIPE) as box:
        box.load("busybox")
        restart = threading.Timer(2.0, box.restart)
        restart.start()
        began = time.monotonic()
        with pytest.raises(CookbookError) as caught:  # the wait never holds: the daemon went away under it
            shell.docker("run -d --name it-fault cookbook/busybox sleep 600", on=box, wait=waits.LogLine("never"))
        took = time.monotonic() - began
        restart.join()
        assert took < 20 + 10, f"the cell hung for {took:.0f} s"
        assert "\n" not in caught.value.line(), caught.value.line()
        again = shell.docker("run -d --name it-fault cookbook/busybox sleep 600", on=box, show=False)
        assert again.container.status == "running", "after the restart the same command runs again"


def test_a_sandbox_daemon_that_dies_is_named_with_its_log(recipe: Recipe) -> None:
    with sandbox.engine(recipe=RECIPE) as box:
        box.container.kill()
        with pytest.raises(SandboxFailed) as caught:
            shell.docker("info", on=box, show=False)
        assert f"the sandbox daemon {box.name} stopped" in caught.value.line()
        assert caught.value.tail, "the daemon's last log lines come with it"


def test_a_build_that_cannot_reach_the_mirror_names_it_and_tags_nothing(
    client: docker.DockerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COOKBOOK_DEBIAN_MIRROR", "http://127.0.0.1:9/debian")
    monkeypatch.setenv("COOKBOOK_BUILD_TIMEOUT", "120")
    with pytest.raises(ImageBuildError) as caught:
        images._debootstrap_import(client, images.entry("debian"), "cookbook/it-no-mirror:x")
    assert "debootstrap" in caught.value.step and "http://127.0.0.1:9/debian" in caught.value.step
    with pytest.raises(docker.errors.ImageNotFound):
        client.images.get("cookbook/it-no-mirror:x")


def test_a_sandbox_whose_docker_root_is_full_says_so_in_one_line(recipe: Recipe, tmp_path: Path) -> None:
    with sandbox.engine(root_size="48m", recipe=RECIPE) as box:
        with pytest.raises(CookbookError) as caught:
            box.load("debian")  # about 120 MB into 48 MB
        line = caught.value.line()
        assert "no space left on device" in line and "\n" not in line, line
