"""A small table of list prices, for an estimated cost per run; models not in it report cost null.

Prices are USD per million tokens (input, output) as published by the providers in 2025; they
change, so the cost is an estimate. Matching is by the longest table name that starts the model
name (`gpt-4o-mini-2024-07-18` matches `gpt-4o-mini`). Self-hosted models have no price.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Price:
    """USD per million input (prompt) and output (completion) tokens."""

    input: float
    output: float

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        return (tokens_in * self.input + tokens_out * self.output) / 1e6


PRICES: dict[str, dict[str, Price]] = {
    "openai": {
        "gpt-4o": Price(2.50, 10.00),
        "gpt-4o-mini": Price(0.15, 0.60),
        "gpt-4.1": Price(2.00, 8.00),
        "gpt-4.1-mini": Price(0.40, 1.60),
        "gpt-4.1-nano": Price(0.10, 0.40),
        "gpt-3.5-turbo": Price(0.50, 1.50),
        "davinci-002": Price(2.00, 2.00),
        "babbage-002": Price(0.40, 0.40),
    },
    "anthropic": {
        "claude-3-5-haiku": Price(0.80, 4.00),
        "claude-3-5-sonnet": Price(3.00, 15.00),
        "claude-3-7-sonnet": Price(3.00, 15.00),
        "claude-haiku-4-5": Price(1.00, 5.00),
        "claude-sonnet-4": Price(3.00, 15.00),
        "claude-opus-4": Price(15.00, 75.00),
    },
}


def price_of(provider: str, model: str) -> Price | None:
    """The list price of `provider/model`, or None when it is not in the table."""
    table = PRICES.get(provider, {})
    matches = [name for name in table if model == name or model.startswith(name + "-")]
    return table[max(matches, key=len)] if matches else None
