"""Choosing which outcome pairs to ask: a random matching first, then informative rounds.

The selector is a small state machine: ``next_pairs`` proposes a round, the caller
asks the model and reports soft labels with ``observe``, the selector refits and
plans the next round from the posterior until the budget is spent.

Each adaptive round is a greedy A-optimal design for the ranking: it adds the pair
whose answer is expected to shrink the squared rank error of the utilities most (an
item's error relative to its neighbours', weighted by how crowded they are: an error
shared with the neighbours moves no rank), updates the covariance by a rank-one
(Sherman-Morrison) step, and repeats. The expected information of a pair uses the
predictive probit scale sqrt(s^2 + Var(u_a - u_b)) (assumed-density filtering), so a
pair that looks one-sided but is uncertain still counts.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import ndtr

from valuelens.analysis._pair_design import crowding_weights, greedy_design, rank_contrast
from valuelens.analysis._thurstone import ThurstonianModel

_EMPTY = np.empty((0, 2), dtype=np.int64)
_FULL_COVARIANCE_MAX = 600  # items; above it a round's greedy design over the full covariance takes > 0.5 s
_LOGISTIC_PROBIT_SD = 1.702  # sigmoid(x) ~ Phi(x / 1.702)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


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
    """Plan comparisons in rounds: a random matching first, then the most informative pairs.

    Every adaptive round refits the model and greedily picks the candidate pair with the
    largest expected reduction of the posterior expected squared rank error,
    E||L (u - u_true)||^2 = tr(L C L^T) with L = ``rank_contrast`` of the current utilities
    ((L e)_k = sum_j K_kj (e_k - e_j), K a Gaussian kernel), then updates the covariance C
    as if its answer were in (a rank-one step) before picking the next, so one round does
    not spend itself on one region. The expected information of a pair about u_a - u_b is
    that of ``votes`` probit answers at the predictive scale t = sqrt(s^2 + Var(u_a - u_b)):
    votes * phi(d/t)^2 / (Phi(d/t) (1 - Phi(d/t)) t^2), with d the predicted difference
    and s the model's answer noise. Candidates are each item's neighbours in the current
    utility order plus uniform random pairs; a pair is never asked twice (in either
    order). Up to 600 items the full Laplace covariance is used (a round takes about 0.4 s
    at 510 items on a busy 2-core machine), above that each item's own variance, weighted
    by the squared density around it (the diagonal of L^T L, ``crowding_weights``).

    Args:
        n_items: number of items N (>= 2).
        budget: total comparisons; default ceil(2 N log2 N), at most N(N-1)/2.
        seed: seed of every random choice.
        round_size: comparisons per adaptive round; default max(N // 8, 16).
            Smaller rounds adapt faster; larger ones batch better.
        model_factory: returns an unfitted estimator with ``fit``, ``predict_proba``,
            ``utilities_``, ``scale_`` and ``utility_se_``; ``utility_cov_`` is used
            when present, and ``variances_`` (per-item answer noise, Thurstonian) else a
            logistic noise scale is assumed.
        initial_degree: comparisons per item in the first, random round: 1 is a random
            perfect matching (N/2 pairs), 2 a random cycle cover, and so on. Default 1.
        stable_rank_corr: stop early once half the budget is spent and the Spearman
            correlation between consecutive fits reaches this; None never stops early.
        window: how many neighbours on each side in the current utility order are
            candidates.
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
        window: int = 12,
    ) -> None:
        if n_items < 2:
            raise ValueError("ActivePairSelector needs at least 2 items")
        if initial_degree is not None and initial_degree < 1:
            raise ValueError(f"initial_degree must be at least 1, got {initial_degree}")
        total = n_items * (n_items - 1) // 2
        default_budget = math.ceil(2 * n_items * math.log2(n_items))
        self.n_items = n_items
        self.budget = min(total, default_budget if budget is None else budget)
        self.seed = seed
        self.round_size = round_size or max(n_items // 8, 16)
        self.model_factory = model_factory
        self.initial_degree = initial_degree or 1
        self.stable_rank_corr = stable_rank_corr
        self.window = max(1, window)
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
        """``initial_degree`` random perfect matchings (an odd item out joins a random pair), no repeats."""
        n = self.n_items
        rounds = []
        for _ in range(min(self.initial_degree, n - 1)):
            order = self._rng.permutation(n)
            half = n // 2
            pairs = np.column_stack([order[:half], order[half : 2 * half]])
            if n % 2:
                pairs = np.vstack([pairs, [order[-1], order[self._rng.integers(0, n - 1)]]])
            rounds.append(pairs)
        pairs = np.concatenate(rounds)
        _, first = np.unique(_pair_keys(pairs, n), return_index=True)
        return pairs[np.sort(first)]

    def _candidates(self, utilities: np.ndarray) -> np.ndarray:
        """Unasked candidate pairs, (c,2): ``window`` rank neighbours of every item plus 4N random pairs,
        or every unasked pair once at most 8N are left."""
        n = self.n_items
        asked = np.fromiter(self._asked, dtype=np.int64, count=len(self._asked))
        if n * (n - 1) // 2 - len(asked) <= 8 * n:  # few pairs left: all of them are candidates
            lo, hi = np.triu_indices(n, 1)
            every = np.column_stack([lo, hi])
            return every[~np.isin(_pair_keys(every, n), asked)]
        order = np.argsort(utilities)
        near = [np.column_stack([order[:-d], order[d:]]) for d in range(1, min(self.window, n - 1) + 1)]
        a = self._rng.integers(0, n, 4 * n)
        b = (a + self._rng.integers(1, n, 4 * n)) % n
        cand = np.concatenate([*near, np.column_stack([a, b])])
        keys, first = np.unique(_pair_keys(cand, n), return_index=True)
        cand = cand[first]
        return cand[~np.isin(keys, asked)]

    def _votes(self) -> float:
        """Typical weight (votes) behind one observed label; at least 1."""
        w = np.concatenate(self._weights)
        w = w[w > 0]
        return max(1.0, float(np.median(w))) if len(w) else 1.0

    def _error_cost(self, utilities: np.ndarray, full_covariance: bool) -> np.ndarray:
        """What utility errors cost in rank: the rank contrast L over the full covariance, else its diagonal."""
        return rank_contrast(utilities) if full_covariance else crowding_weights(utilities)

    def _informative_round(self, model: Any, k: int) -> np.ndarray:
        """Greedy A-optimal choice, for the expected squared rank error, of ``k`` unasked candidate pairs."""
        n = self.n_items
        cand = self._candidates(model.utilities_)
        if len(cand) == 0:
            return _EMPTY
        a, b = cand[:, 0], cand[:, 1]
        u = model.utilities_
        if hasattr(model, "variances_"):
            noise = model.variances_[a] + model.variances_[b]
        else:
            noise = np.full(len(cand), (_LOGISTIC_PROBIT_SD / getattr(model, "scale_", 1.0)) ** 2)
        if n <= _FULL_COVARIANCE_MAX and hasattr(model, "utility_cov_"):
            cov, var = model.utility_cov_(), None
            q = cov[a, a] + cov[b, b] - 2.0 * cov[a, b]
        else:
            cov, var = None, model.utility_se_(method="diagonal") ** 2
            q = var[a] + var[b]
        t2 = noise + np.maximum(q, 0.0)
        z = (u[a] - u[b]) / np.sqrt(t2)
        prob = np.clip(ndtr(z), 1e-12, 1.0 - 1e-12)
        info = self._votes() * (_INV_SQRT_2PI * np.exp(-0.5 * z * z)) ** 2 / (prob * (1.0 - prob) * t2)
        tie = 1e-12 * self._rng.random(len(cand))  # seeded tie-break
        chosen = greedy_design(cand, info, self._error_cost(u, cov is not None), k, cov=cov, var=var, tie=tie)
        plan = cand[chosen]
        flip = self._rng.random(len(plan)) < 0.5
        plan[flip] = plan[flip, ::-1]
        return plan
