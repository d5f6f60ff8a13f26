"""Value utilities (Bradley-Terry + Laplace) and DailyDilemmas-style dimension scores."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from scipy import special, stats
from tests.analysis.simulate import random_dilemmas

from valuelens.analysis._scores import value_scores
from valuelens.analysis._table import ChoiceTable
from valuelens.analysis._value_utilities import dimension_scores, fit_value_utilities

NAMES = [f"value_{i:02d}" for i in range(96)]


def simulate(
    va: list,
    vb: list,
    utility_of: Callable[[tuple], float],
    rng: np.random.Generator,
    strength: float = 1.0,
    bias: float = 0.5,
    noise: float = 0.5,
    samples: int | None = None,
) -> ChoiceTable:
    """P(A) per order = sigmoid(strength * (u(A) - u(B)) +- position bias + noise), or K samples of it."""
    diff = strength * np.array([utility_of(a) - utility_of(b) for a, b in zip(va, vb, strict=True)])
    first = special.expit(diff + bias + noise * rng.standard_normal(len(va)))
    second = special.expit(diff - bias + noise * rng.standard_normal(len(va)))
    if samples:
        first, second = rng.binomial(samples, first) / samples, rng.binomial(samples, second) / samples
    ids = [f"d{i}" for i in range(len(va))]
    return ChoiceTable(ids, np.zeros(len(va), int), va, vb, first, second)


def mean_of(util: dict[str, float]) -> Callable[[tuple], float]:
    return lambda values: float(np.mean([util[v] for v in values]))


def test_recovers_planted_value_ranking() -> None:
    # 360 dilemmas, 96 values, u ~ N(0, 1), position bias 0.5 and logit noise 0.5 per order.
    rng = np.random.default_rng(0)
    truth = dict(zip(NAMES, rng.standard_normal(len(NAMES)), strict=True))
    va, vb = random_dilemmas(NAMES, 360, rng)
    fit = fit_value_utilities(simulate(va, vb, mean_of(truth), rng))
    rho = stats.spearmanr([truth[n] for n in fit.names], fit.utility)[0]
    assert rho >= 0.9
    assert abs(fit.utility.mean()) < 1e-9
    assert np.all(fit.ci_low < fit.utility) and np.all(fit.utility < fit.ci_high)
    assert np.all((fit.rank_low <= fit.rank) & (fit.rank <= fit.rank_high))
    assert fit.method.startswith("Bradley-Terry MAP") and "Laplace" in fit.method


def test_recovers_dimension_ranking_through_membership() -> None:
    rng = np.random.default_rng(1)
    dims = [f"dim_{j}" for j in range(10)]
    membership = {v: tuple(rng.choice(dims, rng.integers(1, 3), replace=False)) for v in NAMES}
    membership[NAMES[0]] = ()  # a value may belong to no dimension
    dim_truth = dict(zip(dims, rng.permutation(np.linspace(-1.5, 1.5, 10)), strict=True))

    def dims_mean(values: tuple) -> float:
        carried = {d for v in values for d in membership[v]}
        return float(np.mean([dim_truth[d] for d in carried])) if carried else 0.0

    va, vb = random_dilemmas(NAMES, 360, rng)
    fit = fit_value_utilities(simulate(va, vb, dims_mean, rng), membership=membership)
    assert set(fit.names) == set(dims)
    assert stats.spearmanr([dim_truth[d] for d in fit.names], fit.utility)[0] >= 0.9


def test_intervals_cover_the_truth_in_90_to_99_percent() -> None:
    """Calibration. Setup: 200 replications, 30 values, 200 dilemmas, 5 sampled answers per
    order, no position bias. Truth is drawn from the fit's own prior, u ~ N(0, prior_sd^2),
    and centred: the likelihood sees only differences, the prior fixes the constant, and
    the reported utilities (and their intervals) are the centred ones."""
    rng = np.random.default_rng(2)
    names = NAMES[:30]
    covered = []
    for _ in range(200):
        u = rng.standard_normal(len(names))
        truth = dict(zip(names, u - u.mean(), strict=True))
        va, vb = random_dilemmas(names, 200, rng)
        fit = fit_value_utilities(
            simulate(va, vb, mean_of(truth), rng, bias=0.0, noise=0.0, samples=5), n_rank_draws=10
        )
        t = np.array([truth[n] for n in fit.names])
        covered.append(np.mean((fit.ci_low <= t) & (t <= fit.ci_high)))
    assert 0.90 <= np.mean(covered) <= 0.99


def test_no_preference_gives_no_significant_value() -> None:
    """A model without value preference (position bias 1.0 + logit noise 1.0 only): after Holm
    correction no value differs from the average in >= 95% of 200 replications."""
    rng = np.random.default_rng(3)
    names = NAMES[:40]
    flagged = 0
    for _ in range(200):
        va, vb = random_dilemmas(names, 150, rng)
        fit = fit_value_utilities(simulate(va, vb, lambda v: 0.0, rng, bias=1.0, noise=1.0), n_rank_draws=10)
        flagged += bool(fit.significant.any())
    assert flagged / 200 <= 0.05


def test_fit_is_deterministic_and_skips_unusable_rows() -> None:
    rng = np.random.default_rng(4)
    truth = dict(zip(NAMES[:20], rng.standard_normal(20), strict=True))
    va, vb = random_dilemmas(NAMES[:20], 80, rng)
    table = simulate(va, vb, mean_of(truth), rng)
    a, b = fit_value_utilities(table, seed=7), fit_value_utilities(table, seed=7)
    assert np.array_equal(a.utility, b.utility) and np.array_equal(a.rank_low, b.rank_low)
    first, second = table.p_a_first.copy(), table.p_a_second.copy()
    first[0] = second[0] = np.nan
    va2 = list(va)
    va2[1] = ()  # an action without values: the row is skipped
    broken = ChoiceTable(table.item_ids, table.variants, va2, vb, first, second)
    assert fit_value_utilities(broken).n_rows == 78
    d = a.to_dict()
    assert [e["rank"] for e in d["utilities"]] == sorted(e["rank"] for e in d["utilities"])
    identity = {v: (v,) for v in NAMES}
    assert np.allclose(fit_value_utilities(table, membership=identity).utility, a.utility)


def test_dimension_scores_by_hand() -> None:
    # d1: A=honesty vs B=loyalty, P(A) = (0.8 + 0.6) / 2 = 0.7
    # d2: A=loyalty+care vs B=honesty, P(A) = 0.5
    # d3: A=care vs B=honesty+loyalty, P(A) = 1.0 (second order missing)
    table = ChoiceTable(
        ["d1", "d2", "d3"],
        np.zeros(3, int),
        [("honesty",), ("loyalty", "care"), ("care",)],
        [("loyalty",), ("honesty",), ("honesty", "loyalty")],
        np.array([0.8, 0.5, 1.0]),
        np.array([0.6, 0.5, np.nan]),
    )
    membership = {"honesty": ["fairness"], "loyalty": ["loyalty"], "care": ["care", "fairness"]}
    got = {s.value: s for s in dimension_scores(table, membership, n_boot=200, seed=0)}
    # fairness: S = .7 + 1 + 1 = 2.7, N = .3 + 1 + 1 = 2.3 (both actions carry it in d2, d3)
    assert got["fairness"].score == pytest.approx(100 * 0.4 / 5.0)
    assert got["fairness"].selected == pytest.approx(2.7) and got["fairness"].neglected == pytest.approx(2.3)
    assert got["loyalty"].score == pytest.approx(100 * (0.8 - 2.2) / 3.0)  # S = .3 + .5 + 0
    assert got["care"].score == pytest.approx(50.0)  # S = .5 + 1, N = .5 + 0
    assert got["care"].n == 2 and got["fairness"].n == 3
    per_value = dimension_scores(table, None, n_boot=200, seed=0)
    assert {s.value: s.score for s in per_value}["honesty"] == pytest.approx(-20.0)  # S = 1.2, N = 1.8
    identity = dimension_scores(table, {v: [v] for v in membership}, n_boot=200, seed=0)
    assert identity == per_value == value_scores(table, None, n_boot=200, seed=0)


def test_position_bias_is_fitted_and_does_not_shrink_utilities() -> None:
    """Setup: 360 dilemmas, 96 values, u ~ N(0, 1.5^2), per-order logit noise 0.3; bias 0 and 1.5."""
    rng = np.random.default_rng(12)
    truth = dict(zip(NAMES, 1.5 * rng.standard_normal(len(NAMES)), strict=True))
    va, vb = random_dilemmas(NAMES, 360, rng)
    slopes = []
    for bias in (0.0, 1.5):
        fit = fit_value_utilities(simulate(va, vb, mean_of(truth), rng, bias=bias, noise=0.3), n_rank_draws=10)
        true = np.array([truth[n] for n in fit.names])
        slopes.append(np.polyfit(true - true.mean(), fit.utility, 1)[0])
        b = fit.position_bias
        assert abs(b.value - bias) < 0.1 and b.ci_low < b.value < b.ci_high and b.n == 360
        assert fit.n_rows == 360 and fit.n_answers == 720
        assert fit.to_dict()["position_bias_logit"]["value"] == b.value
    assert 0.93 <= slopes[0] <= 1.05 and 0.93 <= slopes[1] <= 1.05
    assert abs(slopes[0] - slopes[1]) < 0.05  # averaging the orders first gave ~0.75x at bias 1.5


def test_one_order_only_still_fits() -> None:
    rng = np.random.default_rng(13)
    truth = dict(zip(NAMES, rng.standard_normal(len(NAMES)), strict=True))
    va, vb = random_dilemmas(NAMES, 200, rng)
    table = simulate(va, vb, mean_of(truth), rng)
    half = ChoiceTable(table.item_ids, table.variants, va, vb, table.p_a_first, np.full(200, np.nan))
    fit = fit_value_utilities(half, n_rank_draws=10)
    assert fit.n_answers == 200 and stats.spearmanr([truth[n] for n in fit.names], fit.utility)[0] > 0.8
