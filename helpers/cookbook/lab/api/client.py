"""The hand-made client: one HTTP request to an engine over its unix socket or TCP (TLS)."""

from __future__ import annotations

import http.client
import json
import re
import socket
import ssl
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode, urlparse

from cookbook.errors import BadParameter
from cookbook.lab.api.messages import (
    _PATH,
    _VERSION_PREFIX,
    LOCAL_SOCKET,
    METHODS,
    ApiUnreachable,
    Request,
    Response,
    TlsFiles,
    parse_body,
)


class _UnixConnection(http.client.HTTPConnection):
    """``http.client`` over a unix socket."""

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.socket_path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


def check_call(method: str, path: str, body: str = "") -> None:
    """Validate a hand-written request (an explorer form's fields) before sending it.

    Args:
        method: The HTTP method.
        path: Path and query, starting with ``/``.
        body: JSON text for the body ("" for none).

    Raises:
        BadParameter: Unknown method, a path that is not an absolute path, a body on a
            GET/HEAD/DELETE, or a body that is not JSON. One line each, with the fix.
    """
    if method not in METHODS:
        raise BadParameter(f"method {method!r} is not one the Engine API uses.", f"use one of {', '.join(METHODS)}.")
    if not path.startswith("/") or path.startswith("//"):
        raise BadParameter(
            f"path {path!r} does not start with a single '/'.", "write it as the docs do: /containers/json."
        )
    if not _PATH.match(path) or ".." in path.split("?", 1)[0]:
        raise BadParameter(
            f"path {path!r} has characters a URL path cannot hold (spaces, quotes, '..').",
            "percent-encode them or fix the typo.",
        )
    if body.strip():
        if method in ("GET", "HEAD", "DELETE"):
            raise BadParameter(f"a {method} request takes no body.", "clear the body or use POST.")
        try:
            json.loads(body)
        except json.JSONDecodeError as exc:
            raise BadParameter(
                f"the body is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}).",
                "fix the JSON or clear the body.",
            ) from None


class EngineAPI:
    """A tiny HTTP client for one Docker Engine.

    Args:
        url: ``unix:///var/run/docker.sock``, ``tcp://HOST:PORT`` (plain HTTP, or HTTPS when
            ``tls`` is given), ``http://`` or ``https://``.
        tls: Certificates for a TLS endpoint (see :class:`TlsFiles`).
        version: An API version to prefix paths with (``1.41`` → ``/v1.41/...``); None sends
            the paths as written, which the engine serves at its newest version.
        timeout: Seconds to wait for the connection and for each read.

    Raises:
        BadParameter: The URL is not one of those forms.
    """

    def __init__(
        self,
        url: str = LOCAL_SOCKET,
        *,
        tls: TlsFiles | None = None,
        version: str | None = None,
        timeout: float = 120.0,
    ) -> None:
        parsed = urlparse(url)
        if parsed.scheme == "unix" and parsed.path:
            self.socket_path: str | None = parsed.path
        elif parsed.scheme in ("tcp", "http", "https") and parsed.hostname and parsed.port:
            self.socket_path = None
        else:
            raise BadParameter(
                f"{url!r} is not an engine address.",
                "use unix:///var/run/docker.sock or tcp://127.0.0.1:PORT.",
            )
        if version is not None and not re.fullmatch(r"\d+\.\d+", version):
            raise BadParameter(f"API version {version!r} is not of the form 1.41.", "use the engine's ApiVersion.")
        self.url = url
        self.host = parsed.hostname or "localhost"
        self.port = parsed.port
        self.tls = tls if tls is not None else (TlsFiles() if parsed.scheme == "https" else None)
        self.version = version
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"EngineAPI({self.url!r}{', TLS' if self.tls else ''})"

    def curl(self, request: Request) -> str:
        """``request`` as a ``curl`` command line for this engine (TLS files named as ``DOCKER_CERT_PATH`` holds them).

        The line is text for the reader, never run: this client sends the request itself.
        """
        return request.curl(self.url, self.tls)

    def _connection(self) -> http.client.HTTPConnection:
        if self.socket_path is not None:
            return _UnixConnection(self.socket_path, self.timeout)
        if self.tls is not None:
            return http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout, context=self.tls.context())
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def prepare(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        data: bytes | None = None,
        content_type: str | None = None,
    ) -> Request:
        """Build the :class:`Request` that :meth:`send` would send.

        Args:
            method: The HTTP method.
            path: The API path (``/containers/create``); may already hold a query string.
            params: Query parameters to add (values ``True``/``False`` become ``1``/``0``).
            json_body: A value to send as a JSON body.
            data: Raw body bytes (a tar archive for ``/build``).
            content_type: The body's type (default: ``application/json`` for ``json_body``,
                ``application/x-tar`` for ``data``).

        Raises:
            BadParameter: Bad method or path, or both ``json_body`` and ``data``.
        """
        method = method.upper()
        check_call(method, path)
        if json_body is not None and data is not None:
            raise BadParameter("a request has one body, not both json_body and data.", "pass one of them.")
        if params:
            query = urlencode({k: _query_value(v) for k, v in params.items() if v is not None}, safe=":/")
            path = f"{path}{'&' if '?' in path else '?'}{query}"
        if self.version and not _VERSION_PREFIX.match(path):
            path = f"/v{self.version}{path}"
        headers: dict[str, str] = {}
        body: bytes | None = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = content_type or "application/json"
        elif data is not None:
            body = data
            headers["Content-Type"] = content_type or "application/x-tar"
        return Request(method, path, body, headers)

    def send(self, request: Request) -> Response:
        """Send ``request`` and read the whole answer.

        Raises:
            ApiUnreachable: Nothing listens there, or the TLS handshake failed (no client
                certificate, one from another authority, a server we do not trust).
        """
        connection = self._connection()
        try:
            connection.request(request.method, request.path, body=request.body, headers=dict(request.headers))
            answer = connection.getresponse()
            raw = answer.read()
        except ssl.SSLError as exc:
            reason = _ssl_reason(exc)
            fix = (
                "trust the CA that signed the daemon's certificate (ca.pem)."
                if "verify failed" in reason
                else "present a client certificate signed by the daemon's CA."
            )
            raise ApiUnreachable(f"TLS refused at {self.url}: {reason}.", fix) from None
        except (OSError, http.client.HTTPException) as exc:
            reason = (exc.strerror if isinstance(exc, OSError) else None) or str(exc) or type(exc).__name__
            if self.tls is not None and isinstance(exc, (ConnectionResetError, BrokenPipeError)):
                raise ApiUnreachable(
                    f"TLS refused at {self.url}: the server closed the connection ({reason})."
                ) from None
            raise ApiUnreachable(
                f"no answer from {self.url}: {reason}.", "check that the daemon listens there (and its TLS settings)."
            ) from None
        finally:
            connection.close()
        headers = {name: value for name, value in answer.getheaders()}
        body = parse_body(raw, answer.getheader("Content-Type", ""))
        return Response(request, answer.status, answer.reason, headers, body)

    def get(self, path: str, *, params: Mapping[str, Any] | None = None) -> Response:
        """``GET path``."""
        return self.send(self.prepare("GET", path, params=params))

    def post(
        self, path: str, *, params: Mapping[str, Any] | None = None, json_body: Any = None, data: bytes | None = None
    ) -> Response:
        """``POST path`` with an optional JSON body or raw ``data`` (a tar archive)."""
        return self.send(self.prepare("POST", path, params=params, json_body=json_body, data=data))

    def delete(self, path: str, *, params: Mapping[str, Any] | None = None) -> Response:
        """``DELETE path``."""
        return self.send(self.prepare("DELETE", path, params=params))

    def explore(self, method: str, path: str, body: str = "") -> Response:
        """Send a hand-written request (what an explorer form holds), validated first.

        Raises:
            BadParameter: See :func:`check_call`.
            ApiUnreachable: The engine does not answer.
        """
        method = method.strip().upper()
        path = path.strip()
        check_call(method, path, body)
        return self.send(self.prepare(method, path, json_body=json.loads(body) if body.strip() else None))


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _ssl_reason(exc: BaseException) -> str:
    text = str(getattr(exc, "reason", None) or exc)
    found = re.search(r"(tlsv\d+ alert [a-z ]+|sslv3 alert [a-z ]+|certificate verify failed[^()]*)", text, re.I)
    return (found.group(1) if found else text).strip().replace("_", " ").lower()


def path_of(name: str) -> str:
    """Percent-encode an image or container name for a URL path (``busybox:latest`` stays as is)."""
    return quote(name, safe=":@")
