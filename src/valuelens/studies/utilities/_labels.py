"""Soft labels of asked outcome pairs: P(the pair's first outcome preferred), averaged over both orders."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from valuelens.prompts import LABELS, PAIR_SEPARATOR
from valuelens.runner import SAMPLES_PER_ORDER, p_first

LOGPROB_VOTES = float(SAMPLES_PER_ORDER)
"""Weight of one order answered with label log-probabilities, in votes: as much as the default K = 10
samples, so a pair answered in both orders weighs 20 either way. An exact probability carries no
sampling noise, but the Thurstonian model describes no real model exactly; with this weight the 95%
intervals covered 99-100% of the true utilities of synthetic models (docs/utilities.md). A sampled
order weighs its number of parsed answers (refused and unparsed samples weigh nothing)."""

TRAINING, HELDOUT = 0, 1
"""Variants of a utilities run's items: training pairs (fitted) and held-out pairs (scored)."""


@dataclass(frozen=True)
class PairLabels:
    """What the model answered for each asked pair, one row per pair.

    Attributes:
        item_ids: (m,) "<first id>|<second id>"; order 0 listed the first outcome as option A.
        pairs: (m,2) outcome indices (first, second).
        variants: (m,) TRAINING or HELDOUT.
        p_order: (m,2) P(first outcome preferred) when it was listed first (column 0) and second
            (column 1); NaN where that order has no usable answer.
        votes: (m,2) weight of each order's answer (LOGPROB_VOTES, or parsed samples); 0 if none.
    """

    item_ids: list[str]
    pairs: np.ndarray
    variants: np.ndarray
    p_order: np.ndarray
    votes: np.ndarray

    def __len__(self) -> int:
        return len(self.item_ids)

    @property
    def answered(self) -> np.ndarray:
        """(m,) bool: at least one order has a usable answer (the others are left out of every fit)."""
        return np.isfinite(self.p_order).any(axis=1)

    @property
    def both_orders(self) -> np.ndarray:
        """(m,) bool: both orders have a usable answer."""
        return np.isfinite(self.p_order).all(axis=1)

    @property
    def p(self) -> np.ndarray:
        """(m,) soft label: the mean over the answered orders; NaN when neither order has an answer."""
        with np.errstate(invalid="ignore"):
            counts = np.isfinite(self.p_order).sum(axis=1)
            return np.where(counts > 0, np.nansum(self.p_order, axis=1) / np.maximum(counts, 1), np.nan)

    @property
    def weights(self) -> np.ndarray:
        """(m,) votes behind each soft label (the `weights` of the Thurstonian fit)."""
        return self.votes.sum(axis=1)

    def select(self, mask: np.ndarray) -> PairLabels:
        """The rows where `mask` (m,) is True."""
        idx = np.flatnonzero(mask)
        return PairLabels(
            [self.item_ids[i] for i in idx], self.pairs[idx], self.variants[idx], self.p_order[idx], self.votes[idx]
        )


def order_label(result: dict[str, Any] | None) -> tuple[float, float]:
    """(P(first-listed option), votes) of one stored answer; (NaN, 0) when it has no usable answer."""
    if result is None:
        return math.nan, 0.0
    if "logprobs" in result:
        return p_first(result, LABELS), LOGPROB_VOTES
    votes = float(sum(result.get("counts", {}).get(lab, 0) for lab in LABELS[:2]))
    return (p_first(result, LABELS), votes) if votes else (math.nan, 0.0)


def pair_labels(items: list[tuple[str, int, int, str]], answers: dict[str, Any], index: dict[str, int]) -> PairLabels:
    """Soft labels of the pairs among `items` ((item_id, variant, order, key), as stored) from `answers`.

    Args:
        items: the run's items; both orders of a pair share its item id and variant.
        answers: key -> stored answer (missing keys have no answer).
        index: outcome id -> position in the run's outcome list.
    """
    rows: dict[tuple[str, int], list[tuple[float, float]]] = {}
    for item_id, variant, order, key in items:
        row = rows.setdefault((item_id, variant), [(math.nan, 0.0), (math.nan, 0.0)])
        pf, votes = order_label(answers.get(key))
        row[order] = (pf if order == 0 else 1.0 - pf, votes)  # P(the pair's first outcome preferred)
    ids = [item for item, _ in rows]
    pairs = [[index[o] for o in item.split(PAIR_SEPARATOR)] for item in ids]
    return PairLabels(
        item_ids=ids,
        pairs=np.array(pairs, dtype=np.int64).reshape(-1, 2),
        variants=np.array([v for _, v in rows], dtype=np.int64),
        p_order=np.array([[pf for pf, _ in r] for r in rows.values()], dtype=float).reshape(-1, 2),
        votes=np.array([[w for _, w in r] for r in rows.values()], dtype=float).reshape(-1, 2),
    )
