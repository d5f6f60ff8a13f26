"""Charts as inline SVG: forest plots (points with intervals), dumbbells and the value circle."""

from __future__ import annotations

import math
from dataclasses import dataclass

from valuelens.report._svg import (
    CHAR_W,
    FAINT,
    FOR,
    GRID,
    INK,
    MUTED,
    NEUTRAL,
    Scale,
    is_num,
    nice_ticks,
    num,
    sign_colour,
    svg,
    tag,
    text,
    title,
)

MAX_LABEL_W = 280.0


def clip(label: str, width: float = MAX_LABEL_W - 16) -> str:
    """A label cut to fit `width` pixels, with an ellipsis (the tooltip keeps the full text)."""
    chars = int(width / CHAR_W)
    return label if len(label) <= chars else label[: chars - 1].rstrip() + "\u2026"


@dataclass(frozen=True)
class Point:
    """One row of a chart: a label, an estimate and its interval (None: no interval)."""

    label: str
    est: float | None
    lo: float | None = None
    hi: float | None = None
    tip: str = ""
    colour: str | None = None
    est2: float | None = None  # second series (dumbbell): drawn hollow, joined to `est`


def _axis(x: Scale, ticks: list[float], top: float, bottom: float, zero: float | None, axis_label: str) -> str:
    parts = []
    for t in ticks:
        px = x(t)
        parts.append(tag("line", x1=px, x2=px, y1=top, y2=bottom, stroke=GRID, stroke_width=1.0))
        parts.append(text(px, bottom + 14, num(t).replace("-", "\u2212"), fill=MUTED, text_anchor="middle"))
    if zero is not None:
        parts.append(tag("line", x1=x(zero), x2=x(zero), y1=top, y2=bottom, stroke=INK, stroke_width=1.2))
    mid = (x.a + x.b) / 2
    parts.append(text(mid, bottom + 30, axis_label, fill=MUTED, text_anchor="middle"))
    return "".join(parts)


def forest(
    rows: list[Point],
    *,
    domain: tuple[float, float],
    axis_label: str,
    label: str,
    width: float = 760,
    row_h: float = 17,
    zero: float | None = 0.0,
    legend: tuple[str, str] | None = None,
) -> str:
    """A forest plot: one row per point, its estimate as a dot and its interval as a line.

    Colour: blue when the interval lies above `zero`, vermillion below, grey otherwise; a hollow
    dot has no interval. With `est2` set on rows, draws a dumbbell (filled `est`, hollow `est2`)
    and `legend` names the two series.
    """
    label_w = min(max((len(r.label) for r in rows), default=4) * CHAR_W + 16, MAX_LABEL_W)
    left, right, top = label_w, width - 18, 22 if legend else 8
    bottom = top + max(len(rows), 1) * row_h + 4
    x = Scale(domain[0], domain[1], left, right)
    parts = []
    for i in range(0, len(rows), 2):  # zebra stripes
        parts.append(tag("rect", x=0.0, y=top + i * row_h, width=float(width), height=float(row_h), fill=FAINT))
    parts.append(_axis(x, nice_ticks(*domain), top, bottom, zero, axis_label))
    if legend:
        parts.append(tag("circle", cx=float(left), cy=10.0, r=4.0, fill=INK))
        parts.append(text(left + 8, 14, legend[0], fill=MUTED))
        lx = left + 24 + len(legend[0]) * CHAR_W
        parts.append(tag("circle", cx=lx, cy=10.0, r=4.0, fill="#ffffff", stroke=INK, stroke_width=1.5))
        parts.append(text(lx + 8, 14, legend[1], fill=MUTED))
    for i, r in enumerate(rows):
        cy = top + i * row_h + row_h / 2
        has_ci = is_num(r.lo) and is_num(r.hi)
        colour = r.colour or (sign_colour(r.lo, r.hi, zero or 0.0) if r.est2 is None else INK)
        g = [title(r.tip or r.label), text(label_w - 8, cy + 4, clip(r.label), text_anchor="end")]
        if has_ci:
            g.append(tag("line", x1=x(r.lo), x2=x(r.hi), y1=cy, y2=cy, stroke=colour, stroke_width=2.0))
        if r.est2 is not None and is_num(r.est2) and is_num(r.est):
            g.append(tag("line", x1=x(r.est), x2=x(r.est2), y1=cy, y2=cy, stroke=colour, stroke_width=1.0))
            g.append(tag("circle", cx=x(r.est2), cy=cy, r=4.0, fill="#ffffff", stroke=colour, stroke_width=1.5))
        if is_num(r.est):
            solid = has_ci or r.est2 is not None
            fill, stroke = (colour, colour) if solid else ("#ffffff", NEUTRAL)
            g.append(tag("circle", cx=x(r.est), cy=cy, r=4.0, fill=fill, stroke=stroke, stroke_width=1.5))
        parts.append(tag("g", "".join(g), class_="pt"))
    return svg(width, bottom + 40, "".join(parts), label)


def _polar(cx: float, cy: float, r: float, angle: float) -> tuple[float, float]:
    return cx + r * math.cos(angle), cy + r * math.sin(angle)


def _wedge(cx: float, cy: float, r: float, a0: float, a1: float) -> str:
    x0, y0 = _polar(cx, cy, r, a0)
    x1, y1 = _polar(cx, cy, r, a1)
    large = 1 if a1 - a0 > math.pi else 0
    return f"M{num(cx)},{num(cy)} L{num(x0)},{num(y0)} A{num(r)},{num(r)} 0 {large} 1 {num(x1)},{num(y1)} Z"


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    """Contiguous runs [(first, last)] of sorted indices."""
    out: list[tuple[int, int]] = []
    for i in indices:
        if out and i == out[-1][1] + 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


def circle_chart(
    dims: list[Point],
    *,
    label: str,
    domain: tuple[float, float] = (-100.0, 100.0),
    groups: list[tuple[str, list[int]]] | None = None,
    radius: float = 150,
) -> str:
    """A value circle: dimensions on spokes in the theory's order (clockwise from the top).

    Distance from the centre is the estimate (inner ring = domain low, outer = domain high, the
    dark dashed ring = 0); the thick segment on a spoke is the interval. `groups` shade sectors
    (e.g. Schwartz's higher-order values) and are named in a legend below.
    """
    n = max(len(dims), 1)
    big, inner = radius, radius * 0.16
    step = 2 * math.pi / n
    ang = [-math.pi / 2 + (i + 0.5) * step for i in range(n)]  # half a step: no label sits on the axis
    anchors = ["start" if math.cos(a) > 0.1 else "end" if math.cos(a) < -0.1 else "middle" for a in ang]
    reach = [
        abs((big + 16) * math.cos(a)) + len(d.label) * CHAR_W * (0.5 if anchor == "middle" else 1.0)
        for d, a, anchor in zip(dims, ang, anchors, strict=True)
    ]
    width = 2 * (max([big + 8, *reach]) + 12)
    cx, cy = width / 2, big + 8 + 30
    rad = Scale(domain[0], domain[1], inner, big)
    parts = []
    palette = ("#e8f1f8", "#fdf1e0", "#e6f4ef", "#f6e9f1")
    legend = []
    for gi, (name, members) in enumerate(groups or []):
        fill = palette[gi % len(palette)]
        for first, last in _runs(sorted(set(members))):
            a0, a1 = ang[first] - step / 2, ang[last] + step / 2
            parts.append(tag("path", d=_wedge(cx, cy, big + 8, a0, a1), fill=fill))
        if members:
            legend.append((name, fill))
    for a in ang:
        x0, y0 = _polar(cx, cy, inner, a)
        x1, y1 = _polar(cx, cy, big + 8, a)
        parts.append(tag("line", x1=x0, y1=y0, x2=x1, y2=y1, stroke=GRID, stroke_width=1.0))
    for t in nice_ticks(domain[0], domain[1], 4):
        is_zero = abs(t) < 1e-9
        ring = {"stroke": INK if is_zero else GRID, "stroke_width": 1.2 if is_zero else 1.0, "fill": "none"}
        parts.append(tag("circle", cx=cx, cy=cy, r=rad(t), stroke_dasharray="4 3" if is_zero else None, **ring))
    pts = [_polar(cx, cy, rad(d.est), a) for d, a in zip(dims, ang, strict=True) if is_num(d.est)]
    if len(pts) >= 3:
        d_attr = "M" + " L".join(f"{num(px)},{num(py)}" for px, py in pts) + " Z"
        parts.append(tag("path", d=d_attr, fill=FOR, fill_opacity=0.10, stroke=FOR, stroke_width=1.5))
    for t in nice_ticks(domain[0], domain[1], 4):  # ring values on the vertical axis, between spokes, haloed
        tx, ty = _polar(cx, cy, rad(t), -math.pi / 2)
        halo = {"stroke": "#ffffff", "stroke_width": 3.0, "paint_order": "stroke"}
        parts.append(
            text(tx, ty + 3, num(t).replace("-", "\u2212"), fill=MUTED, font_size=10, text_anchor="middle", **halo)
        )
    for d, a, anchor in zip(dims, ang, anchors, strict=True):
        colour = d.colour or sign_colour(d.lo, d.hi)
        g = [title(d.tip or d.label)]
        if is_num(d.lo) and is_num(d.hi):
            x0, y0 = _polar(cx, cy, rad(d.lo), a)
            x1, y1 = _polar(cx, cy, rad(d.hi), a)
            g.append(tag("line", x1=x0, y1=y0, x2=x1, y2=y1, stroke=colour, stroke_width=4.0, stroke_opacity=0.45))
        if is_num(d.est):
            px, py = _polar(cx, cy, rad(d.est), a)
            g.append(tag("circle", cx=px, cy=py, r=4.5, fill=colour, stroke="#ffffff", stroke_width=1.0))
        lx, ly = _polar(cx, cy, big + 16, a)
        dy = 4 + 8 * math.sin(a)
        g.append(text(lx, ly + dy, d.label, text_anchor=anchor))
        parts.append(tag("g", "".join(g), class_="pt"))
    height, lx = cy + big + 8 + 52, 16.0
    for name, fill in legend:
        item_w = 20 + len(name) * CHAR_W + 18
        if lx + item_w > width and lx > 16:
            lx, height = 16.0, height + 20
        parts.append(tag("rect", x=lx, y=height - 12, width=12.0, height=12.0, fill=fill, stroke=GRID))
        parts.append(text(lx + 18, height - 2, name, fill=MUTED))
        lx += item_w
    return svg(width, height + (10 if legend else -10), "".join(parts), label)
