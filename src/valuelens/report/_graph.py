"""The moral graph as an SVG: values on a circle by PageRank, "chosen over" edges between them."""

from __future__ import annotations

import math
from typing import Any

from valuelens.report._svg import CHAR_W, FOR, INK, MUTED, is_num, num, svg, tag, text, title

MAX_NODES = 24
MAX_EDGES = 160


def _ranked(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def key(n: dict[str, Any]) -> tuple[float, float, str]:
        rank = n.get("rank")
        pr = n.get("pagerank")
        return (rank if is_num(rank) else math.inf, -(pr if is_num(pr) else 0.0), str(n.get("value", "")))

    return sorted(nodes, key=key)


def graph_chart(nodes: list[dict[str, Any]], edges: list[dict[str, Any]], size: float = 640) -> str:
    """The top nodes by PageRank clockwise from the top; arrows follow edges, width by weight.

    Args:
        nodes: [{"value", "pagerank", "rank"}]; at most MAX_NODES (the best ranked) are drawn.
        edges: [{"source", "target", "weight"}]; only edges between drawn nodes, heaviest first.
    """
    shown = _ranked(nodes)[:MAX_NODES]
    names = [str(n.get("value", "")) for n in shown]
    index = {name: i for i, name in enumerate(names)}
    rad = size / 2 - 95
    angles = [-math.pi / 2 + 2 * math.pi * i / max(len(shown), 1) for i in range(len(shown))]
    reach = [abs((rad + 22) * math.cos(a)) + len(n) * CHAR_W * (1.0 if abs(math.cos(a)) > 0.25 else 0.5)
             for n, a in zip(names, angles, strict=True)]  # fmt: skip
    width = 2 * (max([rad + 30, *reach]) + 10)
    cx, cy = width / 2, size / 2
    pos = [
        (cx + rad * math.cos(-math.pi / 2 + 2 * math.pi * i / max(len(shown), 1)),
         cy + rad * math.sin(-math.pi / 2 + 2 * math.pi * i / max(len(shown), 1)))
        for i in range(len(shown))
    ]  # fmt: skip
    prs = [n.get("pagerank") for n in shown if is_num(n.get("pagerank"))]
    pr_max = max(prs, default=1.0) or 1.0
    radius = [5 + 11 * math.sqrt(max(n.get("pagerank") or 0.0, 0.0) / pr_max) for n in shown]
    kept = [e for e in edges if str(e.get("source")) in index and str(e.get("target")) in index]
    kept = sorted(kept, key=lambda e: -(e.get("weight") if is_num(e.get("weight")) else 0.0))[:MAX_EDGES]
    w_max = max((e.get("weight") for e in kept if is_num(e.get("weight"))), default=1.0) or 1.0
    marker = (
        '<defs><marker id="vl-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
        f'markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{MUTED}"/></marker></defs>'
    )
    parts = [marker]
    for e in reversed(kept):  # heaviest drawn last, on top
        s, t = index[str(e["source"])], index[str(e["target"])]
        if s == t:
            continue
        (x0, y0), (x1, y1) = pos[s], pos[t]
        dx, dy = x1 - x0, y1 - y0
        dist = math.hypot(dx, dy) or 1.0
        ux, uy = dx / dist, dy / dist
        x0, y0 = x0 + ux * radius[s], y0 + uy * radius[s]
        x1, y1 = x1 - ux * (radius[t] + 2), y1 - uy * (radius[t] + 2)
        mx, my = (x0 + x1) / 2 + (cx - (x0 + x1) / 2) * 0.18, (y0 + y1) / 2 + (cy - (y0 + y1) / 2) * 0.18
        w = e.get("weight") if is_num(e.get("weight")) else 0.0
        share = max(w, 0.0) / w_max
        parts.append(
            tag(
                "path",
                title(f"{e['source']} \u2192 {e['target']}: weight {w:.3g}"),
                d=f"M{num(x0)},{num(y0)} Q{num(mx)},{num(my)} {num(x1)},{num(y1)}",
                fill="none",
                stroke=MUTED,
                stroke_width=0.6 + 2.4 * share,
                stroke_opacity=0.15 + 0.55 * share,
                marker_end="url(#vl-arrow)",
            )
        )
    for i, n in enumerate(shown):
        x, y = pos[i]
        a = math.atan2(y - cy, x - cx)
        lx, ly = x + (radius[i] + 6) * math.cos(a), y + (radius[i] + 6) * math.sin(a)
        anchor = "start" if math.cos(a) > 0.25 else "end" if math.cos(a) < -0.25 else "middle"
        dy = 4 + (10 if math.sin(a) > 0.6 else -8 if math.sin(a) < -0.6 else 0)
        pr = n.get("pagerank")
        tip = f"{names[i]}: PageRank {pr:.3f}" if is_num(pr) else names[i]
        if is_num(n.get("rank")):
            tip += f", rank {n['rank']:.0f}"
        body = title(tip) + tag("circle", cx=x, cy=y, r=radius[i], fill=FOR, fill_opacity=0.85, stroke="#fff")
        body += text(lx, ly + dy, names[i], text_anchor=anchor, fill=INK)
        parts.append(tag("g", body, class_="pt"))
    label = f"Moral graph: the {len(shown)} values with the highest PageRank and the edges between them"
    return svg(width, size, "".join(parts), label)
