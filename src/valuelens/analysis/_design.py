"""The choice table as a sparse design: one row per answered option order, one column per value.

Each dilemma is asked in both option orders, and each answered order is one row:
logit P(choose A) = x u + s b, where x is the mean indicator of A's names minus the mean
indicator of B's, u the utilities, b the position bias in logits and s = +1 when A is
listed first, -1 when second. Modelling the orders apart keeps the utilities on the
model's own logit scale: averaging the two orders' probabilities first pulls every
choice toward 0.5 by an amount that grows with the position bias.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse

from valuelens.analysis._table import ChoiceTable

BIAS_PRIOR_SD = 5.0
"""Prior sd of the position bias, in logits: wide, since every answered order informs it."""


def carried(values: Sequence[str], membership: Mapping[str, Sequence[str]] | None) -> set[str]:
    """The names an action carries: its values, or the union of their dimensions."""
    if membership is None:
        return set(values)
    return {d for v in values for d in membership.get(v, ())}


@dataclass(frozen=True, eq=False)
class Design:
    """The usable answers of a table as a sparse design over named columns and a bias column.

    Attributes:
        names: (k,) value or dimension names, the first k columns.
        x: (m, k + 1) CSR; columns 0..k-1 as in the module docstring, column k is s (+1 or -1).
        p: (m,) P(choose A) in the row's option order.
        rows: (m,) index of each design row's table row.
        clusters: (m,) item_id of each row (the unit a bootstrap resamples; both orders share it).
    """

    names: tuple[str, ...]
    x: sparse.csr_matrix
    p: np.ndarray
    rows: np.ndarray
    clusters: tuple[str, ...]

    @property
    def k(self) -> int:
        """Number of named columns (the bias column is not counted)."""
        return len(self.names)

    @cached_property
    def cluster_index(self) -> tuple[np.ndarray, int]:
        """(m,) cluster number of each row, and the number of clusters."""
        _, idx = np.unique(self.clusters, return_inverse=True)
        return idx, int(idx.max()) + 1 if len(idx) else 0

    @cached_property
    def outer(self) -> sparse.csr_matrix:
        """(K*K, m) CSR whose column i is the flattened outer product x_i x_i^T, K = k + 1 (for Hessians)."""
        k, x = self.x.shape[1], self.x
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
        """(k,) number of distinct items (dilemmas) touching each named column."""
        coo = self.x.tocoo()
        named = coo.col < self.k
        item = self.cluster_index[0]
        pairs = np.unique(np.column_stack([item[coo.row[named]], coo.col[named]]), axis=0)
        return np.bincount(pairs[:, 1], minlength=self.k)

    def precision(self, prior_sd: float) -> np.ndarray:
        """(k + 1,) prior precision per column: 1 / prior_sd^2 per name, 1 / BIAS_PRIOR_SD^2 for the bias."""
        out = np.full(self.x.shape[1], 1.0 / prior_sd**2)
        out[-1] = 1.0 / BIAS_PRIOR_SD**2
        return out


def build_design(
    table: ChoiceTable,
    membership: Mapping[str, Sequence[str]] | None = None,
    names: Sequence[str] | None = None,
) -> Design:
    """One row per answered order of every row whose two actions both carry a name (others are skipped)."""
    used: list[tuple[int, set[str], set[str]]] = []
    for i in range(len(table)):
        a, b = carried(table.values_a[i], membership), carried(table.values_b[i], membership)
        if a and b and not (np.isnan(table.p_a_first[i]) and np.isnan(table.p_a_second[i])):
            used.append((i, a, b))
    if names is None:
        names = sorted(set().union(*[a | b for _, a, b in used])) if used else []
    col, k = {n: j for j, n in enumerate(names)}, len(names)
    r_idx: list[int] = []
    c_idx: list[int] = []
    vals: list[float] = []
    p: list[float] = []
    rows: list[int] = []
    for i, a, b in used:
        for sign, answer in ((1.0, table.p_a_first[i]), (-1.0, table.p_a_second[i])):
            if np.isnan(answer):
                continue
            r = len(p)
            for side, s in ((a, 1.0), (b, -1.0)):
                for n in side:
                    r_idx.append(r)
                    c_idx.append(col[n])
                    vals.append(s / len(side))
            r_idx.append(r)
            c_idx.append(k)
            vals.append(sign)
            p.append(float(answer))
            rows.append(i)
    x = sparse.csr_matrix((vals, (r_idx, c_idx)), shape=(len(p), k + 1))
    x.sum_duplicates()
    x.eliminate_zeros()  # a value on both sides with equal weight carries no information
    rows_arr = np.array(rows, dtype=int)
    return Design(tuple(names), x, np.array(p, dtype=float), rows_arr, tuple(table.item_ids[i] for i in rows_arr))
