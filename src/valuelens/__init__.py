"""valuelens: which human values a language model puts first when values conflict, with error bars."""

__version__ = "0.1.0"

from valuelens._api import Run, load_run, run
from valuelens._compare_run import compare
from valuelens._drift_run import DriftResult, drift
from valuelens._steer_run import steer
from valuelens._survey_run import survey
from valuelens._sweep import sweep
from valuelens._utilities_run import UtilitiesRun, fit_utilities
from valuelens.annotate import annotate
from valuelens.integrations import import_inspect
from valuelens.suites import load_suite

__all__ = [
    "DriftResult",
    "Run",
    "UtilitiesRun",
    "__version__",
    "annotate",
    "compare",
    "drift",
    "fit_utilities",
    "import_inspect",
    "load_run",
    "load_suite",
    "run",
    "steer",
    "survey",
    "sweep",
]
