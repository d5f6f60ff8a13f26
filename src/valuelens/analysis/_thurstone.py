"""Utility models fitted to pairwise soft preferences: Thurstonian and Bradley-Terry.

Both are MAP estimators with Gaussian priors, fitted by L-BFGS-B with analytic,
vectorised gradients. Utilities are reported z-scored; intervals come from a
Laplace approximation (see ``utility_se_``).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import math
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import scipy
from scipy.linalg.lapack import dpotrf, dpotri
from scipy.optimize import minimize
from scipy.sparse.linalg import LinearOperator, cg
from scipy.special import log_ndtr, ndtr, ndtri

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_FULL_LAPLACE_MAX = 3000  # parameters; above this the dense Hessian inverse costs seconds


@functools.cache
def _scipy_openblas() -> ctypes.CDLL | None:
    """The OpenBLAS bundled with scipy's wheels (scipy.libs / .dylibs), or None."""
    root = Path(scipy.__file__).parent
    for path in [*root.parent.joinpath("scipy.libs").glob("*openblas*"), *root.joinpath(".dylibs").glob("*openblas*")]:
        with contextlib.suppress(OSError):
            lib = ctypes.CDLL(str(path))
            if hasattr(lib, "scipy_openblas_set_num_threads") and hasattr(lib, "scipy_openblas_get_num_threads"):
                return lib
    return None


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[None]:
    """Run scipy's BLAS on one thread: L-BFGS-B makes many tiny BLAS calls, and waking
    OpenBLAS threads for each made fits 3-6x slower on a busy 2-core machine."""
    lib = _scipy_openblas()
    before = lib.scipy_openblas_get_num_threads() if lib else 1
    if lib:
        lib.scipy_openblas_set_num_threads(1)
    try:
        yield
    finally:
        if lib:
            lib.scipy_openblas_set_num_threads(before)


def _check_data(
    pairs: np.ndarray, p: np.ndarray, n_items: int, weights: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Validate ``pairs`` (m,2), ``p`` (m,), ``weights`` (m,); return (i, j, p, w) as flat arrays."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    p = np.asarray(p, dtype=np.float64).ravel()
    if len(p) != len(pairs):
        raise ValueError(f"p has {len(p)} labels for {len(pairs)} pairs")
    if len(pairs) and (pairs.min() < 0 or pairs.max() >= n_items):
        raise ValueError(f"pair indices must lie in [0, {n_items})")
    if np.any(pairs[:, 0] == pairs[:, 1]):
        raise ValueError("a pair compares an item with itself")
    if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError("soft labels p must lie in [0, 1]")
    w = np.ones(len(p)) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    if len(w) != len(p) or np.any(w < 0):
        raise ValueError("weights must be (m,) and non-negative")
    return np.ascontiguousarray(pairs[:, 0]), np.ascontiguousarray(pairs[:, 1]), p, w


def _difference_init(i: np.ndarray, j: np.ndarray, y: np.ndarray, w: np.ndarray, n: int, ridge: float) -> np.ndarray:
    """Weighted least squares for u_i - u_j ~ y (a ridge-regularised graph Laplacian system), by CG."""
    deg = np.bincount(i, w, n) + np.bincount(j, w, n) + ridge

    def matvec(x: np.ndarray) -> np.ndarray:
        x = x.ravel()
        return deg * x - np.bincount(i, w * x[j], n) - np.bincount(j, w * x[i], n)

    b = np.bincount(i, w * y, n) - np.bincount(j, w * y, n)
    op = LinearOperator((n, n), matvec=matvec, dtype=np.float64)
    jacobi = LinearOperator((n, n), matvec=lambda x: x.ravel() / deg, dtype=np.float64)
    x, _ = cg(op, b, rtol=1e-4, maxiter=200, M=jacobi)
    return x


def thurstone_objective(
    i: np.ndarray,
    j: np.ndarray,
    p: np.ndarray,
    w: np.ndarray,
    n: int,
    prior_mean_sd: float,
    prior_logvar_sd: float,
) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """Negative log posterior of the Thurstonian model and its gradient, as one function.

    Args:
        i, j: (m,) first and second item of each pair; p: (m,) soft labels; w: (m,) weights.
        n: number of items; the returned function takes theta = [mu (n), log-variance s (n)].
    """
    prec_mu, prec_s = 1.0 / prior_mean_sd**2, 1.0 / prior_logvar_sd**2
    wp = w * p
    w_flip = w - 2.0 * wp  # label weight of the larger side moves by this when z < 0

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        mu, s = theta[:n], theta[n:]
        e = np.exp(s)
        v = e[i] + e[j]
        inv_sd = 1.0 / np.sqrt(v)
        z = (mu[i] - mu[j]) * inv_sd
        abs_z = np.abs(z)
        neg = z < 0
        # only the smaller tail needs log_ndtr; log Phi(|z|) = log(1 - tail) is exact enough
        log_tail = log_ndtr(-abs_z)
        tail = np.exp(log_tail)
        body = 1.0 - tail
        w_body = wp + neg * w_flip  # w * P(label on the side z points to)
        w_tail = w - w_body
        loss = -(w_body * np.log(body) + w_tail * log_tail).sum()
        r_tail = np.exp(-0.5 * abs_z * abs_z - _LOG_SQRT_2PI - log_tail)  # pdf / Phi(-|z|)
        r_body = r_tail * tail / body  # pdf / Phi(|z|)
        g_abs = w_tail * r_tail - w_body * r_body  # dL/d|z|
        g_mu = np.where(neg, -g_abs, g_abs) * inv_sd
        g_s = (-0.5 * g_abs) * abs_z / v  # dL/dz * z = dL/d|z| * |z|
        grad = np.empty_like(theta)
        grad[:n] = np.bincount(i, g_mu, n) - np.bincount(j, g_mu, n) + prec_mu * mu
        grad[n:] = e * (np.bincount(i, g_s, n) + np.bincount(j, g_s, n)) + prec_s * s
        loss += 0.5 * (prec_mu * (mu * mu).sum() + prec_s * (s * s).sum())
        return float(loss), grad

    return objective


class _PairwiseModel:
    """Shared state and Laplace intervals of the pairwise utility models.

    Parameters are ordered [utilities (n), per-item nuisance (n) if any]. After a fit,
    ``_jac`` holds, per pair, the parameters its prediction depends on (k,c), the
    derivative of its z (or logit) with respect to each (k,c) and the curvature of its
    loss in z (k,); ``_prior_precision`` (P,) is the prior precision per parameter.
    """

    max_iter: int
    tol: float
    utilities_: np.ndarray
    n_items_: int
    _raw: np.ndarray  # (n,) MAP utilities before z-scoring
    _jac: tuple[np.ndarray, np.ndarray, np.ndarray]
    _prior_precision: np.ndarray

    def _set_utilities(self, raw: np.ndarray) -> None:
        self._raw = raw
        self.offset_ = float(raw.mean())
        sd = float(raw.std())
        self.scale_ = sd if sd > 0 else 1.0
        self.utilities_ = (raw - self.offset_) / self.scale_

    def _minimize(self, objective: Callable[[np.ndarray], tuple[float, np.ndarray]], x0: np.ndarray) -> np.ndarray:
        """L-BFGS-B from ``x0``; records n_iter_, converged_, loss_ and returns the MAP."""
        options = {"maxiter": self.max_iter, "ftol": self.tol, "gtol": 1e-6}
        with _one_blas_thread():
            res = minimize(objective, x0, jac=True, method="L-BFGS-B", options=options)
        self.n_iter_, self.converged_, self.loss_ = int(res.nit), bool(res.success), float(res.fun)
        return np.asarray(res.x)

    def _precision(self) -> np.ndarray:
        """Dense (P,P) Gauss-Newton posterior precision: sum_k curv_k g_k g_k^T + prior."""
        coords, grads, curv = self._jac
        size = len(self._prior_precision)
        flat = (coords[:, :, None] * size + coords[:, None, :]).ravel()
        outer = (curv[:, None, None] * grads[:, :, None] * grads[:, None, :]).ravel()
        hess = np.bincount(flat, outer, size * size).reshape(size, size)
        hess[np.diag_indices(size)] += self._prior_precision
        return hess

    def utility_cov_(self) -> np.ndarray:
        """Laplace covariance (n,n) of ``utilities_`` (centred, z-scored scale); O(P^3)."""
        n = self.n_items_
        with _one_blas_thread():  # Cholesky inverse; threaded OpenBLAS was 2-5x slower on 2 busy cores
            chol, info = dpotrf(self._precision(), lower=1)
            inv, info_inv = dpotri(chol, lower=1)
        if info or info_inv:
            raise np.linalg.LinAlgError("posterior precision is not positive definite")
        cov = np.tril(inv)[:n, :n]
        cov = cov + np.tril(cov, -1).T
        row_mean = cov.mean(axis=1)
        centred = cov - row_mean[:, None] - row_mean[None, :] + row_mean.mean()
        return centred / self.scale_**2

    def utility_se_(self, method: str = "auto") -> np.ndarray:
        """Laplace standard errors of ``utilities_``, shape (n,).

        The posterior precision is the Gauss-Newton Hessian of the negative log
        posterior over all parameters (for the Thurstonian model, means and
        log-variances jointly), evaluated at the MAP. Intervals are calibrated when
        the fit's ``weights`` are the number of samples behind each soft label.

        Args:
            method: "full" inverts the dense (P,P) precision (P = 2n Thurstonian, n
                Bradley-Terry) and reports the variance of each centred utility:
                the exact Laplace approximation, O(P^3). "diagonal" keeps only each
                item's own block (its mean, and its log-variance marginalised out),
                ignoring correlations between items: O(m), a little narrow. "auto"
                picks "full" up to 3,000 parameters and "diagonal" above.
        """
        n = self.n_items_
        size = len(self._prior_precision)
        if method == "auto":
            method = "full" if size <= _FULL_LAPLACE_MAX else "diagonal"
        if method == "full":
            var = np.diag(self.utility_cov_()) * self.scale_**2
        elif method == "diagonal":
            coords, grads, curv = self._jac
            weighted = curv[:, None] * grads
            diag = np.bincount(coords.ravel(), (weighted * grads).ravel(), size) + self._prior_precision
            var = 1.0 / diag[:n]
            if size == 2 * n:  # Schur complement of the item's own log-variance
                half = coords.shape[1] // 2
                cross = np.bincount(coords[:, :half].ravel(), (weighted[:, :half] * grads[:, half:]).ravel(), n)
                var = 1.0 / (diag[:n] - cross**2 / diag[n:])
        else:
            raise ValueError(f"method must be 'auto', 'full' or 'diagonal', not {method!r}")
        return np.sqrt(np.maximum(var, 0.0)) / self.scale_

    def utility_ci_(self, level: float = 0.95, method: str = "auto") -> np.ndarray:
        """Laplace intervals for ``utilities_``: (n,2) array of [lower, upper] at ``level``."""
        half = float(ndtri(0.5 + level / 2.0)) * self.utility_se_(method)
        return np.column_stack([self.utilities_ - half, self.utilities_ + half])


class ThurstonianModel(_PairwiseModel):
    """Thurstonian utilities: P(a over b) = Phi((mu_a - mu_b) / sqrt(var_a + var_b)).

    Each item has a mean mu and a log-variance s; the MAP under N(0, prior_mean_sd^2)
    on mu and N(0, prior_logvar_sd^2) on s minimises the cross-entropy to soft labels.

    Args:
        prior_mean_sd: prior standard deviation of the means.
        prior_logvar_sd: prior standard deviation of the log-variances (fixes the scale).
        max_iter: L-BFGS-B iteration limit.
        tol: relative loss decrease at which L-BFGS-B stops.

    Attributes:
        utilities_: (n,) z-scored means. means_: (n,) same as ``utilities_``.
        variances_: (n,) variances on the z-scored scale, so that means_ and
            variances_ reproduce ``predict_proba`` exactly.
        offset_, scale_: raw mean = means_ * scale_ + offset_.
        n_items_, n_iter_, converged_, loss_.
    """

    def __init__(
        self,
        prior_mean_sd: float = 5.0,
        prior_logvar_sd: float = 1.0,
        max_iter: int = 500,
        tol: float = 1e-8,
    ) -> None:
        self.prior_mean_sd = prior_mean_sd
        self.prior_logvar_sd = prior_logvar_sd
        self.max_iter = max_iter
        self.tol = tol

    def fit(
        self, pairs: np.ndarray, p: np.ndarray, n_items: int, weights: np.ndarray | None = None
    ) -> ThurstonianModel:
        """Fit to ``pairs`` (m,2) of item indices with soft labels ``p`` (m,) = P(first preferred).

        Args:
            pairs: (m,2) int array of item indices in [0, n_items).
            p: (m,) soft labels in [0, 1].
            n_items: number of items n.
            weights: (m,) non-negative pair weights: the number of samples behind each
                label (e.g. 20 for 10 votes in each order) calibrates the intervals; default 1.
        """
        i, j, p, w = _check_data(pairs, p, n_items, weights)
        n = n_items
        # equal-variance (Case V) start: with var = 1 per item, mu_i - mu_j = sqrt(2) Phi^-1(p)
        y = math.sqrt(2.0) * ndtri(np.clip(p, 0.01, 0.99))
        theta0 = np.concatenate([_difference_init(i, j, y, w, n, 1.0 / self.prior_mean_sd**2 + 1e-3), np.zeros(n)])
        objective = thurstone_objective(i, j, p, w, n, self.prior_mean_sd, self.prior_logvar_sd)
        theta = self._minimize(objective, theta0)
        mu, s = theta[:n], theta[n:]
        self.n_items_ = n
        self._set_utilities(mu)
        self.means_ = self.utilities_
        self.variances_ = np.exp(s) / self.scale_**2
        # Gauss-Newton curvature per pair, d z / d(mu_i, mu_j, s_i, s_j), for the Laplace intervals
        e_i, e_j = np.exp(s[i]), np.exp(s[j])
        v = e_i + e_j
        z = (mu[i] - mu[j]) / np.sqrt(v)
        log_pdf = -0.5 * z * z - _LOG_SQRT_2PI
        r1 = np.exp(log_pdf - log_ndtr(z))
        r2 = np.exp(log_pdf - log_ndtr(-z))
        curv = w * (p * r1 * (z + r1) + (1.0 - p) * r2 * (r2 - z))
        inv_sd = 1.0 / np.sqrt(v)
        coords = np.column_stack([i, j, i + n, j + n])
        grads = np.column_stack([inv_sd, -inv_sd, -0.5 * z * e_i / v, -0.5 * z * e_j / v])
        self._jac = (coords, grads, curv)
        self._prior_precision = np.concatenate(
            [np.full(n, 1.0 / self.prior_mean_sd**2), np.full(n, 1.0 / self.prior_logvar_sd**2)]
        )
        return self

    def predict_proba(self, pairs: np.ndarray) -> np.ndarray:
        """P(first item preferred) for ``pairs`` (k,2) of item indices; returns (k,)."""
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        a, b = pairs[:, 0], pairs[:, 1]
        z = (self.means_[a] - self.means_[b]) / np.sqrt(self.variances_[a] + self.variances_[b])
        return ndtr(z)
