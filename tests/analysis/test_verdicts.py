"""Verdict rules: one place, a minimum n each, None with the reason below it."""

from __future__ import annotations

import numpy as np
import pytest

from valuelens.analysis import comparison_verdict, reliability_level, say_do_verdict, steering_verdict
from valuelens.analysis._survey import spearman_interval
from valuelens.analysis._verdicts import MIN_COMPARE, MIN_RELIABILITY, MIN_SAY_DO, MIN_STEERING


def test_steering_verdict_needs_enough_dilemmas() -> None:
    few = steering_verdict(0.02, 0.01, 0.03, 2, "system_prompt", (0.5, 0.52))
    assert few.label is None and few.min_n == MIN_STEERING
    assert few.text.startswith("No verdict: too few dilemmas (n = 2) for a verdict")
    assert steering_verdict(0.2, 0.1, 0.3, MIN_STEERING).label == "steerable"
    assert steering_verdict(-0.2, -0.3, -0.1, 12).label == "backfires"
    assert steering_verdict(0.0, -0.1, 0.1, 12).text.startswith("No reliable steering effect")
    assert steering_verdict(0.1, float("nan"), float("nan"), 12).label is None


def test_other_verdicts_state_their_minimum() -> None:
    assert comparison_verdict(3, 96, MIN_COMPARE - 1).label is None
    assert comparison_verdict(3, 96, 360).label == "different"
    assert comparison_verdict(0, 96, 360).label == "no reliable difference"
    assert say_do_verdict(0.9, 0.5, 0.98, MIN_SAY_DO - 1).label is None
    assert say_do_verdict(0.9, 0.5, 0.98, 10).label == "does what it says"
    assert say_do_verdict(0.1, -0.5, 0.6, 10).text.startswith("The survey and the choices show no clear relation")
    low = reliability_level(0.9, MIN_RELIABILITY - 1)
    assert low.label is None and "too few dilemmas (n = 19)" in low.text
    assert reliability_level(0.9, 360).label == "reliable"
    assert reliability_level(0.5, 360).label == "partly reliable"
    assert reliability_level(0.1, 360).label == "no reliable value preference"


@pytest.mark.parametrize("rho", [0.0, 0.6])
def test_spearman_interval_covers_at_ten_points(rho: float) -> None:
    """Setup: 1000 samples of 10 bivariate normal points; Fisher z with the Bonett-Wright SE."""
    rng = np.random.default_rng(5)
    from scipy import stats

    truth = 6 / np.pi * np.arcsin(rho / 2)
    hits = 0
    for _ in range(1000):
        x = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], 10)
        lo, hi = spearman_interval(float(stats.spearmanr(x[:, 0], x[:, 1])[0]), 10)
        hits += lo <= truth <= hi
    assert 0.93 <= hits / 1000 <= 0.99
    assert np.isnan(spearman_interval(0.5, 3)[0])
