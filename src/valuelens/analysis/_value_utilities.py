"""Value utilities: a Bradley-Terry model over values fitted to soft choices, with Laplace intervals.

An action's utility is the mean of the utilities of the values it carries (or, given a
theory ``membership``, of the dimensions those values map to), and
P(choose A) = sigmoid(u(A) - u(B)). Utilities are identified only up to a common
constant; the Gaussian prior fixes it, and every reported utility is centred (mean
zero over the fitted names), so "utility 0.4" means "0.4 logits above the average value".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from scipy import optimize, sparse, special, stats

from valuelens.analysis._linalg import holm, inverse_cholesky, spd_solve
from valuelens.analysis._scores import ValueScore, value_scores
from valuelens.analysis._table import ChoiceTable

METHOD = (
    "Bradley-Terry MAP (Gaussian prior), intervals from the Laplace approximation "
    "(inverse Hessian at the MAP) with quasi-likelihood dispersion; ranks from Laplace draws"
)


def carried(values: Sequence[str], membership: Mapping[str, Sequence[str]] | None) -> set[str]:
    """The names an action carries: its values, or the union of their dimensions."""
    if membership is None:
        return set(values)
    return {d for v in values for d in membership.get(v, ())}


@dataclass(frozen=True, eq=False)
class Design:
    """The usable rows of a table as a sparse design over named columns.

    Attributes:
        names: (k,) value or dimension names, the columns.
        x: (m, k) CSR; row i = mean indicator of A's names minus mean indicator of B's.
        p: (m,) order-averaged P(choose A).
        rows: (m,) indices of the used rows in the table.
        clusters: (m,) item_id of each used row (the unit a bootstrap resamples).
    """

    names: tuple[str, ...]
    x: sparse.csr_matrix
    p: np.ndarray
    rows: np.ndarray
    clusters: tuple[str, ...]

    @cached_property
    def outer(self) -> sparse.csr_matrix:
        """(k*k, m) CSR whose column i is the flattened outer product x_i x_i^T (for Hessians)."""
        k, x = len(self.names), self.x
        row = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))  # row of each stored entry
        rep = np.diff(x.indptr)[row]  # each entry pairs with every entry of its row
        left = np.repeat(np.arange(x.nnz), rep)
        offset = np.arange(rep.sum()) - np.repeat(np.cumsum(rep) - rep, rep)
        right = x.indptr[row][left] + offset
        return sparse.csr_matrix(
            (x.data[left] * x.data[right], (x.indices[left] * k + x.indices[right], row[left])),
            shape=(k * k, x.shape[0]),
        )

    def touching(self) -> np.ndarray:
        """(k,) number of distinct items (dilemmas) touching each column."""
        coo = self.x.tocoo()
        item = np.unique(self.clusters, return_inverse=True)[1]
        return np.bincount(
            np.unique(np.column_stack([item[coo.row], coo.col]), axis=0)[:, 1], minlength=len(self.names)
        )


def build_design(
    table: ChoiceTable,
    membership: Mapping[str, Sequence[str]] | None = None,
    names: Sequence[str] | None = None,
) -> Design:
    """Rows with an answer whose two actions both carry at least one name (others are skipped)."""
    p_all = table.p_a
    used: list[tuple[int, set[str], set[str]]] = []
    for i in range(len(table)):
        a, b = carried(table.values_a[i], membership), carried(table.values_b[i], membership)
        if a and b and not np.isnan(p_all[i]):
            used.append((i, a, b))
    if names is None:
        names = sorted(set().union(*[a | b for _, a, b in used])) if used else []
    col = {n: j for j, n in enumerate(names)}
    r_idx, c_idx, vals = [], [], []
    for r, (_, a, b) in enumerate(used):
        for side, sign in ((a, 1.0), (b, -1.0)):
            for n in side:
                r_idx.append(r)
                c_idx.append(col[n])
                vals.append(sign / len(side))
    x = sparse.csr_matrix((vals, (r_idx, c_idx)), shape=(len(used), len(names)))
    x.sum_duplicates()
    x.eliminate_zeros()  # a value on both sides with equal weight carries no information
    rows = np.array([i for i, _, _ in used], dtype=int)
    return Design(tuple(names), x, p_all[rows], rows, tuple(table.item_ids[i] for i in rows))


def _objective(u: np.ndarray, d: Design, w: np.ndarray, prior_sd: float, phi: float) -> tuple[float, np.ndarray]:
    # Scaled by phi so that a small dispersion does not make the optimiser's numbers huge.
    z = d.x @ u
    loss = np.sum(w * (np.logaddexp(0.0, z) - d.p * z)) + phi * (u @ u) / (2 * prior_sd**2)
    grad = d.x.T @ (w * (special.expit(z) - d.p)) + phi * u / prior_sd**2
    return float(loss), grad


def hessian(u: np.ndarray, d: Design, prior_sd: float, phi: float, w: np.ndarray | None = None) -> np.ndarray:
    """(k, k) Hessian of the negative log quasi-posterior at u."""
    w = np.ones(len(d.p)) if w is None else w
    pi = special.expit(d.x @ u)
    f = (d.outer @ (w * pi * (1 - pi))).reshape(len(u), len(u))
    return f / phi + np.eye(len(u)) / prior_sd**2


NEWTON_MAX = 1000  # names up to which a cold start uses Newton; beyond, L-BFGS-B first


def map_fit(
    d: Design, prior_sd: float, phi: float = 1.0, u0: np.ndarray | None = None, w: np.ndarray | None = None
) -> np.ndarray:
    """(k,) MAP utilities by damped Newton steps (analytic gradient and Hessian, backtracking).

    The objective is convex, so Newton from zero converges in about six steps. With more
    than NEWTON_MAX names a cold start first runs L-BFGS-B on the analytic gradient, where
    dense k x k steps get costly. (L-BFGS-B alone was ~15x slower at k = 100 when OpenBLAS
    threads compete for busy cores, and crawls when a small dispersion makes the problem
    ill-conditioned.)
    """
    w = np.ones(len(d.p)) if w is None else w
    if u0 is None and len(d.names) > NEWTON_MAX:
        res = optimize.minimize(
            _objective,
            np.zeros(len(d.names)),
            args=(d, w, prior_sd, phi),
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": 2000, "gtol": 1e-5},  # Newton steps below finish the job
        )
        u0 = res.x
    u0 = np.zeros(len(d.names)) if u0 is None else u0
    u = u0.copy()
    f, g = _objective(u, d, w, prior_sd, phi)
    for _ in range(50):
        step = spd_solve(hessian(u, d, prior_sd, phi, w), g / phi)
        for _ in range(30):
            f_new, g_new = _objective(u - step, d, w, prior_sd, phi)
            if f_new <= f + 1e-12 * abs(f):
                break
            step = step / 2
        u, f, g = u - step, f_new, g_new
        if np.max(np.abs(step)) < 1e-10:
            break
    return u


def dispersion(d: Design, u: np.ndarray, prior_sd: float, phi: float) -> float:
    """Pearson dispersion of soft labels around the Bernoulli variance (1 for one coin flip per row).

    Soft labels from log-probabilities or K samples vary less than one Bernoulli draw,
    so the plain Bernoulli Laplace interval would be far too wide; this rescales it.
    ``u`` is the MAP under dispersion ``phi``, which sets the effective degrees of freedom.
    """
    pi = special.expit(d.x @ u)
    var = np.clip(pi * (1 - pi), 1e-6, None)
    edf = len(u) - np.sum(inverse_cholesky(hessian(u, d, prior_sd, phi)) ** 2) / prior_sd**2  # tr(H^-1)
    return max(float(np.sum((d.p - pi) ** 2 / var) / max(len(d.p) - edf, 1.0)), 1e-6)


def fit_dispersed(d: Design, prior_sd: float, max_rounds: int = 20) -> tuple[np.ndarray, float]:
    """(k,) MAP and dispersion, alternated to a fixed point (shrinkage inflates a first guess)."""
    phi, u = 1.0, map_fit(d, prior_sd)
    for _ in range(max_rounds):
        new = dispersion(d, u, prior_sd, phi)
        converged = abs(np.log(new / phi)) < 1e-3
        phi, u = new, map_fit(d, prior_sd, new, u0=u)
        if converged:
            break
    return u, phi


def laplace(d: Design, u: np.ndarray, prior_sd: float, phi: float) -> tuple[np.ndarray, float]:
    """(k, k) Laplace covariance (inverse Hessian at the MAP) and the residual degrees of freedom.

    The dispersion is estimated, so intervals and tests use Student t on these df, as quasi-GLMs do.
    """
    root = inverse_cholesky(hessian(u, d, prior_sd, phi))
    cov = np.einsum("ji,jk->ik", root, root)  # root^T root without a threaded BLAS call
    return cov, max(len(d.p) - (len(u) - np.trace(cov) / prior_sd**2), 1.0)


def centred_variance(cov: np.ndarray) -> np.ndarray:
    """(k,) variances of u_j - mean(u) under (k, k) covariance ``cov``."""
    return np.clip(np.diag(cov) - 2 * cov.mean(axis=1) + cov.mean(), 0, None)


@dataclass(frozen=True, eq=False)
class ValueUtilities:
    """Fitted utilities, one entry per value (or dimension), all arrays (k,).

    ``utility`` is centred (mean zero); ``ci_low``/``ci_high`` are Laplace intervals at
    ``level`` (Student t on ``df`` residual degrees of freedom); ``rank`` 1 is the highest
    utility, ``rank_low``/``rank_high`` bound it at ``level`` over posterior draws; ``n``
    counts dilemmas touching the name; ``p_value`` tests utility 0 (= the average value),
    ``significant`` after Holm correction. ``dispersion`` is the fitted quasi-likelihood
    dispersion (1 = as noisy as one coin flip per row).
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
            "utilities": entries,
        }


def fit_value_utilities(
    table: ChoiceTable,
    prior_sd: float = 1.0,
    level: float = 0.95,
    membership: Mapping[str, Sequence[str]] | None = None,
    *,
    seed: int = 0,
    n_rank_draws: int = 2000,
) -> ValueUtilities:
    """Fit per-value (or per-dimension) Bradley-Terry utilities to the soft choices ``table.p_a``.

    Model: P(A) = sigmoid(u(A) - u(B)), u(action) = mean of its values' utilities (with
    ``membership``, mean over the union of the dimensions its values map to). Rows with
    no answer, or with an action carrying no value/dimension, are skipped. MAP with an
    N(0, prior_sd^2) prior per utility. The soft labels enter a Bernoulli
    quasi-likelihood whose dispersion is estimated from Pearson residuals; the interval
    is the Laplace approximation (inverse Hessian at the MAP) of that quasi-posterior,
    for the centred utilities. Paraphrase rows count as independent observations, so
    pass ``table.originals()`` when the table holds paraphrases.

    Args:
        table: the choices, n rows.
        prior_sd: prior standard deviation of each utility, in logits.
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
    u, phi = fit_dispersed(d, prior_sd)
    k = len(u)
    cov, df = laplace(d, u, prior_sd, phi)
    se = np.sqrt(centred_variance(cov))
    u = u - u.mean()
    z = stats.t.ppf(0.5 + level / 2, df)
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
        prior_sd=prior_sd,
        level=level,
        n_rows=len(d.p),
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
