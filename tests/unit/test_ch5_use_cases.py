"""Chapter 5 helpers without an engine: pytest's output, the pipeline file, the CI configuration, plans."""

from __future__ import annotations

import json
import tarfile
from io import BytesIO
from pathlib import Path

import pytest

from cookbook import deploy
from cookbook.chapters.usecases import apptest, ci, glance, paas, poll, s2i
from cookbook.errors import BadParameter

PYTEST_FAIL = """============================= test session starts ==============================
platform linux -- Python 3.11.2, pytest-7.2.1, pluggy-1.0.0
collected 6 items

test_blueprintexample.py .....                                           [ 83%]
test_injected.py F                                                       [100%]
=========================== short test summary info ============================
FAILED ../failing/test_injected.py::test_injected_failure - AssertionError: an injected failing test
========================= 1 failed, 5 passed in 0.20s ==========================
"""

PIPELINE = """
kind: pipeline
name: app
matrix:
  include:
    - PYTHON: "3.11"
      IMAGE: cookbook/ci-worker
steps:
  - name: install
    image: ${IMAGE}
    commands: pip install -r requirements.txt
  - name: test
    image: ${IMAGE}
    commands:
      - py.test --junitxml=junit.xml
  - name: deploy
    deploy: router
    when:
      status: success
archive: junit.xml
"""


def test_parse_reads_counts_version_and_failures() -> None:
    run = apptest.parse(1, PYTEST_FAIL)
    assert (run.python, run.passed, run.failed, run.failures) == ("3.11.2", 5, 1, ("test_injected_failure",))


def test_parse_of_a_passing_run() -> None:
    run = apptest.parse(0, "platform linux -- Python 3.13.5, pytest-8\n5 passed in 0.1s\n")
    assert (run.python, run.exit_code, run.passed, run.failed, run.failures) == ("3.13.5", 0, 5, 0, ())


def test_unknown_sample_app_is_refused() -> None:
    with pytest.raises(BadParameter, match="no sample app"):
        apptest.app_dir("no-such-app")


def test_the_test_images_follow_the_books_recipe() -> None:
    testing = apptest.app_dir().parents[1] / "testing"
    for version, base in (("3.11", "python311"), ("3.13", "python313")):
        lines = (testing / f"Dockerfile_{version}").read_text().splitlines()
        assert f"FROM cookbook/{base}" in lines and "WORKDIR /test" in lines and 'CMD ["py.test"]' in lines


def test_show_file_prints_a_header_and_the_file(capsys: pytest.CaptureFixture[str]) -> None:
    apptest.show_file("data/testing/failing/test_injected.py")
    out = capsys.readouterr().out
    assert out.startswith("==> data/testing/failing/test_injected.py <==\n") and "def test_injected_failure" in out


@pytest.mark.parametrize("replicas", [0, 7, -1, True, "3"])
def test_bad_replica_counts_are_refused(replicas: object) -> None:
    with pytest.raises(BadParameter) as caught:
        paas.validate_replicas(replicas)  # type: ignore[arg-type]
    assert "out of range" in caught.value.line()


def test_good_replica_count() -> None:
    assert paas.validate_replicas(3) == 3


def test_junit_counts(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(
        '<testsuites><testsuite tests="3" failures="1"><testcase name="a"/><testcase name="b"><failure/></testcase>'
        '<testcase name="c"/></testsuite></testsuites>'
    )
    assert ci.junit_counts(path) == {"tests": 3, "failed": 1, "failed tests": "b"}


def test_repo_commits_and_pushes_to_the_bare_repository(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "a.txt").write_text("one\n")
    repo = ci.make_repo(tmp_path / "git", app)
    revision = repo.commit("two", {"a.txt": "two\n"})
    assert repo.push() == revision
    assert ci.git(repo.bare, "rev-parse", "main") == revision


def test_git_errors_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(ci.CiError, match="git rev-parse"):
        ci.git(tmp_path, "rev-parse", "HEAD")


def test_the_pipeline_file_is_read() -> None:
    pipeline = ci.Pipeline.parse(PIPELINE)
    assert pipeline.name == "app" and pipeline.matrix == {"python-3.11": "cookbook/ci-worker"}
    assert pipeline.variables == {"python-3.11": {"PYTHON": "3.11", "IMAGE": "cookbook/ci-worker"}}
    assert pipeline.steps == (ci.Step("install", ("pip install -r requirements.txt",)),
                              ci.Step("test", ("py.test --junitxml=junit.xml",)))  # fmt: skip
    assert (pipeline.archive, pipeline.deploy) == ("junit.xml", True)
    assert ci.Pipeline.from_json(pipeline.to_json()) == pipeline


def test_a_matrix_of_one_variable_and_a_file_without_matrix() -> None:
    one = ci.Pipeline.parse("matrix:\n  TAG: [a, b]\nsteps:\n  - {name: t, image: 'img:${TAG}', commands: [x]}\n")
    assert one.matrix == {"tag-a": "img:a", "tag-b": "img:b"} and not one.deploy
    plain = ci.Pipeline.parse("steps:\n  - {name: t, image: cookbook/ci-worker, commands: [x]}\n")
    assert plain.matrix == {"ci-worker": "cookbook/ci-worker"} and plain.variables == {"ci-worker": {}}


def test_the_apps_pipeline_files_are_valid() -> None:
    pipeline = ci.Pipeline.parse((apptest.app_dir() / ci.PIPELINE_FILE).read_text())
    assert set(pipeline.matrix) == {"python-3.11", "python-3.13"} and pipeline.deploy
    assert [step.name for step in pipeline.steps] == ["install", "test"]
    second = ci.Pipeline.parse(apptest.read_file("data/ci/drone-v2.yml"))
    assert list(second.matrix) == ["python-3.13"] and [s.name for s in second.steps] == ["compile", "install", "test"]
    with pytest.raises(BadParameter, match="step 'test' has an unknown key 'command' \\(did you mean 'commands'\\?\\)"):
        ci.Pipeline.parse(apptest.read_file("data/ci/drone-broken.yml"))


STEP = "  - {name: t, image: '${IMAGE}', commands: [x]}\n"


@pytest.mark.parametrize(
    "text, message",
    [
        ("matrix: [\n", "not valid YAML at line"),
        ("- just\n- a list\n", "no keys"),
        ("stepz: []\n", "unknown key 'stepz' (did you mean 'steps'?)"),
        ("kind: secret\nsteps: []\n", "kind is 'secret'"),
        ("steps: []\n", "no steps"),
        ("steps:\n  - {image: x, commands: [y]}\n", "step 1 has no name"),
        ("steps:\n  - {name: t, commands: [y]}\n", "step 't' has no image"),
        ("steps:\n  - {name: t, image: x}\n", "step 't' has no commands"),
        ("steps:\n  - {name: t, image: x, commands: [y], when: {status: failure}}\n", "only when: {status: success}"),
        ("steps:\n" + STEP, "${IMAGE} is not a matrix variable"),
        ("matrix: {include: [{IMAGE: a}, {IMAGE: a}]}\nsteps:\n" + STEP, "would both be named 'image-a'"),
        ("matrix: {A: 1, B: 2}\nsteps:\n" + STEP, "give include:"),
        (
            "matrix: {include: [{IMAGE: a}]}\nsteps:\n" + STEP + "  - {name: u, image: b, commands: [x]}\n",
            "name 2 images",
        ),
        ("steps:\n  - {name: d, deploy: router}\n  - {name: t, image: x, commands: [y]}\n", "comes last"),
        ("steps:\n  - {name: t, image: x, commands: [y]}\n  - {name: d, deploy: heroku}\n", "deploy: takes router"),
        (
            "steps:\n  - {name: t, image: x, commands: [y]}\n  - {name: t, image: x, commands: [y]}\n",
            "two steps are named 't'",
        ),
        ("steps:\n  - {name: d, deploy: router}\n", "no step runs commands"),
    ],
)
def test_bad_pipeline_files_give_one_line(text: str, message: str) -> None:
    with pytest.raises(BadParameter) as caught:
        ci.Pipeline.parse(text)
    assert message in caught.value.line() and "\n" not in caught.value.line()
    assert caught.value.line().startswith("BadParameter: .drone.yml: ")


def test_the_pipeline_is_read_from_what_was_pushed(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / ci.PIPELINE_FILE).write_text(PIPELINE)
    repo = ci.make_repo(tmp_path / "git", app)
    (repo.work / ci.PIPELINE_FILE).write_text("not: pushed\n")  # the clone's copy is not what the server reads
    target = deploy.Target("n", "r", "base", "repo", "app", {})
    server = ci.CiServer(recipe=None, repo=repo, target=target, basedir=tmp_path / "m", network="n")  # type: ignore[arg-type]
    assert server.read_pipeline() == ci.Pipeline.parse(PIPELINE) == server.pipeline


def test_the_master_configuration_has_the_pipeline(tmp_path: Path) -> None:
    from cookbook.chapters.usecases.ci import master as ci_master  # Buildbot is a dependency: no skip

    target = deploy.Target("net", "router", "base:1", "cookbook/app", "app", {"a": "b"})
    parsed = ci.Pipeline.parse(
        PIPELINE.replace(
            "      IMAGE: cookbook/ci-worker",
            '      IMAGE: cookbook/ci-worker\n    - PYTHON: "3.13"\n      IMAGE: cookbook/ci-worker-trixie',
        )
    )
    pipeline = {**parsed.to_json(), "matrix": {"python-3.11": "img:1", "python-3.13": "img:2"}}
    settings = {
        "repo": str(tmp_path / "repo.git"), "pipeline": pipeline, "password": "x",
        "gateway": "172.30.0.1", "pb_port": 9999, "network": "net", "labels": {"a": "b"}, "name_prefix": "w",
        "url": "http://127.0.0.1:8010/", "web_port": 8010, "deploy": target.to_json(),
    }  # fmt: skip
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(settings))
    config = ci_master.config(path)
    assert [b.name for b in config["builders"]] == ["ci", "python-3.11", "python-3.13"]
    assert [step.kwargs["name"] for step in config["builders"][1].factory.steps] == [
        "checkout", "install", "test", "archive"
    ]  # fmt: skip
    install = config["builders"][1].factory.steps[1]
    assert [arg.command for arg in install.kwargs["commands"]] == ["pip install -r requirements.txt"]
    assert install.kwargs["env"] == {"PYTHON": "3.11", "IMAGE": "cookbook/ci-worker"}
    assert [step.kwargs.get("name") or step.step_class.name for step in config["builders"][0].factory.steps] == [
        "checkout", "pipeline", "test matrix", "deploy"
    ]  # fmt: skip
    assert [w.name for w in config["workers"]] == ["local", "w-python-3-11", "w-python-3-13"]
    assert config["buildbotNetUsageData"] is None
    assert config["www"]["port"] == "tcp:8010:interface=127.0.0.1"
    assert [type(s).__name__ for s in config["schedulers"]] == ["SingleBranchScheduler", "Triggerable"], (
        "no forced build"
    )
    assert config["schedulers"][1].builderNames == ["python-3.11", "python-3.13"]
    assert config["protocols"]["pb"]["port"] == "tcp:9999:interface=172.30.0.1"
    assert deploy.Target.load(path) == target
    described = ci_master.describe(path)
    assert "matrix        Triggerable -> python-3.11, python-3.13" in described
    assert "a fresh container of img:2 per build" in described
    assert "install      ShellSequence: pip install -r requirements.txt" in described


def test_the_openshift_objects_name_each_other_and_what_ran() -> None:
    objects = paas.openshift_objects(app="ch5-app", builder="cookbook/s2i-python", source="data/apps/blueprint",
                                     image="cookbook/ch5-s2i-app", replicas=2)  # fmt: skip
    kinds = [item.kind for item in objects]
    assert kinds == ["BuildConfig", "ImageStream", "DeploymentConfig", "Service", "Route"]
    spec = {item.kind: item.manifest["spec"] for item in objects}
    assert spec["BuildConfig"]["strategy"]["sourceStrategy"]["from"]["name"] == "cookbook/s2i-python"
    assert spec["BuildConfig"]["output"]["to"]["name"] == "ch5-s2i-app:latest"
    assert spec["DeploymentConfig"]["replicas"] == 2 and spec["Route"]["to"]["name"] == "ch5-app"
    text = paas.as_yaml(objects)
    import yaml

    assert [doc["kind"] for doc in yaml.safe_load_all(text)] == kinds
    assert text.count("# here: ") == 5 and "&id" not in text


def test_router_conf_points_at_the_backend() -> None:
    assert "proxy_pass http://app-123:8000;" in deploy.router_conf("app-123")


class FakeRouter:
    """Records what ``put_archive`` (``docker cp``) would copy into the container."""

    name = "router"

    def __init__(self) -> None:
        self.copied: dict[str, bytes] = {}

    def put_archive(self, path: str, data: bytes) -> bool:
        with tarfile.open(fileobj=BytesIO(data)) as tar:
            for member in tar.getmembers():
                self.copied[f"{path}/{member.name}"] = tar.extractfile(member).read()  # type: ignore[union-attr]
        return True


def test_the_router_gets_its_configuration_as_docker_cp_would_copy_it() -> None:
    router = FakeRouter()
    deploy.configure_router(router, "app-123")
    assert router.copied == {deploy.ROUTER_CONF_PATH: deploy.router_conf("app-123").encode()}


class FakeImages:
    def __init__(self, labels: dict[str, str]) -> None:
        self._labels = labels

    def get(self, _: str) -> object:
        return type("Image", (), {"labels": self._labels})()


def s2i_client(labels: dict[str, str]) -> object:
    return type("Client", (), {"images": FakeImages(labels)})()


def test_s2i_plan_is_the_as_dockerfile_build(tmp_path: Path) -> None:
    (tmp_path / ".s2i").mkdir()
    (tmp_path / ".s2i" / "environment").write_text("# comment\nAPP_FILE=app.py\n\n")
    client = s2i_client({s2i.SCRIPTS_LABEL: "image:///usr/libexec/s2i"})
    plan = s2i.as_dockerfile(client, "builder:1", tmp_path)  # type: ignore[arg-type]
    lines = plan.dockerfile.splitlines()
    assert lines[0] == "FROM builder:1"
    assert 'ENV APP_FILE="app.py"' in lines
    assert "COPY upload/src /tmp/src" in lines and "RUN /usr/libexec/s2i/assemble" in lines
    assert lines[-1] == "CMD /usr/libexec/s2i/run"
    assert lines.index("USER 1001") < lines.index("RUN /usr/libexec/s2i/assemble")


def test_s2i_context_is_the_dockerfile_and_the_source(tmp_path: Path) -> None:
    source = tmp_path / "app"
    (source / "__pycache__").mkdir(parents=True)
    (source / "app.py").write_text("print('hi')\n")
    client = s2i_client({s2i.SCRIPTS_LABEL: "image:///usr/libexec/s2i"})
    plan = s2i.write_context(client, "builder:1", source, tmp_path / "context")  # type: ignore[arg-type]
    assert (tmp_path / "context" / "Dockerfile").read_text() == plan.dockerfile
    assert [p.name for p in (tmp_path / "context" / "upload" / "src").iterdir()] == ["app.py"]


def test_s2i_refuses_an_image_without_the_scripts_label(tmp_path: Path) -> None:
    with pytest.raises(BadParameter, match="not an S2I builder"):
        s2i.as_dockerfile(s2i_client({}), "debian", tmp_path)  # type: ignore[arg-type]


def test_glance_inspect_reads_a_docker_save_tarball(tmp_path: Path) -> None:
    path = tmp_path / "image.tar"
    config = {"architecture": "amd64", "os": "linux", "rootfs": {"diff_ids": ["sha256:aa"]}, "config": {"Cmd": ["sh"]}}
    manifest = [{"Config": "cfg.json", "RepoTags": ["x:1"], "Layers": ["l1/layer.tar"]}]
    files = (("manifest.json", json.dumps(manifest).encode()), ("cfg.json", json.dumps(config).encode()),
             ("l1/layer.tar", b"\0" * 1024))  # fmt: skip
    with tarfile.open(path, "w") as tar:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, BytesIO(data))
    archive = glance.inspect(path)
    assert archive.repo_tags == ["x:1"]
    assert archive.layers == [{"layer": "l1/layer.tar", "bytes": 1024, "diff_id": "sha256:aa"}]
    assert glance.glance_fields(archive, "x")["container_format"] == "docker"


@pytest.mark.parametrize(
    "wanted, running, same",
    [("cookbook/a:v1", "cookbook/a:v1", True), ("cookbook/a", "cookbook/a:latest", True),
     ("cookbook/a:v1", "cookbook/a:v2", False), ("127.0.0.1:5000/a", "127.0.0.1:5000/a:latest", True)],
)  # fmt: skip
def test_service_images_compare_with_their_default_tag(wanted: str, running: str, same: bool) -> None:
    assert paas.same_image(wanted, running) is same


def test_poller_counts_failures_against_a_closed_port() -> None:
    client = poll.Poller("http://127.0.0.1:9/", timeout=1)
    client._once(0.0)
    assert client.requests == 1 and client.failed == 1 and not client.versions


def test_poller_counts_a_broken_answer_as_a_failed_request(monkeypatch: pytest.MonkeyPatch) -> None:
    import http.client

    def broken(url: str, timeout: float) -> None:
        raise http.client.IncompleteRead(b"partial")

    monkeypatch.setattr(poll.urllib.request, "urlopen", broken)
    client = poll.Poller("http://127.0.0.1:9/", timeout=1)
    client._once(0.0)
    assert client.requests == 1 and client.failed == 1 and client.failures[0][1] == "IncompleteRead"
