"""The backend contract: two async methods; anything that implements them is a model."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from valuelens.prompts import Prompt


@dataclass(frozen=True)
class Failed:
    """A prompt that ended without an answer; `reason` is stored and reported, never secrets."""

    reason: str


class Logprobs(dict[str, float]):
    """Label -> log-probability; `bounded` names labels absent from the provider's top-k, whose value
    is only an upper bound (the smallest returned log-probability)."""

    bounded: tuple[str, ...] = ()


class Refusal(str):
    """A sampled answer that the provider flagged as a refusal (its text may be empty)."""


@dataclass
class Usage:
    """Counters a backend keeps while it works (read by the runner before and after a batch)."""

    calls: int = 0
    tokens_prompt: int = 0
    tokens_evaluated: int = 0
    tokens_completion: int = 0

    def since(self, before: Usage) -> Usage:
        return Usage(
            self.calls - before.calls,
            self.tokens_prompt - before.tokens_prompt,
            self.tokens_evaluated - before.tokens_evaluated,
            self.tokens_completion - before.tokens_completion,
        )

    def copy(self) -> Usage:
        return Usage(self.calls, self.tokens_prompt, self.tokens_evaluated, self.tokens_completion)

    def add(self, calls: int = 0, prompt: int = 0, evaluated: int = 0, completion: int = 0) -> None:
        self.calls += calls
        self.tokens_prompt += prompt
        self.tokens_evaluated += evaluated
        self.tokens_completion += completion


task_usage: ContextVar[Usage | None] = ContextVar("valuelens_task_usage", default=None)
"""Usage of the batch the current task is asking (set by the runner), so that concurrent batches
are counted apart; backends that serve several batches at once count through `count_usage`."""


def count_usage(usage: Usage, calls: int = 0, prompt: int = 0, evaluated: int = 0, completion: int = 0) -> None:
    """Add to a backend's running `usage` and to the current batch's usage, if the runner set one."""
    usage.add(calls, prompt, evaluated, completion)
    scoped = task_usage.get()
    if scoped is not None:
        scoped.add(calls, prompt, evaluated, completion)


@runtime_checkable
class Backend(Protocol):
    """A model behind the two-method contract.

    Attributes:
        name: provider/model, e.g. "llamacpp/gemma-3-270m".
        fingerprint: identity for cache keys (model file hash, base_url, parameters).
        reads_annotations: True only for simulated models, whose answers depend on item annotations.
        max_batch: how many prompts one call should carry.
        usage: running counters of calls and tokens.

    Optional attributes (read with getattr): `max_concurrency` (calls the runner may have in flight
    at once; default 1) and `price` (a `Price` per million tokens, for an estimated cost).
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
