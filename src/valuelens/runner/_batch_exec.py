"""Ask the prompts the store does not answer through a provider's batch API (`--batch`): half price,
answers within 24 hours.

Each batch is recorded in the store the moment the provider accepts it, so a killed process resumes
polling it instead of submitting again. Answers go through `Store.put_response` under the same cache
keys and in the same shape as live calls (`logprob_result`, `samples_result`). A request that errored
or expired fails its prompt with the reason (the next run asks it again); a prompt still waiting when
this invocation stops is recorded as failed with "waiting in batch ..." until its batch ends.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from valuelens.backends import Backend, Failed, Usage
from valuelens.backends._batch_types import LOGPROBS, SAMPLE, BatchClient, BatchState, LineResult, batch_client
from valuelens.backends._prices import current_prices
from valuelens.backends._secrets import scrub
from valuelens.errors import BackendError
from valuelens.prompts import Prompt
from valuelens.runner._execute import (
    SAMPLE_MAX_TOKENS,
    SAMPLES_PER_ORDER,
    ExecStats,
    ProgressFn,
    logprob_result,
    samples_result,
)
from valuelens.runner._spend import Reservation, SpendGuard
from valuelens.store import Store
from valuelens.store._batches import BatchLedger, BatchRequest, OpenBatch

WaitFn = Callable[[BatchState], None]


@dataclass(frozen=True)
class BatchOptions:
    """How batches are sent and waited for.

    Attributes:
        poll_seconds: pause between two polls of the open batches.
        max_lines: request lines per batch (providers cap a batch at 50,000 / 100,000 requests).
        max_wait: seconds to wait in this invocation (None: until every batch ended); the batches stay
            open in the store and the next run resumes polling them.
    """

    poll_seconds: float = 30.0
    max_lines: int = 10_000
    max_wait: float | None = None


@dataclass
class BatchStats(ExecStats):
    """`ExecStats` of a batch invocation; cost at the batch price (`discount` of the list price)."""

    discount: float = 0.5
    batches_submitted: int = 0
    batches_resumed: int = 0
    waiting: int = 0
    batch_ids: list[str] = field(default_factory=list)

    def cost_usd(self, backend: Backend) -> float | None:
        price = backend.price
        return None if price is None else price.batched(self.discount).cost(self.tokens_prompt, self.tokens_completion)

    def run_stats(self, seconds: float, failed: int, cost_usd: float | None) -> dict[str, Any]:
        out = super().run_stats(seconds, failed, cost_usd)
        out.update(batch=True, batches=self.batch_ids, batch_waiting=self.waiting)
        return out


class _Session:
    """One invocation's batches: what was asked, what came back, what was committed."""

    def __init__(
        self,
        backend: Backend,
        client: BatchClient,
        store: Store,
        prompts: dict[str, Prompt],
        samples: int,
        max_lines: int,
    ) -> None:
        self.backend, self.client, self.store, self.prompts, self.samples = backend, client, store, prompts, samples
        self.max_lines = max_lines
        self.ledger = BatchLedger(store)
        self.fp = backend.fingerprint
        self.stats = BatchStats(discount=current_prices().batch_discount)
        self.settled: set[str] = set()
        self.guard: SpendGuard | None = None
        self.held: dict[str, Reservation] = {}  # answered, or failed in this invocation (asked again next run)

    def mine(self) -> list[OpenBatch]:
        """Open batches of this backend whose every prompt belongs to this run (others wait for their run)."""
        return [b for b in self.ledger.open_batches(self.fp) if b.keys <= self.prompts.keys()]

    async def submit(self, keys: list[str]) -> None:
        hints = self.ledger.hints(self.fp, keys)
        chunk: list[tuple[str, dict[str, Any], BatchRequest]] = []
        for i, key in enumerate(keys):
            if self.guard is not None:  # --max-cost: reserve each prompt's worst cost before it is sent
                held = self.guard.admit([self.prompts[key]])
                if held is None:
                    break
                self.held[key] = held
            mode = hints.get(key, self.client.default_mode)
            lines = self.client.lines(f"q{i}", self.prompts[key], mode, self.samples, SAMPLE_MAX_TOKENS)
            if chunk and len(chunk) + len(lines) > self.max_lines:
                await self._send(chunk)
                chunk = []
            chunk += [(cid, line, BatchRequest(cid, key, mode)) for cid, line in lines]
        if chunk:
            await self._send(chunk)

    async def _send(self, chunk: list[tuple[str, dict[str, Any], BatchRequest]]) -> None:
        made = await self.client.submit([line for _, line, _ in chunk])
        requests = [r for _, _, r in chunk]
        if isinstance(made, Failed):
            for key in dict.fromkeys(r.key for r in requests):
                self.fail(key, f"batch not created: {made.reason}")
            return
        self.ledger.record(made, self.client.provider, self.fp, requests, {"model": self.backend.name})
        self.stats.batches_submitted += 1
        self.stats.batch_ids.append(made)

    def settle(self, key: str, lines: list[LineResult]) -> None:
        held = self.held.pop(key, None)
        if self.guard is not None and held is not None:
            used = Usage(len(lines), sum(r.tokens_prompt for r in lines), 0, sum(r.tokens_completion for r in lines))
            self.guard.settle(held, used)

    def fail(self, key: str, reason: str) -> None:
        reason = scrub(reason)
        self.stats.failed += 1
        self.stats.failures[key] = reason
        self.settled.add(key)
        self.store.put_response(key, self.backend.name, "choice", error=reason)

    def answer(self, key: str, result: dict[str, Any], lines: list[LineResult]) -> None:
        self.settle(key, lines)
        tp = sum(r.tokens_prompt for r in lines)
        self.stats.model_calls += 1
        self.stats.tokens_prompt += tp
        self.stats.tokens_evaluated += tp
        self.stats.tokens_completion += sum(r.tokens_completion for r in lines)
        self.settled.add(key)
        self.store.put_response(key, self.backend.name, "choice", result, None, tp, tp)

    def commit(self, batch: OpenBatch, state: BatchState, results: list[LineResult]) -> None:
        """Store every prompt of an ended batch: its answer, a sampling hint, or a failure with its reason."""
        by_id = {r.custom_id: r for r in results}
        per_key: dict[str, list[BatchRequest]] = {}
        for req in batch.requests:
            per_key.setdefault(req.key, []).append(req)
        missing = state.reason or f"batch {state.status}: no result for this request"
        for key, reqs in per_key.items():
            got = [by_id.get(r.custom_id) or LineResult(r.custom_id, error=missing) for r in reqs]
            errors = [g for g in got if g.error and not g.no_label]
            if errors or got[0].no_label:
                self.settle(key, got)
            if reqs[0].mode == LOGPROBS:
                if got[0].no_label:  # as live calls do: ask this prompt again by sampling
                    self.ledger.hint(self.fp, key, SAMPLE)
                elif errors:
                    self.fail(key, errors[0].error or "")
                elif got[0].logprobs is not None:
                    self.answer(key, logprob_result(got[0].logprobs), got)
                continue
            if errors:
                self.fail(key, f"{len(errors)} of {len(got)} requests failed: {errors[0].error}")
                continue
            result = samples_result(self.prompts[key], [t for g in got for t in g.texts])
            if isinstance(result, Failed):
                self.fail(key, result.reason)
            else:
                self.answer(key, result, got)
        self.ledger.close(batch.batch_id, state.status)


async def execute_batch(
    backend: Backend,
    store: Store,
    prompts: dict[str, Prompt],
    samples: int = SAMPLES_PER_ORDER,
    progress: ProgressFn | None = None,
    options: BatchOptions | None = None,
    on_wait: WaitFn | None = None,
    client: BatchClient | None = None,
    guard: SpendGuard | None = None,
) -> BatchStats:
    """Answer every prompt (key -> prompt) the store has not answered through the provider's batch API.

    Open batches of an earlier, interrupted invocation are polled, not submitted again. `progress` gets
    (prompts done, prompts) as batches advance; `on_wait` each polled batch state. Returns the stats of
    this invocation; prompts still waiting at `options.max_wait` are recorded as failed until the next run.
    With a `guard` (--max-cost, priced at the batch discount), prompts past the limit are not submitted.
    """
    options = options or BatchOptions()
    client = client or batch_client(backend)
    if client is None:
        raise BackendError(f"{backend.name}: --batch works with openai/ and anthropic/ models only")
    s = _Session(backend, client, store, prompts, samples, options.max_lines)
    s.guard = guard
    cached = store.get_ok(prompts)
    s.stats.cached_calls = len(cached)
    s.settled |= cached.keys()
    s.stats.batches_resumed = len(s.mine())
    started = time.monotonic()
    try:
        for _ in range(3):  # the second round samples the prompts whose log-probabilities named no label
            in_flight = set().union(*(b.keys for b in s.mine()))
            todo = [k for k in prompts if k not in s.settled and k not in in_flight]
            if not todo and not in_flight:
                break
            if todo:
                await s.submit(todo)
            if not await _wait(s, options, started, progress, on_wait):
                break
    finally:
        await backend.aclose()
    return s.stats


async def _wait(
    s: _Session, options: BatchOptions, started: float, progress: ProgressFn | None, on_wait: WaitFn | None
) -> bool:
    """Poll this run's open batches until each ended (True) or time is up or polling fails (False)."""
    total = len(s.prompts)
    while batches := s.mine():
        moving = 0  # prompts of running batches, by the share of requests the provider reports done
        for batch in batches:
            state = await s.client.poll(batch.batch_id)
            if isinstance(state, Failed):
                return _leave(s, batches, f"polling failed: {state.reason}")
            if on_wait:
                on_wait(state)
            if state.ended:
                results = await s.client.results(
                    state, {r.custom_id: (s.prompts[r.key].labels, r.mode) for r in batch.requests}
                )
                if isinstance(results, Failed):
                    return _leave(s, batches, f"reading results failed: {results.reason}")
                s.commit(batch, state, results)
            elif state.total:
                moving += len(batch.keys) * state.done // state.total
        if progress:
            progress(min(len(s.settled) + moving, total), total)
        if options.max_wait is not None and time.monotonic() - started >= options.max_wait:
            return _leave(s, s.mine(), "still running")
        if s.mine():
            await asyncio.sleep(options.poll_seconds)
    return True


def _leave(s: _Session, batches: list[OpenBatch], why: str) -> bool:
    """Stop waiting: each prompt of an open batch is recorded as failed until a later run reads its batch."""
    for batch in batches:
        for key in batch.keys - s.settled:
            s.stats.waiting += 1
            s.fail(key, f"waiting in batch {batch.batch_id} ({why}): rerun to resume polling")
    return False
