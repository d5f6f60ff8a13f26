"""How an invocation asks at scale: through a batch API (`--batch`), planned only (`--dry-run`), or
within a spend limit (`--max-cost`). Set once per invocation with `scaled(...)`; every `session` reads it.

A dry run stops at the first `Session.ask` with `PlanReady` (nothing stored, no model call); a spend
limit reached stops the run with `CostLimitReached` after recording it incomplete (rerun resumes).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from valuelens.backends import Backend
from valuelens.errors import InputError
from valuelens.runner._plan import Plan, request_shape
from valuelens.runner._spend import SpendGuard


@dataclass(frozen=True)
class Scale:
    """The scale options of one invocation.

    Attributes:
        batch: unanswered prompts go through the provider's batch API (openai/, anthropic/).
        dry_run: plan the run (prompts, cached, tokens, dated cost) and ask nothing.
        max_cost: stop asking once the estimated spend (USD) would pass this.
    """

    batch: bool = False
    dry_run: bool = False
    max_cost: float | None = None


class PlanReady(Exception):
    """Raised by `Session.ask` in a dry run: the plan of the prompts it was given."""

    def __init__(self, plan: Plan) -> None:
        super().__init__(f"dry run of {plan.model}")
        self.plan = plan


_SCALE: ContextVar[Scale | None] = ContextVar("valuelens_scale", default=None)


def current_scale() -> Scale:
    return _SCALE.get() or Scale()


@contextmanager
def scaled(batch: bool = False, dry_run: bool = False, max_cost: float | None = None) -> Iterator[Scale]:
    """Every session opened inside uses these scale options.

    Raises:
        InputError: a negative --max-cost.
    """
    if max_cost is not None and max_cost < 0:
        raise InputError(f"--max-cost: must be 0 or more, got {max_cost}")
    token = _SCALE.set(Scale(batch, dry_run, max_cost))
    try:
        yield current_scale()
    finally:
        _SCALE.reset(token)


def check_scale(scale: Scale, backend: Backend, samples: int) -> SpendGuard | None:
    """Check the options against the backend before a run begins; the spend guard, if a limit is set.

    Raises:
        InputError: --batch with a provider that has no batch API; --max-cost for a model without a price.
    """
    from valuelens.backends._batch_types import batch_client
    from valuelens.backends._prices import current_prices

    if scale.batch and batch_client(backend) is None:
        raise InputError(f"--batch: {backend.name} has no batch API (openai/ and anthropic/ models only)")
    if scale.max_cost is None or scale.dry_run:
        return None
    price = backend.price
    if price is not None and scale.batch:
        price = price.batched(current_prices().batch_discount)
    return SpendGuard.for_model(scale.max_cost, backend.name, price, request_shape(backend, samples))
