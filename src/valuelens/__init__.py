"""valuelens: which human values a language model puts first when values conflict, with error bars."""

__version__ = "0.1.0"

from valuelens._api import Run, load_run, run
from valuelens.suites import load_suite

__all__ = ["Run", "__version__", "load_run", "load_suite", "run"]
