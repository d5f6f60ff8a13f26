"""Ask what the store does not answer: one invocation path from backend to finished run, and answer parsing."""

from valuelens.runner._answers import is_refusal, label_distribution, p_first, parse_choice
from valuelens.runner._execute import (
    SAMPLE_MAX_TOKENS,
    SAMPLES_PER_ORDER,
    ExecStats,
    ProgressFn,
    answer_kinds,
    choice_params,
    execute,
    prompt_key,
)
from valuelens.runner._session import Session, check_connection, open_backend, run_id_of, session

__all__ = [
    "SAMPLES_PER_ORDER",
    "SAMPLE_MAX_TOKENS",
    "ExecStats",
    "ProgressFn",
    "Session",
    "answer_kinds",
    "check_connection",
    "choice_params",
    "execute",
    "is_refusal",
    "label_distribution",
    "open_backend",
    "p_first",
    "parse_choice",
    "prompt_key",
    "run_id_of",
    "session",
]
