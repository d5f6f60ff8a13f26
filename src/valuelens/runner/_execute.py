"""Ask a backend every prompt of a run that the store does not already answer, committing as answers arrive."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from valuelens.backends import Backend, Failed, Logprobs, Usage
from valuelens.backends._base import task_usage
from valuelens.backends._secrets import scrub
from valuelens.prompts import Prompt, key_of
from valuelens.runner._answers import is_refusal, parse_choice
from valuelens.store import Store

SAMPLES_PER_ORDER = 10
SAMPLE_MAX_TOKENS = 4

ProgressFn = Callable[[int, int], None]
AskFn = Callable[[Backend, list[Prompt], int], Awaitable[list[dict[str, Any] | Failed]]]
"""How a batch of prompts is asked (default: choice log-probabilities, else short samples)."""


@dataclass
class ExecStats:
    """What one invocation did: calls made, calls served from the store, tokens, failures."""

    model_calls: int = 0
    cached_calls: int = 0
    tokens_prompt: int = 0
    tokens_evaluated: int = 0
    tokens_completion: int = 0
    failed: int = 0
    failures: dict[str, str] = field(default_factory=dict)

    def cost_usd(self, backend: Backend) -> float | None:
        """Estimated cost of this invocation, where the backend knows its price (else None)."""
        price = backend.price
        return None if price is None else price.cost(self.tokens_prompt, self.tokens_completion)

    def run_stats(self, seconds: float, failed: int, cost_usd: float | None) -> dict[str, Any]:
        """What the store keeps of the invocation that produced a run (`runs.stats`)."""
        return {
            "model_calls": self.model_calls,
            "cached_calls": self.cached_calls,
            "tokens_prompt": self.tokens_prompt,
            "tokens_evaluated": self.tokens_evaluated,
            "tokens_completion": self.tokens_completion,
            "cost_usd": cost_usd,
            "seconds": seconds,
            "failed": failed,
        }


def choice_params(samples: int) -> dict[str, Any]:
    """Sampling parameters that shape a choice response (part of its cache key)."""
    return {
        "mode": "logprobs-else-samples",
        "samples": samples,
        "max_tokens": SAMPLE_MAX_TOKENS,
        "temperature": 1.0,
    }


def prompt_key(backend: Backend, prompt: Prompt, samples: int = SAMPLES_PER_ORDER) -> str:
    return key_of(backend.fingerprint, prompt, "choice", choice_params(samples), backend.reads_annotations)


async def _ask(backend: Backend, prompts: list[Prompt], samples: int) -> list[dict[str, Any] | Failed]:
    labels = list(prompts[0].labels)
    lps = await backend.choice_logprobs(prompts, labels)
    if lps is not None:
        return [r if isinstance(r, Failed) else _logprob_result(r) for r in lps]
    drawn = await backend.sample(prompts, samples, SAMPLE_MAX_TOKENS)
    out: list[dict[str, Any] | Failed] = []
    for prompt, texts in zip(prompts, drawn, strict=True):
        if isinstance(texts, Failed):
            out.append(texts)
            continue
        picks = [parse_choice(t, prompt.labels) for t in texts]
        refused = sum(1 for t, p in zip(texts, picks, strict=True) if p is None and is_refusal(t))
        counts = {lab: picks.count(lab) for lab in prompt.labels}
        if not any(counts.values()) and not refused:
            out.append(Failed(f"no parseable answer in {len(texts)} samples"))
            continue
        # a prompt refused in every sample is an answer of its own kind: stored, counted, no probability
        out.append(
            {
                "samples": [str(t) for t in texts],
                "counts": counts,
                "unparsed": picks.count(None) - refused,
                "refused": refused,
            }
        )
    return out


def _logprob_result(r: dict[str, float]) -> dict[str, Any]:
    bounded = list(r.bounded) if isinstance(r, Logprobs) else []
    return {"logprobs": dict(r), "bounded": bounded} if bounded else {"logprobs": dict(r)}


def answer_kinds(answers: dict[str, dict[str, Any]]) -> dict[str, int]:
    """Counts over stored answers: bounded log-probabilities, prompts refused outright, refused and
    unparsed samples (an unparsed or refused sample never counts for either option)."""
    kinds = {"bounded": 0, "refused": 0, "refused_samples": 0, "unparsed_samples": 0}
    for r in answers.values():
        kinds["bounded"] += bool(r.get("bounded"))
        refused = int(r.get("refused", 0))
        kinds["refused_samples"] += refused
        kinds["unparsed_samples"] += int(r.get("unparsed", 0))
        kinds["refused"] += bool(refused) and not any(r.get("counts", {}).values())
    return kinds


async def execute(
    backend: Backend,
    store: Store,
    prompts: dict[str, Prompt],
    samples: int = SAMPLES_PER_ORDER,
    progress: ProgressFn | None = None,
    max_concurrency: int | None = None,
    ask: AskFn | None = None,
    kind: str = "choice",
) -> ExecStats:
    """Answer every prompt (key -> prompt, in the order to ask them) that the store has not answered.

    Each answer or failure is committed as it arrives; already answered keys cost no call. Up to
    `max_concurrency` batches are in flight at once (default: the backend's own `max_concurrency`, else 1).
    `ask` and `kind` replace how a batch is asked and the stored kind (free text, judge answers).
    """
    ask_batch = ask or _ask
    stats = ExecStats()
    cached = store.get_ok(prompts)
    stats.cached_calls = len(cached)
    pending = [k for k in prompts if k not in cached]
    total, done = len(prompts), len(cached)
    if progress:
        progress(done, total)
    batches = [pending[i : i + backend.max_batch] for i in range(0, len(pending), backend.max_batch)]
    workers = max_concurrency or backend.max_concurrency
    queue: asyncio.Queue[list[str]] = asyncio.Queue()
    for b in batches:
        queue.put_nowait(b)

    async def worker() -> None:
        nonlocal done
        while not queue.empty():
            keys = queue.get_nowait()
            before: Usage = backend.usage.copy()
            scoped = Usage()
            task_usage.set(scoped)  # backends serving several batches at once count this batch here
            try:
                results = await ask_batch(backend, [prompts[k] for k in keys], samples)
            except Exception as exc:  # a failed call fails its prompts; the run goes on
                results = [Failed(f"{type(exc).__name__}: {exc}")] * len(keys)
            used = scoped if workers > 1 else backend.usage.since(before)  # deltas overlap when concurrent
            stats.model_calls += len(keys)
            stats.tokens_prompt += used.tokens_prompt
            stats.tokens_evaluated += used.tokens_evaluated
            stats.tokens_completion += used.tokens_completion
            share_p, share_e = used.tokens_prompt // len(keys), used.tokens_evaluated // len(keys)
            for k, r in zip(keys, results, strict=True):
                if isinstance(r, Failed):
                    reason = scrub(r.reason)  # a reason may quote a server's echo of the key
                    stats.failed += 1
                    stats.failures[k] = reason
                    store.put_response(k, backend.name, kind, error=reason)
                else:
                    store.put_response(k, backend.name, kind, r, None, share_p, share_e)
            done += len(keys)
            if progress:
                progress(done, total)

    try:
        await asyncio.gather(*(worker() for _ in range(max(1, min(workers, len(batches) or 1)))))
    finally:
        await backend.aclose()  # connections belong to this event loop
    return stats
