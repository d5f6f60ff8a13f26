"""Pure statistics over choice tables: scores, utilities, intervals, reliability, comparison."""

from valuelens.analysis._active import ActivePairSelector, random_pairs
from valuelens.analysis._answer_agreement import AnswerAgreement, answer_agreement
from valuelens.analysis._coherence import (
    cycle_probability,
    decisiveness,
    exchange_rates,
    holdout_metrics,
    preference_matrix,
    split_holdout,
)
from valuelens.analysis._compare import (
    Comparison,
    aitchison_distance,
    closure,
    compare_tables,
    geometric_mean_aggregate,
    priority_composition,
)
from valuelens.analysis._compositions import compositions
from valuelens.analysis._dd_protocol import action_one_share, greedy_table, protocol_scores
from valuelens.analysis._drift import Drift, align_series, value_drift
from valuelens.analysis._graph import MoralGraph, moral_graph, pagerank
from valuelens.analysis._intervals import N_BOOT, N_BOOT_STUDY, bootstrap_mean, interval_sign, wilson_interval
from valuelens.analysis._linalg import holm
from valuelens.analysis._reliability import (
    Consistency,
    SplitHalf,
    js_distance,
    order_consistency,
    paraphrase_consistency,
    reliability_verdict,
    split_half_reliability,
)
from valuelens.analysis._scores import Estimate, ValueScore, position_bias, value_scores
from valuelens.analysis._steer import SteeringEffect, steering_effect
from valuelens.analysis._survey import SayDoGap, SurveyScores, say_do_gap, score_survey
from valuelens.analysis._table import ChoiceTable
from valuelens.analysis._thurstone import ThurstonianModel
from valuelens.analysis._value_utilities import ValueUtilities, dimension_scores, fit_value_utilities
from valuelens.analysis._verdicts import (
    Verdict,
    comparison_verdict,
    reliability_level,
    say_do_verdict,
    steering_verdict,
)

__all__ = [
    "N_BOOT",
    "N_BOOT_STUDY",
    "ActivePairSelector",
    "AnswerAgreement",
    "ChoiceTable",
    "Comparison",
    "Consistency",
    "Drift",
    "Estimate",
    "MoralGraph",
    "SayDoGap",
    "SplitHalf",
    "SteeringEffect",
    "SurveyScores",
    "ThurstonianModel",
    "ValueScore",
    "ValueUtilities",
    "Verdict",
    "action_one_share",
    "aitchison_distance",
    "align_series",
    "answer_agreement",
    "bootstrap_mean",
    "closure",
    "compare_tables",
    "comparison_verdict",
    "compositions",
    "cycle_probability",
    "decisiveness",
    "dimension_scores",
    "exchange_rates",
    "fit_value_utilities",
    "geometric_mean_aggregate",
    "greedy_table",
    "holdout_metrics",
    "holm",
    "interval_sign",
    "js_distance",
    "moral_graph",
    "order_consistency",
    "pagerank",
    "paraphrase_consistency",
    "position_bias",
    "preference_matrix",
    "priority_composition",
    "protocol_scores",
    "random_pairs",
    "reliability_level",
    "reliability_verdict",
    "say_do_gap",
    "say_do_verdict",
    "score_survey",
    "split_half_reliability",
    "split_holdout",
    "steering_effect",
    "steering_verdict",
    "value_drift",
    "value_scores",
    "wilson_interval",
]
