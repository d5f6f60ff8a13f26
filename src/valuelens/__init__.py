"""valuelens: which human values a language model puts first when values conflict, with error bars."""

from valuelens._version import __version__
from valuelens.studies._dilemmas import Run, load_run, run
from valuelens.studies._compare import compare
from valuelens.studies._steer import steer
from valuelens.studies._survey import survey
from valuelens.studies._sweep import sweep
from valuelens.studies.utilities import UtilitiesRun, fit_utilities
from valuelens.annotate import annotate
from valuelens.integrations import import_inspect
from valuelens.suites import load_suite

__all__ = [
    "Run",
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
