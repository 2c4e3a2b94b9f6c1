"""A client that keeps requesting a URL in the background and counts what it gets.

Deploy recipes use it to show that a switch to a new version drops no request::

    with poll.Poller("http://127.0.0.1:8080/") as client:
        ...  # deploy, update, roll back
    client.summary()   # {'requests': 812, 'failed': 0, 'versions': {...}}
"""

from __future__ import annotations

import http.client
import re
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

VERSION = re.compile(r"version (\S+?)<")


@dataclass
class Poller:
    """Request ``url`` every ``interval`` seconds on a thread until stopped.

    Attributes:
        url: What to request.
        interval: Pause between requests (seconds).
        timeout: Seconds one request may take before it counts as failed.
        requests: Requests made.
        failures: ``(seconds since start, reason)`` of each failed request.
        versions: How many answers each app version gave (read from the page's footer).
    """

    url: str
    interval: float = 0.02
    timeout: float = 5.0
    requests: int = 0
    failures: list[tuple[float, str]] = field(default_factory=list)
    versions: Counter[str] = field(default_factory=Counter)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def _once(self, started: float) -> None:
        try:
            with urllib.request.urlopen(self.url, timeout=self.timeout) as response:
                body = response.read().decode(errors="replace")
            found = VERSION.search(body)
            self.versions[found.group(1) if found else "?"] += 1
        except urllib.error.HTTPError as exc:
            self.failures.append((time.monotonic() - started, f"HTTP {exc.code}"))
        except (OSError, http.client.HTTPException) as exc:  # IncompleteRead, BadStatusLine: failed requests too
            self.failures.append((time.monotonic() - started, type(exc).__name__))
        self.requests += 1

    def _loop(self) -> None:
        started = time.monotonic()
        while not self._stop.is_set():
            self._once(started)
            self._stop.wait(self.interval)

    def start(self) -> Poller:
        """Start polling on a background thread."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="cookbook-poller", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> Poller:
        """Stop polling and wait for the last request."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout + 5)
        return self

    @property
    def failed(self) -> int:
        """How many requests failed."""
        return len(self.failures)

    def summary(self) -> dict[str, Any]:
        """Requests, failures and the versions that answered."""
        return {"requests": self.requests, "failed": self.failed, "versions": dict(self.versions)}

    def __enter__(self) -> Poller:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
