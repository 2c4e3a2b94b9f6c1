"""``%%on_this_host``: a cell that needs the engine to run on the kernel's own machine.

A few recipe steps are about the engine's host itself: the kernel reads a file a container
wrote into a host folder, or a program on the host talks to a container over the loopback.
Against a remote engine those steps cannot run. The cell magic runs its cell when the engine
sees this machine's files (:func:`cookbook.hostfiles.engine_sees`), and otherwise says in one
line that it skipped the cell, and why::

    %%on_this_host the kernel reads back the file the container wrote
    print((folder / "back.txt").read_text())
"""

from __future__ import annotations

from typing import Any

from cookbook import engine, hostfiles
from cookbook.errors import CookbookError


def on_this_host(line: str, cell: str) -> None:
    """Run ``cell`` if the engine is on this machine; else print why it is skipped."""
    from IPython import get_ipython

    if not hostfiles.engine_sees(engine.connect()):
        why = line.strip() or "this step needs the engine on the kernel's machine"
        print(f"⏭ skipped: {why}; the engine at {engine.endpoint().url} runs elsewhere (it does not see this machine's files).")
        return
    result = get_ipython().run_cell(cell, store_history=False)
    if not result.success:
        raise CookbookError("the cell above failed (its error is shown above).")


def register(shell: Any) -> None:
    """Make ``%%on_this_host`` available in ``shell`` (an IPython shell; None outside IPython)."""
    if shell is not None:
        shell.register_magic_function(on_this_host, magic_kind="cell")
