"""The notebook's explorer form: send any request to an engine and read the answer."""

from __future__ import annotations

from typing import Any

from cookbook.lab.api.client import (
    EngineAPI,
    check_call,
)


def explorer(engine_api: EngineAPI) -> Any:
    """A form to send any request to ``engine_api`` and read the answer.

    Method, path and JSON body are checked first (:func:`check_call`): a bad value prints
    one line and sends nothing.

    Returns:
        A :class:`cookbook.reader.widgets.Form`.
    """
    import ipywidgets as w

    from cookbook.reader.widgets import Form

    whole = {"description_width": "initial"}  # labels shown whole, never cut
    inputs = {
        "method": w.Text(value="GET", description="method", style=whole),
        "path": w.Text(value="/containers/json?all=1", description="path", style=whole),
        "body": w.Textarea(
            value="", description="JSON body", placeholder='{"Image": "busybox", "Cmd": ["ls"]}', style=whole
        ),
    }

    def validate(method: str, path: str, body: str) -> None:
        check_call(method.strip().upper(), path.strip(), body)

    return Form(f"Engine API explorer ({engine_api.url})", inputs, engine_api.explore, validate)
