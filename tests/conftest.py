"""Shared fixtures: the project root on sys.path and a skip for integration tests without an engine."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark everything under tests/integration and tests/notebooks as needing the engine."""
    for item in items:
        path = str(item.fspath)
        if "/tests/integration/" in path:
            item.add_marker(pytest.mark.integration)
        if "/tests/notebooks/" in path:
            item.add_marker(pytest.mark.notebook)
