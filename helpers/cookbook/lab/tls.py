"""Certificates for a Docker daemon's TLS, made as the book makes them: with the openssl CLI.

The steps of the book's "Securing the Docker daemon remote API" recipe, one function each:

1. :func:`authority`: a certificate authority (``ca-key.pem``, ``ca.pem``).
2. :func:`server`: the daemon's key and certificate (``server-key.pem``, ``server-cert.pem``),
   signed by the authority, naming every address a client may use (subjectAltName).
3. :func:`client`: a client key and certificate (``key.pem``, ``cert.pem``) signed by the same
   authority, next to a copy of ``ca.pem``: the folder ``DOCKER_CERT_PATH`` points at.

The file names are the book's, so one folder can hold all of them as in the book. Private keys
are created with mode 0600 before openssl writes into them; certificates are public (0644).
Inside a :func:`showing` block every openssl command is printed as it runs, with its output,
and the steps done in Python (extension files, modes, removed signing requests) as comments.
Two deviations from the 2015 text, both for today's verifiers and for unattended runs: the CA
key is not passphrase-protected (``genrsa -aes256`` would prompt; the key stays 0600 instead),
and the certificates say what they are for (CA basic constraints, ``serverAuth``, ``clientAuth``).
"""

from __future__ import annotations

import ipaddress
import os
import shlex
import shutil
import stat
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from cookbook import config
from cookbook.errors import BadParameter, CookbookError
from cookbook.wrapping import wrap_command

KEY_BITS = 2048
KEY_MODE = 0o600
CERT_MODE = 0o644


@dataclass(frozen=True)
class Authority:
    """A certificate authority.

    Attributes:
        cert: The public certificate (``ca.pem``): what clients and daemons trust.
        key: The private key (``ca-key.pem``, mode 0600): what signs certificates.
    """

    cert: Path
    key: Path


@dataclass(frozen=True)
class ServerCert:
    """What a daemon needs for ``--tlsverify``: ``--tlscacert``, ``--tlscert``, ``--tlskey``.

    Attributes:
        ca: The authority's certificate, to check clients against.
        cert: The daemon's certificate (``server-cert.pem``).
        key: The daemon's private key (``server-key.pem``, mode 0600).
        hosts: The names and addresses the certificate is valid for.
    """

    ca: Path
    cert: Path
    key: Path
    hosts: tuple[str, ...]


@dataclass(frozen=True)
class ClientCert:
    """A client's key and certificate in a folder that ``DOCKER_CERT_PATH`` can point at.

    Attributes:
        folder: Holds ``ca.pem``, ``cert.pem`` and ``key.pem`` (mode 0600).
    """

    folder: Path

    @property
    def ca(self) -> Path:
        """The authority's certificate, to check the daemon against."""
        return self.folder / "ca.pem"

    @property
    def cert(self) -> Path:
        """The client's certificate."""
        return self.folder / "cert.pem"

    @property
    def key(self) -> Path:
        """The client's private key."""
        return self.folder / "key.pem"


@dataclass
class _Shown:
    """Where the printed folders are relative to, and the folder announced last."""

    root: Path
    folder: Path | None = None


_SHOWING: ContextVar[_Shown | None] = ContextVar("cookbook_tls_showing", default=None)


@contextmanager
def showing(root: str | Path | None = None) -> Iterator[None]:
    """Print every step this module takes inside the block, as it takes it.

    An openssl command is printed as ``$ openssl ...``, exactly as it runs, followed by what
    openssl printed. Each command runs in the folder its files go to: a comment line
    ``# in FOLDER`` (relative to ``root``) comes first whenever that folder changes. What is
    done in Python rather than by a command (the extension file written, an empty key file
    made 0600, a mode set, a signing request removed) is printed as a ``# `` comment too.

    Args:
        root: The folder the reader's commands run from (default: the checkout's top folder).
    """
    token = _SHOWING.set(_Shown(Path(root or config.project_root()).resolve()))
    try:
        yield
    finally:
        _SHOWING.reset(token)


def _announce(shown: _Shown, folder: Path) -> None:
    """Say which folder the next steps happen in, when it is not the one said last."""
    if shown.folder != folder:
        shown.folder = folder
        print(f"# in {os.path.relpath(folder, shown.root)}", flush=True)


def _say(folder: Path, text: str) -> None:
    """Print a step done in Python in ``folder`` as a comment, inside a :func:`showing` block."""
    shown = _SHOWING.get()
    if shown is not None:
        _announce(shown, folder)
        print(f"# {text}", flush=True)


def _run(args: Sequence[str], cwd: Path, *, quiet: bool = False) -> subprocess.CompletedProcess[str]:
    if shutil.which("openssl") is None:
        raise CookbookError("the openssl command is not installed.", "install it: apt-get install openssl.")
    shown = None if quiet else _SHOWING.get()
    if shown is not None:
        _announce(shown, cwd)
        print(f"$ {wrap_command(shlex.join(['openssl', *args]))}", flush=True)
    done = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if shown is not None:
        for line in (done.stdout + done.stderr).splitlines():
            print(line, flush=True)
    return done


def _openssl(*args: str, cwd: Path, quiet: bool = False) -> str:
    """Run ``openssl ARGS`` in ``cwd`` and return its output (shown inside :func:`showing` unless ``quiet``).

    Raises:
        CookbookError: openssl is missing or the step failed (with openssl's message).
    """
    done = _run(args, cwd, quiet=quiet)
    if done.returncode != 0:
        raise CookbookError(f"`openssl {' '.join(args)}` failed: {done.stderr.strip()}")
    return done.stdout


def _new_key(path: Path) -> None:
    """Generate an RSA key at ``path``, a file that is 0600 before the key is written into it."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_MODE))
    _say(path.parent, f"{path.name}: created empty with mode 0600, before openssl writes the key into it")
    _openssl("genrsa", "-out", path.name, str(KEY_BITS), cwd=path.parent)
    path.chmod(KEY_MODE)


def _sign(ca: Authority, key: Path, out: Path, subject: str, extensions: list[str], days: int) -> None:
    """Make a signing request for ``key`` and have ``ca`` sign it into ``out``; drop the request."""
    folder = out.parent
    request = folder / f"{out.stem}.csr"
    extfile = folder / f"{out.stem}.cnf"
    extfile.write_text("".join(f"{line}\n" for line in extensions))
    _say(folder, f"{extfile.name} holds: {'; '.join(extensions)}")
    try:
        _openssl("req", "-subj", subject, "-new", "-key", key.name, "-out", request.name, cwd=folder)
        _openssl(
            "x509", "-req", "-days", str(days), "-sha256", "-in", request.name,
            "-CA", _relative(ca.cert, folder), "-CAkey", _relative(ca.key, folder), "-CAcreateserial",
            "-out", out.name, "-extfile", extfile.name,
            cwd=folder,
        )  # fmt: skip
    finally:
        request.unlink(missing_ok=True)
        extfile.unlink(missing_ok=True)
    out.chmod(CERT_MODE)
    _say(folder, f"removed {request.name} and {extfile.name}; {out.name}: mode 0644")


def _relative(path: Path, folder: Path) -> str:
    """``path`` as a command run in ``folder`` names it (``ca.pem`` when it is there)."""
    return os.path.relpath(path.resolve(), folder)


def _folder(path: str | Path) -> Path:
    folder = Path(path).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _new_pair(folder: str | Path, key_name: str, cert_name: str) -> tuple[Path, Path, Path]:
    """Make ``folder`` (if missing) and a new key ``key_name`` in it, for the certificate ``cert_name``.

    Args:
        folder: Where the key and certificate go.
        key_name: The key's file name.
        cert_name: The certificate's file name (not written here).

    Returns:
        The folder (resolved), the key's path and the certificate's path.
    """
    folder = _folder(folder)
    key, cert = folder / key_name, folder / cert_name
    _new_key(key)
    return folder, key, cert


def _check_days(days: int) -> None:
    if days < 1:
        raise BadParameter(f"days={days} is not a validity period.", "give a number of days, e.g. 365.")


def authority(folder: str | Path, *, common_name: str = "cookbook CA", days: int = 365) -> Authority:
    """Create a certificate authority in ``folder`` (the book's step 2).

    Args:
        folder: Where ``ca-key.pem`` and ``ca.pem`` go (created if missing).
        common_name: The authority's name, shown as the issuer of what it signs.
        days: How long the authority's certificate is valid.

    Returns:
        The authority's certificate and key.

    Raises:
        BadParameter: ``days`` is not positive.
        CookbookError: openssl is missing or failed.
    """
    _check_days(days)
    folder, key, cert = _new_pair(folder, "ca-key.pem", "ca.pem")
    _openssl(
        "req", "-new", "-x509", "-days", str(days), "-sha256", "-key", key.name, "-subj", f"/CN={common_name}",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-out", cert.name,
        cwd=folder,
    )  # fmt: skip
    cert.chmod(CERT_MODE)
    _say(folder, f"{cert.name}: mode 0644")
    return Authority(cert=cert, key=key)


def subject_alt_name(hosts: Sequence[str]) -> str:
    """Return the ``subjectAltName`` line for ``hosts``: ``IP:`` for addresses, ``DNS:`` for names.

    Raises:
        BadParameter: ``hosts`` is empty.
    """
    if not hosts:
        raise BadParameter("a server certificate needs at least one host name or address.", "pass hosts=[...].")
    entries = []
    for host in hosts:
        try:
            entries.append(f"IP:{ipaddress.ip_address(host)}")
        except ValueError:
            entries.append(f"DNS:{host}")
    return "subjectAltName = " + ",".join(entries)


def _copy_ca(ca: Authority, folder: Path) -> Path:
    target = folder / "ca.pem"
    if target.resolve() != ca.cert.resolve():
        shutil.copyfile(ca.cert, target)
        target.chmod(CERT_MODE)
        _say(folder, f"copied the authority's certificate here as {target.name}, mode 0644")
    return target


def server(
    ca: Authority,
    folder: str | Path,
    *,
    hosts: Sequence[str] = ("127.0.0.1", "localhost"),
    common_name: str | None = None,
    days: int = 365,
) -> ServerCert:
    """Create the daemon's key and certificate, signed by ``ca`` (the book's steps 3 and 4).

    Args:
        ca: The authority that signs.
        folder: Where ``server-key.pem``, ``server-cert.pem`` (and a copy of ``ca.pem``) go.
        hosts: Every name and address clients use to reach the daemon (its subjectAltName).
        common_name: The certificate's subject (default: the first host).
        days: How long the certificate is valid.

    Raises:
        BadParameter: No hosts, or ``days`` is not positive.
        CookbookError: openssl is missing or failed.
    """
    _check_days(days)
    alt_names = subject_alt_name(hosts)
    folder, key, cert = _new_pair(folder, "server-key.pem", "server-cert.pem")
    extensions = [alt_names, "extendedKeyUsage = serverAuth"]
    _sign(ca, key, cert, f"/CN={common_name or hosts[0]}", extensions, days)
    return ServerCert(ca=_copy_ca(ca, folder), cert=cert, key=key, hosts=tuple(hosts))


def client(ca: Authority, folder: str | Path, *, common_name: str = "client", days: int = 365) -> ClientCert:
    """Create a client key and certificate signed by ``ca`` (the book's steps 5 and 6).

    Args:
        ca: The authority that signs (the daemon must trust the same one).
        folder: Where ``key.pem``, ``cert.pem`` and a copy of ``ca.pem`` go.
        common_name: The client's name.
        days: How long the certificate is valid.

    Raises:
        BadParameter: ``days`` is not positive.
        CookbookError: openssl is missing or failed.
    """
    _check_days(days)
    folder, key, cert = _new_pair(folder, "key.pem", "cert.pem")
    _sign(ca, key, cert, f"/CN={common_name}", ["extendedKeyUsage = clientAuth"], days)
    _copy_ca(ca, folder)
    return ClientCert(folder=folder)


def verify(ca_cert: str | Path, cert: str | Path) -> bool:
    """Whether ``cert`` was signed by the authority whose certificate is ``ca_cert`` (``openssl verify``).

    Raises:
        CookbookError: openssl is missing.
    """
    return _run(["verify", "-CAfile", str(ca_cert), str(cert)], Path.cwd(), quiet=True).returncode == 0


def subject(cert: str | Path) -> str:
    """The certificate's subject (``CN = reader2``), as openssl prints it."""
    return _openssl("x509", "-in", str(cert), "-noout", "-subject", cwd=Path(cert).parent, quiet=True).strip()


def alt_names(cert: str | Path) -> list[str]:
    """The names and addresses a certificate is valid for, as openssl prints them (``IP Address:127.0.0.1``)."""
    path = Path(cert).resolve()
    text = _openssl("x509", "-noout", "-ext", "subjectAltName", "-in", str(path), cwd=path.parent, quiet=True)
    lines = [line.strip() for line in text.splitlines()[1:] if line.strip()]
    return [name.strip() for line in lines for name in line.split(",")]


def listing(folder: str | Path) -> str:
    """The files in ``folder`` with their modes, one per line, as ``ls -l`` shows them (``-rw------- key.pem``)."""
    files = sorted(path for path in Path(folder).iterdir() if path.is_file())
    return "\n".join(f"{stat.filemode(path.stat().st_mode)} {path.name}" for path in files)
