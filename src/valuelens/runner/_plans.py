"""The dry run of a study that asks several runs in turn (steer, sweep, drift), or of one run asked in
several parts (free text and its judge; `--answer both`): every part's plan, a subtotal per model
(with the price table and its date) and a total.

Each run's `Plan` is made where that run would begin asking (see `runner._plan`); the study gathers
them with a `PlanCollector` (in `runner._scale`) and raises one `PlanReady` carrying this `PlanSet`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from valuelens.runner._plan import Plan, cost_text, output_tokens

COUNTS = (
    *("prompts", "cached", "failed_before", "to_ask", "requests", "tokens_prompt"),
    *("tokens_completion", "tokens_completion_max"),
)
JUDGE = "judge"
"""The part of a free-text run that asks the judge model (its requests are not a stored run of their own)."""


@dataclass(frozen=True)
class PlannedRun:
    """One part of a study's dry run: `label` names its condition (or checkpoint; "" for a lone run),
    `part` how it asks ("free text", "judge", "log-probabilities"; "" for a plain run), `plan` what."""

    label: str
    plan: Plan
    part: str = ""

    @property
    def name(self) -> str:
        """The label and part in words: "baseline (judge)", "judge", "persona:japan"."""
        if self.label and self.part:
            return f"{self.label} ({self.part})"
        return self.label or self.part or "run"


def _sum(plans: list[Plan], what: str) -> float | None:
    """The sum of a cost or time over the plans that have one; None when none has."""
    known = [getattr(p, what) for p in plans if getattr(p, what) is not None]
    return sum(known) if known else None


def subtotal(runs: list[PlannedRun]) -> dict[str, Any]:
    """Counts, tokens, cost and time of `runs` together. Tokens are exact only when every plan's are;
    cost and time add up the plans that have them, and `unpriced` names the models without a price.
    `runs` counts stored runs, `judged` the judge parts; `at_most`: some counts are upper bounds (free
    text); `seconds_not_estimated`: local parts without a time (generation)."""
    plans = [r.plan for r in runs]
    out: dict[str, Any] = {k: sum(getattr(p, k) for p in plans) for k in COUNTS}
    out["runs"] = sum(1 for r in runs if r.part != JUDGE)
    out["judged"] = sum(1 for r in runs if r.part == JUDGE)
    out["tokens_exact"] = all(p.tokens_exact for p in plans)
    out["at_most"] = any(p.at_most for p in plans)
    for what in ("cost_usd", "cost_usd_max", "seconds"):
        out[what] = _sum(plans, what)
    out["seconds_not_estimated"] = sum(1 for p in plans if p.seconds is None and p.seconds_method)
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
            runs = [r for r in self.runs if r.plan.model == m]
            first = runs[0].plan
            out[m] = subtotal(runs) | {"prices_date": first.prices_date, "prices_source": first.prices_source}
        return out

    def to_dict(self) -> dict[str, Any]:
        """The dry run as data: every part's plan (with its `condition` label and `part`), per model, the total."""
        first = self.runs[0].plan if self.runs else None
        return {
            "kind": "plan",
            "study": self.study,
            "runs": [{"condition": r.label, "part": r.part, **r.plan.to_dict()} for r in self.runs],
            "models": self.per_model(),
            "total": subtotal(list(self.runs)),
            "batch": any(r.plan.batch for r in self.runs),
            "prices_date": first.prices_date if first else None,
            "prices_source": first.prices_source if first else None,
        }

    def lines(self) -> list[str]:
        """The dry run as short lines: one per part, then one per model (cost, prices date, time), then the total."""
        if not self.runs:
            return [f"{self.study}: nothing to ask (stored runs only; no model is called)"]
        total = subtotal(list(self.runs))
        parts = f" in {len(self.runs)} parts" if len(self.runs) > total["runs"] else ""
        out = [f"Dry run of {self.study}: {_runs(total['runs'])}{parts}, nothing asked."]
        for r in self.runs:
            p = r.plan
            tokens = f"{p.tokens_prompt:,} prompt tokens" + ("" if p.tokens_exact else " (estimate)")
            cost = "" if p.cost_usd is None else "; " + cost_text(p.cost_usd, p.cost_usd_max, p.at_most)
            out.append(
                f"  {p.model} | {r.name}: {p.prompts} prompts, {p.cached} answered in the store, {p.to_ask} to ask; "
                f"{p.requests:,} requests; {tokens}; "
                f"{output_tokens(p.tokens_completion, p.tokens_completion_max, p.at_most)}{cost}"
            )
        for model, s in self.per_model().items():
            out.append(f"{model}: {_describe(s)}" + _priced(s))
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


def _runs(n: int) -> str:
    return f"{n} run" + ("" if n == 1 else "s")


def _describe(s: dict[str, Any]) -> str:
    """Counts, tokens, cost and time of a subtotal in a few words."""
    tokens = f"{s['tokens_prompt']:,} prompt tokens" + (" (exact)" if s["tokens_exact"] else " (estimate)")
    outputs = output_tokens(s["tokens_completion"], s["tokens_completion_max"], s["at_most"])
    what = [_runs(s["runs"])] if s["runs"] or not s["judged"] else []
    what += [f"judge of {_runs(s['judged'])}"] if s["judged"] else []
    text = (
        f"{', '.join(what)}, {s['prompts']:,} prompts, {s['cached']:,} answered in the store, {s['to_ask']:,} to ask "
        f"({s['failed_before']:,} failed before), {s['requests']:,} requests, {tokens}, {outputs}"
    )
    if s["cost_usd"] is not None:
        text += "; " + cost_text(s["cost_usd"], s["cost_usd_max"], s["at_most"])
    if s["seconds"] is not None:
        text += f"; estimated time {s['seconds']:.0f} s"
        if s["seconds_not_estimated"]:
            text += " (free text not counted: not estimated)"
    elif s["seconds_not_estimated"]:
        text += "; time not estimated (free text)"
    return text


def _priced(s: dict[str, Any]) -> str:
    if s["cost_usd"] is None:
        return f"; no price for this model (prices of {s['prices_date']})"
    return f", prices of {s['prices_date']} ({s['prices_source']})"
