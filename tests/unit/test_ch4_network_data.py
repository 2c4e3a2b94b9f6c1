"""Chapter 4 helpers without an engine: widget validation (bad inputs), parsing of ip/iptables/ping output."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import ipywidgets as w
import pytest

from cookbook import data, flannel, network
from cookbook.errors import BadParameter
from cookbook.widgets import Form


@pytest.fixture
def busy_port() -> Any:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen(1)
        yield held.getsockname()[1]


BAD_PUBLISH = [
    ({"container_port": 0, "host_ip": "127.0.0.1", "host_port": 0}, "container port 0 is out of range"),
    ({"container_port": 70000, "host_ip": "127.0.0.1", "host_port": 0}, "container port 70000 is out of range"),
    ({"container_port": -1, "host_ip": "127.0.0.1", "host_port": 0}, "container port -1 is out of range"),
    ({"container_port": "http", "host_ip": "127.0.0.1", "host_port": 0}, "container port 'http' is not a number"),
    ({"container_port": 80, "host_ip": "localhost", "host_port": 0}, "host IP 'localhost' is not an IP address"),
    ({"container_port": 80, "host_ip": "", "host_port": 0}, "host IP '' is not an IP address"),
    ({"container_port": 80, "host_ip": "0.0.0.0", "host_port": 0}, "host IP 0.0.0.0 is not a loopback address"),
    ({"container_port": 80, "host_ip": "192.168.1.10", "host_port": 0}, "host IP 192.168.1.10 is not a loopback"),
    ({"container_port": 80, "host_ip": "::1", "host_port": 0}, "host IP ::1 is not a loopback address"),
    ({"container_port": 80, "host_ip": "127.0.0.1", "host_port": 65536}, "host port 65536 is out of range"),
    ({"container_port": 80, "host_ip": "127.0.0.1", "host_port": -5}, "host port -5 is out of range"),
    ({"container_port": 80, "host_ip": "127.0.0.1", "host_port": "5000x"}, "host port '5000x' is not a number"),
]


@pytest.mark.parametrize(("values", "message"), BAD_PUBLISH)
def test_bad_publish_values_give_one_line(values: dict[str, Any], message: str) -> None:
    with pytest.raises(BadParameter) as caught:
        network.validate_publish(**values)
    assert message in caught.value.line()
    assert "\n" not in caught.value.line() and "Fix:" in caught.value.line()


def test_busy_host_port_is_refused(busy_port: int) -> None:
    with pytest.raises(BadParameter, match=f"host port {busy_port} is busy"):
        network.validate_publish(80, "127.0.0.1", busy_port)


def test_good_publish_values_pass() -> None:
    assert network.validate_publish("8080", " 127.0.0.2 ", 0) == (8080, "127.0.0.2", 0)


BAD_MOUNTS = [
    ("mnt/code", "rw", "is not absolute"),
    ("", "rw", "is not absolute"),
    ("/", "rw", "would hide the container's whole file system"),
    ("/mnt/code:ro", "rw", "holds ':' or '..'"),
    ("/mnt/../etc", "rw", "holds ':' or '..'"),
    ("/mnt/code", "z", "mode 'z' is not rw or ro"),
    ("/mnt/code", "RO", "mode 'RO' is not rw or ro"),
]


@pytest.mark.parametrize(("path", "mode", "message"), BAD_MOUNTS)
def test_bad_mounts_give_one_line(path: str, mode: str, message: str) -> None:
    with pytest.raises(BadParameter) as caught:
        data.validate_mount(path, mode)
    assert message in caught.value.line() and "\n" not in caught.value.line()


def test_publish_form_prints_one_line_and_calls_nothing_for_a_bad_port(capsys: pytest.CaptureFixture[str]) -> None:
    called: list[Any] = []
    form = Form(
        "publish",
        {"container_port": w.IntText(value=99999), "host_ip": w.Text(value="127.0.0.1"), "host_port": w.IntText(value=0)},
        lambda **values: called.append(values),
        network.validate_publish,
    )
    assert form.submit() is None
    assert called == []
    assert form.error_line.startswith("BadParameter: container port 99999 is out of range") and "\n" not in form.error_line
    assert not form.button.disabled and form.button.description == "Run", "the button is back after the run"


def test_interface_names_and_the_line_of_a_link() -> None:
    text = "1: lo    inet 127.0.0.1/8 scope host lo\n151: eth0@if152: <BROADCAST> mtu 1500\n"
    assert network.interface_names(text) == ["lo", "eth0"]
    links = "1: lo: <LOOPBACK> mtu 65536\n152: veth1a2b@if151: <UP> mtu 1500 master docker0 state UP\n"
    assert network.link_line(links, 152).startswith("152: veth1a2b@if151") and network.link_line(links, 15) == ""


def test_the_global_ipv6_address_is_read_from_ip_output() -> None:
    v6 = (
        "3: eth0    inet6 fe80::42:acff:fe12:2/64 scope link tentative \n"
        "3: eth0    inet6 2001:db8:1::242:ac12:2/64 scope global flags 02 \n"
    )
    assert network.ipv6_global(v6) == "2001:db8:1::242:ac12:2"
    assert network.ipv6_global("3: eth0    inet6 fe80::1/64 scope link") == ""


def test_round_trip_from_busybox_and_iputils_ping() -> None:
    assert flannel.round_trip_ms("round-trip min/avg/max = 0.155/0.194/0.259 ms") == 0.194
    assert flannel.round_trip_ms("rtt min/avg/max/mdev = 0.043/0.049/0.055/0.006 ms") == 0.049
    with pytest.raises(ValueError):
        flannel.round_trip_ms("3 packets transmitted, 0 packets received, 100% packet loss")


def test_etcd_value_reads_the_nested_json() -> None:
    answer = '{"action":"get","node":{"key":"/coreos.com/network/config","value":"{\\"Network\\": \\"10.0.0.0/16\\"}"}}'
    assert flannel.etcd_value(answer) == {"Network": "10.0.0.0/16"}
    assert flannel.etcd_url("10.1.2.3", flannel.CONFIG_KEY) == "http://10.1.2.3:2379/v2/keys/coreos.com/network/config"


def test_tree_lists_folders_first(tmp_path: Path) -> None:
    (tmp_path / "v2" / "blobs").mkdir(parents=True)
    (tmp_path / "v2" / "a.txt").write_text("x")
    lines = data.tree(tmp_path).splitlines()
    assert lines[1:] == ["└── v2/", "    ├── blobs/", "    └── a.txt"]
