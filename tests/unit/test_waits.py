"""The poll loop returns what the probe found, or fails with a clear timeout."""

from __future__ import annotations

import pytest

from cookbook import waits
from cookbook.errors import WaitTimeout


def test_until_returns_the_first_truthy_value() -> None:
    answers = iter([None, 0, OSError("not yet"), "ready"])

    def probe() -> str | None:
        value = next(answers)
        if isinstance(value, Exception):
            raise value
        return value  # type: ignore[return-value]

    assert waits.until(probe, timeout=5, first=0.001) == "ready"


def test_until_times_out_with_the_last_error() -> None:
    def probe() -> None:
        raise ConnectionRefusedError("refused")

    with pytest.raises(WaitTimeout, match="the port.*refused"):
        waits.until(probe, timeout=0.05, what="the port", first=0.01)


def test_strategies_describe_themselves() -> None:
    assert "HTTP 200" in waits.HttpStatus(80).describe()
    assert "5432" in waits.TcpPort(5432).describe()
    assert "ready" in waits.LogLine("ready").describe()
    assert "true" in waits.ExecOk(["true"]).describe()
