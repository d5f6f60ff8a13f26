"""Ask a backend every prompt of a run that the store does not already answer, committing as answers arrive."""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from valuelens.backends import Backend, Failed, Usage
from valuelens.prompts import Prompt, key_of
from valuelens.store import Store

SAMPLES_PER_ORDER = 10
SAMPLE_MAX_TOKENS = 4

ProgressFn = Callable[[int, int], None]


@dataclass
class ExecStats:
    """What one invocation did: calls made, calls served from the store, tokens, failures."""

    model_calls: int = 0
    cached_calls: int = 0
    tokens_prompt: int = 0
    tokens_evaluated: int = 0
    failed: int = 0
    failures: dict[str, str] = field(default_factory=dict)


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


_LABEL_RE = re.compile(r"[A-Za-z0-9]+")


def parse_choice(text: str, labels: tuple[str, ...]) -> str | None:
    """The label a sampled answer picks: the first word if it is a label ('B', 'B.', '(B)', 'Option B')."""
    words = _LABEL_RE.findall(text)
    for w in words[:3]:
        if w in labels:
            return w
        if w.lower() not in ("option", "answer", "action", "choice", "i", "choose", "would", "the"):
            break
    return None


def p_first(result: dict[str, Any], labels: tuple[str, ...]) -> float:
    """P(first-listed option) from a stored response: label log-probabilities, or sample counts."""
    if "logprobs" in result:
        la, lb = (result["logprobs"][lab] for lab in labels[:2])
        m = max(la, lb)
        ea, eb = math.exp(la - m), math.exp(lb - m)
        return ea / (ea + eb)
    counts = result["counts"]
    a, b = counts.get(labels[0], 0), counts.get(labels[1], 0)
    return a / (a + b) if a + b else math.nan


async def _ask(backend: Backend, prompts: list[Prompt], samples: int) -> list[dict[str, Any] | Failed]:
    labels = list(prompts[0].labels)
    lps = await backend.choice_logprobs(prompts, labels)
    if lps is not None:
        return [r if isinstance(r, Failed) else {"logprobs": r} for r in lps]
    drawn = await backend.sample(prompts, samples, SAMPLE_MAX_TOKENS)
    out: list[dict[str, Any] | Failed] = []
    for prompt, texts in zip(prompts, drawn, strict=True):
        if isinstance(texts, Failed):
            out.append(texts)
            continue
        picks = [parse_choice(t, prompt.labels) for t in texts]
        counts = {lab: picks.count(lab) for lab in prompt.labels}
        if not any(counts.values()):
            out.append(Failed(f"no parseable answer in {len(texts)} samples"))
            continue
        out.append({"samples": texts, "counts": counts, "unparsed": picks.count(None)})
    return out


async def execute(
    backend: Backend,
    store: Store,
    prompts: dict[str, Prompt],
    samples: int = SAMPLES_PER_ORDER,
    progress: ProgressFn | None = None,
    max_concurrency: int = 1,
) -> ExecStats:
    """Answer every prompt (key -> prompt, in the order to ask them) that the store has not answered.

    Each answer or failure is committed as it arrives; already answered keys cost no call.
    """
    stats = ExecStats()
    cached = store.get_ok(prompts)
    stats.cached_calls = len(cached)
    pending = [k for k in prompts if k not in cached]
    total, done = len(prompts), len(cached)
    if progress:
        progress(done, total)
    batches = [pending[i : i + backend.max_batch] for i in range(0, len(pending), backend.max_batch)]
    queue: asyncio.Queue[list[str]] = asyncio.Queue()
    for b in batches:
        queue.put_nowait(b)

    async def worker() -> None:
        nonlocal done
        while not queue.empty():
            keys = queue.get_nowait()
            before: Usage = backend.usage.copy()
            try:
                results = await _ask(backend, [prompts[k] for k in keys], samples)
            except Exception as exc:  # a failed call fails its prompts; the run goes on
                results = [Failed(f"{type(exc).__name__}: {exc}")] * len(keys)
            used = backend.usage.since(before)
            stats.model_calls += len(keys)
            stats.tokens_prompt += used.tokens_prompt
            stats.tokens_evaluated += used.tokens_evaluated
            share_p, share_e = used.tokens_prompt // len(keys), used.tokens_evaluated // len(keys)
            for k, r in zip(keys, results, strict=True):
                if isinstance(r, Failed):
                    stats.failed += 1
                    stats.failures[k] = r.reason
                    store.put_response(k, backend.name, "choice", error=r.reason)
                else:
                    store.put_response(k, backend.name, "choice", r, None, share_p, share_e)
            done += len(keys)
            if progress:
                progress(done, total)

    await asyncio.gather(*(worker() for _ in range(max(1, max_concurrency))))
    return stats
