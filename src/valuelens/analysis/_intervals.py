"""Small interval estimators the studies share: Wilson, a bootstrap mean, the sign of an interval, and the
number of bootstrap resamples."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

N_BOOT = 2000
"""Resamples of a run's own intervals (value scores, position bias)."""
N_BOOT_STUDY = 1000
"""Resamples of study-level intervals (survey, steering, comparisons, sweeps); their --n-boot default."""


def wilson_interval(hits: float, n: float, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval of a proportion hits / n; (NaN, NaN) when n <= 0."""
    if n <= 0:
        return math.nan, math.nan
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def bootstrap_mean(x: np.ndarray, n_boot: int, seed: int) -> dict[str, Any]:
    """Mean of the finite entries of x (n,) with a 95% percentile bootstrap interval.

    Returns {value, ci_low, ci_high, n}; the bounds are None when fewer than 2 entries are finite
    (and the value None when there is none).
    """
    x = x[~np.isnan(x)]
    if len(x) < 2:
        return {"value": float(x.mean()) if len(x) else None, "ci_low": None, "ci_high": None, "n": len(x)}
    boot = x[np.random.default_rng(seed).integers(0, len(x), (n_boot, len(x)))].mean(axis=1)
    lo, hi = np.percentile(boot, [2.5, 97.5])
    return {"value": float(x.mean()), "ci_low": float(lo), "ci_high": float(hi), "n": len(x)}


def interval_sign(ci_low: float, ci_high: float) -> int:
    """+1 when a 95% interval lies above 0, -1 when below, 0 when it includes 0 (the steering verdict rule)."""
    return 1 if ci_low > 0 else -1 if ci_high < 0 else 0
