"""Stated values: PVQ-style survey scores, and the gap between what a model says and what it does."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from valuelens.analysis._verdicts import Verdict, say_do_verdict


@dataclass(frozen=True, eq=False)
class SurveyScores:
    """Centred score per Schwartz value, arrays (k,).

    ``score`` = mean expected rating of the value's items minus the respondent's mean
    rating over all items (the PVQ's centring, which removes a general tendency to
    agree); intervals are percentile bootstraps resampling items within each value;
    ``n_items`` per value; ``mean_rating`` is the centring constant.
    """

    names: tuple[str, ...]
    score: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    n_items: np.ndarray
    mean_rating: float
    n_boot: int
    level: float
    method: str = "PVQ centring (value mean minus overall mean); bootstrap over items within values"

    def as_mapping(self) -> dict[str, float]:
        """Value -> centred score."""
        return dict(zip(self.names, self.score.tolist(), strict=True))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary, entries sorted by score."""
        entries = [
            {
                "name": self.names[j],
                "score": float(self.score[j]),
                "ci_low": float(self.ci_low[j]),
                "ci_high": float(self.ci_high[j]),
                "n_items": int(self.n_items[j]),
            }
            for j in np.argsort(-self.score, kind="stable")
        ]
        return {
            "method": self.method,
            "level": self.level,
            "n_boot": self.n_boot,
            "mean_rating": self.mean_rating,
            "scores": entries,
        }


def score_survey(
    item_values: Sequence[str], expected_ratings: np.ndarray, n_boot: int = 1000, seed: int = 0, level: float = 0.95
) -> SurveyScores:
    """Score a PVQ-style survey from the expected rating of every item.

    Args:
        item_values: (n,) the Schwartz value each item measures.
        expected_ratings: (n,) expected rating per item (e.g. from the scale labels' probabilities).
        n_boot: bootstrap resamples; each redraws every value's items with replacement
            (stratified, so each value keeps its item count) and recentres.
        seed: seeds the bootstrap.
        level: interval level.

    Returns:
        SurveyScores over the k distinct values, sorted by name. A value with one item
        gets a zero-width interval from its own item; read it as unknown, not exact.
    """
    r = np.asarray(expected_ratings, dtype=float)
    if len(r) != len(item_values) or not len(r):
        raise ValueError(f"need one rating per item: {len(item_values)} items, {len(r)} ratings")
    if np.isnan(r).any():
        raise ValueError("expected_ratings contains NaN; drop unanswered items first")
    names = sorted(set(item_values))
    groups = [np.flatnonzero(np.asarray(item_values) == n) for n in names]
    mean = float(r.mean())
    score = np.array([r[g].mean() for g in groups]) - mean
    rng = np.random.default_rng(seed)
    sums = np.zeros((n_boot, len(names)))
    for j, g in enumerate(groups):
        sums[:, j] = r[g][rng.integers(0, len(g), (n_boot, len(g)))].sum(axis=1)
    sizes = np.array([len(g) for g in groups])
    boot = sums / sizes - (sums.sum(axis=1) / sizes.sum())[:, None]
    tail = 100 * (1 - level) / 2
    return SurveyScores(
        names=tuple(names),
        score=score,
        ci_low=np.percentile(boot, tail, axis=0),
        ci_high=np.percentile(boot, 100 - tail, axis=0),
        n_items=sizes,
        mean_rating=mean,
        n_boot=n_boot,
        level=level,
    )


@dataclass(frozen=True, eq=False)
class SayDoGap:
    """Spearman correlation between stated (survey) and revealed (dilemma) value priorities.

    1 = the model does what it says; 0 = no relation; the interval is Fisher's z with the
    Bonett-Wright standard error for Spearman, sqrt((1 + r^2 / 2) / (n - 3)): analytic, so
    it does not move with a resampling seed, and it holds its coverage at 10 values (the
    percentile bootstrap it replaces did too); ``n`` is the number of values in both.
    """

    spearman: float
    ci_low: float
    ci_high: float
    n: int
    names: tuple[str, ...]
    n_boot: int
    level: float
    method: str = "Spearman over values; Fisher z interval with the Bonett-Wright standard error"

    def verdict(self) -> Verdict:
        """Does the model do what it says (``say_do_verdict``); None below MIN_SAY_DO values."""
        return say_do_verdict(self.spearman, self.ci_low, self.ci_high, self.n)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["names"] = list(self.names)
        out["verdict"] = self.verdict().to_dict()
        return out


def spearman_interval(rho: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Fisher z interval of a Spearman correlation over n points (Bonett-Wright SE); NaN for n <= 3."""
    if n <= 3 or np.isnan(rho):
        return float("nan"), float("nan")
    z, se = np.arctanh(np.clip(rho, -0.9999, 0.9999)), np.sqrt((1 + rho**2 / 2) / (n - 3))
    half = stats.norm.ppf(0.5 + level / 2) * se
    return float(np.tanh(z - half)), float(np.tanh(z + half))


def say_do_gap(
    survey_scores: Mapping[str, float],
    utilities: Mapping[str, float],
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> SayDoGap:
    """Rank agreement between survey scores and dilemma utilities over the values both cover.

    With Schwartz's 10 values the interval is wide (roughly +-0.5 around a moderate
    correlation): ten points cannot pin a rank correlation down, so report the interval,
    not only the point.

    Args:
        survey_scores: value -> stated score (e.g. ``SurveyScores.as_mapping()``).
        utilities: value -> revealed utility (e.g. ``ValueUtilities.as_mapping()``).
        n_boot, seed: kept for callers; the interval is analytic (Fisher z).
        level: interval level.

    Raises:
        ValueError: fewer than 3 values in both mappings.
    """
    names = sorted(set(survey_scores) & set(utilities))
    if len(names) < 3:
        raise ValueError(f"the say-do gap needs at least 3 values in both, got {len(names)}: {names}")
    s = np.array([survey_scores[n] for n in names], dtype=float)
    u = np.array([utilities[n] for n in names], dtype=float)
    rho = float(stats.spearmanr(s, u)[0])
    lo, hi = spearman_interval(rho, len(names), level)
    return SayDoGap(spearman=rho, ci_low=lo, ci_high=hi, n=len(names), names=tuple(names), n_boot=n_boot, level=level)
