"""Theory lenses (one chart per theory, circles in canonical order) and the moral graph panel."""

from __future__ import annotations

from typing import Any

from valuelens.lexicon import load_lexicon
from valuelens.report._charts import Point, circle_chart, forest
from valuelens.report._graph import graph_chart
from valuelens.report._page import Panel
from valuelens.report._svg import esc, fmt, fmt_ci, is_num, padded_range
from valuelens.report._tables import sortable_table

ORDER = ("schwartz", "schwartz_higher", "schwartz_refined", "mft", "wvs", "maslow", "aristotle", "plutchik")
"""Theories in the order the report shows them; unknown ids follow in their own order."""
CIRCLES = ("schwartz", "schwartz_refined", "plutchik")
"""Theories drawn as a circle (their dimensions have a canonical circular order)."""


def _lexicon_theory(tid: str) -> Any:
    theories = load_lexicon().theories
    return theories.get("schwartz" if tid == "schwartz_higher" else tid)


def _canonical(tid: str, theory: dict[str, Any]) -> list[str]:
    """The theory's dimensions in its own order (given circle order, else the lexicon's), then any others."""
    present = [str(d.get("dimension")) for d in theory.get("dimensions", [])]
    try:
        lexicon_order = load_lexicon().theory_dimensions(tid)
    except KeyError:
        lexicon_order = []
    known = set(present) | set(lexicon_order)
    order = [str(d) for d in theory.get("circle_order") or [] if d in known] or lexicon_order
    seen = set(order)
    return order + [d for d in present if d not in seen]


def _groups(tid: str, order: list[str]) -> list[tuple[str, list[int]]] | None:
    """Schwartz's higher-order groups as index lists over `order` (basic or refined values)."""
    if tid not in ("schwartz", "schwartz_refined"):
        return None
    schwartz = load_lexicon().theories["schwartz"]
    basic_of = {}
    if tid == "schwartz_refined":
        basic_of = {d.id: (d.model_extra or {}).get("basic", d.id) for d in load_lexicon().theories[tid].dimensions}
    out = []
    for spec in schwartz.higher_order.values():
        members = set(spec["members"])
        idx = [i for i, dim in enumerate(order) if basic_of.get(dim, dim) in members]
        out.append((str(spec["label"]), idx))
    return out


def _points(tid: str, theory: dict[str, Any]) -> tuple[list[Point], str]:
    dims = {str(d.get("dimension")): d for d in theory.get("dimensions", [])}
    use_score = all(is_num(d.get("score")) for d in dims.values())
    lex = _lexicon_theory(tid)
    points = []
    for dim in _canonical(tid, theory):
        d = dims.get(dim, {})
        label = d.get("label") or (lex.label(dim) if lex is not None else dim)
        tip = f"{label}: score {fmt(d.get('score'))} {fmt_ci(d.get('ci_low'), d.get('ci_high'))}, n={d.get('n', 0)}"
        if is_num(d.get("utility")):
            tip += f"; utility {fmt(d['utility'], 2)} {fmt_ci(d.get('utility_ci_low'), d.get('utility_ci_high'), 2)}"
        if use_score:
            points.append(Point(str(label), d.get("score"), d.get("ci_low"), d.get("ci_high"), tip))
        else:
            points.append(Point(str(label), d.get("utility"), d.get("utility_ci_low"), d.get("utility_ci_high"), tip))
    return points, "score" if use_score else "utility"


def lens_chart(tid: str, theory: dict[str, Any], width: float = 520) -> str:
    """One theory's chart: a circle for circular theories, else a forest plot in canonical order."""
    points, metric = _points(tid, theory)
    name = str(theory.get("title") or tid)
    if metric == "score":
        dom = (-100.0, 100.0)
        axis = "score (\u2212100 to +100)"
    else:
        dom = padded_range([v for p in points for v in (p.lo, p.hi, p.est) if is_num(v)])
        axis = "utility (logits)"
    if tid in CIRCLES and len(points) >= 3:
        order = _canonical(tid, theory)
        return circle_chart(points, label=f"{name}: {metric} per dimension", domain=dom, groups=_groups(tid, order))
    return forest(points, domain=dom, axis_label=axis, label=f"{name}: {metric} per dimension", width=width)


def ordered_theories(theories: dict[str, Any]) -> list[str]:
    """Theory ids in report order, only those with at least one dimension."""
    ids = [t for t in ORDER if t in theories] + [t for t in theories if t not in ORDER]
    return [t for t in ids if isinstance(theories[t], dict) and theories[t].get("dimensions")]


def theories_panel(data: dict[str, Any]) -> Panel | None:
    """One chart per theory lens that has data."""
    theories = data.get("theories") or {}
    ids = ordered_theories(theories)
    if not ids:
        return None
    cards = []
    for tid in ids:
        theory = theories[tid]
        lex = _lexicon_theory(tid)
        desc = str(lex.description) if lex is not None and tid != "schwartz_higher" else ""
        if tid == "schwartz_higher":
            desc = "Schwartz's four higher-order values: each groups the basic values beside it on the circle."
        wide = " wide" if tid == "schwartz_refined" else ""
        cards.append(
            f'<div class="lens{wide}" data-theory="{esc(tid)}"><h3>{esc(theory.get("title") or tid)}</h3>'
            f'<p class="desc">{esc(desc)}</p><figure>{lens_chart(tid, theory)}</figure></div>'
        )
    intro = (
        "Each value maps onto a dimension of each theory; a dimension's score pools the dilemmas whose "
        "actions carry its values. On a circle the distance from the centre is the score (dashed ring: 0), "
        "the thick segment its 95% interval, dimensions in the theory's own order."
    )
    return Panel("theories", "Theory lenses", f'<div class="lenses">{"".join(cards)}</div>', esc(intro))


def moral_graph_panel(data: dict[str, Any]) -> Panel | None:
    """The moral graph: nodes by PageRank on a circle, edges as arrows, and the ranking as a table."""
    graph = data.get("moral_graph") or {}
    nodes = [n for n in graph.get("nodes", []) if isinstance(n, dict)]
    if not nodes:
        return None
    edges = [e for e in graph.get("edges", []) if isinstance(e, dict)]
    cols = [("rank", "rank", "num"), ("value", "value", "text"), ("pagerank", "PageRank", "num")]
    rows = sorted(nodes, key=lambda n: n.get("rank") if is_num(n.get("rank")) else 1e9)
    caption = (
        f"{len(nodes)} values and {len(edges)} edges; drawn: the 24 highest by PageRank and the heaviest "
        "edges between them. Node size is PageRank, arrow width and darkness the edge weight."
    )
    body = (
        f"<figure>{graph_chart(nodes, edges)}<figcaption>{esc(caption)}</figcaption></figure>"
        f'<details class="more"><summary>PageRank of every value</summary>'
        f'<div class="scroll">{sortable_table("graph-table", cols, rows)}</div></details>'
    )
    intro = (
        "Values as nodes and \u201cchosen over\u201d relations as edges; PageRank ranks the values the graph favours."
    )
    return Panel("moral-graph", "Moral graph", body, esc(intro))
