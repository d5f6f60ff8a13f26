"""Survey scores (PVQ centring) and the say-do gap."""

from __future__ import annotations

import numpy as np
import pytest

from valuelens.analysis._survey import say_do_gap, score_survey

SCHWARTZ = [
    "achievement",
    "benevolence",
    "conformity",
    "hedonism",
    "power",
    "security",
    "self_direction",
    "stimulation",
    "tradition",
    "universalism",
]


def test_pvq_centring_by_hand() -> None:
    # Overall mean (5 + 3 + 1) / 3 = 3; care mean 4 -> +1; power mean 1 -> -2.
    got = score_survey(["care", "care", "power"], np.array([5.0, 3.0, 1.0]), n_boot=200, seed=0)
    assert got.names == ("care", "power")
    assert np.allclose(got.score, [1.0, -2.0]) and got.mean_rating == 3.0
    assert list(got.n_items) == [2, 1]
    assert np.all(got.ci_low <= got.score + 1e-12) and np.all(got.score <= got.ci_high + 1e-12)
    assert got.to_dict()["scores"][0]["name"] == "care"


def test_recovers_planted_survey_profile() -> None:
    rng = np.random.default_rng(0)
    truth = dict(zip(SCHWARTZ, np.linspace(-1.5, 1.5, 10), strict=True))
    items = [v for v in SCHWARTZ for _ in range(6)]
    ratings = np.array([3.5 + truth[v] + 0.3 * rng.standard_normal() for v in items])
    got = score_survey(items, ratings, n_boot=1000, seed=1)
    centred = {v: t - np.mean(list(truth.values())) for v, t in truth.items()}
    covered = [lo <= centred[v] <= hi for v, lo, hi in zip(got.names, got.ci_low, got.ci_high, strict=True)]
    assert sum(covered) >= 8
    assert np.corrcoef([centred[v] for v in got.names], got.score)[0, 1] > 0.95
    again = score_survey(items, ratings, n_boot=1000, seed=1)
    assert np.array_equal(got.ci_low, again.ci_low)


def test_survey_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="one rating per item"):
        score_survey(["a", "b"], np.array([1.0]))
    with pytest.raises(ValueError, match="NaN"):
        score_survey(["a", "b"], np.array([1.0, np.nan]))


def test_say_do_gap() -> None:
    stated = dict(zip(SCHWARTZ, np.arange(10.0), strict=True))
    same = say_do_gap(stated, {v: 2 * s + 1 for v, s in stated.items()}, n_boot=500, seed=0)
    assert same.spearman == pytest.approx(1.0) and same.n == 10
    reversed_ = say_do_gap(stated, {v: -s for v, s in stated.items()}, n_boot=500, seed=0)
    assert reversed_.spearman == pytest.approx(-1.0)
    rng = np.random.default_rng(2)
    noisy = say_do_gap(stated, {v: s + 3 * rng.standard_normal() for v, s in stated.items()}, n_boot=1000, seed=0)
    assert noisy.ci_low <= noisy.spearman <= noisy.ci_high
    assert noisy.ci_high - noisy.ci_low > 0.3  # ten values cannot pin a rank correlation down
    partial = say_do_gap(stated, {"power": 1.0, "security": 0.0, "tradition": 2.0, "other": 5.0}, n_boot=100)
    assert partial.n == 3 and partial.names == ("power", "security", "tradition")
    with pytest.raises(ValueError, match="at least 3"):
        say_do_gap(stated, {"power": 1.0, "security": 2.0})
