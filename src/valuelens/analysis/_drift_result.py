"""The result of `value_drift`: utilities of one set of names along a series of checkpoints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True, eq=False)
class Drift:
    """Utilities of one set of names (values, or one theory's dimensions) along T checkpoints.

    Arrays are (T, k) per step and name, or (k,) per name. ``utility`` is centred at each step;
    ``change`` = utility - utility at the first step. ``magnitude`` is the largest change from the
    first step (signed), at step index ``magnitude_index``; its interval is the Student t interval of
    the change at that step (not widened for having picked the step). ``drift_step`` is the first
    step by which half of the final change is reached, with a percentile interval over the paired
    bootstrap. ``statistic`` is Cochran's Q of "no change along the series" (variance of each step
    = ``pairing_scale`` times its Laplace variance), referred to F(T-1, df); ``p_holm`` is Holm over
    the names, ``significant`` means p_holm < 1 - level. ``spearman_first``/``spearman_last`` (T,)
    correlate each step's ranking with the first's and the last's; their intervals are centred on the
    estimate on Fisher's z scale, with the paired bootstrap's standard deviation.
    """

    names: tuple[str, ...]
    steps: tuple[float, ...]
    utility: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    se: np.ndarray
    change: np.ndarray
    magnitude: np.ndarray
    magnitude_index: np.ndarray
    magnitude_ci_low: np.ndarray
    magnitude_ci_high: np.ndarray
    drift_step: np.ndarray
    drift_step_ci_low: np.ndarray
    drift_step_ci_high: np.ndarray
    statistic: np.ndarray
    p_value: np.ndarray
    p_holm: np.ndarray
    significant: np.ndarray
    n: np.ndarray
    spearman_first: np.ndarray
    spearman_first_ci: np.ndarray
    spearman_last: np.ndarray
    spearman_last_ci: np.ndarray
    pairing_scale: float
    df: float
    n_shared: int
    n_boot: int
    level: float

    def entries(self) -> list[dict[str, Any]]:
        """One JSON-ready entry per name, the most moved (largest |magnitude|) first."""
        out = []
        for j in np.argsort(-np.abs(self.magnitude), kind="stable"):
            out.append(
                {
                    "name": self.names[j],
                    "trajectory": [
                        {
                            "step": s,
                            "utility": float(self.utility[t, j]),
                            "ci_low": float(self.ci_low[t, j]),
                            "ci_high": float(self.ci_high[t, j]),
                        }
                        for t, s in enumerate(self.steps)
                    ],
                    "magnitude": float(self.magnitude[j]),
                    "magnitude_ci_low": float(self.magnitude_ci_low[j]),
                    "magnitude_ci_high": float(self.magnitude_ci_high[j]),
                    "magnitude_step": self.steps[int(self.magnitude_index[j])],
                    "drift_step": float(self.drift_step[j]),
                    "drift_step_ci_low": float(self.drift_step_ci_low[j]),
                    "drift_step_ci_high": float(self.drift_step_ci_high[j]),
                    "statistic": float(self.statistic[j]),
                    "p_value": float(self.p_value[j]),
                    "p_holm": float(self.p_holm[j]),
                    "significant": bool(self.significant[j]),
                    "n": int(self.n[j]),
                }
            )
        return out

    def correlations(self) -> list[dict[str, Any]]:
        """Per step: Spearman correlation of its ranking with the first step's and the last step's."""
        return [
            {
                "step": s,
                "spearman_first": float(self.spearman_first[t]),
                "spearman_first_ci": [float(x) for x in self.spearman_first_ci[t]],
                "spearman_last": float(self.spearman_last[t]),
                "spearman_last_ci": [float(x) for x in self.spearman_last_ci[t]],
            }
            for t, s in enumerate(self.steps)
        ]
