"""One invocation path for every study: backend -> begin run -> execute -> finish run -> close."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from valuelens.backends import Backend, get_backend
from valuelens.backends._prices import current_prices
from valuelens.errors import CostLimitReached, InputError
from valuelens.prompts import Prompt
from valuelens.runner._batch_exec import BatchOptions, BatchStats, execute_batch
from valuelens.runner._costs import PartCost
from valuelens.runner._execute import SAMPLES_PER_ORDER, AskFn, ExecStats, ProgressFn, execute, prompt_key
from valuelens.runner._plan import RequestShape, plan, request_shape
from valuelens.runner._scale import PlanReady, Scale, check_scale, current_scale
from valuelens.runner._spend import SpendGuard
from valuelens.store import Store

STAT_FIELDS = ("model_calls", "cached_calls", "tokens_prompt", "tokens_evaluated", "tokens_completion", "failed")


def run_id_of(spec: dict[str, Any]) -> str:
    """A run's id: a hash of the spec that makes it (kind, backend fingerprint, items, settings)."""
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]


def check_connection(timeout: float | None, max_concurrency: int | None) -> None:
    """Raises InputError for a non-positive timeout or concurrency."""
    if max_concurrency is not None and max_concurrency < 1:
        raise InputError(f"--max-concurrency: must be at least 1, got {max_concurrency}")
    if timeout is not None and timeout <= 0:
        raise InputError(f"--timeout: must be positive, got {timeout}")


def open_backend(
    model: str,
    *,
    base_url: str | list[str] | None = None,
    timeout: float | None = None,
    max_concurrency: int | None = None,
) -> Backend:
    """The backend of `model` with the connection settings of remote providers checked and normalised.

    Raises:
        InputError: a non-positive timeout or concurrency.
        BackendError: the model cannot be created.
    """
    check_connection(timeout, max_concurrency)
    urls = [base_url] if isinstance(base_url, str) else list(base_url or [])
    return get_backend(model, base_urls=urls, timeout=timeout, max_concurrency=max_concurrency)


@dataclass
class Session:
    """A backend and an open store for one invocation; `ask` answers prompts, `finish` records the run.

    Attributes:
        backend: the model asked.
        store: the open store.
        concurrency: batches in flight at once (None: the backend's own cap).
        progress: called with (done, total) prompts of each `ask`.
        stats: calls and tokens of this invocation so far (summed over every `ask` of the model).
        judge: the other model asked (a judge) and its calls and tokens, kept apart from `stats`.
    """

    backend: Backend
    store: Store
    concurrency: int | None = None
    progress: ProgressFn | None = None
    samples: int = SAMPLES_PER_ORDER
    started: float = field(default_factory=time.perf_counter)
    stats: ExecStats = field(default_factory=ExecStats)
    scale: Scale = field(default_factory=Scale)
    guard: SpendGuard | None = None
    run_id: str | None = None
    kind: str | None = None
    judge: tuple[Backend, ExecStats] | None = None

    def key(self, prompt: Prompt) -> str:
        """The cache key of a choice prompt asked of this backend."""
        return prompt_key(self.backend, prompt, self.samples)

    def begin(
        self,
        kind: str,
        suite: str,
        spec: dict[str, Any],
        items: list[tuple[str, int, int, str]],
        payloads: dict[str, dict[str, Any]],
    ) -> str:
        """Record (or resume) the run that `spec` identifies, with its items; returns its id."""
        run_id = self.run_id = run_id_of(spec)
        self.kind = kind
        be = self.backend
        if self.scale.dry_run:  # --dry-run: nothing is stored
            return run_id
        self.store.begin_run(run_id, kind, be.name, be.fingerprint, suite, spec, items, payloads)
        return run_id

    def ask(
        self,
        prompts: dict[str, Prompt],
        progress: ProgressFn | None = None,
        *,
        how: AskFn | None = None,
        kind: str = "choice",
        backend: Backend | None = None,
        shape: RequestShape | None = None,
    ) -> ExecStats:
        """Answer every prompt (key -> prompt) the store has not answered; adds to `stats`.

        `how`, `kind` and `backend` ask otherwise (free text), or another model (a judge); `shape` says
        what each prompt then takes (requests, output tokens), for --dry-run and --max-cost."""
        step = progress or self.progress
        got = self._scaled_ask(prompts, step, how=how, kind=kind, backend=backend, shape=shape)
        into = self.stats
        if backend is not None and backend is not self.backend:  # a judge: counted and priced apart
            self.judge = self.judge or (backend, ExecStats())
            into = self.judge[1]
        for name in STAT_FIELDS:
            setattr(into, name, getattr(into, name) + getattr(got, name))
        into.failures.update(got.failures)
        if self.guard is not None and self.guard.stopped:  # --max-cost: record what was asked, then stop
            if self.run_id is not None:
                self.finish(self.run_id, got.failed + self.guard.refused)
            raise CostLimitReached(self.guard.message())
        return got

    def _scaled_ask(
        self,
        prompts: dict[str, Prompt],
        step: ProgressFn | None,
        *,
        how: AskFn | None = None,
        kind: str = "choice",
        backend: Backend | None = None,
        shape: RequestShape | None = None,
    ) -> ExecStats:
        """--dry-run: the plan, asking nothing; --batch: through the batch API; else live, within --max-cost.

        Only choice prompts of the run's model go through a batch API; free text and a judge are asked
        live, so they are planned and limited at the live price."""
        be, st, guard = backend or self.backend, self.store, self.guard
        batched = self.scale.batch and how is None and backend is None
        if self.scale.dry_run:
            raise PlanReady(plan(be, prompts, st, self.samples, batch=batched, shape=shape))
        if batched:
            return asyncio.run(execute_batch(be, st, prompts, self.samples, step, BatchOptions(), guard=guard))
        conc = self.concurrency if backend is None else None
        if guard is None or (shape is None and backend is None):
            return asyncio.run(execute(be, st, prompts, self.samples, step, conc, guard, ask=how, kind=kind))
        if be.price is None:  # a judge without a price: `answering` refuses it before any call
            raise InputError(f"--max-cost: no price for {be.name} in the price table")
        with guard.asking(be.price, shape or request_shape(be, self.samples)):
            return asyncio.run(execute(be, st, prompts, self.samples, step, conc, guard, ask=how, kind=kind))

    def judge_part(self) -> PartCost | None:
        """The judge's calls, tokens and cost at its own price; None when no judge was asked."""
        return None if self.judge is None else PartCost.of(*self.judge)

    def model_cost(self) -> float | None:
        """The model's own cost (without a judge's), None when the model has no price."""
        return self.stats.cost_usd(self.backend)

    def cost_usd(self) -> float | None:
        """The model's cost plus the judge's, over the parts that have a price (None when none has)."""
        judge = self.judge_part()
        costs = [c for c in (self.model_cost(), None if judge is None else judge.cost_usd) if c is not None]
        return sum(costs) if costs else None

    def prices_date(self) -> str | None:
        """The date of the price table behind `cost_usd()`, None when neither model nor judge has a price."""
        priced = self.backend.price is not None or (self.judge is not None and self.judge[0].price is not None)
        return current_prices().date if priced else None

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def finish(self, run_id: str, failed: int, seconds: float | None = None, *, partial: bool = False) -> None:
        """Mark the run complete (or incomplete when prompts failed, or only a `partial` share such as
        one `--shard` was asked) with what this invocation cost."""
        secs = self.seconds if seconds is None else seconds
        stats = self.stats.run_stats(secs, failed, self.cost_usd())
        stats |= {"prices_date": self.prices_date(), "model_cost_usd": self.model_cost()}  # see `runner._costs`
        judge = self.judge_part()
        if judge is not None:
            stats["judge"] = judge.to_dict()
        self.store.finish_run(run_id, "complete" if not failed and not partial else "incomplete", stats)


@contextmanager
def session(
    model: str,
    *,
    samples: int = SAMPLES_PER_ORDER,
    store: str | Path | None = None,
    progress: ProgressFn | None = None,
    backend: Backend | None = None,
    base_url: str | list[str] | None = None,
    timeout: float | None = None,
    max_concurrency: int | None = None,
) -> Iterator[Session]:
    """Open the backend (unless one is given) and the store; close what was opened here on exit.

    A given backend keeps its owner's lifetime and runs at most `max_concurrency` batches at once;
    a backend opened here knows its own cap.

    Raises:
        InputError: bad connection settings.
        BackendError: the model cannot be created.
    """
    started = time.perf_counter()
    check_connection(timeout, max_concurrency)
    be = backend or open_backend(model, base_url=base_url, timeout=timeout, max_concurrency=max_concurrency)
    try:
        with Store(store) as st:
            concurrency = max_concurrency if backend is not None else None
            scale = current_scale()  # --batch / --dry-run / --max-cost, checked before the run begins
            guard = check_scale(scale, be, samples)
            stats = BatchStats(discount=current_prices().batch_discount) if scale.batch else ExecStats()
            try:
                yield Session(be, st, concurrency, progress, samples, started, stats, scale, guard)
            finally:
                if guard is not None:  # the next run of this invocation counts what this one spent
                    scale.spent.usd = guard.spent_usd
    finally:
        if backend is None:
            be.close()
