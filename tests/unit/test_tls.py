"""Certificates made the book's way: names, key modes, and a chain that openssl verifies."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest

from cookbook.errors import BadParameter
from cookbook.lab import tls

Made = tuple[tls.Authority, tls.ServerCert, tls.ClientCert]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def openssl_text(cert: Path) -> str:
    command = ["openssl", "x509", "-noout", "-text", "-in", str(cert)]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Made:
    """One CA, a server and a client certificate, each in a folder of its own."""
    folder = tmp_path_factory.mktemp("certs")
    ca = tls.authority(folder / "ca", common_name="test CA")
    server = tls.server(ca, folder / "server", hosts=["127.0.0.1", "localhost", "sandbox-1"])
    client = tls.client(ca, folder / "client")
    return ca, server, client


def test_files_have_the_books_names(made: Made) -> None:
    ca, server, client = made
    assert (ca.cert.name, ca.key.name) == ("ca.pem", "ca-key.pem")
    assert (server.cert.name, server.key.name, server.ca.name) == ("server-cert.pem", "server-key.pem", "ca.pem")
    assert sorted(p.name for p in client.folder.iterdir()) == ["ca.pem", "cert.pem", "key.pem"]
    assert not list(server.cert.parent.glob("*.csr")) and not list(server.cert.parent.glob("*.cnf"))


def test_private_keys_are_0600_certificates_readable(made: Made) -> None:
    ca, server, client = made
    assert [mode(key) for key in (ca.key, server.key, client.key)] == [0o600] * 3
    assert [mode(cert) for cert in (ca.cert, server.cert, client.cert, client.ca)] == [0o644] * 4


def test_server_names_every_host(made: Made) -> None:
    _, server, _ = made
    assert tls.alt_names(server.cert) == ["IP Address:127.0.0.1", "DNS:localhost", "DNS:sandbox-1"]
    text = openssl_text(server.cert)
    assert "Subject: CN = 127.0.0.1" in text and "TLS Web Server Authentication" in text


def test_purposes_and_issuer(made: Made) -> None:
    ca, _, client = made
    assert "CA:TRUE" in openssl_text(ca.cert)
    text = openssl_text(client.cert)
    assert "Issuer: CN = test CA" in text and "TLS Web Client Authentication" in text


def test_chain_verifies_with_openssl(made: Made) -> None:
    ca, server, client = made
    for cert in (server.cert, client.cert):
        done = subprocess.run(["openssl", "verify", "-CAfile", str(ca.cert), str(cert)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert tls.verify(ca.cert, cert)


def test_another_authority_does_not_verify(made: Made, tmp_path: Path) -> None:
    _, server, _ = made
    other = tls.authority(tmp_path, common_name="other CA")
    assert not tls.verify(other.cert, server.cert)


def test_one_folder_as_in_the_book(tmp_path: Path) -> None:
    ca = tls.authority(tmp_path)
    tls.server(ca, tmp_path, hosts=["dockerhost.example.com", "10.70.1.67", "127.0.0.1"])
    tls.client(ca, tmp_path)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["ca-key.pem", "ca.pem", "ca.srl", "cert.pem", "key.pem", "server-cert.pem", "server-key.pem"]


def test_subject_alt_name_line() -> None:
    assert tls.subject_alt_name(["10.70.1.67", "::1", "node-1"]) == "subjectAltName = IP:10.70.1.67,IP:::1,DNS:node-1"
    with pytest.raises(BadParameter):
        tls.subject_alt_name([])


def test_bad_validity_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BadParameter, match="days"):
        tls.authority(tmp_path, days=0)


def test_showing_prints_each_openssl_command_as_it_ran(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Inside ``showing()`` every openssl call is printed as ``$ openssl ...`` in the folder it runs in."""
    with tls.showing(tmp_path):
        ca = tls.authority(tmp_path / "book")
        tls.client(ca, tmp_path / "book")
        tls.server(ca, tmp_path / "server", hosts=["127.0.0.1"])
    lines = capsys.readouterr().out.replace(" \\\n    ", " ").splitlines()  # continuation lines joined
    commands = [line[2:] for line in lines if line.startswith("$ ")]
    assert commands[:2] == [
        "openssl genrsa -out ca-key.pem 2048",
        "openssl req -new -x509 -days 365 -sha256 -key ca-key.pem -subj '/CN=cookbook CA' "
        "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out ca.pem",
    ]
    # the client is signed in the authority's folder, as in the book; the server from its own folder
    signed_here = "openssl x509 -req -days 365 -sha256 -in cert.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial"
    assert f"{signed_here} -out cert.pem -extfile cert.cnf" in commands
    assert any("-CA ../book/ca.pem -CAkey ../book/ca-key.pem" in command for command in commands)
    assert len(commands) == 8 and all(command.startswith("openssl ") for command in commands)
    assert lines[0] == "# in book" and "# in server" in lines
    assert "# cert.cnf holds: extendedKeyUsage = clientAuth" in lines
    assert "subject=CN = client" in lines  # openssl's own output follows its command
    assert not [line for line in lines if not line.startswith(("$ ", "# ", "Certificate request", "subject="))]


def test_outside_showing_nothing_is_printed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ca = tls.authority(tmp_path)
    assert tls.verify(ca.cert, ca.cert)
    assert capsys.readouterr().out == ""


def test_listing_shows_modes(tmp_path: Path) -> None:
    tls.client(tls.authority(tmp_path), tmp_path)
    assert tls.listing(tmp_path).splitlines() == [
        "-rw------- ca-key.pem",
        "-rw-r--r-- ca.pem",
        "-rw-r--r-- ca.srl",
        "-rw-r--r-- cert.pem",
        "-rw------- key.pem",
    ]
