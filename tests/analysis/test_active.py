"""Active pair selection: budget, no repeats, reproducibility and ranking quality."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import ndtr
from scipy.stats import spearmanr

from valuelens.analysis import ActivePairSelector, ThurstonianModel, random_pairs
from valuelens.analysis._pair_design import crowding_weights, greedy_design, rank_contrast


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


def test_default_budget_and_matching_first_round() -> None:
    selector = ActivePairSelector(150, seed=0)
    assert selector.budget == math.ceil(2 * 150 * math.log2(150))
    first = selector.next_pairs()
    assert np.all(np.bincount(first.ravel(), minlength=150) == 1)  # a perfect matching
    np.testing.assert_array_equal(selector.next_pairs(), first)  # unanswered pairs come back
    odd = ActivePairSelector(151, seed=0, initial_degree=2).next_pairs()
    degree = np.bincount(odd.ravel(), minlength=151)
    assert degree.min() >= 2 and degree.max() <= 4 and len(keys(odd)) == len(odd)


def test_active_selection_ranks_items_within_the_default_budget() -> None:
    oracle = Oracle(150, seed=3)
    selector = ActivePairSelector(150, seed=3, stable_rank_corr=None)
    rounds = run(selector, oracle)
    asked = np.concatenate(rounds)
    assert len(asked) == selector.budget and len(rounds) > 3
    assert len(keys(asked)) == len(asked)  # no pair asked twice, in either order
    assert len(selector.next_pairs()) == 0
    assert spearmanr(oracle.mu, selector.model_.utilities_)[0] >= 0.95


def test_adaptive_rounds_prefer_close_calls_in_crowded_regions() -> None:
    oracle = Oracle(120, seed=4)
    selector = ActivePairSelector(120, seed=4, stable_rank_corr=None)
    rounds = []
    while selector.n_asked < 2 * 120:
        pairs = selector.next_pairs()
        rounds.append(pairs)
        selector.observe(pairs, oracle.ask(pairs), np.full(len(pairs), 20.0))
    later = selector.next_pairs()
    gap = np.abs(oracle.mu[:, None] - oracle.mu[None, :])
    assert np.median(gap[later[:, 0], later[:, 1]]) < 0.5 * np.median(gap[rounds[0][:, 0], rounds[0][:, 1]])
    # items in the crowded middle are asked about more often than items in the tails
    degree = np.bincount(np.concatenate([*rounds, later]).ravel(), minlength=120)
    middle = np.abs(oracle.mu) < 0.5
    tails = np.abs(oracle.mu) > 1.5
    assert degree[middle].mean() > degree[tails].mean()
    assert not keys(np.concatenate(rounds)) & keys(later)


def test_active_beats_random_pairs_on_decisive_preferences() -> None:
    n, votes = 100, 20.0
    oracle = Oracle(n, seed=6)
    oracle.var = oracle.var / 10.0  # decisive: most random pairs are foregone conclusions
    selector = ActivePairSelector(n, seed=6, round_size=10, stable_rank_corr=None)
    while selector.n_asked < int(1.5 * n):
        pairs = selector.next_pairs()
        selector.observe(pairs, oracle.ask(pairs), np.full(len(pairs), votes))
    active = spearmanr(oracle.mu, selector.model_.utilities_)[0]
    pairs = random_pairs(n, selector.n_asked, seed=6)
    fit = ThurstonianModel().fit(pairs, oracle.ask(pairs), n, np.full(len(pairs), votes))
    assert active > spearmanr(oracle.mu, fit.utilities_)[0] + 0.02


def test_large_item_sets_use_per_item_variances() -> None:
    oracle = Oracle(1100, seed=2)
    selector = ActivePairSelector(1100, seed=2, stable_rank_corr=None)
    rounds = []
    for _ in range(8):
        pairs = selector.next_pairs()
        rounds.append(pairs)
        selector.observe(pairs, oracle.ask(pairs), np.full(len(pairs), 20.0))
    assert [len(r) for r in rounds[1:]] == [selector.round_size] * 7
    asked = np.concatenate(rounds)
    assert len(keys(asked)) == len(asked)
    gap = np.abs(oracle.mu[:, None] - oracle.mu[None, :])
    later = np.concatenate(rounds[4:])
    assert np.median(gap[later[:, 0], later[:, 1]]) < 0.75 * np.median(gap[rounds[0][:, 0], rounds[0][:, 1]])


def test_same_seed_same_plan_and_fit() -> None:
    results = []
    for seed in (7, 7, 8):
        selector = ActivePairSelector(80, seed=seed, model_factory=ThurstonianModel)
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
    with pytest.raises(ValueError, match="initial_degree"):
        ActivePairSelector(10, initial_degree=-1)


def test_a_budget_of_every_pair_asks_every_pair() -> None:
    selector = ActivePairSelector(40, seed=1, stable_rank_corr=None, budget=40 * 39 // 2)
    asked = np.concatenate(run(selector, Oracle(40, seed=1)))
    assert len(asked) == 780 and len(keys(asked)) == 780 and selector.done


def naive_greedy(
    pairs: np.ndarray, info: np.ndarray, weight: np.ndarray, k: int, cov: np.ndarray, independent: bool = False
) -> list[int]:
    """The design rule written out: recompute every candidate's weighted variance reduction from the covariance
    (``independent``: keep only its diagonal after each update); ``weight`` (n,) or a matrix L, W = L^T L."""
    cov = cov.copy()
    w = weight.T @ weight if weight.ndim == 2 else np.diag(weight)
    chosen: list[int] = []
    for _ in range(k):
        best, best_gain = -1, -np.inf
        for e, (a, b) in enumerate(pairs.tolist()):
            if e in chosen:
                continue
            g = cov[:, a] - cov[:, b]
            q = g[a] - g[b]
            gain = info[e] * float(g @ w @ g) / (1.0 + info[e] * q)
            if gain > best_gain:
                best, best_gain = e, gain
        a, b = pairs[best]
        g = cov[:, a] - cov[:, b]
        cov -= info[best] / (1.0 + info[best] * (g[a] - g[b])) * np.outer(g, g)
        if independent:
            cov = np.diag(np.diag(cov))
        chosen.append(best)
    return chosen


def test_greedy_design_matches_the_rule_written_out() -> None:
    rng = np.random.default_rng(0)
    n = 25
    root = rng.normal(size=(n, n))
    cov = root @ root.T / n + 0.1 * np.eye(n)
    pairs = np.array([(a, b) for a in range(n) for b in range(a + 1, n)])[rng.permutation(n * (n - 1) // 2)[:120]]
    info = rng.gamma(2.0, 2.0, len(pairs))
    weight = rng.uniform(0.2, 3.0, n)
    fast = greedy_design(pairs, info, weight, 15, cov=cov)
    assert fast.tolist() == naive_greedy(pairs, info, weight, 15, cov)
    # per-item variances: the same rule, treating the items as independent throughout
    var = np.diag(cov).copy()
    diagonal = greedy_design(pairs, info, weight, 15, var=var)
    assert diagonal.tolist() == naive_greedy(pairs, info, weight, 15, np.diag(var), independent=True)
    assert diagonal.tolist() != fast.tolist()
    # a matrix L: the expected reduction of E||L e||^2, with the same low-rank updates
    contrast = rank_contrast(rng.normal(size=n))
    assert greedy_design(pairs, info, contrast, 15, cov=cov).tolist() == naive_greedy(pairs, info, contrast, 15, cov)
    with pytest.raises(ValueError):
        greedy_design(pairs, info, weight, 3)
    with pytest.raises(ValueError, match="cov"):
        greedy_design(pairs, info, contrast, 3, var=var)


def test_rank_contrast_ignores_shared_errors_and_weights_crowded_items() -> None:
    u = np.random.default_rng(1).normal(size=300)
    contrast = rank_contrast(u)
    # an error every item shares moves no rank; an item's own error costs in proportion to its crowding
    np.testing.assert_allclose(contrast @ np.ones(300), 0.0, atol=1e-9)
    own = np.einsum("ij,ij->j", contrast, contrast)
    assert own.mean() == pytest.approx(1.0)
    assert np.corrcoef(own, crowding_weights(u))[0, 1] > 0.99
    assert own[np.abs(u) < 0.3].mean() > 10 * own[np.abs(u) > 2.0].mean()
    # a smooth error (a shift that grows slowly along the scale) costs far less than the same size of noise
    smooth = 0.1 * u
    rough = 0.1 * np.random.default_rng(2).permutation(u)
    assert np.linalg.norm(contrast @ smooth) < 0.2 * np.linalg.norm(contrast @ rough)
