"""What a run cost, part by part: the model asked and, for free text read by a judge, the judge model.

Each part is priced at its own model's price; the run's `cost_usd` is the sum of the parts that have
a price (a self-hosted judge has none), and `cost_unpriced` names the parts that have none, as the
dry-run plan does. Runs stored by earlier versions have no judge part: their stats read as the model's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from valuelens.backends import Backend
    from valuelens.runner._execute import ExecStats

PART_COUNTS = ("model_calls", "cached_calls", "tokens_prompt", "tokens_evaluated", "tokens_completion")


@dataclass(frozen=True)
class PartCost:
    """Calls, tokens and estimated cost of one model's part of a run.

    Attributes:
        model: provider/model of the part (the judge's name for the judge part).
        model_calls, cached_calls: prompts asked of the model, and answered from the store.
        tokens_prompt, tokens_evaluated, tokens_completion: tokens the provider reported.
        cost_usd: at the part's own model's price; None when it has no price.
    """

    model: str
    model_calls: int = 0
    cached_calls: int = 0
    tokens_prompt: int = 0
    tokens_evaluated: int = 0
    tokens_completion: int = 0
    cost_usd: float | None = None

    @classmethod
    def of(cls, backend: Backend, stats: ExecStats) -> PartCost:
        """The part of `backend`, from what it was asked (`stats`) at its price."""
        counts = {k: getattr(stats, k) for k in PART_COUNTS}
        return cls(backend.name, **counts, cost_usd=stats.cost_usd(backend))

    @classmethod
    def from_stats(cls, data: Any) -> PartCost | None:
        """The part stored in a run's stats (None when absent or not an object: no judge)."""
        if not isinstance(data, dict) or not isinstance(data.get("model"), str):
            return None
        cost = data.get("cost_usd")
        counts = {k: int(v) for k, v in data.items() if k in PART_COUNTS and isinstance(v, int | float)}
        return cls(data["model"], **counts, cost_usd=float(cost) if isinstance(cost, int | float) else None)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["cost_usd"] = usd(self.cost_usd)
        return out


def cost_fields(model: str, model_cost: float | None, judge: PartCost | None) -> dict[str, Any]:
    """A summary's cost keys: `cost_usd` (the sum of the priced parts; None when no part has a price)
    and, where a judge read the answers, `model_cost_usd`, `judge` (its part) and `cost_unpriced`."""
    if judge is None:
        return {"cost_usd": usd(model_cost)}
    costs = [c for c in (model_cost, judge.cost_usd) if c is not None]
    unpriced = [name for name, c in ((model, model_cost), (judge.model, judge.cost_usd)) if c is None]
    return {
        "cost_usd": usd(sum(costs)) if costs else None,
        "model_cost_usd": usd(model_cost),
        "judge": judge.to_dict(),
        "cost_unpriced": unpriced,
    }


def stored_cost_fields(model: str, stats: dict[str, Any]) -> dict[str, Any]:
    """The cost keys of stored run stats of `model` (summed over its invocations); {} when it has none."""
    if "cost_usd" not in stats and "judge" not in stats:
        return {}
    judge = PartCost.from_stats(stats.get("judge"))
    if judge is None:  # no judge, or a run stored before the judge was counted apart
        return {"cost_usd": usd(stats.get("cost_usd"))}
    model_cost = stats.get("model_cost_usd")
    return cost_fields(model, model_cost, judge) | {"cost_usd": usd(stats.get("cost_usd"))}


def usd(value: Any) -> float | None:
    """A stored dollar figure as a summary shows it: rounded to 6 places (a sum of floats, such as the
    parts of a run or its invocations merged, carries last-bit noise); None when it is not a number."""
    return round(float(value), 6) if isinstance(value, int | float) else None
