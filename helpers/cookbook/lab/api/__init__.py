"""The Engine REST API by hand: the book's ``curl`` recipes, as plain HTTP from Python.

:class:`EngineAPI` sends one HTTP request to a Docker Engine, over its unix socket or over
TCP (optionally TLS with client certificates), and returns a :class:`Response`: status,
headers and the parsed body. It uses only the standard library (``http.client``), so what
goes over the wire is exactly the request written in the cell. :meth:`EngineAPI.curl` writes
the same request as the book's ``curl`` command line, for the reader to read: curl never runs.

:func:`recording` shows the other side: the HTTP requests the docker SDK sends for a call,
captured with a response hook on the SDK's ``requests`` session, as the same
:class:`Request` objects, so a hand-made request and the SDK's can be put side by side.

Modules: :mod:`.messages` (requests, responses, TLS files), :mod:`.client` (:class:`EngineAPI`),
:mod:`.sdk` (:func:`recording`). The notebook's explorer form is chapter 6's (:func:`cookbook.chapters.api.apilab.explorer`).
"""

from cookbook.lab.api.client import EngineAPI, check_call, path_of
from cookbook.lab.api.messages import (
    ApiUnreachable,
    Request,
    Response,
    TlsFiles,
    UnverifiedTls,
    is_multiplexed,
    parse_body,
)
from cookbook.lab.api.sdk import recording

__all__ = [
    "ApiUnreachable",
    "EngineAPI",
    "Request",
    "Response",
    "TlsFiles",
    "UnverifiedTls",
    "check_call",
    "is_multiplexed",
    "parse_body",
    "path_of",
    "recording",
]
