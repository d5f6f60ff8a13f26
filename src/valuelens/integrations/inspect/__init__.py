"""Inspect (`inspect_ai`) integration: tasks, a scorer with value metrics, and log import.

`inspect eval valuelens/dilemmas --model openai/gpt-4o-mini -T suite=core` runs the dilemmas of a suite,
one sample per dilemma and option order; `import_inspect(LOG)` stores such a log as a valuelens run.
Importing this package does not import `inspect_ai`; the task objects load it on first access.
"""

from __future__ import annotations

from typing import Any

from valuelens.integrations.inspect._import import import_inspect

_LAZY = {
    "dilemmas": "_tasks",
    "outcomes": "_tasks",
    "choice_probability": "_scoring",
    "value_scores": "_scoring",
    "outcome_utilities": "_scoring",
    "position_bias": "_scoring",
}

__all__ = [
    "choice_probability",
    "dilemmas",
    "import_inspect",
    "outcome_utilities",
    "outcomes",
    "position_bias",
    "value_scores",
]


def __getattr__(name: str) -> Any:
    """Load Inspect-dependent names on first use (they need the `inspect` extra)."""
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
