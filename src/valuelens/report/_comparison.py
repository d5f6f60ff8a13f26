"""The HTML comparison of two runs: both profiles side by side, differences with intervals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from valuelens.report._charts import Point, forest
from valuelens.report._page import Panel, page
from valuelens.report._svg import AGAINST, FOR, NEUTRAL, esc, fmt, fmt_ci, is_num, padded_range
from valuelens.report._tables import sortable_table


def _get(row: dict[str, Any], *keys: str) -> Any:
    """The first present key (the comparison rows may use short or long names)."""
    return next((row[k] for k in keys if k in row), None)


def _rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    rows = data.get("values") or data.get("differences") or []
    out = []
    for r in rows:
        if not isinstance(r, dict):
            continue
        out.append(
            {
                "value": r.get("value"),
                "a": _get(r, "a", "utility_a"),
                "b": _get(r, "b", "utility_b"),
                "diff": _get(r, "diff", "difference"),
                "ci_low": r.get("ci_low"),
                "ci_high": r.get("ci_high"),
                "p": _get(r, "p", "p_value"),
                "p_holm": r.get("p_holm"),
                "significant": bool(
                    r.get("significant") if "significant" in r else is_num(r.get("p_holm")) and r["p_holm"] < 0.05
                ),
            }
        )
    return sorted(out, key=lambda r: -(r["diff"] if is_num(r["diff"]) else -1e9))


def _run_name(run: dict[str, Any], letter: str) -> str:
    return f"{letter}: {run.get('model', '?')} ({run.get('run_id', '?')})"


def _heading(runs: list[dict[str, Any]]) -> str:
    names = " and ".join(esc(r.get("model", "?")) for r in runs[:2]) or "two runs"
    fields = ("model", "suite", "run_id", "items", "seed", "valuelens_version")
    head = "".join(f'<th scope="col">{esc(_run_name(r, "AB"[i]))}</th>' for i, r in enumerate(runs[:2]))
    body = []
    for f in fields:
        body.append(
            f'<tr><th scope="row">{esc(f.replace("_", " "))}</th>'
            + "".join(f"<td>{esc(r.get(f, '–'))}</td>" for r in runs[:2])
            + "</tr>"
        )
    for f in ("system_prompt", "persona", "principle"):
        cells = [(r.get("condition") or {}).get(f) for r in runs[:2]]
        if any(cells):
            tds = "".join(f'<td class="cond"><span class="v">{esc(c or "none")}</span></td>' for c in cells)
            body.append(f'<tr><th scope="row">{esc(f.replace("_", " "))}</th>{tds}</tr>')
    return (
        f'<header class="panel" id="header" data-panel="header"><h1>Comparing {names}</h1>'
        '<p class="sub">Two value profiles on the same values; the difference is B \u2212 A with a 95% interval, '
        "and a shift counts as significant after Holm's correction over all values.</p>"
        f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></header>"
    )


def _headline(data: dict[str, Any], rows: list[dict[str, Any]]) -> Panel:
    sig = [r for r in rows if r["significant"]]
    up = [r for r in sig if is_num(r["diff"]) and r["diff"] > 0][:3]
    down = [r for r in reversed(sig) if is_num(r["diff"]) and r["diff"] < 0][:3]
    lines = [f"<p class='lead'>{len(sig)} of {len(rows)} values shift significantly between A and B.</p>"]
    if up:
        lines.append(
            "<p>B puts more weight on " + ", ".join(f'<b class="for">{esc(r["value"])}</b>' for r in up) + ".</p>"
        )
    if down:
        lines.append(
            "<p>B puts less weight on " + ", ".join(f'<b class="against">{esc(r["value"])}</b>' for r in down) + ".</p>"
        )
    rho = data.get("spearman")
    if is_num(rho):
        agree = "closely" if rho >= 0.8 else "moderately" if rho >= 0.5 else "weakly"
        lines.append(f"<p>Rank correlation of the two profiles (Spearman) {esc(fmt(rho, 2))}: they agree {agree}.</p>")
    ait = data.get("aitchison")
    if isinstance(ait, dict) and is_num(ait.get("value")):
        ci = fmt_ci(ait.get("ci_low"), ait.get("ci_high"), 2, False)
        lines.append(
            f"<p>Aitchison distance between the priority compositions {esc(fmt(ait['value'], 2, False))} {esc(ci)}.</p>"
        )
    elif is_num(ait):
        lines.append(f"<p>Aitchison distance between the priority compositions {esc(fmt(ait, 2, False))}.</p>")
    return Panel("headline", "In plain words", '<div class="headline">' + "".join(lines) + "</div>")


def _colour(r: dict[str, Any]) -> str:
    if not r["significant"] or not is_num(r["diff"]):
        return NEUTRAL
    return FOR if r["diff"] > 0 else AGAINST


def _tip(r: dict[str, Any]) -> str:
    p = f", p={r['p']:.3g}" if is_num(r["p"]) else ""
    holm = f", Holm p={r['p_holm']:.3g}" if is_num(r["p_holm"]) else ""
    return (
        f"{r['value']}: A {fmt(r['a'], 2)}, B {fmt(r['b'], 2)}, B \u2212 A {fmt(r['diff'], 2)} "
        f"{fmt_ci(r['ci_low'], r['ci_high'], 2)}{p}{holm}{' (significant)' if r['significant'] else ''}"
    )


def render_comparison_html(data: dict[str, Any]) -> str:
    """The comparison of two runs as one self-contained HTML document.

    Args:
        data: {"runs": [summary A, summary B], "values": [{"value", "a", "b", "diff", "ci_low",
            "ci_high", "p", "p_holm", "significant"}], "spearman": float, "aitchison": {...} or float}.
            diff is B - A. Long names (utility_a, utility_b, difference, p_value) are accepted too.
    """
    runs = [r for r in data.get("runs") or [] if isinstance(r, dict)]
    rows = _rows(data)
    metric = str(data.get("metric", "utility"))
    panels = [_headline(data, rows)] if rows else []
    if rows:
        by_a = sorted(rows, key=lambda r: -(r["a"] if is_num(r["a"]) else -1e9))
        pts = [Point(str(r["value"]), r["a"], None, None, _tip(r), _colour(r), est2=r["b"]) for r in by_a]
        dom = padded_range([v for r in rows for v in (r["a"], r["b"])])
        names = tuple(_run_name(r, "AB"[i]) for i, r in enumerate(runs[:2])) if len(runs) >= 2 else ("A", "B")
        chart = forest(pts, domain=dom, axis_label=metric, label="Both profiles", width=980, zero=None, legend=names)
        caption = (
            "Filled dot: A, hollow dot: B, sorted by A. Coloured rows shift significantly (blue: B higher, "
            "vermillion: B lower)."
        )
        panels.append(
            Panel(
                "profiles", "Profiles side by side", f"<figure>{chart}<figcaption>{esc(caption)}</figcaption></figure>"
            )
        )
        dpts = [Point(str(r["value"]), r["diff"], r["ci_low"], r["ci_high"], _tip(r), _colour(r)) for r in rows]
        ddom = padded_range([v for r in rows for v in (r["diff"], r["ci_low"], r["ci_high"])])
        dchart = forest(
            dpts, domain=ddom, axis_label=f"difference B \u2212 A ({metric})", label="Differences", width=980
        )
        cols = [("value", "value", "text"), ("a", "A", "num"), ("b", "B", "num"), ("diff", "B \u2212 A", "num")]
        cols += [
            ("ci_low", "CI low", "num"),
            ("ci_high", "CI high", "num"),
            ("p", "p", "num"),
            ("p_holm", "Holm p", "num"),
        ]
        table = sortable_table("diff-table", cols, rows, row_class=lambda r: "sig" if r["significant"] else None)
        body = (
            f"<figure>{dchart}<figcaption>Difference with its 95% interval; coloured: significant after Holm's "
            f"correction.</figcaption></figure><details class='more' open><summary>All numbers (significant rows "
            f"highlighted)</summary><div class='scroll'>{table}</div></details>"
        )
        panels.append(Panel("differences", "Differences", body))
    embedded = {k: v for k, v in data.items() if k != "runs"} | {
        "runs": [{k: v for k, v in r.items() if k != "dilemmas"} for r in runs]
    }
    version = runs[0].get("valuelens_version", "") if runs else ""
    footer = f"Made by valuelens {esc(version)}. The data behind this page is embedded in it as JSON."
    title = "valuelens comparison: " + " vs ".join(str(r.get("model", "?")) for r in runs[:2])
    return page(title, _heading(runs), panels, embedded, footer)


def write_comparison_pages(pages: list[tuple[str, dict[str, Any]]], target: str | Path) -> list[Path]:
    """Write one comparison page per (run id of b, data) pair: to `target` when there is one pair, else to
    TARGET-RUN_ID.html beside it. Returns the paths written."""
    target = Path(target)
    written = []
    for run_id, data in pages:
        path = target if len(pages) == 1 else target.with_name(f"{target.stem}-{run_id}{target.suffix}")
        path.write_text(render_comparison_html(data), encoding="utf-8")
        written.append(path)
    return written
