"""Shared numerics for the analysis modules: SPD solves, triangular inverses, Holm adjustment."""

from __future__ import annotations

import numpy as np
from scipy import linalg


def spd_solve(h: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Solve h x = g for symmetric positive definite h (..., k, k) and g (..., k), by Cholesky.

    Cholesky and triangular solves stay fast when OpenBLAS threads compete for busy
    cores, where LU (np.linalg.solve, inv) slowed 10-100x on 100 x 100 systems. A batch
    is substituted row by row, vectorised over the batch (no per-matrix Python loop).
    """
    chol = np.linalg.cholesky(h)
    if h.ndim == 2:
        y = linalg.solve_triangular(chol, g, lower=True)
        return linalg.solve_triangular(chol, y, lower=True, trans="T")
    k = h.shape[-1]
    y = np.empty_like(g)
    for i in range(k):
        y[:, i] = (g[:, i] - np.einsum("bj,bj->b", chol[:, i, :i], y[:, :i])) / chol[:, i, i]
    x = np.empty_like(g)
    for i in range(k - 1, -1, -1):
        x[:, i] = (y[:, i] - np.einsum("bj,bj->b", chol[:, i + 1 :, i], x[:, i + 1 :])) / chol[:, i, i]
    return x


def inverse_cholesky(h: np.ndarray) -> np.ndarray:
    """(k, k) lower-triangular L^-1 for h = L L^T, so that h^-1 = L^-T L^-1."""
    inv, info = linalg.lapack.dtrtri(np.linalg.cholesky(h), lower=1)
    if info:
        raise np.linalg.LinAlgError(f"triangular inverse failed (info {info})")
    return inv


def holm(p: np.ndarray) -> np.ndarray:
    """(n,) Holm step-down adjusted p-values for (n,) raw p-values."""
    p = np.asarray(p, dtype=float)
    order = np.argsort(p)
    adj = np.maximum.accumulate(np.minimum(1.0, (len(p) - np.arange(len(p))) * p[order]))
    out = np.empty_like(adj)
    out[order] = adj
    return out
