"""The Engine REST API by hand: the book's ``curl`` recipes, as plain HTTP from Python.

:class:`EngineAPI` sends one HTTP request to a Docker Engine, over its unix socket or over
TCP (optionally TLS with client certificates), and returns a :class:`Response`: status,
headers and the parsed body. It uses only the standard library (``http.client``), so what
goes over the wire is exactly the request written in the cell. :meth:`EngineAPI.curl` writes
the same request as the book's ``curl`` command line, for the reader to read: curl never runs.

:func:`recording` shows the other side: the HTTP requests the docker SDK sends for a call,
captured with a response hook on the SDK's ``requests`` session, as the same
:class:`Request` objects, so a hand-made request and the SDK's can be put side by side.
"""

from __future__ import annotations

import http.client
import json
import re
import shlex
import socket
import ssl
import struct
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlparse

import docker

from cookbook.errors import BadParameter, CookbookError

LOCAL_SOCKET = "unix:///var/run/docker.sock"
METHODS = ("GET", "POST", "PUT", "DELETE", "HEAD")
_VERSION_PREFIX = re.compile(r"^/v\d+\.\d+(?=/)")
_PATH = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*$")


class ApiUnreachable(CookbookError):
    """The engine's endpoint refused the connection (nothing listens, or TLS said no)."""


class UnverifiedTls(UserWarning):
    """A TLS connection that does not check the server's certificate."""


@dataclass(frozen=True)
class TlsFiles:
    """The files a TLS client presents and trusts (what ``DOCKER_CERT_PATH`` holds).

    Attributes:
        ca: The authority's certificate the server must be signed by (``ca.pem``).
        cert: The client's certificate (``cert.pem``), or None to present none.
        key: The client's private key (``key.pem``).
        unverified: Skip checking the server (no ``ca``): only when asked by name, and it warns.
    """

    ca: Path | None = None
    cert: Path | None = None
    key: Path | None = None
    unverified: bool = False

    @classmethod
    def folder(cls, path: str | Path) -> TlsFiles:
        """The book's layout: ``ca.pem``, ``cert.pem`` and ``key.pem`` in one folder."""
        folder = Path(path)
        return cls(folder / "ca.pem", folder / "cert.pem", folder / "key.pem")

    def context(self) -> ssl.SSLContext:
        """An SSL context that checks the server against ``ca`` and presents ``cert``."""
        for path in (self.ca, self.cert, self.key):
            if path is not None and not Path(path).is_file():
                raise BadParameter(
                    f"the TLS file {path} does not exist.", "make the certificates first (cookbook.lab.tls)."
                )
        if self.ca is not None:
            context = ssl.create_default_context(cafile=str(self.ca))
        elif self.unverified:
            warnings.warn("TLS without checking the server's certificate: anyone on the path can pose as the engine.",
                          UnverifiedTls, stacklevel=2)  # fmt: skip
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        else:
            raise BadParameter(
                "TLS files without a CA certificate would not check the engine's certificate.",
                "pass ca=PATH/ca.pem, or unverified=True to skip the check on purpose.",
            )
        if self.cert is not None:
            context.load_cert_chain(str(self.cert), str(self.key) if self.key else None)
        return context


@dataclass(frozen=True)
class Request:
    """One HTTP request to the engine.

    Attributes:
        method: ``GET``, ``POST``, ``PUT``, ``DELETE`` or ``HEAD``.
        path: Path and query string (``/images/json?all=1``).
        body: The request body (JSON text, a tar archive), or None.
        headers: Request headers other than Host and Content-Length.
    """

    method: str
    path: str
    body: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def route(self) -> str:
        """The path without the query and without an API version prefix (``/images/create``)."""
        return _VERSION_PREFIX.sub("", self.path.split("?", 1)[0])

    @property
    def query(self) -> dict[str, str]:
        """The query parameters as a dict."""
        return dict(parse_qsl(self.path.partition("?")[2], keep_blank_values=True))

    @property
    def json(self) -> Any:
        """The body parsed as JSON (None when there is no JSON body)."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def same_call(self, other: Request) -> bool:
        """Whether ``other`` asks the engine for the same thing: method, route, query and JSON body.

        An API version prefix, header differences and JSON fields that ``other`` leaves out
        are ignored, so the book's short body matches the SDK's fuller one when every field
        the book sets has the same value.
        """
        if (self.method, self.route, self.query) != (other.method, other.route, other.query):
            return False
        mine, theirs = self.json, other.json
        if isinstance(mine, dict) and isinstance(theirs, dict):
            return all(theirs.get(key) == value for key, value in mine.items())
        return (self.body or b"") == (other.body or b"")

    def curl(self, base: str = "http://dockerhost.example.com:2375", tls: TlsFiles | None = None) -> str:
        """The request as the book's ``curl`` command line.

        Args:
            base: The engine's URL (``unix:///var/run/docker.sock`` gives ``--unix-socket``).
            tls: Certificates to name with ``--cacert``/``--cert``/``--key``.
        """
        parts = ["curl"]
        if self.method != "GET":
            parts += ["-X", self.method]
        url = base.rstrip("/")
        if url.startswith("unix://"):
            parts += ["--unix-socket", url[len("unix://") :]]
            url = "http://localhost"
        elif url.startswith("tcp://"):
            url = ("https://" if tls else "http://") + url[len("tcp://") :]
        if tls is not None:
            for flag, path in (("--cacert", tls.ca), ("--cert", tls.cert), ("--key", tls.key)):
                if path is not None:
                    parts += [flag, Path(path).name]
        for name, value in self.headers.items():
            parts += ["-H", f"{name}:{value}"]
        if self.body is not None:
            if self.headers.get("Content-Type", "").startswith("application/json"):
                parts += ["-d", self.body.decode()]
            else:
                parts += ["--data-binary", "@context.tar"]
        parts.append(url + self.path)
        return " ".join(shlex.quote(p) for p in parts)

    def wire(self, host: str = "localhost", limit: int = 240) -> str:
        """The request as it goes over the wire: request line, headers, body (cut at ``limit``)."""
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        if self.body is not None:
            lines.append(f"Content-Length: {len(self.body)}")
        text = "\n".join(lines)
        if self.body:
            body = (
                self.body.decode(errors="replace") if _printable(self.body) else f"<{len(self.body)} bytes of binary>"
            )
            text += "\n\n" + (body if len(body) <= limit else body[:limit] + " ...")
        return text


def _printable(data: bytes) -> bool:
    return all(32 <= b < 127 or b in (9, 10, 13) for b in data[:512])


@dataclass(frozen=True)
class Response:
    """The engine's answer.

    Attributes:
        request: What was asked.
        status: The HTTP status code.
        reason: The status text (``OK``, ``Not Found``).
        headers: Response headers (names as the engine sent them).
        body: The parsed body: JSON for JSON answers, a list of JSON messages for progress
            streams (pull, build, import), text for logs and plain answers, None if empty.
    """

    request: Request
    status: int
    reason: str
    headers: Mapping[str, str]
    body: Any

    @property
    def ok(self) -> bool:
        """Whether the status is 2xx."""
        return 200 <= self.status < 300

    @property
    def error(self) -> str:
        """The engine's error message for a failed request ("" on success).

        A progress stream can fail after a 200 status: its last message then holds the error.
        """
        if isinstance(self.body, dict) and "message" in self.body and not self.ok:
            return str(self.body["message"])
        if isinstance(self.body, list) and self.body and isinstance(self.body[-1], dict):
            return str(self.body[-1].get("error", ""))
        if not self.ok:
            return str(self.body or self.reason)
        return ""

    @property
    def succeeded(self) -> bool:
        """Whether the status is 2xx and no progress message reports an error."""
        return self.ok and not self.error

    def __str__(self) -> str:
        return f"{self.request.method} {self.request.path} -> {self.status} {self.reason}"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(f"{self}\n{excerpt(self.body)}" if self.body not in (None, "", [], {}) else str(self))


def excerpt(body: Any, limit: int = 400) -> str:
    """A short text of a response body for a reader (JSON pretty-printed, cut at ``limit``)."""
    text = body if isinstance(body, str) else json.dumps(body, indent=1, sort_keys=True)
    return text if len(text) <= limit else text[:limit] + f" ... ({len(text) - limit} more characters)"


def parse_body(raw: bytes, content_type: str) -> Any:
    """Parse an engine's response body.

    Args:
        raw: The body bytes.
        content_type: The ``Content-Type`` header.

    Returns:
        JSON for a JSON body, a list for a stream of JSON messages, text for logs (the
        8-byte frame headers of a multiplexed stream removed) or plain text, None if empty.
    """
    if not raw:
        return None
    if is_multiplexed(raw):
        return demultiplex(raw)
    text = raw.decode(errors="replace")
    if "json" in content_type or text.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            messages = [line for line in text.splitlines() if line.strip()]
            try:
                return [json.loads(line) for line in messages]
            except ValueError:
                return text
    return text


def is_multiplexed(raw: bytes) -> bool:
    """Whether ``raw`` is a multiplexed stdout/stderr stream (logs of a container without a TTY)."""
    offset = 0
    while offset < len(raw):
        if len(raw) - offset < 8 or raw[offset] not in (0, 1, 2) or raw[offset + 1 : offset + 4] != b"\0\0\0":
            return False
        offset += 8 + struct.unpack(">I", raw[offset + 4 : offset + 8])[0]
    return offset == len(raw)


def demultiplex(raw: bytes) -> str:
    """Join the frames of a multiplexed stream into text (stdout and stderr in order)."""
    out, offset = [], 0
    while offset + 8 <= len(raw):
        size = struct.unpack(">I", raw[offset + 4 : offset + 8])[0]
        out.append(raw[offset + 8 : offset + 8 + size])
        offset += 8 + size
    return b"".join(out).decode(errors="replace")


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

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        data: bytes | None = None,
    ) -> Response:
        """Prepare and send a request in one go (the arguments are those of :meth:`prepare`)."""
        return self.send(self.prepare(method, path, params=params, json_body=json_body, data=data))

    def get(self, path: str, *, params: Mapping[str, Any] | None = None) -> Response:
        """``GET path``."""
        return self.call("GET", path, params=params)

    def post(
        self, path: str, *, params: Mapping[str, Any] | None = None, json_body: Any = None, data: bytes | None = None
    ) -> Response:
        """``POST path`` with an optional JSON body or raw ``data`` (a tar archive)."""
        return self.call("POST", path, params=params, json_body=json_body, data=data)

    def delete(self, path: str, *, params: Mapping[str, Any] | None = None) -> Response:
        """``DELETE path``."""
        return self.call("DELETE", path, params=params)

    def explore(self, method: str, path: str, body: str = "") -> Response:
        """Send a hand-written request (what an explorer form holds), validated first.

        Raises:
            BadParameter: See :func:`check_call`.
            ApiUnreachable: The engine does not answer.
        """
        method = method.strip().upper()
        path = path.strip()
        check_call(method, path, body)
        return self.call(method, path, json_body=json.loads(body) if body.strip() else None)


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


def _from_prepared(prepared: Any) -> Request:
    """A :class:`Request` from a ``requests.PreparedRequest``."""
    body = prepared.body
    if isinstance(body, str):
        body = body.encode()
    elif body is not None and not isinstance(body, bytes):
        body = b"<streamed>"
    skip = {"host", "content-length", "user-agent", "accept", "accept-encoding", "connection"}
    headers = {k: v for k, v in prepared.headers.items() if k.lower() not in skip}
    return Request(prepared.method, prepared.path_url, body, headers)


@contextmanager
def recording(client: docker.APIClient | docker.DockerClient) -> Iterator[list[Request]]:
    """Record the HTTP requests the docker SDK sends inside the ``with`` block.

    Uses a ``requests`` response hook on the SDK's session, so every call (also streaming
    ones) is recorded as it is answered; the hook is removed on exit.

    Args:
        client: The SDK client (high-level ``DockerClient`` or low-level ``APIClient``).

    Yields:
        The list the requests are appended to.
    """
    session = client.api if isinstance(client, docker.DockerClient) else client
    seen: list[Request] = []

    def hook(response: Any, *args: Any, **kwargs: Any) -> None:
        seen.append(_from_prepared(response.request))

    hooks = session.hooks.setdefault("response", [])
    hooks.append(hook)
    try:
        yield seen
    finally:
        hooks.remove(hook)


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
