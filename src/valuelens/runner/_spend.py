"""A spend guard for `--max-cost USD`: the runner asks it before each request and tells it what each
request used; once the next request could take the estimated spend past the limit, it says stop.

Before a request, its cost is reserved at the most it can take (prompt tokens estimated, every
sample at its token limit); after it, the reservation is replaced by the cost of the tokens the
provider reported. Requests in flight hold their reservations, so concurrent calls cannot overshoot.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from valuelens.backends import Price, Usage
from valuelens.errors import InputError
from valuelens.prompts import Prompt
from valuelens.runner._plan import RequestShape, estimate_prompt_tokens


@dataclass
class SpendLedger:
    """What the sessions of one invocation have spent so far (USD): a study may ask several runs in
    turn (steer, sweep, drift), and `--max-cost` limits them together."""

    usd: float = 0.0


@dataclass(frozen=True)
class Reservation:
    """What one admitted request may cost at most (USD)."""

    usd: float


@dataclass
class SpendGuard:
    """Stops asking once the estimated spend reaches `limit_usd`.

    Attributes:
        limit_usd: the --max-cost limit.
        price: the model's price (batch discount included when asking through a batch API).
        shape: requests and output tokens per prompt (log-probabilities or K samples).
        spent_usd: cost of the tokens reported by answered requests so far.
        reserved_usd: most that the requests in flight can still cost.
        refused: prompts not asked because of the limit.
    """

    limit_usd: float
    price: Price
    shape: RequestShape
    spent_usd: float = 0.0
    reserved_usd: float = 0.0
    refused: int = 0
    _stopped: bool = field(default=False, repr=False)

    @classmethod
    def for_model(
        cls, limit_usd: float, model: str, price: Price | None, shape: RequestShape, spent_usd: float = 0.0
    ) -> SpendGuard:
        """A guard for `model`, counting `spent_usd` already spent by earlier runs of the invocation; a limit
        without a price, or a negative limit, is a user error."""
        if limit_usd < 0:
            raise InputError(f"--max-cost: must be 0 or more, got {limit_usd}")
        if price is None:
            raise InputError(
                f"--max-cost: no price for {model} in the price table: add it with --prices FILE (or $VALUELENS_PRICES)"
            )
        return cls(limit_usd, price, shape, spent_usd)

    @contextmanager
    def asking(self, price: Price, shape: RequestShape) -> Iterator[SpendGuard]:
        """Within: reserve and settle at `price` and `shape` (free text; a judge model at its own price);
        the spend and the stop stay shared."""
        kept = self.price, self.shape
        self.price, self.shape = price, shape
        try:
            yield self
        finally:
            self.price, self.shape = kept

    def worst_cost(self, prompts: list[Prompt]) -> float:
        """The most these prompts can cost if every one needs the costlier way of asking."""
        tokens_in = sum(estimate_prompt_tokens(p) for p in prompts) * self.shape.worst_requests
        return self.price.cost(tokens_in, self.shape.worst_completion_tokens * len(prompts))

    def _fits(self, usd: float) -> bool:
        return not self._stopped and self.spent_usd + self.reserved_usd + usd <= self.limit_usd

    def _refuse(self, n: int) -> None:
        self._stopped = True
        self.refused += n

    def admit(self, prompts: list[Prompt]) -> Reservation | None:
        """Reserve the worst cost of asking `prompts`, or None (and stop for good) when it would pass the limit."""
        usd = self.worst_cost(prompts)
        if not self._fits(usd):
            self._refuse(len(prompts))
            return None
        self.reserved_usd += usd
        return Reservation(usd)

    def admit_prefix(self, prompts: list[Prompt]) -> tuple[int, Reservation | None]:
        """Reserve the longest prefix of `prompts` whose worst cost fits (a batch may carry many prompts);
        (0, None) when none fits. The guard stops once any prompt is refused."""
        fits = len(prompts)
        while fits and not self._fits(self.worst_cost(prompts[:fits])):
            fits -= 1
        held = self.admit(prompts[:fits]) if fits else None
        if fits < len(prompts):
            self._refuse(len(prompts) - fits)
        return fits, held

    def settle(self, reservation: Reservation, used: Usage) -> None:
        """Replace a reservation by the cost of the tokens the provider reported for it."""
        self.reserved_usd = max(0.0, self.reserved_usd - reservation.usd)
        self.spent_usd += self.price.cost(used.tokens_prompt, used.tokens_completion)

    @property
    def stopped(self) -> bool:
        return self._stopped

    def message(self) -> str:
        """The one line the CLI prints when the guard stopped a run."""
        return (
            f"stopped at --max-cost ${self.limit_usd:.2f}: estimated spend ${self.spent_usd:.4f} "
            f"(prices of {self.price.date}); {self.refused} prompts not asked: rerun with a higher "
            "--max-cost to go on (answers so far are kept)"
        )
