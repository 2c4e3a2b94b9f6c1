"""The executable Docker cookbook: helpers shared by the chapter notebooks.

A notebook needs one import line, ``import cookbook as cb``; the names below are the
public API, each defined in the module of its concern.
"""

from cookbook import errors, images, labels, shell, waits
from cookbook.containers import remove, run, run_to_exit
from cookbook.engine import connect, publish_ip, published_host
from cookbook.reader import exercises, show
from cookbook.reader.recipe import Recipe
from cookbook.reader.session import start
from cookbook.shell import docker

__all__ = [
    "Recipe",
    "connect",
    "docker",
    "errors",
    "exercises",
    "images",
    "labels",
    "publish_ip",
    "published_host",
    "remove",
    "run",
    "run_to_exit",
    "shell",
    "show",
    "start",
    "waits",
]
