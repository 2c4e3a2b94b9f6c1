"""The app's repositories: a bare one (the "GitHub") and a working clone, driven with git."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cookbook.errors import CookbookError


class CiError(CookbookError):
    """The CI server or its repository did not do what was asked."""


def git(folder: Path, *args: str) -> str:
    """Run ``git ARGS`` in ``folder`` and return its output.

    Raises:
        CiError: git failed (its message is included).
    """
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Cookbook Reader",
        "GIT_AUTHOR_EMAIL": "reader@example.com",
        "GIT_COMMITTER_NAME": "Cookbook Reader",
        "GIT_COMMITTER_EMAIL": "reader@example.com",
    }
    done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, env=env, timeout=120)
    if done.returncode != 0:
        raise CiError(f"git {' '.join(args)} failed: {(done.stderr or done.stdout).strip()}")
    return done.stdout.strip()


@dataclass(frozen=True)
class Repo:
    """The app's repositories: ``bare`` (what the CI watches) and ``work`` (where we commit)."""

    bare: Path
    work: Path

    def commit(self, message: str, files: dict[str, str] | None = None, remove: tuple[str, ...] = ()) -> str:
        """Write ``files`` (path → text), delete ``remove``, commit, and return the revision."""
        for path, text in (files or {}).items():
            (self.work / path).parent.mkdir(parents=True, exist_ok=True)
            (self.work / path).write_text(text)
        for path in remove:
            (self.work / path).unlink(missing_ok=True)
        git(self.work, "add", "-A")
        git(self.work, "commit", "-q", "-m", message)
        return git(self.work, "rev-parse", "HEAD")

    def push(self) -> str:
        """``git push origin main`` (the hook notifies the CI server); return the pushed revision."""
        git(self.work, "push", "-q", "origin", "main")
        return git(self.work, "rev-parse", "HEAD")


def make_repo(folder: Path, app: Path) -> Repo:
    """Make a bare repository and a clone holding ``app``'s files as the first commit."""
    if folder.exists():
        shutil.rmtree(folder)
    bare, work = folder / "blueprint.git", folder / "work"
    bare.mkdir(parents=True)
    git(bare, "init", "-q", "--bare", "-b", "main")
    shutil.copytree(app, work, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    git(work, "init", "-q", "-b", "main")
    git(work, "remote", "add", "origin", str(bare))
    repo = Repo(bare, work)
    repo.commit("blueprint app with its tests")
    git(work, "push", "-q", "origin", "main")
    return repo
