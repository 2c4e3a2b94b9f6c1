"""Chapter 7 on the real engine: each benchmark runs and its table has the right shape.

Measurements, not tests of speed: nothing here asserts how fast anything is.
"""

from __future__ import annotations


import pytest

from cookbook import bench, engine, labels, monitor, shell, waits
from cookbook.recipe import Recipe

ENV_COLUMNS = {"cpu_model", "cores", "kernel", "engine_version", "storage_driver"}
TINY = bench.Params(pairs=1, cpu_seconds=1.0, fio_size_mb=16, fio_runtime=1, net_seconds=1.0, containers=2, stats_seconds=2.0)


@pytest.fixture()
def recipe() -> Recipe:
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


def test_cpu_alternates_host_and_container(recipe: Recipe) -> None:
    table = bench.cpu(TINY, recipe.client, recipe.name)
    assert table.side.tolist() == ["host", "container"]
    assert ENV_COLUMNS <= set(table.columns) and (table.value > 0).all()
    assert len(bench.paired_ratios(table, "host")) == 1


def test_cpu_runs_in_the_container_it_is_given(recipe: Recipe) -> None:
    box = recipe.run("bench", ["sleep", "infinity"])
    table = bench.cpu(TINY, recipe.client, recipe.name, box=box)
    box.reload()
    assert box.status == "running" and len(table) == 2
    assert len(recipe.client.containers.list(all=True, filters={"label": f"{labels.RECIPE}={recipe.name}"})) == 1


def test_cgroup_files_are_where_a_container_reads_its_knobs(recipe: Recipe) -> None:
    files = bench.cgroup_files(recipe.client)
    done = recipe.run_to_exit("bench", ["cat", files.cpu_shares, files.cpuset, files.memory_limit],
                              options={"cpu_shares": 512, "cpuset_cpus": "0", "mem_limit": "64m"})
    shares = "512" if files.cpu_shares.endswith("cpu.shares") else "20"  # cgroup v2 maps 512 shares to weight 20
    assert done.output.split() == [shares, "0", str(64 << 20)]


def test_disk_runs_three_configurations(recipe: Recipe) -> None:
    table = bench.disk(TINY, recipe.client, recipe.name)
    assert table.side.tolist() == [s for s in bench.DISK_CONFIGS for _ in ("read", "write")]
    assert (table.value > 0).all() and ENV_COLUMNS <= set(table.columns)


def test_network_measures_every_path(recipe: Recipe) -> None:
    table, via = bench.network(TINY, recipe.client, recipe.name)
    assert set(table.path) == set(bench.NET_PATHS)
    assert len(table) == 2 * len(bench.NET_PATHS) and (table.value > 0).all()
    assert via.startswith(("docker-proxy", "iptables"))


def test_stats_stream_and_cost(recipe: Recipe) -> None:
    network = recipe.network(f"cb-test-ch7-{labels.session_id()}")
    loads = bench.start_loads(recipe.client, recipe.name, network.name, ["idle", "cpu"])
    with bench.StatsStream(loads, recipe.client) as stream:
        waits.until(lambda: stream.frame().groupby("load").size().min() >= 2 and len(stream.frame().load.unique()) == 2,
                    timeout=60, what="two samples per container")
    assert ENV_COLUMNS <= set(stream.frame().columns)
    cost = bench.stats_cost(loads["idle"], 1)
    assert len(cost) == 2 and (cost.seconds > 0).all()


def test_exporter_serves_labelled_containers(recipe: Recipe) -> None:
    import urllib.request

    box = recipe.run("busybox", ["sleep", "600"])
    with monitor.Exporter("127.0.0.1", f"{labels.RECIPE}={recipe.name}") as exporter:
        def scraped() -> str:
            text = urllib.request.urlopen(f"http://{exporter.target}/metrics", timeout=10).read().decode()
            return text if f'name="{box.name}"' in text else ""

        text = waits.until(scraped, timeout=60, what="the exporter to serve the container")
    assert "container_memory_usage_bytes" in text


def test_start_stop_on_the_readers_engine(recipe: Recipe) -> None:
    from cookbook import images

    client = engine.connect()
    table = bench.start_stop({"overlay2": client}, 2, images.ensure("busybox"), recipe=recipe.name)
    assert len(table) == 4 and set(table.phase) == {"start", "remove"}
    assert table[table.phase == "start"].running.tolist() == [1, 2]
    assert (table.storage_driver == engine.versions(client)["storage_driver"]).all()
