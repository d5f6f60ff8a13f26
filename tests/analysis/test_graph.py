"""The moral graph and its PageRank ranking."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from valuelens.analysis._graph import moral_graph, pagerank
from valuelens.analysis._table import ChoiceTable


def test_pagerank_two_nodes_by_hand() -> None:
    # One link b -> a; a is dangling and spreads uniformly. With d = 0.85:
    # r_b = 0.075 + 0.85 * r_a / 2 and r_a + r_b = 1  =>  r_b = 0.5 / 1.425.
    r = pagerank(np.array([[0.0, 0.0], [1.0, 0.0]]))
    assert r[1] == pytest.approx(0.5 / 1.425, abs=1e-10)
    assert r[0] == pytest.approx(1 - 0.5 / 1.425, abs=1e-10)


def test_pagerank_cycle_and_star() -> None:
    assert np.allclose(pagerank(np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]])), 1 / 3)
    # Star: leaves 1 and 2 link to hub 0, which is dangling:
    # r_1 = r_2 = 0.05 + 0.85 * r_0 / 3 and r_0 = 1 - 2 r_1  =>  r_0 = 0.9 / (1 + 1.7 / 3).
    r = pagerank(np.array([[0, 0, 0], [1, 0, 0], [1, 0, 0]]))
    r0 = 0.9 / (1 + 1.7 / 3)
    assert np.allclose(r, [r0, (1 - r0) / 2, (1 - r0) / 2], atol=1e-10)
    assert r.sum() == pytest.approx(1.0)


def test_moral_graph_tiny_by_hand() -> None:
    # d1: A=(care,) over B=(honesty, loyalty) with P(A)=0.9; d2: A=(honesty,) vs B=(care,), P(A)=0.4.
    table = ChoiceTable(
        ["d1", "d2"],
        np.zeros(2, int),
        [("care",), ("honesty",)],
        [("honesty", "loyalty"), ("care",)],
        np.array([0.9, 0.4]),
        np.array([0.9, 0.4]),
    )
    g = moral_graph(table)
    assert g.names == ("care", "honesty", "loyalty")
    c, h, lo = 0, 1, 2
    assert g.wins[c, h] == pytest.approx(0.9 + 0.6) and g.wins[h, c] == pytest.approx(0.1 + 0.4)
    assert g.net[c, h] == pytest.approx(1.0) and g.net[c, lo] == pytest.approx(0.8)
    assert g.net[h, lo] == 0.0  # never opposed
    assert list(g.rank) == [1, 2, 3]  # honesty and loyalty tie; ties go by name
    edges = {(e["source"], e["target"]): e["weight"] for e in g.to_dict()["edges"]}
    assert edges == {("care", "honesty"): pytest.approx(1.0), ("care", "loyalty"): pytest.approx(0.8)}
    nodes = g.to_dict()["nodes"]
    assert nodes[0]["value"] == "care" and nodes[0]["rank"] == 1
    assert sum(n["pagerank"] for n in nodes) == pytest.approx(1.0)


def test_pagerank_tracks_planted_utilities() -> None:
    rng = np.random.default_rng(5)
    names = [f"v{i:02d}" for i in range(30)]
    u = rng.standard_normal(30)
    va, vb, p = [], [], []
    for _ in range(400):
        i, j = rng.choice(30, 2, replace=False)
        va.append((names[i],))
        vb.append((names[j],))
        p.append(special.expit(2 * (u[i] - u[j])))
    g = moral_graph(ChoiceTable([f"d{k}" for k in range(400)], np.zeros(400, int), va, vb, np.array(p), np.array(p)))
    truth = dict(zip(names, u, strict=True))
    assert stats.spearmanr([truth[n] for n in g.names], g.pagerank)[0] > 0.8
