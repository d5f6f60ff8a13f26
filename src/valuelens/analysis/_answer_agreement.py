"""Two measurements of the same prompts compared: label log-probabilities and free-text answers.

Free-text P is a share of K read answers, so even a model that answers exactly by its log-probabilities
disagrees with them on close items. The yardstick is therefore the agreement that sampling alone would
give: each prompt's read answers are redrawn from its log-probability distribution (same number of
reads), many times, and the observed share of items on the same side is set against those draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from valuelens.analysis._verdicts import Verdict, answer_agreement_verdict

N_SIM = 2000
"""Redraws of the free-text answers under "free text samples the log-probabilities"."""
_CHUNK = 250


@dataclass(frozen=True)
class AnswerAgreement:
    """How free-text answers agree with log-probabilities on the same items.

    Attributes:
        n: items measured both ways.
        correlation: Pearson r of the per-item score (P(A), or the rating) between the two; None below
            3 items or without spread. ci_low, ci_high: its Fisher z 95% interval (None below 4 items).
        same_side: share of items whose two scores fall on the same side of the midpoint (the same
            majority choice; two ties count as the same).
        expected_same: that share if the free-text answers were drawn from the log-probabilities.
        p_value: one-sided, P(share <= observed) under those draws.
        verdict: "differs" (p < 0.05), "agrees", or None below the minimum n.
    """

    n: int
    correlation: float | None
    ci_low: float | None
    ci_high: float | None
    same_side: float | None
    expected_same: float | None
    p_value: float | None
    verdict: Verdict

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; `same_majority` is the share of items on the same side."""
        return {
            "n": self.n,
            "correlation": self.correlation,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "same_majority": self.same_side,
            "expected_same": self.expected_same,
            "p_value": self.p_value,
            "verdict": self.verdict.label,
            "verdict_text": self.verdict.text,
            "min_n": self.verdict.min_n,
        }


def _side(x: np.ndarray, midpoint: float) -> np.ndarray:
    return np.sign(np.round(x - midpoint, 9))


def _redraw(rng: np.random.Generator, reads: np.ndarray, dist: np.ndarray, scores: np.ndarray, size: int) -> np.ndarray:
    """(size, m) summed label scores of `reads` answers per prompt drawn from `dist`: a multinomial drawn
    as one binomial per label on what the labels before it left (vectorised over draws and prompts)."""
    left = np.broadcast_to(reads, (size, len(reads))).copy()
    mass = np.ones(len(reads))
    total = np.zeros((size, len(reads)))
    for j in range(dist.shape[1] - 1):
        share = np.clip(np.divide(dist[:, j], mass, out=np.zeros(len(reads)), where=mass > 0), 0.0, 1.0)
        got = rng.binomial(left, share)
        total += got * scores[:, j]
        left -= got
        mass = mass - dist[:, j]
    return total + left * scores[:, -1]


def _pearson(x: np.ndarray, y: np.ndarray) -> tuple[float | None, float | None, float | None]:
    n = len(x)
    if n < 3 or np.std(x) == 0 or np.std(y) == 0:
        return None, None, None
    r = float(stats.pearsonr(x, y).statistic)
    if n < 4:
        return r, None, None
    z, half = np.arctanh(np.clip(r, -0.9999, 0.9999)), 1.959964 / np.sqrt(n - 3)
    return r, float(np.tanh(z - half)), float(np.tanh(z + half))


def answer_agreement(
    item: np.ndarray,
    dist: np.ndarray,
    counts: np.ndarray,
    scores: np.ndarray,
    midpoint: float,
    *,
    seed: int = 0,
    n_sim: int = N_SIM,
    unit: str = "dilemmas",
) -> AnswerAgreement:
    """Agreement of log-probability and free-text answers over the prompts answered both ways.

    Args:
        item: (m,) the item of each prompt (its orders are averaged into one score per item).
        dist: (m, L) label probabilities of each prompt from the log-probability run (NaN: no answer).
        counts: (m, L) free-text answers read as each label (rule or judge; unread answers excluded).
        scores: (m, L) what each label means on the item's scale: P(A) of a dilemma prompt is 1 for the
            label that stands for action A, else 0; a survey prompt's label maps to its agreement 1-6.
        midpoint: the score between the two sides (0.5 for P(A), 3.5 for a 1-6 rating).
        seed: seed of the redraws.
        n_sim: redraws of the free-text answers.
        unit: the items' name in the verdict sentence.

    Returns:
        An AnswerAgreement; prompts without a read answer or without a log-probability answer are left out.
    """
    item, dist = np.asarray(item), np.asarray(dist, dtype=float)
    counts, scores = np.asarray(counts, dtype=float), np.asarray(scores, dtype=float)
    reads = counts.sum(axis=1) if counts.size else np.zeros(len(item))
    ok = (reads > 0) & np.all(np.isfinite(dist), axis=1) & (np.nansum(dist, axis=1) > 0)
    ids, where = np.unique(item[ok], return_inverse=True)
    n = len(ids)
    if n == 0:
        return AnswerAgreement(0, None, None, None, None, None, None, answer_agreement_verdict(0.0, 0.0, 1.0, 0, unit))
    order = np.argsort(where, kind="stable")  # an item's prompts side by side, for the means over them
    d = dist[ok][order] / dist[ok][order].sum(axis=1, keepdims=True)
    c, s, r = counts[ok][order], scores[ok][order], reads[ok][order]
    starts = np.flatnonzero(np.r_[True, np.diff(where[order]) != 0])
    per_item = np.diff(np.r_[starts, len(r)])

    def mean(x: np.ndarray) -> np.ndarray:  # (..., m) prompt scores -> (..., n) item means
        return np.add.reduceat(x, starts, axis=-1) / per_item

    lp, free = mean(np.sum(d * s, axis=1)), mean(np.sum(c * s, axis=1) / r)
    lp_side = _side(lp, midpoint)
    same = float(np.mean(lp_side == _side(free, midpoint)))
    rng = np.random.default_rng(seed)
    sims: list[np.ndarray] = []
    for start in range(0, n_sim, _CHUNK):
        size = min(_CHUNK, n_sim - start)
        scored = _redraw(rng, r.astype(np.int64), d, s, size) / r  # (size, m)
        sims.append(np.mean(_side(mean(scored), midpoint) == lp_side, axis=1))
    null = np.concatenate(sims)
    expected = float(np.mean(null))
    p = float((1 + np.sum(null <= same + 1e-12)) / (n_sim + 1))
    corr, lo, hi = _pearson(lp, free)
    return AnswerAgreement(n, corr, lo, hi, same, expected, p, answer_agreement_verdict(same, expected, p, n, unit))
