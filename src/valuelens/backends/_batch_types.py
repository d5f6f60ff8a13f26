"""What every provider batch client shares: the request lines it builds, the state it polls, the
per-request results it reads back. The clients live in `_batch_openai` and `_batch_anthropic`;
`batch_client` picks one for a backend that declares `batch_submission` (None for one that does not)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from valuelens.backends._base import Backend, Failed, Logprobs
from valuelens.errors import InputError
from valuelens.prompts import Prompt

LOGPROBS = "logprobs"
SAMPLE = "sample"
NO_LABEL = "no label among the top log-probabilities"


@dataclass(frozen=True)
class BatchState:
    """A batch as last polled: `ended` once the provider will do no more work on it."""

    batch_id: str
    status: str
    ended: bool
    done: int
    total: int
    reason: str = ""  # why the whole batch failed or ended early, when it did


@dataclass(frozen=True)
class LineResult:
    """One request's outcome: log-probabilities, sampled texts, or an error (`error` set)."""

    custom_id: str
    logprobs: Logprobs | None = None
    texts: tuple[str, ...] = ()
    error: str | None = None
    no_label: bool = False  # a log-probability answer that named no label: ask by sampling instead
    tokens_prompt: int = 0
    tokens_completion: int = 0


class BatchClient(Protocol):
    """A provider's batch API as the batch executor uses it."""

    provider: str
    default_mode: str

    def lines(
        self, custom_id: str, prompt: Prompt, mode: str, samples: int, max_tokens: int
    ) -> list[tuple[str, dict[str, Any]]]:
        """The request lines (custom id, line) that ask `prompt` once in `mode`."""
        ...

    async def submit(self, lines: list[dict[str, Any]]) -> str | Failed:
        """Create a batch of `lines`; its id, or why it could not be created."""
        ...

    async def poll(self, batch_id: str) -> BatchState | Failed: ...

    async def results(
        self, state: BatchState, asked: dict[str, tuple[tuple[str, ...], str]]
    ) -> list[LineResult] | Failed:
        """Every result the provider has for an ended batch (`asked`: custom id -> (answer labels, mode))."""
        ...


def batch_client(backend: Backend) -> BatchClient | None:
    """The batch client of a backend that declares `batch_submission`; None for one that declares none.

    The declaration decides whether a backend's prompts may go through a batch API; its provider which
    one (OpenAI's Batch API for openai/, Anthropic's Message Batches for anthropic/).

    Raises:
        InputError: the backend declares batch submission, but valuelens has no client for its provider.
    """
    if not backend.batch_submission:
        return None
    from valuelens.backends.anthropic import AnthropicBackend
    from valuelens.backends.openai import OpenAIBackend

    if isinstance(backend, OpenAIBackend):
        from valuelens.backends._batch_openai import OpenAIBatch

        return OpenAIBatch(backend)
    if isinstance(backend, AnthropicBackend):
        from valuelens.backends._batch_anthropic import AnthropicBatch

        return AnthropicBatch(backend)
    raise InputError(
        f"--batch: {backend.name} declares batch submission, but valuelens has batch clients for "
        "openai/ and anthropic/ models only"
    )
