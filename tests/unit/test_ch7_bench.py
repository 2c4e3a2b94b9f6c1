"""Chapter 7 without an engine: parameters, parsers, tables, figures, the exporter's text, the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
from matplotlib.axes import Axes

from cookbook import bench, cli, monitor, plots
from cookbook.errors import BadParameter, CookbookError

ENV = {"cpu_model": "Test CPU", "cores": "2", "kernel": "6.1", "engine_version": "20.10", "storage_driver": "overlay2"}


# ---------------------------------------------------------------- parameters


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"pairs": 0}, "pairs=0 is out of range."),
        ({"pairs": 2.5}, "pairs=2.5 is not a whole number."),
        ({"pairs": "5"}, "pairs='5' is not a whole number."),
        ({"pairs": True}, "pairs=True is not a whole number."),
        ({"cpu_seconds": -1.0}, "cpu_seconds=-1.0 is out of range."),
        ({"fio_size_mb": 1}, "fio_size_mb=1 is out of range."),
        ({"containers": 5000}, "containers=5000 is out of range."),
        ({"threads": 4}, "'threads' is not a benchmark parameter."),
    ],
)
def test_bad_parameter_gives_one_line(values: dict, fragment: str) -> None:
    with pytest.raises(BadParameter) as caught:
        bench.validate(**values)
    line = caught.value.line()
    assert fragment in line
    assert "\n" not in line and "Fix:" in line


def test_params_for_keeps_mode_defaults_and_overrides() -> None:
    quick = bench.params_for(True, pairs=None, cpu_seconds=3.0)
    assert quick.pairs == 2 and quick.cpu_seconds == 3.0 and quick.containers == 20
    full = bench.params_for(False)
    assert full.pairs >= 5 and full.containers == 100


def test_bad_parameter_in_form_creates_nothing() -> None:
    from cookbook.widgets import Form
    import ipywidgets as w

    action = mock.Mock()
    form = Form("cpu", {"pairs": w.IntText(value=0)}, action, bench.validate)
    assert form.submit() is None
    action.assert_not_called()
    assert form.error_line == "BadParameter: pairs=0 is out of range. Fix: give pairs a value from 1 to 50 pairs."


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


def test_parse_fio_skips_leading_noise() -> None:
    report = {"jobs": [{"read": {"iops": 100.5}, "write": {"iops": 40.0}}]}
    assert bench.parse_fio("note: both iodepth >= 1 and synchronous I/O engine\n" + json.dumps(report)) == {
        "read_iops": 100.5,
        "write_iops": 40.0,
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


def test_fio_job_is_ibms_with_scaled_size_and_runtime() -> None:
    text = bench.fio_job().read_text()
    for line in ("rw=randrw", "rwmixread=70", "bs=4K", "iodepth=32", "numjobs=8", "ioengine=libaio", "direct=1"):
        assert line in text
    assert "size=${FIO_SIZE}" in text and "runtime=${FIO_RUNTIME}" in text and "${FIO_DIR}/fio-test-file" in text


def test_package_versions_reads_dpkg_query_lines() -> None:
    text = "fio\t3.33-3\niperf3:amd64\t3.12-1+deb12u2\n\nsysbench\t1.0.20+ds-5\n"
    assert bench.package_versions(text) == {"fio": "3.33-3", "iperf3": "3.12-1+deb12u2", "sysbench": "1.0.20+ds-5"}


def test_host_tools_compares_the_given_versions_with_the_hosts() -> None:
    host = {"sysbench": "1.0.20+ds-5", "fio": "3.33-3", "iperf3": "3.12-1", "sockperf": "3.7-1", "nuttcp": ""}
    inside = {"sysbench": "1.0.20+ds-5", "fio": "3.33-3", "iperf3": "3.12-1+deb12u2", "sockperf": "3.7-1"}
    with mock.patch.object(bench, "install_host_tools", return_value=[]), \
            mock.patch.object(bench, "_package_version", side_effect=lambda package: host[package]), \
            mock.patch.object(bench.shutil, "which", return_value="/usr/bin/tool"):
        table = bench.host_tools(inside).set_index("tool")
    assert table.same.to_dict() == {"sysbench": True, "fio": True, "iperf3": False, "sockperf": True, "nuttcp": False}
    assert table.loc["nuttcp", "host"] == "missing" and table.loc["nuttcp", "container"] == "missing"


@pytest.mark.parametrize(("version", "shares"), [("1", "/sys/fs/cgroup/cpu/cpu.shares"), ("2", "/sys/fs/cgroup/cpu.weight")])
def test_cgroup_files_follow_the_engines_cgroup_version(version: str, shares: str) -> None:
    client = mock.Mock()
    client.version.return_value = {"Version": "20.10"}
    client.info.return_value = {"CgroupVersion": version}
    assert bench.cgroup_files(client).cpu_shares == shares


def test_sysbench_argv_is_one_thread_time_bound() -> None:
    assert bench.sysbench_argv(2.4, 20000) == ["sysbench", "cpu", "--cpu-max-prime=20000", "--threads=1", "--time=2", "run"]


# ---------------------------------------------------------------- tables


def _samples() -> pd.DataFrame:
    rows = []
    for pair, (host, box) in enumerate([(100.0, 99.0), (110.0, 112.2), (90.0, 90.0)]):
        rows.append({"benchmark": "b", "metric": "m", "pair": pair, "side": "host", "value": host, **ENV})
        rows.append({"benchmark": "b", "metric": "m", "pair": pair, "side": "container", "value": box, **ENV})
    return pd.DataFrame(rows)


def test_paired_ratios_are_within_pairs() -> None:
    ratios = bench.paired_ratios(_samples(), "host")
    assert list(ratios.columns) == ["benchmark", "metric", "side", "pair", "ratio"]
    assert ratios.ratio.round(3).tolist() == [0.99, 1.02, 1.0]


def test_spread_has_median_and_quartiles() -> None:
    table = bench.spread(_samples(), ["side"])
    assert list(table.columns) == ["side", "median", "q1", "q3", "low", "high", "samples"]
    assert table.set_index("side").loc["host", "median"] == 100.0
    assert (table.samples == 3).all()


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


def test_reference_keeps_sources_for_every_row() -> None:
    ref = bench.reference()
    assert list(ref.columns) == ["source", "benchmark", "metric", "configuration", "value", "unit", "note"]
    assert ref.source.notna().all() and (ref.source.str.len() > 3).all()
    for needed in ("linpack", "fio mixed.fio", "netperf TCP_RR", "netperf 1-byte RR", "create 1000 httpd containers"):
        assert needed in set(ref.benchmark)


# ---------------------------------------------------------------- exporter text


def test_exporter_text_uses_cadvisor_names() -> None:
    text = monitor.render({"web": {"cpu_stats": {"cpu_usage": {"total_usage": 2_500_000_000}},
                                   "memory_stats": {"usage": 1024}, "networks": {"eth0": {"rx_bytes": 3, "tx_bytes": 4}}}})
    assert '# TYPE container_cpu_usage_seconds_total counter' in text
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


def _tables() -> dict[str, pd.DataFrame]:
    cpu = _samples().assign(benchmark="sysbench cpu", metric="events_per_s")
    disk = pd.DataFrame([{"benchmark": "fio mixed.fio", "metric": m, "pair": p, "side": s, "value": v}
                         for p in range(2) for s, v in (("host folder", 100), ("bind volume", 98), ("overlay2 layer", 90))
                         for m in ("read_iops", "write_iops")])
    net = pd.DataFrame([{"benchmark": "x", "metric": m, "pair": p, "path": path, "value": v}
                        for p in range(2) for path, v in zip(bench.NET_PATHS, (10, 11, 15, 40))
                        for m in ("rtt_us", "bandwidth_gbps")])
    startstop = pd.DataFrame([{"engine": e, "phase": ph, "index": i, "seconds": 0.2, "elapsed": 0.2 * (i + 1),
                               "running": i + 1 if ph == "start" else 2 - i}
                              for e in ("overlay2", "vfs") for ph in ("start", "remove") for i in range(3)])
    cost = pd.DataFrame([{"pair": p, "call": c, "seconds": s} for p in range(2)
                         for c, s in (("stream=false (sampled)", 1.9), ("one-shot=true (API 1.41)", 1.0))])
    stats = pd.DataFrame([{"t": t, "load": l, "cpu_percent": 1.0, "memory_mib": 2.0} for t in range(3) for l in ("idle", "cpu")])
    return {"cpu": cpu, "disk": disk, "net": net, "startstop": startstop, "stats-cost": cost, "stats": stats}


@pytest.mark.parametrize("name", ["cpu", "disk", "net", "startstop", "stats", "stats-cost"])
def test_every_figure_draws_ours_beside_published(name: str) -> None:
    figure = plots.figure(name, _tables()[name], bench.reference())
    assert figure.axes and all(isinstance(ax, Axes) for ax in figure.axes)
    texts = " ".join(t.get_text() for ax in figure.axes for t in ax.get_xticklabels()) + " ".join(
        t.get_text() for ax in figure.axes if ax.get_legend() for t in ax.get_legend().get_texts())
    assert "ours" in texts.lower() or name == "stats"
    if name != "stats":
        assert any(word in texts for word in ("published", "IBM", "Red Hat", "moby"))


def test_headlines_has_one_row_per_question() -> None:
    t = _tables()
    table = bench.headlines(bench.paired_ratios(t["cpu"], "host"), bench.paired_ratios(t["disk"], "host folder"),
                            t["net"], t["startstop"], t["stats-cost"], bench.reference())
    assert list(table.columns) == ["question", "ours: median [quartiles]", "published", "source"]
    assert len(table) == 1 + 4 + 4 + 4 + 2


# ---------------------------------------------------------------- CLI


def test_cli_bench_writes_csv_and_png(tmp_path: Path) -> None:
    tables = _tables()
    with mock.patch.object(bench, "measure", side_effect=lambda name, *a, **k: {name: tables[name]}) as measure:
        code = cli.main(["bench", "cpu", "--quick", "--out", str(tmp_path)])
    assert code == 0
    assert measure.call_args.args[0] == "cpu" and measure.call_args.args[1] == bench.Params.defaults(True)
    assert (tmp_path / "cpu.csv").exists() and (tmp_path / "cpu.png").stat().st_size > 1000


def test_cli_bench_refuses_an_unknown_benchmark(capsys: pytest.CaptureFixture[str]) -> None:
    with mock.patch.object(bench, "measure") as measure, pytest.raises(SystemExit) as caught:
        cli.main(["bench", "gpu"])
    assert caught.value.code == 2
    measure.assert_not_called()


def test_measure_refuses_an_unknown_name_before_touching_the_engine() -> None:
    client = mock.Mock()
    with pytest.raises(BadParameter):
        bench.measure("gpu", bench.Params(), client)
    assert not client.mock_calls


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
    monkeypatch.setattr(bench, "environment", lambda client: {})
    box = SimpleNamespace(id="c1", name="ch7-cpu")
    stream = bench.StatsStream({"cpu": box}, _BrokenStatsClient())  # type: ignore[arg-type]
    with pytest.raises(CookbookError, match="the stats stream of ch7-cpu failed: ConnectionError"):
        with stream:
            for thread in stream._threads:
                thread.join(timeout=5)


def test_an_exporter_thread_failure_is_raised_when_it_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    from cookbook import monitor

    monkeypatch.setattr(monitor.engine, "client_for", lambda endpoint: SimpleNamespace(close=lambda: None))
    monkeypatch.setattr(monitor.engine, "endpoint", lambda: None)
    exporter = monitor.Exporter("127.0.0.1", "dev.cookbook.recipe=x").start()
    exporter.fail("the stats stream of ch7-idle failed: IncompleteRead")
    with pytest.raises(CookbookError, match="the stats exporter: the stats stream of ch7-idle failed"):
        exporter.stop()
