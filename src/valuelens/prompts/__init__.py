"""Prompt templates, option-order counterbalancing and conditions."""

from valuelens.prompts._dailydilemmas import PROTOCOL_INSTRUCTION, PROTOCOL_LABELS, protocol_prompt
from valuelens.prompts._dilemma import (
    ANSWER_CUE,
    INSTRUCTION,
    ORDERS,
    PromptJob,
    dilemma_jobs,
    dilemma_prompt,
)
from valuelens.prompts._outcomes import (
    OUTCOME_INSTRUCTION,
    OUTCOME_QUESTION,
    PAIR_SEPARATOR,
    outcome_jobs,
    outcome_prompt,
    pair_item_id,
)
from valuelens.prompts._prompt import LABELS, Condition, Prompt, key_of, read_text_arg
from valuelens.prompts._relevance import QUESTIONS, YES_NO, relevance_prompt
from valuelens.prompts._survey import (
    ANCHORS,
    SCALE_LABELS,
    SCALE_ORDERS,
    SURVEY_INSTRUCTION,
    agreement,
    survey_jobs,
    survey_prompt,
)

__all__ = [
    "ANCHORS",
    "ANSWER_CUE",
    "INSTRUCTION",
    "LABELS",
    "ORDERS",
    "OUTCOME_INSTRUCTION",
    "OUTCOME_QUESTION",
    "PAIR_SEPARATOR",
    "PROTOCOL_INSTRUCTION",
    "PROTOCOL_LABELS",
    "QUESTIONS",
    "SCALE_LABELS",
    "SCALE_ORDERS",
    "SURVEY_INSTRUCTION",
    "YES_NO",
    "Condition",
    "Prompt",
    "PromptJob",
    "agreement",
    "dilemma_jobs",
    "dilemma_prompt",
    "key_of",
    "outcome_jobs",
    "outcome_prompt",
    "pair_item_id",
    "protocol_prompt",
    "read_text_arg",
    "relevance_prompt",
    "survey_jobs",
    "survey_prompt",
]
