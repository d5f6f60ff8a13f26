"""Active pair selection: budget, no repeats, reproducibility and ranking quality."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import ndtr
from scipy.stats import spearmanr

from valuelens.analysis._active import ActivePairSelector, random_pairs
from valuelens.analysis._thurstone import BradleyTerryModel


class Oracle:
    """Thurstonian ground truth that answers pairs with K votes in each option order."""

    def __init__(self, n: int, seed: int, k: int = 10) -> None:
        rng = np.random.default_rng(seed)
        self.mu = rng.normal(size=n)
        self.var = rng.lognormal(0.0, 0.5, size=n)
        self.k = k
        self.rng = rng

    def ask(self, pairs: np.ndarray) -> np.ndarray:
        a, b = pairs[:, 0], pairs[:, 1]
        p = ndtr((self.mu[a] - self.mu[b]) / np.sqrt(self.var[a] + self.var[b]))
        votes = self.rng.binomial(self.k, p) + (self.k - self.rng.binomial(self.k, 1.0 - p))
        return votes / (2 * self.k)


def run(selector: ActivePairSelector, oracle: Oracle) -> list[np.ndarray]:
    rounds = []
    while not selector.done:
        pairs = selector.next_pairs()
        rounds.append(pairs)
        selector.observe(pairs, oracle.ask(pairs))
    return rounds


def keys(pairs: np.ndarray) -> set[tuple[int, int]]:
    return {(min(a, b), max(a, b)) for a, b in pairs.tolist()}


def test_random_pairs_are_distinct_and_reproducible() -> None:
    pairs = random_pairs(30, 300, seed=1)
    assert pairs.shape == (300, 2)
    assert np.all(pairs[:, 0] != pairs[:, 1]) and pairs.min() >= 0 and pairs.max() < 30
    assert len(keys(pairs)) == 300
    np.testing.assert_array_equal(pairs, random_pairs(30, 300, seed=1))
    assert not np.array_equal(pairs, random_pairs(30, 300, seed=2))
    assert len(keys(random_pairs(10, 45, seed=0))) == 45  # every pair of 10 items
    with pytest.raises(ValueError):
        random_pairs(10, 46)


def test_default_budget_and_regular_first_round() -> None:
    selector = ActivePairSelector(150, seed=0)
    assert selector.budget == math.ceil(2 * 150 * math.log2(150))
    first = selector.next_pairs()
    degree = np.bincount(first.ravel(), minlength=150)
    assert np.all(degree == degree[0]) and degree[0] >= 2  # a regular graph
    assert len(keys(first)) == len(first)
    np.testing.assert_array_equal(selector.next_pairs(), first)  # unanswered pairs come back


def test_active_selection_ranks_items_within_the_default_budget() -> None:
    oracle = Oracle(150, seed=3)
    selector = ActivePairSelector(150, seed=3, stable_rank_corr=None)
    rounds = run(selector, oracle)
    asked = np.concatenate(rounds)
    assert len(asked) == selector.budget and len(rounds) > 3
    assert len(keys(asked)) == len(asked)  # no pair asked twice, in either order
    assert len(selector.next_pairs()) == 0
    assert spearmanr(oracle.mu, selector.model_.utilities_)[0] >= 0.95


def test_adaptive_rounds_prefer_close_calls() -> None:
    oracle = Oracle(120, seed=4)
    selector = ActivePairSelector(120, seed=4, stable_rank_corr=None)
    first = selector.next_pairs()
    selector.observe(first, oracle.ask(first))
    second = selector.next_pairs()
    gap = np.abs(oracle.mu[:, None] - oracle.mu[None, :])
    assert np.median(gap[second[:, 0], second[:, 1]]) < 0.5 * np.median(gap[first[:, 0], first[:, 1]])
    assert not keys(first) & keys(second)


def test_same_seed_same_plan_and_fit() -> None:
    results = []
    for seed in (7, 7, 8):
        selector = ActivePairSelector(80, seed=seed, model_factory=BradleyTerryModel)
        rounds = run(selector, Oracle(80, seed=0))
        results.append((np.concatenate(rounds), selector.model_.utilities_))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
    assert not np.array_equal(results[0][0], results[2][0])


def test_stable_ranking_stops_early_after_half_the_budget() -> None:
    selector = ActivePairSelector(60, seed=5, stable_rank_corr=0.0)  # any ranking counts as stable
    rounds = run(selector, Oracle(60, seed=5))
    asked = sum(len(r) for r in rounds)
    assert selector.converged_ and selector.done
    assert selector.budget / 2 <= asked < selector.budget


def test_budget_caps_at_all_pairs_and_observe_checks_lengths() -> None:
    selector = ActivePairSelector(4, seed=0, stable_rank_corr=None)
    assert selector.budget == 6
    rounds = run(selector, Oracle(4, seed=0))
    assert keys(np.concatenate(rounds)) == {(a, b) for a in range(4) for b in range(a + 1, 4)}
    with pytest.raises(ValueError):
        selector.observe(np.array([[0, 1]]), np.array([0.5, 0.5]))
    with pytest.raises(ValueError):
        ActivePairSelector(1)
