"""Errors render as one line; settings reject values we cannot use."""

from __future__ import annotations

import pytest

from cookbook import config
from cookbook.errors import BadParameter, ImageBuildError, NoEngine


def test_error_is_one_line_with_fix() -> None:
    error = NoEngine("nothing answers.", "start dockerd.")
    assert error.line() == "NoEngine: nothing answers. Fix: start dockerd."
    assert error._render_traceback_() == [error.line()]


def test_build_error_carries_step_and_tail() -> None:
    error = ImageBuildError("mariadb", "RUN apt-get install nope", "E: Unable to locate package nope")
    assert error.step == "RUN apt-get install nope"
    assert "Unable to locate package" in error.line()


@pytest.mark.parametrize(
    "name, value",
    [("COOKBOOK_IMAGE_POLICY", "sometimes"), ("COOKBOOK_WAIT_TIMEOUT", "soon"), ("COOKBOOK_WAIT_TIMEOUT", "-3")],
)
def test_bad_settings_are_named(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(BadParameter, match=name):
        config.settings()


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "COOKBOOK_IMAGE_POLICY",
        "COOKBOOK_QUICK",
        "COOKBOOK_PUBLISH_IP",
        "COOKBOOK_PUBLISHED_HOST",
        "COOKBOOK_REPORT",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = config.settings()
    assert settings.image_policy == "local"
    assert settings.publish_ip == "" and settings.published_host == ""
    assert settings.report is None and not settings.quick
