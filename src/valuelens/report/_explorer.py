"""The dilemma explorer: every dilemma and wording, both actions, their values, P(A) per order."""

from __future__ import annotations

from typing import Any

from valuelens.report._page import Panel
from valuelens.report._svg import esc, is_num
from valuelens.report._tables import cell_number, header_row, search_box

LAZY_ROWS = 500
"""Above this many rows the browser lays the explorer out only when it scrolls into view (fast opening)."""

COLUMNS = [
    ("item_id", "id", "text"),
    ("domain", "domain", "text"),
    ("question", "dilemma", "text"),
    ("action_a", "action A", "text"),
    ("action_b", "action B", "text"),
    ("p_a_first", "P(A), A first", "num"),
    ("p_a_second", "P(A), A second", "num"),
    ("p_a", "P(A), mean", "num"),
]


def _chips(values: Any) -> str:
    items = values if isinstance(values, list | tuple) else [v for v in str(values or "").split("; ") if v]
    return '<div class="chips">' + "".join(f'<span class="chip">{esc(v)}</span>' for v in items) + "</div>"


def _action(row: dict[str, Any], side: str) -> str:
    parties = row.get(f"parties_{side}") or []
    who = ", ".join(str(p) for p in parties) if isinstance(parties, list | tuple) else str(parties)
    who_html = f'<div class="parties">affects: {esc(who)}</div>' if who else ""
    return f'<td class="act">{esc(row.get(f"action_{side}", ""))}{_chips(row.get(f"values_{side}"))}{who_html}</td>'


def _mean_cell(p: Any) -> str:
    if not is_num(p):
        return cell_number(None)
    pct = max(0.0, min(100.0, 100.0 * float(p)))
    bar = f'<div class="bar" aria-hidden="true"><span style="width:{pct:.1f}%"></span><i></i></div>'
    return f'<td class="n" data-v="{float(p)!r}">{p:.2f}{bar}</td>'


def _row(row: dict[str, Any]) -> str:
    variant = row.get("variant") or 0
    label = f"{row.get('item_id', '')}" + (f" \u00b7 paraphrase {variant}" if variant else "")
    dilemma = (
        f'<td class="dilemma"><details><summary>{esc(row.get("question", ""))}</summary>'
        f'<p class="sit">{esc(row.get("situation", ""))}</p></details></td>'
    )
    return (
        f'<tr data-item="{esc(row.get("item_id", ""))}" data-variant="{esc(variant)}">'
        f'<td class="mono" data-v="{esc(label)}">{esc(label)}</td><td>{esc(row.get("domain", ""))}</td>{dilemma}'
        f"{_action(row, 'a')}{_action(row, 'b')}"
        f"{cell_number(row.get('p_a_first'))}{cell_number(row.get('p_a_second'))}{_mean_cell(row.get('p_a'))}</tr>"
    )


def explorer_panel(data: dict[str, Any]) -> Panel | None:
    """A searchable, sortable table of every dilemma asked (one row per dilemma and wording)."""
    rows = [r for r in data.get("dilemmas") or [] if isinstance(r, dict)]
    if not rows:
        return None
    table = (
        f'<table id="explorer" data-sortable="1">{header_row(COLUMNS)}'
        f"<tbody>{''.join(_row(r) for r in rows)}</tbody></table>"
    )
    intro = (
        "Every dilemma as asked, with the values each action serves and the probability of choosing action A "
        "when A is listed first, when it is listed second, and their mean (the bar; the tick marks 0.5). "
        "Click a question to read the situation."
    )
    lazy = " lazy" if len(rows) > LAZY_ROWS else ""
    body = (
        search_box("explorer", "Search situations, actions, values, domains")
        + f'<div class="scroll{lazy}">{table}</div>'
    )
    return Panel("dilemmas", f"Dilemma explorer ({len(rows)})", body, esc(intro))
