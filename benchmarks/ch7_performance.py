"""Chapter 7's goals on a quiet machine: the CPU ratio and the rest of the headline table.

Runs the full benchmarks (or ``--quick``), writes every table as CSV into ``--out``, prints the
headline table (ours beside the published figures) and a last line
``cpu container/host ratio: X.XXX (goal 1.00 ± 0.03): met|missed``.

    python benchmarks/ch7_performance.py [--quick] [--pairs 5] [--out build/bench]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from cookbook import bench


def main() -> int:
    """Measure, print the headline table, and say whether the CPU goal is met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--pairs", type=int, default=None)
    parser.add_argument("--out", default="build/bench")
    args = parser.parse_args()
    params = bench.params_for(args.quick, pairs=args.pairs)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tables: dict[str, pd.DataFrame] = {}
    for name in bench.BENCHMARKS:
        tables.update(bench.measure(name, params, progress=lambda text: print(f"  {text}", file=sys.stderr)))
    for key, table in tables.items():
        table.to_csv(out / f"{key}.csv", index=False)
    cpu_ratios = bench.paired_ratios(tables["cpu"], "host")
    headline = bench.headlines(cpu_ratios, bench.paired_ratios(tables["disk"], "host folder"), tables["net"],
                               tables["startstop"], tables["stats-cost"], bench.reference())
    print(headline.to_string(index=False))
    ratio = float(cpu_ratios.ratio.median())
    print(f"cpu container/host ratio: {ratio:.3f} (goal 1.00 ± 0.03): {'met' if abs(ratio - 1) <= 0.03 else 'missed'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
