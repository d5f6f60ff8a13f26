"""The backend contract: two async methods and declared optional capabilities; anything that has them is a model."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import ClassVar, Protocol, runtime_checkable

from valuelens.backends._prices import Price
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
    """A model behind the two-method contract, with its optional capabilities declared.

    Attributes:
        name: provider/model, e.g. "llamacpp/gemma-3-270m".
        fingerprint: identity for cache keys (model file hash, base_url, parameters).
        reads_annotations: True only for simulated models, whose answers depend on item annotations.
        max_batch: how many prompts one call should carry.
        usage: running counters of calls and tokens.
        max_concurrency: calls the runner may have in flight at once (1 for in-process models).
        price: a `Price` per million tokens, for an estimated cost; None when unknown.
        free_text: True when `generate` works: the backend answers in free text (reasoning allowed),
            read by rule, then by a judge (`--answer free`).
        batch_submission: True when the provider takes a batch of requests and answers later: `--batch` sends
            the prompts through its batch API (`backends._batch_types.batch_client`); False refuses `--batch`.

    `choice_logprobs` may return `Logprobs` whose `bounded` labels are only upper bounds, and `None`
    for a prompt whose labels are not among the provider's top log-probabilities: the runner samples
    only those prompts.
    Subclass `BackendBase` for the defaults of every optional capability.
    """

    name: str
    fingerprint: str
    reads_annotations: bool
    max_batch: int
    usage: Usage
    max_concurrency: int
    price: Price | None
    free_text: bool
    batch_submission: bool

    async def choice_logprobs(
        self, prompts: list[Prompt], labels: list[str]
    ) -> list[dict[str, float] | Failed | None] | None:
        """Log-probability of each label as the answer to each prompt (None for a prompt to sample
        instead); None if the provider has none."""
        ...

    async def sample(self, prompts: list[Prompt], n: int, max_tokens: int) -> list[list[str] | Failed]:
        """`n` sampled completions of at most `max_tokens` tokens for each prompt."""
        ...

    async def generate(self, prompts: list[Prompt], n: int, max_tokens: int) -> list[list[str] | Failed]:
        """`n` free-text answers of at most `max_tokens` tokens for each prompt, reasoning included
        (wrapped in <think> tags when the provider returns it apart); only when `free_text` is True."""
        ...

    async def aclose(self) -> None:
        """Close connections bound to the current event loop (the runner calls it after each execution)."""
        ...

    def close(self) -> None:
        """Release the model (threads, memory, connections)."""
        ...


class BackendBase:
    """Defaults of the optional capabilities: one call at a time, no price, no free text, no batches,
    nothing to close."""

    reads_annotations: bool = False
    max_batch: int = 1
    max_concurrency: int = 1
    price: Price | None = None
    free_text: ClassVar[bool] = False
    batch_submission: ClassVar[bool] = False

    async def generate(self, prompts: list[Prompt], n: int, max_tokens: int) -> list[list[str] | Failed]:
        raise NotImplementedError(f"{type(self).__name__} cannot generate free text")

    async def aclose(self) -> None:
        return None

    def close(self) -> None:
        return None
