"""Importing the package changes nothing outside it: the rule "no side effects at import time".

Every module under ``helpers/cookbook`` is imported in a fresh interpreter, which compares what a
module could change on import before and after: exit handlers, signal handlers, the environment,
threads, matplotlib's global settings and the files of the working folder (pyplot and the
docker SDK are imported first: the exit handlers they install are the libraries' own). Installing the sweep, a
signal handler or the notebook magics is what ``cb.start()``, the command line and the benchmark
scripts do, never an import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HELPERS = Path(__file__).resolve().parents[2] / "helpers"

PROBE = r"""
import atexit, importlib, json, os, pkgutil, signal, sys, threading
import matplotlib
import matplotlib.pyplot, docker  # their own exit handlers (pyplot's, certifi's) are the libraries', not ours

def state():
    return {
        "exit handlers": atexit._ncallbacks(),
        "signal handlers": {name: repr(signal.getsignal(getattr(signal, name))) for name in ("SIGINT", "SIGTERM", "SIGHUP")},
        "environment": dict(os.environ),
        "threads": threading.active_count(),
        "matplotlib rcParams": {key: repr(value) for key, value in matplotlib.rcParams.items()},
        "files here": sorted(os.listdir(".")),
    }

before = state()
import cookbook
names = [info.name for info in pkgutil.walk_packages(cookbook.__path__, "cookbook.")]
for name in names:
    importlib.import_module(name)
after = state()
changed = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
print(json.dumps({"modules": len(names), "changed": changed}, default=str))
"""


def test_importing_every_module_changes_nothing_outside_the_package(tmp_path: Path) -> None:
    here, home = tmp_path / "here", tmp_path / "home"
    here.mkdir()
    home.mkdir()
    environment = {**os.environ, "PYTHONPATH": str(HELPERS), "MPLBACKEND": "Agg", "HOME": str(home)}
    environment.pop("DOCKER_HOST", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=here, env=environment, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["modules"] > 60, found["modules"]
    changed = found["changed"]
    for key, (before, after) in changed.items():
        if isinstance(before, dict):
            changed[key] = {
                name: [before.get(name), after.get(name)]
                for name in {*before, *after}
                if before.get(name) != after.get(name)
            }
    assert not changed, f"importing cookbook's modules changed: {changed}"
