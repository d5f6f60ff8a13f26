"""Choosing which outcome pairs to ask: a random regular start, then informative rounds.

The selector is a small state machine: ``next_pairs`` proposes a round, the caller
asks the model and reports soft labels with ``observe``, the selector refits and
plans the next round from the posterior until the budget is spent.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from valuelens.analysis._thurstone import ThurstonianModel

_EMPTY = np.empty((0, 2), dtype=np.int64)
_FULL_COVARIANCE_MAX = 1000  # items; the dense posterior covariance per round stays under ~0.5 s


def _pair_keys(pairs: np.ndarray, n_items: int) -> np.ndarray:
    """Order-free key of each pair in ``pairs`` (m,2): min * n + max, shape (m,)."""
    lo = np.minimum(pairs[:, 0], pairs[:, 1])
    hi = np.maximum(pairs[:, 0], pairs[:, 1])
    return lo * n_items + hi


def _rank_corr(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman correlation of (n,) arrays without ties."""
    rx = np.argsort(np.argsort(x)).astype(float)
    ry = np.argsort(np.argsort(y)).astype(float)
    return float(np.corrcoef(rx, ry)[0, 1])


def random_pairs(n_items: int, m: int, seed: int = 0) -> np.ndarray:
    """``m`` distinct unordered pairs of ``n_items`` items, uniformly at random, random sides.

    Returns:
        (m,2) int64 array; raises ValueError when m exceeds n(n-1)/2.
    """
    total = n_items * (n_items - 1) // 2
    if m > total:
        raise ValueError(f"{m} pairs requested but {n_items} items have only {total}")
    rng = np.random.default_rng(seed)
    keys = np.empty(0, dtype=np.int64)
    while len(keys) < m:
        a = rng.integers(0, n_items, 2 * (m - len(keys)) + 16)
        b = rng.integers(0, n_items, len(a))
        a, b = a[a != b], b[a != b]
        new = np.concatenate([keys, np.minimum(a, b) * n_items + np.maximum(a, b)])
        _, first = np.unique(new, return_index=True)
        keys = new[np.sort(first)][:m]  # keep draw order so the result depends only on the seed
    pairs = np.column_stack([keys // n_items, keys % n_items])
    flip = rng.random(m) < 0.5
    pairs[flip] = pairs[flip, ::-1]
    return pairs


class ActivePairSelector:
    """Plan comparisons in rounds: a random regular graph first, then the most informative pairs.

    A candidate pair (a, b) scores P (1 - P) Var(u_a - u_b) / sqrt(1 + d_ab), with P the
    current predicted preference, Var the Laplace posterior variance of the utility
    difference (full covariance up to 1,000 items, else se_a^2 + se_b^2) and d_ab the
    pair's degree relative to the mean: close calls between uncertain, rarely compared
    items come first. Candidates are each item's neighbours in the current utility
    order plus uniform random pairs; at most a few new pairs per item per round; a
    pair is never asked twice (in either order).

    Args:
        n_items: number of items N (>= 2).
        budget: total comparisons; default ceil(2 N log2 N), at most N(N-1)/2.
        seed: seed of every random choice.
        round_size: comparisons per adaptive round; default max(N // 4, budget // 20).
            Smaller rounds adapt faster; larger ones batch better.
        model_factory: returns an unfitted estimator with ``fit``, ``predict_proba``,
            ``utilities_`` and ``utility_se_`` (``utility_cov_`` is used when present).
        initial_degree: comparisons per item in the first (random regular) round;
            default 4, i.e. 2N pairs.
        stable_rank_corr: stop early once half the budget is spent and the Spearman
            correlation between consecutive fits reaches this; None never stops early.
    """

    def __init__(
        self,
        n_items: int,
        budget: int | None = None,
        seed: int = 0,
        round_size: int | None = None,
        model_factory: Callable[[], Any] = ThurstonianModel,
        initial_degree: int | None = None,
        stable_rank_corr: float | None = 0.999,
    ) -> None:
        if n_items < 2:
            raise ValueError("ActivePairSelector needs at least 2 items")
        total = n_items * (n_items - 1) // 2
        default_budget = math.ceil(2 * n_items * math.log2(n_items))
        self.n_items = n_items
        self.budget = min(total, default_budget if budget is None else budget)
        self.seed = seed
        self.round_size = round_size or max(n_items // 4, self.budget // 20, 1)
        self.model_factory = model_factory
        self.initial_degree = initial_degree or 4
        self.stable_rank_corr = stable_rank_corr
        self._rng = np.random.default_rng(seed)
        self._asked: set[int] = set()  # keys of issued pairs
        self._pending = _EMPTY
        self._pairs: list[np.ndarray] = []
        self._labels: list[np.ndarray] = []
        self._weights: list[np.ndarray] = []
        self._model: Any = None
        self._fitted_on = 0
        self._previous_utilities: np.ndarray | None = None
        self.converged_ = False

    @property
    def n_asked(self) -> int:
        """Number of pairs issued so far (observed or pending)."""
        return len(self._asked)

    @property
    def pairs_(self) -> np.ndarray:
        """(m,2) observed pairs in observation order."""
        return np.concatenate(self._pairs) if self._pairs else _EMPTY

    @property
    def p_(self) -> np.ndarray:
        """(m,) observed soft labels P(first item preferred)."""
        return np.concatenate(self._labels) if self._labels else np.empty(0)

    @property
    def done(self) -> bool:
        """True once the budget is spent (or the ranking is stable) and nothing is pending."""
        return len(self._pending) == 0 and (self.n_asked >= self.budget or self.converged_)

    @property
    def model_(self) -> Any:
        """The estimator fitted to all observations so far (refitted when new ones arrived)."""
        if not self._pairs:
            raise RuntimeError("no observations yet")
        n_obs = sum(len(x) for x in self._pairs)
        if self._model is None or self._fitted_on != n_obs:
            weights = np.concatenate(self._weights)
            self._model = self.model_factory().fit(self.pairs_, self.p_, self.n_items, weights)
            self._fitted_on = n_obs
        return self._model

    def observe(self, pairs: np.ndarray, p: np.ndarray, weights: np.ndarray | None = None) -> None:
        """Record soft labels ``p`` (k,) for ``pairs`` (k,2); ``weights`` (k,) default 1."""
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        p = np.asarray(p, dtype=np.float64).ravel()
        if len(p) != len(pairs):
            raise ValueError(f"p has {len(p)} labels for {len(pairs)} pairs")
        self._pairs.append(pairs)
        self._labels.append(p)
        self._weights.append(np.ones(len(p)) if weights is None else np.asarray(weights, float).ravel())
        self._asked.update(_pair_keys(pairs, self.n_items).tolist())
        if len(self._pending):
            seen = np.isin(_pair_keys(self._pending, self.n_items), _pair_keys(pairs, self.n_items))
            self._pending = self._pending[~seen]

    def next_pairs(self) -> np.ndarray:
        """The pairs to ask next, (k,2); pending pairs again if unobserved; empty when done."""
        if len(self._pending) or self.done:
            return self._pending
        left = self.budget - self.n_asked
        if not self._pairs:
            plan = self._initial_round()[:left]
        else:
            model = self.model_
            self._check_convergence(model.utilities_)
            if self.converged_:
                return _EMPTY
            plan = self._informative_round(model, min(left, self.round_size))
            if len(plan) == 0:  # no unasked candidate left: stop rather than spin
                self.converged_ = True
                return _EMPTY
        self._asked.update(_pair_keys(plan, self.n_items).tolist())
        self._pending = plan
        return plan

    def _check_convergence(self, utilities: np.ndarray) -> None:
        previous, self._previous_utilities = self._previous_utilities, utilities.copy()
        if self.stable_rank_corr is None or previous is None or 2 * self.n_asked < self.budget:
            return
        self.converged_ = _rank_corr(previous, utilities) >= self.stable_rank_corr

    def _initial_round(self) -> np.ndarray:
        """Circulant graph over a random permutation: each offset adds degree 2 to every item."""
        n = self.n_items
        order = self._rng.permutation(n)
        n_offsets = min(max(1, self.initial_degree // 2), max(1, (n - 1) // 2))
        offsets = self._rng.choice(np.arange(1, max(2, (n - 1) // 2 + 1)), n_offsets, replace=False)
        pos = np.arange(n)
        pairs = np.concatenate([np.column_stack([order[pos], order[(pos + o) % n]]) for o in offsets])
        _, first = np.unique(_pair_keys(pairs, n), return_index=True)  # n = 2 repeats its edge
        return pairs[np.sort(first)]

    def _candidates(self, utilities: np.ndarray, k: int) -> np.ndarray:
        """Unasked candidate pairs: rank neighbours of every item plus random pairs, (c,2)."""
        n = self.n_items
        order = np.argsort(utilities)
        window = max(2, 2 * k // n + 2)
        near = [np.column_stack([order[:-d], order[d:]]) for d in range(1, min(window, n - 1) + 1)]
        a = self._rng.integers(0, n, 4 * k)
        b = (a + self._rng.integers(1, n, 4 * k)) % n
        cand = np.concatenate([*near, np.column_stack([a, b])])
        keys, first = np.unique(_pair_keys(cand, n), return_index=True)
        cand = cand[first]
        asked = np.fromiter(self._asked, dtype=np.int64, count=len(self._asked))
        return cand[~np.isin(keys, asked)]

    def _informative_round(self, model: Any, k: int) -> np.ndarray:
        """Greedy top-``k`` candidates by score, at most a few new comparisons per item."""
        n = self.n_items
        cand = self._candidates(model.utilities_, k)
        if len(cand) == 0:
            return _EMPTY
        prob = model.predict_proba(cand)
        a, b = cand[:, 0], cand[:, 1]
        if n <= _FULL_COVARIANCE_MAX and hasattr(model, "utility_cov_"):
            cov = model.utility_cov_()
            var_diff = cov[a, a] + cov[b, b] - 2.0 * cov[a, b]
        else:
            var = model.utility_se_(method="diagonal") ** 2
            var_diff = var[a] + var[b]
        degree = np.bincount(self.pairs_.ravel(), minlength=n).astype(float)
        crowd = (degree[a] + degree[b]) / (2.0 * max(degree.mean(), 1.0))
        score = prob * (1.0 - prob) * var_diff / np.sqrt(1.0 + crowd)
        score += 1e-12 * self._rng.random(len(cand))  # seeded tie-break
        cap = 2 * math.ceil(2 * k / n) + 1
        used = np.zeros(n, dtype=np.int64)
        chosen: list[int] = []
        for idx in np.argsort(-score):
            x, y = cand[idx]
            if used[x] < cap and used[y] < cap:
                chosen.append(int(idx))
                used[x] += 1
                used[y] += 1
                if len(chosen) == k:
                    break
        plan = cand[np.array(chosen, dtype=np.int64)]
        flip = self._rng.random(len(plan)) < 0.5
        plan[flip] = plan[flip, ::-1]
        return plan
