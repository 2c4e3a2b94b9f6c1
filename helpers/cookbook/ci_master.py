"""The Buildbot master's configuration for the CI/CD recipe (loaded by ``master.cfg``).

This module runs inside the Buildbot master process (not in the notebook's kernel):
:func:`config` turns the settings that :mod:`cookbook.ci` wrote to ``settings.json`` into
Buildbot's ``BuildmasterConfig``. Their ``pipeline`` is the repository's ``ci.yml`` (the
book's ``shippable.yml``):

* a push to the bare repository runs its ``post-receive`` hook, which asks the GitPoller
  to poll at once; the change starts the ``ci`` build on a local worker;
* ``ci`` triggers one build per ``matrix`` entry, each in a fresh container (a Docker
  latent worker): check out, run the ``install`` and ``script`` commands, and upload the
  ``archive`` file to the master;
* with ``after_success: deploy``, if every matrix build passed, ``ci`` deploys: it builds
  the app image and swaps the running container behind the router (:mod:`cookbook.deploy`).
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any

from buildbot.plugins import changes, schedulers, steps, util, worker

PIPELINE = "ci"
MATRIX = "matrix"


class CookbookDockerWorker(worker.DockerLatentWorker):
    """A Docker latent worker whose containers carry our labels and our naming."""

    def checkConfig(self, name: str, password: str, *, container_labels: dict[str, str], container_name: str, **kwargs: Any) -> None:
        super().checkConfig(name, password, **kwargs)

    def reconfigService(self, name: str, password: str, *, container_labels: dict[str, str], container_name: str, **kwargs: Any) -> Any:
        self.container_labels = dict(container_labels)
        self.container_name = container_name
        return super().reconfigService(name, password, **kwargs)

    def getContainerName(self) -> str:
        return self.container_name

    def _getDockerClient(self, client_args: dict[str, Any]) -> Any:
        client = super()._getDockerClient(client_args)
        client.create_container = functools.partial(client.create_container, labels=self.container_labels)
        return client


def test_factory(repo: str, pipeline: dict[str, Any]) -> util.BuildFactory:
    """One matrix entry: check out, then the pipeline's install, script and archive steps."""
    factory = util.BuildFactory()
    factory.addStep(steps.Git(repourl=repo, mode="full", method="clobber", name="checkout"))
    for number, command in enumerate(pipeline["install"], 1):
        factory.addStep(steps.ShellCommand(name=f"install {number}", command=command, haltOnFailure=True))
    for number, command in enumerate(pipeline["script"], 1):
        factory.addStep(steps.ShellCommand(name=f"script {number}", command=command))
    if pipeline["archive"]:
        factory.addStep(
            steps.FileUpload(
                name="archive",
                workersrc=pipeline["archive"],
                masterdest=util.Interpolate("junit/%(prop:got_revision)s/%(prop:buildername)s.xml"),
                alwaysRun=True,
            )
        )
    return factory


def pipeline_factory(repo: str, deploy: bool, settings_file: str) -> util.BuildFactory:
    """The push's build: test in every matrix entry, then (``after_success: deploy``) deploy if all passed."""
    factory = util.BuildFactory()
    factory.addStep(steps.Git(repourl=repo, mode="full", method="clobber", name="checkout"))
    factory.addStep(
        steps.Trigger(
            name="test matrix",
            schedulerNames=[MATRIX],
            waitForFinish=True,
            updateSourceStamp=True,
            haltOnFailure=True,
        )
    )
    if not deploy:
        return factory
    factory.addStep(
        steps.ShellCommand(
            name="deploy",
            command=[sys.executable, "-m", "cookbook.deploy", "--settings", settings_file, "--source", ".",
                     "--version", util.Interpolate("%(prop:got_revision)s")],
            haltOnFailure=True,
        )
    )
    return factory


def config(settings_file: str | Path) -> dict[str, Any]:
    """Build ``BuildmasterConfig`` from the recipe's settings file."""
    settings = json.loads(Path(settings_file).read_text())
    repo = settings["repo"]
    pipeline = settings["pipeline"]
    matrix = pipeline["matrix"]  # {builder name: image reference}
    workers: list[Any] = [worker.LocalWorker("local")]
    for builder, image in matrix.items():
        workers.append(
            CookbookDockerWorker(
                f"w-{builder}",
                settings["password"],
                docker_host="unix:///var/run/docker.sock",
                image=image,
                autopull=False,
                alwaysPull=False,
                masterFQDN=f"{settings['gateway']}:{settings['pb_port']}",
                command=["twistd3", "--nodaemon", "--no_save", "--pidfile=", "--python=/buildbot/buildbot.tac"],
                volumes=[f"{repo}:{repo}:ro"],
                hostconfig={"network_mode": settings["network"]},
                container_labels=settings["labels"],
                container_name=f"{settings['name_prefix']}-{builder}",
                missing_timeout=120,
            )
        )
    builders = [util.BuilderConfig(name=PIPELINE, workernames=["local"], factory=pipeline_factory(repo, pipeline["deploy"], str(settings_file)))]
    builders += [
        util.BuilderConfig(name=builder, workernames=[f"w-{builder}"], factory=test_factory(repo, pipeline)) for builder in matrix
    ]
    return {
        "title": "cookbook chapter 5: blueprint CI",
        "titleURL": settings["url"],
        "buildbotURL": settings["url"],
        "buildbotNetUsageData": None,
        "protocols": {"pb": {"port": f"tcp:{settings['pb_port']}:interface={settings['gateway']}"}},
        "workers": workers,
        "change_source": [
            changes.GitPoller(repourl=repo, branches=["main"], pollInterval=600, pollAtLaunch=True, workdir="gitpoller-work", name="blueprint")
        ],
        "schedulers": [
            schedulers.SingleBranchScheduler(
                name="on-push", change_filter=util.ChangeFilter(branch="main"), treeStableTimer=None, builderNames=[PIPELINE]
            ),
            schedulers.Triggerable(name=MATRIX, builderNames=list(matrix)),
            # No ForceScheduler: the web UI has no login, so nobody can start a build from it.
        ],
        "builders": builders,
        "www": {
            "port": f"tcp:{settings['web_port']}:interface=127.0.0.1",
            "plugins": {},
            "change_hook_dialects": {"poller": True},
        },
        "db": {"db_url": "sqlite:///state.sqlite"},
    }
