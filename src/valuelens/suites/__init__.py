"""Suites: schemas, loaders and the bundled content."""

from valuelens.suites._catalog import list_suites
from valuelens.suites._content import (
    Outcome,
    Persona,
    Principle,
    SurveyItem,
    load_outcomes,
    load_outcomes_bundled,
    load_personas,
    load_principles,
    load_survey,
    resolve_persona,
    resolve_principle,
)
from valuelens.suites._dailydilemmas import (
    dilemmas_from_rows,
    load_dailydilemmas_csv,
    load_dailydilemmas_hf,
    map_value,
    parse_value_list,
    split_question,
)
from valuelens.suites._load import bundled_path, load_suite, parse_dilemmas
from valuelens.suites._outcomes import detect_series, read_outcome_tree
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
    "detect_series",
    "dilemmas_from_rows",
    "list_suites",
    "load_dailydilemmas_csv",
    "load_dailydilemmas_hf",
    "load_outcomes",
    "load_outcomes_bundled",
    "load_personas",
    "load_principles",
    "load_suite",
    "load_survey",
    "map_value",
    "parse_dilemmas",
    "parse_value_list",
    "read_outcome_tree",
    "resolve_persona",
    "resolve_principle",
    "split_question",
]
