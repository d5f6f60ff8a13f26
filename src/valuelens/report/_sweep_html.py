"""The sweep report: one self-contained HTML page with inline SVG heatmaps of utilities by condition,
the values each condition moves, and steerability per principle. All text is escaped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from valuelens._io import write_text
from valuelens.report._panels import incomplete_banner
from valuelens.report._svg import CHAR_W, esc, is_num, svg, tag, text, title

CELL_W, CELL_H, HEAD_H = 34.0, 15.0, 22.0


def _colour(u: Any, scale: float) -> str:
    """Diverging blue (positive) / vermillion (negative) by |u| / scale; grey for no data."""
    if not is_num(u):
        return "#eeeeee"
    t = max(-1.0, min(1.0, u / scale)) if scale > 0 else 0.0
    base = (0, 114, 178) if t >= 0 else (213, 94, 0)
    a = abs(t)
    r, g, b = (round(255 + (c - 255) * a) for c in base)
    return f"#{r:02x}{g:02x}{b:02x}"


def heatmap(rows: list[dict[str, Any]], n_cols: int, label: str, columns: list[str] | None = None) -> str:
    """Rows {name, utilities: [per column]} as an SVG grid; columns headed by `columns`, else numbered 1..n."""
    heads = columns or [str(j + 1) for j in range(n_cols)]
    finite = [abs(u) for r in rows for u in r["utilities"] if is_num(u)]
    scale = max(finite) if finite else 1.0
    left = min(220.0, max([len(r["name"]) for r in rows] + [4]) * CHAR_W + 12)
    width, height = left + n_cols * CELL_W + 8, HEAD_H + len(rows) * CELL_H + 8
    parts = [text(left + (j + 0.5) * CELL_W, 15, heads[j], text_anchor="middle") for j in range(n_cols)]
    for i, r in enumerate(rows):
        y = HEAD_H + i * CELL_H
        parts.append(text(left - 6, y + CELL_H - 4, r["name"], text_anchor="end"))
        for j, u in enumerate(r["utilities"]):
            tip = f"{r['name']} | column {heads[j]}: " + (f"{u:+.2f}" if is_num(u) else "no data")
            rect = tag(
                "rect",
                x=left + j * CELL_W,
                y=y,
                width=CELL_W - 1,
                height=CELL_H - 1,
                fill=_colour(u, scale),
            )
            parts.append(tag("g", title(tip) + rect))
    return svg(width, height, "".join(parts), label)


def _table(head: list[str], rows: list[list[Any]]) -> str:
    th = "".join(f"<th>{esc(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _f(x: Any, signed: bool = True) -> str:
    return (f"{x:+.2f}" if signed else f"{x:.2f}") if is_num(x) else "–"


def answers_section(runs: list[dict[str, Any]]) -> list[str]:
    """Free-text runs: reads per route and agreement with log-probabilities, one row per run; [] otherwise."""
    read = [r for r in runs if r.get("free_text")]
    if not read:
        return []
    rows = []
    for r in read:
        routes, both = r["free_text"]["routes"], r.get("answer_agreement") or {}
        agree = f"r {_f(both.get('correlation'))}, same {both['same_majority']:.0%}" if both.get("n") else "–"
        rows.append([r["model"], r["condition"], *(routes[k] for k in ("rule", "judge", "refused", "none"))])
        rows[-1] += [agree, both.get("verdict_text", "–")]
    head = ["model", "condition", "rule", "judge", "refused", "unread", "vs log-probabilities", "verdict"]
    return [
        "<h2>How the free-text answers were read</h2>",
        "<p>Rule: the stated choice in the final answer; judge: the judge model read it; unread answers "
        "count for nothing (never 0.5).</p>",
        _table(head, rows),
    ]


def render_sweep_html(summary: dict[str, Any]) -> str:
    """The page for a `Sweep.summary()`."""
    util = summary["utilities"]
    cols = util["columns"]
    n = len(cols)
    runs = _table(
        ["#", "model", "condition", "run"],
        [[j + 1, c["model"], c["condition"], c["run_id"]] for j, c in enumerate(cols)],
    )
    values = sorted(util["values"], key=lambda r: -(r["utilities"][0] if is_num(r["utilities"][0]) else -99))
    dims = next(iter(util["dimensions"].values()), [])
    shift_rows = [
        [
            s["model"],
            s["condition"],
            f"{s.get('n_significant', 0)} / {s.get('n_values', '–')}",
            ", ".join(f"{v['value']} {v['difference']:+.2f}" for v in s["significant"]) or s.get("error", "none"),
        ]
        for s in summary["shifts"]
    ]
    steer_rows = [
        [
            s["model"],
            s["condition"],
            ", ".join(s["supports"]),
            ", ".join(s["opposes"]),
            _f(s["p_baseline"], False),
            _f(s["p_steered"], False),
            f"{_f(s['effect'])} [{_f(s['ci_low'])}, {_f(s['ci_high'])}]",
            s["n"],
            s["verdict"],
        ]
        for s in summary["steerability"]
    ]
    body = [
        f"<h1>valuelens sweep: {esc(summary['suite'])}</h1>",
        *(incomplete_banner(r, f"{r['model']} | {r['condition']}") for r in summary.get("runs", [])),
        f"<p>{esc(len(cols))} runs on the same dilemmas; seed {esc(summary['seed'])}, "
        f"{esc(summary['n_boot'])} bootstrap resamples. {esc(summary['method'])}.</p>",
        "<h2>Runs</h2>",
        runs,
        "<h2>Value utilities by condition</h2>",
        "<p>Blue: higher utility, vermillion: lower (centred utilities); rows sorted by column 1.</p>",
        heatmap(values, n, "Value utilities by condition"),
    ]
    if dims:
        body += ["<h2>Schwartz dimension utilities by condition</h2>", heatmap(dims, n, "Schwartz utilities")]
    body += [
        "<h2>Values that move (Holm-significant shifts against the model's baseline)</h2>",
        _table(["model", "condition", "significant", "values (shift)"], shift_rows),
        "<h2>Steerability</h2>",
        _table(
            ["model", "principle", "supports", "opposes", "P base", "P steered", "effect [CI]", "n", "verdict"],
            steer_rows,
        )
        if steer_rows
        else "<p>No principle conditions.</p>",
    ]
    body += answers_section(summary["runs"])
    style = (
        "body{font-family:system-ui,sans-serif;margin:2em;color:#1f2328}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #d0d7de;padding:3px 8px;"
        "text-align:left;font-size:13px}"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>valuelens sweep</title><style>{style}</style></head><body>" + "".join(body) + "</body></html>\n"
    )


def write_sweep_html(summary: dict[str, Any], path: str | Path) -> Path:
    return write_text(path, render_sweep_html(summary), "report")
