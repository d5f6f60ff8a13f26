"""Prompt templates, option-order counterbalancing and conditions."""

from valuelens.prompts._dilemma import (
    ANSWER_CUE,
    INSTRUCTION,
    ORDERS,
    PromptJob,
    dilemma_jobs,
    dilemma_prompt,
)
from valuelens.prompts._prompt import LABELS, Condition, Prompt, key_of, read_text_arg

__all__ = [
    "ANSWER_CUE",
    "INSTRUCTION",
    "LABELS",
    "ORDERS",
    "Condition",
    "Prompt",
    "PromptJob",
    "dilemma_jobs",
    "dilemma_prompt",
    "key_of",
    "read_text_arg",
]
