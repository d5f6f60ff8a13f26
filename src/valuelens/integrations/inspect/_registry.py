"""Inspect entry point (`[project.entry-points.inspect_ai] valuelens = ...`): importing this module
registers the tasks `valuelens/dilemmas` and `valuelens/outcomes` with Inspect."""

from valuelens.integrations.inspect._scoring import choice_probability, outcome_utilities, position_bias, value_scores
from valuelens.integrations.inspect._tasks import dilemmas, outcomes

__all__ = ["choice_probability", "dilemmas", "outcome_utilities", "outcomes", "position_bias", "value_scores"]
