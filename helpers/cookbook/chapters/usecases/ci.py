"""The CI/CD recipe's moving parts: a git repository, its pipeline file, a Buildbot master, its results.

The book's Shippable and Drone recipes use hosted services that watch a GitHub repository and
read the pipeline from a file in it (``shippable.yml``, Drone's ``.drone.yml``). Here everything
is local: :func:`make_repo` makes a bare repository (the "GitHub") and a working clone; the app's
``.drone.yml`` is the pipeline (:class:`Pipeline`); :class:`CiServer` runs a Buildbot master in a
subprocess (its base folder under ``.cookbook/``) whose configuration :mod:`cookbook.chapters.usecases.ci_master`
makes from that file. A ``post-receive`` hook tells the master about each push; the push's
pipeline build reads the file of the pushed revision first, and when it changed, the master
takes the new configuration before the matrix builds start (a broken file fails that build in
one line). :meth:`CiServer.wait_for_build` follows the builds a push started and returns their
results, with the pytest counts read from the archived JUnit files.
"""

from __future__ import annotations

import atexit
import difflib
import http.client
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors

from cookbook import images, labels, waits
from cookbook.deploy import Target
from cookbook.errors import BadParameter, CookbookError
from cookbook.ports import free_port
from cookbook.reader.recipe import Recipe

PIPELINE_FILE = ".drone.yml"
WORKER_PREFIX = "ch5-worker"
DEPLOY_TARGETS = ("router",)
RESULTS = {0: "success", 1: "warnings", 2: "failure", 3: "skipped", 4: "exception", 5: "retry", 6: "cancelled"}

HOOK = """#!/bin/sh
# post-receive: ask the CI server's GitPoller to poll now (the book's GitHub webhook).
exec "{python}" -c "import urllib.request; urllib.request.urlopen(urllib.request.Request('{url}change_hook/poller?poller=blueprint', data=b''), timeout=30)"
"""

MASTER_CFG = """# Buildbot master configuration: see cookbook/chapters/usecases/ci_master.py.
from cookbook.chapters.usecases import ci_master

BuildmasterConfig = ci_master.config({settings!r})
"""


class CiError(CookbookError):
    """The CI server or its repository did not do what was asked."""


def git(folder: Path, *args: str) -> str:
    """Run ``git ARGS`` in ``folder`` and return its output.

    Raises:
        CiError: git failed (its message is included).
    """
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Cookbook Reader",
        "GIT_AUTHOR_EMAIL": "reader@example.com",
        "GIT_COMMITTER_NAME": "Cookbook Reader",
        "GIT_COMMITTER_EMAIL": "reader@example.com",
    }
    done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, env=env, timeout=120)
    if done.returncode != 0:
        raise CiError(f"git {' '.join(args)} failed: {(done.stderr or done.stdout).strip()}")
    return done.stdout.strip()


@dataclass(frozen=True)
class Repo:
    """The app's repositories: ``bare`` (what the CI watches) and ``work`` (where we commit)."""

    bare: Path
    work: Path

    def commit(self, message: str, files: dict[str, str] | None = None, remove: tuple[str, ...] = ()) -> str:
        """Write ``files`` (path → text), delete ``remove``, commit, and return the revision."""
        for path, text in (files or {}).items():
            (self.work / path).parent.mkdir(parents=True, exist_ok=True)
            (self.work / path).write_text(text)
        for path in remove:
            (self.work / path).unlink(missing_ok=True)
        git(self.work, "add", "-A")
        git(self.work, "commit", "-q", "-m", message)
        return git(self.work, "rev-parse", "HEAD")

    def push(self) -> str:
        """``git push origin main`` (the hook notifies the CI server); return the pushed revision."""
        git(self.work, "push", "-q", "origin", "main")
        return git(self.work, "rev-parse", "HEAD")


def make_repo(folder: Path, app: Path) -> Repo:
    """Make a bare repository and a clone holding ``app``'s files as the first commit."""
    if folder.exists():
        shutil.rmtree(folder)
    bare, work = folder / "blueprint.git", folder / "work"
    bare.mkdir(parents=True)
    git(bare, "init", "-q", "--bare", "-b", "main")
    shutil.copytree(app, work, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    git(work, "init", "-q", "-b", "main")
    git(work, "remote", "add", "origin", str(bare))
    repo = Repo(bare, work)
    repo.commit("blueprint app with its tests")
    git(work, "push", "-q", "origin", "main")
    return repo


@dataclass(frozen=True)
class Step:
    """One step of a matrix build: its name and the shell commands it runs, in order.

    Attributes:
        name: The step's name (unique in the file).
        commands: What it runs in the build's container; the first that fails ends the build.
    """

    name: str
    commands: tuple[str, ...]


@dataclass(frozen=True)
class Pipeline:
    """The pipeline file (``.drone.yml``): what the CI server runs for each push.

    Its shape is Drone's: ``steps`` with a ``name``, an ``image`` and ``commands``, a step run
    ``when: {status: success}``, and Drone 0.8's ``matrix`` (``include:`` a list of variable
    sets, filled into ``${NAME}``). Two keys are this server's own: ``archive`` (Shippable's, a
    file each build leaves, kept on the server) and a step's ``deploy: router`` (the server
    builds the app image and swaps it in behind the router).

    Attributes:
        name: The pipeline's name.
        matrix: Build name → image: one build per matrix entry, in a fresh container of its image.
        variables: Build name → the matrix variables of that build (its steps' environment too).
        steps: The steps every matrix build runs, in order, in its one container.
        archive: A file each matrix build leaves, kept on the server ("" for none).
        deploy: Whether a deploy step runs once every matrix build passed.
    """

    name: str
    matrix: dict[str, str]
    variables: dict[str, dict[str, str]]
    steps: tuple[Step, ...]
    archive: str
    deploy: bool

    @classmethod
    def parse(cls, text: str) -> Pipeline:
        """Read and check a pipeline file's text.

        Raises:
            BadParameter: The file is not a pipeline this server runs; the message is one line
                that names the key at fault.
        """
        import yaml  # PyYAML comes with Buildbot

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise _bad(f"not valid YAML{where}: {problem}.") from None
        if not isinstance(data, dict):
            raise _bad("no keys: give steps (and a matrix).")
        unknown = sorted(set(data) - set(TOP_KEYS))
        if unknown:
            raise _bad(f"unknown key {unknown[0]!r}{_did_you_mean(unknown[0], TOP_KEYS)}.")
        if data.get("kind", "pipeline") != "pipeline":
            raise _bad(f"kind is {data.get('kind')!r}: this server runs kind: pipeline.")
        entries = _matrix_entries(data.get("matrix"))
        steps, deploy, images = _steps(data.get("steps"))
        if not steps:
            raise _bad("no step runs commands in the matrix builds.")
        matrix: dict[str, str] = {}
        variables: dict[str, dict[str, str]] = {}
        for entry in entries:
            wanted = {_fill(image, entry, name) for name, image in images}
            if len(wanted) > 1:
                raise _bad(f"the steps of one build name {len(wanted)} images ({', '.join(sorted(wanted))}):"
                           " this server runs a build's steps in one container.")  # fmt: skip
            image = wanted.pop()
            build = _build_name(entry, image)
            if build in matrix or build == "ci":
                raise _bad(f"two matrix builds would both be named {build!r}." if build in matrix
                           else "a matrix build may not be named 'ci' (the pipeline build is).")  # fmt: skip
            matrix[build], variables[build] = image, entry
        archive = data.get("archive") or ""
        if not isinstance(archive, str):
            raise _bad("archive is not a file name.")
        return cls(str(data.get("name") or "pipeline"), matrix, variables, steps, archive, deploy)

    def to_json(self) -> dict[str, Any]:
        """The pipeline as the master's settings file stores it."""
        return {
            "name": self.name,
            "matrix": self.matrix,
            "variables": self.variables,
            "steps": [{"name": step.name, "commands": list(step.commands)} for step in self.steps],
            "archive": self.archive,
            "deploy": self.deploy,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Pipeline:
        """The pipeline a settings file stores (see :meth:`to_json`)."""
        steps = tuple(Step(step["name"], tuple(step["commands"])) for step in data["steps"])
        return cls(data["name"], dict(data["matrix"]), dict(data["variables"]), steps, data["archive"], data["deploy"])


TOP_KEYS = ("kind", "name", "matrix", "steps", "archive")
STEP_KEYS = ("name", "image", "commands", "when", "deploy")


def _bad(what: str) -> BadParameter:
    return BadParameter(f"{PIPELINE_FILE}: {what}")


def _did_you_mean(word: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(known)})"


_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _fill(text: str, entry: dict[str, str], step: str) -> str:
    """``text`` with the matrix entry's ``${NAME}`` values put in."""

    def value(found: re.Match[str]) -> str:
        if found.group(1) not in entry:
            raise _bad(f"step {step!r}: ${{{found.group(1)}}} is not a matrix variable.")
        return entry[found.group(1)]

    return _VARIABLE.sub(value, text)


def _matrix_entries(matrix: Any) -> list[dict[str, str]]:
    """The matrix's variable sets: ``include:`` a list of them, or one variable with a list of values."""
    if matrix is None:
        return [{}]
    if not isinstance(matrix, dict) or not matrix:
        raise _bad("matrix is not a mapping: give include: with a list of variable sets.")
    if "include" in matrix:
        entries = matrix["include"]
        if len(matrix) > 1 or not isinstance(entries, list) or not entries:
            raise _bad("matrix: include: is not a list of variable sets.")
    elif len(matrix) == 1:
        ((key, values),) = matrix.items()
        if not isinstance(values, list) or not values:
            raise _bad(f"matrix: {key} has no list of values.")
        entries = [{key: value} for value in values]
    else:
        raise _bad("matrix: give include: with a list of variable sets (or one variable and its values).")
    found = []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not entry or isinstance(next(iter(entry.values())), (dict, list)):
            raise _bad(f"matrix entry {number} is not a set of NAME: value variables.")
        found.append({str(key): str(value) for key, value in entry.items()})
    return found


def _steps(steps: Any) -> tuple[tuple[Step, ...], bool, list[tuple[str, str]]]:
    """The matrix builds' steps, whether a deploy step follows them, and each step's image (unfilled)."""
    if not isinstance(steps, list) or not steps:
        raise _bad("no steps: give a list of steps, each with a name, an image and commands.")
    found: list[Step] = []
    images: list[tuple[str, str]] = []
    deploy = False
    for number, step in enumerate(steps, 1):
        if not isinstance(step, dict) or not isinstance(step.get("name"), str) or not step["name"].strip():
            raise _bad(f"step {number} has no name.")
        name = step["name"]
        if name in {s.name for s in found} or (deploy and name == "deploy"):
            raise _bad(f"two steps are named {name!r}.")
        unknown = sorted(set(step) - set(STEP_KEYS))
        if unknown:
            raise _bad(f"step {name!r} has an unknown key {unknown[0]!r}{_did_you_mean(unknown[0], STEP_KEYS)}.")
        when = step.get("when") or {}
        status = when.get("status", "success") if isinstance(when, dict) else None
        if status not in ("success", ["success"]) or set(when) - {"status"}:
            raise _bad(f"step {name!r}: this server knows only when: {{status: success}}.")
        if "deploy" in step:
            if step["deploy"] not in DEPLOY_TARGETS or "image" in step or "commands" in step:
                raise _bad(f"step {name!r}: deploy: takes {' or '.join(DEPLOY_TARGETS)}, with no image or commands.")
            if number != len(steps):
                raise _bad(f"step {name!r} deploys, so it comes last (after the matrix builds).")
            deploy = True
            continue
        image, commands = step.get("image"), step.get("commands")
        if not isinstance(image, str) or not image.strip():
            raise _bad(f"step {name!r} has no image.")
        if isinstance(commands, str):
            commands = [commands]
        if not isinstance(commands, list) or not commands or not all(isinstance(c, str) for c in commands):
            raise _bad(f"step {name!r} has no commands (a list of shell commands).")
        found.append(Step(name, tuple(commands)))
        images.append((name, image))
    return tuple(found), deploy, images


def _build_name(entry: dict[str, str], image: str) -> str:
    """A matrix build's name: its variables' values (``python-3.11``), else its image's name."""
    parts = [f"{key.lower()}-{value}" for key, value in entry.items() if "/" not in value and ":" not in value]
    return "-".join(parts) or image.rsplit("/", 1)[-1].split(":", 1)[0]


def resolve_images(pipeline: Pipeline, client: docker.DockerClient) -> dict[str, str]:
    """Build name → the image reference its worker runs: catalogue images are built if missing.

    Raises:
        BadParameter: An image that is not in the catalogue is not on the engine either (there is
            no registry to pull it from).
    """
    found = {}
    for build, image in pipeline.matrix.items():
        name = images.catalogue_name(image)
        if name:
            found[build] = images.ensure(name, client=client)
            continue
        try:
            client.images.get(image)
        except docker.errors.ImageNotFound:
            raise _bad(f"build {build!r}: image {image} is not on the engine (no registry to pull it from).") from None
        found[build] = image
    return found


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
        """The master's Buildbot configuration as it stands, made from the pipeline file (:mod:`cookbook.chapters.usecases.ci_master`)."""
        from cookbook.chapters.usecases import ci_master  # Buildbot loads only when asked

        return ci_master.describe(self.settings_file)

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


_state_dirs: dict[str, Path] = {}


def state_dir(recipe: Recipe) -> Path:
    """The recipe's scratch folder (repositories, master base folder, router config).

    It is a :func:`cookbook.labels.scratch` folder: the recipe's ``close`` removes it, and so
    does the sweep after a crashed kernel.
    """
    folder = _state_dirs.get(recipe.name)
    if folder is None or not folder.exists():
        folder = _state_dirs[recipe.name] = labels.scratch(recipe.name, "state")
    return folder
