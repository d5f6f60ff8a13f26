"""Log-probabilities against free text: the yardstick is the agreement that sampling K answers allows."""

from __future__ import annotations

import numpy as np
import pytest

from valuelens.analysis import answer_agreement
from valuelens.analysis._verdicts import MIN_ANSWER_AGREEMENT


def _dilemmas(p_a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(item, dist, scores) of dilemmas asked in both orders: label A shows action A in order 0, action B in order 1."""
    m = len(p_a)
    item = np.repeat(np.arange(m), 2)
    dist = np.empty((2 * m, 2))
    dist[0::2] = np.column_stack([p_a, 1 - p_a])
    dist[1::2] = np.column_stack([1 - p_a, p_a])
    scores = np.tile([[1.0, 0.0], [0.0, 1.0]], (m, 1))
    return item, dist, scores


def _draw(rng: np.random.Generator, dist: np.ndarray, k: int = 5) -> np.ndarray:
    return np.array([rng.multinomial(k, d) for d in dist], dtype=float)


def test_answers_drawn_from_the_log_probabilities_agree() -> None:
    rng = np.random.default_rng(3)
    item, dist, scores = _dilemmas(rng.uniform(0.02, 0.98, size=200))
    a = answer_agreement(item, dist, _draw(rng, dist), scores, 0.5)
    assert a.n == 200 and a.verdict.label == "agrees"
    assert a.correlation is not None and a.correlation > 0.8 and a.ci_low < a.correlation < a.ci_high
    # close dilemmas make the majorities differ by chance: that is the yardstick, not 100%
    assert a.expected_same is not None and 0.7 < a.expected_same < 0.95
    assert abs(a.same_side - a.expected_same) < 0.08 and a.p_value > 0.05
    assert "agree with the log-probabilities as far as sampling allows" in a.verdict.text


def test_choices_reversed_after_thinking_differ() -> None:
    rng = np.random.default_rng(4)
    item, dist, scores = _dilemmas(rng.uniform(0.02, 0.98, size=60))
    a = answer_agreement(item, dist, _draw(rng, dist)[:, ::-1], scores, 0.5)
    assert a.verdict.label == "differs" and a.p_value < 0.01 and a.same_side < 0.3 and a.correlation < 0
    assert a.verdict.text.startswith("Stated first-token preference differs from the choice after thinking")


def test_the_test_holds_its_level_under_the_null() -> None:
    """Free text drawn from the log-probabilities (1-5 reads per prompt): 'differs' at most about 5% of the time."""
    rng = np.random.default_rng(5)
    p_values = []
    for rep in range(120):
        item, dist, scores = _dilemmas(rng.uniform(0.02, 0.98, size=40))
        counts = np.array([rng.multinomial(rng.integers(1, 6), d) for d in dist], dtype=float)
        p_values.append(answer_agreement(item, dist, counts, scores, 0.5, seed=rep, n_sim=300).p_value)
    assert np.mean(np.array(p_values) < 0.05) <= 0.08


def test_prompts_without_both_answers_are_left_out_and_small_n_gets_no_verdict() -> None:
    rng = np.random.default_rng(6)
    item, dist, scores = _dilemmas(rng.uniform(0.02, 0.98, size=12))
    counts = _draw(rng, dist)
    counts[0:2] = 0  # item 0: no free-text answer read in either order
    dist[2:4] = np.nan  # item 1: no log-probability answer
    a = answer_agreement(item, dist, counts, scores, 0.5)
    assert a.n == 10 and a.verdict.label is not None
    small = answer_agreement(item[:8], dist[:8], counts[:8], scores[:8], 0.5)
    assert small.n == 2 and small.verdict.label is None and small.correlation is None
    assert f"it needs at least {MIN_ANSWER_AGREEMENT}" in small.verdict.text
    empty = answer_agreement(item[:2], dist[:2], counts[:2], scores[:2], 0.5)
    assert empty.n == 0 and empty.same_side is None and empty.to_dict()["verdict"] is None


def test_a_scale_compares_ratings_by_side_of_the_midpoint() -> None:
    """Six labels mapped to agreement 1-6 (reversed in order 1), midpoint 3.5."""
    rng = np.random.default_rng(7)
    m, labels = 30, np.arange(1, 7, dtype=float)
    centre = rng.uniform(1.5, 5.5, size=m)
    item = np.repeat(np.arange(m), 2)
    dist, scores = np.empty((2 * m, 6)), np.empty((2 * m, 6))
    for i, c in enumerate(centre):
        w = np.exp(-0.5 * (labels - c) ** 2)
        dist[2 * i], dist[2 * i + 1] = w / w.sum(), (w / w.sum())[::-1]  # order 1 numbers the scale backwards
        scores[2 * i], scores[2 * i + 1] = labels, labels[::-1]
    a = answer_agreement(item, dist, _draw(rng, dist), scores, 3.5, unit="items")
    assert a.n == m and a.correlation > 0.8 and a.verdict.label == "agrees"
    assert "the same side of the scale" in a.verdict.text and f"of {m} items" in a.verdict.text
    flipped = answer_agreement(item, dist, _draw(rng, dist)[:, ::-1], scores, 3.5, unit="items")
    assert flipped.verdict.label == "differs"


def test_the_same_seed_gives_the_same_numbers() -> None:
    rng = np.random.default_rng(8)
    item, dist, scores = _dilemmas(rng.uniform(0.02, 0.98, size=30))
    counts = _draw(rng, dist)
    one, two = (answer_agreement(item, dist, counts, scores, 0.5, seed=1).to_dict() for _ in range(2))
    assert one == two
    assert one["expected_same"] == pytest.approx(
        answer_agreement(item, dist, counts, scores, 0.5, seed=2).expected_same, abs=0.02
    )
