"""A run's HTML page: where and how it was measured, the headline table, each table's summary, the figures."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from cookbook.chapters.performance.bench.cpudisk import DISK_CONFIGS
from cookbook.chapters.performance.bench.results import Run
from cookbook.chapters.performance.bench.scale import growth, per_container
from cookbook.chapters.performance.bench.statistics import headlines, paired_ratios, summary

STYLE = (
    "body{font-family:sans-serif;max-width:70em;margin:2em auto;line-height:1.4}"
    "table{border-collapse:collapse;font-size:90%;margin:.5em 0 1.5em}"
    "td,th{border-bottom:1px solid #ddd;padding:.25em .6em;text-align:left}"
    "img{max-width:100%;border:1px solid #eee}"
)


def summaries(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Per table, the summary a reader wants: ratios with intervals and words, or medians with intervals."""
    out: dict[str, pd.DataFrame] = {}
    if "cpu" in tables:
        out["cpu: container / host"] = summary(
            paired_ratios(tables["cpu"], "host"), ["benchmark", "side"], higher="faster", lower="slower"
        )
    if "disk" in tables:
        disk = tables["disk"]
        out["disk: IOPS over the host folder"] = summary(
            paired_ratios(disk, "host folder"), ["metric", "side"], higher="faster", lower="slower"
        )
        out["disk: device operations per fio I/O"] = summary(
            disk.assign(side=pd.Categorical(disk["side"], DISK_CONFIGS)),
            ["side", "metric"],
            "device_per_io",
            baseline=None,
        )
    if "disk-filesystems" in tables:
        out["disk: file systems under the paths"] = tables["disk-filesystems"]
    if "net" in tables:
        net = tables["net"]
        out["network: values by path and tool"] = summary(net, ["benchmark", "path", "unit"], "value", baseline=None)
        rtt = net[net["metric"] == "rtt_us"]
        out["network: round trip over host loopback"] = summary(
            paired_ratios(rtt, "host loopback", "path"), ["benchmark", "path"], higher="slower", lower="faster"
        )
    if "proxy" in tables:
        proxy = tables["proxy"]
        out["published port with and without docker-proxy"] = summary(
            proxy, ["engine", "benchmark", "path", "unit"], "value", baseline=None
        )
    if "startstop" in tables:
        out["start/stop: seconds per container"] = per_container(tables["startstop"])
        out["start/stop: largest N over smallest N"] = growth(tables["startstop"])
    if "stats-cost" in tables:
        out["stats: seconds to the first byte"] = summary(
            tables["stats-cost"], ["engine", "call", "spacing"], "seconds", baseline=None
        )
    return out


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, float_format=lambda value: f"{value:.4g}", border=0, escape=True)


def write_page(out: Path, run: Run, published: pd.DataFrame, figures: Sequence[Path] = ()) -> Path:
    """Write ``out/index.html`` for ``run`` and return its path.

    Args:
        out: The run's folder (CSV and PNG files beside the page).
        run: The run's tables and record.
        published: The published figures.
        figures: PNG files in ``out`` to show.
    """
    e = html.escape
    env = run.environment
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>Chapter 7 benchmarks: {e(run.label)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Chapter 7 benchmarks</h1><p>{e(run.label)}. Ours are medians with a bootstrap 95 % confidence "
        "interval; where an interval holds 1.0 the words say <em>no measurable difference</em>.</p>",
        "<h2>Where and how</h2><table>",
    ]
    for key in sorted(k for k in env if k != "filesystems"):
        value = env[key]
        shown = json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else str(value)
        parts.append(f"<tr><th>{e(key)}</th><td>{e(shown)}</td></tr>")
    parts.append("</table>")
    if env.get("filesystems"):
        systems = pd.DataFrame([{"folder": label, **facts} for label, facts in env["filesystems"].items()])
        parts.append("<h3>File systems</h3>" + _table(systems))
    parts.append("<h2>Results beside the published figures</h2>" + _table(headlines(run.tables, published)))
    for title, frame in summaries(run.tables).items():
        parts.append(f"<h3>{e(title)}</h3>" + _table(frame))
    if figures:
        parts.append("<h2>Figures</h2>")
        for path in figures:
            parts.append(
                f"<figure><img src='{e(path.name)}' alt='{e(path.stem)}'>"
                f"<figcaption>{e(path.name)}</figcaption></figure>"
            )
    files = sorted(f"{name}.csv" for name in run.tables) + ["environment.json"]
    parts.append("<h2>Data</h2><ul>" + "".join(f"<li><a href='{e(f)}'>{e(f)}</a></li>" for f in files) + "</ul>")
    parts.append("</body></html>")
    page = out / "index.html"
    page.write_text("\n".join(parts))
    return page
