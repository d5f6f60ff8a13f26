"""Value utilities: a Bradley-Terry model over values fitted to soft choices per option order.

An action's utility is the mean of the utilities of the values it carries (or, given a
theory ``membership``, of the dimensions those values map to), and for each option order
P(choose the first-listed action) = sigmoid(u(first) - u(second) + b), b the position
bias in logits, fitted jointly. Utilities are identified only up to a common constant;
the Gaussian prior fixes it, and every reported utility is centred (mean zero over the
fitted names), so "utility 0.4" means "0.4 logits above the average value".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from valuelens.analysis._choice_model import PRIOR_SD, centred_variance, fit_dispersed, laplace
from valuelens.analysis._design import build_design
from valuelens.analysis._linalg import holm
from valuelens.analysis._scores import Estimate, ValueScore, value_scores
from valuelens.analysis._table import ChoiceTable

METHOD = (
    "Bradley-Terry MAP per option order with a joint position bias (Gaussian prior, its sd estimated "
    "by empirical Bayes unless given); intervals from the Laplace approximation (inverse Hessian at "
    "the MAP) with a quasi-likelihood dispersion over dilemmas and Student t; ranks from Laplace draws"
)


@dataclass(frozen=True, eq=False)
class ValueUtilities:
    """Fitted utilities, one entry per value (or dimension), all arrays (k,).

    ``utility`` is centred (mean zero); ``ci_low``/``ci_high`` are Laplace intervals at
    ``level`` (Student t on ``df`` residual degrees of freedom); ``rank`` 1 is the highest
    utility, ``rank_low``/``rank_high`` bound it at ``level`` over posterior draws; ``n``
    counts dilemmas touching the name; ``p_value`` tests utility 0 (= the average value),
    ``significant`` after Holm correction. ``dispersion`` is the fitted quasi-likelihood
    dispersion over dilemmas (1 = as noisy as one coin flip per answer); ``prior_sd`` the
    prior sd used (estimated unless given). ``position_bias`` is b, the logit added to the
    first-listed option, with its Laplace interval; ``n_rows`` counts the table rows used
    and ``n_answers`` the answered orders behind them.
    """

    names: tuple[str, ...]
    utility: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    se: np.ndarray
    rank: np.ndarray
    rank_low: np.ndarray
    rank_high: np.ndarray
    n: np.ndarray
    p_value: np.ndarray
    significant: np.ndarray
    dispersion: float
    df: float
    prior_sd: float
    level: float
    n_rows: int
    position_bias: Estimate
    n_answers: int
    method: str = METHOD

    def as_mapping(self) -> dict[str, float]:
        """Name -> centred utility."""
        return dict(zip(self.names, self.utility.tolist(), strict=True))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary, entries sorted by rank."""
        entries = [
            {
                "name": n,
                "utility": float(self.utility[j]),
                "ci_low": float(self.ci_low[j]),
                "ci_high": float(self.ci_high[j]),
                "se": float(self.se[j]),
                "rank": int(self.rank[j]),
                "rank_low": int(self.rank_low[j]),
                "rank_high": int(self.rank_high[j]),
                "n": int(self.n[j]),
                "p_value": float(self.p_value[j]),
                "significant": bool(self.significant[j]),
            }
            for j, n in sorted(enumerate(self.names), key=lambda t: self.rank[t[0]])
        ]
        return {
            "method": self.method,
            "level": self.level,
            "prior_sd": self.prior_sd,
            "dispersion": self.dispersion,
            "df": self.df,
            "n_rows": self.n_rows,
            "n_answers": self.n_answers,
            "position_bias_logit": self.position_bias.to_dict(),
            "utilities": entries,
        }


def fit_value_utilities(
    table: ChoiceTable,
    prior_sd: float | None = PRIOR_SD,
    level: float = 0.95,
    membership: Mapping[str, Sequence[str]] | None = None,
    *,
    seed: int = 0,
    n_rank_draws: int = 2000,
) -> ValueUtilities:
    """Fit per-value (or per-dimension) Bradley-Terry utilities and the position bias to the soft choices.

    Model, per answered order: P(choose the first-listed action) = sigmoid(u(first) -
    u(second) + b), u(action) = mean of its values' utilities (with ``membership``, mean
    over the union of the dimensions its values map to), b the position bias in logits.
    Rows with no answer, or with an action carrying no value/dimension, are skipped. MAP
    with an N(0, prior_sd^2) prior per utility (prior_sd estimated when None) and a wide
    prior on b. The soft labels enter a Bernoulli quasi-likelihood whose dispersion is
    estimated from Pearson residuals summed per dilemma; the interval is the Laplace
    approximation (inverse Hessian at the MAP) of that quasi-posterior, for the centred
    utilities, with Student t on the residual degrees of freedom over dilemmas.

    Args:
        table: the choices, n rows.
        prior_sd: prior standard deviation of each utility, in logits; None estimates it.
        level: interval level.
        membership: value name -> dimension ids of one theory, or None for values.
        seed: seeds the posterior draws behind the rank intervals.
        n_rank_draws: number of posterior draws for the rank intervals.

    Returns:
        ValueUtilities with k entries (the names touched by a usable row), sorted by name.
    """
    d = build_design(table, membership)
    if not d.names:
        raise ValueError("no usable rows: every row lacks an answer or has an action with no value")
    theta, phi, sd = fit_dispersed(d, prior_sd)
    k = d.k
    full, df = laplace(d, theta, sd, phi)
    cov, u = full[:k, :k], theta[:k]
    se = np.sqrt(centred_variance(cov))
    u = u - u.mean()
    z = stats.t.ppf(0.5 + level / 2, df)
    b, b_se = float(theta[k]), float(np.sqrt(full[k, k]))
    # The common constant does not change ranks, so draws use the full (prior-identified) covariance.
    draws = u + np.random.default_rng(seed).standard_normal((n_rank_draws, k)) @ np.linalg.cholesky(cov).T
    draw_ranks = np.empty(draws.shape, dtype=int)
    np.put_along_axis(draw_ranks, np.argsort(-draws, axis=1), np.arange(1, k + 1)[None, :], axis=1)
    tail = 100 * (1 - level) / 2
    p_value = 2 * stats.t.sf(np.abs(u) / np.where(se > 0, se, np.inf), df)
    return ValueUtilities(
        names=d.names,
        utility=u,
        ci_low=u - z * se,
        ci_high=u + z * se,
        se=se,
        rank=stats.rankdata(-u, method="min").astype(int),
        rank_low=np.percentile(draw_ranks, tail, axis=0, method="lower").astype(int),
        rank_high=np.percentile(draw_ranks, 100 - tail, axis=0, method="higher").astype(int),
        n=d.touching(),
        p_value=p_value,
        significant=holm(p_value) < 1 - level,
        dispersion=phi,
        df=float(df),
        prior_sd=sd,
        level=level,
        n_rows=len(np.unique(d.rows)),
        position_bias=Estimate(b, b - z * b_se, b + z * b_se, d.cluster_index[1]),
        n_answers=len(d.p),
    )


def dimension_scores(
    table: ChoiceTable,
    membership: Mapping[str, Sequence[str]] | None,
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> list[ValueScore]:
    """DailyDilemmas-style score per theory dimension, 100 * (S_d - N_d) / (S_d + N_d).

    An action carries dimension d when any of its values maps to d; S_d sums P(action)
    and N_d sums 1 - P(action) over the actions carrying d (so a dimension on both sides
    gains 1 and 1). This is ``value_scores`` with a membership, so the identity mapping
    (or None) gives exactly the per-value scores, intervals included.

    Args:
        table: the choices, n rows (rows without an answer are skipped).
        membership: value name -> dimension ids of one theory, or None for the values.
        n_boot: bootstrap resamples over dilemmas.
        seed: seeds the bootstrap.
        level: interval level.

    Returns:
        One ValueScore per dimension, most chosen first.
    """
    return value_scores(table, membership, n_boot=n_boot, seed=seed, level=level)
