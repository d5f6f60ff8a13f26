"""Comparing runs: paired bootstrap differences, Holm, and compositions (Aitchison geometry)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special
from tests.analysis.simulate import random_dilemmas

from valuelens.analysis._compare import (
    aitchison_distance,
    closure,
    compare_tables,
    geometric_mean_aggregate,
    priority_composition,
)
from valuelens.analysis._table import ChoiceTable

NAMES = [f"value_{i:02d}" for i in range(96)]


def run(
    va: list,
    vb: list,
    util: dict[str, float],
    rng: np.random.Generator,
    bias: float = 1.0,
    noise: float = 1.0,
    samples: int | None = None,
) -> ChoiceTable:
    """One synthetic run: P(A) per order = sigmoid(u(A) - u(B) +- bias + fresh logit noise),
    or the share of ``samples`` sampled answers drawn from it."""
    d = np.array([np.mean([util[v] for v in a]) - np.mean([util[v] for v in b]) for a, b in zip(va, vb, strict=True)])
    first = special.expit(d + bias + noise * rng.standard_normal(len(d)))
    second = special.expit(d - bias + noise * rng.standard_normal(len(d)))
    if samples:
        first, second = rng.binomial(samples, first) / samples, rng.binomial(samples, second) / samples
    return ChoiceTable([f"d{i}" for i in range(len(d))], np.zeros(len(d), int), va, vb, first, second)


def test_refuses_runs_without_shared_dilemmas() -> None:
    rng = np.random.default_rng(0)
    va, vb = random_dilemmas(NAMES[:10], 20, rng)
    a = run(va, vb, dict.fromkeys(NAMES[:10], 0.0), rng)
    b = ChoiceTable([f"other{i}" for i in range(20)], a.variants, va, vb, a.p_a_first, a.p_a_second)
    with pytest.raises(ValueError, match="share no answered dilemma"):
        compare_tables(a, b, n_boot=10)


def test_uses_only_shared_rows() -> None:
    rng = np.random.default_rng(1)
    util = dict(zip(NAMES[:20], rng.standard_normal(20), strict=True))
    va, vb = random_dilemmas(NAMES[:20], 120, rng)
    a, b = run(va, vb, util, rng), run(va, vb, util, rng)
    got = compare_tables(a, b.subset(np.arange(60)), n_boot=50, seed=0)
    assert got.n_shared == 60
    assert compare_tables(a, b, n_boot=50, seed=3).to_dict() == compare_tables(a, b, n_boot=50, seed=3).to_dict()


def test_same_model_twice_shows_no_significant_difference() -> None:
    """Setup: 200 pairs of replications (30 values, 150 dilemmas, position bias 1.0, fresh
    logit noise 0.5 per run), 100 paired resamples each: no value flagged after Holm in >= 95%."""
    rng = np.random.default_rng(2)
    names = NAMES[:30]
    flagged, rhos = 0, []
    for rep in range(200):
        util = dict(zip(names, rng.standard_normal(len(names)), strict=True))
        va, vb = random_dilemmas(names, 150, rng)
        a, b = run(va, vb, util, rng, noise=0.5), run(va, vb, util, rng, noise=0.5)
        got = compare_tables(a, b, n_boot=100, seed=rep)
        flagged += bool(got.significant.any())
        rhos.append(got.spearman)
    assert flagged / 200 <= 0.05
    assert np.mean(rhos) > 0.7


def test_planted_shift_in_one_value_is_detected() -> None:
    # 20 sampled answers per order without position bias, so the fitted scale is the planted one
    # (order-averaging under position bias, or logit noise, would flatten it; see the docs).
    rng = np.random.default_rng(3)
    util = dict(zip(NAMES, rng.standard_normal(len(NAMES)), strict=True))
    va, vb = random_dilemmas(NAMES, 360, rng)
    shifted = {**util, "value_00": util["value_00"] + 3.0}
    a = run(va, vb, util, rng, bias=0.0, noise=0.0, samples=20)
    got = compare_tables(a, run(va, vb, shifted, rng, bias=0.0, noise=0.0, samples=20), n_boot=300, seed=0)
    j = got.names.index("value_00")
    assert got.significant[j] and got.difference[j] > 0
    assert got.ci_low[j] < 3.0 - 3.0 / 96 < got.ci_high[j]  # the centred truth
    assert got.significant.sum() <= 2
    assert got.to_dict()["differences"][0]["name"] == "value_00"
    # By dimension: two made-up dimensions, value_00 only in the first.
    membership = {v: ("first",) if v == "value_00" or i % 2 else ("second",) for i, v in enumerate(NAMES)}
    dims = compare_tables(run(va, vb, util, rng), run(va, vb, shifted, rng), n_boot=100, membership=membership)
    assert dims.names == ("first", "second")


def test_aitchison_distance_properties() -> None:
    x, y = np.array([0.2, 0.3, 0.5]), np.array([0.1, 0.6, 0.3])
    assert aitchison_distance(x, x) == 0.0
    assert aitchison_distance(x, 7.0 * x) == pytest.approx(0.0, abs=1e-12)  # proportional = same composition
    assert aitchison_distance(3.0 * x, 0.5 * y) == pytest.approx(aitchison_distance(x, y))
    assert aitchison_distance(x, y) == pytest.approx(aitchison_distance(y, x))
    assert aitchison_distance(np.array([1.0, 1.0]), np.array([1.0, np.e**2])) == pytest.approx(np.sqrt(2))
    with pytest.raises(ValueError, match="strictly positive"):
        aitchison_distance(np.array([0.0, 1.0]), np.array([0.5, 0.5]))


def test_geometric_mean_and_priorities() -> None:
    agg = geometric_mean_aggregate(np.array([[1.0, 2.0, 4.0], [4.0, 2.0, 1.0]]))
    assert np.allclose(agg, [1 / 3, 1 / 3, 1 / 3])
    assert np.allclose(closure(np.array([1.0, 3.0])), [0.25, 0.75])
    u, v = np.array([0.5, -1.0, 2.0, 0.1]), np.array([0.0, 0.3, -0.2, 1.0])
    pu = priority_composition(u)
    assert pu.sum() == pytest.approx(1.0) and np.argmax(pu) == 2
    assert aitchison_distance(pu, priority_composition(v)) == pytest.approx(
        np.linalg.norm((u - u.mean()) - (v - v.mean()))
    )


def test_aitchison_distance_is_bias_corrected_and_inside_its_interval() -> None:
    """Setup: 96 values, 360 dilemmas, two replications of one model (true distance 0), then a
    planted shift of 2 logits in 3 values (true distance 2 * sqrt(3 - 9/96) = 3.41)."""
    rng = np.random.default_rng(8)
    util = dict(zip(NAMES, rng.standard_normal(len(NAMES)), strict=True))
    va, vb = random_dilemmas(NAMES, 360, rng)
    a = run(va, vb, util, rng, noise=0.5)
    null = compare_tables(a, run(va, vb, util, rng, noise=0.5), n_boot=200, seed=1)
    assert null.aitchison < 0.5 * null.aitchison_plugin
    assert null.aitchison_ci[0] <= null.aitchison <= null.aitchison_ci[1]
    shifted = {k: v + 2.0 * (k in NAMES[:3]) for k, v in util.items()}
    got = compare_tables(a, run(va, vb, shifted, rng, noise=0.5), n_boot=200, seed=1)
    assert got.aitchison_ci[0] <= got.aitchison <= got.aitchison_ci[1]
    assert got.aitchison < got.aitchison_plugin
    assert got.aitchison_ci[0] <= 2 * np.sqrt(3 - 9 / 96) <= got.aitchison_ci[1]
    assert got.verdict().label == "different" and got.to_dict()["verdict"]["min_n"] == 10
