"""Chapter 5 helpers without an engine: parsing, validation, plans, the CI configuration."""

from __future__ import annotations

import json
import tarfile
from io import BytesIO
from pathlib import Path

import pytest

from cookbook import apptest, ci, deploy, glance, paas, poll, s2i
from cookbook.errors import BadParameter

from tests.unit.fakes import FakeClient

PYTEST_FAIL = """============================= test session starts ==============================
platform linux -- Python 3.11.2, pytest-7.2.1, pluggy-1.0.0
collected 6 items

test_blueprintexample.py .....                                           [ 83%]
test_injected.py F                                                       [100%]
=========================== short test summary info ============================
FAILED test_injected.py::test_injected_failure - AssertionError: an injected failing test
========================= 1 failed, 5 passed in 0.20s ==========================
"""


class RecordingRecipe:
    """Stands in for a Recipe: records every container it would run."""

    def __init__(self) -> None:
        self.client = FakeClient()
        self.started: list[object] = []

    def run_to_exit(self, *args: object, **kwargs: object) -> None:
        self.started.append(args)


def test_parse_reads_counts_version_and_failures() -> None:
    run = apptest.parse("python311", 1, PYTEST_FAIL)
    assert (run.python, run.passed, run.failed, run.failures) == ("3.11.2", 5, 1, ("test_injected_failure",))
    assert run.row()["result"] == "FAIL (exit 1)"


def test_parse_of_a_passing_run() -> None:
    run = apptest.parse("python313", 0, "platform linux -- Python 3.13.5, pytest-8\n5 passed in 0.1s\n")
    assert (run.passed, run.failed, run.failures, run.row()["result"]) == (5, 0, (), "PASS")


@pytest.mark.parametrize("images, message", [([], "no image to test in"), (["python2.7"], "not an image of the catalogue")])
def test_bad_image_lists_give_one_line_and_create_nothing(images: list[str], message: str) -> None:
    recipe = RecordingRecipe()
    with pytest.raises(BadParameter) as caught:
        apptest.test_matrix(recipe, images)  # type: ignore[arg-type]
    assert message in caught.value.line() and "\n" not in caught.value.line()
    assert recipe.started == []


def test_unknown_sample_app_is_refused() -> None:
    with pytest.raises(BadParameter, match="no sample app"):
        apptest.app_dir("no-such-app")


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


def test_an_empty_matrix_is_refused(tmp_path: Path) -> None:
    target = deploy.Target("n", "r", str(tmp_path), "base", "repo", "app", {})
    with pytest.raises(BadParameter, match="matrix is empty"):
        ci.CiServer(recipe=None, repo=None, matrix={}, target=target, basedir=tmp_path, network="n")  # type: ignore[arg-type]


def test_the_master_configuration_has_the_pipeline(tmp_path: Path) -> None:
    pytest.importorskip("buildbot")
    from cookbook import ci_master

    target = deploy.Target("net", "router", str(tmp_path / "conf"), "base:1", "cookbook/app", "app", {"a": "b"})
    settings = {
        "repo": str(tmp_path / "repo.git"), "matrix": {"test-py311": "img:1", "test-py313": "img:2"}, "password": "x",
        "gateway": "172.30.0.1", "pb_port": 9999, "network": "net", "labels": {"a": "b"}, "name_prefix": "w",
        "url": "http://127.0.0.1:8010/", "web_port": 8010, "deploy": target.to_json(),
    }
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(settings))
    config = ci_master.config(path)
    assert [b.name for b in config["builders"]] == ["ci", "test-py311", "test-py313"]
    assert config["buildbotNetUsageData"] is None
    assert config["www"]["port"] == "tcp:8010:interface=127.0.0.1"
    assert config["protocols"]["pb"]["port"] == "tcp:9999:interface=172.30.0.1"
    assert deploy.Target.load(path) == target


def test_router_conf_points_at_the_backend(tmp_path: Path) -> None:
    target = deploy.Target("n", "r", str(tmp_path), "b", "repo", "app", {})
    deploy.write_conf(target, "app-123")
    assert "proxy_pass http://app-123:8000;" in (tmp_path / "default.conf").read_text()


class FakeImages:
    def __init__(self, labels: dict[str, str]) -> None:
        self._labels = labels

    def get(self, _: str) -> object:
        return type("Image", (), {"labels": self._labels})()


def test_s2i_plan_is_the_as_dockerfile_build(tmp_path: Path) -> None:
    (tmp_path / ".s2i").mkdir()
    (tmp_path / ".s2i" / "environment").write_text("# comment\nAPP_FILE=app.py\n\n")
    client = type("Client", (), {"images": FakeImages({s2i.SCRIPTS_LABEL: "image:///usr/libexec/s2i"})})()
    plan = s2i.as_dockerfile(client, "builder:1", tmp_path)  # type: ignore[arg-type]
    lines = plan.dockerfile.splitlines()
    assert lines[0] == "FROM builder:1"
    assert 'ENV APP_FILE="app.py"' in lines
    assert "COPY upload/src /tmp/src" in lines and "RUN /usr/libexec/s2i/assemble" in lines
    assert lines[-1] == "CMD /usr/libexec/s2i/run"
    assert lines.index("USER 1001") < lines.index("RUN /usr/libexec/s2i/assemble")


def test_s2i_refuses_an_image_without_the_scripts_label(tmp_path: Path) -> None:
    client = type("Client", (), {"images": FakeImages({})})()
    with pytest.raises(BadParameter, match="not an S2I builder"):
        s2i.as_dockerfile(client, "debian", tmp_path)  # type: ignore[arg-type]


def test_glance_inspect_reads_a_docker_save_tarball(tmp_path: Path) -> None:
    path = tmp_path / "image.tar"
    config = {"architecture": "amd64", "os": "linux", "rootfs": {"diff_ids": ["sha256:aa"]}, "config": {"Cmd": ["sh"]}}
    manifest = [{"Config": "cfg.json", "RepoTags": ["x:1"], "Layers": ["l1/layer.tar"]}]
    with tarfile.open(path, "w") as tar:
        for name, data in (("manifest.json", json.dumps(manifest).encode()), ("cfg.json", json.dumps(config).encode()), ("l1/layer.tar", b"\0" * 1024)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, BytesIO(data))
    archive = glance.inspect(path)
    assert archive.repo_tags == ["x:1"]
    assert archive.layers == [{"layer": "l1/layer.tar", "bytes": 1024, "diff_id": "sha256:aa"}]
    assert glance.glance_fields(archive, "x")["container_format"] == "docker"


def test_poller_counts_failures_against_a_closed_port() -> None:
    client = poll.Poller("http://127.0.0.1:9/", timeout=1)
    client._once(0.0)
    assert client.requests == 1 and client.failed == 1 and not client.versions
