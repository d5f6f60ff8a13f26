"""Order and paraphrase consistency, split-half reliability and the plain-words verdict."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from scipy import special
from scipy.spatial import distance

from valuelens.analysis._reliability import (
    js_distance,
    order_consistency,
    paraphrase_consistency,
    reliability_verdict,
    split_half_reliability,
)
from valuelens.analysis._table import ChoiceTable
from valuelens.analysis._value_utilities import fit_value_utilities

NAMES = [f"value_{i:02d}" for i in range(96)]


def simulate(
    names: Sequence[str], util: np.ndarray, n: int, rng: np.random.Generator, bias: float = 1.0, noise: float = 1.0
) -> ChoiceTable:
    """Random dilemmas (1-3 values per action); P(A) per order = sigmoid(u(A) - u(B) +- bias + noise)."""
    va, vb, diff = [], [], []
    for _ in range(n):
        ka, kb = rng.integers(1, 4, 2)
        pick = rng.choice(len(names), ka + kb, replace=False)
        va.append(tuple(names[j] for j in pick[:ka]))
        vb.append(tuple(names[j] for j in pick[ka:]))
        diff.append(util[pick[:ka]].mean() - util[pick[ka:]].mean())
    d = np.array(diff)
    first = special.expit(d + bias + noise * rng.standard_normal(n))
    second = special.expit(d - bias + noise * rng.standard_normal(n))
    return ChoiceTable([f"d{i}" for i in range(n)], np.zeros(n, int), va, vb, first, second)


def test_js_distance_known_values() -> None:
    assert js_distance(np.array([1.0]), np.array([0.0]))[0] == pytest.approx(1.0)
    assert js_distance(np.array([0.3]), np.array([0.3]))[0] == pytest.approx(0.0, abs=1e-8)
    # m = (0.75, 0.25): H(m) - (H(p) + H(q)) / 2 = 0.811278 - 0.5 bits
    assert js_distance(np.array([0.5]), np.array([1.0]))[0] == pytest.approx(np.sqrt(0.811278124459 - 0.5))
    p, q = np.array([0.1, 0.5, 0.9, 0.02]), np.array([0.7, 0.4, 0.2, 0.99])
    ref = [distance.jensenshannon([a, 1 - a], [b, 1 - b], base=2) for a, b in zip(p, q, strict=True)]
    assert np.allclose(js_distance(p, q), ref)


def test_order_consistency() -> None:
    table = ChoiceTable(
        ["a", "b", "c"],
        np.zeros(3, int),
        [("x",)] * 3,
        [("y",)] * 3,
        np.array([1.0, 0.3, 0.5]),
        np.array([0.0, 0.3, np.nan]),
    )
    got = order_consistency(table, n_boot=200, seed=0)
    assert got.n == 2  # row c lacks its second order
    assert got.mean == pytest.approx(0.5)  # distances 1 and 0
    assert got.ci_low <= got.mean <= got.ci_high
    assert got.to_dict()["least_consistent"][0] == {"item_id": "a", "distance": pytest.approx(1.0)}


def test_paraphrase_consistency_moore_definition() -> None:
    # group g1: variants with P(A) 0.2 and 0.8 -> centroid 0.5; g2: identical; g3: a single wording.
    table = ChoiceTable(
        ["g1", "g1", "g2", "g2", "g2", "g3"],
        np.array([0, 1, 0, 1, 2, 0]),
        [("x",)] * 6,
        [("y",)] * 6,
        np.array([0.2, 0.8, 0.6, 0.6, 0.6, 0.9]),
        np.array([0.2, 0.8, 0.6, 0.6, 0.6, 0.9]),
    )
    got = paraphrase_consistency(table, n_boot=200, seed=0)
    g1 = js_distance(np.array([0.2]), np.array([0.5]))[0]
    assert got.n == 2
    assert got.mean == pytest.approx((g1 + 0.0) / 2)
    empty = paraphrase_consistency(table.originals(), n_boot=10)
    assert empty.n == 0 and np.isnan(empty.mean)


def test_no_preference_is_reported_as_noise() -> None:
    """Setup: 20 replications, 40 values, 150 dilemmas, position bias 1.0 and logit noise 1.0, no utilities."""
    rng = np.random.default_rng(10)
    names = NAMES[:40]
    reliabilities, noise_verdicts = [], 0
    for rep in range(20):
        table = simulate(names, np.zeros(len(names)), 150, rng)
        split = split_half_reliability(table, n_splits=40, seed=rep)
        reliabilities.append(split.reliability)
        verdict = reliability_verdict(split, fit_value_utilities(table, n_rank_draws=10))
        noise_verdicts += verdict.startswith("No reliable value preference")
    assert abs(np.mean(reliabilities)) < 0.15
    assert noise_verdicts >= 19
    assert "indistinguishable from noise" in verdict


def test_planted_profile_is_reliable() -> None:
    rng = np.random.default_rng(11)
    table = simulate(NAMES, rng.standard_normal(len(NAMES)), 360, rng, noise=0.5)
    split = split_half_reliability(table, n_splits=40, seed=0)
    assert split.reliability > 0.8 and split.low > 0.5
    assert split.n_items == 360 and split.n_values > 80
    verdict = reliability_verdict(split)
    assert verdict.startswith("Reliable profile") and f"{split.reliability:.2f}" in verdict
    again = split_half_reliability(table, n_splits=40, seed=0)
    assert again.reliability == split.reliability
