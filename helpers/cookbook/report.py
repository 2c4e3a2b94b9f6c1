"""The run report: ``build/index.html`` with each chapter's checks, links and plots."""

from __future__ import annotations

import html
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


def exercises_and_diagrams(notebook: Path) -> tuple[list[str], int]:
    """The "Your turn" exercises a notebook shows (their keys) and how many diagrams it draws."""
    if not notebook.is_file():
        return [], 0
    sources = ["".join(cell.get("source", "")) for cell in json.loads(notebook.read_text()).get("cells", [])]
    keys = [key for source in sources for key in re.findall(r'exercises\.show\("([^"]+)"\)', source)]
    return keys, sum(source.count("diagrams.show(") for source in sources)


def _rows(checks: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    by_notebook: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in checks:
        by_notebook[str(row["notebook"])].append(row)
    return by_notebook


def _section(opening: str, rows: list[str], closing: str | None = None) -> list[str]:
    """The lines of one section of the report: ``opening``, a line per row, then ``closing``.

    Args:
        opening: The heading (and the tag that opens a table or list).
        rows: One line each.
        closing: The tag that closes the table or list, if any.

    Returns:
        The lines, or none at all where there are no rows.
    """
    if not rows:
        return []
    return [opening, *rows, *([closing] if closing is not None else [])]


def write_index(
    out: Path,
    checks: Iterable[Mapping[str, Any]],
    outcomes: Iterable[Any],
    engine_facts: Mapping[str, str],
    skipped: Iterable[Mapping[str, Any]] = (),
    image_packages: Mapping[str, Mapping[str, str]] | None = None,
) -> Path:
    """Write ``out/index.html`` and return its path.

    Args:
        out: The build folder (executed notebooks, their HTML, plots).
        checks: Rows of the check report (notebook, recipe, title, check, passed, seconds).
        outcomes: One per notebook run, with ``notebook``, ``ok``, ``seconds`` and ``error``.
        engine_facts: What :func:`cookbook.engine.versions` said about the engine.
        skipped: Rows of cells that did not run on this engine (notebook, recipe, skipped: why).
        image_packages: Each catalogue image's own Debian packages and their versions.
    """
    by_notebook = _rows(checks)
    skips = _rows(skipped)
    e = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Docker cookbook: run report</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "td,th{padding:.2em .6em;text-align:left}.ok{color:#176f2c}.bad{color:#b00020}</style></head><body>",
        "<h1>Docker cookbook: run report</h1>",
        "<p>Engine: " + e(", ".join(f"{k} {v}" for k, v in engine_facts.items())) + "</p>",
    ]
    for outcome in outcomes:
        name = str(outcome.notebook)
        state = "<span class='ok'>ran</span>" if outcome.ok else f"<span class='bad'>failed: {e(outcome.error)}</span>"
        parts.append(
            f"<h2>{e(name)}</h2><p>{state} in {outcome.seconds:.1f} s — "
            f"<a href='{e(name)}.html'>executed notebook</a></p>"
        )
        keys, drawn = exercises_and_diagrams(out / f"{name}.ipynb")
        if keys or drawn:
            parts.append(f"<p>{drawn} diagram{'s' if drawn != 1 else ''} drawn from the engine's state; "
                         f"{len(keys)} exercise{'s' if len(keys) != 1 else ''}: {e(', '.join(keys)) or '-'}</p>")  # fmt: skip
        rows = by_notebook.get(name, [])
        passed = sum(1 for row in rows if row["passed"])
        parts.append(f"<p>{passed} of {len(rows)} checks passed, {len(skips.get(name, []))} cells skipped</p>")
        if skips.get(name):
            parts.append("<ul>" + "".join(f"<li>skipped in {e(str(row['recipe']))}: {e(str(row['skipped']))}</li>"
                                          for row in skips[name]) + "</ul>")  # fmt: skip
        if rows:
            parts.append("<table><tr><th>recipe</th><th>check</th><th>result</th><th>seconds</th></tr>")
            for row in rows:
                mark = "<span class='ok'>passed</span>" if row["passed"] else "<span class='bad'>FAILED</span>"
                parts.append(
                    f"<tr><td>{e(str(row.get('title') or row['recipe']))}</td><td>{e(str(row['check']))}</td>"
                    f"<td>{mark}</td><td>{float(row['seconds']):.1f}</td></tr>"
                )
            parts.append("</table>")
    if image_packages:
        parts.append("<h2>Images and the Debian packages they installed</h2><table>")
        for name, versions in image_packages.items():
            listed = ", ".join(f"{package} {version}" for package, version in versions.items())
            parts.append(f"<tr><td>cookbook/{e(name)}</td><td>{e(listed)}</td></tr>")
        parts.append("</table>")
    pages = sorted(p for p in out.glob("*/index.html") if p.is_file())
    parts += _section(
        "<h2>Benchmark pages</h2><ul>",
        [
            f"<li><a href='{e(page.relative_to(out).as_posix())}'>{e(page.parent.name)}</a>: a <code>cookbook bench</code> run, "
            "its tables and plots</li>"
            for page in pages
        ],
        "</ul>",
    )
    plots = [p.relative_to(out).as_posix() for p in sorted(out.rglob("*.png")) if p.is_file()]
    parts += _section(
        "<h2>Benchmark plots</h2>",
        [
            f"<figure><img src='{e(plot)}' style='max-width:100%'><figcaption>{e(plot)}</figcaption></figure>"
            for plot in plots
        ],
    )
    parts.append("</body></html>")
    index = out / "index.html"
    index.write_text("\n".join(parts))
    return index
