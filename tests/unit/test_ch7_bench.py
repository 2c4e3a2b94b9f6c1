"""Chapter 7 without an engine: parameters, order, parsers, statistics, figures, the page, the CLI,
and the committed full-size reference run (``data/results/``) held to the chapter's goals."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_hex

from cookbook import cli, engine
from cookbook.chapters.performance import bench, monitor, plots
from cookbook.errors import BadParameter, CookbookError

ENV = {"cpu_model": "Test CPU", "cores": "2", "kernel": "6.1", "engine_version": "20.10", "storage_driver": "overlay2"}


# ---------------------------------------------------------------- parameters and the order of runs


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"pairs": 1}, "pairs=1 is out of range."),
        ({"pairs": 2.5}, "pairs=2.5 is not a whole number."),
        ({"pairs": "5"}, "pairs='5' is not a whole number."),
        ({"pairs": True}, "pairs=True is not a whole number."),
        ({"cpu_seconds": -1.0}, "cpu_seconds=-1.0 is out of range."),
        ({"fio_size_mb": 1}, "fio_size_mb=1 is out of range."),
        ({"containers": 5000}, "containers=5000 is out of range."),
        ({"seed": -1}, "seed=-1 is out of range."),
        ({"threads": 4}, "'threads' is not a benchmark parameter."),
    ],
)
def test_bad_parameter_gives_one_line(values: dict, fragment: str) -> None:
    with pytest.raises(BadParameter) as caught:
        bench.validate(**values)
    line = caught.value.line()
    assert fragment in line
    assert "\n" not in line and "Fix:" in line


def test_full_mode_has_at_least_five_rounds_and_the_scale_reaches_200() -> None:
    full, quick = bench.params_for(False), bench.params_for(True, cpu_seconds=3.0)
    assert full.pairs >= 5 and full.scale() == [10, 50, 200]
    assert quick.pairs >= 3 and quick.cpu_seconds == 3.0 and quick.scale() == [2, 5, 20]


def test_bad_parameter_in_form_creates_nothing() -> None:
    import ipywidgets as w

    from cookbook.reader.widgets import Form

    action = mock.Mock()
    form = Form("cpu", {"pairs": w.IntText(value=0)}, action, bench.validate)
    assert form.submit() is None
    action.assert_not_called()
    assert form.error_line == "BadParameter: pairs=0 is out of range. Fix: give pairs a value from 2 to 50 pairs."


def test_schedule_runs_each_configuration_once_per_round_in_changing_orders() -> None:
    rounds = bench.schedule(("host folder", "bind volume", "container layer"), 8, 2015, "disk")
    assert all(sorted(order) == sorted(("host folder", "bind volume", "container layer")) for order in rounds)
    assert len({tuple(order) for order in rounds}) > 2, "the order must change between rounds"
    assert rounds == bench.schedule(("host folder", "bind volume", "container layer"), 8, 2015, "disk")
    assert rounds != bench.schedule(("host folder", "bind volume", "container layer"), 8, 2015, "cpu")


# ---------------------------------------------------------------- parsers


SYSBENCH = """CPU speed:
    events per second:  1644.75

General statistics:
    total time:                          1.0004s
"""

SOCKPERF = """sockperf: ====> avg-rtt=57.253 (std-dev=22.673)
sockperf: ---> percentile 75.000 =   59.307
sockperf: ---> percentile 50.000 =   57.204
sockperf: ---> <MIN> observation =   14.050
"""


def test_parse_sysbench() -> None:
    assert bench.parse_sysbench(SYSBENCH) == pytest.approx(1644.75)
    with pytest.raises(bench.BenchError):
        bench.parse_sysbench("FATAL: no such test")


def test_parse_fio_skips_leading_noise_and_counts_ios() -> None:
    report = {"jobs": [{"read": {"iops": 100.5, "total_ios": 1005}, "write": {"iops": 40.0, "total_ios": 400}}]}
    assert bench.parse_fio("note: both iodepth >= 1 and synchronous I/O engine\n" + json.dumps(report)) == {
        "read_iops": 100.5,
        "write_iops": 40.0,
        "read_ios": 1005.0,
        "write_ios": 400.0,
    }
    with pytest.raises(bench.BenchError):
        bench.parse_fio("fio: pid=0, err=22/file:filesetup.c")


def test_parse_sockperf_takes_the_median() -> None:
    assert bench.parse_sockperf(SOCKPERF) == pytest.approx(57.204)
    with pytest.raises(bench.BenchError):
        bench.parse_sockperf("sockperf: ERROR: connect failed")


def test_parse_iperf3() -> None:
    assert bench.parse_iperf3(json.dumps({"end": {"sum_received": {"bits_per_second": 2e9}}})) == 2e9
    with pytest.raises(bench.BenchError):
        bench.parse_iperf3(json.dumps({"error": "unable to connect to server"}))
    with pytest.raises(bench.BenchError):
        bench.parse_iperf3("iperf3: error")


def test_parse_nuttcp_reads_the_parsable_rate() -> None:
    text = "megabytes=5870.8125 real_seconds=2.00 rate_Mbps=24628.1715 tx_cpu=46 rx_cpu=60 retrans=0 rtt_ms=0.11"
    assert bench.parse_nuttcp(text) == pytest.approx(24628.1715e6)
    with pytest.raises(bench.BenchError):
        bench.parse_nuttcp("nuttcp-t: v6.1.2: Error: connect: Connection refused")


def test_the_network_tools_are_the_books_and_their_stand_ins() -> None:
    target = bench.nettools.Target("10.0.0.2", 11111, 11112, 5201, 5000, lambda argv: "")
    commands = {name: " ".join(tool.argv(target, 2.4)) for name, tool in bench.NET_TOOLS.items()}
    assert commands["nuttcp -t"] == "nuttcp -t -fparse -T 2 -P 5000 -p 5001 10.0.0.2"
    assert commands["nuttcp -r"] == "nuttcp -r -F -fparse -T 2 -P 5000 -p 5001 10.0.0.2"
    assert commands["sockperf tcp"] == "taskset -c 0 sockperf ping-pong --tcp --full-rtt -i 10.0.0.2 -p 11111 -t 2"
    assert commands["sockperf udp"] == "taskset -c 0 sockperf ping-pong --full-rtt -i 10.0.0.2 -p 11112 -t 2"
    assert commands["iperf3"] == "iperf3 -c 10.0.0.2 -p 5201 -t 2 -J"


def test_parse_findmnt_and_stat_f() -> None:
    text = json.dumps(
        {
            "filesystems": [
                {
                    "target": "/var/lib/docker",
                    "source": "/dev/vda[/var/lib/docker]",
                    "fstype": "ext4",
                    "options": "rw,relatime",
                }
            ]
        }
    )
    assert bench.parse_findmnt(text)["source"] == "/dev/vda[/var/lib/docker]"
    assert bench.parse_stat_f("ext2/ext3 4096 4096\n") == {
        "statfs_type": "ext2/ext3",
        "block_size": "4096",
        "fundamental_block_size": "4096",
    }
    with pytest.raises(bench.BenchError):
        bench.parse_findmnt("findmnt: can't read /proc/self/mountinfo")


def test_block_device_names_the_disk_under_a_bind_source(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from cookbook.chapters.performance.bench import sides

    assert sides.block_device("overlay") == "" and sides.block_device("tmpfs") == ""
    assert bench.parsers.parse_block_stat("  100 0 800 5  40 0 320 9 0 10 14") == (100, 40)


def test_package_versions_reads_dpkg_query_lines() -> None:
    text = "fio\t3.33-3\niperf3:amd64\t3.12-1+deb12u2\n\nsysbench\t1.0.20+ds-5\n"
    assert bench.package_versions(text) == {"fio": "3.33-3", "iperf3": "3.12-1+deb12u2", "sysbench": "1.0.20+ds-5"}


def test_host_tools_compares_the_given_versions_with_the_hosts() -> None:
    from cookbook.chapters.performance.bench import sides

    host = {"sysbench": "1.0.20+ds-5", "fio": "3.33-3", "iperf3": "3.12-1", "sockperf": "3.7-1", "nuttcp": ""}
    inside = {"sysbench": "1.0.20+ds-5", "fio": "3.33-3", "iperf3": "3.12-1+deb12u2", "sockperf": "3.7-1"}
    with (
        mock.patch.object(sides, "install_host_tools", return_value=[]),
        mock.patch.object(sides, "_package_version", side_effect=lambda package: host[package]),
        mock.patch.object(sides.shutil, "which", return_value="/usr/bin/tool"),
    ):
        table = bench.host_tools(inside).set_index("tool")
    assert table.same.to_dict() == {"sysbench": True, "fio": True, "iperf3": False, "sockperf": True, "nuttcp": False}
    assert table.loc["nuttcp", "host"] == "missing" and table.loc["nuttcp", "container"] == "missing"


@pytest.mark.parametrize(
    ("version", "shares"), [("1", "/sys/fs/cgroup/cpu/cpu.shares"), ("2", "/sys/fs/cgroup/cpu.weight")]
)
def test_cgroup_files_follow_the_engines_cgroup_version(version: str, shares: str) -> None:
    client = mock.Mock()
    client.version.return_value = {"Version": "20.10"}
    client.info.return_value = {"CgroupVersion": version}
    assert bench.cgroup_files(client).cpu_shares == shares


def test_sysbench_argv_is_one_thread_time_bound() -> None:
    assert bench.sysbench_argv(2.4, 20000) == [
        "sysbench",
        "cpu",
        "--cpu-max-prime=20000",
        "--threads=1",
        "--time=2",
        "run",
    ]


def test_fio_job_is_ibms_with_scaled_size_and_runtime() -> None:
    text = bench.fio_job().read_text()
    for line in ("rw=randrw", "rwmixread=70", "bs=4K", "iodepth=32", "numjobs=8", "ioengine=libaio", "direct=1"):
        assert line in text
    assert "size=${FIO_SIZE}" in text and "runtime=${FIO_RUNTIME}" in text and "${FIO_DIR}/fio-test-file" in text


# ---------------------------------------------------------------- statistics


def _samples(pairs: list[tuple[float, float]]) -> pd.DataFrame:
    rows = []
    for pair, (host, box) in enumerate(pairs):
        rows.append(
            {"benchmark": "b", "metric": "m", "pair": pair, "position": 0, "side": "host", "value": host, **ENV}
        )
        rows.append(
            {"benchmark": "b", "metric": "m", "pair": pair, "position": 1, "side": "container", "value": box, **ENV}
        )
    return pd.DataFrame(rows)


def test_paired_ratios_are_within_rounds() -> None:
    ratios = bench.paired_ratios(_samples([(100.0, 99.0), (110.0, 112.2), (90.0, 90.0)]), "host")
    assert list(ratios.columns) == ["benchmark", "metric", "pair", "side", "ratio"]
    assert ratios.ratio.round(3).tolist() == [0.99, 1.02, 1.0]


def test_bootstrap_interval_is_reproducible_and_holds_the_median() -> None:
    values = [0.97, 1.01, 0.99, 1.03, 1.0, 0.98, 1.02, 1.0]
    median, low, high = bench.bootstrap_median(values)
    assert low <= median <= high and (median, low, high) == bench.bootstrap_median(values)
    assert 0.97 <= low < 1.0 < high <= 1.03
    assert bench.bootstrap_median([1.2]) == (1.2, 1.2, 1.2)
    assert all(np.isnan(bench.bootstrap_median([])))


def test_a_clear_difference_gets_an_interval_away_from_one() -> None:
    _, low, high = bench.bootstrap_median([1.9, 2.1, 2.0, 2.2, 1.8])
    assert bench.verdict(low, high, 1.0, "slower", "faster") == "measurably slower"
    _, low, high = bench.bootstrap_median([0.95, 1.06, 1.0, 0.97, 1.04])
    assert bench.verdict(low, high) == bench.NO_DIFFERENCE == "no measurable difference"
    assert bench.verdict(0.5, 0.8, 1.0, "slower", "faster") == "measurably faster"


def test_summary_gives_interval_and_words_per_group() -> None:
    ratios = bench.paired_ratios(_samples([(100.0, 99.0), (110.0, 112.2), (90.0, 90.0), (95, 96)]), "host")
    table = bench.summary(ratios, ["side"])
    assert list(table.columns) == ["side", "n", "median", "ci_low", "ci_high", "verdict"]
    assert table.n.iloc[0] == 4 and table.verdict.iloc[0] == "no measurable difference"
    absolute = bench.summary(_samples([(1, 2), (3, 4)]), ["side"], "value", baseline=None)
    assert "verdict" not in absolute.columns


def test_ratio_of_medians_sees_a_cost_that_grows() -> None:
    ratio, low, high = bench.bootstrap_ratio_of_medians([2.0, 2.1, 1.9, 2.0], [1.0, 1.1, 0.9, 1.0])
    assert ratio == pytest.approx(2.0) and low > 1.0


def test_growth_says_flat_or_growing() -> None:
    rows = [
        {"engine": e, "phase": "start", "n": n, "seconds": base * (3 if (e == "vfs" and n == 20) else 1) + j * 1e-3}
        for e, base in (("overlay2", 0.2), ("vfs", 0.5))
        for n in (2, 20)
        for j in range(n)
    ]
    table = bench.growth(pd.DataFrame(rows)).set_index("engine")
    assert table.loc["vfs", "verdict"] == "measurably grows with N"
    assert table.loc["overlay2", "from_n"] == 2 and table.loc["overlay2", "to_n"] == 20


def test_order_effect_by_position() -> None:
    table = bench.order_effect(_samples([(100.0, 99.0), (110.0, 112.2)]), ["side"])
    assert list(table.columns) == ["side", "ran 1st", "ran 2nd"]


def test_stats_row_computes_cpu_percent_and_totals() -> None:
    sample = {
        "cpu_stats": {"cpu_usage": {"total_usage": 3_000_000}, "system_cpu_usage": 20_000_000, "online_cpus": 2},
        "precpu_stats": {"cpu_usage": {"total_usage": 1_000_000}, "system_cpu_usage": 10_000_000},
        "memory_stats": {"usage": 3 * 2**20, "stats": {"cache": 2**20}},
        "networks": {"eth0": {"rx_bytes": 10, "tx_bytes": 20}, "eth1": {"rx_bytes": 1, "tx_bytes": 2}},
        "blkio_stats": {"io_service_bytes_recursive": [{"op": "Read", "value": 5}, {"op": "Write", "value": 7}]},
    }
    row = bench.stats_row(sample)
    assert row["cpu_percent"] == pytest.approx(40.0)
    assert row["memory_mib"] == pytest.approx(2.0)
    assert (row["net_rx_bytes"], row["net_tx_bytes"], row["blk_read_bytes"], row["blk_write_bytes"]) == (11, 22, 5, 7)


def test_published_figures_keep_their_sources() -> None:
    ref = bench.published()
    assert list(ref.columns) == ["source", "benchmark", "metric", "configuration", "value", "unit", "note"]
    assert ref.source.notna().all() and (ref.source.str.len() > 3).all()
    for needed in (
        "linpack",
        "fio mixed.fio",
        "netperf TCP_RR",
        "netperf UDP_RR",
        "netperf 1-byte RR",
        "create 1000 httpd containers",
        "nuttcp",
    ):
        assert needed in set(ref.benchmark)


# ---------------------------------------------------------------- one stats call, timed at the socket


def test_first_byte_is_timed_at_the_socket(tmp_path: Path) -> None:
    path = str(tmp_path / "engine.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)

    def answer() -> None:
        conn, _ = server.accept()
        conn.recv(4096)
        time.sleep(0.3)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
        conn.close()

    thread = threading.Thread(target=answer)
    thread.start()
    first, whole = bench.first_byte(engine.Endpoint(f"unix://{path}"), bench.stats_path("abc", True))
    thread.join()
    server.close()
    assert 0.3 <= first <= whole < 2
    assert bench.stats_path("abc", True) == "/v1.41/containers/abc/stats?stream=false&one-shot=true"


# ---------------------------------------------------------------- exporter text


def test_exporter_text_uses_cadvisor_names() -> None:
    text = monitor.render(
        {
            "web": {
                "cpu_stats": {"cpu_usage": {"total_usage": 2_500_000_000}},
                "memory_stats": {"usage": 1024},
                "networks": {"eth0": {"rx_bytes": 3, "tx_bytes": 4}},
            }
        }
    )
    assert "# TYPE container_cpu_usage_seconds_total counter" in text
    assert 'container_cpu_usage_seconds_total{name="web"} 2.500000' in text
    assert 'container_memory_usage_bytes{name="web"} 1024.000000' in text
    assert 'container_network_receive_bytes_total{name="web"} 3.000000' in text


def test_prometheus_config_scrapes_the_target_every_second() -> None:
    text = monitor.prometheus_config("172.18.0.1:9999")
    assert 'targets: ["172.18.0.1:9999"]' in text and "scrape_interval: 1s" in text


def test_the_books_cadvisor_command_is_kept_as_text() -> None:
    assert monitor.CADVISOR_COMMAND.startswith("docker run ") and "google/cadvisor:latest" in monitor.CADVISOR_COMMAND
    assert "--volume=/var/lib/docker/:/var/lib/docker:ro" in monitor.CADVISOR_COMMAND


# ---------------------------------------------------------------- figures


def _tables(pairs: int = 3) -> dict[str, pd.DataFrame]:
    cpu = _samples([(100.0, 99.0 + p) for p in range(pairs)]).assign(benchmark="sysbench cpu", metric="events_per_s")
    disk = pd.DataFrame(
        [
            {
                "benchmark": "fio mixed.fio",
                "metric": m,
                "pair": p,
                "position": i,
                "side": s,
                "value": v,
                "device_per_io": 0.97,
            }
            for p in range(pairs)
            for i, (s, v) in enumerate((("host folder", 100), ("bind volume", 98), ("container layer", 90)))
            for m in ("read_iops", "write_iops")
        ]
    )
    net = pd.DataFrame(
        [
            {"benchmark": b, "metric": m, "pair": p, "path": path, "value": v + p, "unit": "u"}
            for p in range(pairs)
            for path, v in zip(bench.NET_PATHS, (10, 11, 15, 40))
            for b, m in (
                ("sockperf ping-pong tcp", "rtt_us"),
                ("sockperf ping-pong udp", "rtt_us"),
                ("iperf3 tcp", "bandwidth_gbps"),
                ("nuttcp -t", "bandwidth_gbps"),
                ("nuttcp -r", "bandwidth_gbps"),
            )
        ]
    )
    proxy = pd.DataFrame(
        [
            {"engine": e, "benchmark": b, "metric": "rtt_us", "pair": p, "path": path, "value": v, "unit": "us"}
            for p in range(pairs)
            for e in ("docker-proxy", "userland-proxy=false")
            for path, v in zip(bench.PROXY_PATHS, (10, 20, 50 if e == "docker-proxy" else 15))
            for b in ("sockperf ping-pong tcp", "sockperf ping-pong udp")
        ]
    )
    startstop = pd.DataFrame(
        [
            {
                "engine": e,
                "n": n,
                "phase": ph,
                "index": i,
                "seconds": 0.2,
                "elapsed": 0.2 * (i + 1),
                "running": i + 1 if ph == "start" else n - i - 1,
                "listed": n,
                "storage_driver": e,
            }
            for e in ("overlay2", "vfs")
            for n in (2, 5)
            for ph in ("start", "remove")
            for i in range(n)
        ]
    )
    cost = pd.DataFrame(
        [
            {"engine": e, "call": c, "spacing": s, "pair": p, "seconds": 1.0, "total_seconds": 1.0}
            for p in range(pairs)
            for e in ("this engine", "sandbox engine")
            for c in bench.CALLS
            for s in bench.SPACINGS
        ]
    )
    stats = pd.DataFrame(
        [{"t": t, "load": load, "cpu_percent": 1.0, "memory_mib": 2.0} for t in range(3) for load in ("idle", "cpu")]
    )
    return {
        "cpu": cpu,
        "disk": disk,
        "net": net,
        "proxy": proxy,
        "startstop": startstop,
        "stats-cost": cost,
        "stats": stats,
    }


def _ctx() -> plots.Context:
    reference = _tables(8)
    return plots.Context(bench.published(), reference, "this run (quick)", "reference run (full)")


BLUE, WARM = {plots.LIVE, plots.REFERENCE, *plots.OURS_LINES}, set(plots.PUBLISHED)


@pytest.mark.parametrize("name", sorted(plots.FIGURES))
def test_every_figure_draws_ours_and_published_in_two_colour_families(name: str) -> None:
    figure = plots.figure(name, _tables()[name], _ctx())
    assert figure is not None and all(isinstance(ax, Axes) for ax in figure.axes)
    for ax in figure.axes:
        title = ax.get_title()
        assert "normalised" in title, f"{name}: the title must say what is normalised to what: {title!r}"
        for tick in ax.get_xticklabels():
            assert float(tick.get_fontsize()) >= 6.5, "tick labels must stay readable"
        for container in ax.containers:
            colours = {to_hex(patch.get_facecolor()) for patch in getattr(container, "patches", [])}
            label = str(container.get_label())
            if label.startswith("published"):
                assert colours <= WARM and getattr(container, "errorbar", None) is None, f"{name}: {label}"
            elif label.startswith("ours"):
                assert colours <= BLUE, f"{name}: {label}"
        for line in ax.get_lines():
            label = str(line.get_label())
            if label.startswith("published"):
                assert to_hex(line.get_color()) in WARM, f"{name}: {label}"
            elif label.startswith("ours"):
                assert to_hex(line.get_color()) in BLUE, f"{name}: {label}"
    legends = " ".join(
        t.get_text() for ax in figure.axes for legend in [ax.get_legend()] if legend for t in legend.get_texts()
    )
    assert "ours" in legends
    if name in ("cpu", "disk", "net", "proxy"):
        assert "reference run (full), 8 rounds" in legends and "this run (quick), 3 rounds" in legends
    if name not in ("stats",):
        assert "published" in legends


def test_tables_without_a_figure_get_none() -> None:
    assert plots.figure("disk-filesystems", pd.DataFrame(), _ctx()) is None


def test_headlines_beside_the_reference() -> None:
    t = _tables()
    table = bench.beside(t, _tables(8), bench.published())
    assert list(table.columns) == [
        "question",
        "this run: median [95% CI]",
        "reference run: median [95% CI]",
        "what the reference's interval allows",
        "published",
        "source",
    ]
    cpu_row = table[table.question.str.startswith("CPU")].iloc[0]
    assert cpu_row["published"] == "1" and "Linpack" in cpu_row["source"]
    assert any(table.question.str.contains("UDP round trip")) and any(table.question.str.contains("nuttcp -r"))
    assert any(table.question.str.contains("N=5"))


# ---------------------------------------------------------------- CLI


def test_cli_bench_writes_csv_png_and_html(tmp_path: Path) -> None:
    tables = _tables()
    record = {"name": "t", "mode": "quick", "date": "2025-01-01", "params": {"pairs": 3}, "started": time.time()}
    with (
        mock.patch.object(bench, "measure", side_effect=lambda name, *a, **k: {name: tables[name]}) as measure,
        mock.patch.object(bench, "start_record", return_value=record),
    ):
        code = cli.main(["bench", "cpu", "--quick", "--out", str(tmp_path)])
    assert code == 0
    assert measure.call_args.args[0] == "cpu" and measure.call_args.args[1] == bench.Params.defaults(True)
    assert (tmp_path / "cpu.csv").exists() and (tmp_path / "cpu.png").stat().st_size > 1000
    page = (tmp_path / "index.html").read_text()
    assert "<img src='cpu.png'" in page and "CPU: container / host" in page and "95 %" in page
    assert json.loads((tmp_path / "environment.json").read_text())["load_average_after"]


def test_cli_bench_refuses_an_unknown_benchmark() -> None:
    with mock.patch.object(bench, "measure") as measure, pytest.raises(SystemExit) as caught:
        cli.main(["bench", "gpu"])
    assert caught.value.code == 2
    measure.assert_not_called()


def test_measure_refuses_an_unknown_name_before_touching_the_engine() -> None:
    client = mock.Mock()
    with pytest.raises(BadParameter):
        bench.measure("gpu", bench.Params(), client)
    assert not client.mock_calls


def test_a_run_folder_reads_back(tmp_path: Path) -> None:
    run = bench.Run({"cpu": _tables()["cpu"]}, {"name": "x", "mode": "full", "date": "2025-01-02T00:00:00"})
    bench.write_run(tmp_path, run)
    back = bench.read_run(tmp_path)
    assert list(back.tables) == ["cpu"] and back.label == "x: full, 2025-01-02"


class _BrokenStatsClient:
    """The stats stream breaks while its container still runs."""

    class api:  # noqa: N801 - the SDK's attribute name
        @staticmethod
        def stats(ident: str, stream: bool, decode: bool) -> Any:
            raise ConnectionError("the engine closed the stream")

    class containers:  # noqa: N801
        @staticmethod
        def get(ident: str) -> Any:
            return SimpleNamespace(status="running")


def test_a_stats_stream_that_breaks_fails_the_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    from cookbook.chapters.performance.bench import statsapi

    monkeypatch.setattr(statsapi, "environment", lambda client: {})
    box = SimpleNamespace(id="c1", name="ch7-cpu")
    stream = bench.StatsStream({"cpu": box}, _BrokenStatsClient())  # type: ignore[arg-type]
    with pytest.raises(CookbookError, match="the stats stream of ch7-cpu failed: ConnectionError"):
        with stream:
            for thread in stream._threads:
                thread.join(timeout=5)


def test_an_exporter_thread_failure_is_raised_when_it_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(monitor.engine, "client_for", lambda endpoint: SimpleNamespace(close=lambda: None))
    monkeypatch.setattr(monitor.engine, "endpoint", lambda: None)
    exporter = monitor.Exporter("127.0.0.1", "dev.cookbook.recipe=x").start()
    exporter.fail("the stats stream of ch7-idle failed: IncompleteRead")
    with pytest.raises(CookbookError, match="the stats exporter: the stats stream of ch7-idle failed"):
        exporter.stop()


# ---------------------------------------------------------------- the committed reference run


@pytest.fixture(scope="module")
def reference() -> bench.Run:
    run = bench.reference_run()
    assert run.tables, "data/results/ holds no reference run"
    return run


def test_the_reference_run_is_full_size_on_a_quiet_machine_and_says_where(reference: bench.Run) -> None:
    env = reference.environment
    for key in (
        "date",
        "cpu_model",
        "cores",
        "kernel",
        "engine_version",
        "storage_driver",
        "filesystems",
        "load_average_before",
        "load_average_after",
        "params",
        "seed" if False else "mode",
    ):
        assert env.get(key), f"environment.json lacks {key}"
    assert env["mode"] == "full" and set(env["benchmarks"]) == set(bench.BENCHMARKS)
    assert env["params"]["pairs"] >= 5 and env["params"]["fio_size_mb"] >= 1024 and env["params"]["containers"] >= 200
    assert env["load_average_before"][0] < 0.75, "the reference run must start on a quiet machine"
    assert {"docker root", "scratch (the fio host folder)"} <= set(env["filesystems"])
    assert set(reference.tables) == {name for names in bench.TABLES.values() for name in names}


@pytest.mark.parametrize(("table", "column"), [("cpu", "side"), ("disk", "side"), ("net", "path"), ("proxy", "path")])
def test_the_reference_ran_every_comparison_in_five_rounds_or_more_in_random_orders(
    reference: bench.Run, table: str, column: str
) -> None:
    frame = reference.tables[table]
    assert frame["pair"].nunique() >= 5
    positions = frame.groupby(column)["position"].nunique()
    assert (positions >= 2).all(), f"{table}: every configuration must have run at more than one place in a round"


def test_reference_cpu_ratio_interval_lies_within_ten_percent(reference: bench.Run) -> None:
    ratio, low, high = bench.bootstrap_median(bench.paired_ratios(reference.tables["cpu"], "host")["ratio"])
    assert 0.9 <= low <= ratio <= high <= 1.1, (ratio, low, high)


def test_reference_direct_io_reached_the_disk_on_every_path(reference: bench.Run) -> None:
    per_io = reference.tables["disk"].groupby(["side", "metric"])["device_per_io"].median()
    assert set(per_io.index.get_level_values(0)) == set(bench.DISK_CONFIGS)
    assert per_io.between(0.8, 1.2).all(), per_io


def test_reference_published_port_is_slower_than_the_bridge(reference: bench.Run) -> None:
    rtt = reference.tables["net"][reference.tables["net"]["metric"] == "rtt_us"]
    for protocol in ("tcp", "udp"):
        one = rtt[rtt["benchmark"] == f"sockperf ping-pong {protocol}"]
        ratios = bench.paired_ratios(one, "bridge (container to container)", "path")
        _, low, _ = bench.bootstrap_median(ratios[ratios["path"] == "published port"]["ratio"])
        assert low > 1.0, f"{protocol}: the published port's round trip must be measurably longer than the bridge's"


def test_reference_userland_proxy_off_shortens_the_published_port(reference: bench.Run) -> None:
    proxy = reference.tables["proxy"]
    assert proxy.groupby("engine")["proxies"].first().to_dict() == {"docker-proxy": 3, "userland-proxy=false": 0}
    tcp = proxy[(proxy["benchmark"] == "sockperf ping-pong tcp") & (proxy["path"] == "published port")]
    paired = tcp.pivot(index="pair", columns="engine", values="value")
    _, _, high = bench.bootstrap_median(paired["userland-proxy=false"] / paired["docker-proxy"])
    assert high < 1.0


def test_reference_start_stop_reached_200_on_both_drivers(reference: bench.Run) -> None:
    ss = reference.tables["startstop"]
    assert set(ss["engine"]) == {"overlay2", "vfs"} and sorted(ss["n"].unique()) == [10, 50, 200]
    assert (ss["listed"] == ss["n"]).all() and (ss["engine"] == ss["storage_driver"]).all()


def test_reference_one_shot_is_quick_when_idle_and_paced_by_the_collector_back_to_back(reference: bench.Run) -> None:
    cost = reference.tables["stats-cost"]
    sandbox = cost[cost["engine"] == "sandbox engine"].groupby(["call", "spacing"])["seconds"].median()
    assert sandbox[("stream=false&one-shot=true", "after an idle second")] < 0.1
    assert 0.9 <= sandbox[("stream=false&one-shot=true", "back to back")] <= 1.2
    assert 0.9 <= sandbox[("stream=false", "after an idle second")] <= 1.2
    assert 1.9 <= sandbox[("stream=false", "back to back")] <= 2.3
