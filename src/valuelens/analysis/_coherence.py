"""Coherence of pairwise preferences: held-out fit, cycles, decisiveness, exchange rates."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np


class PairwiseModel(Protocol):
    """Anything fitted that predicts P(first item preferred) for (k,2) pairs."""

    n_items_: int

    def predict_proba(self, pairs: np.ndarray) -> np.ndarray: ...


def split_holdout(
    pairs: np.ndarray, p: np.ndarray, frac: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Random split of ``pairs`` (m,2) and labels ``p`` (m,) into train and held-out parts.

    Args:
        frac: share of pairs held out (round(frac * m) of them).

    Returns:
        (train_pairs (m-h,2), train_p (m-h,), test_pairs (h,2), test_p (h,)).
    """
    pairs = np.asarray(pairs).reshape(-1, 2)
    p = np.asarray(p, dtype=np.float64).ravel()
    if not 0.0 <= frac <= 1.0:
        raise ValueError(f"frac must lie in [0, 1], not {frac}")
    perm = np.random.default_rng(seed).permutation(len(p))
    n_test = round(frac * len(p))
    test, train = np.sort(perm[:n_test]), np.sort(perm[n_test:])
    return pairs[train], p[train], pairs[test], p[test]


def holdout_metrics(model: PairwiseModel, pairs: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """How well ``model`` predicts held-out soft labels ``p`` (m,) of ``pairs`` (m,2).

    Returns:
        holdout_accuracy: share of pairs whose predicted side (P > 0.5) matches the
            majority side of the label, over labels other than exactly 0.5;
        holdout_log_loss: mean cross-entropy of the predictions to the soft labels;
        n_pairs, n_decided: pairs scored by the log loss and by the accuracy.
    """
    p = np.asarray(p, dtype=np.float64).ravel()
    q = np.clip(model.predict_proba(np.asarray(pairs).reshape(-1, 2)), 1e-12, 1.0 - 1e-12)
    decided = p != 0.5
    hits = (q[decided] > 0.5) == (p[decided] > 0.5)
    log_loss = -np.mean(p * np.log(q) + (1.0 - p) * np.log1p(-q)) if len(p) else math.nan
    return {
        "holdout_accuracy": float(hits.mean()) if len(hits) else math.nan,
        "holdout_log_loss": float(log_loss),
        "n_pairs": float(len(p)),
        "n_decided": float(decided.sum()),
    }


def preference_matrix(pairs: np.ndarray, p: np.ndarray, n_items: int) -> np.ndarray:
    """(n,n) matrix of observed P(row over column), NaN where a pair was never asked.

    Repeated pairs (in either order) are averaged; the result satisfies P[b,a] = 1 - P[a,b].
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    p = np.asarray(p, dtype=np.float64).ravel()
    total = np.zeros((n_items, n_items))
    count = np.zeros((n_items, n_items))
    np.add.at(total, (pairs[:, 0], pairs[:, 1]), p)
    np.add.at(total, (pairs[:, 1], pairs[:, 0]), 1.0 - p)
    np.add.at(count, (pairs[:, 0], pairs[:, 1]), 1.0)
    np.add.at(count, (pairs[:, 1], pairs[:, 0]), 1.0)
    with np.errstate(invalid="ignore"):
        return total / count


def _observed_triads(known: np.ndarray) -> np.ndarray:
    """Every triad (a<b<c) whose three pairs are all known in the (n,n) bool matrix, (t,3)."""
    found = []
    for a in range(len(known)):
        nb = np.flatnonzero(known[a, a + 1 :]) + a + 1
        if len(nb) < 2:
            continue
        jj, kk = np.nonzero(np.triu(known[np.ix_(nb, nb)], 1))
        found.append(np.column_stack([np.full(len(jj), a), nb[jj], nb[kk]]))
    return np.concatenate(found) if found else np.empty((0, 3), dtype=np.int64)


def _random_triads(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` uniformly random triads of distinct items among ``n``, (k,3)."""
    out = np.empty((0, 3), dtype=np.int64)
    while len(out) < k:
        t = rng.integers(0, n, (2 * k + 8, 3))
        t = t[(t[:, 0] != t[:, 1]) & (t[:, 1] != t[:, 2]) & (t[:, 0] != t[:, 2])]
        out = np.concatenate([out, t])
    return out[:k]


def cycle_probability(source: np.ndarray | PairwiseModel, n_triads: int = 10_000, seed: int = 0) -> float:
    """Mean probability that a triad of items forms a preference cycle.

    For a triad (a, b, c): P_ab P_bc P_ca + (1 - P_ab)(1 - P_bc)(1 - P_ca). A fully
    transitive deterministic ranking gives 0; coin flips give 0.25.

    Args:
        source: an (n,n) matrix of P(row over column) with NaN for unobserved pairs
            (then only triads with all three pairs observed are used), or a fitted
            model whose predictions are used for uniformly random triads.
        n_triads: number of triads sampled (all of them when fewer exist).
        seed: seed of the sampling.
    """
    rng = np.random.default_rng(seed)
    if isinstance(source, np.ndarray):
        matrix = source
        n = len(matrix)
        known = np.isfinite(matrix) & np.isfinite(matrix.T)
        np.fill_diagonal(known, False)
        if n < 3:
            return math.nan
        if known.sum() == n * (n - 1):
            triads = _random_triads(n, n_triads, rng)
        else:
            triads = _observed_triads(known)
            if len(triads) == 0:
                return math.nan
            if len(triads) > n_triads:
                triads = triads[rng.choice(len(triads), n_triads, replace=False)]
        a, b, c = triads.T
        p_ab, p_bc, p_ca = matrix[a, b], matrix[b, c], matrix[c, a]
    else:
        if source.n_items_ < 3:
            return math.nan
        a, b, c = _random_triads(source.n_items_, n_triads, rng).T
        p_ab = source.predict_proba(np.column_stack([a, b]))
        p_bc = source.predict_proba(np.column_stack([b, c]))
        p_ca = source.predict_proba(np.column_stack([c, a]))
    cyc = p_ab * p_bc * p_ca + (1.0 - p_ab) * (1.0 - p_bc) * (1.0 - p_ca)
    return float(np.mean(cyc))


def decisiveness(p: np.ndarray, margin: float = 0.25) -> float:
    """Share of soft labels ``p`` (m,) with |P - 0.5| > ``margin``."""
    p = np.asarray(p, dtype=np.float64).ravel()
    return float(np.mean(np.abs(p - 0.5) > margin)) if len(p) else math.nan


def _log_linear_fit(u: np.ndarray, quantity: np.ndarray) -> dict[str, float]:
    """Least squares U = a + b ln N; returns a, b, r2, n (NaN with fewer than 2 distinct N)."""
    x = np.log(quantity)
    n = len(u)
    if n < 2 or np.ptp(x) == 0:
        return {"a": math.nan, "b": math.nan, "r2": math.nan, "n": float(n)}
    (a,), (b,) = _log_linear_draws(u[None, :], x)
    a, b = float(a), float(b)
    xc, uc = x - x.mean(), u - u.mean()
    ss_tot = float(uc @ uc)
    resid = uc - b * xc
    r2 = 1.0 - float(resid @ resid) / ss_tot if ss_tot > 0 else math.nan
    return {"a": a, "b": b, "r2": r2, "n": float(n)}


def _log_linear_draws(u: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least squares U = a + b x for every row of ``u`` (d,k) at the same ``x`` (k,); returns a, b (d,)."""
    xc = x - x.mean()
    b = (u - u.mean(axis=1, keepdims=True)) @ xc / (xc @ xc)
    return u.mean(axis=1) - b * x.mean(), b


_MAX_LOG_RATE = 700.0  # exp(700) ~ 1e304: beyond it a rate is reported as infinite


def _exp_rate(log_rate: float) -> float:
    """exp(log_rate), infinite from _MAX_LOG_RATE on (no float overflow, no 1e304 stand-ins)."""
    return math.exp(log_rate) if log_rate < _MAX_LOG_RATE else math.inf


def _log_rate(a_x: Any, b_x: Any, a_y: Any, b_y: Any, log_n0: float) -> Any:
    """ln(rate[X][Y]) from the two fits; +inf where b_X <= 0 (no amount of X buys one unit of Y)."""
    b_x = np.asarray(b_x, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b_x > 0, (a_y - a_x + (b_y - b_x) * log_n0) / b_x, np.inf)


def exchange_rates(
    utilities: np.ndarray,
    series: Mapping[str, Sequence[tuple[int, float]]],
    reference: float | None = None,
    cov: np.ndarray | None = None,
    level: float = 0.95,
    n_draws: int = 4000,
    seed: int = 0,
) -> dict[str, Any]:
    """Log-linear utility of quantity per series and the exchange rates between series.

    Each series lists (item index, quantity N > 0), e.g. "N people in country X are
    saved". Per series U = a + b ln N is fitted by least squares on ``utilities``.
    The exchange rate of X per Y at the reference quantity N0 is the number of units
    of X worth one unit of Y: solve a_X + b_X ln N_X = a_Y + b_Y ln N0 for N_X, so

        rate[X][Y] = N_X / N0 = exp((a_Y - a_X + (b_Y - b_X) ln N0) / b_X),

    which is exp((a_Y - a_X) / b) for a shared slope b, whatever N0. It is NaN when
    b_X <= 0 (more X is not better, so no amount of X buys Y).

    With ``cov``, intervals come from ``n_draws`` draws of the utilities from
    N(utilities, cov) (the Laplace posterior), each refitted: percentile intervals of
    every slope and rate. A draw with b_X <= 0 counts as an infinite rate, so the upper
    end is inf when such draws are not rare: the data cannot rule out that more X is
    worth nothing.

    Args:
        utilities: (n,) utilities of all items.
        series: name -> list of (item_index, quantity) pairs.
        reference: N0; default the geometric mean of all quantities in all series.
        cov: (n,n) posterior covariance of ``utilities``, or None for no intervals.
        level: interval level; n_draws, seed: the Monte Carlo draws.

    Returns:
        {"fits": {name: {a, b, r2, n[, b_ci_low, b_ci_high]}}, "rates": {X: {Y: rate}},
        "reference": N0}, plus "rates_ci": {X: {Y: [low, high]}} and "level" with ``cov``.
    """
    utilities = np.asarray(utilities, dtype=np.float64).ravel()
    fits: dict[str, dict[str, float]] = {}
    points: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name, pts in series.items():
        idx = np.array([i for i, _ in pts], dtype=np.int64)
        qty = np.array([q for _, q in pts], dtype=np.float64)
        if np.any(qty <= 0):
            raise ValueError(f"series {name!r}: quantities must be positive")
        fits[name] = _log_linear_fit(utilities[idx], qty)
        points[name] = (idx, np.log(qty))
    all_logs = np.concatenate([x for _, x in points.values()]) if points else np.zeros(1)
    n0 = float(np.exp(all_logs.mean())) if reference is None else float(reference)
    log_n0 = math.log(n0)
    rates: dict[str, dict[str, float]] = {name: {} for name in fits}
    for x, y in itertools.permutations(fits, 2):
        fx, fy = fits[x], fits[y]
        log_rate = float(_log_rate(fx["a"], fx["b"], fy["a"], fy["b"], log_n0))
        rates[x][y] = math.nan if not fx["b"] > 0 or math.isnan(log_rate) else _exp_rate(log_rate)
    out: dict[str, Any] = {"fits": fits, "rates": rates, "reference": n0}
    if cov is None:
        return out
    fitted = {k: v for k, v in points.items() if not math.isnan(fits[k]["b"])}
    items = np.unique(np.concatenate([i for i, _ in fitted.values()])) if fitted else np.zeros(0, np.int64)
    draws = _mvn_draws(utilities[items], np.asarray(cov)[np.ix_(items, items)], n_draws, seed)
    where = {int(i): c for c, i in enumerate(items)}
    params = {}
    tail = (1.0 - level) / 2.0 * 100.0
    for name, (idx, logs) in fitted.items():
        params[name] = _log_linear_draws(draws[:, [where[int(i)] for i in idx]], logs)
        lo, hi = np.percentile(params[name][1], [tail, 100.0 - tail])
        fits[name] |= {"b_ci_low": float(lo), "b_ci_high": float(hi)}
    ci: dict[str, dict[str, list[float]]] = {name: {} for name in fits}
    for x, y in itertools.permutations(fits, 2):
        if x not in params or y not in params:
            ci[x][y] = [math.nan, math.nan]
            continue
        logs = _log_rate(*params[x], *params[y], log_n0)
        lo, hi = np.percentile(np.minimum(logs, _MAX_LOG_RATE), [tail, 100.0 - tail])
        ci[x][y] = [_exp_rate(float(lo)), _exp_rate(float(hi))]
    return out | {"rates_ci": ci, "level": level}


def _mvn_draws(mean: np.ndarray, cov: np.ndarray, n_draws: int, seed: int) -> np.ndarray:
    """(n_draws, k) draws from N(mean, cov) for a symmetric positive semi-definite ``cov`` (eigen-root)."""
    vals, vecs = np.linalg.eigh((cov + cov.T) / 2.0)
    root = vecs * np.sqrt(np.clip(vals, 0.0, None))
    z = np.random.default_rng(seed).standard_normal((n_draws, len(mean)))
    return mean + z @ root.T
