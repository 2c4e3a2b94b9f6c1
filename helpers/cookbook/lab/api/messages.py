"""What goes over the wire: requests, responses, their bodies, and the TLS files a client presents."""

from __future__ import annotations

import json
import re
import shlex
import ssl
import struct
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

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
