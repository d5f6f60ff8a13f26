"""The --max-cost spend guard: reserves the worst cost before a request, settles on reported usage."""

from __future__ import annotations

import pytest

from valuelens.backends import Price, Usage
from valuelens.errors import InputError
from valuelens.prompts import Prompt
from valuelens.runner._plan import RequestShape, estimate_prompt_tokens
from valuelens.runner._spend import SpendGuard

PRICE = Price(1.0, 4.0, "2025-10")  # USD per million tokens
SHAPE = RequestShape(1, 1, 2, 41, "test")


def _prompt(i: int) -> Prompt:
    return Prompt(system=None, user="x" * 396 + f"{i:04d}", text="")


def test_estimate_counts_characters_and_message_overhead() -> None:
    assert estimate_prompt_tokens(_prompt(1)) == 100 + 4
    assert estimate_prompt_tokens(Prompt(system="s" * 8, user="u" * 4, text="")) == 3 + 8


def test_admits_until_the_worst_case_would_pass_the_limit_then_stops_for_good() -> None:
    guard = SpendGuard.for_model(0.01, "openai/gpt-x", PRICE, SHAPE)
    worst = guard.worst_cost([_prompt(0)])
    assert worst == pytest.approx((104 * 2 * 1.0 + 41 * 4.0) / 1e6)
    admitted = []
    while (r := guard.admit([_prompt(len(admitted))])) is not None:
        admitted.append(r)
    assert len(admitted) == int(0.01 // worst)  # in flight: every reservation counts
    assert guard.stopped and guard.refused == 1
    for r in admitted[:10]:  # the real answers were cheap (log-probabilities): spend falls below the reservations
        guard.settle(r, Usage(calls=1, tokens_prompt=104, tokens_completion=1))
    assert guard.spent_usd == pytest.approx(10 * (104 + 4) / 1e6)
    assert guard.admit([_prompt(0)]) is None  # once stopped it stays stopped: the run ends resumable
    assert guard.refused == 2
    line = guard.message()
    assert "--max-cost $0.01" in line and "2025-10" in line and "2 prompts not asked" in line and "\n" not in line


def test_spend_never_passes_the_limit_when_answers_cost_their_worst() -> None:
    guard = SpendGuard.for_model(0.005, "m", PRICE, SHAPE)
    while (r := guard.admit([_prompt(0)])) is not None:
        guard.settle(r, Usage(calls=2, tokens_prompt=208, tokens_completion=41))
    assert 0.005 - guard.worst_cost([_prompt(0)]) < guard.spent_usd <= 0.005


def test_a_limit_needs_a_price_and_a_sign() -> None:
    with pytest.raises(InputError, match=r"no price for anthropic/x.*--prices FILE"):
        SpendGuard.for_model(1.0, "anthropic/x", None, SHAPE)
    with pytest.raises(InputError, match="0 or more"):
        SpendGuard.for_model(-1.0, "m", PRICE, SHAPE)


def test_a_batch_larger_than_the_limit_is_asked_in_part() -> None:
    """A request carrying many prompts (completions lists, 16 by default) is cut to what still fits."""
    guard = SpendGuard.for_model(0.01, "openai/gpt-x", PRICE, SHAPE)
    worst = guard.worst_cost([_prompt(0)])
    batch = [_prompt(i) for i in range(int(0.01 // worst) + 5)]
    fits, held = guard.admit_prefix(batch)
    assert fits == int(0.01 // worst) and held is not None
    assert guard.stopped and guard.refused == 5
    assert guard.admit_prefix([_prompt(0)]) == (0, None)
