"""A run's estimated cost in words: the total and, where a judge read free-text answers, each part
(the model's and the judge's tokens and cost, each at its own model's price; see `runner._costs`)."""

from __future__ import annotations

from typing import Any


def cost_line(summary: dict[str, Any]) -> str:
    """The terminal's cost sentence ("Estimated cost $0.0123 (prices of 2025-10)."); "" without a cost."""
    text = cost_text(summary)
    return f"Estimated cost {text}." if text else ""


def cost_text(summary: dict[str, Any]) -> str:
    """A summary's cost, split into model and judge where a judge read the answers; "" without a cost."""
    judge = summary.get("judge")
    total = summary.get("cost_usd")
    if not isinstance(judge, dict):
        return "" if total is None else f"${total:.4f}{_dated(summary)}"
    mine = _part(summary.get("model_cost_usd"), summary.get("tokens_prompt", 0), summary.get("tokens_completion", 0))
    theirs = _part(judge.get("cost_usd"), judge.get("tokens_prompt", 0), judge.get("tokens_completion", 0))
    head = "no price" if total is None else f"${total:.4f}"
    unpriced = summary.get("cost_unpriced") or []
    note = f" (not counting {', '.join(unpriced)}: no price)" if unpriced and total is not None else ""
    calls = judge.get("model_calls", 0)
    return f"{head}{note}{_dated(summary)}: model {mine}; judge {judge['model']} ({calls} calls) {theirs}"


def _part(cost: float | None, prompt: int, completion: int) -> str:
    price = "no price" if cost is None else f"${cost:.4f}"
    return f"{prompt:,} prompt + {completion:,} output tokens, {price}"


def _dated(summary: dict[str, Any]) -> str:
    return f" (prices of {summary['prices_date']})" if summary.get("prices_date") else ""
