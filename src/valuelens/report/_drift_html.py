"""The drift report: small-multiple trajectory plots (utility by checkpoint, 95% intervals) and a
names x steps heatmap, for the values and each theory, from a `DriftResult.summary()`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from valuelens.report._page import Panel, page
from valuelens.report._svg import (
    AGAINST,
    FOR,
    GRID,
    MUTED,
    NEUTRAL,
    Scale,
    esc,
    fmt,
    fmt_ci,
    is_num,
    nice_ticks,
    padded_range,
    svg,
    tag,
    text,
    title,
)
from valuelens.report._sweep_html import heatmap
from valuelens.report._tables import sortable_table

PANEL_W, PANEL_H = 200.0, 124.0
PAD_L, PAD_R, PAD_T, PAD_B = 30.0, 8.0, 20.0, 20.0
MULTIPLES = 24  # trajectory panels shown: the significant names first, then the most moved


def _colour(e: dict[str, Any]) -> str:
    if not e["significant"]:
        return NEUTRAL
    return FOR if e["magnitude"] > 0 else AGAINST


def _step(s: Any) -> str:
    return f"{s:g}" if is_num(s) else str(s)


def trajectory(e: dict[str, Any], name: str, steps: list[float], y: tuple[float, float]) -> str:
    """One small multiple: utility by step with its interval, on a y range shared by all panels."""
    xs = Scale(steps[0], steps[-1], PAD_L, PANEL_W - PAD_R)
    ys = Scale(y[0], y[1], PANEL_H - PAD_B, PAD_T)
    colour = _colour(e)
    parts = [tag("line", x1=PAD_L, x2=PANEL_W - PAD_R, y1=ys(0.0), y2=ys(0.0), stroke=GRID, stroke_dasharray="3 3")]
    for t in nice_ticks(y[0], y[1], 3):
        parts.append(text(PAD_L - 4, ys(t) + 4, fmt(t, 1), text_anchor="end", fill=MUTED, font_size=10))
    for s in (steps[0], steps[-1]):
        parts.append(text(xs(s), PANEL_H - 6, _step(s), text_anchor="middle", fill=MUTED, font_size=10))
    pts = [p for p in e["trajectory"] if is_num(p["utility"])]
    path = " ".join(f"{'M' if i == 0 else 'L'}{xs(p['step']):.1f},{ys(p['utility']):.1f}" for i, p in enumerate(pts))
    parts.append(tag("path", d=path, fill="none", stroke=colour, stroke_width=1.5))
    for p in pts:
        tip = f"{name} at step {_step(p['step'])}: {fmt(p['utility'], 2)} {fmt_ci(p['ci_low'], p['ci_high'], 2)}"
        bar = ""
        if is_num(p["ci_low"]) and is_num(p["ci_high"]):
            bar = tag(
                "line", x1=xs(p["step"]), x2=xs(p["step"]), y1=ys(p["ci_low"]), y2=ys(p["ci_high"]), stroke=colour
            )
        dot = tag("circle", cx=xs(p["step"]), cy=ys(p["utility"]), r=2.5, fill=colour)
        parts.append(tag("g", title(tip) + bar + dot))
    head = f"{name}  {fmt(e['magnitude'], 2)}" + (" *" if e["significant"] else "")
    parts.append(text(PAD_L, 13, head, fill=colour if e["significant"] else "#1f2328", font_weight="600"))
    return svg(PANEL_W, PANEL_H, "".join(parts), f"Trajectory of {name}")


def multiples(entries: list[dict[str, Any]], key: str, steps: list[float]) -> str:
    """The significant names first, then the most moved, as a wrap of trajectory panels."""
    shown = sorted(entries, key=lambda e: (not e["significant"], -abs(e["magnitude"])))[:MULTIPLES]
    y = padded_range([v for e in shown for p in e["trajectory"] for v in (p["ci_low"], p["ci_high"])])
    cells = "".join(f'<div style="display:inline-block">{trajectory(e, e[key], steps, y)}</div>' for e in shown)
    return f"<figure>{cells}<figcaption>{esc(_caption(len(shown), len(entries)))}</figcaption></figure>"


def _caption(shown: int, total: int) -> str:
    return (
        f"{shown} of {total}: utility (centred) at each checkpoint with its 95% interval, one y scale for all "
        "panels; the title gives the largest change from the first checkpoint; * and colour: the test of no "
        "change is rejected after Holm (blue: moved up, vermillion: down)."
    )


def _heat(entries: list[dict[str, Any]], key: str, steps: list[float], label: str) -> str:
    rows = [{"name": e[key], "utilities": [p["utility"] for p in e["trajectory"]]} for e in entries]
    rows.sort(key=lambda r: -(r["utilities"][0] if is_num(r["utilities"][0]) else -99))
    return heatmap(rows, len(steps), label, columns=[_step(s) for s in steps])


def _table(entries: list[dict[str, Any]], key: str, table_id: str) -> str:
    rows = [
        {
            "name": e[key],
            "first": e["trajectory"][0]["utility"],
            "last": e["trajectory"][-1]["utility"],
            "magnitude": e["magnitude"],
            "lo": e["magnitude_ci_low"],
            "hi": e["magnitude_ci_high"],
            "step": e["drift_step"],
            "p": e["p_value"],
            "p_holm": e["p_holm"],
            "n": e["n"],
            "significant": e["significant"],
        }
        for e in entries
    ]
    cols = [
        ("name", key, "text"),
        ("first", "first", "num"),
        ("last", "last", "num"),
        ("magnitude", "largest change", "num"),
        ("lo", "CI low", "num"),
        ("hi", "CI high", "num"),
        ("step", "drift step", "num"),
        ("p", "p", "num"),
        ("p_holm", "Holm p", "num"),
        ("n", "n", "num"),
    ]
    table = sortable_table(table_id, cols, rows, row_class=lambda r: "sig" if r["significant"] else None)
    return f"<details class='more'><summary>All numbers</summary><div class='scroll'>{table}</div></details>"


def _correlations(block: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{esc(_step(c['step']))}</td><td>{esc(fmt(c['spearman_first'], 2))} "
        f"{esc(fmt_ci(*c['spearman_first_ci'], 2))}</td><td>{esc(fmt(c['spearman_last'], 2))} "
        f"{esc(fmt_ci(*c['spearman_last_ci'], 2))}</td></tr>"
        for c in block["correlations"]
    )
    return (
        "<table><thead><tr><th>step</th><th>Spearman with the first [95% CI]</th>"
        f"<th>Spearman with the last [95% CI]</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _panels(block: dict[str, Any], key: str, steps: list[float], pid: str, name: str) -> list[Panel]:
    entries = block["values"] if key == "value" else block["dimensions"]
    moved = ", ".join(block["moved_most"]) or "none"
    intro = (
        f"{esc(block['significant'])} of {esc(block['of'])} {esc(name)} change along the series (Holm); "
        f"moved most: {esc(moved)}. {esc(block['n_shared'])} dilemmas answered at every checkpoint."
    )
    return [
        Panel(
            f"{pid}-trajectories",
            f"Trajectories: {name}",
            multiples(entries, key, steps) + _table(entries, key, pid),
            intro,
        ),
        Panel(
            f"{pid}-heatmap",
            f"Heatmap: {name} x steps",
            _heat(entries, key, steps, f"{name} by checkpoint") + _correlations(block),
            "Blue: above the average, vermillion: below (centred utilities); rows sorted by the first checkpoint.",
        ),
    ]


def render_drift_html(summary: dict[str, Any]) -> str:
    """The page for a `DriftResult.summary()`."""
    steps = [float(s) for s in summary["steps"]]
    run_rows = "".join(
        f"<tr><td>{esc(_step(r['step']))}</td><td>{esc(r['model'])}</td><td>{esc(r['run_id'])}</td>"
        f"<td>{esc(r['suite'])}</td><td>{esc(r['items'])}</td></tr>"
        for r in summary["runs"]
    )
    heading = (
        f'<header class="panel" id="header" data-panel="header"><h1>Value drift over {len(steps)} checkpoints</h1>'
        f'<p class="sub">{esc(summary["method"])}</p><table><thead><tr><th>step</th><th>model</th><th>run</th>'
        f"<th>suite</th><th>dilemmas</th></tr></thead><tbody>{run_rows}</tbody></table></header>"
    )
    panels = _panels(summary, "value", steps, "values", "values")
    for tid, block in summary["theories"].items():
        panels += _panels(block, "dimension", steps, f"t-{tid}", f"{tid} dimensions")
    footer = (
        f"Made by valuelens {esc(summary.get('valuelens_version', ''))}; seed {esc(summary['seed'])}, "
        f"{esc(summary['n_boot'])} bootstrap resamples. The data behind this page is embedded in it as JSON."
    )
    return page("valuelens drift", heading, panels, summary, footer)


def write_drift_html(summary: dict[str, Any], path: str | Path) -> Path:
    """Write the drift page to `path` and return it."""
    target = Path(path)
    target.write_text(render_drift_html(summary), "utf-8")
    return target
