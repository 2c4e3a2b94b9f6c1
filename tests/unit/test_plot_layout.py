"""Chapter 7's figures keep their marks readable: no legend or label sits on a bar, a whisker or a point.

Drawn from the committed reference run (real magnitudes: round trips ten times the loopback's,
bandwidths of 40 Gbit/s), as both "this run" and the reference, the way the notebook shows them.
"""

from __future__ import annotations

from collections.abc import Iterator

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox

from cookbook.chapters.performance import bench, plots

matplotlib.use("Agg")


def marks(ax: Axes) -> Iterator[tuple[str, Bbox]]:
    """Every bar, whisker cap and data point of ``ax``, named, in display coordinates."""
    lines = [(f"a point of {line.get_label()!r}", line) for line in ax.get_lines()]
    lines = [(name, line) for name, line in lines if not str(line.get_label()).startswith("_")]
    for container in ax.containers:
        for patch in getattr(container, "patches", []):
            if patch.get_height():
                yield f"a bar of {container.get_label()!r}", patch.get_window_extent()
        whiskers = getattr(container, "errorbar", None)
        if whiskers is not None:
            caps = [cap for cap in whiskers.lines[1] if isinstance(cap, Line2D)]
            lines += [(f"a whisker of {container.get_label()!r}", cap) for cap in caps]
    for name, line in lines:
        points = np.column_stack([np.asarray(data, dtype=float) for data in line.get_data()])
        for x, y in ax.transData.transform(points):
            yield name, Bbox([[x, y], [x, y]])


def covers(box: Bbox, mark: Bbox) -> bool:
    if mark.width == 0 and mark.height == 0:
        return bool(box.contains(mark.x0, mark.y0))
    overlap = Bbox.intersection(box, mark)
    return overlap is not None and overlap.width > 1 and overlap.height > 1


@pytest.fixture(scope="module")
def reference() -> bench.Run:
    return bench.reference_run()


@pytest.mark.parametrize("name", sorted(plots.FIGURES))
def test_no_legend_or_label_covers_a_mark(name: str, reference: bench.Run) -> None:
    ctx = plots.Context(bench.published(), reference.tables, "this run", "reference run")
    figure = plots.figure(name, reference.tables[name], ctx)
    assert figure is not None
    figure.draw_without_rendering()
    found = []
    for ax in figure.axes:
        legend = ax.get_legend()
        boxes = [("the legend", legend.get_window_extent())] if legend else []
        boxes += [(f"the label {text.get_text()!r}", text.get_window_extent()) for text in ax.texts]
        found += [f"{what} covers {mark}" for what, box in boxes for mark, area in marks(ax) if covers(box, area)]
    assert not found, f"{name}: " + "; ".join(sorted(set(found)))


def test_the_monitor_panels_keep_their_legends_in_the_sixth_slot() -> None:
    loads = ("cpu", "disk", "idle", "memory", "network")
    panels = ("CPU (% of a core)", "memory (MiB)", "network received (KiB/s)", "block writes (KiB/s)")
    rows = [
        {"t": t, "container": load, "panel": panel, "value": 50.0, "load": load}
        for panel in panels
        for load in loads
        for t in range(10, 24)
    ]
    ctx = plots.Context(bench.published(), {}, "this run", "")
    axes = plots.monitor_panels(pd.DataFrame(rows), 0.5, ctx)
    assert len(axes) == 5 and all(ax.get_legend() is None for ax in axes)
    figure = axes[0].get_figure(root=True)
    assert figure is not None
    key = [ax for ax in figure.axes if ax not in axes]
    legends = [text.get_text() for ax in key for legend in ax.findobj(Legend) for text in legend.get_texts()]
    assert set(loads) <= set(legends) and any(text.startswith("published: cAdvisor") for text in legends)
