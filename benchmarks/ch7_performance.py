"""Chapter 7's goals on a quiet machine: every benchmark, the headline table, and the CPU goal.

Runs the benchmarks (full size, or ``--quick``), writes the run's folder (one CSV per table and
``environment.json``, as ``cookbook bench`` does) into ``--out``, prints the headline table (ours
beside the published figures) and a last line
``cpu container/host ratio: X.XXX [LOW, HIGH] (goal: the 95 % interval within [0.9, 1.1]): met|missed``.

    python benchmarks/ch7_performance.py [--quick] [--pairs 8] [--out build/bench-goals]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cookbook import signals
from cookbook.chapters.performance import bench


def main() -> int:
    """Measure, print the headline table, and say whether the CPU goal is met (exit 1 if not)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--pairs", type=int, default=None)
    parser.add_argument("--out", default="build/bench-goals")
    args = parser.parse_args()
    signals.install_exit_sweep()
    params = bench.params_for(args.quick, pairs=args.pairs)
    record = bench.start_record(None, params, args.quick, "ch7_performance.py")
    tables = {}
    for name in bench.BENCHMARKS:
        tables.update(bench.measure(name, params, progress=lambda text: print(f"  {text}", file=sys.stderr)))
    run = bench.Run(tables, bench.finish_record(record, list(bench.BENCHMARKS)))
    bench.write_run(Path(args.out), run)
    print(bench.headlines(tables, bench.published()).to_string(index=False))
    ratio, low, high = bench.bootstrap_median(bench.paired_ratios(tables["cpu"], "host")["ratio"])
    met = 0.9 <= low and high <= 1.1
    print(
        f"cpu container/host ratio: {ratio:.3f} [{low:.3f}, {high:.3f}] "
        f"(goal: the 95 % interval within [0.9, 1.1]): {'met' if met else 'missed'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
