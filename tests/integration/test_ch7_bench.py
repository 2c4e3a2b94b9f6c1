"""Chapter 7 on the real engine: each benchmark runs in random orders, its table says where, and the
engine's behaviours the chapter explains (the stats collector's rhythm, docker-proxy, direct I/O) hold.

Nothing here asserts how fast the machine is; only differences that are large and deterministic
(a one-shot stats call after an idle second against one back to back) are asserted.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cookbook import containers, engine, images, labels, shell, waits
from cookbook.chapters.performance import bench, monitor
from cookbook.lab import sandbox
from cookbook.reader.recipe import Recipe

ENV_COLUMNS = {"cpu_model", "cores", "kernel", "engine_version", "storage_driver"}
TINY = bench.Params(
    pairs=2, cpu_seconds=1.0, fio_size_mb=16, fio_runtime=1, net_seconds=1.0, containers=2, stats_seconds=2.0, seed=7
)


@pytest.fixture()
def recipe() -> Iterator[Recipe]:
    r = Recipe("test-ch7")
    yield r
    r.close()
    left = r.client.containers.list(all=True, filters={"label": f"{labels.RECIPE}=test-ch7"})
    assert not left, f"left behind: {[c.name for c in left]}"


def test_host_tools_match_the_bench_image(recipe: Recipe) -> None:
    query = ["run", "--rm", "cookbook/bench", "dpkg-query", "-W", *bench.TOOLS.values()]
    listed = shell.docker(query, recipe=recipe.name, show=False)
    tools = bench.host_tools(bench.package_versions(listed.stdout))
    assert set(tools.tool) == set(bench.TOOLS)
    assert tools.same.all(), tools.to_string()


def test_cpu_runs_both_sides_every_round_in_the_scheduled_order(recipe: Recipe) -> None:
    table = bench.cpu(TINY, recipe.client, recipe.name)
    expected = [side for order in bench.schedule(("host", "container"), 2, 7, "cpu") for side in order]
    assert table.side.tolist() == expected and table.position.tolist() == [0, 1, 0, 1]
    assert ENV_COLUMNS <= set(table.columns) and (table.value > 0).all()
    assert len(bench.paired_ratios(table, "host")) == 2


def test_cpu_runs_in_the_container_it_is_given(recipe: Recipe) -> None:
    box = recipe.run("bench", ["sleep", "infinity"])
    table = bench.cpu(TINY, recipe.client, recipe.name, box=box)
    box.reload()
    assert box.status == "running" and len(table) == 4
    assert len(recipe.client.containers.list(all=True, filters={"label": f"{labels.RECIPE}={recipe.name}"})) == 1


def test_cgroup_files_are_where_a_container_reads_its_knobs(recipe: Recipe) -> None:
    files = bench.cgroup_files(recipe.client)
    done = recipe.run_to_exit(
        "bench",
        ["cat", files.cpu_shares, files.cpuset, files.memory_limit],
        options={"cpu_shares": 512, "cpuset_cpus": "0", "mem_limit": "64m"},
    )
    shares = "512" if files.cpu_shares.endswith("cpu.shares") else "20"  # cgroup v2 maps 512 shares to weight 20
    assert done.output.split() == [shares, "0", str(64 << 20)]


def test_disk_runs_three_paths_and_direct_io_reaches_the_disk(recipe: Recipe) -> None:
    table, systems = bench.disk(TINY, recipe.client, recipe.name)
    assert sorted(table.side.unique()) == sorted(bench.DISK_CONFIGS) and len(table) == 2 * 3 * 2
    assert (table.value > 0).all() and ENV_COLUMNS <= set(table.columns)
    assert set(systems.side) == set(bench.DISK_CONFIGS) and systems.fstype.str.len().min() > 0
    if systems.device.str.len().min() > 0:  # a block device under every path: its counters saw fio's I/Os
        assert (table.device_per_io > 0.5).all(), table[["side", "metric", "device_per_io"]]


def test_network_measures_every_path_with_every_tool(recipe: Recipe) -> None:
    table, via = bench.network(TINY, recipe.client, recipe.name)
    assert set(table.path) == set(bench.NET_PATHS)
    assert set(table.benchmark) == {tool.benchmark for tool in bench.NET_TOOLS.values()}
    assert len(table) == 2 * len(bench.NET_PATHS) * len(bench.NET_TOOLS) and (table.value > 0).all()
    assert via == _expected_relay(), "what relays the published port must follow the daemon's userland-proxy setting"


def _expected_relay() -> str:
    """docker-proxy unless the local daemon runs with the userland proxy off (flag or daemon.json)."""
    import json
    from pathlib import Path

    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if args and args[0].endswith(b"dockerd") and b"--userland-proxy=false" in args:
            return "DNAT"
    config = Path("/etc/docker/daemon.json")
    settings = json.loads(config.read_text()) if config.exists() and config.read_text().strip() else {}
    return "DNAT" if settings.get("userland-proxy") is False else "docker-proxy"


def test_the_userland_proxy_relays_published_ports_only_when_on(recipe: Recipe) -> None:
    table, proxies = bench.proxy_paths(TINY, recipe=recipe.name, tools=("sockperf tcp",))
    assert proxies == {"docker-proxy": 3, "userland-proxy=false": 0}
    assert set(table.path) == set(bench.PROXY_PATHS) and (table.value > 0).all()


def test_stats_stream_records_every_load(recipe: Recipe) -> None:
    network = recipe.network(f"cb-test-ch7-{labels.session_id()}")
    loads = bench.start_loads(recipe.client, recipe.name, network.name, ["idle", "cpu"])
    with bench.StatsStream(loads, recipe.client) as stream:
        waits.until(
            lambda: stream.frame().groupby("load").size().min() >= 2 and len(stream.frame().load.unique()) == 2,
            timeout=60,
            what="two samples per container",
        )
    assert ENV_COLUMNS <= set(stream.frame().columns)


def test_the_stats_collector_paces_calls_back_to_back(recipe: Recipe) -> None:
    with sandbox.engine(recipe=recipe.name) as box:
        idle = containers.run(box.load("busybox"), ["sleep", "infinity"], recipe=recipe.name, client=box.client)
        cost = bench.stats_cost({"sandbox": (box.endpoint, idle.id)}, 2, seed=7)
    medians = cost.groupby(["call", "spacing"]).seconds.median()
    assert medians[("stream=false&one-shot=true", "after an idle second")] < 0.25
    assert medians[("stream=false&one-shot=true", "back to back")] >= 0.8
    assert medians[("stream=false", "back to back")] >= 1.8


def test_exporter_serves_labelled_containers_and_keeps_the_stats_cpu(recipe: Recipe) -> None:
    import urllib.request

    box = recipe.run("busybox", ["sleep", "600"])
    with monitor.Exporter("127.0.0.1", f"{labels.RECIPE}={recipe.name}") as exporter:

        def scraped() -> str:
            text = urllib.request.urlopen(f"http://{exporter.target}/metrics", timeout=10).read().decode()
            return text if f'name="{box.name}"' in text else ""

        text = waits.until(scraped, timeout=60, what="the exporter to serve the container")
        waits.until(lambda: len(exporter.history) >= 2, timeout=60, what="two stats samples")
    assert "container_memory_usage_bytes" in text
    assert {name for _, name, _ in exporter.history} == {box.name}


def test_start_stop_on_the_readers_engine(recipe: Recipe) -> None:
    client = engine.connect()
    table = bench.start_stop({"overlay2": client}, 2, images.ensure("busybox"), recipe=recipe.name)
    assert len(table) == 4 and set(table.phase) == {"start", "remove"}
    assert table[table.phase == "start"].running.tolist() == [1, 2] and (table.listed == 2).all()
    assert (table.storage_driver == engine.versions(client)["storage_driver"]).all()
