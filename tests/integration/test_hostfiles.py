"""An engine that does not see our files gets copies of the folders we mount (a sandbox stands in)."""

from __future__ import annotations

import docker

from cookbook import containers, hostfiles, labels, sweeper
from cookbook.lab import sandbox

RECIPE = "test-hostfiles"


def test_the_local_engine_sees_our_files_and_a_sandbox_does_not(
    client: docker.DockerClient, leaves_nothing: None
) -> None:
    with sandbox.engine(recipe=RECIPE) as box:
        box.load("busybox")
        assert hostfiles.engine_sees(client)
        assert not hostfiles.engine_sees(box.client)
        folder = labels.scratch(RECIPE, "conf")
        (folder / "app.conf").write_text("answer = 42\n")
        done = containers.run_to_exit(
            "busybox", ["cat", "/etc/app/app.conf"], volumes=[f"{folder}:/etc/app:ro"], recipe=RECIPE, client=box.client
        )
        assert done.ok and done.output == "answer = 42\n"
        assert not box.client.containers.list(all=True), "the copy left a container on the sandbox"
    sweeper.sweep_scratch(session=labels.session_id(), recipe=RECIPE)
