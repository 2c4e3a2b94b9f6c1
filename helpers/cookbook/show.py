"""Render facts and tables for a reader (commands and their output come from :mod:`cookbook.shell`).

Outputs are plain text (stdout) so that notebooks diff well and nbval can compare them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd


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
