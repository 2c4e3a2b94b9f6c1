"""The CI/CD recipe's moving parts: a git repository, its pipeline file, a Buildbot master, its results.

The book's Shippable and Drone recipes use hosted services that watch a GitHub repository and
read the pipeline from a file in it (``shippable.yml``, Drone's ``.drone.yml``). Here everything
is local: :func:`make_repo` makes a bare repository (the "GitHub") and a working clone; the app's
``.drone.yml`` is the pipeline (:class:`Pipeline`); :class:`CiServer` runs a Buildbot master in a
subprocess (its base folder under ``.cookbook/``) whose configuration :mod:`cookbook.chapters.usecases.ci.master`
makes from that file. A ``post-receive`` hook tells the master about each push; the push's
pipeline build reads the file of the pushed revision first, and when it changed, the master
takes the new configuration before the matrix builds start (a broken file fails that build in
one line). :meth:`CiServer.wait_for_build` follows the builds a push started and returns their
results, with the pytest counts read from the archived JUnit files.

Modules: :mod:`.repo` (git), :mod:`.pipeline` (the pipeline file), :mod:`.server` (the Buildbot
master and its builds), :mod:`.master` (the master's Buildbot configuration, loaded by Buildbot).
"""

from cookbook.chapters.usecases.ci.pipeline import DEPLOY_TARGETS, PIPELINE_FILE, Pipeline, Step, resolve_images
from cookbook.chapters.usecases.ci.repo import CiError, Repo, git, make_repo
from cookbook.chapters.usecases.ci.server import (
    HOOK,
    MASTER_CFG,
    RESULTS,
    WORKER_PREFIX,
    CiServer,
    junit_counts,
    masters_running,
    state_dir,
)

__all__ = [
    "CiError",
    "CiServer",
    "DEPLOY_TARGETS",
    "HOOK",
    "MASTER_CFG",
    "PIPELINE_FILE",
    "Pipeline",
    "RESULTS",
    "Repo",
    "Step",
    "WORKER_PREFIX",
    "git",
    "junit_counts",
    "make_repo",
    "masters_running",
    "resolve_images",
    "state_dir",
]
