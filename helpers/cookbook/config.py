"""Settings read from ``COOKBOOK_*`` environment variables.

Nothing here does I/O at import time: call :func:`settings` to read the current values.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cookbook.errors import BadParameter

POLICIES = ("local", "upstream", "auto")


@dataclass(frozen=True)
class Settings:
    """The cookbook's knobs.

    Attributes:
        image_policy: ``local`` builds every image from its Debian recipe; ``upstream``
            pulls the official image; ``auto`` tries the pull and builds on failure.
        quick: Smaller sizes and fewer repetitions (CI, first look).
        wait_timeout: Default seconds a readiness wait may take.
        build_timeout: Seconds one image build may take.
        command_timeout: Seconds one docker command run by the executor may take.
        state_dir: Where logs, certificates and scratch files go (``.cookbook/``).
        publish_ip: The engine host's address ports are published on ("" = loopback for a
            local engine, the engine's address for a remote one; see :mod:`cookbook.engine`).
        published_host: Where this kernel reaches the engine's published ports, when it is
            not the host in ``DOCKER_HOST`` (an engine behind a tunnel); "" = from ``DOCKER_HOST``.
        report: Path of the JSON-lines file checks are appended to, if set.
        notebook: Name of the notebook being run headless, if set.
        debian_mirror: Debian mirror for debootstrap and image builds ("" = the host's).
        engines: The reader's own engines for a multi-host cluster (TCP+TLS URLs), if any.
        engines_cert_path: The folder with ``ca.pem``, ``cert.pem``, ``key.pem`` for ``engines``.
    """

    image_policy: str = "local"
    quick: bool = False
    wait_timeout: float = 60.0
    build_timeout: float = 1800.0
    command_timeout: float = 900.0
    state_dir: Path = Path(".cookbook")
    publish_ip: str = ""
    published_host: str = ""
    report: Path | None = None
    notebook: str = ""
    debian_mirror: str = ""
    engines: tuple[str, ...] = ()
    engines_cert_path: Path | None = None


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def _number(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise BadParameter(f"{name}={raw!r} is not a number.", f"set {name} to seconds, e.g. 60.") from None
    if value <= 0:
        raise BadParameter(f"{name}={raw!r} must be positive.", f"set {name} to seconds, e.g. 60.")
    return value


def _address(name: str) -> str:
    """An IP address from the variable ``name`` ("" when unset).

    Raises:
        BadParameter: The value is not an IP address.
    """
    raw = os.environ.get(name, "").strip()
    if raw:
        try:
            ipaddress.ip_address(raw)
        except ValueError:
            raise BadParameter(
                f"{name}={raw!r} is not an IP address.", f"set {name} to an address such as 192.0.2.10."
            ) from None
    return raw


def project_root() -> Path:
    """Return the checkout's top folder (the one holding ``data/`` and ``notebooks/``)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "data" / "images").is_dir():
            return parent
    return Path.cwd()


def settings() -> Settings:
    """Read the settings from the environment.

    Raises:
        BadParameter: A variable holds a value we cannot use.
    """
    policy = os.environ.get("COOKBOOK_IMAGE_POLICY", "local").strip() or "local"
    if policy not in POLICIES:
        raise BadParameter(
            f"COOKBOOK_IMAGE_POLICY={policy!r} is not a known policy.",
            f"use one of {', '.join(POLICIES)}.",
        )
    state = Path(os.environ.get("COOKBOOK_STATE_DIR", "") or project_root() / ".cookbook")
    report = os.environ.get("COOKBOOK_REPORT", "")
    engines_cert_path = os.environ.get("COOKBOOK_ENGINES_CERT_PATH", "")
    return Settings(
        image_policy=policy,
        quick=_flag(os.environ.get("COOKBOOK_QUICK", "")),
        wait_timeout=_number("COOKBOOK_WAIT_TIMEOUT", 60.0),
        build_timeout=_number("COOKBOOK_BUILD_TIMEOUT", 1800.0),
        command_timeout=_number("COOKBOOK_COMMAND_TIMEOUT", 900.0),
        state_dir=state,
        publish_ip=_address("COOKBOOK_PUBLISH_IP"),
        published_host=os.environ.get("COOKBOOK_PUBLISHED_HOST", "").strip(),
        report=Path(report) if report else None,
        notebook=os.environ.get("COOKBOOK_NOTEBOOK", ""),
        debian_mirror=os.environ.get("COOKBOOK_DEBIAN_MIRROR", ""),
        engines=tuple(os.environ.get("COOKBOOK_ENGINES", "").replace(",", " ").split()),
        engines_cert_path=Path(engines_cert_path) if engines_cert_path else None,
    )
