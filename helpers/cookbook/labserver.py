"""``cookbook lab``: JupyterLab on the notebooks, started from the cookbook's own environment.

JupyterLab runs as ``python -m jupyterlab`` with the interpreter the cookbook is installed in, so
it works from a plain shell with no virtualenv activated. It listens on 127.0.0.1 only, with a
generated token, and opens on ``notebooks/``. Its settings and workspaces live under the state
folder (``.cookbook/lab/``): news and update checks are off (they would reach the internet), and
every cell of a notebook is rendered (JupyterLab 4 otherwise renders only the cells in view).
Its log goes to ``.cookbook/lab/lab.log``; the terminal gets one line with the address to open.
Ctrl-C (or SIGTERM) stops it and its kernels.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from cookbook import config, runner
from cookbook.errors import BadParameter, CookbookError, MissingProgram
from cookbook.ports import port_is_free

DEFAULT_PORT = 8888
SETTINGS = {
    "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "notebook-extension/tracker": {"windowingMode": "none"},
}


def choose_port(asked: int | None) -> tuple[int, str]:
    """The port to serve on, and a note when it is not the default one.

    Raises:
        BadParameter: ``asked`` is out of range or taken (an explicit port is never changed).
    """
    if asked is not None:
        if not 1 <= asked <= 65535:
            raise BadParameter(f"port {asked} is out of range.", "use 1-65535, e.g. --port 8888.")
        if not port_is_free(asked):
            raise BadParameter(f"port {asked} on 127.0.0.1 is taken.", "pick another one with --port, or leave it out.")
        return asked, ""
    for port in range(DEFAULT_PORT, DEFAULT_PORT + 100):
        if port_is_free(port):
            note = "" if port == DEFAULT_PORT else f" (port {DEFAULT_PORT} is taken, so {port})"
            return port, note
    raise BadParameter(
        f"ports {DEFAULT_PORT}-{DEFAULT_PORT + 99} on 127.0.0.1 are all taken.", "pass a free one with --port."
    )


def write_settings(folder: Path) -> None:
    """The cookbook's JupyterLab settings, written once (a reader's later changes are kept)."""
    for plugin, values in SETTINGS.items():
        target = folder / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(values))


def command(port: int, token: str, notebooks: Path, state: Path) -> list[str]:
    """The JupyterLab command line: this interpreter, loopback only, our token and folders."""
    argv = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={notebooks}",
        f"--LabApp.user_settings_dir={state / 'settings'}", f"--LabApp.workspaces_dir={state / 'workspaces'}",
    ]  # fmt: skip
    if os.geteuid() == 0:
        argv.append("--ServerApp.allow_root=True")  # as root JupyterLab refuses to start without it
    return argv


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def _stop(process: subprocess.Popen[bytes]) -> int:
    """Stop JupyterLab (SIGTERM shuts its kernels down); kill it if it does not go in 30 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return int(process.returncode or 0)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve(port: int | None = None, notebooks: Path | None = None, timeout: float = 120) -> int:
    """Start JupyterLab, print the address to open, and run until Ctrl-C or SIGTERM.

    Args:
        port: The port on 127.0.0.1 (default: 8888, or the next free one, said so).
        notebooks: The folder to open (default: the checkout's ``notebooks/``).
        timeout: Seconds JupyterLab may take to start listening.

    Returns:
        0 when stopped by the reader, 1 when JupyterLab ended on its own.

    Raises:
        MissingProgram: JupyterLab is not installed in the cookbook's environment.
        BadParameter: The port is taken or out of range.
        CookbookError: JupyterLab did not start (the message holds its last log lines).
    """
    if importlib.util.find_spec("jupyterlab") is None:
        raise MissingProgram("jupyter lab", "jupyterlab (run `make setup`, which installs it into .venv)")
    chosen, note = choose_port(port)
    folder = (notebooks or runner.notebooks_dir()).resolve()
    state = config.settings().state_dir.resolve() / "lab"
    write_settings(state / "settings")
    token = secrets.token_hex(24)
    log_path = state / "lab.log"
    signal.signal(signal.SIGTERM, _interrupt)
    with log_path.open("wb") as log:
        process = subprocess.Popen(command(chosen, token, folder, state), stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
        try:
            deadline = time.monotonic() + timeout
            while not _answers(chosen):
                if process.poll() is not None or time.monotonic() > deadline:
                    _stop(process)
                    tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-15:])
                    raise CookbookError(f"JupyterLab did not start{note}. Its last log lines:\n{tail}",
                                        f"read {log_path}.")  # fmt: skip
                time.sleep(0.2)
            print(f"JupyterLab{note}: open http://127.0.0.1:{chosen}/lab?token={token}  (Ctrl-C stops it)", flush=True)
            process.wait()
            return 1
        except KeyboardInterrupt:
            _stop(process)
            print("JupyterLab stopped.", flush=True)
            return 0
        finally:
            _stop(process)
