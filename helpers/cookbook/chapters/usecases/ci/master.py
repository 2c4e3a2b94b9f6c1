"""The Buildbot master's configuration for the CI/CD recipe (loaded by ``master.cfg``).

This module runs inside the Buildbot master process (not in the notebook's kernel):
:func:`config` turns the settings that :mod:`cookbook.chapters.usecases.ci` wrote to ``settings.json`` into
Buildbot's ``BuildmasterConfig``. Their ``pipeline`` comes from the repository's ``.drone.yml``
(the book's ``shippable.yml``, in Drone's shape):

* a push to the bare repository runs its ``post-receive`` hook, which asks the GitPoller
  to poll at once; the change starts the ``ci`` build on a local worker;
* ``ci`` checks out the revision, then its ``pipeline`` step reads that revision's
  ``.drone.yml``: a file with an error ends the build there, its one-line reason the step's
  result; a file that changed becomes the master's new configuration (settings written,
  master reconfigured) before anything runs from it;
* ``ci`` then triggers one build per ``matrix`` entry, each on its own builder and in a fresh
  container of the entry's image (a Docker latent worker): check out, run each step's
  commands (the matrix variables in their environment), upload the ``archive`` file;
* with a deploy step, if every matrix build passed, ``ci`` deploys: it builds the app image and
  swaps the running container behind the router (:mod:`cookbook.deploy`).
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any

from buildbot.plugins import changes, schedulers, steps, util, worker
from buildbot.process import buildstep
from buildbot.util.twisted import async_to_deferred

PIPELINE = "ci"
MATRIX = "matrix"


class CookbookDockerWorker(worker.DockerLatentWorker):
    """A Docker latent worker whose containers carry our labels and our naming."""

    def checkConfig(
        self, name: str, password: str, *, container_labels: dict[str, str], container_name: str, **kwargs: Any
    ) -> None:
        super().checkConfig(name, password, **kwargs)

    def reconfigService(
        self, name: str, password: str, *, container_labels: dict[str, str], container_name: str, **kwargs: Any
    ) -> Any:
        self.container_labels = dict(container_labels)
        self.container_name = container_name
        return super().reconfigService(name, password, **kwargs)

    def getContainerName(self) -> str:
        return self.container_name

    def _getDockerClient(self, client_args: dict[str, Any]) -> Any:
        # A private hook of Buildbot's on purpose: DockerLatentWorker (4.3) calls
        # create_container() without labels and has no public option or method to add them, so
        # the client it gets here adds ours (the sweep finds a worker a crashed master left).
        client = super()._getDockerClient(client_args)
        client.create_container = functools.partial(client.create_container, labels=self.container_labels)
        return client


class ReadPipeline(buildstep.BuildStep):
    """The ``ci`` build's ``pipeline`` step: read the pushed ``.drone.yml``; reconfigure if it changed.

    Its result line is the file's error when there is one (``.drone.yml step 'test' has no
    commands.``), else what the master runs now. It sets the ``deploy`` property the deploy
    step follows.
    """

    name = "pipeline"

    def __init__(self, settings_file: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.settings_file = settings_file

    @async_to_deferred
    async def run(self) -> Any:
        revision = self.getProperty("got_revision")
        try:
            # In the master's event loop: git show and a YAML file take milliseconds, and the
            # worker images are built already unless the file names a new one.
            text, settings = pipeline_settings(self.settings_file, revision)
        except Exception as exc:  # a CookbookError names the fault in one line; anything else too
            message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
            await self.addCompleteLog("error", message)
            self.descriptionDone = [message]
            return util.FAILURE
        await self.addCompleteLog(_pipeline_file(), text)
        pipeline = settings["pipeline"]
        self.setProperty("deploy", pipeline["deploy"], "pipeline file")
        builds = ", ".join(pipeline["matrix"])
        if settings != json.loads(Path(self.settings_file).read_text()):
            Path(self.settings_file).write_text(json.dumps(settings, indent=2))
            await self.master.reconfig()
            self.descriptionDone = [f"reconfigured: {builds}"]
        else:
            self.descriptionDone = [f"unchanged: {builds}"]
        return util.SUCCESS


def _pipeline_file() -> str:
    from cookbook.chapters.usecases import ci

    return ci.PIPELINE_FILE


def pipeline_settings(settings_file: str | Path, revision: str) -> tuple[str, dict[str, Any]]:
    """The pipeline file at ``revision`` and the settings it makes (worker images built or found).

    Raises:
        CookbookError: The file is missing or broken, or an image is not to be had.
    """
    from cookbook import engine
    from cookbook.chapters.usecases import ci

    settings = json.loads(Path(settings_file).read_text())
    try:
        text = ci.git(Path(settings["repo"]), "show", f"{revision}:{ci.PIPELINE_FILE}")
    except ci.CiError:
        raise ci.CiError(f"the pushed revision has no {ci.PIPELINE_FILE}.") from None
    pipeline = ci.Pipeline.parse(text)
    resolved = ci.resolve_images(pipeline, engine.connect())
    return text, {**settings, "pipeline": {**pipeline.to_json(), "matrix": resolved}}


def test_factory(repo: str, pipeline: dict[str, Any], build: str) -> util.BuildFactory:
    """One matrix build: check out, then each step's commands in order, then upload the archive."""
    factory = util.BuildFactory()
    factory.addStep(steps.Git(repourl=repo, mode="full", method="clobber", name="checkout"))
    for step in pipeline["steps"]:
        commands = [util.ShellArg(command=command, logname=f"{number}", haltOnFailure=True)
                    for number, command in enumerate(step["commands"], 1)]  # fmt: skip
        factory.addStep(steps.ShellSequence(name=step["name"], commands=commands, env=pipeline["variables"][build],
                                            haltOnFailure=True))  # fmt: skip
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


def _deploys(step: Any) -> bool:
    return bool(step.getProperty("deploy"))


def pipeline_factory(repo: str, settings_file: str) -> util.BuildFactory:
    """The push's build: read the pipeline file, test in every matrix entry, deploy if the file says so and all pass."""
    factory = util.BuildFactory()
    factory.addStep(steps.Git(repourl=repo, mode="full", method="clobber", name="checkout"))
    factory.addStep(ReadPipeline(settings_file, haltOnFailure=True))
    factory.addStep(
        steps.Trigger(
            name="test matrix",
            schedulerNames=[MATRIX],
            waitForFinish=True,
            updateSourceStamp=True,
            haltOnFailure=True,
        )
    )
    factory.addStep(
        steps.ShellCommand(
            name="deploy",
            command=[
                sys.executable,
                "-m",
                "cookbook.deploy",
                "--settings",
                settings_file,
                "--source",
                ".",
                "--version",
                util.Interpolate("%(prop:got_revision)s"),
            ],
            haltOnFailure=True,
            doStepIf=_deploys,
        )
    )
    return factory


def config(settings_file: str | Path) -> dict[str, Any]:
    """Build ``BuildmasterConfig`` from the recipe's settings file."""
    settings = json.loads(Path(settings_file).read_text())
    repo = settings["repo"]
    pipeline = settings["pipeline"]
    matrix = pipeline["matrix"]  # {build name: image reference}
    # One pipeline build at a time: each may reconfigure the master for its own revision.
    workers: list[Any] = [worker.LocalWorker("local", max_builds=1)]
    for build, image in matrix.items():
        workers.append(
            CookbookDockerWorker(
                f"w-{_slug(build)}",
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
                container_name=f"{settings['name_prefix']}-{_slug(build)}",
                missing_timeout=120,
                build_wait_timeout=0,  # a fresh container for every build
            )
        )
    push_factory = pipeline_factory(repo, str(settings_file))
    builders = [util.BuilderConfig(name=PIPELINE, workernames=["local"], factory=push_factory)]
    builders += [
        util.BuilderConfig(name=build, workernames=[f"w-{_slug(build)}"], factory=test_factory(repo, pipeline, build))
        for build in matrix
    ]
    return {
        "title": f"cookbook chapter 5: {pipeline['name']} CI",
        "titleURL": settings["url"],
        "buildbotURL": settings["url"],
        "buildbotNetUsageData": None,
        "protocols": {"pb": {"port": f"tcp:{settings['pb_port']}:interface={settings['gateway']}"}},
        "workers": workers,
        "change_source": [
            changes.GitPoller(
                repourl=repo,
                branches=["main"],
                pollInterval=600,
                pollAtLaunch=True,
                workdir="gitpoller-work",
                name="blueprint",
            )
        ],
        "schedulers": [
            schedulers.SingleBranchScheduler(
                name="on-push",
                change_filter=util.ChangeFilter(branch="main"),
                treeStableTimer=None,
                builderNames=[PIPELINE],
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


def _slug(name: str) -> str:
    """A worker or container name part from a build name (letters, digits, '-')."""
    return "".join(ch if ch.isalnum() else "-" for ch in name).strip("-")


def describe(settings_file: str | Path) -> str:
    """The configuration :func:`config` makes, as text: schedulers, workers, and each builder's steps."""
    made = config(settings_file)
    lines = ["schedulers:"]
    for scheduler in made["schedulers"]:
        kind = type(scheduler).__name__
        lines.append(f"  {scheduler.name:<13} {kind} -> {', '.join(scheduler.builderNames)}")
    lines.append("workers:")
    for found in made["workers"]:
        kwargs = found.getConfigDict()["kwargs"]  # Buildbot's public view of a worker's arguments
        what = f"a fresh container of {kwargs['image']} per build" if "image" in kwargs else "in the master's process"
        lines.append(f"  {found.name:<13} {type(found).__name__}: {what}")
    lines.append("builders:")
    for builder in made["builders"]:
        lines.append(f"  {builder.name} (on {', '.join(builder.workernames)}):")
        for step in builder.factory.steps:
            lines.append(f"    {_step_text(step)}")
    return "\n".join(lines)


def _step_text(step: Any) -> str:
    kwargs = step.kwargs
    name = kwargs.get("name") or getattr(step.step_class, "name", "?")
    kind = step.step_class.__name__
    if kind == "ShellSequence":
        return f"{name:<12} ShellSequence: " + " && ".join(arg.command for arg in kwargs["commands"])
    if kind == "Trigger":
        return f"{name:<12} Trigger: the {', '.join(kwargs['schedulerNames'])} scheduler's builders, and wait"
    if kind == "FileUpload":
        return f"{name:<12} FileUpload: {kwargs['workersrc']} to the master"
    if kind == "ReadPipeline":
        return f"{name:<12} ReadPipeline: the revision's {_pipeline_file()}; reconfigure if it changed"
    if kind == "ShellCommand" and name == "deploy":
        return f"{name:<12} ShellCommand: python -m cookbook.deploy, if the file has a deploy step"
    return f"{name:<12} {kind}"
