"""Chapter 7's benchmarks: host and container runs of the same tool, as tidy tables, and their statistics.

Every benchmark returns a pandas DataFrame with one row per run and the environment on every
row (CPU model, cores, kernel, engine version, storage driver), so that a table read on its own
still says where it was measured. Nothing here prints or plots.

The protocol: every comparison runs in rounds; each round runs every configuration once, in a
fresh random order (:func:`schedule`, seeded and recorded), so that a drift of the machine falls
on all sides; a ratio is taken within a round (:func:`paired_ratios`), and reported as the median
with a bootstrap 95 % confidence interval (:func:`summary`); an interval that holds 1.0 reads
"no measurable difference" (:func:`verdict`).

Modules, by concern: :mod:`~cookbook.chapters.performance.bench.params` (knobs, order), :mod:`~cookbook.chapters.performance.bench.parsers`
(tool output), :mod:`~cookbook.chapters.performance.bench.statistics`, :mod:`~cookbook.chapters.performance.bench.sides` (host and container
runs, environment, file systems), and the runners :mod:`~cookbook.chapters.performance.bench.cpudisk`,
:mod:`~cookbook.chapters.performance.bench.netpaths` (with :mod:`~cookbook.chapters.performance.bench.nettools`), :mod:`~cookbook.chapters.performance.bench.scale`, :mod:`~cookbook.chapters.performance.bench.statsapi`;
:mod:`~cookbook.chapters.performance.bench.results` runs them headless and keeps runs on disk, :mod:`~cookbook.chapters.performance.bench.page`
writes a run's HTML page.
"""

from cookbook.chapters.performance.bench.cpudisk import DISK_CONFIGS, cpu, disk, fio_job, sysbench_argv
from cookbook.chapters.performance.bench.netpaths import network, proxies_running, proxy_paths, published_port_path
from cookbook.chapters.performance.bench.nettools import NET_PATHS, PROXY_PATHS
from cookbook.chapters.performance.bench.nettools import TOOLS as NET_TOOLS
from cookbook.chapters.performance.bench.page import summaries, write_page
from cookbook.chapters.performance.bench.params import Params, params_dict, params_for, schedule, validate
from cookbook.chapters.performance.bench.parsers import (
    BenchError,
    package_versions,
    parse_findmnt,
    parse_fio,
    parse_iperf3,
    parse_nuttcp,
    parse_sockperf,
    parse_stat_f,
    parse_sysbench,
    stats_row,
)
from cookbook.chapters.performance.bench.results import (
    BENCHMARKS,
    TABLES,
    Run,
    finish_record,
    measure,
    published,
    read_run,
    reference_run,
    results_dir,
    start_record,
    write_run,
)
from cookbook.chapters.performance.bench.scale import (
    growth,
    per_container,
    start_stop,
    start_stop_sandboxed,
    start_stop_scale,
)
from cookbook.chapters.performance.bench.sides import (
    ENVIRONMENT,
    IMAGE,
    TOOLS,
    bench_container,
    environment,
    filesystem,
    host_tools,
    in_container,
    install_host_tools,
    on_host,
    run_environment,
)
from cookbook.chapters.performance.bench.statistics import (
    NO_DIFFERENCE,
    beside,
    bootstrap_median,
    bootstrap_ratio_of_medians,
    headlines,
    interval,
    order_effect,
    paired_ratios,
    summary,
    verdict,
)
from cookbook.chapters.performance.bench.statsapi import (
    CALLS,
    CGROUP_FILES,
    LOADS,
    SPACINGS,
    CgroupFiles,
    StatsStream,
    cgroup_files,
    cpu_seconds_used,
    cpu_shares_split,
    first_byte,
    run_latency,
    start_loads,
    stats_cost,
    stats_cost_with_sandbox,
    stats_path,
    still_there,
)

__all__ = [
    "ENVIRONMENT",
    "BENCHMARKS",
    "CALLS",
    "CGROUP_FILES",
    "DISK_CONFIGS",
    "IMAGE",
    "LOADS",
    "NET_PATHS",
    "NET_TOOLS",
    "NO_DIFFERENCE",
    "PROXY_PATHS",
    "SPACINGS",
    "TABLES",
    "TOOLS",
    "BenchError",
    "CgroupFiles",
    "Params",
    "Run",
    "beside",
    "StatsStream",
    "bench_container",
    "bootstrap_median",
    "bootstrap_ratio_of_medians",
    "cgroup_files",
    "cpu",
    "cpu_seconds_used",
    "cpu_shares_split",
    "disk",
    "environment",
    "filesystem",
    "finish_record",
    "fio_job",
    "first_byte",
    "growth",
    "headlines",
    "host_tools",
    "in_container",
    "install_host_tools",
    "interval",
    "measure",
    "network",
    "on_host",
    "order_effect",
    "package_versions",
    "paired_ratios",
    "params_dict",
    "params_for",
    "parse_findmnt",
    "parse_fio",
    "parse_iperf3",
    "parse_nuttcp",
    "parse_sockperf",
    "parse_stat_f",
    "parse_sysbench",
    "per_container",
    "proxies_running",
    "proxy_paths",
    "published",
    "published_port_path",
    "read_run",
    "reference_run",
    "results_dir",
    "run_environment",
    "run_latency",
    "schedule",
    "start_loads",
    "start_record",
    "start_stop",
    "start_stop_sandboxed",
    "start_stop_scale",
    "stats_cost",
    "stats_cost_with_sandbox",
    "stats_path",
    "stats_row",
    "still_there",
    "summary",
    "sysbench_argv",
    "validate",
    "summaries",
    "verdict",
    "write_page",
    "write_run",
]
