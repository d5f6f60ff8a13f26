"""Errors a user can cause; the CLI prints them as one line each and exits with their `exit_code`.

Every class defined in this module that carries an integer `exit_code` is caught by the CLI's one error
boundary (`valuelens.cli._app`); subclass `ValuelensError` for a new kind of user error.
"""

from __future__ import annotations

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


class BackendError(ValuelensError):
    """A backend could not be created or reached (bad model name, missing file, missing extra)."""

    exit_code = 3
