"""The one protocol every study result follows, so that show, report and export treat them alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from valuelens.backends import template_of
from valuelens.errors import InputError


def prompt_format(fingerprint: str) -> dict[str, str]:
    """The summary key "template": how the run's prompts reached the model (raw text, a chat template
    and its hash, the server's template; see `valuelens.backends.template_of`); {} where it does not arise."""
    template = template_of(fingerprint)
    return {"template": template} if template else {}


@runtime_checkable
class StudyResult(Protocol):
    """What every study returns.

    Attributes:
        run_id: the stored run's id; for a study over several runs, their ids joined by '+'.
        kind: "dilemmas", "survey", "utilities", "steer", "comparison" or "sweep".
    """

    @property
    def run_id(self) -> str: ...

    @property
    def kind(self) -> str: ...

    def summary(self) -> dict[str, Any]:
        """The result as one JSON-ready object (what --json prints)."""
        ...

    def report_data(self) -> dict[str, Any]:
        """What the HTML report reads: the summary and what only the page shows."""
        ...

    @property
    def frame_names(self) -> tuple[str, ...]:
        """The tables `frames` can build, the one-row-per-answer table first."""
        ...

    def frames(self, *names: str) -> dict[str, Any]:
        """The named tables (all when none is named) as pandas DataFrames (what `valuelens export --table` writes)."""
        ...


def pick_frames(kind: str, builders: dict[str, Callable[[], Any]], names: tuple[str, ...]) -> dict[str, Any]:
    """Build only the named frames (all when `names` is empty).

    Raises:
        InputError: a name the result has no table for.
    """
    for n in names:
        if n not in builders:
            raise InputError(f"--table: unknown table '{n}' for a {kind} run (choose {' or '.join(builders)})")
    return {n: build() for n, build in builders.items() if not names or n in names}


def export_frame_of(result: StudyResult, table: str | None) -> tuple[str, Any]:
    """(name, DataFrame) of the named table of a result, or of its first table when `table` is None.

    Raises:
        InputError: a name the result has no table for.
    """
    name = table or result.frame_names[0]
    return name, result.frames(name)[name]
