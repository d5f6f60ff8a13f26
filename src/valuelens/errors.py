"""Errors a user or the environment can cause; the CLI prints each as one line and exits with its `exit_code`.

Every class defined in this module that carries an integer `exit_code` is caught by the CLI's one error
boundary (`valuelens.cli._app`); subclass `ValuelensError` for a new kind of user error. Exit codes:
2 for bad input, 1 for the environment (a file that cannot be read or written, a damaged or read-only
store), 3 for a backend that cannot be created or reached, 130 for an interrupt (Ctrl-C).
"""

from __future__ import annotations

import errno
import os

MAX_LINES = 20


class ValuelensError(Exception):
    """A problem the user can fix; `render()` gives the lines to print."""

    exit_code = 1

    def render(self, limit: int = MAX_LINES) -> list[str]:
        return [str(self)]


class InputError(ValuelensError):
    """Bad user input: one `file:line: field: problem` line per problem."""

    exit_code = 2

    def __init__(self, lines: list[str] | str) -> None:
        self.lines = [lines] if isinstance(lines, str) else list(lines)
        super().__init__("\n".join(self.render()))

    def render(self, limit: int = MAX_LINES) -> list[str]:
        shown = self.lines[:limit]
        if len(self.lines) > limit:
            shown.append(f"... and {len(self.lines) - limit} more problems")
        return shown


class EnvironmentProblem(ValuelensError):
    """The environment stopped the command: a path that cannot be written, a damaged store. One line."""

    exit_code = 1

    def __init__(self, line: str) -> None:
        self.line = line
        super().__init__(line)

    def render(self, limit: int = MAX_LINES) -> list[str]:
        return [self.line]


class StoreDamaged(EnvironmentProblem):
    """The store file is not a readable SQLite database (truncated, overwritten, not a store)."""


class Interrupted(ValuelensError):
    """The user stopped the command (Ctrl-C); everything answered so far is in the store."""

    exit_code = 130

    def __init__(self, answered: int | None = None, total: int | None = None) -> None:
        self.answered, self.total = answered, total
        super().__init__(self.render()[0])

    def render(self, limit: int = MAX_LINES) -> list[str]:
        if self.answered is None or self.total is None:
            return ["interrupted; rerun the same command to resume"]
        return [f"interrupted: {self.answered} of {self.total} prompts answered; rerun the same command to resume"]


class BackendError(ValuelensError):
    """A backend could not be created or reached (bad model name, missing file, missing extra)."""

    exit_code = 3


_REASONS = {
    errno.EISDIR: "is a directory",
    errno.ENOTDIR: "a parent of the path is a file, not a directory",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOENT: "no such file or directory",
    errno.EROFS: "read-only file system",
    errno.ENOSPC: "no space left on the device",
    errno.ENAMETOOLONG: "file name too long",
}


def os_reason(exc: OSError) -> str:
    """A short, plain reason for an OSError ("is a directory", "permission denied", ...)."""
    if exc.errno in _REASONS:
        return _REASONS[exc.errno]
    return exc.strerror or (os.strerror(exc.errno) if exc.errno else type(exc).__name__)


class CostLimitReached(ValuelensError):
    """`--max-cost` stopped the run: it is recorded incomplete and a rerun (with a higher limit) resumes it."""

    exit_code = 4
