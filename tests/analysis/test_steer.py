"""Steering effect: change in P(choose the supported action), computed the same way in both conditions."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from valuelens.analysis._steer import steering_effect, supported_side
from valuelens.analysis._table import ChoiceTable

NAMES = [f"value_{i:02d}" for i in range(40)]
SUPPORTED, OPPOSED = NAMES[:8], NAMES[8:16]
BIAS, NOISE = 0.5, 0.3


def dilemmas(n: int, rng: np.random.Generator) -> tuple[list, list]:
    va, vb = [], []
    for _ in range(n):
        ka, kb = rng.integers(1, 4, 2)
        pick = rng.choice(len(NAMES), ka + kb, replace=False)
        va.append(tuple(NAMES[j] for j in pick[:ka]))
        vb.append(tuple(NAMES[j] for j in pick[ka:]))
    return va, vb


def logits(va: list, vb: list, util: dict[str, float]) -> np.ndarray:
    return np.array(
        [np.mean([util[v] for v in a]) - np.mean([util[v] for v in b]) for a, b in zip(va, vb, strict=True)]
    )


def run(va: list, vb: list, util: dict[str, float], rng: np.random.Generator) -> ChoiceTable:
    d = logits(va, vb, util)
    first = special.expit(d + BIAS + NOISE * rng.standard_normal(len(d)))
    second = special.expit(d - BIAS + NOISE * rng.standard_normal(len(d)))
    return ChoiceTable([f"d{i}" for i in range(len(d))], np.zeros(len(d), int), va, vb, first, second)


def expected_p_supported(va: list, vb: list, util: dict[str, float]) -> float:
    """Mean over eligible rows of E[order-averaged P(supported action)] (noise integrated out)."""
    side = np.array([supported_side(a, b, set(SUPPORTED), set(OPPOSED)) for a, b in zip(va, vb, strict=True)])
    z = np.random.default_rng(99).standard_normal(4000)[:, None]
    d = logits(va, vb, util)[None, :]
    p_a = (special.expit(d + BIAS + NOISE * z) + special.expit(d - BIAS + NOISE * z)).mean(axis=0) / 2
    return float(np.where(side > 0, p_a, 1 - p_a)[side != 0].mean())


def test_supported_side() -> None:
    sup, opp = {"care"}, {"power"}
    assert supported_side(("care",), ("power", "wealth"), sup, opp) == 1
    assert supported_side(("power",), ("care",), sup, opp) == -1
    assert supported_side(("care", "power"), ("wealth",), sup, opp) == 0  # both kinds on one side
    assert supported_side(("care",), ("care", "power"), sup, opp) == 0
    assert supported_side(("care",), ("wealth",), sup, opp) == 0


def test_planted_shift_is_recovered_with_sign_and_interval() -> None:
    rng = np.random.default_rng(0)
    base = dict(zip(NAMES, rng.standard_normal(len(NAMES)), strict=True))
    steered = {v: u + (1.5 if v in SUPPORTED else -1.5 if v in OPPOSED else 0.0) for v, u in base.items()}
    va, vb = dilemmas(400, rng)
    got = steering_effect(run(va, vb, base, rng), run(va, vb, steered, rng), SUPPORTED, OPPOSED, n_boot=500, seed=0)
    truth = expected_p_supported(va, vb, steered) - expected_p_supported(va, vb, base)
    assert got.effect > 0 and got.ci_low > 0
    assert got.ci_low < truth < got.ci_high
    assert got.effect == pytest.approx(got.p_steered - got.p_baseline)
    assert got.n >= 30 and got.n == got.n_rows
    shift = got.utility_shift
    assert shift is not None
    moved = dict(zip(shift.names, shift.difference, strict=True))
    assert np.mean([moved[v] for v in SUPPORTED]) > 0 > np.mean([moved[v] for v in OPPOSED])
    assert got.to_dict()["utility_shift"]["n_shared"] == 400


def test_identical_conditions_give_zero_effect() -> None:
    rng = np.random.default_rng(1)
    va, vb = dilemmas(200, rng)
    table = run(va, vb, dict.fromkeys(NAMES, 0.0), rng)
    got = steering_effect(table, table, SUPPORTED, OPPOSED, n_boot=100, with_utility_shift=False)
    assert got.effect == 0.0 and got.ci_low == 0.0 and got.ci_high == 0.0
    assert got.p_baseline_ci[0] <= got.p_baseline <= got.p_baseline_ci[1]


def test_refuses_without_eligible_dilemmas() -> None:
    table = ChoiceTable(["d0"], np.zeros(1, int), [("value_20",)], [("value_21",)], np.array([0.5]), np.array([0.5]))
    with pytest.raises(ValueError, match="supported value against an opposed"):
        steering_effect(table, table, SUPPORTED, OPPOSED, n_boot=10)
    with pytest.raises(ValueError, match="both supported and opposed"):
        steering_effect(table, table, ["value_20"], ["value_20"], n_boot=10)
