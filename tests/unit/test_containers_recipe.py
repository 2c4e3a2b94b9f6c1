"""Port publishing, checks and their report, widget forms: no engine needed."""

from __future__ import annotations

import json
from pathlib import Path

import ipywidgets as w
import pytest

from cookbook import containers
from cookbook.errors import BadParameter, CheckFailed
from cookbook.reader import recipe
from cookbook.reader.widgets import Form
from tests.unit.fakes import FakeClient


def test_publish_binds_loopback_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COOKBOOK_PUBLISH_IP", raising=False)
    bound = containers.publish({80: None, "53/udp": 5353, 443: ("127.0.0.2", 8443)})
    assert bound == {"80/tcp": ("127.0.0.1", None), "53/udp": ("127.0.0.1", 5353), "443/tcp": ("127.0.0.2", 8443)}
    assert containers.publish(None) is None


@pytest.mark.parametrize(
    ("ports", "publish_ip"), [({443: ("0.0.0.0", 8443)}, ""), ({80: ("::", None)}, ""), ({80: None}, "0.0.0.0")]
)
def test_every_interface_is_refused_unless_asked_for_by_name(
    ports: dict, publish_ip: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COOKBOOK_PUBLISH_IP", publish_ip)
    with pytest.raises(BadParameter, match="every interface"):
        containers.publish(ports)
    assert containers.publish(ports, every_interface=True)


def test_check_shows_reports_and_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "checks.jsonl"
    monkeypatch.setenv("COOKBOOK_REPORT", str(report))
    monkeypatch.setenv("COOKBOOK_NOTEBOOK", "04-networking-and-data")
    step = recipe.Recipe("publish-ports", "Ports", client=FakeClient())  # type: ignore[arg-type]
    step.check(True, "the port answers")
    step.check(True, "the page is there")
    assert capsys.readouterr().out == "✔ check passed: the port answers\n✔ check passed: the page is there\n"
    with pytest.raises(CheckFailed, match="publish-ports.*the page has the title"):
        step.check(False, "the page has the title")
    rows = [json.loads(line) for line in report.read_text().splitlines()]
    assert [r["passed"] for r in rows] == [True, True, False]
    assert rows[0]["notebook"] == "04-networking-and-data" and rows[0]["recipe"] == "publish-ports"


def test_recipe_name_must_be_a_label_value() -> None:
    with pytest.raises(BadParameter):
        recipe.Recipe("two words", client=FakeClient())  # type: ignore[arg-type]


def test_form_validates_before_acting(capsys: pytest.CaptureFixture[str]) -> None:
    calls: list[int] = []

    def act(port: int) -> int:
        calls.append(port)
        return port

    def validate(port: int) -> None:
        if not 1 <= port <= 65535:
            raise BadParameter(f"port {port} is out of range.", "use 1-65535.")

    form = Form("Publish", {"port": w.IntText(value=70000, description="port")}, act, validate)
    assert form.submit() is None
    assert calls == []
    form.inputs["port"].value = 8080
    assert form.submit() == 8080 and calls == [8080]


def test_a_recipe_keeps_one_scratch_folder_per_purpose_while_it_exists() -> None:
    step = recipe.Recipe("folders", client=FakeClient())  # type: ignore[arg-type]
    first = step.folder("state")
    assert step.folder("state") == first and step.folder("other") != first
    first.rmdir()  # what the recipe's close (the sweep) does
    assert step.folder("state") != first
