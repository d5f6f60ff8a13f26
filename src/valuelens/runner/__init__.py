"""Ask what the store does not answer: one invocation path from backend to finished run, and answer parsing."""

from valuelens.runner._answers import is_refusal, label_distribution, p_first, parse_choice
from valuelens.runner._costs import PartCost, cost_fields, stored_cost_fields, usd
from valuelens.runner._execute import (
    SAMPLE_MAX_TOKENS,
    SAMPLES_PER_ORDER,
    ExecStats,
    ProgressFn,
    answer_kinds,
    choice_params,
    execute,
    logprob_result,
    prompt_key,
    samples_result,
)
from valuelens.runner._plan import Plan, plan
from valuelens.runner._plans import PlannedRun, PlanSet
from valuelens.runner._scale import PlanCollector, PlanReady, Scale, check_scale, current_scale, scaled
from valuelens.runner._session import Session, check_connection, open_backend, run_id_of, session
from valuelens.runner._shard import Shard, in_shard, parse_shard

__all__ = [
    "SAMPLES_PER_ORDER",
    "SAMPLE_MAX_TOKENS",
    "ExecStats",
    "PartCost",
    "Plan",
    "PlanCollector",
    "PlanReady",
    "PlanSet",
    "PlannedRun",
    "ProgressFn",
    "Scale",
    "Session",
    "Shard",
    "answer_kinds",
    "check_connection",
    "check_scale",
    "choice_params",
    "cost_fields",
    "current_scale",
    "execute",
    "in_shard",
    "is_refusal",
    "label_distribution",
    "logprob_result",
    "open_backend",
    "p_first",
    "parse_choice",
    "parse_shard",
    "plan",
    "prompt_key",
    "run_id_of",
    "samples_result",
    "scaled",
    "session",
    "stored_cost_fields",
    "usd",
]
