"""Ask a backend every prompt of a run that the store does not already answer, committing as answers arrive."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from valuelens.backends import Backend, Failed, Logprobs, Usage
from valuelens.backends._base import task_usage
from valuelens.backends._secrets import scrub
from valuelens.errors import Interrupted
from valuelens.prompts import Prompt, key_of
from valuelens.runner._answers import is_refusal, parse_choice
from valuelens.store import Lease, ResponseRow, Store

if TYPE_CHECKING:
    from valuelens.runner._spend import SpendGuard

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
    out: list[dict[str, Any] | Failed | None] = [None] * len(prompts)
    if lps is not None:  # None for a prompt: no label among its top log-probabilities, so sample it
        out = [r if r is None or isinstance(r, Failed) else logprob_result(r) for r in lps]
    todo = [i for i, r in enumerate(out) if r is None]
    drawn = await backend.sample([prompts[i] for i in todo], samples, SAMPLE_MAX_TOKENS) if todo else []
    for i, texts in zip(todo, drawn, strict=True):
        out[i] = texts if isinstance(texts, Failed) else samples_result(prompts[i], texts)
    return [r for r in out if r is not None]


def samples_result(prompt: Prompt, texts: list[str]) -> dict[str, Any] | Failed:
    """The stored answer of a sampled prompt: its samples, label counts, unparsed and refused samples."""
    picks = [parse_choice(t, prompt.labels) for t in texts]
    refused = sum(1 for t, p in zip(texts, picks, strict=True) if p is None and is_refusal(t))
    counts = {lab: picks.count(lab) for lab in prompt.labels}
    if not any(counts.values()) and not refused:
        return Failed(f"no parseable answer in {len(texts)} samples")
    # a prompt refused in every sample is an answer of its own kind: stored, counted, no probability
    return {
        "samples": [str(t) for t in texts],
        "counts": counts,
        "unparsed": picks.count(None) - refused,
        "refused": refused,
    }


def logprob_result(r: dict[str, float]) -> dict[str, Any]:
    """The stored answer of a prompt asked for label log-probabilities (with the bounded labels, if any)."""
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
    guard: SpendGuard | None = None,
    ask: AskFn | None = None,
    kind: str = "choice",
) -> ExecStats:
    """Answer every prompt (key -> prompt, in the order to ask them) that the store has not answered.

    The answers and failures of each batch are committed together as it arrives; already answered
    keys cost no call. Up to
    `max_concurrency` batches are in flight at once (default: the backend's own `max_concurrency`, else 1).
    With a `guard` (--max-cost), a batch past the spend limit is not asked (nor stored): the run stays resumable.
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

    lease = Lease(store)  # a prompt another process is asking now is waited for, not asked again

    async def worker() -> None:
        nonlocal done
        while not queue.empty():
            keys = lease.take(queue.get_nowait())
            if not keys:
                continue
            held = None
            if guard is not None:  # --max-cost: ask only what the limit still allows
                fits, held = guard.admit_prefix([prompts[k] for k in keys])
                keys = keys[:fits]
                if not keys:
                    continue
            before: Usage = backend.usage.copy()
            scoped = Usage()
            task_usage.set(scoped)  # backends serving several batches at once count this batch here
            try:
                results = await ask_batch(backend, [prompts[k] for k in keys], samples)
            except Exception as exc:  # a failed call fails its prompts; the run goes on
                results = [Failed(f"{type(exc).__name__}: {exc}")] * len(keys)
            used = scoped if workers > 1 else backend.usage.since(before)  # deltas overlap when concurrent
            if guard is not None and held is not None:
                guard.settle(held, used)
            stats.model_calls += len(keys)
            stats.tokens_prompt += used.tokens_prompt
            stats.tokens_evaluated += used.tokens_evaluated
            stats.tokens_completion += used.tokens_completion
            share_p, share_e = used.tokens_prompt // len(keys), used.tokens_evaluated // len(keys)
            rows: list[ResponseRow] = []
            for k, r in zip(keys, results, strict=True):
                if isinstance(r, Failed):
                    reason = scrub(r.reason)  # a reason may quote a server's echo of the key
                    stats.failed += 1
                    stats.failures[k] = reason
                    rows.append(ResponseRow(k, backend.name, kind, error=reason))
                else:
                    rows.append(ResponseRow(k, backend.name, kind, r, None, share_p, share_e))
            store.put_responses(rows)  # one transaction per batch: a kill loses only batches in flight
            done += len(keys)
            if progress:
                progress(done, total)

    heartbeat = asyncio.create_task(lease.keep_alive())
    try:
        await asyncio.gather(*(worker() for _ in range(max(1, min(workers, len(batches) or 1)))))
        while lease.deferred:
            answered, free = await lease.wait()
            stats.cached_calls += len(answered)
            done += len(answered)
            if progress and answered:
                progress(done, total)
            for i in range(0, len(free), backend.max_batch):
                queue.put_nowait(free[i : i + backend.max_batch])
            await asyncio.gather(*(worker() for _ in range(max(1, min(workers, queue.qsize())))))
    except asyncio.CancelledError:  # Ctrl-C under asyncio.run: say how far the run got (all of it is stored)
        raise Interrupted(len(store.get_ok(prompts)), total) from None
    finally:
        heartbeat.cancel()
        lease.release()
        await backend.aclose()  # connections belong to this event loop
    return stats
