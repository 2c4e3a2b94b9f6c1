"""nbval's comparison, applied to a notebook papermill has already executed.

``make test`` executes each notebook once on the local engine: the quick run that checks the
run report, the leftovers and the shown commands also supplies the outputs that nbval compares
with the committed ones. This module does what nbval does after it has run a cell, with nbval's
own functions: the same stream coalescing, the same ``tests/sanitize.cfg`` patterns, the same
``nbval-ignore-output`` / ``nbval-skip`` tags and comments, and the same output keys left out.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import nbformat
from nbval.plugin import (
    coalesce_streams,
    find_comment_markers,
    find_metadata_tags,
    get_sanitize_patterns,
    transform_streams_for_comparison,
)

SANITIZE = Path(__file__).resolve().parents[1] / "sanitize.cfg"

# The output keys nbval leaves out of its comparison (images too, as it does without nbdime).
SKIPPED_KEYS = frozenset(
    {
        "metadata",
        "traceback",
        "prompt_number",
        "output_type",
        "name",
        "execution_count",
        "application/vnd.jupyter.widget-view+json",
        "image/png",
        "image/jpeg",
    }
)


def sanitize_patterns(config: Path = SANITIZE) -> list[tuple[str, str]]:
    """The ``(regex, replacement)`` pairs of an nbval sanitize file, in file order."""
    return get_sanitize_patterns(config.read_text())


def _sanitized(value: Any, patterns: list[tuple[str, str]]) -> Any:
    if not isinstance(value, str):
        return value
    for regex, replacement in patterns:
        value = re.sub(regex, replacement, value)
    return value


def _flattened(outputs: list[Any], patterns: list[tuple[str, str]]) -> dict[str, list[Any]]:
    """Outputs as nbval compares them: each key (MIME types flattened) to its sanitized values, in order."""
    flat: dict[str, list[Any]] = defaultdict(list)
    for output in transform_streams_for_comparison(coalesce_streams(outputs)):
        for key, value in output.items():
            if key in SKIPPED_KEYS:
                continue
            if key == "data":
                for mime, data in value.items():
                    if mime not in SKIPPED_KEYS:
                        flat[mime].append(_sanitized(data, patterns))
            else:
                flat[key].append(_sanitized(value, patterns))
    return dict(flat)


def _checked(cell: Any) -> bool:
    """Whether nbval compares this recorded cell's outputs (tags and comment markers, as nbval reads them)."""
    options = dict(find_metadata_tags(cell.metadata))
    options.update(find_comment_markers(cell.source))
    return cell.execution_count is not None and not options.get("skip") and options.get("check", True)


def _difference(where: str, recorded: dict[str, list[Any]], executed: dict[str, list[Any]]) -> str | None:
    if recorded.keys() != executed.keys():
        return f"{where}: output kinds {sorted(recorded)} recorded, {sorted(executed)} now"
    for key, values in recorded.items():
        if values != executed[key]:
            old = "\n".join(map(str, values)).splitlines()
            new = "\n".join(map(str, executed[key])).splitlines()
            diff = difflib.unified_diff(old, new, "recorded", "now", n=1, lineterm="")
            return f"{where}: {key} differs\n" + "\n".join(list(diff)[:30])
    return None


def differences(recorded: Path, executed: Path, config: Path = SANITIZE) -> list[str]:
    """Where ``executed`` (a papermill run of ``recorded``) shows other outputs than the committed ones.

    Cells are matched by id; papermill's injected parameters cell has no recorded twin and is
    not compared. A recorded cell that did not run is a difference too.
    """
    patterns = sanitize_patterns(config)
    wanted = [c for c in nbformat.read(str(recorded), as_version=4).cells if c.cell_type == "code"]
    ran = {
        c.id: c
        for c in nbformat.read(str(executed), as_version=4).cells
        if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])
    }
    found = []
    for number, cell in enumerate(wanted):
        where = f"{recorded.name} code cell {number} ({cell.source.splitlines()[0][:60] if cell.source else ''})"
        twin = ran.get(cell.id)
        if twin is None or twin.execution_count is None:
            found.append(f"{where}: did not run")
        elif _checked(cell):
            found.append(
                _difference(where, _flattened(cell.outputs, patterns), _flattened(twin.outputs, patterns)) or ""
            )
    return [line for line in found if line]
