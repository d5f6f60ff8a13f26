"""A pair design fixed before any answer: which items to compare, from the seed and the number of items only.

Active selection (``ActivePairSelector``) picks each round's pairs from the answers so far, so its
pairs are known only as the run goes. A fixed design knows every pair in advance: the whole run can
be sent as one batch, planned exactly, and split over machines by pair (``--shard``) with the same
pairs on every machine.

The design is a random near-regular graph: a sequence of random perfect matchings of the items,
each adding one comparison to every item, pairs already in skipped, until the budget is spent.
A union of d random perfect matchings is, for d >= 3, an expander with high probability (its
spectral gap close to that of a random d-regular graph), which is what an A-optimal design for
paired comparisons of equally informative pairs wants: every item compared about equally often, and
every item linked to every other by short paths, so no group of items is compared only among itself.
"""

from __future__ import annotations

import numpy as np

_DENSE = 0.5  # once a matching adds fewer new pairs than this share, the rest is drawn from the unused pairs


def fixed_pairs(n_items: int, m: int, seed: int = 0) -> np.ndarray:
    """``m`` distinct unordered pairs of ``n_items`` items, each item in about 2 m / n_items of them, as a
    union of seeded random perfect matchings; random sides.

    The result depends only on the arguments. A pair already in is skipped; each matching puts the least
    compared items first, so skips, an odd item out and a last matching cut short by ``m`` even out.
    When the graph is so dense that matchings mostly repeat pairs, the remaining pairs are drawn
    uniformly from the unused ones.

    Args:
        n_items: number of items N (>= 2).
        m: number of pairs; at most N(N-1)/2.
        seed: seed of every random choice.

    Returns:
        (m,2) int64 array, in the order the matchings produced them.

    Raises:
        ValueError: fewer than 2 items, or more pairs than exist.
    """
    total = n_items * (n_items - 1) // 2
    if n_items < 2 or not 0 <= m <= total:
        raise ValueError(f"{m} pairs of {n_items} items: need 2 or more items and at most {total} pairs")
    rng = np.random.default_rng(seed)
    used = np.zeros(total, dtype=bool)
    degree = np.zeros(n_items, dtype=np.int64)
    keys: list[np.ndarray] = []
    count = 0
    while count < m:
        # a random order, the least compared items first: they fill a matching cut short by the budget, and
        # an odd item out (the last) is one compared most so far
        order = rng.permutation(n_items)
        new = _matching(order[np.argsort(degree[order], kind="stable")], used, n_items, rng)
        if len(new) < _DENSE * (n_items // 2):
            break
        new = new[: m - count]
        used[new] = True
        for side in _pair(new, n_items):
            np.add.at(degree, side, 1)
        keys.append(new)
        count += len(new)
    if count < m:  # dense: the rest uniformly from the pairs not yet used
        rest = rng.permutation(np.flatnonzero(~used))[: m - count]
        keys.append(rest)
    lo, hi = _pair(np.concatenate(keys) if keys else np.empty(0, dtype=np.int64), n_items)
    pairs = np.column_stack([lo, hi]).astype(np.int64)
    flip = rng.random(len(pairs)) < 0.5
    pairs[flip] = pairs[flip, ::-1]
    return pairs


def _matching(order: np.ndarray, used: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Keys of a matching of ``order`` (i with i + half) without used pairs: the items of a used pair are
    matched again among themselves, in a random order, up to three more times."""
    half = len(order) // 2
    a, b = order[:half], order[half : 2 * half]
    out = []
    for _ in range(4):
        key = _index(np.minimum(a, b), np.maximum(a, b), n)
        fresh = ~used[key]
        out.append(key[fresh])
        rest = rng.permutation(np.concatenate([a[~fresh], b[~fresh]]))
        a, b = rest[: len(rest) // 2], rest[len(rest) // 2 : 2 * (len(rest) // 2)]
        if not len(a):
            break
    return np.concatenate(out)


def _index(lo: np.ndarray, hi: np.ndarray, n: int) -> np.ndarray:
    """Position of each pair (lo < hi) in the row-major upper triangle of an n x n matrix."""
    return lo * n - lo * (lo + 1) // 2 + (hi - lo - 1)


def _pair(index: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of ``_index``: (lo, hi) of each upper-triangle position (closed form, then an exact fix-up)."""
    k = index.astype(np.int64)
    lo = n - 2 - np.floor(np.sqrt(-8.0 * k + 4.0 * n * (n - 1) - 7) / 2.0 - 0.5).astype(np.int64)
    lo = np.clip(lo, 0, n - 2)
    lo -= _index(lo, lo + 1, n) > k  # float rounding: step back to the row that holds k
    lo += (lo < n - 2) & (_index(lo + 1, lo + 2, n) <= k)  # or forward to the next row
    return lo, k - _index(lo, lo + 1, n) + lo + 1
