"""Thurstonian utility fits on simulated preferences with known utilities."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import check_grad
from scipy.special import ndtr
from scipy.stats import spearmanr

from valuelens.analysis._active import random_pairs
from valuelens.analysis._thurstone import (
    ThurstonianModel,
    thurstone_objective,
)


def simulate(n: int, m: int, seed: int, k: int | None = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """True means (n,), variances (n,), random pairs (m,2) and soft labels (m,).

    With ``k`` samples per option order the label is the mean of both orders' votes;
    with ``k=None`` it is the true probability.
    """
    rng = np.random.default_rng(seed)
    mu = rng.normal(size=n)
    var = rng.lognormal(0.0, 0.5, size=n)
    pairs = random_pairs(n, m, seed)
    a, b = pairs.T
    true_p = ndtr((mu[a] - mu[b]) / np.sqrt(var[a] + var[b]))
    if k is None:
        return mu, var, pairs, true_p
    votes = rng.binomial(k, true_p) + (k - rng.binomial(k, 1.0 - true_p))
    return mu, var, pairs, votes / (2 * k)


def test_thurstonian_recovers_utilities_from_exact_labels() -> None:
    mu, var, pairs, p = simulate(120, 2500, seed=1, k=None)
    model = ThurstonianModel().fit(pairs, p, 120)
    assert model.converged_
    assert spearmanr(mu, model.utilities_)[0] >= 0.99
    assert spearmanr(var, model.variances_)[0] >= 0.6  # variances are identified, if weakly
    # the fitted model reproduces the labels it was fitted to
    assert np.max(np.abs(model.predict_proba(pairs) - p)) < 0.1


def test_utilities_are_z_scored_and_reproduce_predictions() -> None:
    _, _, pairs, p = simulate(60, 900, seed=2)
    model = ThurstonianModel().fit(pairs, p, 60)
    assert model.utilities_.shape == model.variances_.shape == (60,)
    assert model.n_items_ == 60
    assert abs(model.utilities_.mean()) < 1e-9 and abs(model.utilities_.std() - 1.0) < 1e-9
    np.testing.assert_array_equal(model.means_, model.utilities_)
    a, b = pairs[:5].T
    by_hand = ndtr((model.means_[a] - model.means_[b]) / np.sqrt(model.variances_[a] + model.variances_[b]))
    np.testing.assert_allclose(model.predict_proba(pairs[:5]), by_hand, rtol=1e-12)
    np.testing.assert_allclose(model.predict_proba(pairs[:5, ::-1]), 1.0 - by_hand, atol=1e-12)


def test_noisy_labels_still_rank_items() -> None:
    mu, _, pairs, p = simulate(150, 3000, seed=3)
    model = ThurstonianModel().fit(pairs, p, 150)
    assert spearmanr(mu, model.utilities_)[0] >= 0.97


def test_thurstonian_gradient_is_exact() -> None:
    rng = np.random.default_rng(5)
    n, m = 30, 200
    pairs = random_pairs(n, m, seed=5)
    p = rng.uniform(size=m)
    p[:20] = np.round(p[:20])  # hard labels exercise the one-sided terms
    w = rng.uniform(0.5, 2.0, size=m)
    objective = thurstone_objective(pairs[:, 0], pairs[:, 1], p, w, n, 2.0, 0.7)
    for scale in (0.5, 4.0):  # 4.0 pushes |z| into the far tails
        theta = np.concatenate([rng.normal(scale=scale, size=n), rng.normal(scale=0.5, size=n)])
        err = check_grad(lambda t: objective(t)[0], lambda t: objective(t)[1], theta)
        assert err < 1e-5 * max(1.0, np.linalg.norm(objective(theta)[1]))


@pytest.mark.parametrize("method", ["full", "diagonal"])
def test_thurstonian_intervals_cover_the_truth(method: str) -> None:
    covered = []
    for seed in range(4):
        mu, _, pairs, p = simulate(100, 1500, seed=10 + seed)
        model = ThurstonianModel().fit(pairs, p, 100, weights=np.full(len(p), 20.0))  # 2 orders x 10 votes
        # the Thurstonian scale is arbitrary: put the truth on the fitted scale first
        truth = (mu - mu.mean()) / mu.std()
        truth *= np.polyfit(truth, model.utilities_, 1)[0]
        ci = model.utility_ci_(0.95, method=method)
        covered.append(np.mean((ci[:, 0] <= truth) & (truth <= ci[:, 1])))
        assert 0.2 < np.mean(ci[:, 1] - ci[:, 0]) < 0.8
    assert 0.9 <= np.mean(covered) <= 0.99


def test_diagonal_and_full_standard_errors_agree_roughly() -> None:
    _, _, pairs, p = simulate(80, 1200, seed=7)
    model = ThurstonianModel().fit(pairs, p, 80)
    full, diag = model.utility_se_("full"), model.utility_se_("diagonal")
    assert np.all(full > 0) and np.all(diag > 0)
    assert 0.6 < np.median(diag / full) < 1.2
    assert np.corrcoef(full, diag)[0, 1] > 0.8
    ci = model.utility_ci_(0.5, method="diagonal")
    assert ci.shape == (80, 2) and np.all(ci[:, 0] < model.utilities_) and np.all(model.utilities_ < ci[:, 1])
    with pytest.raises(ValueError):
        model.utility_se_("exact")


def test_weights_count_as_repeated_observations() -> None:
    _, _, pairs, p = simulate(40, 400, seed=8)
    doubled = ThurstonianModel(tol=1e-12).fit(np.concatenate([pairs, pairs]), np.concatenate([p, p]), 40)
    weighted = ThurstonianModel(tol=1e-12).fit(pairs, p, 40, weights=np.full(len(p), 2.0))
    np.testing.assert_allclose(doubled.utilities_, weighted.utilities_, atol=1e-4)


def test_fit_is_deterministic_and_refits_from_scratch() -> None:
    _, _, pairs, p = simulate(100, 1500, seed=9)
    first = ThurstonianModel().fit(pairs, p, 100)
    again = ThurstonianModel().fit(pairs, p, 100)
    np.testing.assert_array_equal(first.utilities_, again.utilities_)
    refit = ThurstonianModel().fit(pairs[:1000], p[:1000], 100).fit(pairs, p, 100)
    np.testing.assert_array_equal(first.utilities_, refit.utilities_)


@pytest.mark.parametrize(
    ("pairs", "p", "message"),
    [
        ([[0, 1]], [1.2], "soft labels"),
        ([[0, 5]], [0.5], "indices"),
        ([[1, 1]], [0.5], "itself"),
        ([[0, 1], [1, 2]], [0.5], "labels for 2 pairs"),
    ],
)
def test_bad_input_is_reported(pairs: list[list[int]], p: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ThurstonianModel().fit(np.array(pairs), np.array(p), 3)
