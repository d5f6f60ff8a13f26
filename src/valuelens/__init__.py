"""valuelens: which human values a language model puts first when values conflict, with error bars."""

from valuelens._version import __version__
from valuelens.annotate import annotate
from valuelens.integrations import import_inspect
from valuelens.studies import (
    Run,
    RunsComparison,
    Steering,
    StudyResult,
    SurveyRun,
    Sweep,
    UtilitiesRun,
    compare,
    fit_utilities,
    load_run,
    run,
    steer,
    survey,
    sweep,
)
from valuelens.suites import load_suite

__all__ = [
    "Run",
    "RunsComparison",
    "Steering",
    "StudyResult",
    "SurveyRun",
    "Sweep",
    "UtilitiesRun",
    "__version__",
    "annotate",
    "compare",
    "fit_utilities",
    "import_inspect",
    "load_run",
    "load_suite",
    "run",
    "steer",
    "survey",
    "sweep",
]
