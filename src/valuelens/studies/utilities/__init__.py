"""Utilities over outcomes, end to end: elicit forced choices through the store, fit, judge coherence.

`fit_utilities` asks pairs chosen by active selection in both orders and fits a Thurstonian model;
`load_utilities_run` reads a stored run back (no model calls);
`valuelens.report.print_utilities` is its terminal view.
"""

from valuelens.studies.utilities._elicit import fit_utilities, heldout_pairs, load_utilities_run
from valuelens.studies.utilities._labels import HELDOUT, LOGPROB_VOTES, TRAINING, PairLabels, pair_labels
from valuelens.studies.utilities._result import UtilitiesRun

__all__ = [
    "HELDOUT",
    "LOGPROB_VOTES",
    "TRAINING",
    "PairLabels",
    "UtilitiesRun",
    "fit_utilities",
    "heldout_pairs",
    "load_utilities_run",
    "pair_labels",
]
