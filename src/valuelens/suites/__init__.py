"""Suites: schemas, loaders and the bundled content."""

from valuelens.suites._content import (
    Outcome,
    Persona,
    Principle,
    SurveyItem,
    load_outcomes_bundled,
    load_personas,
    load_principles,
    load_survey,
    resolve_persona,
    resolve_principle,
)
from valuelens.suites._load import bundled_path, load_suite, parse_dilemmas
from valuelens.suites._schema import Action, Dilemma, Paraphrase, Suite

__all__ = [
    "Action",
    "Dilemma",
    "Outcome",
    "Paraphrase",
    "Persona",
    "Principle",
    "Suite",
    "SurveyItem",
    "bundled_path",
    "load_outcomes_bundled",
    "load_personas",
    "load_principles",
    "load_suite",
    "load_survey",
    "parse_dilemmas",
    "resolve_persona",
    "resolve_principle",
]
