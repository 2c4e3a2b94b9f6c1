"""The CI server: a Buildbot master in a subprocess, its settings, its builds and their results."""

from __future__ import annotations

import atexit
import http.client
import json
import secrets
import shutil
import subprocess
import sys
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cookbook import waits
from cookbook.chapters.usecases.ci.pipeline import (
    PIPELINE_FILE,
    Pipeline,
    resolve_images,
)
from cookbook.chapters.usecases.ci.repo import (
    CiError,
    Repo,
    git,
)
from cookbook.deploy import Target
from cookbook.ports import free_port
from cookbook.reader.recipe import Recipe

WORKER_PREFIX = "ch5-worker"
RESULTS = {0: "success", 1: "warnings", 2: "failure", 3: "skipped", 4: "exception", 5: "retry", 6: "cancelled"}

HOOK = """#!/bin/sh
# post-receive: ask the CI server's GitPoller to poll now (the book's GitHub webhook).
exec "{python}" -c "import urllib.request; urllib.request.urlopen(urllib.request.Request('{url}change_hook/poller?poller=blueprint', data=b''), timeout=30)"
"""

MASTER_CFG = """# Buildbot master configuration: see cookbook/chapters/usecases/ci/master.py.
from cookbook.chapters.usecases.ci import master

BuildmasterConfig = master.config({settings!r})
"""


# The masters this process started (each also stops at exit), for masters_running().
_started: list[CiServer] = []


def masters_running() -> int:
    """How many Buildbot masters this kernel started are still running."""
    return sum(server.process is not None and server.process.poll() is None for server in _started)


@dataclass
class CiServer:
    """A Buildbot master watching ``repo``, running the pipeline of its ``ci.yml``.

    Attributes:
        recipe: The recipe whose labels the workers and deploys carry.
        repo: The repositories.
        target: Where successful builds deploy.
        basedir: The master's base folder.
        network: Our network the workers run on; the master listens on its gateway.
        pipeline: The pipeline, read from the repository's ``main`` when the master starts.
    """

    recipe: Recipe
    repo: Repo
    target: Target
    basedir: Path
    network: str
    web_port: int = 0
    process: subprocess.Popen[bytes] | None = None
    pipeline: Pipeline | None = None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.basedir / "twistd.log"

    @property
    def url(self) -> str:
        """The web UI's address."""
        return f"http://127.0.0.1:{self.web_port}/"

    def _buildbot(self, *args: str) -> None:
        command = [str(Path(sys.executable).parent / "buildbot"), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise CiError(f"`buildbot {' '.join(args)}` failed: {(done.stdout + done.stderr).strip()[-800:]}")

    def read_pipeline(self) -> Pipeline:
        """The pipeline file as pushed: ``git show main:.drone.yml`` in the bare repository.

        Raises:
            CiError: The repository has no pipeline file.
            BadParameter: The file is not a valid pipeline.
        """
        self.pipeline = Pipeline.parse(git(self.repo.bare, "show", f"main:{PIPELINE_FILE}"))
        return self.pipeline

    @property
    def settings_file(self) -> Path:
        """The master's settings (the pipeline it runs now, the deploy target, ports)."""
        return self.basedir / "settings.json"

    def running_pipeline(self) -> Pipeline:
        """The pipeline the master runs now: the last valid file a push brought."""
        return Pipeline.from_json(json.loads(self.settings_file.read_text())["pipeline"])

    def describe(self) -> str:
        """The master's Buildbot configuration as it stands, made from the pipeline file (:mod:`cookbook.chapters.usecases.ci.master`)."""
        from cookbook.chapters.usecases.ci import master  # Buildbot loads only when asked

        return master.describe(self.settings_file)

    def configure(self) -> None:
        """Create the master's base folder, its settings and the repository's post-receive hook."""
        pipeline = self.read_pipeline()
        if self.basedir.exists():
            shutil.rmtree(self.basedir)
        self.basedir.parent.mkdir(parents=True, exist_ok=True)
        self._buildbot("create-master", "-q", str(self.basedir))
        network = self.recipe.client.networks.get(self.network)
        gateway = network.attrs["IPAM"]["Config"][0]["Gateway"]
        self.web_port = self.web_port or free_port()
        settings = {
            "repo": str(self.repo.bare),
            "pipeline": {**pipeline.to_json(), "matrix": resolve_images(pipeline, self.recipe.client)},
            "password": secrets.token_hex(8),
            "gateway": gateway,
            "pb_port": free_port(gateway),
            "network": self.network,
            "labels": self.recipe.labels,
            "name_prefix": WORKER_PREFIX,
            "url": self.url,
            "web_port": self.web_port,
            "deploy": self.target.to_json(),
        }
        self.settings_file.write_text(json.dumps(settings, indent=2))
        (self.basedir / "master.cfg").write_text(MASTER_CFG.format(settings=str(self.settings_file)))
        hook = self.repo.bare / "hooks" / "post-receive"
        hook.write_text(HOOK.format(python=sys.executable, url=self.url))
        hook.chmod(0o755)

    def start(self) -> None:
        """Start the master (``buildbot start --nodaemon``) and wait until its web API and poller are up."""
        self.configure()
        _started.append(self)
        out = (self.basedir / "stdout.log").open("wb")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "buildbot"), "start", "--nodaemon", str(self.basedir)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        atexit.register(self.stop)  # a kernel that dies must not leave the master running
        waits.until(lambda: self._alive() and self.api("builders"), timeout=120, what="the Buildbot web API")
        waits.until(
            lambda: self._alive() and "gitpoller: processing changes" in self._log_text(),
            timeout=60,
            what="the GitPoller's first poll",
        )

    def _alive(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            tail = "\n".join(self._log_text().splitlines()[-15:])
            raise CiError(f"the Buildbot master exited (code {self.process.returncode}):\n{tail}", "read its log.")
        return True

    def _log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def api(self, path: str) -> dict[str, Any]:
        """GET ``/api/v2/PATH`` and return the decoded JSON.

        Raises:
            OSError: The master did not answer in full (waits retry on it).
        """
        try:
            with urllib.request.urlopen(f"{self.url}api/v2/{path}", timeout=10) as response:
                return json.loads(response.read())
        except (http.client.HTTPException, json.JSONDecodeError) as exc:
            raise OSError(f"incomplete answer from the Buildbot API: {exc!r}") from None

    def builds_of(self, revision: str) -> list[dict[str, Any]]:
        """The builds (every builder) of ``revision``, with their builder names."""
        names = {b["builderid"]: b["name"] for b in self.api("builders")["builders"]}
        found = []
        for build in self.api("builds?property=got_revision&order=buildid")["builds"]:
            got = (build.get("properties") or {}).get("got_revision", [None])[0]
            if got == revision:
                found.append({**build, "builder": names.get(build["builderid"], "?")})
        return found

    def wait_for_build(self, revision: str, timeout: float = 600) -> list[dict[str, Any]]:
        """Wait until the pipeline build of ``revision`` is complete; return one row per build.

        Each row: builder, build number, result, the step results, what the pipeline step said
        of the pushed ``.drone.yml`` (for the ``ci`` build), and pytest's counts from the archived
        JUnit file (for matrix builds).
        """

        def done() -> list[dict[str, Any]] | None:
            self._alive()
            builds = self.builds_of(revision)
            pipeline = [b for b in builds if b["builder"] == "ci"]
            if pipeline and all(b["complete"] for b in builds):
                return builds
            return None

        builds = waits.until(done, timeout=timeout, what=f"the CI build of {revision[:8]}", longest=1.0)
        return [self._row(build, revision) for build in builds]

    def _row(self, build: dict[str, Any], revision: str) -> dict[str, Any]:
        steps = self.api(f"builds/{build['buildid']}/steps")["steps"]
        row: dict[str, Any] = {
            "revision": revision[:8],
            "builder": build["builder"],
            "build": build["number"],
            "result": RESULTS.get(build["results"], str(build["results"])),
            "steps": ", ".join(
                f"{s['name']}={RESULTS.get(s['results'], '-')}" for s in steps if s["name"] != "worker_preparation"
            ),
            # The pipeline build's reading of the file: what runs now, or the file's error in one line.
            "pipeline file": next((s["state_string"] for s in steps if s["name"] == "pipeline"), "-"),
        }
        junit = self.basedir / "junit" / revision / f"{build['builder']}.xml"
        if junit.is_file():
            row.update(junit_counts(junit))
        return row

    def step_log(self, revision: str, builder: str, step: str) -> str:
        """The text of one step's first log in the build of ``revision`` on ``builder``."""
        build = next(b for b in self.builds_of(revision) if b["builder"] == builder)
        for s in self.api(f"builds/{build['buildid']}/steps")["steps"]:
            if s["name"] == step:
                logs = self.api(f"steps/{s['stepid']}/logs")["logs"]
                if logs:
                    with urllib.request.urlopen(f"{self.url}api/v2/logs/{logs[0]['logid']}/raw", timeout=10) as r:
                        return r.read().decode(errors="replace")
        return ""

    def stop(self) -> str:
        """Stop the master (SIGTERM, then wait); say how it ended."""
        if self.process is None or self.process.poll() is not None:
            return "the Buildbot master is not running"
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
        return f"the Buildbot master stopped (exit code {self.process.returncode})"


def junit_counts(path: Path) -> dict[str, Any]:
    """Tests, failures and the failed tests' names from a pytest JUnit XML file."""
    root = ET.parse(path).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    if suite is None:
        return {}
    failed = [
        case.get("name", "?")
        for case in suite.iter("testcase")
        if case.find("failure") is not None or case.find("error") is not None
    ]
    return {
        "tests": int(suite.get("tests", 0)),
        "failed": len(failed),
        "failed tests": ", ".join(failed) or "-",
    }


def state_dir(recipe: Recipe) -> Path:
    """The recipe's scratch folder (repositories, master base folder, router config).

    It is a :func:`cookbook.labels.scratch` folder: the recipe's ``close`` removes it, and so
    does the sweep after a crashed kernel.
    """
    return recipe.folder("state")
