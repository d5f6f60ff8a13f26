"""Annotate new scenarios with the lexicon values each action serves, and write them as a suite."""

from valuelens.annotate._annotate import Annotation, ScenarioAnnotation, annotate
from valuelens.annotate._input import Scenario, ScenarioAction, load_scenarios
from valuelens.annotate._mapping import Mapped, ValueEmbedder, embedding_available, map_names
from valuelens.annotate._select import evidence, select_values

__all__ = [
    "Annotation",
    "Mapped",
    "Scenario",
    "ScenarioAction",
    "ScenarioAnnotation",
    "ValueEmbedder",
    "annotate",
    "embedding_available",
    "evidence",
    "load_scenarios",
    "map_names",
    "select_values",
]
