"""The backend contract: two async methods; anything that implements them is a model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from valuelens.prompts import Prompt


@dataclass(frozen=True)
class Failed:
    """A prompt that ended without an answer; `reason` is stored and reported, never secrets."""

    reason: str


@dataclass
class Usage:
    """Counters a backend keeps while it works (read by the runner before and after a batch)."""

    calls: int = 0
    tokens_prompt: int = 0
    tokens_evaluated: int = 0

    def since(self, before: Usage) -> Usage:
        return Usage(
            self.calls - before.calls,
            self.tokens_prompt - before.tokens_prompt,
            self.tokens_evaluated - before.tokens_evaluated,
        )

    def copy(self) -> Usage:
        return Usage(self.calls, self.tokens_prompt, self.tokens_evaluated)


@runtime_checkable
class Backend(Protocol):
    """A model behind the two-method contract.

    Attributes:
        name: provider/model, e.g. "llamacpp/gemma-3-270m".
        fingerprint: identity for cache keys (model file hash, base_url, parameters).
        reads_annotations: True only for simulated models, whose answers depend on item annotations.
        max_batch: how many prompts one call should carry.
        usage: running counters of calls and tokens.
    """

    name: str
    fingerprint: str
    reads_annotations: bool
    max_batch: int
    usage: Usage

    async def choice_logprobs(self, prompts: list[Prompt], labels: list[str]) -> list[dict[str, float] | Failed] | None:
        """Log-probability of each label as the answer to each prompt; None if the provider has none."""
        ...

    async def sample(self, prompts: list[Prompt], n: int, max_tokens: int) -> list[list[str] | Failed]:
        """`n` sampled completions of at most `max_tokens` tokens for each prompt."""
        ...

    def close(self) -> None:
        """Release the model (threads, memory, connections)."""
        ...
