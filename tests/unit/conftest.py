"""Unit tests never touch the real state folder (.cookbook/): each gets its own."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def own_state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point COOKBOOK_STATE_DIR at a fresh folder for the test."""
    folder = tmp_path / "state"
    monkeypatch.setenv("COOKBOOK_STATE_DIR", str(folder))
    return folder
