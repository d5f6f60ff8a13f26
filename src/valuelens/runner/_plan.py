"""The dry-run planner (`--dry-run`): what a run would ask and what it would cost, without asking.

`plan(backend, prompts, store)` counts the prompts, how many the store already answers, their prompt
tokens (exact with a local GGUF model's own tokenizer, else an estimate marked as such), the
estimated cost with the price table and its date, and for local models an estimated time from a
short measured prefill. Free-text answers (a `RequestShape` with `generation`) count their output at its
limit (samples x max tokens): the plan says "at most", and gives no local time (no generation rate is
measured). It never calls a remote model.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any, Protocol, runtime_checkable

from valuelens.backends import Backend
from valuelens.backends._prices import current_prices
from valuelens.prompts import Prompt
from valuelens.runner._execute import SAMPLE_MAX_TOKENS, SAMPLES_PER_ORDER
from valuelens.store import Store

CHARS_PER_TOKEN = 4.0  # English text in BPE vocabularies of current chat models: about 4 characters a token
MESSAGE_OVERHEAD = 4  # role and separator tokens a chat API adds per message
ESTIMATE = f"estimate: {CHARS_PER_TOKEN:g} characters per token"
PREFILL_PROMPTS = 3


@runtime_checkable
class LocalTokenizer(Protocol):
    """A backend that evaluates prompts in process (llama.cpp): its own tokenizer and prefill."""

    def chunks(self, prompt: Prompt) -> tuple[tuple[int, ...], ...]: ...

    def score_chunks(self, prompts: list[tuple[tuple[int, ...], ...]], labels: list[str]) -> list[list[float]]: ...


@dataclass(frozen=True)
class RequestShape:
    """How one prompt is asked: `requests` calls and `completion_tokens` output tokens per prompt on
    the usual path, and at most `worst_requests` / `worst_completion_tokens` (every prompt sampled).
    `generation`: free text, whose output is counted at its limit (an upper bound, not an estimate)."""

    requests: int
    completion_tokens: int
    worst_requests: int
    worst_completion_tokens: int
    how: str
    generation: bool = False


def request_shape(backend: Backend, samples: int = SAMPLES_PER_ORDER) -> RequestShape:
    """Requests and output tokens per prompt for this backend (log-probabilities, else K samples)."""
    from valuelens.backends.anthropic import AnthropicBackend
    from valuelens.backends.openai import OpenAIBackend

    sampled = samples * SAMPLE_MAX_TOKENS
    if isinstance(backend, AnthropicBackend):  # one request per sample, no log-probabilities
        return RequestShape(samples, sampled, samples, sampled, f"{samples} samples per prompt")
    if isinstance(backend, OpenAIBackend):
        if backend.options.get("logprobs") == "off":
            return RequestShape(1, sampled, 1, sampled, f"{samples} samples per prompt (n={samples})")
        return RequestShape(
            1, 1, 2, 1 + sampled, "first-token log-probabilities; samples where no label is in the top-k"
        )
    return RequestShape(1, 1, 1, 1, "label log-probabilities")


def generation_shape(backend: Backend, samples: int, max_tokens: int) -> RequestShape:
    """Requests and output tokens per prompt of `samples` free-text answers of up to `max_tokens` tokens
    (an Anthropic model's thinking budget comes on top); output counted at its limit."""
    from valuelens.backends.anthropic import AnthropicBackend
    from valuelens.backends.openai import OpenAIBackend

    if isinstance(backend, AnthropicBackend):
        each = max_tokens + backend.thinking
        return RequestShape(
            samples, samples * each, samples, samples * each, _free_how(samples, each, "one request each"), True
        )
    out = samples * max_tokens
    how = _free_how(samples, max_tokens, "in one request (n)" if isinstance(backend, OpenAIBackend) else "")
    # a server that ignores n is asked again for the missing answers: at most one request per sample
    worst = samples if isinstance(backend, OpenAIBackend) else 1
    return RequestShape(1, out, worst, out, how, True)


def _free_how(samples: int, each: int, per: str) -> str:
    how = f"{samples} free-text answers per prompt{' ' + per if per else ''}, each at most {each:,} tokens"
    return how + " (output counted at its limit)"


def estimate_prompt_tokens(prompt: Prompt) -> int:
    """Prompt tokens of a chat request, estimated from its characters."""
    chars = len(prompt.user) + len(prompt.system or "")
    messages = 2 if prompt.system else 1
    return math.ceil(chars / CHARS_PER_TOKEN) + MESSAGE_OVERHEAD * messages


@dataclass(frozen=True)
class Plan:
    """What a run would do. Costs are USD at the dated price table; `None` where no price is known."""

    model: str
    prompts: int
    cached: int
    failed_before: int
    to_ask: int
    requests: int
    how: str
    tokens_prompt: int
    tokens_exact: bool
    tokens_method: str
    tokens_completion: int
    tokens_completion_max: int
    at_most: bool
    cost_usd: float | None
    cost_usd_max: float | None
    batch: bool
    prices_date: str | None
    prices_source: str | None
    seconds: float | None
    seconds_method: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def lines(self) -> list[str]:
        """The dry run as short lines for the terminal."""
        tokens = f"{self.tokens_prompt:,} prompt tokens ({'exact' if self.tokens_exact else self.tokens_method})"
        out = [
            f"{self.model}: {self.prompts} prompts, {self.cached} answered in the store, {self.to_ask} to ask "
            f"({self.failed_before} of them failed before); {self.requests:,} requests ({self.how}); {tokens}; "
            + output_tokens(self.tokens_completion, self.tokens_completion_max, self.at_most)
        ]
        if self.cost_usd is not None:
            batch = ", batch price" if self.batch else ""
            out.append(f"{cost_text(self.cost_usd, self.cost_usd_max, self.at_most)}{batch}; " + self.prices())
        else:
            out.append(f"estimated cost: no price for this model (prices of {self.prices_date})")
        if self.seconds is not None:
            out.append(f"estimated time {self.seconds:.0f} s ({self.seconds_method})")
        elif self.seconds_method:
            out.append(f"estimated time: {self.seconds_method}")
        return out

    def prices(self) -> str:
        return f"prices of {self.prices_date} ({self.prices_source})"


def output_tokens(estimate: int, most: int, at_most: bool) -> str:
    """Output tokens in words: "8 output tokens (at most 328)"; with free text (`at_most`: output counted
    at its limit) only the bound, "at most 20,480 output tokens"."""
    if at_most:
        return f"at most {most:,} output tokens"
    return f"{estimate:,} output tokens" + (f" (at most {most:,})" if most != estimate else "")


def cost_text(usd: float, usd_max: float | None, at_most: bool) -> str:
    """A cost in words: "estimated cost $0.0012 (at most $0.0040)"; with free text only the bound,
    "cost at most $0.0400" (it may also cover a server that ignores n and is asked again)."""
    if at_most and usd_max is not None:
        return f"cost at most ${usd_max:.4f}"
    return f"estimated cost ${usd:.4f}" + ("" if usd_max is None else f" (at most ${usd_max:.4f})")


def count_tokens(backend: Backend, prompts: list[Prompt]) -> tuple[int, bool, str]:
    """(tokens, exact, method): the model's own tokenizer where the backend has one, else an estimate."""
    if isinstance(backend, LocalTokenizer):
        return sum(sum(map(len, backend.chunks(p))) for p in prompts), True, "model tokenizer"
    return sum(estimate_prompt_tokens(p) for p in prompts), False, ESTIMATE


def measure_prefill(backend: Backend, prompts: list[Prompt]) -> tuple[float, int] | None:
    """(seconds, tokens evaluated) for a few prompts, as a run evaluates them; None without prompts.

    Evaluated in a worker thread, as the runner does (on this machine llama.cpp ran 10x slower on the
    main thread), after one warm-up prompt. The backend's usage counters are left as they were."""
    sample = prompts[1 : PREFILL_PROMPTS + 1] or prompts[:1]
    if not sample or not isinstance(backend, LocalTokenizer):
        return None
    local = backend
    before = backend.usage.copy()

    def timed() -> tuple[float, int]:
        def score(p: Prompt) -> None:
            local.score_chunks([local.chunks(p)], list(p.labels))

        score(prompts[0])  # page in weights, set up buffers
        evaluated, started = backend.usage.tokens_evaluated, time.perf_counter()
        for p in sample:
            score(p)
        return time.perf_counter() - started, backend.usage.tokens_evaluated - evaluated

    with ThreadPoolExecutor(max_workers=1) as pool:
        seconds, evaluated = pool.submit(timed).result()
    backend.usage.tokens_prompt, backend.usage.tokens_evaluated = before.tokens_prompt, before.tokens_evaluated
    return seconds, evaluated


def costs(backend: Backend, shape: RequestShape, tokens: int, n: int, batch: bool) -> tuple[float | None, float | None]:
    """(estimated, most) cost in USD of asking `n` prompts of `tokens` prompt tokens in all with `shape`;
    (None, None) without a price."""
    price = backend.price
    if price is None:
        return None, None
    if batch:
        price = price.batched(current_prices().batch_discount)
    usual = price.cost(tokens * shape.requests, shape.completion_tokens * n)
    return usual, price.cost(tokens * shape.worst_requests, shape.worst_completion_tokens * n)


GENERATION_TIME = "not estimated: the plan measures prefill only, no generation rate"


def local_time(
    backend: Backend, todo: list[Prompt], tokens: int, shape: RequestShape
) -> tuple[float | None, str | None]:
    """(seconds, how) for a local model: from a measured prefill; free text "not estimated"; (None, None) remote."""
    if not isinstance(backend, LocalTokenizer) or not todo:
        return None, None
    if shape.generation:
        return None, GENERATION_TIME
    measured = measure_prefill(backend, todo)
    if not measured or measured[0] <= 0:
        return None, None
    rate = measured[1] / measured[0]
    how = (
        f"prefill measured at {rate:,.0f} tokens/s on {min(len(todo) - 1, PREFILL_PROMPTS) or 1} prompts; "
        "an upper bound: the two orders of an item share a prefix evaluated once"
    )
    return tokens / rate, how


def plan(
    backend: Backend,
    prompts: dict[str, Prompt],
    store: Store,
    samples: int = SAMPLES_PER_ORDER,
    batch: bool = False,
    measure: bool = True,
    shape: RequestShape | None = None,
) -> Plan:
    """What asking `prompts` (cache key -> prompt) through `backend` would take; no remote call.

    Args:
        samples: K, samples per order where log-probabilities are unavailable.
        batch: priced at the batch discount of the price table.
        measure: time a short prefill (local models only) for an estimated duration.
        shape: how each prompt is asked (default: label log-probabilities, else K short samples);
            free text (`generation_shape`) counts its output at the limit and says "at most".
    """
    answered = store.get_ok(prompts)
    todo = [p for k, p in prompts.items() if k not in answered]
    failed = len(store.failures([k for k in prompts if k not in answered]))
    shape = shape or request_shape(backend, samples)
    tokens, exact, method = count_tokens(backend, todo)
    cost, cost_max = costs(backend, shape, tokens, len(todo), batch)
    seconds, seconds_method = local_time(backend, todo, tokens, shape) if measure else (None, None)
    table = current_prices()
    return Plan(
        model=backend.name,
        prompts=len(prompts),
        cached=len(answered),
        failed_before=failed,
        to_ask=len(todo),
        requests=shape.requests * len(todo),
        how=shape.how,
        tokens_prompt=tokens,
        tokens_exact=exact,
        tokens_method=method,
        tokens_completion=shape.completion_tokens * len(todo),
        tokens_completion_max=shape.worst_completion_tokens * len(todo),
        at_most=shape.generation,
        cost_usd=cost,
        cost_usd_max=cost_max,
        batch=batch,
        prices_date=table.date,
        prices_source=table.source,
        seconds=seconds,
        seconds_method=seconds_method,
    )
