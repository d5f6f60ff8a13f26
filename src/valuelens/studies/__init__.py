"""The studies: each gathers answers through runner/ and returns a typed result (`StudyResult`)."""

from valuelens.studies._compare import RunComparison, RunsComparison, compare
from valuelens.studies._dilemmas import run
from valuelens.studies._load import StoredRun, list_runs, load_run
from valuelens.studies._protocol import StudyResult, export_frame_of
from valuelens.studies._run import Run
from valuelens.studies._steer import Steering, steer
from valuelens.studies._survey import SurveyRun, load_survey_run, survey
from valuelens.studies._sweep import Sweep, SweepCondition, SweepRun, sweep
from valuelens.studies.utilities import UtilitiesRun, fit_utilities, load_utilities_run

__all__ = [
    "Run",
    "RunComparison",
    "RunsComparison",
    "Steering",
    "StoredRun",
    "StudyResult",
    "SurveyRun",
    "Sweep",
    "SweepCondition",
    "SweepRun",
    "UtilitiesRun",
    "compare",
    "export_frame_of",
    "fit_utilities",
    "list_runs",
    "load_run",
    "load_survey_run",
    "load_utilities_run",
    "run",
    "steer",
    "survey",
    "sweep",
]
