"""Render a recipe's steps for a reader: the CLI command beside what the helpers ran.

Outputs are plain text (stdout) so that notebooks diff well and nbval can compare them.
"""

from __future__ import annotations

import shlex
from typing import Any, Iterable, Mapping, Sequence

import pandas as pd


def cli(*commands: str) -> None:
    """Print the docker CLI command(s) a recipe step is equivalent to, shell-style."""
    for command in commands:
        print(f"$ {command}")


def argv(args: Sequence[str]) -> str:
    """Quote an argument list as a shell command line."""
    return " ".join(shlex.quote(a) for a in args)


def facts(title: str, values: Mapping[str, Any]) -> None:
    """Print ``title`` and one aligned ``key: value`` line per fact."""
    print(title)
    width = max((len(str(k)) for k in values), default=0)
    for key, value in values.items():
        print(f"  {str(key).ljust(width)} : {value}")


def table(rows: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Return rows as a DataFrame (the cell's last expression renders it as a table)."""
    frame = pd.DataFrame(list(rows))
    return frame[list(columns)] if columns else frame


def short(text: str, lines: int = 12) -> str:
    """Keep the first ``lines`` lines of a long output, saying how many were left out."""
    parts = text.rstrip("\n").splitlines()
    if len(parts) <= lines:
        return "\n".join(parts)
    return "\n".join(parts[:lines] + [f"... ({len(parts) - lines} more lines)"])
