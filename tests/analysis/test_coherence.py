"""Coherence metrics: held-out fit, cycles, decisiveness and exchange rates."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import ndtr

from valuelens.analysis._active import random_pairs
from valuelens.analysis._coherence import (
    cycle_probability,
    decisiveness,
    exchange_rates,
    holdout_metrics,
    preference_matrix,
    split_holdout,
)
from valuelens.analysis._thurstone import ThurstonianModel


class TrueModel:
    """The generating Thurstonian model, with the estimator's predict_proba interface."""

    def __init__(self, mu: np.ndarray, var: np.ndarray) -> None:
        self.mu, self.var, self.n_items_ = mu, var, len(mu)

    def predict_proba(self, pairs: np.ndarray) -> np.ndarray:
        a, b = pairs[:, 0], pairs[:, 1]
        return ndtr((self.mu[a] - self.mu[b]) / np.sqrt(self.var[a] + self.var[b]))


class CoinFlips:
    """A model with no preferences at all."""

    n_items_ = 50

    def predict_proba(self, pairs: np.ndarray) -> np.ndarray:
        return np.full(len(pairs), 0.5)


def noisy_world(n: int, m: int, seed: int, k: int = 10) -> tuple[TrueModel, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = TrueModel(rng.normal(size=n), rng.lognormal(0.0, 0.5, size=n))
    pairs = random_pairs(n, m, seed)
    p_true = truth.predict_proba(pairs)
    votes = rng.binomial(k, p_true) + (k - rng.binomial(k, 1.0 - p_true))
    return truth, pairs, votes / (2 * k)


def test_split_holdout_partitions_reproducibly() -> None:
    pairs = random_pairs(40, 500, seed=0)
    p = np.linspace(0, 1, 500)
    train_pairs, train_p, test_pairs, test_p = split_holdout(pairs, p, 0.2, seed=1)
    assert len(test_p) == 100 and len(train_p) == 400
    assert sorted(np.concatenate([train_p, test_p]).tolist()) == sorted(p.tolist())
    rows = {tuple(r) for r in train_pairs.tolist()} | {tuple(r) for r in test_pairs.tolist()}
    assert len(rows) == 500
    again = split_holdout(pairs, p, 0.2, seed=1)
    np.testing.assert_array_equal(again[2], test_pairs)
    assert not np.array_equal(split_holdout(pairs, p, 0.2, seed=2)[2], test_pairs)


def test_fitted_model_matches_true_model_on_held_out_pairs() -> None:
    truth, pairs, p = noisy_world(200, 6000, seed=2)
    train_pairs, train_p, test_pairs, test_p = split_holdout(pairs, p, 0.2, seed=2)
    model = ThurstonianModel().fit(train_pairs, train_p, 200)
    fitted = holdout_metrics(model, test_pairs, test_p)
    best = holdout_metrics(truth, test_pairs, test_p)
    assert best["holdout_accuracy"] > 0.8
    assert abs(fitted["holdout_accuracy"] - best["holdout_accuracy"]) <= 0.01
    assert fitted["holdout_log_loss"] < best["holdout_log_loss"] + 0.02
    assert fitted["n_pairs"] == 1200 and fitted["n_decided"] == np.sum(test_p != 0.5)


def test_holdout_accuracy_ignores_ties_and_scores_sides() -> None:
    model = TrueModel(np.array([2.0, 0.0, -2.0]), np.full(3, 0.5))
    pairs = np.array([[0, 1], [1, 2], [2, 0], [0, 2]])
    metrics = holdout_metrics(model, pairs, np.array([0.9, 0.2, 0.1, 0.5]))
    assert metrics["holdout_accuracy"] == pytest.approx(2 / 3)
    assert metrics["n_decided"] == 3
    q = model.predict_proba(pairs)
    p = np.array([0.9, 0.2, 0.1, 0.5])
    assert metrics["holdout_log_loss"] == pytest.approx(-np.mean(p * np.log(q) + (1 - p) * np.log(1 - q)))


def test_transitive_model_has_fewer_cycles_than_random_preferences() -> None:
    truth, pairs, p = noisy_world(50, 1000, seed=3)
    model = ThurstonianModel().fit(pairs, p, 50)
    rng = np.random.default_rng(3)
    random_matrix = rng.uniform(size=(50, 50))
    random_matrix = np.triu(random_matrix, 1) + np.tril(1.0 - random_matrix.T, -1)
    fitted = cycle_probability(model, 5000, seed=0)
    assert fitted < 0.2 and fitted < cycle_probability(random_matrix, 5000, seed=0) - 0.05
    assert cycle_probability(CoinFlips(), 1000, seed=0) == pytest.approx(0.25)
    assert cycle_probability(model, 5000, seed=0) == fitted  # seeded
    assert abs(cycle_probability(truth, 5000, seed=0) - fitted) < 0.03


def test_cycle_probability_of_observed_matrix_uses_complete_triads() -> None:
    ranking = np.array([[0, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]], dtype=float)
    assert cycle_probability(ranking) == 0.0
    cyclic = ranking.copy()
    cyclic[0, 2], cyclic[2, 0] = 0.0, 1.0  # 0 > 1 > 2 > 0
    cyclic[0, 3] = cyclic[3, 0] = np.nan  # 0 vs 3 never asked: only triads 012 and 123 are complete
    assert cycle_probability(cyclic) == pytest.approx(0.5)
    matrix = preference_matrix(np.array([[0, 1], [1, 0], [1, 2]]), np.array([0.8, 0.4, 0.3]), 3)
    assert matrix[0, 1] == pytest.approx(0.7) and matrix[1, 0] == pytest.approx(0.3)
    assert matrix[2, 1] == pytest.approx(0.7) and np.isnan(matrix[0, 2])
    assert math.isnan(cycle_probability(matrix))


def test_decisiveness_counts_confident_labels() -> None:
    assert decisiveness(np.array([0.0, 0.2, 0.5, 0.74, 0.76, 1.0])) == pytest.approx(4 / 6)
    assert decisiveness(np.array([0.6, 0.9]), margin=0.05) == 1.0


def test_exchange_rates_recover_planted_rates() -> None:
    quantities = [1, 2, 5, 10, 20, 50, 100, 1000]
    # planted: one unit of "b" is worth 10 units of "a" (same slope), "c" has half the slope
    u = np.concatenate(
        [
            [0.3 + 1.0 * math.log(q) for q in quantities],
            [0.3 + 1.0 * math.log(10) + 1.0 * math.log(q) for q in quantities],
            [-1.0 + 0.5 * math.log(q) for q in quantities],
        ]
    )
    k = len(quantities)
    series = {name: [(s * k + t, q) for t, q in enumerate(quantities)] for s, name in enumerate("abc")}
    result = exchange_rates(u, series, reference=10.0)
    assert result["fits"]["a"]["b"] == pytest.approx(1.0)
    assert result["fits"]["c"]["a"] == pytest.approx(-1.0)
    assert result["fits"]["b"]["r2"] == pytest.approx(1.0) and result["fits"]["b"]["n"] == k
    assert result["rates"]["a"]["b"] == pytest.approx(10.0)
    assert result["rates"]["b"]["a"] == pytest.approx(0.1)
    # U_c(N0=10) = -1 + 0.5 ln 10 must equal U_a(N_a) = 0.3 + ln N_a
    n_a = math.exp(-1.0 + 0.5 * math.log(10) - 0.3)
    assert result["rates"]["a"]["c"] == pytest.approx(n_a / 10.0)
    # rates do not change under a positive affine change of utility scale (e.g. z-scoring)
    rescaled = exchange_rates(3.0 * u - 7.0, series, reference=10.0)
    assert rescaled["rates"]["a"]["c"] == pytest.approx(result["rates"]["a"]["c"])
    flat = exchange_rates(np.zeros(3 * k), series)
    assert math.isnan(flat["rates"]["a"]["b"])
    assert flat["reference"] == pytest.approx(math.exp(np.mean(np.log(quantities))))


def test_exchange_rates_from_a_fitted_model() -> None:
    rng = np.random.default_rng(6)
    quantities = [1, 3, 10, 30, 100, 300, 1000]
    planted = {"x": (0.0, 0.4), "y": (0.4 * math.log(5), 0.4)}  # one y is worth 5 x
    mu = list(rng.normal(size=40))  # unrelated outcomes around them
    series = {}
    for name, (a, b) in planted.items():
        series[name] = [(len(mu) + t, q) for t, q in enumerate(quantities)]
        mu += [a + b * math.log(q) for q in quantities]
    truth = TrueModel(np.array(mu), np.full(len(mu), 0.05))
    pairs = random_pairs(len(mu), 1200, seed=6)
    model = ThurstonianModel().fit(pairs, truth.predict_proba(pairs), len(mu))
    result = exchange_rates(model.utilities_, series)
    assert result["fits"]["x"]["r2"] > 0.98
    assert result["rates"]["x"]["y"] == pytest.approx(5.0, rel=0.15)


def test_exchange_rate_intervals_cover_the_planted_rate() -> None:
    quantities = [1, 3, 10, 30, 100, 300, 1000]
    planted = {"x": (0.0, 0.3), "y": (0.3 * math.log(5), 0.3)}  # one y is worth 5 x
    votes = 20
    covered, widths = 0, []
    for rep in range(40):
        rng = np.random.default_rng(100 + rep)
        mu = list(rng.normal(size=30))
        series = {}
        for name, (a, b) in planted.items():
            series[name] = [(len(mu) + t, q) for t, q in enumerate(quantities)]
            mu += [a + b * math.log(q) for q in quantities]
        truth = TrueModel(np.array(mu), np.full(len(mu), 0.3))
        pairs = random_pairs(len(mu), 400, seed=rep)
        p = rng.binomial(votes, truth.predict_proba(pairs)) / votes
        model = ThurstonianModel().fit(pairs, p, len(mu), np.full(len(p), float(votes)))
        result = exchange_rates(model.utilities_, series, cov=model.utility_cov_(), seed=rep)
        low, high = result["rates_ci"]["x"]["y"]
        assert low <= result["rates"]["x"]["y"] <= high
        assert result["fits"]["x"]["b_ci_low"] < result["fits"]["x"]["b"] < result["fits"]["x"]["b_ci_high"]
        covered += low <= 5.0 <= high
        widths.append(math.log(high / low))
    assert covered >= 34  # 95% intervals: 38 of 40 expected; 34 or more with probability > 0.99
    assert np.median(widths) < math.log(4.0)  # and informative: the upper end under 4x the lower


def test_exchange_rate_interval_is_open_ended_when_the_slope_may_be_flat() -> None:
    quantities = [1, 10, 100]
    u = np.array([0.0, 0.01, 0.02, 0.0, 1.0, 2.0])
    series = {
        "flat": [(t, q) for t, q in enumerate(quantities)],
        "steep": [(3 + t, q) for t, q in enumerate(quantities)],
    }
    result = exchange_rates(u, series, cov=np.eye(6) * 0.05)
    assert result["rates_ci"]["flat"]["steep"][1] == math.inf  # no amount of "flat" may be worth one "steep"
    assert result["rates_ci"]["steep"]["flat"][1] < math.inf and result["level"] == 0.95
    assert "rates_ci" not in exchange_rates(u, series)
    # a series whose utility falls with quantity: no rate, and no huge stand-in number for its interval
    falling = {"up": series["steep"], "down": [(3, 100.0), (4, 10.0), (5, 1.0)], "flat": [(0, 1.0), (0, 1.0)]}
    result = exchange_rates(u, falling, cov=np.eye(6) * 0.001)
    assert math.isnan(result["rates"]["down"]["up"])
    assert result["rates_ci"]["down"]["up"] == [math.inf, math.inf]
    assert math.isnan(result["rates"]["up"]["flat"])  # one quantity only: no slope, no rate
    assert all(math.isnan(v) for v in result["rates_ci"]["up"]["flat"])


def test_exchange_rates_reject_bad_quantities() -> None:
    with pytest.raises(ValueError, match="positive"):
        exchange_rates(np.zeros(2), {"a": [(0, 0.0), (1, 1.0)]})
