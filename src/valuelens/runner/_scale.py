"""How an invocation asks at scale: through a batch API (`--batch`), planned only (`--dry-run`), or
within a spend limit (`--max-cost`). Set once per invocation with `scaled(...)`; every `session` reads it.

A dry run stops at the first `Session.ask` with `PlanReady` (nothing stored, no model call); a study
that asks several runs in turn gathers their plans with a `PlanCollector`. A spend limit reached stops
the run with `CostLimitReached` after recording it incomplete (rerun resumes); the limit holds for the
whole invocation, over every run it asks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from valuelens.backends import Backend
from valuelens.errors import InputError
from valuelens.runner._plan import Plan, request_shape
from valuelens.runner._plans import PlannedRun, PlanSet
from valuelens.runner._spend import SpendGuard, SpendLedger


@dataclass(frozen=True)
class Scale:
    """The scale options of one invocation.

    Attributes:
        batch: unanswered prompts go through the provider's batch API (openai/, anthropic/).
        dry_run: plan the run (prompts, cached, tokens, dated cost) and ask nothing.
        max_cost: stop asking once the estimated spend (USD) would pass this.
        spent: what the invocation's sessions have spent so far (each session's guard starts from it).
    """

    batch: bool = False
    dry_run: bool = False
    max_cost: float | None = None
    spent: SpendLedger = field(default_factory=SpendLedger, compare=False)


class PlanReady(Exception):
    """Raised by `Session.ask` in a dry run: the plan of the prompts it was given (by a study that asks
    several runs: a `PlanSet` of every run's plan)."""

    def __init__(self, plan: Plan | PlanSet) -> None:
        super().__init__(f"dry run of {plan.model if isinstance(plan, Plan) else plan.study}")
        self.plan = plan


class PlanCollector:
    """Gathers the plans of the runs a study asks one after another, so that its dry run plans them all.

    plans = PlanCollector("sweep")
    with plans.run("persona:japan"):
        ...  # a run: in a dry run it stops at its first ask, and its plan is kept
    plans.done()  # in a dry run: raises PlanReady with every run's plan
    """

    def __init__(self, study: str) -> None:
        self.study = study
        self.runs: list[PlannedRun] = []

    @contextmanager
    def run(self, label: str, part: str = "") -> Iterator[None]:
        """Keep the plan of the run asked inside, as `label` (a run asked in parts keeps its parts; `part`
        names how the run inside asks, e.g. "log-probabilities" for one half of `--answer both`)."""
        try:
            yield
        except PlanReady as ready:
            got = ready.plan
            if isinstance(got, Plan):
                self.runs.append(PlannedRun(label, got, part))
            else:  # a run asked in parts (free text and its judge, two answer kinds)
                self.runs.extend(PlannedRun(f"{label} {r.label}".strip(), r.plan, r.part or part) for r in got.runs)

    def done(self) -> None:
        """In a dry run, raise `PlanReady` with the plans gathered; otherwise nothing."""
        if current_scale().dry_run:
            raise PlanReady(PlanSet(self.study, tuple(self.runs)))


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
    return SpendGuard.for_model(
        scale.max_cost, backend.name, price, request_shape(backend, samples), spent_usd=scale.spent.usd
    )
