"""Render facts and tables for a reader (commands and their output come from :mod:`cookbook.shell`).

Outputs are plain text (stdout) so that notebooks diff well and nbval can compare them.
"""

from __future__ import annotations

import time
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


class Progress:
    """One line under a long cell that says what it is doing now (a round, a path), updated in place.

    Call it with the current step; in a notebook the line is replaced, not repeated, and it ends
    with the last step and the seconds the cell took (:meth:`done`). Outside a notebook each step
    is printed.

    Args:
        title: What the cell does ("CPU, host and container").
    """

    def __init__(self, title: str) -> None:
        from IPython import get_ipython
        from IPython.display import display

        self.title = title
        self.began = time.monotonic()
        self.steps = 0
        in_kernel = getattr(get_ipython(), "kernel", None) is not None  # a notebook, not a plain shell
        self.handle = display(self._text("starting"), display_id=True) if in_kernel else None

    def _text(self, step: str) -> Any:
        from IPython.display import Markdown

        return Markdown(f"*{self.title}: {step}*")

    def __call__(self, step: str) -> None:
        self.steps += 1
        if self.handle is None:
            print(f"{self.title}: {step}", flush=True)
        else:
            self.handle.update(self._text(f"{step} …"))

    def done(self) -> None:
        """Replace the line by what the cell did: its steps and seconds."""
        said = f"done: {self.steps} steps in {time.monotonic() - self.began:.0f} s"
        if self.handle is None:
            print(f"{self.title}: {said}", flush=True)
        else:
            self.handle.update(self._text(said))

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.done()
