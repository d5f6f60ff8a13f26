"""Inspect's mock model answering like a deterministic two-option model, with or without log-probabilities.

Import it only after `pytest.importorskip("inspect_ai")`: it imports inspect_ai.
"""

from __future__ import annotations

import math
import random
from typing import Any

from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessageAssistant,
    GenerateConfig,
    Logprob,
    Logprobs,
    ModelOutput,
    ModelUsage,
    TopLogprob,
    get_model,
)
from tests.servers.openai_fake import p_first


def user_text(messages: list[Any]) -> str:
    return "\n".join(m.text for m in messages if m.role == "user")


def mock_output(messages: list[Any], logprobs: bool, text: str | None = None) -> ModelOutput:
    """P(A) = p_first(user text); top log-probabilities of the first token when `logprobs`, else a sampled letter."""
    p = p_first(user_text(messages))
    answer = text if text is not None else ("A" if random.Random(user_text(messages)).random() < p else "B")
    lp = None
    if logprobs:
        top = [
            TopLogprob(token=" A", logprob=math.log(0.9 * p)),
            TopLogprob(token=" B", logprob=math.log(0.9 * (1 - p))),
            TopLogprob(token=" I", logprob=math.log(0.05)),
        ]
        lp = Logprobs(content=[Logprob(token=" A", logprob=top[0].logprob, top_logprobs=top)])
    # usage given: the mock model would otherwise count tokens with tiktoken, which downloads its tables
    return ModelOutput(
        model="mockllm",
        choices=[ChatCompletionChoice(message=ChatMessageAssistant(content=answer), logprobs=lp)],
        usage=ModelUsage(input_tokens=10, output_tokens=1, total_tokens=11),
    )


def mock_model(logprobs: bool = True, text: str | None = None) -> Any:
    """Inspect's mockllm/model giving these answers (log-probabilities only when the task asks for them)."""

    def answer(messages: list[Any], tools: Any, tool_choice: Any, config: GenerateConfig) -> ModelOutput:
        return mock_output(messages, logprobs and bool(config.logprobs), text)

    return get_model("mockllm/model", custom_outputs=answer, memoize=False)
