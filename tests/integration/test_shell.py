"""The executor on the real engine: labels on what it creates, readiness, names, copies, a sandbox target."""

from __future__ import annotations

from collections.abc import Iterator

import docker
import pytest

from cookbook import hostfiles, labels, shell
from cookbook.errors import BadParameter
from cookbook.lab import sandbox
from cookbook.reader.recipe import Recipe

pytestmark = pytest.mark.usefixtures("leaves_nothing")


@pytest.fixture
def recipe(client: docker.DockerClient) -> Iterator[Recipe]:
    step = Recipe("it-shell", client=client)
    yield step
    step.close()


def test_every_creating_command_labels_what_it_makes_and_the_recipe_removes_it(
    recipe: Recipe, client: docker.DockerClient
) -> None:
    shell.docker("network create it-shell-net", show=False)
    shell.docker("volume create it-shell-vol", show=False)
    made = shell.docker("run -d --name it-shell-one --network it-shell-net -v it-shell-vol:/v cookbook/busybox sleep 60",
                        show=False)  # fmt: skip
    owner = {labels.SESSION: labels.session_id(), labels.RECIPE: "it-shell", labels.MANAGED: "true"}
    assert owner.items() <= made.container.labels.items()
    assert owner.items() <= client.networks.get("it-shell-net").attrs["Labels"].items()
    assert owner.items() <= client.volumes.get("it-shell-vol").attrs["Labels"].items()
    assert made.created == made.container.id
    recipe.close()
    assert not client.containers.list(all=True, filters={"name": "it-shell-one"})


def test_run_d_of_a_catalogue_image_returns_when_the_service_answers(
    recipe: Recipe, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MYSQL_ROOT_PASSWORD", "only-for-this-test")
    made = shell.docker("run -d -e MYSQL_ROOT_PASSWORD cookbook/mariadb", show=False)
    query = made.container.exec_run(["mariadb", "--protocol=tcp", "-h127.0.0.1", "-uroot", "-ponly-for-this-test",
                                     "-Ne", "select 42"])  # fmt: skip
    assert query.exit_code == 0 and query.output.decode().strip() == "42"


def test_a_name_used_twice_in_a_session_is_freed_and_a_foreign_one_is_refused(
    recipe: Recipe, client: docker.DockerClient, capsys: pytest.CaptureFixture[str]
) -> None:
    first = shell.docker("run -d --name it-shell-twice cookbook/busybox sleep 60")
    second = shell.docker("run -d --name it-shell-twice cookbook/busybox sleep 60")
    assert "$ docker rm -fv it-shell-twice" in capsys.readouterr().out and first.created != second.created
    foreign = client.containers.create("cookbook/busybox", ["true"], name="it-shell-foreign")
    try:
        with pytest.raises(BadParameter, match="belongs to you, not the cookbook"):
            shell.docker("run --name it-shell-foreign cookbook/busybox true", show=False)
        assert client.containers.get("it-shell-foreign").id == foreign.id
    finally:
        foreign.remove(force=True)


def test_our_folder_is_copied_in_where_the_engine_cannot_see_it(
    recipe: Recipe, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hostfiles, "engine_sees", lambda client: False)
    result = shell.docker('run --rm -v "$PWD/data/fio":/fio:ro cookbook/busybox ls /fio', show=False)
    assert result.ok and result.text == "mixed.fio"
    assert result.argv[-2:] == ["-a", result.created], "the output came from `docker start -a`"


def test_a_sandbox_target_gets_the_image_and_the_flags(recipe: Recipe) -> None:
    with sandbox.engine(recipe=recipe.name) as box:
        result = shell.docker("run --rm cookbook/busybox hostname", on=box, show=False)
        assert result.argv[:2] == ["-H", box.url] and result.ok
        assert box.client.images.get("cookbook/busybox")
        assert shell.docker("info --format '{{.Name}}'", on=box, show=False).text == box.name


def test_a_named_volume_made_on_the_fly_carries_the_labels(recipe: Recipe, client: docker.DockerClient) -> None:
    shell.docker("run --rm -v it-shell-fly:/data cookbook/busybox touch /data/x", show=False)
    assert client.volumes.get("it-shell-fly").attrs["Labels"][labels.RECIPE] == "it-shell"
    recipe.close()
    with pytest.raises(docker.errors.NotFound):
        client.volumes.get("it-shell-fly")
