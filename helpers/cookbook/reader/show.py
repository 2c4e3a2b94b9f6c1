"""Render facts and tables for a reader (commands and their output come from :mod:`cookbook.shell`).

Facts are printed as plain text (stdout) so that notebooks diff well and nbval can compare them;
a :class:`Table` is the cell's result, shown as HTML in JupyterLab and as aligned text elsewhere.
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


class Table:
    """Rows shown whole as the cell's last expression: no cell cut at 50 characters, no index column,
    a blank where a row has no value (not ``NaN``), and counts as whole numbers (not ``5.0``).

    Args:
        frame: The rows; :attr:`frame` keeps them for code that reads them.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def _cells(self) -> pd.DataFrame:
        typed = self.frame.convert_dtypes()  # a count column with a gap becomes Int64, not float
        return typed.astype(object).where(typed.notna(), "")

    def _repr_html_(self) -> str:
        return self._cells().to_html(index=False)

    def __repr__(self) -> str:
        return self._cells().to_string(index=False)


def table(rows: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None) -> Table:
    """Rows (and the ``columns`` to show, in order) as a :class:`Table` (the cell's last expression renders it)."""
    frame = pd.DataFrame(list(rows))
    return Table(frame[list(columns)] if columns else frame)


def factored(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``frame`` without those of ``columns`` that hold one value on every row; those are printed once above it.

    A results table keeps where it was measured on every row (so that it reads on its own); shown
    in a notebook, the same CPU model and kernel on each row only widen it past the page.
    """
    same = [name for name in columns if name in frame and frame[name].nunique(dropna=False) == 1]
    if same:
        print("; ".join(f"{name}: {frame[name].iloc[0]}" for name in same))
    return frame.drop(columns=same)


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
