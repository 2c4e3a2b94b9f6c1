"""The exit sweep: what this session made is removed when the process ends, SIGTERM included.

Armed explicitly, once, by whoever starts a session (:func:`cookbook.reader.session.start`,
the command line's ``bench`` and ``images``, the benchmark scripts); importing a module or
asking for labels never installs a handler.
"""

from __future__ import annotations

import atexit
import signal
import threading
from typing import Any

from cookbook import labels

_lock = threading.Lock()
_installed = False


def _exit_sweep() -> None:
    from cookbook import engine, sweeper  # late import: arming the sweep needs no engine

    try:
        sweeper.sweep(engine.connect(), session=labels.session_id())
    except Exception:  # at exit nothing can be reported; the next start's stale sweep catches it
        pass


def install_exit_sweep() -> None:
    """Make sure this session's resources are removed when the process exits.

    Registers an atexit hook once, and turns SIGTERM (how Jupyter stops a kernel when
    a polite shutdown fails) into a normal exit so that the hook runs.
    """
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    atexit.register(_exit_sweep)
    if threading.current_thread() is threading.main_thread():
        if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
            signal.signal(signal.SIGTERM, _exit_on_sigterm)


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)
