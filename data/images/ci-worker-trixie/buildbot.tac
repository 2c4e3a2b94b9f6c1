# A Buildbot worker configured from the environment that Buildbot's DockerLatentWorker sets
# (BUILDMASTER, BUILDMASTER_PORT, WORKERNAME, WORKERPASS), like the official worker image.
import os

from buildbot_worker.bot import Worker
from twisted.application import service

application = service.Application("buildbot-worker")
Worker(
    os.environ["BUILDMASTER"],
    int(os.environ.get("BUILDMASTER_PORT", "9989")),
    os.environ["WORKERNAME"],
    os.environ["WORKERPASS"],
    "/buildbot",
    keepalive=600,
    umask=0o22,
    maxdelay=5,
).setServiceParent(application)
