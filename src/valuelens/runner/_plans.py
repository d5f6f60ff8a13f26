"""The dry run of a study that asks several runs in turn (steer, sweep, drift): every run's plan, a
subtotal per model (with the price table and its date) and a total.

Each run's `Plan` is made where that run would begin asking (see `runner._plan`); the study gathers
them with a `PlanCollector` (in `runner._scale`) and raises one `PlanReady` carrying this `PlanSet`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from valuelens.runner._plan import Plan

COUNTS = ("prompts", "cached", "failed_before", "to_ask", "requests", "tokens_prompt")


@dataclass(frozen=True)
class PlannedRun:
    """One run of a study's dry run: `label` names its condition (or checkpoint), `plan` what it would ask."""

    label: str
    plan: Plan


def _sum(plans: list[Plan], what: str) -> float | None:
    """The sum of a cost or time over the plans that have one; None when none has."""
    known = [getattr(p, what) for p in plans if getattr(p, what) is not None]
    return sum(known) if known else None


def subtotal(plans: list[Plan]) -> dict[str, Any]:
    """Counts, tokens, cost and time of `plans` together. Tokens are exact only when every plan's are;
    cost and time add up the plans that have them, and `unpriced` names the models without a price."""
    out: dict[str, Any] = {k: sum(getattr(p, k) for p in plans) for k in COUNTS}
    out["runs"] = len(plans)
    out["tokens_exact"] = all(p.tokens_exact for p in plans)
    for what in ("cost_usd", "cost_usd_max", "seconds"):
        out[what] = _sum(plans, what)
    out["unpriced"] = sorted({p.model for p in plans if p.cost_usd is None})
    return out


@dataclass(frozen=True)
class PlanSet:
    """What a study's runs would ask, in the order it asks them. `study` is its kind ("sweep", ...)."""

    study: str
    runs: tuple[PlannedRun, ...]

    @property
    def models(self) -> list[str]:
        return list(dict.fromkeys(r.plan.model for r in self.runs))

    def per_model(self) -> dict[str, dict[str, Any]]:
        """model -> the subtotal of its runs, with the date and source of the prices behind its cost."""
        out = {}
        for m in self.models:
            plans = [r.plan for r in self.runs if r.plan.model == m]
            out[m] = subtotal(plans) | {"prices_date": plans[0].prices_date, "prices_source": plans[0].prices_source}
        return out

    def to_dict(self) -> dict[str, Any]:
        """The dry run as data: every run's plan (with its `condition` label), per model, and the total."""
        first = self.runs[0].plan if self.runs else None
        return {
            "kind": "plan",
            "study": self.study,
            "runs": [{"condition": r.label, **r.plan.to_dict()} for r in self.runs],
            "models": self.per_model(),
            "total": subtotal([r.plan for r in self.runs]),
            "batch": any(r.plan.batch for r in self.runs),
            "prices_date": first.prices_date if first else None,
            "prices_source": first.prices_source if first else None,
        }

    def lines(self) -> list[str]:
        """The dry run as short lines: one per run, then one per model (cost, prices date, time), then the total."""
        if not self.runs:
            return [f"{self.study}: nothing to ask (stored runs only; no model is called)"]
        out = [f"Dry run of {self.study}: {len(self.runs)} runs, nothing asked."]
        for r in self.runs:
            p = r.plan
            tokens = f"{p.tokens_prompt:,} prompt tokens" + ("" if p.tokens_exact else " (estimate)")
            cost = "" if p.cost_usd is None else f"; ${p.cost_usd:.4f}"
            out.append(
                f"  {p.model} | {r.label}: {p.prompts} prompts, {p.cached} answered in the store, {p.to_ask} to ask; "
                f"{p.requests:,} requests; {tokens}{cost}"
            )
        for model, s in self.per_model().items():
            out.append(f"{model}: {_describe(s)}" + _priced(s))
        total = subtotal([r.plan for r in self.runs])
        unpriced = f" (not counting {', '.join(total['unpriced'])}: no price)" if total["cost_usd"] is not None else ""
        out.append(f"total: {_describe(total)}{unpriced if total['unpriced'] else ''}")
        first = self.runs[0].plan
        how = {r.plan.how for r in self.runs}
        batch = " at the batch price" if any(r.plan.batch for r in self.runs) else ""
        out.append(
            f"requests: {'; '.join(sorted(how))}. Costs{batch} at the prices of {first.prices_date} ({first.prices_source})."
        )
        methods = {r.plan.tokens_method for r in self.runs if not r.plan.tokens_exact}
        methods |= {r.plan.seconds_method for r in self.runs if r.plan.seconds_method}
        out += [f"  {m}" for m in sorted(m for m in methods if m)]
        return out


def _describe(s: dict[str, Any]) -> str:
    """Counts, tokens, cost and time of a subtotal in a few words."""
    tokens = f"{s['tokens_prompt']:,} prompt tokens" + (" (exact)" if s["tokens_exact"] else " (estimate)")
    text = (
        f"{s['runs']} runs, {s['prompts']:,} prompts, {s['cached']:,} answered in the store, {s['to_ask']:,} to ask "
        f"({s['failed_before']:,} failed before), {s['requests']:,} requests, {tokens}"
    )
    if s["cost_usd"] is not None:
        text += f"; estimated cost ${s['cost_usd']:.4f} (at most ${s['cost_usd_max']:.4f})"
    if s["seconds"] is not None:
        text += f"; estimated time {s['seconds']:.0f} s"
    return text


def _priced(s: dict[str, Any]) -> str:
    if s["cost_usd"] is None:
        return f"; no price for this model (prices of {s['prices_date']})"
    return f", prices of {s['prices_date']} ({s['prices_source']})"
