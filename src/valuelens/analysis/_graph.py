"""The moral graph: "value v chosen over value w" edges, ranked by PageRank."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from valuelens.analysis._table import ChoiceTable


def pagerank(adjacency: np.ndarray, damping: float = 0.85, tol: float = 1e-12, max_iter: int = 10_000) -> np.ndarray:
    """PageRank by power iteration.

    Args:
        adjacency: (k, k) non-negative weights; adjacency[i, j] is the weight of the link i -> j.
        damping: probability of following a link rather than jumping to a uniform node.
        tol: stop when the L1 change of the scores falls below this.

    Returns:
        (k,) scores summing to 1. A node without outgoing links (dangling) spreads its
        score uniformly, as in the original definition.
    """
    a = np.asarray(adjacency, dtype=float)
    k = len(a)
    if k == 0:
        return np.zeros(0)
    out = a.sum(axis=1)
    dangling = out <= 0
    trans = np.divide(a, out[:, None], out=np.zeros_like(a), where=~dangling[:, None])
    r = np.full(k, 1.0 / k)
    for _ in range(max_iter):
        new = damping * (r @ trans + r[dangling].sum() / k) + (1 - damping) / k
        if np.abs(new - r).sum() < tol:
            return new
        r = new
    return r


@dataclass(frozen=True, eq=False)
class MoralGraph:
    """Values as nodes; net[i, j] > 0 means value i was chosen over value j that much more often.

    Attributes:
        names: (k,) values.
        wins: (k, k) gross expected count of "i chosen over j" (P of the action carrying i).
        net: (k, k) wins - wins.T (antisymmetric).
        pagerank: (k,) PageRank on links from the passed-over value to the chosen one,
            weighted by positive net wins: a value ranks high when values that often
            lose to it also rank high.
        rank: (k,) 1 = highest PageRank.
        n_rows: answered rows used.
    """

    names: tuple[str, ...]
    wins: np.ndarray
    net: np.ndarray
    pagerank: np.ndarray
    rank: np.ndarray
    n_rows: int
    damping: float

    def to_dict(self) -> dict[str, Any]:
        """JSON: nodes [{value, pagerank, rank}] by rank; edges [{source, target, weight}] with
        source chosen over target by a positive net expected count ``weight``."""
        nodes = [
            {"value": self.names[j], "pagerank": float(self.pagerank[j]), "rank": int(self.rank[j])}
            for j in np.argsort(self.rank, kind="stable")
        ]
        src, dst = np.nonzero(self.net > 1e-12)
        edges = [
            {"source": self.names[i], "target": self.names[j], "weight": float(self.net[i, j])}
            for i, j in sorted(zip(src, dst, strict=True), key=lambda e: -self.net[e[0], e[1]])
        ]
        return {
            "method": f"PageRank (damping {self.damping}) on net 'chosen over' weights",
            "n_rows": self.n_rows,
            "nodes": nodes,
            "edges": edges,
        }


def moral_graph(table: ChoiceTable, damping: float = 0.85) -> MoralGraph:
    """Build the "chosen over" graph from soft choices and rank values by PageRank.

    For every answered row, each pair (v in A, w in B) with v != w gains P(A) on the edge
    v over w and 1 - P(A) on w over v (P(A) = ``table.p_a``). Net weights cancel the two
    directions; PageRank runs on links from loser to winner with the positive net weights.

    Args:
        table: the choices, n rows.
        damping: PageRank damping.

    Returns:
        MoralGraph over the k values carried by an answered row, sorted by name.
    """
    p = table.p_a
    rows = np.flatnonzero(~np.isnan(p))
    names = sorted({v for i in rows for v in (*table.values_a[i], *table.values_b[i])})
    col = {n: j for j, n in enumerate(names)}
    wins = np.zeros((len(names), len(names)))
    for i in rows:
        for v in set(table.values_a[i]):
            for w in set(table.values_b[i]):
                if v != w:
                    wins[col[v], col[w]] += p[i]
                    wins[col[w], col[v]] += 1.0 - p[i]
    net = wins - wins.T
    score = pagerank(np.clip(net, 0, None).T, damping)  # link loser -> winner
    rank = np.empty(len(names), dtype=int)
    rank[np.lexsort((np.arange(len(names)), -score))] = np.arange(1, len(names) + 1)
    return MoralGraph(tuple(names), wins, net, score, rank, len(rows), damping)
