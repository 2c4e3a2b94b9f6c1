"""The main job: execute chapter notebooks headless with papermill into ``build/``.

For each notebook: an executed copy, an HTML rendering, and rows in
``build/summary.csv`` (notebook, recipe, check, passed, seconds) taken from the checks
the recipes report while they run.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import re
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cookbook import config, engine, packages
from cookbook import report as run_report
from cookbook.errors import BadParameter, CookbookError


def notebooks_dir() -> Path:
    """The folder of the chapter notebooks."""
    return config.project_root() / "notebooks"


def chapters() -> dict[str, Path]:
    """Every notebook by its stem (``04-networking-and-data``)."""
    return {path.stem: path for path in sorted(notebooks_dir().glob("[0-9][0-9]-*.ipynb"))}


def resolve(names: Iterable[str]) -> list[Path]:
    """Turn chapter names (``4``, ``04``, ``networking``, a stem) into notebook paths.

    Raises:
        BadParameter: A name matches no notebook, or more than one.
    """
    known = chapters()
    paths = []
    for name in names:
        key = name.strip().lower().removesuffix(".ipynb")
        if key.isdigit():
            key = f"{int(key):02d}-"
        found = [s for s in known if key and (s == key or s.startswith(key) or key in s.split("-", 1)[-1])]
        if len(found) != 1:
            raise BadParameter(
                f"chapter {name!r} {'is ambiguous' if found else 'is not one of ours'}.",
                f"name one of: {', '.join(known)} (or its number).",
            )
        paths.append(known[found[0]])
    return paths


def parse_parameters(pairs: Iterable[str]) -> dict[str, Any]:
    """Parse ``NAME=VALUE`` pairs; values are Python literals or else plain strings.

    Raises:
        BadParameter: A pair has no ``=`` or an empty name.
    """
    parsed: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name.strip().isidentifier():
            raise BadParameter(f"parameter {pair!r} is not NAME=VALUE.", "write it as -p pairs=5 or -p quick=True.")
        try:
            parsed[name.strip()] = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            parsed[name.strip()] = raw
    return parsed


_SCHEMA = re.compile(
    r"^(?P<kind>int|float|str|bool|list)(?: (?P<low>-?[\d.]+)\.\.(?P<high>-?[\d.]+))?(?P<none> or None)?:"
)
_KINDS: dict[str, type] = {"int": int, "float": float, "str": str, "bool": bool, "list": list}


@dataclass(frozen=True)
class Declared:
    """What a notebook's ``parameters`` cell declares about one parameter.

    The comment after it may start with its type and range: ``# int 1..20 or None: pings``.
    Without one, the type is the default's (and None allows anything).

    Attributes:
        name: The parameter.
        kind: Its type (None: not known).
        low: The smallest value allowed, if any.
        high: The largest value allowed, if any.
        none: Whether None is allowed.
    """

    name: str
    kind: type | None
    low: float | None = None
    high: float | None = None
    none: bool = False

    @classmethod
    def read(cls, name: str, spec: dict[str, str]) -> Declared:
        """From papermill's view of the parameter (its default and its comment)."""
        found = _SCHEMA.match(spec.get("help", "").strip())
        default = spec.get("default", "")
        if found:
            low, high = found.group("low"), found.group("high")
            return cls(name, _KINDS[found.group("kind")], float(low) if low else None, float(high) if high else None,
                       bool(found.group("none")) or default == "None")  # fmt: skip
        try:
            value = ast.literal_eval(default)
        except (ValueError, SyntaxError):
            return cls(name, None, none=True)
        return cls(name, None if value is None else type(value), none=value is None)

    def check(self, value: Any, notebook: str) -> None:
        """Refuse a value of the wrong type or out of range, in one line.

        Raises:
            BadParameter: It does not fit.
        """
        if value is None and self.none:
            return
        fits = self.kind is None or isinstance(value, self.kind) or (self.kind is float and isinstance(value, int))
        if self.kind is int and isinstance(value, bool):
            fits = False
        span = f" in {self.low:g}..{self.high:g}" if self.low is not None and self.high is not None else ""
        kind = self.kind.__name__ if self.kind else "value"
        wanted = f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}{span}{' or None' if self.none else ''}"
        if not fits:
            raise BadParameter(
                f"{notebook}: parameter {self.name}={value!r} should be {wanted}.", f"give {self.name} {wanted}."
            )
        if span and not self.low <= value <= self.high:  # type: ignore[operator]
            raise BadParameter(
                f"{notebook}: parameter {self.name}={value!r} is out of range.", f"give {self.name} {wanted}."
            )


def check_parameters(path: Path, parameters: dict[str, Any]) -> None:
    """Make sure each parameter exists in the notebook's ``parameters`` cell, with a fitting type and range.

    Raises:
        BadParameter: Unknown name (the message lists the known ones), or a value of the wrong type
            or out of its declared range.
    """
    import papermill

    declared = papermill.inspect_notebook(str(path))
    for name, value in parameters.items():
        if name not in declared:
            raise BadParameter(
                f"{path.stem} has no parameter {name!r}.", f"use one of: {', '.join(sorted(declared)) or 'none'}."
            )
        Declared.read(name, declared[name]).check(value, path.stem)


@dataclass(frozen=True)
class Outcome:
    """How one notebook's run went."""

    notebook: str
    ok: bool
    seconds: float
    error: str = ""


def _local_kernel_manager() -> type:
    """A kernel manager whose kernel talks to us over unix sockets (IPC) instead of TCP on loopback.

    The kernel runs on this machine, so TCP is of no use, and ipykernel warns about it being
    unencrypted at every start.
    """
    from jupyter_client.manager import AsyncKernelManager

    class LocalKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.transport = "ipc"

    return LocalKernelManager


class CheckFollower(threading.Thread):
    """Progress inside a running notebook: print each check (and skipped cell) its recipes record.

    It reads the lines the run report gains while the notebook runs, twice a second, and prints
    ``  04 · publish-ports: ✔ all 4 published ports answer HTTP 200``. Printed with ``tqdm.write``,
    so that papermill's progress bar of cells (on a terminal) stays whole under them.

    Args:
        report: The run report (JSON lines) the notebook's recipes append to.
        label: What names the notebook in each line (its number).
    """

    def __init__(self, report: Path, label: str) -> None:
        super().__init__(daemon=True)
        self.report = report
        self.label = label
        self.offset = report.stat().st_size if report.exists() else 0
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(0.5):
            self.read()
        self.read()

    def read(self) -> None:
        """Print the complete lines added since the last read."""
        from tqdm import tqdm

        if not self.report.exists():
            return
        with self.report.open("rb") as text:
            text.seek(self.offset)
            added = text.read()
        complete = added[: added.rfind(b"\n") + 1]
        self.offset += len(complete)
        for line in complete.decode().splitlines():
            row = json.loads(line) if line.strip() else {}
            if "check" in row:
                mark = "✔" if row.get("passed") else "✘"
                tqdm.write(f"  {self.label} · {row.get('recipe')}: {mark} {row['check']}", file=sys.stdout)
            elif "skipped" in row:
                tqdm.write(f"  {self.label} · {row.get('recipe')}: ⏭ skipped: {row['skipped']}", file=sys.stdout)

    def stop(self) -> None:
        """Print what is left and end."""
        self.stopping.set()
        self.join()


def execute(path: Path, out: Path, parameters: dict[str, Any], quick: bool, report: Path) -> Outcome:
    """Run one notebook with papermill, then render it to HTML next to the executed copy."""
    import papermill

    out.mkdir(parents=True, exist_ok=True)
    target = out / path.name
    env = {
        "COOKBOOK_REPORT": str(report.resolve()),
        "COOKBOOK_NOTEBOOK": path.stem,
        "COOKBOOK_QUICK": "1" if quick else "",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    started = time.monotonic()
    error = ""
    follower = CheckFollower(report, path.stem[:2])
    follower.start()
    try:
        papermill.execute_notebook(
            str(path),
            str(target),
            parameters={"quick": quick, **parameters},
            cwd=str(path.parent),
            progress_bar=sys.stderr.isatty(),
            kernel_name="python3",
            kernel_manager_class=_local_kernel_manager(),
        )
    except papermill.PapermillExecutionError as exc:
        error = f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}".splitlines()[0]
    finally:
        follower.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    seconds = time.monotonic() - started
    if target.exists():
        render_html(target)
    return Outcome(path.stem, not error, seconds, error)


def render_html(notebook: Path) -> Path:
    """Write ``notebook`` as HTML beside it and return the HTML path."""
    import nbconvert
    import nbformat

    body, _ = nbconvert.HTMLExporter().from_notebook_node(nbformat.read(str(notebook), as_version=4))
    html = notebook.with_suffix(".html")
    html.write_text(body)
    return html


def read_report(report: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The run report's rows: (checks, skipped cells)."""
    rows = [json.loads(line) for line in report.read_text().splitlines() if line.strip()] if report.exists() else []
    return [row for row in rows if "check" in row], [row for row in rows if "skipped" in row]


def write_summary(report: Path, summary: Path) -> list[dict[str, Any]]:
    """Turn the JSON-lines report's checks into ``summary.csv``; return them."""
    rows, _ = read_report(report)
    with summary.open("w", newline="") as out:
        writer = csv.DictWriter(
            out, fieldnames=["notebook", "recipe", "title", "check", "passed", "seconds"], extrasaction="ignore"
        )
        writer.writeheader()
        writer.writerows(rows)
    return rows


def writable(folder: Path) -> None:
    """Make sure ``folder`` exists (or can be made) and can be written, before anything runs.

    Raises:
        BadParameter: It cannot be made, or written to.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".cookbook-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise BadParameter(
            f"cannot write to {folder} ({exc.strerror or exc}).", "pass --out a folder you can write to."
        ) from None


def run(names: Iterable[str], *, parameters: dict[str, Any], quick: bool, out: Path) -> list[Outcome]:
    """Execute the named chapters (all when ``names`` is empty) into ``out``.

    Raises:
        BadParameter: Unknown chapter or parameter (checked before anything runs).
        CookbookError: No notebook to run.
    """
    paths = resolve(names) if names else list(chapters().values())
    if not paths:
        raise CookbookError("there are no notebooks to run.", f"run from a checkout that has {notebooks_dir()}.")
    for path in paths:
        check_parameters(path, parameters)
    writable(out)
    report = out / "checks.jsonl"
    report.unlink(missing_ok=True)
    outcomes = []
    for index, path in enumerate(paths, 1):
        print(f"[{index}/{len(paths)}] {path.stem} ...", flush=True)
        outcome = execute(path, out, parameters, quick, report)
        state = "ok" if outcome.ok else f"FAILED ({outcome.error})"
        print(f"[{index}/{len(paths)}] {path.stem}: {state} in {outcome.seconds:.1f} s", flush=True)
        outcomes.append(outcome)
    rows = write_summary(report, out / "summary.csv")
    _, skipped = read_report(report)
    client = engine.connect()
    page = run_report.write_index(out, rows, outcomes, engine.versions(client), skipped, packages.summary(client))
    passed = sum(1 for row in rows if row["passed"])
    print(f"{passed} of {len(rows)} checks passed, {len(skipped)} cells skipped (the engine runs elsewhere); "
          f"summary in {out}/summary.csv, report in {page}", flush=True)  # fmt: skip
    return outcomes
