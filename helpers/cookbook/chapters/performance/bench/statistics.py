"""Statistics that hold with few samples: paired ratios, medians and bootstrap intervals, and words.

A benchmark table has one row per run. A comparison divides each run by its baseline's run
of the same round (:func:`paired_ratios`), so that what the machine did in that round falls
on both. We report the median ratio with a bootstrap 95 % confidence interval (the rounds
resampled with replacement, 10 000 times, with a fixed seed so that a table reads the same
twice); where the interval holds 1.0 the words are "no measurable difference" (:func:`verdict`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

ORDER = (
    "host",
    "container",
    "host folder",
    "bind volume",
    "container layer",
    "host loopback",
    "sandbox loopback",
    "host networking",
    "bridge (container to container)",
    "published port",
    "sysbench cpu",
    "fio mixed.fio",
    "sockperf ping-pong tcp",
    "sockperf ping-pong udp",
    "iperf3 tcp",
    "nuttcp -t",
    "nuttcp -r",
    "read_iops",
    "write_iops",
    "docker-proxy",
    "userland-proxy=false",
    "this engine",
    "sandbox engine",
    "stream=false",
    "stream=false&one-shot=true",
    "after an idle second",
    "back to back",
    "overlay2",
    "vfs",
    "start",
    "remove",
)
"""The order tables list configurations in (baseline first, then further from it), not the order they ran."""
_ORDERED = ("side", "path", "benchmark", "engine", "call", "spacing", "metric", "phase")

RESAMPLES = 10_000
LEVEL = 0.95
NO_DIFFERENCE = "no measurable difference"


def bootstrap_median(
    values: Sequence[float] | pd.Series, level: float = LEVEL, resamples: int = RESAMPLES, seed: int = 0
) -> tuple[float, float, float]:
    """The median of ``values`` and a percentile-bootstrap confidence interval for it.

    Args:
        values: The samples (e.g. one ratio per round).
        level: The interval's coverage (0.95).
        resamples: Bootstrap resamples.
        seed: Seed of the resampling (fixed: the same data give the same interval).

    Returns:
        (median, low, high); with one sample, the interval is that sample; with none, NaNs.
    """
    data = np.asarray(pd.Series(values).dropna(), dtype=float)
    if data.size == 0:
        return float("nan"), float("nan"), float("nan")
    median = float(np.median(data))
    if data.size == 1:
        return median, median, median
    rng = np.random.default_rng(seed)
    medians = np.median(data[rng.integers(0, data.size, size=(resamples, data.size))], axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(medians, [tail, 100 - tail])
    return median, float(low), float(high)


def bootstrap_ratio_of_medians(
    numerator: Sequence[float] | pd.Series,
    denominator: Sequence[float] | pd.Series,
    level: float = LEVEL,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> tuple[float, float, float]:
    """median(numerator) / median(denominator) with a bootstrap interval (the two resampled apart).

    For two groups that are not paired (the containers of a run of 200 against those of a run of 10).
    """
    top = np.asarray(pd.Series(numerator).dropna(), dtype=float)
    bottom = np.asarray(pd.Series(denominator).dropna(), dtype=float)
    if top.size == 0 or bottom.size == 0:
        return float("nan"), float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    tops = np.median(top[rng.integers(0, top.size, size=(resamples, top.size))], axis=1)
    bottoms = np.median(bottom[rng.integers(0, bottom.size, size=(resamples, bottom.size))], axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(tops / bottoms, [tail, 100 - tail])
    return float(np.median(top) / np.median(bottom)), float(low), float(high)


def verdict(low: float, high: float, baseline: float = 1.0, higher: str = "higher", lower: str = "lower") -> str:
    """Words for an interval around a ratio: what the statistics allow us to say, and no more.

    Args:
        low: The interval's lower end.
        high: Its upper end.
        baseline: The value that means "the same" (1.0 for a ratio).
        higher: What a ratio above ``baseline`` means here ("slower", "more IOPS", ...).
        lower: What a ratio below it means.
    """
    if np.isnan(low) or np.isnan(high):
        return "not measured"
    if low <= baseline <= high:
        return NO_DIFFERENCE
    return f"measurably {higher}" if low > baseline else f"measurably {lower}"


def interval(median: float, low: float, high: float, digits: str = ".3g") -> str:
    """``median [low, high]`` for a table cell."""
    if np.isnan(median):
        return "-"
    return f"{median:{digits}} [{low:{digits}}, {high:{digits}}]"


def ordered(df: pd.DataFrame) -> pd.DataFrame:
    """A copy whose configuration columns sort in :data:`ORDER` (unknown values after, alphabetically)."""
    out = df.copy()
    for column in _ORDERED:
        if column in out.columns:
            values = set(out[column].dropna().astype(str))
            categories = [v for v in ORDER if v in values] + sorted(values - set(ORDER))
            out[column] = pd.Categorical(out[column].astype(str), categories, ordered=True)
    return out


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    for column in df.columns:
        if isinstance(df[column].dtype, pd.CategoricalDtype):
            df[column] = df[column].astype(str)
    return df


def paired_ratios(
    df: pd.DataFrame, baseline: str, column: str = "side", keys: Sequence[str] = ("benchmark", "metric", "pair")
) -> pd.DataFrame:
    """Each run divided by the baseline's run of the same round, benchmark and metric.

    Args:
        df: A benchmark table with the ``keys`` columns, ``column`` and ``value``.
        baseline: The value of ``column`` to divide by (``host``, ``host folder``, ``host loopback``).
        column: The column that names the configuration.
        keys: What a run and its baseline share (other grouping columns, e.g. ``engine``, may be added).

    Returns:
        Rows of the non-baseline configurations: the ``keys``, ``column``, ratio.
    """
    keys = list(keys)
    base = df[df[column] == baseline][keys + ["value"]].rename(columns={"value": "base"})
    merged = df[df[column] != baseline].merge(base, on=keys)
    merged["ratio"] = merged["value"] / merged["base"]
    return merged[keys + [column, "ratio"]].reset_index(drop=True)


def summary(
    df: pd.DataFrame,
    by: Sequence[str],
    value: str = "ratio",
    baseline: float | None = 1.0,
    higher: str = "higher",
    lower: str = "lower",
) -> pd.DataFrame:
    """Per group: samples, median, its bootstrap 95 % interval and (for a ratio) the words.

    Args:
        df: Samples (ratios, or absolute values with ``baseline=None``).
        by: Grouping columns.
        value: The column summarised.
        baseline: The value meaning "no difference" (None: absolute values, no words).
        higher: What "above the baseline" means here.
        lower: What "below" means.

    Returns:
        Columns: ``by``..., n, median, ci_low, ci_high[, verdict].
    """
    rows = []
    for key, group in ordered(df).groupby(list(by), sort=True, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        median, low, high = bootstrap_median(group[value])
        row = {
            **dict(zip(by, key)),
            "n": int(group[value].notna().sum()),
            "median": median,
            "ci_low": low,
            "ci_high": high,
        }
        if baseline is not None:
            row["verdict"] = verdict(low, high, baseline, higher, lower)
        rows.append(row)
    return _plain(pd.DataFrame(rows))


def order_effect(df: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Median of each configuration's values by its position in the round (0 = ran first).

    A systematic change with the position shows a drift that a fixed order would have
    charged to one configuration.
    """
    table = ordered(df).groupby(list(by) + ["position"], sort=True, observed=True)["value"].median().unstack("position")
    table.columns = [
        f"ran {int(c) + 1}{'st' if c == 0 else 'nd' if c == 1 else 'rd' if c == 2 else 'th'}" for c in table.columns
    ]
    return _plain(table.reset_index())


def _published(published: pd.DataFrame, benchmark: str, configuration: str, metric: str | None = None) -> float:
    rows = published[(published["benchmark"] == benchmark) & (published["configuration"] == configuration)]
    if metric is not None:
        rows = rows[rows["metric"] == metric]
    return float(rows["value"].iloc[0]) if len(rows) else float("nan")


PUBLISHED_LATENCY = {
    ("tcp", "host loopback"): ("netperf TCP_RR", "native", "IBM RC25482 (10 GbE, two hosts)"),
    ("tcp", "published port"): ("netperf TCP_RR", "docker NAT", "IBM RC25482 (10 GbE, two hosts)"),
    ("udp", "host loopback"): ("netperf UDP_RR", "native", "IBM RC25482 (10 GbE, two hosts)"),
    ("udp", "published port"): ("netperf UDP_RR", "docker NAT", "IBM RC25482 (10 GbE, two hosts)"),
}
"""(protocol, path) → the published round trip for the same question (benchmark, configuration, source)."""


def headlines(tables: Mapping[str, pd.DataFrame], published: pd.DataFrame) -> pd.DataFrame:
    """The chapter's results in one table: question, ours (median [95 % CI]), words, published, source.

    Args:
        tables: The benchmark tables by name (``cpu``, ``disk``, ``net``, ``proxy``, ``startstop``,
            ``stats-cost``); missing ones are left out.
        published: The published figures (:func:`cookbook.chapters.performance.bench.results.published`).
    """
    rows: list[tuple[str, str, str, str, str]] = []
    ibm = "IBM RC25482 (2014)"
    tables = {name: ordered(table) for name, table in tables.items()}
    group = {"sort": True, "observed": True}

    def add(
        question: str, values: pd.Series, words: str, figure: float | str, source: str, digits: str = ".3g"
    ) -> None:
        median, low, high = bootstrap_median(values)
        shown = figure if isinstance(figure, str) else ("-" if np.isnan(figure) else f"{figure:{digits}}")
        rows.append((question, interval(median, low, high, digits), words, shown, source))

    if "cpu" in tables:
        ratios = paired_ratios(tables["cpu"], "host")
        _, low, high = bootstrap_median(ratios["ratio"])
        linpack = _published(published, "linpack", "docker") / _published(published, "linpack", "native")
        add(
            "CPU: container / host (sysbench events/s)",
            ratios["ratio"],
            verdict(low, high, 1, "faster", "slower"),
            linpack,
            f"{ibm}, Linpack",
        )
    if "disk" in tables:
        ratios = paired_ratios(tables["disk"], "host folder")
        for (metric, side), part in ordered(ratios).groupby(["metric", "side"], **group):
            _, low, high = bootstrap_median(part["ratio"])
            ibm_ratio = _published(published, "fio mixed.fio", "docker volume", metric) / _published(
                published, "fio mixed.fio", "native", metric
            )
            add(
                f"disk {metric.split('_')[0]} IOPS: {side} / host folder",
                part["ratio"],
                verdict(low, high, 1, "faster", "slower"),
                ibm_ratio if side == "bind volume" else "-",
                f"{ibm}, docker volume" if side == "bind volume" else "-",
            )
    if "net" in tables:
        net = tables["net"]
        for (bench_name, path), part in net[net["metric"] == "rtt_us"].groupby(["benchmark", "path"], **group):
            protocol = "udp" if "udp" in bench_name else "tcp"
            key = PUBLISHED_LATENCY.get((protocol, path))
            figure = _published(published, key[0], key[1]) if key else "-"
            add(
                f"{protocol.upper()} round trip µs: {path}",
                part["value"],
                "-",
                figure,
                f"{ibm}, netperf" if key else "-",
            )
        for (bench_name, path), part in net[net["metric"] == "bandwidth_gbps"].groupby(["benchmark", "path"], **group):
            figure = _published(published, "nuttcp", "all", "bandwidth") if path == "host loopback" else "-"
            add(
                f"Gbit/s {bench_name}: {path}",
                part["value"],
                "-",
                figure if bench_name.startswith("nuttcp") else "-",
                f"{ibm}, nuttcp on 10 GbE (link-bound)"
                if bench_name.startswith("nuttcp") and path == "host loopback"
                else "-",
            )
    if "proxy" in tables:
        proxy = tables["proxy"]
        for (engine_name, bench_name, path), part in proxy[proxy["metric"] == "rtt_us"].groupby(
            ["engine", "benchmark", "path"], **group
        ):
            protocol = "udp" if "udp" in bench_name else "tcp"
            add(f"{protocol.upper()} round trip µs, sandbox with {engine_name}: {path}", part["value"], "-", "-", "-")
    if "startstop" in tables:
        ss = tables["startstop"]
        for (driver, phase, n), part in ss.groupby(["engine", "phase", "n"], **group):
            figure = "-"
            if driver == "overlay2":
                up = _published(published, "create 1000 httpd containers", "overlayfs")
                down = _published(published, "destroy 1000 httpd containers", "overlayfs")
                figure = f"{(up if phase == 'start' else down - up) / 1000:.2f} (overlayfs, N=1000)"
            add(
                f"s per container, {phase}: {driver}, N={n}",
                part["seconds"],
                "-",
                figure,
                "Red Hat blog 2014-09-30" if driver == "overlay2" else "-",
            )
    if "stats-cost" in tables:
        cost = tables["stats-cost"]
        for (where, call, spacing), part in cost.groupby(["engine", "call", "spacing"], **group):
            sampled = call.startswith("stream=false") and "one-shot" not in call
            figure = _published(published, "stats stream=false", "per container") if sampled else float("nan")
            add(
                f"ms per stats call, {where}: {call}, {spacing}",
                part["seconds"] * 1000,
                "-",
                figure,
                "moby/moby#23188 (Docker 1.11)" if sampled else "-",
                ".0f",
            )
    return pd.DataFrame(
        rows, columns=["question", "ours: median [95% CI]", "what the interval allows", "published", "source"]
    )


def beside(
    live: Mapping[str, pd.DataFrame], reference: Mapping[str, pd.DataFrame], published: pd.DataFrame
) -> pd.DataFrame:
    """:func:`headlines` of this run and of the reference run in one table, question by question.

    Returns:
        Columns: question, this run, reference run, what the reference's interval allows, published, source.
    """
    ours = headlines(live, published)
    theirs = headlines(reference, published)
    merged = theirs.merge(
        ours[["question", "ours: median [95% CI]"]],
        on="question",
        how="left",
        suffixes=(" reference", " live"),
        sort=False,
    )
    merged = merged.rename(
        columns={
            "ours: median [95% CI] live": "this run: median [95% CI]",
            "ours: median [95% CI] reference": "reference run: median [95% CI]",
            "what the interval allows": "what the reference's interval allows",
        }
    )
    columns = [
        "question",
        "this run: median [95% CI]",
        "reference run: median [95% CI]",
        "what the reference's interval allows",
        "published",
        "source",
    ]
    return merged.fillna("-")[columns]
