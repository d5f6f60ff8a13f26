"""Steerability: how much a principle or system prompt moves choices toward the values it supports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from valuelens.analysis._compare import Comparison, compare_tables, shared_rows
from valuelens.analysis._table import ChoiceTable
from valuelens.analysis._verdicts import Verdict, steering_verdict


@dataclass(frozen=True, eq=False)
class SteeringEffect:
    """Change in P(choose the supported action), steered minus baseline, over the same dilemmas.

    Both probabilities are means over eligible dilemmas (item_ids) of the order-averaged P
    of the action carrying a supported value (a dilemma's paraphrases averaged first);
    intervals are Student t over those per-dilemma values (paired: the effect is the mean
    of per-dilemma differences), which holds its coverage with a handful of dilemmas where
    a percentile bootstrap does not; ``n`` counts eligible dilemmas, ``n_rows`` eligible
    rows. ``utility_shift`` compares the value utilities of the two conditions (steered -
    baseline); ``n_boot`` is its bootstrap size.
    """

    p_baseline: float
    p_baseline_ci: tuple[float, float]
    p_steered: float
    p_steered_ci: tuple[float, float]
    effect: float
    ci_low: float
    ci_high: float
    n: int
    n_rows: int
    n_boot: int
    level: float
    utility_shift: Comparison | None

    def verdict(self, condition: str = "principle") -> Verdict:
        """Steerable, backfires, no reliable effect, or no verdict below the minimum n (``steering_verdict``)."""
        p = (self.p_baseline, self.p_steered)
        return steering_verdict(self.effect, self.ci_low, self.ci_high, self.n, condition, p)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the utility shift nested under ``utility_shift``)."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "utility_shift"}
        out["p_baseline_ci"], out["p_steered_ci"] = list(self.p_baseline_ci), list(self.p_steered_ci)
        out["utility_shift"] = self.utility_shift.to_dict() if self.utility_shift is not None else None
        return out


def supported_side(values_a: Sequence[str], values_b: Sequence[str], supported: set[str], opposed: set[str]) -> int:
    """+1 if action A carries a supported value and B an opposed one (and neither carries both
    kinds), -1 for the mirror case, 0 when the dilemma does not pit the two against each other."""
    sa, oa = bool(supported & set(values_a)), bool(opposed & set(values_a))
    sb, ob = bool(supported & set(values_b)), bool(opposed & set(values_b))
    if sa and ob and not (oa or sb):
        return 1
    if sb and oa and not (ob or sa):
        return -1
    return 0


def cluster_t_interval(
    values: np.ndarray, clusters: Sequence[str], level: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean of per-cluster means of (m, j) ``values`` with a Student t interval on (clusters - 1) df.

    Returns (mean, low, high), each (j,); the interval is NaN with fewer than 2 clusters.
    """
    ids = sorted(set(clusters))
    where = {c: i for i, c in enumerate(ids)}
    idx = np.array([where[c] for c in clusters])
    sums = np.zeros((len(ids), values.shape[1]))
    np.add.at(sums, idx, values)
    per = sums / np.bincount(idx, minlength=len(ids))[:, None]
    mean = per.mean(axis=0)
    if len(ids) < 2:
        return mean, np.full_like(mean, np.nan), np.full_like(mean, np.nan)
    half = stats.t.ppf(0.5 + level / 2, len(ids) - 1) * per.std(axis=0, ddof=1) / np.sqrt(len(ids))
    return mean, mean - half, mean + half


def steering_effect(
    baseline: ChoiceTable,
    steered: ChoiceTable,
    supported: Sequence[str],
    opposed: Sequence[str],
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    with_utility_shift: bool = True,
) -> SteeringEffect:
    """Effect of steering on the probability of choosing the action that carries a supported value.

    Rows: (item_id, variant) pairs answered in both conditions where one action carries a
    supported value and the other an opposed value, and no action carries both kinds.
    Both conditions are computed the same way: P(supported action) from the
    order-averaged P(A) (``p_a`` or ``1 - p_a``), averaged over the rows.

    Args:
        baseline, steered: the choice tables of the two conditions (same suite).
        supported, opposed: the principle's supported and opposed value names.
        n_boot: bootstrap resamples of the utility shift.
        seed: seeds that bootstrap.
        level: interval level.
        with_utility_shift: also refit all value utilities (``compare_tables``).

    Raises:
        ValueError: no shared answered row, or none pits a supported value against an opposed one.
    """
    sup, opp = set(supported), set(opposed)
    if sup & opp:
        raise ValueError(f"values both supported and opposed: {sorted(sup & opp)}")
    ib, is_ = shared_rows(baseline, steered)
    side = np.array([supported_side(baseline.values_a[i], baseline.values_b[i], sup, opp) for i in ib])
    keep = side != 0
    if not keep.any():
        raise ValueError("no shared dilemma puts a supported value against an opposed value")
    ib, is_, side = ib[keep], is_[keep], side[keep]
    as_supported = lambda p: np.where(side > 0, p, 1.0 - p)  # noqa: E731
    pb, ps = as_supported(baseline.p_a[ib]), as_supported(steered.p_a[is_])
    ids = [baseline.item_ids[i] for i in ib]
    mean, lo, hi = cluster_t_interval(np.column_stack([pb, ps, ps - pb]), ids, level)
    shift = compare_tables(baseline, steered, n_boot, seed, level=level) if with_utility_shift else None
    return SteeringEffect(
        p_baseline=float(mean[0]),
        p_baseline_ci=(float(lo[0]), float(hi[0])),
        p_steered=float(mean[1]),
        p_steered_ci=(float(lo[1]), float(hi[1])),
        effect=float(mean[2]),
        ci_low=float(lo[2]),
        ci_high=float(hi[2]),
        n=len(set(ids)),
        n_rows=len(ids),
        n_boot=n_boot,
        level=level,
        utility_shift=shift,
    )
