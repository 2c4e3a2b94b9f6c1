"""Chapter 4 helpers without an engine: widget validation (bad inputs), parsing of ip/iptables/ping output."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import ipywidgets as w
import pytest

from cookbook.chapters.networking import data, flannel, network
from cookbook.errors import BadParameter
from cookbook.reader.widgets import Form


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
        {
            "container_port": w.IntText(value=99999),
            "host_ip": w.Text(value="127.0.0.1"),
            "host_port": w.IntText(value=0),
        },
        lambda **values: called.append(values),
        network.validate_publish,
    )
    assert form.submit() is None
    assert called == []
    assert (
        form.error_line.startswith("BadParameter: container port 99999 is out of range") and "\n" not in form.error_line
    )
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


LEASE_ANSWER = (
    '{"action":"get","node":{"key":"/coreos.com/network/subnets","dir":true,"nodes":['
    '{"key":"/coreos.com/network/subnets/10.0.2.0-24","value":"{\\"PublicIP\\":\\"172.20.0.4\\",'
    '\\"BackendType\\":\\"vxlan\\",\\"BackendData\\":{\\"VtepMAC\\":\\"fe:85:cd:b1:d5:5f\\"}}","ttl":86397},'
    '{"key":"/coreos.com/network/subnets/10.0.1.0-24","value":"{\\"PublicIP\\":\\"172.20.0.3\\",'
    '\\"BackendType\\":\\"vxlan\\",\\"BackendData\\":{\\"VtepMAC\\":\\"5e:6c:e3:f4:e7:73\\"}}","ttl":86396}]}}'
)


def test_leases_are_read_by_subnet_and_none_before_the_first() -> None:
    held = flannel.leases(LEASE_ANSWER)
    assert [str(lease.subnet) for lease in held] == ["10.0.1.0/24", "10.0.2.0/24"]
    assert held[0].public_ip == "172.20.0.3" and held[0].vtep_mac == "5e:6c:e3:f4:e7:73" and held[0].ttl == 86396
    assert held[0].key == "/coreos.com/network/subnets/10.0.1.0-24"
    assert held[0].gateway == "10.0.1.0" and held[0].bridge_ip == "10.0.1.1/24"
    missing = '{"errorCode":100,"message":"Key not found","cause":"/coreos.com/network/subnets","index":4}'
    assert flannel.leases(missing) == []
    with pytest.raises(BadParameter, match="error 105"):
        flannel.leases('{"errorCode":105,"message":"Key already exists"}')
    with pytest.raises(BadParameter, match="not JSON"):
        flannel.leases("<html>")


def test_a_host_asks_for_the_first_free_subnet_never_the_networks_first() -> None:
    held = flannel.leases(LEASE_ANSWER)
    assert str(flannel.free_subnet(flannel.CONFIG, [])) == "10.0.1.0/24"
    assert str(flannel.free_subnet(flannel.CONFIG, held)) == "10.0.3.0/24"
    assert str(flannel.free_subnet(flannel.CONFIG, held[1:])) == "10.0.1.0/24"  # a gap is filled first
    tiny = {"Network": "10.0.0.0/23", "SubnetLen": 24}
    with pytest.raises(BadParameter, match="every /24 of 10.0.0.0/23 is leased"):
        flannel.free_subnet(tiny, held[:1])


def test_lease_value_subnet_env_and_rules_are_flannels() -> None:
    value = flannel.lease_value("172.20.0.3", "5e:6c:e3:f4:e7:73")
    assert value == '{"PublicIP":"172.20.0.3","BackendType":"vxlan","BackendData":{"VtepMAC":"5e:6c:e3:f4:e7:73"}}'
    lease = flannel.leases(LEASE_ANSWER)[0]
    assert flannel.subnet_env(flannel.CONFIG, lease, 1450) == [
        "FLANNEL_NETWORK=10.0.0.0/16",
        "FLANNEL_SUBNET=10.0.1.1/24",
        "FLANNEL_MTU=1450",
        "FLANNEL_IPMASQ=true",
    ]
    assert flannel.lease_key("10.0.5.0/24") == "/coreos.com/network/subnets/10.0.5.0-24"
    masquerade = "-t nat -A POSTROUTING -s 10.0.0.0/16 ! -d 224.0.0.0/4 -j MASQUERADE"
    assert masquerade in flannel.iptables_rules(flannel.CONFIG)
    assert "--bip=${FLANNEL_SUBNET}" in flannel.DOCKER_FLAGS and "--mtu=${FLANNEL_MTU}" in flannel.DOCKER_FLAGS


def test_a_delete_event_carries_the_lease_that_went() -> None:
    deleted = (
        '{"action":"delete","node":{"key":"/coreos.com/network/subnets/10.0.3.0-24","modifiedIndex":8},'
        '"prevNode":{"key":"/coreos.com/network/subnets/10.0.3.0-24","value":"{\\"PublicIP\\":\\"172.20.0.5\\",'
        '\\"BackendType\\":\\"vxlan\\",\\"BackendData\\":{\\"VtepMAC\\":\\"ba:43:ee:bd:e5:23\\"}}"}}'
    )
    action, lease = flannel.lease_event(deleted)
    assert action == "delete" and str(lease.subnet) == "10.0.3.0/24" and lease.public_ip == "172.20.0.5"
    with pytest.raises(BadParameter, match="no lease event"):
        flannel.lease_event('{"action":"delete","node":{"key":"/x"}}')


def test_link_counters_from_ip_s_link() -> None:
    text = (
        "2: flannel.1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN\n"
        "    link/ether ba:43:ee:bd:e5:23 brd ff:ff:ff:ff:ff:ff\n"
        "    RX:  bytes packets errors dropped  missed   mcast\n"
        "           252       3      0       0       0       0\n"
        "    TX:  bytes packets errors dropped carrier collsns\n"
        "           336       4      0       0       0       0\n"
    )
    assert flannel.link_counters(text) == {"rx": 3, "tx": 4}
    with pytest.raises(ValueError):
        flannel.link_counters("2: flannel.1: <UP> mtu 1450")
