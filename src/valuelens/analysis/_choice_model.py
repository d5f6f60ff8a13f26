"""Fitting the per-order Bradley-Terry model of a Design: MAP, dispersion, prior scale, Laplace covariance.

Parameters are theta = (u_1..u_k, b): k utilities and the position bias. The soft labels
enter a Bernoulli quasi-likelihood; the prior is N(0, prior_sd^2) per utility and
N(0, BIAS_PRIOR_SD^2) for b. All functions take ``prec``, the (k + 1,) prior precision
(``Design.precision``).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, special

from valuelens.analysis._design import Design
from valuelens.analysis._linalg import inverse_cholesky, spd_solve

PRIOR_SD = 3.0
"""Default prior sd of a utility, in logits: weak, so utilities keep the model's logit scale (with
sd 1 they came out at ~0.95x the true scale on synthetic/default, ~0.8x under dilemma-level noise)."""
NEWTON_MAX = 1000  # names up to which a cold start uses Newton; beyond, L-BFGS-B first
PRIOR_SD_RANGE = (0.05, 10.0)
"""Bounds of an estimated prior sd (logits): a few names cannot pin it down far outside."""


def _objective(u: np.ndarray, d: Design, w: np.ndarray, prec: np.ndarray, phi: float) -> tuple[float, np.ndarray]:
    # Scaled by phi so that a small dispersion does not make the optimiser's numbers huge.
    z = d.x @ u
    loss = np.sum(w * (np.logaddexp(0.0, z) - d.p * z)) + phi * np.sum(prec * u * u) / 2
    grad = d.x.T @ (w * (special.expit(z) - d.p)) + phi * prec * u
    return float(loss), grad


def hessian(u: np.ndarray, d: Design, prec: np.ndarray, phi: float, w: np.ndarray | None = None) -> np.ndarray:
    """(K, K) Hessian of the negative log quasi-posterior at u (K = k + 1)."""
    w = np.ones(len(d.p)) if w is None else w
    pi = special.expit(d.x @ u)
    f = (d.outer @ (w * pi * (1 - pi))).reshape(len(u), len(u))
    return f / phi + np.diag(prec)


def map_fit(
    d: Design, prec: np.ndarray, phi: float = 1.0, u0: np.ndarray | None = None, w: np.ndarray | None = None
) -> np.ndarray:
    """(K,) MAP parameters by damped Newton steps (analytic gradient and Hessian, backtracking).

    The objective is convex, so Newton from zero converges in about six steps. With more
    than NEWTON_MAX names a cold start first runs L-BFGS-B on the analytic gradient, where
    dense K x K steps get costly. (L-BFGS-B alone was ~15x slower at k = 100 when OpenBLAS
    threads compete for busy cores, and crawls when a small dispersion makes the problem
    ill-conditioned.)
    """
    w = np.ones(len(d.p)) if w is None else w
    size = d.x.shape[1]
    if u0 is None and size > NEWTON_MAX:
        res = optimize.minimize(
            _objective,
            np.zeros(size),
            args=(d, w, prec, phi),
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": 2000, "gtol": 1e-5},  # Newton steps below finish the job
        )
        u0 = res.x
    u = np.zeros(size) if u0 is None else u0.copy()
    f, g = _objective(u, d, w, prec, phi)
    for _ in range(50):
        step = spd_solve(hessian(u, d, prec, phi, w), g / phi)
        for _ in range(30):
            f_new, g_new = _objective(u - step, d, w, prec, phi)
            if f_new <= f + 1e-12 * abs(f):
                break
            step = step / 2
        u, f, g = u - step, f_new, g_new
        if np.max(np.abs(step)) < 1e-10:
            break
    return u


def _edf(root: np.ndarray, prec: np.ndarray) -> float:
    """Effective number of parameters, K - tr(H^-1 P), from root = L^-1 (H = L L^T)."""
    return float(len(prec) - np.sum(np.sum(root**2, axis=0) * prec))


def dispersion(d: Design, u: np.ndarray, root: np.ndarray, prec: np.ndarray) -> float:
    """Pearson dispersion of soft labels around the Bernoulli variance, over dilemmas.

    Soft labels from log-probabilities or K samples vary less than one Bernoulli draw, so
    the plain Bernoulli Laplace interval would be far too wide; this rescales it. The
    residuals of a dilemma's rows (its two orders, its paraphrases) are summed before
    squaring: a dilemma-level deviation that no value explains moves all of them together,
    and the utilities' variance must carry it. ``root`` is ``inverse_cholesky`` of the
    Hessian at ``u``.
    """
    pi = special.expit(d.x @ u)
    idx, c = d.cluster_index
    resid = np.bincount(idx, d.p - pi, c)
    var = np.clip(np.bincount(idx, pi * (1 - pi), c), 1e-6, None)
    return max(float(np.sum(resid**2 / var) / max(c - _edf(root, prec), 1.0)), 1e-6)


def fit_dispersed(d: Design, prior_sd: float | None, max_rounds: int = 60) -> tuple[np.ndarray, float, float]:
    """(K,) MAP, dispersion and prior sd, alternated to a fixed point.

    With ``prior_sd`` None the prior sd of the utilities is estimated (empirical Bayes, by
    the EM update sd^2 = mean(u_j^2 + var_j) over the names), so the shrinkage matches the
    spread the data show instead of a fixed guess.
    """
    sd = 1.0 if prior_sd is None else prior_sd
    phi, u = 1.0, map_fit(d, d.precision(sd))
    for _ in range(max_rounds):
        prec = d.precision(sd)
        root = inverse_cholesky(hessian(u, d, prec, phi))
        new_phi = dispersion(d, u, root, prec)
        new_sd = sd
        if prior_sd is None:
            var = np.sum(root[:, : d.k] ** 2, axis=0)
            new_sd = float(np.clip(np.sqrt(np.mean(u[: d.k] ** 2 + var)), *PRIOR_SD_RANGE))
        converged = abs(np.log(new_phi / phi)) < 1e-3 and abs(np.log(new_sd / sd)) < 1e-3
        phi, sd = new_phi, new_sd
        u = map_fit(d, d.precision(sd), phi, u0=u)
        if converged:
            break
    return u, phi, sd


def laplace(d: Design, u: np.ndarray, prior_sd: float, phi: float) -> tuple[np.ndarray, float]:
    """(K, K) Laplace covariance (inverse Hessian at the MAP) and the residual degrees of freedom.

    The dispersion is estimated from dilemma-level residuals, so intervals and tests use
    Student t on (dilemmas - effective parameters) df, as quasi-GLMs do.
    """
    prec = d.precision(prior_sd)
    root = inverse_cholesky(hessian(u, d, prec, phi))
    cov = np.einsum("ji,jk->ik", root, root)  # root^T root without a threaded BLAS call
    return cov, max(d.cluster_index[1] - _edf(root, prec), 1.0)


def centred_variance(cov: np.ndarray) -> np.ndarray:
    """(k,) variances of u_j - mean(u) under (k, k) covariance ``cov`` (the names' block)."""
    return np.clip(np.diag(cov) - 2 * cov.mean(axis=1) + cov.mean(), 0, None)
