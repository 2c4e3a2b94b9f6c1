"""Shared hooks: markers by folder, and the time each phase of the run took (printed at the end)."""

from __future__ import annotations

from collections import defaultdict

import pytest

PHASES = ("unit", "integration", "readme", "notebooks", "browser")
_seconds: dict[str, float] = defaultdict(float)


def phase(path: str) -> str:
    """The phase a test belongs to: its folder under tests/, or nbval for a notebook's cells."""
    if path.endswith(".ipynb"):
        return "nbval"
    path = "/" + path.lstrip("/")
    return next((name for name in PHASES if f"/tests/{name}/" in path), "other")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark everything under tests/integration and tests/notebooks as needing the engine."""
    for item in items:
        path = str(item.fspath)
        if "/tests/integration/" in path:
            item.add_marker(pytest.mark.integration)
        if "/tests/notebooks/" in path:
            item.add_marker(pytest.mark.notebook)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Add each test's setup, call and teardown time to its phase."""
    _seconds[phase(str(report.fspath))] += report.duration


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the time per phase, so that a slow one shows at once."""
    if not _seconds:
        return
    terminalreporter.section("time per phase")
    for name, seconds in sorted(_seconds.items(), key=lambda item: -item[1]):
        terminalreporter.write_line(f"{name:<12} {seconds / 60:6.1f} min")
    terminalreporter.write_line(f"{'total':<12} {sum(_seconds.values()) / 60:6.1f} min")
