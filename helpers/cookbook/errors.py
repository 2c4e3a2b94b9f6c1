"""The cookbook's exceptions: one root, short messages that name the problem and the fix.

Every error renders as a single line in a notebook (``_render_traceback_``), so a
reader sees what went wrong and what to do instead of a wall of traceback.
"""

from __future__ import annotations


class CookbookError(Exception):
    """Root of every error the cookbook raises on purpose.

    Args:
        message: What went wrong, in one sentence.
        fix: What the reader can do about it, in one sentence (optional).
    """

    def __init__(self, message: str, fix: str | None = None) -> None:
        self.message = message
        self.fix = fix
        super().__init__(self.line())

    def line(self) -> str:
        """Return the one-line text shown to a reader."""
        text = f"{type(self).__name__}: {self.message}"
        return f"{text} Fix: {self.fix}" if self.fix else text

    def _render_traceback_(self) -> list[str]:
        """IPython hook: show one line instead of the traceback."""
        return [self.line()]


class NoEngine(CookbookError):
    """No Docker Engine answers where we looked."""


class ImageBuildError(CookbookError):
    """An image recipe failed; carries the failing step and the tail of its output."""

    def __init__(self, image: str, step: str, tail: str) -> None:
        self.image = image
        self.step = step
        self.tail = tail
        super().__init__(
            f"building {image!r} failed at step: {step}\n{tail}",
            f"read the step's output above, then run `cookbook images build {image}` again.",
        )


class WaitTimeout(CookbookError):
    """A readiness wait ran out of time."""


class BadParameter(CookbookError):
    """A parameter (widget value, papermill parameter, CLI argument) is not acceptable."""


class CheckFailed(CookbookError, AssertionError):
    """A recipe's check did not hold: the recipe's outcome is not what it should be."""


class CommandFailed(CookbookError):
    """A docker command the executor ran exited with a non-zero status.

    Attributes:
        line: The command as the reader sees it.
        exit_code: Its exit status.
        stderr: What it wrote to standard error.
    """

    def __init__(self, line: str, exit_code: int, stderr: str) -> None:
        self.line_shown = line
        self.exit_code = exit_code
        self.stderr = stderr
        lines = [text.strip() for text in stderr.splitlines() if text.strip()]
        hints = ("Run 'docker", "See 'docker")  # the CLI's pointer to --help says nothing of the cause
        said = next((text for text in reversed(lines) if not text.startswith(hints)), "no message")
        super().__init__(f"`{line}` failed with exit status {exit_code}: {said}", "read the command's output above.")


class MissingProgram(CookbookError):
    """A program the cookbook runs is not installed; the message names the package that brings it."""

    def __init__(self, program: str, package: str) -> None:
        super().__init__(
            f"the `{program}` program is not installed.",
            f"install the {package} package (as root on Debian/Ubuntu: apt-get install {package}), or put `{program}` on PATH.",
        )


class ContainerFailed(CookbookError):
    """The engine refused to create or start a container (busy port, bad option, ...)."""


class SandboxFailed(CookbookError):
    """A sandbox engine (Docker-in-Docker) or a cluster of them did not come up; carries the daemon's last log lines."""

    def __init__(self, message: str, tail: str = "", fix: str | None = None) -> None:
        self.tail = tail
        super().__init__(f"{message}\n{tail}" if tail else message, fix)
